//! Acting on a request: the pure rules (`crate::domain::request::transition`) decide,
//! then one transaction writes the change (refused if the request moved since it was
//! read), its history line, the audit row, the work order (on approval) and the notice.

use serde_json::{Map, Value};

use super::{definition_of, RequestError, Requests, Submission};
use crate::domain::request::{transition, Approvals, Capacity, NotAllowed};
use crate::domain::request_type::{IpChange, RequestType};
use crate::domain::{RequestAction, RequestStatus, Role, StepStatus};
use crate::storage::requests::{self as records, RequestRow, StatusChange};
use crate::storage::{audit, AuditEntry, StorageError, Tx};

/// Who acts, and in which capacity.
#[derive(Debug, Clone, Copy)]
pub struct Acting<'a> {
    pub login: &'a str,
    pub capacity: Capacity,
}

/// An action decided by the rules, ready to be written ([`Requests::apply_in`]).
#[derive(Debug, Clone)]
pub struct Prepared {
    pub row: RequestRow,
    definition: RequestType,
    action: RequestAction,
    to: RequestStatus,
    approvers: Vec<String>,
    reason: Option<String>,
    fields: Option<String>,
    login: String,
}

impl Prepared {
    /// The corrected fields a resubmission carries, as checked (empty for other actions).
    pub fn fields(&self) -> serde_json::Map<String, serde_json::Value> {
        self.fields
            .as_deref()
            .and_then(|f| serde_json::from_str(f).ok())
            .unwrap_or_default()
    }
}

/// A work-order step marked done or failed (or pending again).
#[derive(Debug, Clone, PartialEq)]
pub struct StepMark {
    pub position: i64,
    pub status: StepStatus,
    pub note: Option<String>,
}

/// The most characters a reason or a step note may have.
pub const MAX_NOTE_CHARS: usize = 1000;

impl Requests {
    /// The capacity a console account acts in: admins approve, operators work, others
    /// (viewers, disabled or unknown accounts) may do nothing.
    pub async fn capacity_of(&self, login: &str) -> Result<Capacity, RequestError> {
        let user = self.store.user(login).await?;
        match user {
            Some(u) if !u.user.disabled && u.user.role == Role::Admin => Ok(Capacity::Approver),
            Some(u) if !u.user.disabled && u.user.role == Role::Operator => Ok(Capacity::Operator),
            _ => Err(RequestError::Invalid(format!(
                "{login} は申請を扱えるアカウントではありません。"
            ))),
        }
    }

    /// Does `action` on request `id`. `version`, when given, is the version the actor saw:
    /// if the request changed since, nothing is done ([`RequestError::Conflict`]).
    /// `fields` are the corrected answers of a resubmission.
    pub async fn act(
        &self,
        id: i64,
        acting: Acting<'_>,
        action: RequestAction,
        reason: Option<&str>,
        version: Option<i64>,
        fields: Option<Map<String, Value>>,
    ) -> Result<RequestRow, RequestError> {
        let prepared = self
            .prepare(id, acting, action, reason, version, fields)
            .await?;
        let mut tx = self.store.begin().await?;
        let (after, _) = self.apply_in(&mut tx, &prepared, true).await?;
        tx.commit().await?;
        self.wakeup.ring();
        if action == RequestAction::Start {
            return self.run_directory(id, acting.login).await;
        }
        Ok(after)
    }

    /// Decides `action` on request `id` by the rules, before any transaction (see
    /// [`Requests::act`]).
    /// Staff member `requester`'s resubmission of returned request `id` with corrected
    /// `fields` (the chat's and the widget's 「再申請」): prepared as [`Requests::prepare`]
    /// does, and refused unless the request is theirs (a widget conversation can be
    /// continued by someone else signed in on the same page).
    pub async fn prepare_resubmission(
        &self,
        id: i64,
        requester: &str,
        fields: Map<String, Value>,
    ) -> Result<Prepared, RequestError> {
        let acting = Acting {
            login: requester,
            capacity: Capacity::Requester,
        };
        let prepared = self
            .prepare(
                id,
                acting,
                RequestAction::Resubmit,
                None,
                None,
                Some(fields),
            )
            .await?;
        if prepared.row.requester_no != requester {
            return Err(NotAllowed::NeedsRequester.into());
        }
        Ok(prepared)
    }

