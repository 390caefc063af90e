//! Account steps carried out by a network's Active Directory itself, where the city allows
//! it for that network (`[requests.directory.<network>]`, off by default; elsewhere the
//! work order's PowerShell script stays the way). The request page shows the change as a
//! dry run before approval; when an operator starts the work, each operation is done in
//! order and recorded once done (its own transaction), so that a retry after a failure
//! skips what is already there. A failure marks its step failed and leaves the request
//! 失敗 with the directory's message (one transaction, with its audit row and notice).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use super::ad_script::AdTarget;
use super::{definition_of, Acting, Capacity, RequestError, RequestRow, Requests};
use crate::domain::request_type::{AdChange, RequestType};
use crate::domain::{Network, RequestAction, RequestStatus, StepStatus};
use crate::storage::request_directory as results;
use crate::storage::requests as records;
use crate::storage::{audit, AuditEntry, StorageError};

/// Why the directory refused or could not be reached (its own message).
pub type WriterFailure = String;

/// A future a directory answers with.
pub type WriterFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, WriterFailure>> + Send + 'a>>;

/// One operation on an account, in the helpdesk's words; the directory adapter knows
/// where (OUs, groups, the UPN suffix) for its network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountOp {
    /// Create the account disabled (`userAccountControl` 514), in the 所属's OU.
    Create,
    /// Set the initial password (`unicodePwd`, over LDAPS).
    SetPassword,
    /// Enable the account (`userAccountControl` 512).
    Enable,
    /// Change the display name and/or the 所属.
    Update {
        display_name: Option<String>,
        department: Option<String>,
    },
    /// Move to the 所属's OU, or to the OU for disabled accounts (`None`).
    Move { department: Option<String> },
    /// Add to the group of that name.
    AddGroup { group: String },
    /// Disable the account.
    Disable,
}

impl AccountOp {
    /// The stored name (`request_directory_results.operation`).
    pub fn key(&self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::SetPassword => "password",
            Self::Enable => "enable",
            Self::Update { .. } => "update",
            Self::Move { .. } => "move",
            Self::AddGroup { .. } => "group",
            Self::Disable => "disable",
        }
    }
}

/// The directories the helpdesk may write account steps into (implemented in
/// `crate::adapters::active_directory`).
pub trait AccountWriter: Send + Sync {
    /// Whether this network's directory carries out account steps itself.
    fn handles(&self, network: Network) -> bool;

    /// The change as the directory will receive it (the dry run), one line.
    fn preview(&self, network: Network, target: &AdTarget, op: &AccountOp) -> String;

    /// Carries the operation out; what was done. `password` comes with
    /// [`AccountOp::SetPassword`].
    fn perform<'a>(
        &'a self,
        network: Network,
        target: &'a AdTarget,
        op: &'a AccountOp,
        password: Option<&'a str>,
    ) -> WriterFuture<'a, String>;
}

/// One planned operation, as the request page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedOp {
    /// The work order's step (1-based).
    pub position: i64,
    pub network: Network,
    pub op: AccountOp,
    /// What the directory will be asked (the dry run).
    pub preview: String,
    /// What was done, once done.
    pub done: Option<String>,
}

/// The operations of one AD change for one target.
pub fn operations(change: AdChange, target: &AdTarget, definition: &RequestType) -> Vec<AccountOp> {
    let disables = definition
        .steps
        .iter()
        .any(|s| s.ad == Some(AdChange::Disable));
    match change {
        AdChange::NewUser => vec![AccountOp::Create],
        AdChange::Enable => vec![AccountOp::SetPassword, AccountOp::Enable],
        AdChange::SetUser if target.new_name.is_some() || target.new_department.is_some() => {
            vec![AccountOp::Update {
                display_name: target.new_name.clone(),
                department: target.new_department.clone(),
            }]
        }
        AdChange::SetUser => Vec::new(),
        AdChange::Move if target.new_department.is_some() || disables => vec![AccountOp::Move {
            department: target.new_department.clone(),
        }],
        AdChange::Move => Vec::new(),
        AdChange::AddGroup => vec![AccountOp::AddGroup {
            group: target
                .new_department
                .clone()
                .unwrap_or_else(|| target.department.clone()),
        }],
        AdChange::Disable => vec![AccountOp::Disable],
    }
}

