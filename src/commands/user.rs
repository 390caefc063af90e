//! `madoguchi user`: local operator accounts.

use std::process::ExitCode;

use anyhow::Context;

use crate::accounts::{self, Accounts, HashedPassword, ManageError, NewUser, NoDirectory, Role};
use crate::clock::SystemClock;
use crate::config::Settings;
use crate::storage::Store;

use super::runtime;

#[derive(clap::Subcommand)]
pub enum UserAction {
    /// Create an operator console account. The password is read from standard input, one
    /// line (shown as typed on a terminal: pipe it in where that matters); with `--ldap`
    /// none is read.
    Add {
        /// 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'.
        login: String,
        /// The name the console shows (e.g. "山田 太郎").
        #[arg(long)]
        name: String,
        /// operator, admin or viewer.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Signs in with the city directory's password ([ldap] settings): no local password
        /// is read or usable (`user passwd` can set one later as a fallback).
        #[arg(long)]
        ldap: bool,
    },
    /// List the accounts: login, name, role, enabled or disabled (never passwords).
    List,
    /// Set an account's password, read from standard input like `user add`.
    Passwd { login: String },
    /// Disable an account: it can no longer sign in; its history stays.
    Disable { login: String },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).map_err(|e| e.to_string())
}

/// `madoguchi user ...`: operator console accounts. Opens only the database (no index).
/// Input is checked before anything is written: a bad login, name or password changes
/// nothing.
pub fn user(settings: &Settings, action: UserAction) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    let connect = || -> anyhow::Result<Accounts> {
        let store = rt.block_on(Store::connect(
            &settings.database_url(),
            std::sync::Arc::new(SystemClock),
        ))?;
        Ok(Accounts::new(
            store,
            settings.console,
            std::sync::Arc::new(NoDirectory),
        ))
    };
    match action {
        UserAction::Add {
            login,
            name,
            role,
            ldap,
        } => {
            accounts::validate_login(&login)?;
            accounts::validate_display_name(&name)?;
            let password = if ldap {
                // A hash of a random value no one knows: the account signs in through LDAP.
                HashedPassword::new(&accounts::random_token())?
            } else {
                HashedPassword::new(&read_password(&format!("password for {login}"))?)?
            };
            let accounts = connect()?;
            let user = NewUser {
                login,
                display_name: name,
                role,
                password,
            };
            let detail = if ldap {
                format!("{}, ldap", user.role)
            } else {
                user.role.to_string()
            };
            rt.block_on(accounts.create(CLI, &user, &detail))
                .map_err(english)
                .with_context(|| format!("user add {}", user.login))?;
            let way = if ldap { ", signs in through LDAP" } else { "" };
            println!("created user {} ({}{way})", user.login, user.role);
        }
        UserAction::List => {
            let users = rt.block_on(connect()?.list())?;
            println!("login\tname\trole\tstatus");
            for user in &users {
                let status = if user.disabled { "disabled" } else { "enabled" };
                println!(
                    "{}\t{}\t{}\t{status}",
                    user.login, user.display_name, user.role
                );
            }
        }
        UserAction::Passwd { login } => {
            let accounts = connect()?;
            if rt.block_on(accounts.get(&login))?.is_none() {
                anyhow::bail!("user passwd: no user with login {login:?}");
            }
            let password =
                HashedPassword::new(&read_password(&format!("new password for {login}"))?)?;
            rt.block_on(accounts.set_password(CLI, &login, &password))
                .map_err(english)
                .context("user passwd")?;
            println!("password changed for {login}");
        }
        UserAction::Disable { login } => {
            let accounts = connect()?;
            rt.block_on(accounts.set_disabled(CLI, &login, true))
                .map_err(english)
                .context("user disable")?;
            println!("disabled user {login}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The audit log's actor for changes made from the command line.
const CLI: &str = "cli";

/// A refusal as the command line says it.
fn english(e: ManageError) -> anyhow::Error {
    match e {
        ManageError::NoSuchAccount(login) => anyhow::anyhow!("no user with login {login:?}"),
        ManageError::Invalid(reason) => anyhow::anyhow!("{reason}"),
        other => anyhow::anyhow!("{other}"),
    }
}

/// Reads a password: one line of standard input, without its line ending. On a terminal
/// a prompt goes to stderr first; the password is echoed as typed (no hidden input).
fn read_password(prompt: &str) -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal, Write};
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("{prompt} (one line; shown as typed): ");
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    if stdin.lock().read_line(&mut line)? == 0 {
        anyhow::bail!("no password on standard input (give it as one line)");
    }
    let password = line
        .strip_suffix('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .unwrap_or(&line);
    Ok(password.to_owned())
}
