//! Loans (貸出) in the console: the operators' list for today (pickups, returns, overdue
//! loans, licences to grant or take back) and a month calendar of reservations, for one
//! item or every item, with links to the months before and after.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, Months, NaiveDate};
use serde::Deserialize;

use super::auth::Signed;
use super::page::{render, Nav, PageError, PageResult};
use crate::calendar::{format_datetime_ja, to_local};
use crate::domain::loan::reservation_number;
use crate::domain::TaskKind;
use crate::helpdesk::Helpdesk;
use crate::loans::{parse_month, LoanError};
use crate::storage::reservations::Reservation;

impl From<LoanError> for PageError {
    fn from(e: LoanError) -> Self {
        match e {
            LoanError::Internal(e) => PageError::Internal(e),
            other => PageError::BadRequest(other.to_string()),
        }
    }
}

/// One reservation as a line of a page.
pub struct Line {
    pub id: i64,
    pub task: &'static str,
    pub task_code: &'static str,
    pub number: String,
    pub item: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub requester: String,
    pub department: String,
    pub from: String,
    pub to: String,
}

impl Line {
    /// Reservation `r` of the item named `item`; `task` is the day's task, when it is one.
    pub fn of(item: String, r: Reservation, task: Option<TaskKind>) -> Line {
        Line {
            id: r.id,
            task: task.map_or("", TaskKind::label),
            task_code: task.map_or("", TaskKind::as_str),
            number: reservation_number(r.id),
            item,
            status: r.status.label(),
            status_code: r.status.as_str(),
            requester: r.requester_name,
            department: r.department,
            from: format_datetime_ja(to_local(r.starts_at)),
            to: format_datetime_ja(to_local(r.ends_at)),
        }
    }
}

#[derive(Template)]
#[template(path = "console/loans_today.html")]
struct TodayPage {
    nav: Nav,
    day: String,
    lines: Vec<Line>,
}

/// `GET /operator/loans`: the operators' list for today.
pub async fn today(signed: Signed, State(helpdesk): State<Arc<Helpdesk>>) -> PageResult<Response> {
    let day = to_local(helpdesk.now()).date();
    let lines = helpdesk
        .loans()
        .today(day)
        .await?
        .into_iter()
        .map(|l| Line::of(l.item_name, l.reservation, Some(l.task)))
        .collect();
    Ok(render(
        StatusCode::OK,
        &TodayPage {
            nav: Nav::new(&signed.0, "loans"),
            day: day.format("%Y-%m-%d").to_string(),
            lines,
        },
    ))
}

/// One cell of the calendar.
pub struct Cell {
    pub day: u32,
    pub date: String,
    pub held: Vec<Held>,
}

/// A reservation held on a day of the calendar, linked to its page.
pub struct Held {
    pub id: i64,
    pub number: String,
    pub what: String,
    pub status: &'static str,
    pub code: &'static str,
}

#[derive(Template)]
#[template(path = "console/loans_calendar.html")]
struct CalendarPage {
    nav: Nav,
    title: String,
    item: String,
    items: Vec<(String, String)>,
    previous: String,
    next: String,
    weeks: Vec<Vec<Option<Cell>>>,
}

#[derive(Debug, Default, Deserialize)]
pub struct CalendarQuery {
    #[serde(default)]
    item: String,
    #[serde(default)]
    month: String,
}

/// `GET /operator/loans/calendar?item=ID&month=YYYY-MM`.
pub async fn calendar(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Query(query): Query<CalendarQuery>,
) -> PageResult<Response> {
    let first = if query.month.trim().is_empty() {
        to_local(helpdesk.now())
            .date()
            .with_day(1)
            .unwrap_or_default()
    } else {
        parse_month(&query.month)?
    };
    let item = Some(query.item.trim()).filter(|i| !i.is_empty());
    let loans = helpdesk.loans();
    let month = loans.month(item, first).await?;
    let items = loans
        .items()
        .await?
        .into_iter()
        .map(|i| (i.id, i.name))
        .collect();
    let mut weeks = Vec::new();
    let mut week: Vec<Option<Cell>> = (0..first.weekday().num_days_from_monday())
        .map(|_| None)
        .collect();
    for (day, held) in month.days {
        week.push(Some(Cell {
            day: day.day(),
            date: day.format("%Y-%m-%d").to_string(),
            held: held
                .into_iter()
                .map(|(name, r)| Held {
                    id: r.id,
                    number: reservation_number(r.id),
                    what: format!("{name} {}", r.requester_name),
                    status: r.status.label(),
                    code: r.status.as_str(),
                })
                .collect(),
        }));
        if week.len() == 7 {
            weeks.push(std::mem::take(&mut week));
        }
    }
    if !week.is_empty() {
        week.resize_with(7, || None);
        weeks.push(week);
    }
    let link = |d: Option<NaiveDate>| {
        let month = d.map(|d| d.format("%Y-%m").to_string()).unwrap_or_default();
        serde_urlencoded::to_string([("item", query.item.trim()), ("month", month.as_str())])
            .map(|q| format!("/operator/loans/calendar?{q}"))
            .unwrap_or_default()
    };
    Ok(render(
        StatusCode::OK,
        &CalendarPage {
            nav: Nav::new(&signed.0, "loans"),
            title: first.format("%Y年%-m月").to_string(),
            item: query.item.trim().to_owned(),
            items,
            previous: link(first.checked_sub_months(Months::new(1))),
            next: link(first.checked_add_months(Months::new(1))),
            weeks,
        },
    ))
}