/// An initial password: 16 characters with upper and lower case letters, digits and a
/// sign (a directory's complexity rules), from the system's random source.
fn initial_password() -> Result<String, RequestError> {
    const CLASSES: [&[u8]; 4] = [
        b"ABCDEFGHJKLMNPQRSTUVWXYZ",
        b"abcdefghijkmnopqrstuvwxyz",
        b"23456789",
        b"!#%+-=?@",
    ];
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| RequestError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(bytes
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let class = CLASSES[if i < 12 { i % 3 } else { i - 12 }];
            char::from(class[usize::from(*b) % class.len()])
        })
        .collect())
}

type Key = (i64, Network, &'static str);

impl Requests {
    /// The account steps of `row` that a network's directory carries out itself, with
    /// their dry run and what is done already; empty where no network of the request is
    /// configured.
    pub async fn directory_plan(&self, row: &RequestRow) -> Result<Vec<PlannedOp>, RequestError> {
        let Some(writer) = self.directory.as_ref() else {
            return Ok(Vec::new());
        };
        let definition = definition_of(row)?;
        let targets = self.ad_targets(row).await?;
        let done: BTreeMap<Key, String> = self.directory_done(row.id).await?;
        let mut out = Vec::new();
        for (i, step) in definition.steps.iter().enumerate() {
            let Some(change) = step.ad else { continue };
            let position = i as i64 + 1;
            for target in targets.iter().filter(|t| writer.handles(t.network)) {
                for op in operations(change, target, &definition) {
                    out.push(PlannedOp {
                        position,
                        network: target.network,
                        preview: writer.preview(target.network, target, &op),
                        done: done.get(&(position, target.network, op.key())).cloned(),
                        op,
                    });
                }
            }
        }
        Ok(out)
    }

    async fn directory_done(&self, id: i64) -> Result<BTreeMap<Key, String>, RequestError> {
        let rows = results::results(&mut self.store.conn(), id).await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                let key = AccountOp::keys().find(|k| *k == r.operation)?;
                Some(((r.position, r.network, key), r.note))
            })
            .collect())
    }

    /// Carries out the directory's part of request `id` (作業中) as `login`: every
    /// planned operation not done yet, in order. The request after it: still 作業中
    /// (its directory steps marked done), or 失敗 with the directory's message. One run at
    /// a time: while another operator's or instance's run holds the request, this one
    /// does nothing (see [`DIRECTORY_LEASE`]).
    pub(super) async fn run_directory(
        &self,
        id: i64,
        login: &str,
    ) -> Result<RequestRow, RequestError> {
        let row = self.request(id).await?;
        let plan = self.directory_plan(&row).await?;
        let Some(writer) = self.directory.clone() else {
            return Ok(row);
        };
        if plan.is_empty() || row.status != RequestStatus::InProgress {
            return Ok(row);
        }
        let token = crate::accounts::random_token();
        let mut tx = self.store.begin().await?;
        let until = tx.now() + DIRECTORY_LEASE;
        let claimed = records::claim_directory_run(&mut tx, id, &token, until).await?;
        tx.commit().await?;
        if !claimed {
            return Ok(row);
        }
        let targets = self.ad_targets(&row).await?;
        let mut passwords = Vec::new();
        let run = Run {
            id,
            login,
            token: &token,
        };
        let failed = self
            .perform(&run, writer.as_ref(), &plan, &targets, &mut passwords)
            .await;
        // Let go whatever happened (an error included): the request is never left held
        // until the lease runs out.
        let mut tx = self.store.begin().await?;
        records::release_directory_run(&mut tx, id, &token).await?;
        tx.commit().await?;
        self.keep_passwords(id, login, passwords);
        match failed? {
            Some((planned, message)) => {
                self.mark_directory_steps(id, login).await?;
                self.directory_failed(id, planned, &message, login).await
            }
            None => self.mark_directory_steps(id, login).await,
        }
    }

    /// The planned operations not done yet, each after renewing the run's claim (a run
    /// that lost it stops); the one the directory refused, with its message.
    async fn perform<'p>(
        &self,
        run: &Run<'_>,
        writer: &dyn AccountWriter,
        plan: &'p [PlannedOp],
        targets: &[AdTarget],
        passwords: &mut Vec<(Network, String)>,
    ) -> Result<Option<(&'p PlannedOp, String)>, RequestError> {
        for planned in plan.iter().filter(|p| p.done.is_none()) {
            let Some(target) = targets.iter().find(|t| t.network == planned.network) else {
                continue;
            };
            let mut tx = self.store.begin().await?;
            let until = tx.now() + DIRECTORY_LEASE;
            let held = records::renew_directory_run(&mut tx, run.id, run.token, until).await?;
            tx.commit().await?;
            if !held {
                return Ok(None);
            }
            let password = match planned.op {
                AccountOp::SetPassword => Some(initial_password()?),
                _ => None,
            };
            let outcome = writer
                .perform(planned.network, target, &planned.op, password.as_deref())
                .await;
            let note = match outcome {
                Ok(note) => note,
                Err(message) => return Ok(Some((planned, message))),
            };
            let mut tx = self.store.begin().await?;
            let key = planned.op.key();
            results::record(
                &mut tx,
                run.id,
                planned.position,
                planned.network,
                key,
                &note,
                run.login,
            )
            .await?;
            let entry = AuditEntry::new(
                run.login,
                "request.directory",
                "request",
                &run.id.to_string(),
            )
            .detail(format!(
                "step {} {} {key}",
                planned.position, planned.network
            ));
            audit::append(&mut tx, &entry).await?;
            tx.commit().await?;
            if let Some(password) = password {
                passwords.push((planned.network, password));
            }
        }
        Ok(None)
    }

    /// Marks done the steps whose every operation (on every network of the request) the
    /// directory did, with what it did as the note; read again and done again when someone
    /// changed the request meanwhile (an operator marking another step), a few times.
    async fn mark_directory_steps(&self, id: i64, login: &str) -> Result<RequestRow, RequestError> {
        for _ in 0..3 {
            match self.mark_directory_steps_once(id, login).await {
                Err(RequestError::Conflict(_)) => continue,
                other => return other,
            }
        }
        // Still changing: what the directory did is recorded; the steps wait for the
        // operator (or the next run) to be marked.
        self.request(id).await
    }

    async fn mark_directory_steps_once(
        &self,
        id: i64,
        login: &str,
    ) -> Result<RequestRow, RequestError> {
        let row = self.request(id).await?;
        let plan = self.directory_plan(&row).await?;
        let targets = self.ad_targets(&row).await?;
        let handled: HashSet<Network> = plan.iter().map(|p| p.network).collect();
        let all_handled = targets.iter().all(|t| handled.contains(&t.network));
        let steps = records::steps(&mut self.store.conn(), id).await?;
        let mut tx = self.store.begin().await?;
        match records::touch(&mut tx, id, row.version).await {
            Err(StorageError::Conflict(_)) => return Err(RequestError::Conflict(id)),
            other => other?,
        }
        for step in steps.iter().filter(|s| s.status != StepStatus::Done) {
            let ops: Vec<&PlannedOp> = plan
                .iter()
                .filter(|p| p.position == step.position)
                .collect();
            if ops.is_empty() || !all_handled || ops.iter().any(|p| p.done.is_none()) {
                continue;
            }
            let note: Vec<String> = ops
                .iter()
                .map(|p| format!("{}: {}", p.network.label(), p.done.as_deref().unwrap_or("")))
                .collect();
            let note = note.join(" / ");
            records::mark_step(
                &mut tx,
                id,
                step.position,
                StepStatus::Done,
                Some(&note),
                login,
            )
            .await?;
        }
        tx.commit().await?;
        self.request(id).await
    }

    /// The directory refused `planned`: its step failed and the request 失敗, with the
    /// directory's message, in one transaction.
    async fn directory_failed(
        &self,
        id: i64,
        planned: &PlannedOp,
        message: &str,
        login: &str,
    ) -> Result<RequestRow, RequestError> {
        let reason: String = format!(
            "{}（{}、手順{}）",
            message.trim(),
            planned.network.label(),
            planned.position
        )
        .chars()
        .take(super::actions::MAX_NOTE_CHARS)
        .collect();
        let acting = Acting {
            login,
            capacity: Capacity::Operator,
        };
        let prepared = self
            .prepare(id, acting, RequestAction::Fail, Some(&reason), None, None)
            .await?;
        let mut tx = self.store.begin().await?;
        records::mark_step(
            &mut tx,
            id,
            planned.position,
            StepStatus::Failed,
            Some(&reason),
            login,
        )
        .await?;
        let (after, _) = self.apply_in(&mut tx, &prepared, true).await?;
        tx.commit().await?;
        self.wakeup.ring();
        tracing::warn!(
            request = id,
            step = planned.position,
            "directory step failed"
        );
        Ok(after)
    }

    /// Keeps initial passwords set for request `id` by `login`'s run until that operator
    /// reads them once (the console shows them in its answer to 着手, so the instance that
    /// set them is the one that shows them) or [`PASSWORD_HOLD`] has passed.
    fn keep_passwords(&self, id: i64, login: &str, passwords: Vec<(Network, String)>) {
        let mut held = self.passwords.lock().unwrap_or_else(|e| e.into_inner());
        held.keep(id, login, passwords, Instant::now());
    }

    /// [`Requests::take_initial_passwords`] for the page that shows them: audited
    /// (`request.passwords_shown`, with the networks, never the passwords) when any.
    pub async fn show_initial_passwords(
        &self,
        id: i64,
        login: &str,
    ) -> Result<InitialPasswords, RequestError> {
        let passwords = self.take_initial_passwords(id, login);
        if !passwords.is_empty() {
            let networks: Vec<&str> = passwords.iter().map(|(n, _)| n.label()).collect();
            let entry =
                AuditEntry::new(login, "request.passwords_shown", "request", &id.to_string())
                    .detail(networks.join(", "));
            self.store.record_audit(&entry).await?;
        }
        Ok(passwords)
    }

    /// The initial passwords the directory set for request `id` in `login`'s run, handed
    /// out once and only to them (they are never stored): the operator tells the 所属長.
    /// Anyone else gets none, and they stay for the one who started the run.
    pub fn take_initial_passwords(&self, id: i64, login: &str) -> Vec<(Network, String)> {
        let mut held = self.passwords.lock().unwrap_or_else(|e| e.into_inner());
        held.take(id, login, Instant::now())
    }
}

