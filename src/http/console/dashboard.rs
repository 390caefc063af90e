//! The dashboard: today's and this month's counts, the queue now, and the
//! auto-answer rate by day as an inline SVG chart with the same figures as a table under
//! it; and the deliveries that failed (a message or notice the outbox gave up on), each
//! with 再送. Any signed-in role may look at the counts; the failed deliveries' texts and
//! 再送 are for those who work tickets.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::auth::{EmptyForm, Posted, Signed};
use super::page::{render, Nav, PageError, PageResult};
use crate::calendar::{format_date_ja, format_datetime_ja, to_local};
use crate::domain::OutboxStatus;
use crate::helpdesk::Helpdesk;
use crate::learning::{chart, PeriodCounts, CHART_DAYS};
use crate::storage::outbox::Requeue;
use crate::storage::OutboxItem;

/// The chart's title (also its accessible name).
fn chart_title() -> String {
    format!("自動回答率（過去{CHART_DAYS}日）")
}

/// One period's figures: 今日 or 今月.
pub struct Figures {
    pub label: &'static str,
    pub questions: i64,
    pub answered: i64,
    pub rate: String,
    pub escalated: i64,
}

impl Figures {
    fn of(label: &'static str, counts: &PeriodCounts) -> Figures {
        Figures {
            label,
            questions: counts.questions,
            answered: counts.answered,
            rate: percent(counts.answer_rate()),
            escalated: counts.escalated,
        }
    }
}

/// One day of the table under the chart.
pub struct DayRow {
    pub date: String,
    pub questions: i64,
    pub answered: i64,
    pub rate: String,
}

/// 「75%」, or 「-」 when there were no questions.
fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "-".to_owned(), |r| format!("{:.0}%", r * 100.0))
}

/// A delivery the outbox gave up on, as the dashboard lists it.
pub struct FailedDelivery {
    pub id: i64,
    pub kind: &'static str,
    pub route: &'static str,
    pub created: String,
    pub attempts: i64,
    pub error: String,
    /// The subject, or the text's first line, shortened.
    pub what: String,
}

/// The most failed deliveries listed.
const FAILED_LISTED: i64 = 50;
/// The most characters of a failed delivery's text shown.
const WHAT_CHARS: usize = 60;

impl FailedDelivery {
    fn of(item: &OutboxItem) -> FailedDelivery {
        let what = item
            .delivery()
            .map(|d| d.subject.unwrap_or(d.text))
            .unwrap_or_default();
        let first = what.lines().next().unwrap_or_default();
        let mut what: String = first.chars().take(WHAT_CHARS).collect();
        if first.chars().count() > WHAT_CHARS {
            what.push('…');
        }
        FailedDelivery {
            id: item.id,
            kind: item.kind.label(),
            route: item.route.label(),
            created: format_datetime_ja(to_local(item.created_at)),
            attempts: item.attempts,
            error: item.last_error.clone().unwrap_or_default(),
            what,
        }
    }
}

#[derive(Template)]
#[template(path = "console/dashboard.html")]
struct DashboardPage {
    nav: Nav,
    date: String,
    periods: Vec<Figures>,
    open_tickets: i64,
    overdue_tickets: i64,
    pending_proposals: usize,
    chart_title: String,
    /// SVG from [`chart::answer_rate_chart`], which escapes every text it writes.
    chart: String,
    days: Vec<DayRow>,
    failed_count: usize,
    /// Listed for those who work tickets only (texts may name people).
    failed: Vec<FailedDelivery>,
    can_retry: bool,
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DashboardQuery {
    #[serde(default)]
    retried: Option<i64>,
}

pub async fn show(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Query(query): Query<DashboardQuery>,
) -> PageResult<Response> {
    let dashboard = helpdesk.learning().dashboard().await?;
    let failed_items = helpdesk
        .outbox()
        .items(Some(OutboxStatus::Failed), FAILED_LISTED)
        .await?;
    let can_retry = signed.0.can_work_tickets();
    let pending_proposals = helpdesk.learning().pending_proposals().await?.len();
    let title = chart_title();
    let page = DashboardPage {
        nav: Nav::new(&signed.0, "dashboard"),
        date: format_date_ja(dashboard.date),
        periods: vec![
            Figures::of("今日", &dashboard.today),
            Figures::of("今月", &dashboard.month),
        ],
        open_tickets: dashboard.open_tickets,
        overdue_tickets: dashboard.overdue_tickets,
        pending_proposals,
        chart: chart::answer_rate_chart(&title, &dashboard.by_day),
        chart_title: title,
        days: dashboard
            .by_day
            .iter()
            .map(|day| DayRow {
                date: format_date_ja(day.date),
                questions: day.questions,
                answered: day.answered,
                rate: percent(day.answer_rate()),
            })
            .collect(),
        failed_count: failed_items.len(),
        failed: if can_retry {
            failed_items.iter().map(FailedDelivery::of).collect()
        } else {
            Vec::new()
        },
        can_retry,
        notice: query
            .retried
            .map(|id| format!("送信 {id} を送信待ちに戻しました。まもなく再送されます。")),
    };
    Ok(render(StatusCode::OK, &page))
}

/// `POST /operator/outbox/{id}/retry`: a failed delivery back in the queue (audited),
/// then the dashboard again.
pub async fn retry(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
    posted: Posted<EmptyForm>,
) -> PageResult<Response> {
    let Posted { signed, .. } = posted;
    signed.worker()?;
    match helpdesk.outbox().retry(id, signed.login()).await? {
        Requeue::Requeued => {
            Ok(Redirect::to(&format!("/operator/dashboard?retried={id}")).into_response())
        }
        Requeue::NotFailed => Err(PageError::BadRequest(
            "送信に失敗した項目だけを再送できます（すでに再送されたか、送信済みです）。".into(),
        )),
        Requeue::NoSuchItem => Err(PageError::NotFound(format!("送信 {id} はありません。"))),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rates_read_as_whole_percentages_or_a_dash() {
        assert_eq!(super::percent(Some(0.756)), "76%");
        assert_eq!(super::percent(Some(1.0)), "100%");
        assert_eq!(super::percent(None), "-");
    }
}
