//! The dashboard: today's and this month's counts, the queue now, and the
//! auto-answer rate by day as an inline SVG chart with the same figures as a table under
//! it. Any signed-in role may look; it shows counts only, no personal data.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::auth::Signed;
use super::page::{render, Nav, PageResult};
use crate::calendar::format_date_ja;
use crate::helpdesk::Helpdesk;
use crate::learning::{chart, PeriodCounts, CHART_DAYS};

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
}

pub async fn show(signed: Signed, State(helpdesk): State<Arc<Helpdesk>>) -> PageResult<Response> {
    let dashboard = helpdesk.learning().dashboard().await?;
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
    };
    Ok(render(StatusCode::OK, &page))
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