/// How long a directory run holds a request without renewing its claim (it renews before
/// each operation): a run whose instance stopped is taken over after this.
pub const DIRECTORY_LEASE: chrono::Duration = chrono::Duration::minutes(5);

/// A directory run: the request, who started it, its claim's token.
struct Run<'a> {
    id: i64,
    login: &'a str,
    token: &'a str,
}

/// How long initial passwords nobody read are held in memory before they are dropped
/// (the account's password is then reset again in the directory).
pub const PASSWORD_HOLD: Duration = Duration::from_secs(10 * 60);

/// Initial passwords by network, as a run set them.
pub type InitialPasswords = Vec<(Network, String)>;

/// Initial passwords by request and by the login whose run set them, with when.
#[derive(Default)]
pub struct HeldPasswords(HashMap<(i64, String), (Instant, InitialPasswords)>);

impl HeldPasswords {
    fn keep(&mut self, id: i64, login: &str, passwords: Vec<(Network, String)>, now: Instant) {
        self.expire(now);
        if !passwords.is_empty() {
            let key = (id, login.to_owned());
            let held = self.0.entry(key).or_insert_with(|| (now, Vec::new()));
            held.0 = now;
            held.1.extend(passwords);
        }
    }

    fn take(&mut self, id: i64, login: &str, now: Instant) -> Vec<(Network, String)> {
        self.expire(now);
        self.0
            .remove(&(id, login.to_owned()))
            .map(|(_, p)| p)
            .unwrap_or_default()
    }