    pub async fn prepare(
        &self,
        id: i64,
        acting: Acting<'_>,
        action: RequestAction,
        reason: Option<&str>,
        version: Option<i64>,
        fields: Option<Map<String, Value>>,
    ) -> Result<Prepared, RequestError> {
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if reason.is_some_and(|r| r.chars().count() > MAX_NOTE_CHARS) {
            return Err(RequestError::Invalid(format!(
                "理由は{MAX_NOTE_CHARS}文字以内です。"
            )));
        }
        let row = self.request(id).await?;
        if version.is_some_and(|v| v != row.version) {
            return Err(RequestError::Conflict(id));
        }
        let definition = definition_of(&row)?;
        let mut approvers = row.approvers();
        let approvals = Approvals {
            needed: definition.approvals,
            given_by: &approvers,
        };
        let to = transition(
            row.status,
            action,
            acting.capacity,
            acting.login,
            approvals,
            reason,
        )?;
        let fields = match (action, fields) {
            (RequestAction::Resubmit, Some(fields)) => Some(self.recheck(&row, fields).await?),
            _ => None,
        };
        match action {
            RequestAction::Approve => approvers.push(acting.login.to_owned()),
            RequestAction::Resubmit => approvers.clear(),
            _ => {}
        }
        Ok(Prepared {
            row,
            definition,
            action,
            to,
            approvers,
            reason: reason.map(str::to_owned),
            fields,
            login: acting.login.to_owned(),
        })
    }

    /// Writes a prepared action inside `tx` (refused if the request moved since it was
    /// read): the change, its history line, the work order on approval, the audit row
    /// and, with `tell`, the notice. The request after it and the notice's text.
    pub async fn apply_in(
        &self,
        tx: &mut Tx,
        p: &Prepared,
        tell: bool,
    ) -> Result<(RequestRow, String), RequestError> {
        let (id, action, to) = (p.row.id, p.action, p.to);
        let now = tx.now();
        if matches!(action, RequestAction::Fail | RequestAction::Complete)
            && records::directory_run_held(&mut tx.conn(), id, now).await?
        {
            return Err(RequestError::Invalid(
                "アカウントの作業（ディレクトリへの反映）が進行中です。終わってから操作してください。"
                    .into(),
            ));
        }
        let reason = p.reason.as_deref();
        let change = StatusChange {
            version: p.row.version,
            status: to,
            approvals: &p.approvers,
            reason: if action.needs_reason() { reason } else { None },
            fields: p.fields.as_deref(),
            // Resubmitted: due counted from now, as a new request is (not the first date,
            // which may have passed while it was with the requester).
            due_at: (action == RequestAction::Resubmit)
                .then(|| self.due_at(tx.now(), p.definition.due_days)),
        };
        match records::change_status(tx, id, &change).await {
            Err(StorageError::Conflict(_)) => return Err(RequestError::Conflict(id)),
            other => other?,
        }
        records::add_event(tx, id, &p.login, action, Some(p.row.status), to, reason).await?;
        if to == RequestStatus::Approved {
            let steps: Vec<(String, Option<String>)> = p
                .definition
                .steps
                .iter()
                .map(|s| (s.title.clone(), s.ad.map(|a| ad_name(a).to_owned())))
                .collect();
            records::insert_steps(tx, id, &steps).await?;
        }
        let entry = AuditEntry::new(
            &p.login,
            &format!("request.{action}"),
            "request",
            &id.to_string(),
        )
        .detail(format!("status {} -> {to}", p.row.status));
        audit::append(tx, &entry).await?;
        let after = records::get(&mut tx.conn(), id)
            .await?
            .ok_or(RequestError::NoSuchRequest(id))?;
        let text = self.notice_text(&after, &p.definition, to, reason);
        if tell {
            self.tell(tx, &after, &text).await?;
        }
        Ok((after, text))
    }

