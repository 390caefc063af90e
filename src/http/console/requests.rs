//! Requests (申請) in the console: the list (search by 氏名, 所属, 職員番号, 受付番号 and
//! type), a request with its answers, history and work order, the decisions (admins:
//! approve, return, reject) and the work (operators: start, steps done or failed with a
//! note, complete, fail, cancel), and the AD artefacts to download. Every form carries the
//! version the page showed: a request changed meanwhile is refused, not overwritten.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{Posted, Signed};
use super::page::{render, Nav, PageError, PageResult};
use crate::calendar::{format_datetime_ja, to_local};
use crate::domain::request::{Capacity, NotAllowed};
use crate::domain::{request_number, Network, RequestAction, RequestStatus, StepStatus, TextEnum};
use crate::helpdesk::Helpdesk;
use crate::requests::{Acting, RequestError, RequestView, StepMark};
use crate::storage::requests::RequestFilter;

const PAGE_SIZE: i64 = 100;

pub struct Row {
    pub id: i64,
    pub number: String,
    pub type_name: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub requester: String,
    pub department: String,
    pub channel: &'static str,
    pub created: String,
    pub due: String,
}

#[derive(Template)]
#[template(path = "console/requests.html")]
struct ListPage {
    nav: Nav,
    rows: Vec<Row>,
    total: i64,
    q: String,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
}

pub async fn list(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Query(query): Query<ListQuery>,
) -> PageResult<Response> {
    let status = match query.status.as_str() {
        "" | "open" => None,
        s => Some(
            RequestStatus::parse(s)
                .map_err(|_| PageError::BadRequest("状態の指定が正しくありません。".into()))?,
        ),
    };
    let filter = RequestFilter {
        status,
        open_only: query.status == "open",
        text: Some(query.q.clone()).filter(|q| !q.trim().is_empty()),
        requester_no: None,
    };
    let (found, total) = helpdesk.requests().page(&filter, 0, PAGE_SIZE).await?;
    let rows = found
        .into_iter()
        .map(|r| Row {
            number: request_number(r.id),
            id: r.id,
            type_name: r.type_name,
            status: r.status.label(),
            status_code: r.status.as_str(),
            requester: r.requester_name,
            department: r.department,
            channel: r.channel.label(),
            created: format_datetime_ja(to_local(r.created_at)),
            due: r
                .due_at
                .map(|d| format_datetime_ja(to_local(d)))
                .unwrap_or_default(),
        })
        .collect();
    let statuses = RequestStatus::ALL
        .iter()
        .map(|s| (s.as_str(), s.label()))
        .collect();
    Ok(render(
        StatusCode::OK,
        &ListPage {
            nav: Nav::new(&signed.0, "requests"),
            rows,
            total,
            q: query.q,
            status: query.status,
            statuses,
        },
    ))
}

pub struct Step {
    pub position: i64,
    pub title: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub note: String,
    pub by: String,
    pub at: String,
    pub files: Vec<String>,
}

pub struct Event {
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    pub to: &'static str,
    pub note: String,
}

#[derive(Template)]
#[template(path = "console/request.html")]
struct DetailPage {
    nav: Nav,
    id: i64,
    number: String,
    version: i64,
    view: RequestView,
    status: &'static str,
    status_code: &'static str,
    channel: &'static str,
    created: String,
    due: String,
    events: Vec<Event>,
    steps: Vec<Step>,
    /// (action, label) the signed-in user may do now.
    actions: Vec<(&'static str, &'static str)>,
    can_mark: bool,
    error: Option<String>,
    /// The directory's part (dry run before the work starts, results after).
    directory: Vec<DirectoryLine>,
    /// Initial passwords just set, shown this once.
    passwords: Vec<(&'static str, String)>,
}

pub struct DirectoryLine {
    pub position: i64,
    pub network: &'static str,
    pub preview: String,
    pub done: String,
}

pub async fn show(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    page(&helpdesk, &signed, id, StatusCode::OK, None).await
}

fn capacity(signed: &Signed) -> Option<Capacity> {
    if signed.0.is_admin() {
        Some(Capacity::Approver)
    } else if signed.0.can_work_tickets() {
        Some(Capacity::Operator)
    } else {
        None
    }
}

async fn page(
    helpdesk: &Helpdesk,
    signed: &Signed,
    id: i64,
    status: StatusCode,
    error: Option<String>,
) -> PageResult<Response> {
    let passwords = match capacity(signed) {
        Some(_) => take_passwords(helpdesk, signed, id).await?,
        None => Vec::new(),
    };
    page_with(helpdesk, signed, id, status, error, passwords).await
}

/// The initial passwords `signed`'s directory run just set for request `id` (nobody
/// else's; showing them is audited).
async fn take_passwords(
    helpdesk: &Helpdesk,
    signed: &Signed,
    id: i64,
) -> PageResult<Vec<(Network, String)>> {
    helpdesk
        .requests()
        .show_initial_passwords(id, signed.login())
        .await
        .map_err(|e| PageError::Internal(e.into()))
}

/// The request's page, with the initial passwords the directory just set.
async fn page_with(
    helpdesk: &Helpdesk,
    signed: &Signed,
    id: i64,
    status: StatusCode,
    error: Option<String>,
    passwords: Vec<(Network, String)>,
) -> PageResult<Response> {
    let view = match helpdesk.requests().view(id, signed.login()).await {
        Ok(view) => view,
        Err(RequestError::NoSuchRequest(_)) => {
            return Err(PageError::NotFound(format!(
                "申請 {} はありません。",
                request_number(id)
            )))
        }
        Err(e) => return Err(PageError::Internal(e.into())),
    };
    let files = helpdesk
        .requests()
        .artefacts(&view)
        .await
        .map_err(|e| PageError::Internal(e.into()))?;
    let directory = helpdesk
        .requests()
        .directory_plan(&view.request)
        .await
        .map_err(|e| PageError::Internal(e.into()))?
        .into_iter()
        .map(|p| DirectoryLine {
            position: p.position,
            network: p.network.label(),
            preview: p.preview,
            done: p.done.unwrap_or_default(),
        })
        .collect();
    let passwords = passwords.into_iter().map(|(n, p)| (n.label(), p)).collect();
    let r = &view.request;
    let actions = match capacity(signed) {
        Some(capacity) => r
            .status
            .actions()
            .iter()
            .filter(|a| allowed_for(**a, capacity))
            .map(|a| (a.as_str(), a.label()))
            .collect(),
        None => Vec::new(),
    };
    let at = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| format_datetime_ja(to_local(t)))
            .unwrap_or_default()
    };
    let steps = view
        .steps
        .iter()
        .map(|s| Step {
            position: s.position,
            title: s.title.clone(),
            status: s.status.label(),
            status_code: s.status.as_str(),
            note: s.note.clone().unwrap_or_default(),
            by: s.done_by.clone().unwrap_or_default(),
            at: at(s.done_at),
            files: files
                .iter()
                .filter(|(p, _)| *p == s.position)
                .flat_map(|(_, f)| f.iter().map(|a| a.file_name.clone()))
                .collect(),
        })
        .collect();
    let events = view
        .events
        .iter()
        .map(|e| Event {
            at: at(Some(e.at)),
            actor: e.actor.clone(),
            action: e.action.label(),
            to: e.to_status.label(),
            note: e.note.clone().unwrap_or_default(),
        })
        .collect();
    let template = DetailPage {
        nav: Nav::new(&signed.0, "requests"),
        id,
        number: request_number(id),
        version: r.version,
        status: r.status.label(),
        status_code: r.status.as_str(),
        channel: r.channel.label(),
        created: at(Some(r.created_at)),
        due: at(r.due_at),
        can_mark: r.status == RequestStatus::InProgress && capacity(signed).is_some(),
        actions,
        events,
        steps,
        view,
        error,
        directory,
        passwords,
    };
    Ok(render(status, &template))
}

