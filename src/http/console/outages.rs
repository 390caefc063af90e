//! Outages (障害) from the console: the list with the form to declare one (or a planned
//! stop with its checklist), and each outage's page: timeline, who is linked, a note, a
//! reply to everyone linked, start (a planned stop), close. Viewers see the list; the
//! outage's page names staff (its view is audited) and the actions are for operators.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;

use super::auth::{EmptyForm, Posted, Signed};
use super::page::{render, Nav, PageError, PageResult};
use crate::domain::{Network, OutageState, TextEnum};
use crate::helpdesk::Helpdesk;
use crate::outages::{Declaration, OutageError, OutageView};
use crate::storage::outages::{Outage, OutageLink, TimelineEntry};

#[derive(Template)]
#[template(path = "console/outages.html")]
struct ListPage {
    nav: Nav,
    outages: Vec<Outage>,
    networks: &'static [Network],
    error: Option<String>,
    jst: FixedOffset,
}

#[derive(Template)]
#[template(path = "console/outage.html")]
struct OutagePage {
    nav: Nav,
    o: Outage,
    timeline: Vec<TimelineEntry>,
    links: Vec<OutageLink>,
    planned: bool,
    open: bool,
    error: Option<String>,
    jst: FixedOffset,
}

fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("JST")
}

pub async fn list(signed: Signed, State(helpdesk): State<Arc<Helpdesk>>) -> PageResult<Response> {
    list_page(&helpdesk, &signed, StatusCode::OK, None).await
}

#[derive(Debug, Deserialize)]
pub struct DeclareForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    systems: String,
    #[serde(default)]
    faq_ids: String,
    #[serde(default)]
    network: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    planned: Option<String>,
    #[serde(default)]
    checklist: String,
    #[serde(default)]
    vendor: String,
    #[serde(default)]
    vendor_ticket: String,
}

pub async fn declare(
    State(helpdesk): State<Arc<Helpdesk>>,
    posted: Posted<DeclareForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    signed.worker()?;
    let declared = match declaration(form) {
        Ok(d) => helpdesk.outages().declare(&d, signed.login()).await,
        Err(e) => Err(e),
    };
    match declared {
        Ok(outage) => Ok(Redirect::to(&format!("/operator/outages/{}", outage.id)).into_response()),
        Err(OutageError::Storage(e)) => Err(e.into()),
        Err(e) => {
            list_page(
                &helpdesk,
                &signed,
                StatusCode::BAD_REQUEST,
                Some(e.to_string()),
            )
            .await
        }
    }
}

fn declaration(form: DeclareForm) -> Result<Declaration, OutageError> {
    let network = match form.network.trim() {
        "" => None,
        name => Some(
            Network::parse(name)
                .map_err(|_| OutageError::Invalid("ネットワークを選んでください。".into()))?,
        ),
    };
    let since = match form.since.trim() {
        "" => None,
        text => Some(
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
                .ok()
                .and_then(|local| jst().from_local_datetime(&local).single())
                .map(|at| at.with_timezone(&Utc))
                .ok_or_else(|| OutageError::Invalid("日時は 2026-11-26T10:00 の形です。".into()))?,
        ),
    };
    let some = |s: String| Some(s).filter(|s| !s.trim().is_empty());
    Ok(Declaration {
        title: form.title,
        systems: form.systems,
        faq_ids: form.faq_ids,
        network,
        place: some(form.place),
        since,
        planned: form.planned.is_some(),
        checklist: some(form.checklist),
        vendor: some(form.vendor),
        vendor_ticket: some(form.vendor_ticket),
    })
}

pub async fn show(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    signed.worker()?;
    outage_page(&helpdesk, &signed, id, StatusCode::OK, None).await
}

#[derive(Debug, Deserialize)]
pub struct TextForm {
    #[serde(default)]
    text: String,
}

pub async fn note(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
    posted: Posted<TextForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    signed.worker()?;
    let outcome = helpdesk
        .outages()
        .note(id, &form.text, signed.login())
        .await;
    done(&helpdesk, &signed, id, outcome.map(|_| ())).await
}

pub async fn reply(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
    posted: Posted<TextForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    signed.worker()?;
    let outcome = helpdesk
        .outages()
        .reply_all(id, &form.text, signed.login())
        .await;
    done(&helpdesk, &signed, id, outcome.map(|_| ())).await
}

pub async fn start(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
    posted: Posted<EmptyForm>,
) -> PageResult<Response> {
    let Posted { signed, .. } = posted;
    signed.worker()?;
    let outcome = helpdesk.outages().start(id, signed.login()).await;
    done(&helpdesk, &signed, id, outcome.map(|_| ())).await
}

pub async fn cancel(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
    posted: Posted<TextForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    signed.worker()?;
    let outcome = helpdesk
        .outages()
        .cancel(id, &form.text, signed.login())
        .await;
    done(&helpdesk, &signed, id, outcome.map(|_| ())).await
}

#[derive(Debug, Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    cause: String,
    #[serde(default)]
    measures: String,
}

pub async fn close(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
    posted: Posted<CloseForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    signed.worker()?;
    let outcome = helpdesk
        .outages()
        .close(id, Some(&form.cause), Some(&form.measures), signed.login())
        .await;
    done(&helpdesk, &signed, id, outcome.map(|_| ())).await
}

async fn done(
    helpdesk: &Helpdesk,
    signed: &Signed,
    id: i64,
    outcome: Result<(), OutageError>,
) -> PageResult<Response> {
    match outcome {
        Ok(()) => Ok(Redirect::to(&format!("/operator/outages/{id}")).into_response()),
        Err(OutageError::Storage(e)) => Err(e.into()),
        Err(e @ OutageError::NotFound(_)) => Err(PageError::NotFound(e.to_string())),
        Err(e) => {
            outage_page(
                helpdesk,
                signed,
                id,
                StatusCode::BAD_REQUEST,
                Some(e.to_string()),
            )
            .await
        }
    }
}

fn page_error(e: OutageError) -> PageError {
    match e {
        OutageError::NotFound(_) => PageError::NotFound(e.to_string()),
        e => PageError::Internal(e.into()),
    }
}

async fn list_page(
    helpdesk: &Helpdesk,
    signed: &Signed,
    status: StatusCode,
    error: Option<String>,
) -> PageResult<Response> {
    let outages = helpdesk.outages().list().await.map_err(page_error)?;
    Ok(render(
        status,
        &ListPage {
            nav: Nav::new(&signed.0, "outages"),
            outages,
            networks: Network::ALL,
            error,
            jst: jst(),
        },
    ))
}

async fn outage_page(
    helpdesk: &Helpdesk,
    signed: &Signed,
    id: i64,
    status: StatusCode,
    error: Option<String>,
) -> PageResult<Response> {
    let OutageView {
        outage,
        timeline,
        links,
    } = helpdesk
        .outages()
        .view(id, signed.login())
        .await
        .map_err(page_error)?;
    Ok(render(
        status,
        &OutagePage {
            nav: Nav::new(&signed.0, "outages"),
            planned: outage.state == OutageState::Planned,
            open: outage.state.is_open(),
            o: outage,
            timeline,
            links,
            error,
            jst: jst(),
        },
    ))
}
