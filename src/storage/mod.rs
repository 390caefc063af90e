//! Storage: the live knowledge base, its revision history, the question log and settings.
//!
//! One [`Store`] is picked at run time from the database URL (`sqlite://` or `postgres://`),
//! in the manner of atuin-server. The SQL lives in one file per backend (`sqlite.rs`,
//! `postgres.rs`), each implementing the same `Backend` trait; the schema lives in
//! `migrations/sqlite` and `migrations/postgres`, applied on connect. Everything that is not
//! SQL (validation, deciding whether a save changes anything) is shared, so both backends
//! behave alike and `tests/storage.rs` runs one story against both.

/// Calls the same method on whichever backend the store holds. Defined before the
/// submodules so that a feature's own storage file (its SQL macro and its `impl Store`
/// block) can use it too.
macro_rules! delegate {
    ($self:ident, $backend:ident => $call:expr) => {
        match &$self.inner {
            $crate::storage::Inner::Sqlite($backend) => $call,
            $crate::storage::Inner::Postgres($backend) => $call,
        }
    };
}

mod console;
mod error;
mod faq_tools;
mod learning;
mod notices;
mod postgres;
mod records;
mod rows;
mod shared;
mod sqlite;

use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;

pub use self::console::{AuditFilter, SessionRecord, TicketFilter, TicketNote, TicketPage};
pub use self::error::StorageError;
pub use self::faq_tools::SynonymDictionary;
pub use self::learning::{
    question_key, DashboardCounts, DayCounts, EntryCounts, GapKind, NewProposal, PendingProposal,
    Period, PeriodCounts, Proposal, ProposalOutcome, UnansweredQuestion,
    ESCALATION_WINDOW_MESSAGES, MAX_DAYS,
};
pub use self::notices::{NewOutboxItem, NoticeBuilder};
pub use self::records::*;
use self::rows::SaveOutcome;
use self::shared::ConversationLookup;
use crate::accounts::{self, HashedPassword, NewUser, StoredUser, User};
use crate::kb::FaqEntry;

type Result<T, E = StorageError> = std::result::Result<T, E>;

/// One saved version of an FAQ entry, as the console's history shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaqRevision {
    /// 1 for the first save, then one more for every save that changed something.
    pub revision: u32,
    /// Who saved it (a staff account, or e.g. `seed` for the initial import).
    pub author: String,
    pub created_at: DateTime<Utc>,
    /// The entry exactly as it was saved in this revision.
    pub entry: FaqEntry,
}

/// What an import did, entry by entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    /// Entries identical to the stored ones: no new revision.
    pub unchanged: usize,
}

/// A question someone asked, and how the answering engine decided, for statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct NewQuestion {
    /// Where it was asked (`logo-chat`, `web`, `terminal`, ...).
    pub channel: String,
    pub text: String,
    /// The engine's decision (`answer`, `suggest`, `escalate`).
    pub decision: String,
    /// Why (`confident`, `no_match`, `greeting`, ...: [`crate::engine::Reason::as_str`]);
    /// small talk is decided `escalate` too, and this tells it apart from a real miss.
    pub reason: Option<String>,
    pub top_faq_id: Option<String>,
    pub top_score: Option<f64>,
}

/// The SQL each backend provides. Static dispatch: [`Store`] holds an enum of the two.
///
/// Inputs arrive validated; `save_faqs` writes all entries in one transaction or none.
trait Backend {
    async fn faq_count(&self) -> Result<i64>;
    async fn list_faqs(&self) -> Result<Vec<FaqEntry>>;
    async fn get_faq(&self, id: &str) -> Result<Option<FaqEntry>>;
    async fn save_faqs(
        &self,
        entries: &[FaqEntry],
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<SaveOutcome>>;
    async fn faq_revisions(&self, id: &str) -> Result<Vec<FaqRevision>>;
    async fn record_question(&self, question: &NewQuestion, now: DateTime<Utc>) -> Result<i64>;
    async fn question_count(&self) -> Result<i64>;
    async fn meta_get(&self, key: &str) -> Result<Option<String>>;
    async fn meta_set(&self, key: &str, value: &str) -> Result<()>;
}

#[derive(Clone)]
enum Inner {
    Sqlite(sqlite::SqliteBackend),
    Postgres(postgres::PostgresBackend),
}

/// The helpdesk's database. Cloning is cheap (it shares one connection pool).
#[derive(Clone)]
pub struct Store {
    inner: Inner,
}

impl Store {
    /// Opens the database named by `url` and brings its schema up to date.
    ///
    /// `sqlite://PATH` or `sqlite:PATH` (the file and its parent folders are created if
    /// missing), `postgres://...` or `postgresql://...`. Anything else is
    /// [`StorageError::UnsupportedUrl`].
    pub async fn connect(url: &str) -> Result<Store> {
        let inner = if url.starts_with("sqlite:") {
            Inner::Sqlite(sqlite::SqliteBackend::connect(url).await?)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Inner::Postgres(postgres::PostgresBackend::connect(url).await?)
        } else {
            return Err(StorageError::UnsupportedUrl(describe_scheme(url)));
        };
        Ok(Store { inner })
    }

