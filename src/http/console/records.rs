//! The city's records from the console (operators and admins): the work log (a few
//! seconds per line), virus incidents (each reported to the city's contact at once), and
//! the consumables stock with moves in and out.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;

use super::auth::{Posted, Signed};
use super::page::{render, Nav, PageError, PageResult};
use crate::domain::{StockKind, TextEnum};
use crate::helpdesk::Helpdesk;
use crate::ledgers::{IncidentReport, LedgerError};
use crate::reports::Month;
use crate::storage::city_records::{StockItem, VirusIncident, WorkEntry};

#[derive(Template)]
#[template(path = "console/records.html")]
struct RecordsPage {
    nav: Nav,
    month: String,
    work: Vec<WorkEntry>,
    incidents: Vec<VirusIncident>,
    stock: Vec<StockItem>,
    kinds: &'static [StockKind],
    error: Option<String>,
    jst: FixedOffset,
}

fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("JST")
}

pub async fn show(signed: Signed, State(helpdesk): State<Arc<Helpdesk>>) -> PageResult<Response> {
    signed.worker()?;
    page(&helpdesk, &signed, StatusCode::OK, None).await
}

#[derive(Debug, Deserialize)]
pub struct WorkForm {
    #[serde(default)]
    done_at: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    description: String,
}

pub async fn add_work(
    State(helpdesk): State<Arc<Helpdesk>>,
    posted: Posted<WorkForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    signed.worker()?;
    let outcome = match when(&form.done_at, helpdesk.now()) {
        Ok(at) => helpdesk
            .ledgers()
            .log_work(at, signed.login(), &form.kind, &form.description)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    done(&helpdesk, &signed, outcome).await
}

#[derive(Debug, Deserialize)]
pub struct IncidentForm {
    #[serde(default)]
    occurred_at: String,
    #[serde(default)]
    device: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    detection_name: String,
    #[serde(default)]
    found_by: String,
    #[serde(default)]
    actions: String,
    #[serde(default)]
    isolated: Option<String>,
    #[serde(default)]
    result: String,
}

pub async fn add_incident(
    State(helpdesk): State<Arc<Helpdesk>>,
    posted: Posted<IncidentForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    signed.worker()?;
    let outcome = match when(&form.occurred_at, helpdesk.now()) {
        Ok(occurred_at) => {
            let report = IncidentReport {
                occurred_at,
                device: form.device,
                person: Some(form.person),
                department: Some(form.department),
                detection_name: form.detection_name,
                found_by: form.found_by,
                actions: Some(form.actions),
                isolated: form.isolated.is_some(),
                result: Some(form.result),
            };
            helpdesk
                .ledgers()
                .record_incident(&report, signed.login())
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    done(&helpdesk, &signed, outcome).await
}

#[derive(Debug, Deserialize)]
pub struct ItemForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    threshold: String,
}

pub async fn add_item(
    State(helpdesk): State<Arc<Helpdesk>>,
    posted: Posted<ItemForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    signed.worker()?;
    let kind = StockKind::parse(&form.kind)
        .map_err(|_| LedgerError::Invalid("種別を選んでください。".into()));
    let threshold = number(&form.threshold, "しきい値");
    let outcome = match (kind, threshold) {
        (Ok(kind), Ok(threshold)) => helpdesk
            .ledgers()
            .add_stock_item(kind, &form.name, threshold, signed.login())
            .await
            .map(|_| ()),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    done(&helpdesk, &signed, outcome).await
}

#[derive(Debug, Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    delta: String,
    #[serde(default)]
    reason: String,
}

pub async fn move_stock(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
    posted: Posted<MoveForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    signed.worker()?;
    let outcome = match number(&form.delta, "数量") {
        Ok(delta) => helpdesk
            .ledgers()
            .move_stock(id, delta, signed.login(), &form.reason)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    done(&helpdesk, &signed, outcome).await
}

fn number(text: &str, field: &str) -> Result<i64, LedgerError> {
    text.trim()
        .parse()
        .map_err(|_| LedgerError::Invalid(format!("{field} は整数で入力してください。")))
}

/// A `datetime-local` value read as JST; empty means now.
fn when(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, LedgerError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(now);
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|local| jst().from_local_datetime(&local).single())
        .map(|at| at.with_timezone(&Utc))
        .ok_or_else(|| LedgerError::Invalid("日時は 2026-11-26T10:00 の形です。".into()))
}

async fn done(
    helpdesk: &Helpdesk,
    signed: &Signed,
    outcome: Result<(), LedgerError>,
) -> PageResult<Response> {
    match outcome {
        Ok(()) => Ok(Redirect::to("/operator/records").into_response()),
        Err(LedgerError::Storage(e)) => Err(PageError::Internal(e.into())),
        Err(e @ LedgerError::NotInLedger(_)) => Err(PageError::NotFound(e.to_string())),
        Err(e) => {
            page(
                helpdesk,
                signed,
                StatusCode::BAD_REQUEST,
                Some(e.to_string()),
            )
            .await
        }
    }
}

async fn page(
    helpdesk: &Helpdesk,
    signed: &Signed,
    status: StatusCode,
    error: Option<String>,
) -> PageResult<Response> {
    let today = helpdesk.now().with_timezone(&jst()).date_naive();
    let month = Month::parse(&today.format("%Y-%m").to_string()).expect("a real month");
    let period = month.period();
    let ledgers = helpdesk.ledgers();
    let internal = |e: LedgerError| PageError::Internal(anyhow::Error::from(e));
    Ok(render(
        status,
        &RecordsPage {
            nav: Nav::new(&signed.0, "records"),
            month: month.to_string(),
            work: ledgers
                .work(period.from, period.to)
                .await
                .map_err(internal)?,
            incidents: ledgers
                .incidents(period.from, period.to)
                .await
                .map_err(internal)?,
            stock: ledgers.stock().await.map_err(internal)?,
            kinds: StockKind::ALL,
            error,
            jst: jst(),
        },
    ))
}
