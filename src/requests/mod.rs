//! Requests (申請): the catalogue of request types, submitting a request (from chat, the
//! console or the JSON API), acting on it (approve, return, reject, start, complete,
//! fail, cancel, resubmit), its work order, and what the requester is told.
//!
//! Every change is one transaction: the request (with a version check, so of two
//! operators acting at once one wins), its history line, the audit row and the notice to
//! the requester (a message in the conversation the request came from, pushed through
//! the outbox on channels that push) commit together.

mod actions;
pub mod ad_script;
pub mod catalogue;
pub mod directory;
mod ip_step;
mod notices;
pub mod sentences;
mod view;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::calendar::{self, BusinessCalendar};
use crate::domain::request::NotAllowed;
use crate::domain::request_fields::{value_as_text, Refusal};
use crate::domain::request_type::{FieldKind, FieldSpec, RequestType};
use crate::domain::{Channel, RequestAction, RequestStatus};
use crate::outbox::Wakeup;
use crate::storage::requests::{self as records, NewRequest, RequestRow};
use crate::storage::staff::StaffKey;
use crate::storage::{audit, sql, AuditEntry, StaffMember, StorageError, Store, Tx};

pub use self::actions::{Acting, Prepared, StepMark};
pub use self::catalogue::Catalogue;
pub use self::directory::{AccountOp, AccountWriter, PlannedOp, WriterFailure, WriterFuture};
pub use self::sentences::Sentences;
pub use self::view::{FieldLine, RequestView};
pub use crate::domain::request::{request_number, Capacity};

/// Why a request could not be submitted or changed. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("申請の種類 {0:?} はありません。")]
    UnknownType(String),
    /// Each bad field (or `requester`) and why.
    #[error("入力に誤りがあります。")]
    InvalidFields(BTreeMap<String, String>),
    #[error("申請 {} はありません。", request_number(*.0))]
    NoSuchRequest(i64),
    #[error(transparent)]
    NotAllowed(#[from] NotAllowed),
    #[error("{0}")]
    Invalid(String),
    /// Someone else changed the request since it was read.
    #[error("申請 {} はほかの担当者が先に変更しました。読み込み直してください。", request_number(*.0))]
    Conflict(i64),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StorageError> for RequestError {
    fn from(e: StorageError) -> Self {
        RequestError::Internal(e.into())
    }
}

/// A request as handed in: raw answers, read by the type's rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub type_id: String,
    /// The requester's 職員番号.
    pub requester: String,
    pub fields: Map<String, Value>,
    pub channel: Channel,
    pub conversation_id: Option<i64>,
    pub ticket_id: Option<i64>,
    /// Who hands it in (the staff member, an operator's login, `operator-api`).
    pub actor: String,
}

/// A submission whose answers passed every rule.
#[derive(Debug, Clone)]
pub struct Checked {
    pub definition: RequestType,
    pub requester: StaffMember,
    pub fields: Map<String, Value>,
    pub channel: Channel,
    pub conversation_id: Option<i64>,
    pub ticket_id: Option<i64>,
}

/// The request service.
pub struct Requests {
    store: Store,
    catalogue: Arc<Catalogue>,
    sentences: Arc<Sentences>,
    calendar: Arc<BusinessCalendar>,
    wakeup: Wakeup,
    /// Whether requesters are also told by e-mail (`[notify.smtp]` is set).
    mail: bool,
    /// The networks whose directory carries out account steps itself.
    directory: Option<Arc<dyn AccountWriter>>,
    /// Initial passwords set, until the operator reads them or they expire (never stored).
    passwords: std::sync::Mutex<directory::HeldPasswords>,
}

impl Requests {
    pub fn new(
        store: Store,
        catalogue: Catalogue,
        sentences: Sentences,
        calendar: Arc<BusinessCalendar>,
        wakeup: Wakeup,
    ) -> Self {
        Self {
            store,
            catalogue: Arc::new(catalogue),
            sentences: Arc::new(sentences),
            calendar,
            wakeup,
            mail: false,
            directory: None,
            passwords: Default::default(),
        }
    }

