//! The ticket page: transcript, who is asking, notes, and what an operator does with the
//! ticket. Actions are forms posted to `/operator/tickets/{id}/{action}`; success goes back
//! to the page (303), a refusal shows the page again with the reason.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{Posted, Signed};
use super::page::{render, Nav, PageError, PageResult};
use super::views::{channel_label, Choice, Due};
use crate::calendar::{format_datetime_ja, to_local};
use crate::conversation::{OperatorAction, OperatorError};
use crate::helpdesk::Helpdesk;
use crate::prompts::replies::{self, ReplyTemplate};
use crate::storage::{StaffMember, TICKET_PRIORITIES};
use crate::tickets::{next_statuses, priority_label, status_label, TicketError, TicketView};

pub struct Line {
    pub who: String,
    pub class: &'static str,
    pub at: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "console/ticket.html")]
struct TicketPage {
    nav: Nav,
    id: i64,
    subject: String,
    status: &'static str,
    status_code: String,
    priority: &'static str,
    category: String,
    assignee: String,
    channel: &'static str,
    opened: String,
    first_due: Due,
    resolution_due: Due,
    faq_id: String,
    requester: Option<StaffMember>,
    requester_name: String,
    contact: String,
    lines: Vec<Line>,
    notes: Vec<Line>,
    open: bool,
    can_work: bool,
    statuses: Vec<Choice>,
    priorities: Vec<Choice>,
    assignees: Vec<Choice>,
    faqs: Vec<(String, String)>,
    templates: Vec<ReplyTemplate>,
    error: Option<String>,
}

pub async fn show(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    page(&helpdesk, &signed, id, StatusCode::OK, None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    faq_id: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    priority: String,
}

pub async fn act(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path((id, action)): Path<(i64, String)>,
    posted: Posted<ActionForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    let by = signed.worker()?;
    let chat = |action| helpdesk.operator_act(id, by, action);
    let outcome: Result<(), (StatusCode, String)> = match action.as_str() {
        "take" => chat(OperatorAction::Take)
            .await
            .map(drop)
            .map_err(operator_error),
        "reply" => chat(OperatorAction::Reply(form.text))
            .await
            .map(drop)
            .map_err(operator_error),
        "hand-back" => chat(OperatorAction::HandBack)
            .await
            .map(drop)
            .map_err(operator_error),
        "resolve" => {
            let faq_id = Some(form.faq_id.trim().to_owned()).filter(|f| !f.is_empty());
            chat(OperatorAction::Resolve { faq_id })
                .await
                .map(drop)
                .map_err(operator_error)
        }
        "assign" => {
            let assignee = Some(form.assignee.trim()).filter(|a| !a.is_empty());
            helpdesk
                .assign_ticket(id, by, assignee)
                .await
                .map(drop)
                .map_err(ticket_error)
        }
        "status" => helpdesk
            .set_ticket_status(id, by, &form.status)
            .await
            .map(drop)
            .map_err(ticket_error),
        "classify" => helpdesk
            .classify_ticket(id, by, Some(&form.category), &form.priority)
            .await
            .map(drop)
            .map_err(ticket_error),
        "note" => helpdesk
            .add_ticket_note(id, by, &form.text)
            .await
            .map(drop)
            .map_err(ticket_error),
        _ => return Err(PageError::NotFound("そのURLは見つかりません。".into())),
    };
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/operator/tickets/{id}")).into_response()),
        Err((status, message)) if status == StatusCode::NOT_FOUND => {
            Err(PageError::NotFound(message))
        }
        Err((status, message)) => page(&helpdesk, &signed, id, status, Some(message)).await,
    }
}

fn operator_error(e: OperatorError) -> (StatusCode, String) {
    let status = match &e {
        OperatorError::NoSuchTicket(_) => StatusCode::NOT_FOUND,
        OperatorError::UnknownFaq(_) | OperatorError::EmptyReply => StatusCode::BAD_REQUEST,
        OperatorError::AlreadyResolved(_) => StatusCode::CONFLICT,
        OperatorError::Internal(e) => {
            tracing::error!(error = %e, "operator action failed");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "内部エラーが発生しました。".into(),
            );
        }
    };
    (status, e.to_string())
}