    fn expire(&mut self, now: Instant) {
        self.0
            .retain(|_, (set, _)| now.saturating_duration_since(*set) < PASSWORD_HOLD);
    }
}

impl AccountOp {
    /// Every stored name.
    fn keys() -> impl Iterator<Item = &'static str> {
        [
            "create", "password", "enable", "update", "move", "group", "disable",
        ]
        .into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_passwords_are_handed_out_once_and_dropped_when_nobody_reads_them() {
        let start = Instant::now();
        let mut held = HeldPasswords::default();
        held.keep(1, "yamada", vec![(Network::Lgwan, "a".into())], start);
        held.keep(2, "yamada", vec![(Network::Lgwan, "b".into())], start);
        assert!(held.take(1, "sato", start).is_empty(), "only to who ran it");
        assert_eq!(
            held.take(1, "yamada", start),
            vec![(Network::Lgwan, "a".into())]
        );
        assert!(held.take(1, "yamada", start).is_empty(), "handed out once");
        // Unread past the hold: gone, also from memory.
        let later = start + PASSWORD_HOLD;
        held.keep(3, "yamada", Vec::new(), later);
        assert!(held.0.is_empty());
        assert!(held.take(2, "yamada", later).is_empty());
    }

    #[test]
    fn initial_passwords_have_every_class_and_differ() {
        let a = initial_password().unwrap();
        let b = initial_password().unwrap();
        assert_eq!(a.chars().count(), 16);
        assert_ne!(a, b);
        assert!(a.chars().any(|c| c.is_ascii_uppercase()));
        assert!(a.chars().any(|c| c.is_ascii_lowercase()));
        assert!(a.chars().any(|c| c.is_ascii_digit()));
        assert!(a.chars().any(|c| !c.is_ascii_alphanumeric()));
    }
}