/// Whether someone in `capacity` is offered `action` (the service decides in the end).
fn allowed_for(action: RequestAction, capacity: Capacity) -> bool {
    use RequestAction as A;
    match action {
        A::Approve | A::Return | A::Reject => capacity == Capacity::Approver,
        A::Resubmit | A::Submit => false,
        _ => true,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    reason: String,
}

pub async fn act(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path((id, verb)): Path<(i64, String)>,
    posted: Posted<ActionForm>,
) -> PageResult<Response> {
    let signed = posted.signed;
    let Some(action) = RequestAction::from_path(&verb).filter(|a| *a != RequestAction::Resubmit)
    else {
        return Err(PageError::NotFound("そのURLは見つかりません。".into()));
    };
    let capacity = capacity(&signed).ok_or(PageError::Forbidden("申請の処理"))?;
    let acting = Acting {
        login: signed.login(),
        capacity,
    };
    let reason = Some(posted.form.reason.as_str());
    let outcome = helpdesk
        .requests()
        .act(id, acting, action, reason, posted.form.version, None)
        .await;
    if action == RequestAction::Start && outcome.is_ok() {
        // Initial passwords the directory just set are shown in this answer, not after
        // a redirect that another instance of the helpdesk may serve.
        let passwords = take_passwords(&helpdesk, &signed, id).await?;
        if !passwords.is_empty() {
            return page_with(&helpdesk, &signed, id, StatusCode::OK, None, passwords).await;
        }
    }
    finish(&helpdesk, &signed, id, outcome.map(drop)).await
}

#[derive(Debug, Default, Deserialize)]
pub struct StepForm {
    #[serde(default)]
    version: Option<i64>,
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
}

pub async fn mark_step(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path((id, position)): Path<(i64, i64)>,
    posted: Posted<StepForm>,
) -> PageResult<Response> {
    let signed = posted.signed;
    capacity(&signed).ok_or(PageError::Forbidden("作業手順の記録"))?;
    let status = StepStatus::parse(&posted.form.status)
        .map_err(|_| PageError::BadRequest("手順の状態が正しくありません。".into()))?;
    let mark = StepMark {
        position,
        status,
        note: Some(posted.form.note.clone()),
    };
    let outcome = helpdesk
        .requests()
        .mark_step(id, signed.login(), &mark, posted.form.version)
        .await;
    finish(&helpdesk, &signed, id, outcome.map(drop)).await
}

/// Back to the request (303) after a change; the page again with the reason after a
/// refusal.
async fn finish(
    helpdesk: &Helpdesk,
    signed: &Signed,
    id: i64,
    outcome: Result<(), RequestError>,
) -> PageResult<Response> {
    let error = match outcome {
        Ok(()) => return Ok(Redirect::to(&format!("/operator/requests/{id}")).into_response()),
        Err(RequestError::Internal(e)) => return Err(PageError::Internal(e)),
        Err(e) => e,
    };
    use NotAllowed as N;
    let status = match &error {
        RequestError::NoSuchRequest(_) => StatusCode::NOT_FOUND,
        RequestError::Conflict(_)
        | RequestError::NotAllowed(N::FromState { .. } | N::SameApproverTwice) => {
            StatusCode::CONFLICT
        }
        RequestError::NotAllowed(N::NeedsApprover(_) | N::NeedsOperator(_) | N::NeedsRequester) => {
            StatusCode::FORBIDDEN
        }
        _ => StatusCode::BAD_REQUEST,
    };
    let message = Some(error.to_string());
    page(helpdesk, signed, id, status, message).await
}
