//! Proposed alternative questions (the learning loop): questions of tickets an
//! operator resolved with an FAQ link, waiting for an admin. Everyone signed in sees the
//! list; admins accept (the bot answers with it at once) or reject with one click. Success
//! goes back to the list (303) saying what was done; a refusal shows the list again with
//! the reason.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{Posted, Signed};
use super::page::{render, Nav, PageError, PageResult};
use super::views::{display_name, Names};
use crate::calendar::{format_datetime_ja, to_local};
use crate::domain::ProposalStatus;
use crate::helpdesk::Helpdesk;
use crate::learning::ProposalError;

/// One pending proposal as the list shows it.
pub struct Row {
    pub id: i64,
    pub faq_id: String,
    pub faq_title: String,
    pub question: String,
    pub ticket_id: Option<i64>,
    pub proposed_by: String,
    pub proposed_at: String,
}

/// A decision just made, shown above the list after the redirect.
pub struct Done {
    pub id: i64,
    pub accepted: bool,
    pub question: String,
    pub faq_id: String,
    pub faq_title: String,
}

#[derive(Template)]
#[template(path = "console/proposals.html")]
struct ProposalsPage {
    nav: Nav,
    rows: Vec<Row>,
    can_decide: bool,
    done: Option<Done>,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// The proposal just decided (set by the redirect after a decision).
    #[serde(default)]
    done: Option<i64>,
}

pub async fn show(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Query(query): Query<ListQuery>,
) -> PageResult<Response> {
    let done = match query.done {
        Some(id) => decided(&helpdesk, id).await?,
        None => None,
    };
    page(&helpdesk, &signed, StatusCode::OK, done, None).await
}

/// The form has only the CSRF token: the proposal and the decision are in the path.
#[derive(Debug, Deserialize)]
pub struct DecisionForm {}

pub async fn decide(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path((id, action)): Path<(i64, String)>,
    posted: Posted<DecisionForm>,
) -> PageResult<Response> {
    let signed = posted.signed;
    signed.admin("提案の承認・却下")?;
    let outcome = match action.as_str() {
        "accept" => helpdesk
            .learning()
            .accept_proposal(id, signed.login())
            .await
            .map(drop),
        "reject" => helpdesk
            .learning()
            .reject_proposal(id, signed.login())
            .await
            .map(drop),
        _ => return Err(PageError::NotFound("そのURLは見つかりません。".into())),
    };
    let status = match outcome {
        Ok(()) => {
            let to = format!("/operator/proposals?done={id}");
            return Ok(Redirect::to(&to).into_response());
        }
        Err(ProposalError::Internal(e)) => return Err(PageError::Internal(e)),
        Err(ref e @ ProposalError::NoSuchProposal(_)) => (StatusCode::NOT_FOUND, e.to_string()),
        Err(ref e @ ProposalError::NotPending { .. }) => (StatusCode::CONFLICT, e.to_string()),
    };
    page(&helpdesk, &signed, status.0, None, Some(status.1)).await
}

/// Proposal `id` if it has been decided, with its entry's title, to say what was done.
async fn decided(helpdesk: &Helpdesk, id: i64) -> PageResult<Option<Done>> {
    let Some(proposal) = helpdesk.learning().proposal(id).await? else {
        return Ok(None);
    };
    let accepted = match proposal.status {
        ProposalStatus::Accepted => true,
        ProposalStatus::Rejected => false,
        ProposalStatus::Proposed => return Ok(None),
    };
    let faq_title = helpdesk
        .knowledge()
        .entry(&proposal.faq_id)
        .await?
        .map(|entry| entry.title)
        .unwrap_or_default();
    Ok(Some(Done {
        id,
        accepted,
        question: proposal.question,
        faq_id: proposal.faq_id,
        faq_title,
    }))
}

async fn page(
    helpdesk: &Helpdesk,
    signed: &Signed,
    status: StatusCode,
    done: Option<Done>,
    error: Option<String>,
) -> PageResult<Response> {
    let pending = helpdesk.learning().pending_proposals().await?;
    let names: Names = helpdesk
        .accounts()
        .list()
        .await?
        .into_iter()
        .map(|u| (u.login, u.display_name))
        .collect();
    let rows = pending
        .into_iter()
        .map(|p| Row {
            proposed_by: display_name(&names, Some(&p.proposed_by)),
            proposed_at: format_datetime_ja(to_local(p.created_at)),
            id: p.id,
            faq_id: p.faq_id,
            faq_title: p.faq_title,
            question: p.question,
            ticket_id: p.ticket_id,
        })
        .collect();
    Ok(render(
        status,
        &ProposalsPage {
            nav: Nav::new(&signed.0, "proposals"),
            rows,
            can_decide: signed.0.is_admin(),
            done,
            error,
        },
    ))
}