fn ticket_error(e: TicketError) -> (StatusCode, String) {
    let status = match &e {
        TicketError::NoSuchTicket(_) => StatusCode::NOT_FOUND,
        TicketError::Invalid(_) => StatusCode::BAD_REQUEST,
        TicketError::Transition { .. } => StatusCode::CONFLICT,
        TicketError::Internal(e) => {
            tracing::error!(error = %e, "ticket change failed");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "内部エラーが発生しました。".into(),
            );
        }
    };
    (status, e.to_string())
}

async fn page(
    helpdesk: &Helpdesk,
    signed: &Signed,
    id: i64,
    status: StatusCode,
    error: Option<String>,
) -> PageResult<Response> {
    let view = helpdesk
        .view_ticket(id, signed.login())
        .await
        .map_err(|e| match e {
            TicketError::NoSuchTicket(_) => PageError::NotFound(e.to_string()),
            other => PageError::Internal(other.into()),
        })?;
    let TicketView {
        ticket,
        requester,
        messages,
        notes,
    } = view;
    let now = helpdesk.clock.now();
    let open = matches!(ticket.status.as_str(), "new" | "in_progress" | "on_hold");
    let users = helpdesk.store.users().await?;
    let faqs = helpdesk
        .store
        .list_faqs()
        .await?
        .into_iter()
        .filter(|f| f.published)
        .map(|f| (f.id, f.title))
        .collect();
    let at = |t| format_datetime_ja(to_local(t));
    let lines = messages
        .iter()
        .map(|m| Line {
            who: match m.author.as_str() {
                "staff" => "職員".to_owned(),
                "operator" => format!("担当者 {}", m.author_name.clone().unwrap_or_default()),
                _ => "ボット".to_owned(),
            },
            class: match m.author.as_str() {
                "staff" => "from-staff",
                "operator" => "from-operator",
                _ => "from-bot",
            },
            at: at(m.created_at),
            text: m.text.clone(),
        })
        .collect();
    let notes = notes
        .iter()
        .map(|n| Line {
            who: n.author.clone(),
            class: "note",
            at: at(n.created_at),
            text: n.text.clone(),
        })
        .collect();
    let option = |value: &str, label: String, current: &str| Choice::new(value, &label, current);
    let current_assignee = ticket.assignee.clone().unwrap_or_default();
    let mut assignees = vec![option("", "（なし）".into(), &current_assignee)];
    assignees.extend(
        users
            .iter()
            .filter(|u| !u.disabled && u.role.as_str() != "viewer")
            .map(|u| option(&u.login, u.display_name.clone(), &current_assignee)),
    );
    let page = TicketPage {
        nav: Nav::new(&signed.0, "queue"),
        id,
        subject: ticket.subject.clone(),
        status: status_label(&ticket.status),
        status_code: ticket.status.clone(),
        priority: priority_label(&ticket.priority),
        category: ticket.category.clone().unwrap_or_default(),
        assignee: super::views::display_name(
            &users
                .iter()
                .map(|u| (u.login.clone(), u.display_name.clone()))
                .collect(),
            ticket.assignee.as_deref(),
        ),
        channel: channel_label(&ticket.channel),
        opened: at(ticket.opened_at),
        first_due: Due::of(ticket.first_response_due, now, ticket.status == "new"),
        resolution_due: Due::of(ticket.resolution_due, now, open),
        faq_id: ticket.faq_id.clone().unwrap_or_default(),
        requester,
        requester_name: ticket.requester_name.clone().unwrap_or_default(),
        contact: ticket.contact.clone().unwrap_or_default(),
        lines,
        notes,
        open,
        can_work: signed.0.can_work_tickets(),
        statuses: next_statuses(&ticket.status)
            .iter()
            .map(|s| option(s, status_label(s).to_owned(), ""))
            .collect(),
        priorities: TICKET_PRIORITIES
            .iter()
            .map(|p| option(p, priority_label(p).to_owned(), &ticket.priority))
            .collect(),
        assignees,
        faqs,
        templates: replies::load(&helpdesk.settings.prompts_dir),
        error,
    };
    Ok(render(status, &page))
}