    /// Carries out account steps through `writer` on the networks it handles.
    pub fn with_directory(mut self, writer: Arc<dyn AccountWriter>) -> Self {
        self.directory = Some(writer);
        self
    }

    /// Also tells requesters by e-mail (their address from the staff directory).
    pub fn with_mail(mut self, on: bool) -> Self {
        self.mail = on;
        self
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    pub fn sentences(&self) -> &Sentences {
        &self.sentences
    }

    /// Today, in Japan.
    fn today(&self) -> chrono::NaiveDate {
        calendar::to_local(self.store.now()).date()
    }

    /// Reads one answer by `field`'s rules, checking 職員番号 and 所属 against the staff
    /// directory.
    pub async fn check_answer(
        &self,
        field: &FieldSpec,
        text: &str,
    ) -> Result<Option<Value>, Refusal> {
        let value = field.read(text, self.today())?;
        let refuse = |key: &str, value: &str| Refusal {
            reason: self.sentences.say(
                key,
                &[("value", value), ("example", &field.example_answer())],
            ),
            example: field.example_answer(),
        };
        match (&value, field.kind) {
            (Some(Value::String(no)), FieldKind::Staff) => {
                let found = self.store.staff_member(StaffKey::EmployeeNo(no)).await;
                if !matches!(found, Ok(Some(_))) {
                    return Err(refuse("unknown_staff", no));
                }
            }
            (Some(Value::String(name)), FieldKind::Department)
                if !self.department_known(name).await.unwrap_or(false) =>
            {
                return Err(refuse("unknown_department", name));
            }
            _ => {}
        }
        Ok(value)
    }

    /// Whether `name` is a 所属 of the staff directory (any name, while it is empty).
    async fn department_known(&self, name: &str) -> Result<bool, StorageError> {
        let (all, matching): (i64, i64) = sql(
            "SELECT (SELECT COUNT(*) FROM staff), (SELECT COUNT(*) FROM staff WHERE department = $1)",
        )
        .bind(name)
        .fetch_one(&mut self.store.conn())
        .await?;
        Ok(all == 0 || matching > 0)
    }

    /// Checks a submission: the type exists, the requester is in the directory, every
    /// field passes its rules and no unknown field is given. Every problem is named.
    pub async fn check(&self, submission: &Submission) -> Result<Checked, RequestError> {
        let definition = self
            .catalogue
            .get(&submission.type_id)
            .ok_or_else(|| RequestError::UnknownType(submission.type_id.clone()))?
            .clone();
        let mut problems = BTreeMap::new();
        let requester = self
            .store
            .staff_by_employee_no(submission.requester.trim())
            .await?;
        if requester.is_none() {
            problems.insert(
                "requester".to_owned(),
                "職員名簿にない職員番号です。".to_owned(),
            );
        }
        for key in submission.fields.keys() {
            if definition.field(key).is_none() {
                problems.insert(key.clone(), "この申請にはない項目です。".to_owned());
            }
        }
        let mut fields = Map::new();
        for spec in &definition.fields {
            let raw = submission
                .fields
                .get(&spec.id)
                .map(value_as_text)
                .unwrap_or_default();
            match self.check_answer(spec, &raw).await {
                Ok(Some(value)) => {
                    fields.insert(spec.id.clone(), value);
                }
                Ok(None) => {}
                Err(refusal) => {
                    let reason = format!("{}（例：{}）", refusal.reason, refusal.example);
                    problems.insert(spec.id.clone(), reason);
                }
            }
        }
        match requester {
            Some(requester) if problems.is_empty() => Ok(Checked {
                definition,
                requester,
                fields,
                channel: submission.channel,
                conversation_id: submission.conversation_id,
                ticket_id: submission.ticket_id,
            }),
            _ => Err(RequestError::InvalidFields(problems)),
        }
    }

    /// Submits a request: checked, stored as 申請済 with its history line, audit row and
    /// notice, in one transaction.
    pub async fn submit(&self, submission: Submission) -> Result<RequestRow, RequestError> {
        let checked = self.check(&submission).await?;
        let mut tx = self.store.begin().await?;
        let (id, _) = self
            .submit_in(&mut tx, &checked, &submission.actor, true)
            .await?;
        tx.commit().await?;
        self.wakeup.ring();
        self.request(id).await
    }

    /// Stores a checked request inside `tx` (a chat turn's, say); its id and the notice
    /// text. With `tell`, the notice is also written to the request's conversation.
    pub async fn submit_in(
        &self,
        tx: &mut Tx,
        checked: &Checked,
        actor: &str,
        tell: bool,
    ) -> Result<(i64, String), RequestError> {
        let definition = serde_json::to_string(&checked.definition)
            .map_err(|e| RequestError::Internal(e.into()))?;
        if let Some(ticket) = checked.ticket_id {
            // A ticket becomes one request: a second click, or a second operator, is told
            // which. The ticket's lock makes two at once wait for each other.
            crate::storage::tickets::get_for_update(tx, ticket).await?;
            if let Some(existing) = records::of_ticket(&mut tx.conn(), ticket).await? {
                return Err(RequestError::Invalid(format!(
                    "このチケットはすでに申請 {} になっています。",
                    request_number(existing.id)
                )));
            }
        }
        let due = self.due_at(tx.now(), checked.definition.due_days);
        let new = NewRequest {
            type_id: checked.definition.id.clone(),
            type_name: checked.definition.name.clone(),
            definition,
            requester_no: checked.requester.employee_no.clone(),
            requester_name: checked.requester.name.clone(),
            department: checked.requester.department.clone(),
            channel: checked.channel,
            conversation_id: checked.conversation_id,
            ticket_id: checked.ticket_id,
            fields: Value::Object(checked.fields.clone()).to_string(),
            due_at: Some(due),
        };
        let id = records::insert(tx, &new).await?;
        let status = RequestStatus::Submitted;
        records::add_event(tx, id, actor, RequestAction::Submit, None, status, None).await?;
        let entry = AuditEntry::new(actor, "request.submit", "request", &id.to_string())
            .detail(format!("type {} status {status}", checked.definition.id));
        audit::append(tx, &entry).await?;
        let row = records::get(&mut tx.conn(), id)
            .await?
            .ok_or(RequestError::NoSuchRequest(id))?;
        let text = self.notice_text(&row, &checked.definition, status, None);
        if tell {
            self.tell(tx, &row, &text).await?;
        }
        tracing::info!(request = id, kind = %checked.definition.id, "request submitted");
        Ok((id, text))
    }

    /// When a request of a type taking `days` business days, submitted at `at`, is due:
    /// the close of the business day `days` after.
    fn due_at(
        &self,
        at: chrono::DateTime<chrono::Utc>,
        days: u32,
    ) -> chrono::DateTime<chrono::Utc> {
        let day = self
            .calendar
            .business_days_after(calendar::to_local(at).date(), days);
        calendar::to_utc(day.and_time(self.calendar.close_time()))
    }

    /// A member of staff from the directory (the requester a dialogue names).
    pub async fn staff(&self, employee_no: &str) -> Result<Option<StaffMember>, StorageError> {
        self.store.staff_by_employee_no(employee_no).await
    }

    /// The request `id`.
    pub async fn request(&self, id: i64) -> Result<RequestRow, RequestError> {
        records::get(&mut self.store.conn(), id)
            .await?
            .ok_or(RequestError::NoSuchRequest(id))
    }

    /// The request a ticket became, if any.
    pub async fn of_ticket(&self, ticket_id: i64) -> Result<Option<RequestRow>, StorageError> {
        records::of_ticket(&mut self.store.conn(), ticket_id).await
    }

    /// A page of requests matching `filter`, newest first, and how many match.
    pub async fn page(
        &self,
        filter: &records::RequestFilter,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<RequestRow>, i64), StorageError> {
        records::page(&mut self.store.conn(), filter, offset, limit).await
    }
}

/// The definition a request was submitted under.
fn definition_of(row: &RequestRow) -> Result<RequestType, RequestError> {
    serde_json::from_str(&row.definition)
        .map_err(|e| RequestError::Internal(anyhow::anyhow!("request {}: definition: {e}", row.id)))
}
