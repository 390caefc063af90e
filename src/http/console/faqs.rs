//! The FAQ maintenance list: search, filters, each entry's statistics over a month, and
//! the export download. Editing, history and import are in the `faq_*` modules.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::auth::Signed;
use super::faq_problems::problems_of;
use super::page::{render, Nav, PageError, PageResult};
use super::views::Choice;
use crate::calendar::to_local;
use crate::helpdesk::Helpdesk;
use crate::knowledge::FaqSearch;
use crate::knowledge::{ExportFormat, MaintenanceError};
use crate::learning::{EntryStatistics, Period};

#[derive(Template)]
#[template(path = "console/faqs.html")]
struct FaqsPage {
    nav: Nav,
    entries: Vec<EntryStatistics>,
    stored: usize,
    q: String,
    categories: Vec<Choice>,
    published: Vec<Choice>,
    month: String,
    can_write: bool,
    is_admin: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
    /// `yes`, `no` or empty (both).
    #[serde(default)]
    published: String,
    /// `YYYY-MM`; this month when empty.
    #[serde(default)]
    month: String,
}

pub async fn list(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Query(query): Query<ListQuery>,
) -> PageResult<Response> {
    let today = to_local(helpdesk.now()).date();
    let month = if query.month.trim().is_empty() {
        today.with_day(1).unwrap_or(today)
    } else {
        NaiveDate::parse_from_str(&format!("{}-01", query.month.trim()), "%Y-%m-%d").map_err(
            |_| PageError::BadRequest("期間は「2026-04」のように年と月で指定してください。".into()),
        )?
    };
    let search = FaqSearch {
        text: query.q.clone(),
        category: query.category.clone(),
        published: match query.published.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        },
    };
    let listing = helpdesk
        .knowledge()
        .search_faqs(&search, Period::local_month(month))
        .await?;
    let mut categories = vec![Choice::new("", "すべて", &query.category)];
    categories.extend(
        listing
            .categories
            .iter()
            .map(|c| Choice::new(c, c, &query.category)),
    );
    let published = [
        ("", "すべて"),
        ("yes", "公開中"),
        ("no", "非公開（下書き）"),
    ]
    .map(|(value, label)| Choice::new(value, label, &query.published))
    .into();
    Ok(render(
        StatusCode::OK,
        &FaqsPage {
            can_write: signed.0.can_work_tickets(),
            is_admin: signed.0.is_admin(),
            nav: Nav::new(&signed.0, "faqs"),
            entries: listing.entries,
            stored: listing.stored,
            q: query.q,
            categories,
            published,
            month: month.format("%Y-%m").to_string(),
        },
    ))
}

#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    format: String,
}

/// The stored entries as a download (admins and operators; the library audits it).
pub async fn export(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Query(query): Query<ExportQuery>,
) -> PageResult<Response> {
    if !signed.0.can_work_tickets() {
        return Err(PageError::Forbidden("FAQの書き出し"));
    }
    let format = ExportFormat::parse(&query.format).ok_or_else(|| {
        PageError::BadRequest("形式は csv・csv-sjis・markdown のどれかです。".into())
    })?;
    let file = match helpdesk
        .knowledge()
        .export_faqs(format, signed.login())
        .await
    {
        Ok(file) => file,
        Err(e @ MaintenanceError::Internal(_)) => return Err(PageError::Internal(e.into())),
        Err(e) => {
            let text: Vec<String> = problems_of(&e).iter().map(|p| p.to_string()).collect();
            return Err(PageError::BadRequest(text.join(" ")));
        }
    };
    let disposition = format!("attachment; filename=\"{}\"", file.file_name);
    let disposition = HeaderValue::from_str(&disposition)
        .map_err(|e| PageError::Internal(anyhow::anyhow!("file name: {e}")))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(file.content_type),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        file.bytes,
    )
        .into_response())
}