    /// `"sqlite"` or `"postgres"`, for logs and the status page.
    pub fn backend_name(&self) -> &'static str {
        match self.inner {
            Inner::Sqlite(_) => "sqlite",
            Inner::Postgres(_) => "postgres",
        }
    }

    /// How many FAQ entries are stored, published or not.
    pub async fn faq_count(&self) -> Result<i64> {
        delegate!(self, b => b.faq_count().await)
    }

    /// All entries, unpublished ones included (see [`FaqEntry::published`]), ordered by id.
    pub async fn list_faqs(&self) -> Result<Vec<FaqEntry>> {
        delegate!(self, b => b.list_faqs().await)
    }

    pub async fn get_faq(&self, id: &str) -> Result<Option<FaqEntry>> {
        delegate!(self, b => b.get_faq(id).await)
    }

    /// Creates or updates `entry` and records the save as a new revision, in one
    /// transaction. Returns the entry's revision number: 1 when new, the current one
    /// unchanged when `entry` is identical to what is stored (no revision is added).
    pub async fn save_faq(&self, entry: &FaqEntry, author: &str) -> Result<u32> {
        validate(entry)?;
        let outcomes =
            delegate!(self, b => b.save_faqs(std::slice::from_ref(entry), author, now()).await)?;
        Ok(outcomes[0].revision())
    }

    /// Saves every entry like [`Store::save_faq`], all in one transaction: when any entry
    /// is invalid or an id repeats within `entries`, nothing is written.
    pub async fn import_faqs(&self, entries: &[FaqEntry], author: &str) -> Result<ImportReport> {
        let mut first_seen: HashMap<&str, usize> = HashMap::new();
        for (index, entry) in entries.iter().enumerate() {
            validate(entry)
                .map_err(|e| StorageError::Invalid(format!("import entry {}: {e}", index + 1)))?;
            if let Some(first) = first_seen.insert(&entry.id, index) {
                return Err(StorageError::Invalid(format!(
                    "import entries {} and {} both have id {:?}",
                    first + 1,
                    index + 1,
                    entry.id
                )));
            }
        }
        let outcomes = delegate!(self, b => b.save_faqs(entries, author, now()).await)?;
        let mut report = ImportReport::default();
        for outcome in outcomes {
            match outcome {
                SaveOutcome::Created(_) => report.created += 1,
                SaveOutcome::Updated(_) => report.updated += 1,
                SaveOutcome::Unchanged(_) => report.unchanged += 1,
            }
        }
        Ok(report)
    }

    /// Every saved version of entry `id`, newest first (empty when there is no such entry).
    pub async fn faq_revisions(&self, id: &str) -> Result<Vec<FaqRevision>> {
        delegate!(self, b => b.faq_revisions(id).await)
    }

    /// Logs a question, asked now. Returns its id.
    pub async fn record_question(&self, question: &NewQuestion) -> Result<i64> {
        delegate!(self, b => b.record_question(question, now()).await)
    }

    pub async fn question_count(&self) -> Result<i64> {
        delegate!(self, b => b.question_count().await)
    }

    /// A small setting, such as whether the knowledge base was seeded.
    pub async fn meta_get(&self, key: &str) -> Result<Option<String>> {
        delegate!(self, b => b.meta_get(key).await)
    }

    /// Sets (or replaces) a small setting.
    pub async fn meta_set(&self, key: &str, value: &str) -> Result<()> {
        delegate!(self, b => b.meta_set(key, value).await)
    }
}

/// The conversation side: staff directory, conversations, messages, tickets, feedback and
/// the outbox. Times are "now" unless a method takes one.
impl Store {
    /// Replaces the staff directory with `staff`, in one transaction.
    pub async fn replace_staff(&self, staff: &[StaffMember]) -> Result<StaffImportReport> {
        let mut seen = std::collections::HashSet::new();
        for member in staff {
            if !seen.insert(member.employee_no.as_str()) {
                return Err(StorageError::Invalid(format!(
                    "職員番号 {} appears twice",
                    member.employee_no
                )));
            }
        }
        delegate!(self, b => b.staff_replace(staff, now()).await)
    }

    pub async fn staff_by_employee_no(&self, employee_no: &str) -> Result<Option<StaffMember>> {
        delegate!(self, b => b.staff_find("employee_no", employee_no).await)
    }

