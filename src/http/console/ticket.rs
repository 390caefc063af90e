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
use super::views::{Choice, Due};
use crate::calendar::{format_datetime_ja, to_local};
use crate::domain::account::User;
use crate::domain::{Author, Priority, TicketStatus};
use crate::helpdesk::Helpdesk;
use crate::prompts::replies::{self, ReplyTemplate};
use crate::storage::{StaffMember, StoredMessage, Ticket, TicketNote};
use crate::tickets::{OperatorAction, TicketError, TicketView};

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
    status_code: &'static str,
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
    let tickets = helpdesk.tickets();
    let chat = |action| tickets.act(id, by, action);
    let outcome: Result<(), TicketError> = match action.as_str() {
        "take" => chat(OperatorAction::Take).await.map(drop),
        "reply" => chat(OperatorAction::Reply(form.text)).await.map(drop),
        "hand-back" => chat(OperatorAction::HandBack).await.map(drop),
        "resolve" => {
            let faq_id = Some(form.faq_id.trim().to_owned()).filter(|f| !f.is_empty());
            chat(OperatorAction::Resolve { faq_id }).await.map(drop)
        }
        "assign" => {
            let assignee = Some(form.assignee.trim()).filter(|a| !a.is_empty());
            tickets.assign(id, by, assignee).await.map(drop)
        }
        "status" => match TicketStatus::parse(&form.status) {
            Ok(status) => tickets.set_status(id, by, status).await.map(drop),
            Err(_) => Err(TicketError::Invalid(
                "状態の指定が正しくありません。".into(),
            )),
        },
        "classify" => match Priority::parse(&form.priority) {
            Ok(priority) => tickets
                .classify(id, by, Some(&form.category), priority)
                .await
                .map(drop),
            Err(_) => Err(TicketError::Invalid(
                "優先度は 低・中・高 のどれかです。".into(),
            )),
        },
        "note" => tickets.add_note(id, by, &form.text).await.map(drop),
        _ => return Err(PageError::NotFound("そのURLは見つかりません。".into())),
    };
    let outcome = outcome.map_err(refusal);
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/operator/tickets/{id}")).into_response()),
        Err((status, message)) if status == StatusCode::NOT_FOUND => {
            Err(PageError::NotFound(message))
        }
        Err((status, message)) => page(&helpdesk, &signed, id, status, Some(message)).await,
    }
}

/// How a refused action shows: the status of the page shown again, and the reason.
fn refusal(e: TicketError) -> (StatusCode, String) {
    let status = match &e {
        TicketError::NoSuchTicket(_) => StatusCode::NOT_FOUND,
        TicketError::Invalid(_) | TicketError::UnknownFaq(_) | TicketError::EmptyReply => {
            StatusCode::BAD_REQUEST
        }
        TicketError::AlreadyResolved(_)
        | TicketError::Transition { .. }
        | TicketError::Conflict(_) => StatusCode::CONFLICT,
        TicketError::Internal(e) => {
            tracing::error!(error = %e, "ticket action failed");
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
        .tickets()
        .view(id, signed.login())
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
    let now = helpdesk.now();
    let users = helpdesk.accounts().list().await?;
    let names = users
        .iter()
        .map(|u| (u.login.clone(), u.display_name.clone()))
        .collect();
    let option = |value: &str, label: &str| Choice::new(value, label, "");
    let page = TicketPage {
        nav: Nav::new(&signed.0, "queue"),
        id,
        subject: ticket.subject.clone(),
        status: ticket.status.label(),
        status_code: ticket.status.as_str(),
        priority: ticket.priority.label(),
        category: ticket.category.clone().unwrap_or_default(),
        assignee: super::views::display_name(&names, ticket.assignee.as_deref()),
        channel: ticket.channel.label(),
        opened: at(ticket.opened_at),
        first_due: Due::of(
            ticket.first_response_due,
            now,
            ticket.status == TicketStatus::New,
        ),
        resolution_due: Due::of(ticket.resolution_due, now, ticket.status.is_open()),
        faq_id: ticket.faq_id.clone().unwrap_or_default(),
        requester,
        requester_name: ticket.requester_name.clone().unwrap_or_default(),
        contact: ticket.contact.clone().unwrap_or_default(),
        lines: transcript(&messages),
        notes: note_lines(&notes),
        open: ticket.status.is_open(),
        can_work: signed.0.can_work_tickets(),
        statuses: ticket
            .status
            .manual_next()
            .iter()
            .map(|s| option(s.as_str(), s.label()))
            .collect(),
        priorities: Choice::all(Some(ticket.priority)),
        assignees: assignees(&users, &ticket),
        faqs: helpdesk.knowledge().engine().titles(),
        templates: replies::load(&helpdesk.settings().prompts_dir),
        error,
    };
    Ok(render(status, &page))
}

fn at(t: chrono::DateTime<chrono::Utc>) -> String {
    format_datetime_ja(to_local(t))
}

/// The conversation as the page shows it, each line marked by who wrote it.
fn transcript(messages: &[StoredMessage]) -> Vec<Line> {
    messages
        .iter()
        .map(|m| Line {
            who: match m.author {
                Author::Staff => "職員".to_owned(),
                Author::Operator => {
                    format!("担当者 {}", m.author_name.clone().unwrap_or_default())
                }
                Author::Bot => "ボット".to_owned(),
            },
            class: match m.author {
                Author::Staff => "from-staff",
                Author::Operator => "from-operator",
                Author::Bot => "from-bot",
            },
            at: at(m.created_at),
            text: m.text.clone(),
        })
        .collect()
}

fn note_lines(notes: &[TicketNote]) -> Vec<Line> {
    notes
        .iter()
        .map(|n| Line {
            who: n.author.clone(),
            class: "note",
            at: at(n.created_at),
            text: n.text.clone(),
        })
        .collect()
}

/// Who the ticket may be given to: nobody, or an enabled account that works tickets.
fn assignees(users: &[User], ticket: &Ticket) -> Vec<Choice> {
    let current = ticket.assignee.clone().unwrap_or_default();
    let mut choices = vec![Choice::new("", "（なし）", &current)];
    choices.extend(
        users
            .iter()
            .filter(|u| !u.disabled && u.role.works_tickets())
            .map(|u| Choice::new(&u.login, &u.display_name, &current)),
    );
    choices
}
