//! The unanswered report (the learning loop): the questions the bot could not
//! answer over a period of local days (this month by default), grouped by similarity, the
//! most frequent gaps first, each with a link to write the FAQ entry that would answer it.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Datelike, Months, NaiveDate};
use serde::Deserialize;

use super::auth::Signed;
use super::page::{render, Nav, PageResult};
use crate::calendar::{format_date_ja, format_datetime_ja, to_local};
use crate::helpdesk::Helpdesk;
use crate::learning::{GapGroup, Period, PeriodError};

/// The longest period one report covers, in days.
pub const MAX_DAYS: i64 = 366;

/// `from` and `to`: local dates (`YYYY-MM-DD`, both included). Neither: this month.
#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

impl PeriodQuery {
    /// The first and last day asked for, or why they cannot be used.
    fn days(&self, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), String> {
        let (from, to) = (self.from.trim(), self.to.trim());
        if from.is_empty() && to.is_empty() {
            return Ok(month_of(today));
        }
        if from.is_empty() || to.is_empty() {
            return Err("期間の始まりと終わりを両方指定してください。".into());
        }
        let parse = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let (Some(first), Some(last)) = (parse(from), parse(to)) else {
            return Err("日付は 2026-11-01 の形で指定してください。".into());
        };
        if last < first {
            return Err(PeriodError::Reversed.to_string());
        }
        if (last - first).num_days() >= MAX_DAYS {
            return Err(format!("期間は{MAX_DAYS}日以内で指定してください。"));
        }
        Ok((first, last))
    }
}

/// The first and last day of `date`'s month.
fn month_of(date: NaiveDate) -> (NaiveDate, NaiveDate) {
    let first = date.with_day(1).unwrap_or(date);
    let last = first
        .checked_add_months(Months::new(1))
        .and_then(|next| next.pred_opt())
        .unwrap_or(first);
    (first, last)
}

/// One gap as the page shows it.
pub struct Gap {
    pub representative: String,
    pub count: usize,
    pub escalated: usize,
    pub no_match: usize,
    pub not_resolved: usize,
    pub examples: Vec<String>,
    pub last_asked: String,
    pub ticket_ids: Vec<i64>,
    /// The query string of the new-entry page, prefilled with the representative.
    pub new_entry: String,
}

impl Gap {
    fn of(group: GapGroup) -> Gap {
        Gap {
            new_entry: serde_urlencoded::to_string([("title", &group.representative)])
                .unwrap_or_default(),
            last_asked: format_datetime_ja(to_local(group.last_asked)),
            representative: group.representative,
            count: group.count,
            escalated: group.escalated,
            no_match: group.no_match,
            not_resolved: group.not_resolved,
            examples: group.examples,
            ticket_ids: group.ticket_ids,
        }
    }
}

#[derive(Template)]
#[template(path = "console/unanswered.html")]
struct UnansweredPage {
    nav: Nav,
    /// The form's values, as they were typed when refused.
    from: String,
    to: String,
    /// 「11月1日(日)〜11月30日(月)」, empty when the period was refused.
    period: String,
    gaps: Vec<Gap>,
    /// Unanswered questions in all groups.
    total: usize,
    /// Operators and admins may write FAQ entries; viewers only read.
    can_write: bool,
    error: Option<String>,
}

pub async fn show(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Query(query): Query<PeriodQuery>,
) -> PageResult<Response> {
    let today = to_local(helpdesk.now()).date();
    let mut page = UnansweredPage {
        nav: Nav::new(&signed.0, "unanswered"),
        from: query.from.trim().to_owned(),
        to: query.to.trim().to_owned(),
        period: String::new(),
        gaps: Vec::new(),
        total: 0,
        can_write: signed.0.can_work_tickets(),
        error: None,
    };
    let (first, last) = match query.days(today) {
        Ok(days) => days,
        Err(reason) => {
            page.error = Some(reason);
            return Ok(render(StatusCode::BAD_REQUEST, &page));
        }
    };
    let groups = helpdesk
        .learning()
        .unanswered_report(Period::local_days(first, last))
        .await?;
    page.from = first.format("%Y-%m-%d").to_string();
    page.to = last.format("%Y-%m-%d").to_string();
    page.period = format!("{}〜{}", format_date_ja(first), format_date_ja(last));
    page.total = groups.iter().map(|g| g.count).sum();
    page.gaps = groups.into_iter().map(Gap::of).collect();
    Ok(render(StatusCode::OK, &page))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn query(from: &str, to: &str) -> PeriodQuery {
        PeriodQuery {
            from: from.into(),
            to: to.into(),
        }
    }

    #[test]
    fn no_dates_mean_this_month() {
        let today = date("2028-02-17");
        let days = query("", " ").days(today).unwrap();
        assert_eq!(days, (date("2028-02-01"), date("2028-02-29")));
    }

    #[test]
    fn bad_periods_are_refused_with_the_reason() {
        let today = date("2026-11-26");
        for (from, to, reason) in [
            ("2026-11-30", "2026-11-01", "始まりより前"),
            ("2026-11-01", "", "両方"),
            ("2026/11/01", "2026-11-30", "2026-11-01 の形"),
            ("2026-02-30", "2026-03-01", "2026-11-01 の形"),
            ("2025-01-01", "2026-11-30", "366日以内"),
        ] {
            let refused = query(from, to).days(today).unwrap_err();
            assert!(refused.contains(reason), "{from}..{to}: {refused}");
        }
        assert_eq!(
            query("2026-11-26", "2026-11-26").days(today),
            Ok((date("2026-11-26"), date("2026-11-26")))
        );
    }
}