    pub async fn staff_by_logochat_id(&self, logochat_id: &str) -> Result<Option<StaffMember>> {
        delegate!(self, b => b.staff_find("logochat_id", logochat_id).await)
    }

    pub async fn staff_by_email(&self, email: &str) -> Result<Option<StaffMember>> {
        delegate!(self, b => b.staff_find("email", email).await)
    }

    pub async fn staff_by_extension(&self, extension: &str) -> Result<Option<StaffMember>> {
        delegate!(self, b => b.staff_find("extension", extension).await)
    }

    pub async fn staff_count(&self) -> Result<i64> {
        delegate!(self, b => b.staff_count().await)
    }

    /// The conversation for `key`, created (with `token` and `state`) when there is none.
    pub async fn open_conversation(
        &self,
        key: &ConversationKey,
        token: &str,
        state: &str,
    ) -> Result<ConversationRow> {
        delegate!(self, b => b.conversation_open(key, token, state, now()).await)
    }

    pub async fn conversation(&self, id: i64) -> Result<Option<ConversationRow>> {
        delegate!(self, b => b.conversation_by("id", ConversationLookup::Id(id)).await)
    }

    pub async fn conversation_by_token(&self, token: &str) -> Result<Option<ConversationRow>> {
        delegate!(self, b => b.conversation_by("token", ConversationLookup::Token(token)).await)
    }

    /// Records who the conversation is with (a `None` keeps what is stored).
    pub async fn identify_conversation(
        &self,
        id: i64,
        user_name: Option<&str>,
        staff_no: Option<&str>,
    ) -> Result<()> {
        delegate!(self, b => b.conversation_identify(id, user_name, staff_no).await)
    }

    /// Stores an inbound message, unless the channel delivered the same message id before.
    pub async fn record_inbound(
        &self,
        conversation: &ConversationRow,
        message: &NewMessage,
    ) -> Result<Inbound> {
        delegate!(self, b => b.message_inbound(conversation, message, now()).await)
    }

    /// The replies stored for inbound message `id`, oldest first.
    pub async fn replies_to(&self, id: i64) -> Result<Vec<StoredMessage>> {
        delegate!(self, b => b.messages_where("reply_to", id, 0).await)
    }

    /// A conversation's messages with an id above `after`, oldest first.
    pub async fn messages_after(
        &self,
        conversation_id: i64,
        after: i64,
    ) -> Result<Vec<StoredMessage>> {
        delegate!(self, b => b.messages_where("conversation_id", conversation_id, after).await)
    }

    pub async fn message_count(&self) -> Result<i64> {
        delegate!(self, b => b.message_count().await)
    }

    /// Writes a turn (replies, outbox items, state) in one transaction; returns the stored
    /// replies.
    pub async fn commit_turn(
        &self,
        conversation: &ConversationRow,
        turn: &Turn,
    ) -> Result<Vec<StoredMessage>> {
        delegate!(self, b => b.turn_commit(conversation, turn, now()).await)
    }

    /// Opens a ticket and marks it as the conversation's open ticket. Returns its number.
    pub async fn open_ticket(&self, ticket: &NewTicket) -> Result<i64> {
        delegate!(self, b => b.ticket_open(ticket, now()).await)
    }

    pub async fn ticket(&self, id: i64) -> Result<Option<Ticket>> {
        delegate!(self, b => b.ticket_get(id).await)
    }

    /// Tickets, newest first, optionally of one status.
    pub async fn tickets(&self, status: Option<&str>, limit: i64) -> Result<Vec<Ticket>> {
        delegate!(self, b => b.ticket_list(status, limit).await)
    }

    /// Open tickets past a due time at `at`: still 新規 after the first-response due time,
    /// or not resolved after the resolution due time. Newest first.
    pub async fn overdue_tickets(&self, at: DateTime<Utc>, limit: i64) -> Result<Vec<Ticket>> {
        delegate!(self, b => b.ticket_overdue(at, limit).await)
    }

    /// Changes a ticket; `false` when there is no such ticket.
    pub async fn update_ticket(&self, id: i64, update: &TicketUpdate) -> Result<bool> {
        if let Some(status) = &update.status {
            if !TICKET_STATUSES.contains(&status.as_str()) {
                return Err(StorageError::Invalid(format!(
                    "unknown ticket status {status:?}"
                )));
            }
        }
        delegate!(self, b => b.ticket_update(id, update, now()).await)
    }

    pub async fn record_feedback(&self, feedback: &NewFeedback) -> Result<()> {
        delegate!(self, b => b.feedback_record(feedback, now()).await)
    }

    pub async fn feedback_counts(&self, faq_id: &str) -> Result<FeedbackCounts> {
        delegate!(self, b => b.feedback_counts(faq_id).await)
    }

