//! `madoguchi user`: local operator accounts.

use std::process::ExitCode;

use anyhow::Context;

use crate::accounts::{self, HashedPassword, NewUser, Role};
use crate::config::Settings;

use crate::storage::{AuditEntry, Store};

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
                HashedPassword::new(&accounts::sessions::random_token())?
            } else {
                HashedPassword::new(&read_password(&format!("password for {login}"))?)?
            };
            let store = rt.block_on(Store::connect(&settings.database_url()))?;
            let user = NewUser {
                login,
                display_name: name,
                role,
                password,
            };
            rt.block_on(store.create_user(&user))
                .with_context(|| format!("user add {}", user.login))?;
            rt.block_on(audit(
                &store,
                "user.add",
                &user.login,
                Some(if ldap {
                    format!("{}, ldap", user.role)
                } else {
                    user.role.to_string()
                }),
            ))?;
            let way = if ldap { ", signs in through LDAP" } else { "" };
            println!("created user {} ({}{way})", user.login, user.role);
        }
        UserAction::List => {
            let store = rt.block_on(Store::connect(&settings.database_url()))?;
            let users = rt.block_on(store.users())?;
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
            let store = rt.block_on(Store::connect(&settings.database_url()))?;
            if rt.block_on(store.user(&login))?.is_none() {
                anyhow::bail!("user passwd: no user with login {login:?}");
            }
            let password =
                HashedPassword::new(&read_password(&format!("new password for {login}"))?)?;
            if !rt.block_on(store.set_user_password(&login, &password))? {
                anyhow::bail!("user passwd: no user with login {login:?}");
            }
            rt.block_on(audit(&store, "user.passwd", &login, None))?;
            println!("password changed for {login}");
        }
        UserAction::Disable { login } => {
            let store = rt.block_on(Store::connect(&settings.database_url()))?;
            if !rt.block_on(store.set_user_disabled(&login, true))? {
                anyhow::bail!("user disable: no user with login {login:?}");
            }
            rt.block_on(audit(&store, "user.disable", &login, None))?;
            println!("disabled user {login}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Records an account change made from the command line in the audit log.
async fn audit(
    store: &Store,
    action: &str,
    login: &str,
    detail: Option<String>,
) -> anyhow::Result<()> {
    let entry = AuditEntry {
        actor: "cli".into(),
        action: action.into(),
        object_kind: "user".into(),
        object_id: login.into(),
        detail,
    };
    Ok(store.record_audit(&entry).await?)
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