    /// Corrected answers of a returned request, checked like a new submission.
    async fn recheck(
        &self,
        row: &RequestRow,
        fields: Map<String, Value>,
    ) -> Result<String, RequestError> {
        let submission = Submission {
            type_id: row.type_id.clone(),
            requester: row.requester_no.clone(),
            fields,
            channel: row.channel,
            conversation_id: row.conversation_id,
            ticket_id: row.ticket_id,
            actor: row.requester_no.clone(),
        };
        let checked = self.check(&submission).await?;
        Ok(Value::Object(checked.fields).to_string())
    }

    /// Marks a step of the work order of request `id` (which must be 作業中), with a note;
    /// refused if the request changed since `version`.
    pub async fn mark_step(
        &self,
        id: i64,
        login: &str,
        mark: &StepMark,
        version: Option<i64>,
    ) -> Result<RequestRow, RequestError> {
        let note = mark
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        if note.is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS) {
            return Err(RequestError::Invalid(format!(
                "メモは{MAX_NOTE_CHARS}文字以内です。"
            )));
        }
        if mark.status == StepStatus::Failed && note.is_none() {
            return Err(RequestError::Invalid(
                "失敗した手順にはメモ（理由）が必要です。".into(),
            ));
        }
        let row = self.request(id).await?;
        if version.is_some_and(|v| v != row.version) {
            return Err(RequestError::Conflict(id));
        }
        if row.status != RequestStatus::InProgress {
            return Err(RequestError::Invalid(format!(
                "手順を記録できるのは作業中の申請だけです（いまは{}）。",
                row.status.label()
            )));
        }
        let mut tx = self.store.begin().await?;
        match records::touch(&mut tx, id, row.version).await {
            Err(StorageError::Conflict(_)) => return Err(RequestError::Conflict(id)),
            other => other?,
        }
        let definition = definition_of(&row)?;
        let step = usize::try_from(mark.position - 1)
            .ok()
            .and_then(|i| definition.steps.get(i));
        let mut note = note.map(str::to_owned);
        if mark.status == StepStatus::Done && step.is_some_and(|s| s.ip == Some(IpChange::Allocate))
        {
            // Marked done once, the address is handed out once: a second "done" would
            // take another address.
            let steps = records::steps(&mut tx.conn(), id).await?;
            if steps
                .iter()
                .any(|s| s.position == mark.position && s.status == StepStatus::Done)
            {
                return Err(RequestError::Invalid(format!(
                    "手順 {} はすでに完了しています（アドレスは払い出し済みです）。",
                    mark.position
                )));
            }
            let address = super::ip_step::allocate(&mut tx, &row, login).await?;
            let line = format!("払い出したアドレス: {address}");
            note = Some(match note {
                Some(n) => format!("{n}\n{line}"),
                None => line,
            });
        }
        let note = note.as_deref();
        if !records::mark_step(&mut tx, id, mark.position, mark.status, note, login).await? {
            return Err(RequestError::Invalid(format!(
                "手順 {} はありません。",
                mark.position
            )));
        }
        let entry = AuditEntry::new(login, "request.step", "request", &id.to_string())
            .detail(format!("step {} {}", mark.position, mark.status));
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        self.request(id).await
    }
}

/// The stored name of an AD change (as in the definitions).
pub(super) fn ad_name(change: crate::domain::request_type::AdChange) -> &'static str {
    use crate::domain::request_type::AdChange as A;
    match change {
        A::NewUser => "new_user",
        A::Enable => "enable",
        A::SetUser => "set_user",
        A::Disable => "disable",
        A::Move => "move",
        A::AddGroup => "add_group",
    }
}