    /// The next outbox item of each room that is due at `at`, oldest first.
    pub async fn due_outbox(&self, at: DateTime<Utc>, limit: i64) -> Result<Vec<OutboxItem>> {
        delegate!(self, b => b.outbox_due(at, limit).await)
    }

    /// When the earliest pending outbox item is due.
    pub async fn next_outbox_due(&self) -> Result<Option<DateTime<Utc>>> {
        delegate!(self, b => b.outbox_next_due().await)
    }

    /// Records an attempt: `delivered`, `pending` again at `next_attempt_at`, or `failed`.
    pub async fn mark_outbox(
        &self,
        id: i64,
        status: &str,
        next_attempt_at: DateTime<Utc>,
        error: Option<&str>,
    ) -> Result<()> {
        delegate!(self, b => b.outbox_mark(id, status, next_attempt_at, error, now()).await)
    }

    /// Outbox items, newest first, optionally of one status.
    pub async fn outbox(&self, status: Option<&str>, limit: i64) -> Result<Vec<OutboxItem>> {
        delegate!(self, b => b.outbox_list(status, limit).await)
    }

    /// Appends a line to the audit log. The log has no update or delete: the database
    /// refuses them (triggers in migration 0004).
    pub async fn record_audit(&self, entry: &AuditEntry) -> Result<()> {
        delegate!(self, b => b.audit_append(entry, now()).await)
    }

    /// The newest `limit` audit-log lines, newest first.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditRecord>> {
        delegate!(self, b => b.audit_list(limit).await)
    }

    /// Puts a failed item back in the queue; `false` when it is not a failed item.
    pub async fn retry_outbox(&self, id: i64) -> Result<bool> {
        delegate!(self, b => b.outbox_requeue(id, now()).await)
    }

    /// Whether outbox item `id` exists, whatever its status.
    pub async fn outbox_item_exists(&self, id: i64) -> Result<bool> {
        delegate!(self, b => b.outbox_exists(id).await)
    }
}

/// Operator console accounts. Passwords arrive hashed ([`HashedPassword`]); hashes leave
/// only through [`Store::user`], for signing in.
impl Store {
    /// Creates an account, enabled. A login already taken, an invalid login or a blank
    /// display name is [`StorageError::Invalid`] and nothing is written.
    pub async fn create_user(&self, user: &NewUser) -> Result<()> {
        accounts::validate_login(&user.login)
            .and_then(|()| accounts::validate_display_name(&user.display_name))
            .map_err(|e| StorageError::Invalid(e.to_string()))?;
        delegate!(self, b => b.user_create(user, now()).await)
    }

    /// The account `login` with its password hash, disabled or not.
    pub async fn user(&self, login: &str) -> Result<Option<StoredUser>> {
        delegate!(self, b => b.user_get(login).await)
    }

    /// Every account, ordered by login; no hashes.
    pub async fn users(&self) -> Result<Vec<User>> {
        delegate!(self, b => b.user_list().await)
    }

    /// Replaces an account's password and ends its console sessions; `false` when there is
    /// no such account.
    pub async fn set_user_password(&self, login: &str, password: &HashedPassword) -> Result<bool> {
        let changed = delegate!(self, b => b.user_set_password(login, password, now()).await)?;
        self.end_sessions_of(login).await?;
        Ok(changed)
    }

    /// Disables (or enables again) an account; disabling ends its console sessions.
    /// `false` when there is no such account.
    pub async fn set_user_disabled(&self, login: &str, disabled: bool) -> Result<bool> {
        let changed = delegate!(self, b => b.user_set_disabled(login, disabled, now()).await)?;
        if disabled {
            self.end_sessions_of(login).await?;
        }
        Ok(changed)
    }
}

fn validate(entry: &FaqEntry) -> Result<()> {
    entry
        .validate()
        .map_err(|e| StorageError::Invalid(e.to_string()))
}

/// The current time at the precision both databases keep (PostgreSQL: microseconds), so
/// a value reads back equal to what was written whichever backend stored it.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Names the scheme of an unsupported URL without repeating the rest, which may hold a
/// password.
fn describe_scheme(url: &str) -> String {
    match url.split_once("://").or_else(|| url.split_once(':')) {
        Some((scheme, _))
            if !scheme.is_empty()
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            format!("with scheme {scheme:?}")
        }
        _ => "without a scheme".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::describe_scheme;

    #[test]
    fn unsupported_url_messages_never_repeat_credentials() {
        assert_eq!(
            describe_scheme("mysql://admin:hunter2@db/x"),
            "with scheme \"mysql\""
        );
        assert_eq!(describe_scheme("data/madoguchi.db"), "without a scheme");
        assert_eq!(describe_scheme(""), "without a scheme");
    }
}
