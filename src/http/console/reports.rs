//! The reports to the city in the console (everyone signed in): pick a month, a half year
//! or a fiscal year; the report shows with its SVG charts and tables, and downloads as
//! HTML, PDF (in `[batches] font`) or one CSV file per table.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::auth::Signed;
use super::page::{render, Nav, PageError, PageResult};
use crate::batches::render::FormFont;
use crate::helpdesk::Helpdesk;
use crate::reports::{self, Month, MonthlyReport, Span};

/// Which report: `kind` is `monthly` (with `month`, `YYYY-MM`), `half-year` or `annual`
/// (with `fiscal_year`).
#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    fiscal_year: String,
    /// Downloads only: `html`, `pdf`, or a CSV table's file name.
    #[serde(default)]
    file: String,
}

impl ReportQuery {
    fn span(&self, today: Month) -> Result<Span, PageError> {
        let bad = |what: &str| PageError::BadRequest(format!("{what}の指定が正しくありません。"));
        let year = || -> Result<i32, PageError> {
            match self.fiscal_year.trim() {
                "" => Ok(if today.month >= 4 {
                    today.year
                } else {
                    today.year - 1
                }),
                y => y
                    .parse()
                    .ok()
                    .filter(|y| (2000..=2100).contains(y))
                    .ok_or_else(|| bad("年度")),
            }
        };
        match self.kind.as_str() {
            "" | "monthly" => match self.month.trim() {
                "" => Ok(Span::month(today)),
                m => Month::parse(m).map(Span::month).ok_or_else(|| bad("月")),
            },
            "half-year" => Span::half_year(year()?).ok_or_else(|| bad("年度")),
            "annual" => Span::fiscal_year(year()?).ok_or_else(|| bad("年度")),
            _ => Err(bad("報告の種類")),
        }
    }

    /// The query string that picks the same report.
    fn same(&self) -> String {
        serde_urlencoded::to_string([
            ("kind", self.kind.as_str()),
            ("month", self.month.as_str()),
            ("fiscal_year", self.fiscal_year.as_str()),
        ])
        .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "console/reports.html")]
struct ReportsPage {
    nav: Nav,
    kind: String,
    month: String,
    fiscal_year: String,
    query: String,
    tables: Vec<&'static str>,
    body: String,
}

/// The month it is now in Japan.
fn this_month(helpdesk: &Helpdesk) -> Month {
    let jst = chrono::FixedOffset::east_opt(9 * 3600).expect("JST");
    let today = helpdesk.now().with_timezone(&jst).date_naive();
    Month::parse(&today.format("%Y-%m").to_string()).expect("a real month")
}

async fn gathered(helpdesk: &Helpdesk, query: &ReportQuery) -> PageResult<MonthlyReport> {
    let span = query.span(this_month(helpdesk))?;
    Ok(helpdesk.reports().gather(span).await?)
}

pub async fn show(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Query(query): Query<ReportQuery>,
) -> PageResult<Response> {
    let report = gathered(&helpdesk, &query).await?;
    // The form shows what the report is of: this month and this fiscal year unless chosen.
    let now = this_month(&helpdesk);
    let month = match query.month.trim() {
        "" => format!("{:04}-{:02}", now.year, now.month),
        chosen => chosen.to_owned(),
    };
    let fiscal_year = match query.fiscal_year.trim() {
        "" if now.month >= 4 => now.year.to_string(),
        "" => (now.year - 1).to_string(),
        chosen => chosen.to_owned(),
    };
    Ok(render(
        StatusCode::OK,
        &ReportsPage {
            nav: Nav::new(&signed.0, "reports"),
            tables: reports::csv_tables(&report).iter().map(|t| t.0).collect(),
            body: reports::render_html_body(&report),
            kind: query.kind.clone(),
            month,
            fiscal_year,
            query: query.same(),
        },
    ))
}

/// `GET /operator/reports/download?...&file=html|pdf|<table>.csv`.
pub async fn download(
    _: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Query(query): Query<ReportQuery>,
) -> PageResult<Response> {
    let report = gathered(&helpdesk, &query).await?;
    let (name, content_type, bytes) = match query.file.as_str() {
        "html" => (
            "report.html".to_owned(),
            "text/html; charset=utf-8",
            reports::render_html(&report).into_bytes(),
        ),
        "pdf" => {
            let font = std::fs::read(&helpdesk.settings().batches.font)
                .ok()
                .and_then(|bytes| FormFont::from_bytes(bytes).ok())
                .ok_or_else(|| {
                    PageError::BadRequest(
                        "PDFの書体がありません（[batches] font、IPAexゴシック）。".into(),
                    )
                })?;
            let pdf = reports::render_pdf(&report, &font)
                .map_err(|e| PageError::Internal(anyhow::anyhow!("report PDF: {e}")))?;
            ("report.pdf".to_owned(), "application/pdf", pdf)
        }
        table => reports::csv_tables(&report)
            .into_iter()
            .find(|(name, _)| *name == table)
            .map(|(name, bytes)| (name.to_owned(), "text/csv; charset=utf-8", bytes))
            .ok_or_else(|| PageError::NotFound("そのファイルはありません。".into()))?,
    };
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .map_err(|e| PageError::Internal(anyhow::anyhow!("file name: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
