//! The IP address ledger as a file in the console: importing the city's ledger (CSV in
//! UTF-8 or Shift_JIS; a dry run shows what would change, or every problem by line and
//! column, and writes nothing) and downloading it (audited: the ledger names people).

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::auth::Signed;
use super::ip_ledger::internal;
use super::page::{render, Nav, PageError, PageResult};
use super::upload;
use crate::helpdesk::Helpdesk;
use crate::ledgers::{CsvProblem, ImportSummary, LedgerCsvError, LedgerError};
use crate::spreadsheet::SpreadsheetEncoding;

/// The largest ledger file accepted.
pub const MAX_LEDGER_BYTES: usize = 20 * 1024 * 1024;
/// The largest request body: the file and the form's other fields.
pub const MAX_LEDGER_REQUEST: usize = MAX_LEDGER_BYTES + 64 * 1024;

#[derive(Template)]
#[template(path = "console/ip_import.html")]
struct ImportPage {
    nav: Nav,
    file_name: String,
    summary: Option<ImportSummary>,
    problems: Vec<CsvProblem>,
    error: Option<String>,
}

impl ImportPage {
    fn encoding(&self) -> &'static str {
        match self.summary.as_ref().map(|s| s.encoding) {
            Some(SpreadsheetEncoding::ShiftJis) => "Shift_JIS",
            _ => "UTF-8",
        }
    }
}

fn blank(signed: &Signed) -> ImportPage {
    ImportPage {
        nav: Nav::new(&signed.0, "ip"),
        file_name: String::new(),
        summary: None,
        problems: Vec::new(),
        error: None,
    }
}

pub async fn form(signed: Signed) -> PageResult<Response> {
    signed.worker()?;
    Ok(render(StatusCode::OK, &blank(&signed)))
}

/// `POST /operator/ip/import`: fields `csrf` (first), `dry_run` (checkbox), `file`.
pub async fn upload(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    request: Request,
) -> PageResult<Response> {
    signed.worker()?; // the role before the body is read
    let upload = upload::read(&signed, &helpdesk, request, MAX_LEDGER_BYTES).await?;
    let dry_run = !upload.field("dry_run").is_empty();
    let Some((file_name, bytes)) = upload.file else {
        let error = Some("ファイルを選んでください。".to_owned());
        let outcome = ImportPage {
            error,
            ..blank(&signed)
        };
        return Ok(render(StatusCode::BAD_REQUEST, &outcome));
    };
    let result = helpdesk
        .ledgers()
        .import_ip_csv(&bytes, dry_run, signed.login())
        .await;
    let base = ImportPage {
        file_name,
        ..blank(&signed)
    };
    let (status, outcome) = match result {
        Ok(summary) => (
            StatusCode::OK,
            ImportPage {
                summary: Some(summary),
                ..base
            },
        ),
        Err(LedgerError::Csv(LedgerCsvError::Problems(problems))) => {
            (StatusCode::BAD_REQUEST, ImportPage { problems, ..base })
        }
        Err(LedgerError::Storage(e)) => return Err(internal(LedgerError::Storage(e))),
        Err(e) => (
            StatusCode::BAD_REQUEST,
            ImportPage {
                error: Some(e.to_string()),
                ..base
            },
        ),
    };
    Ok(render(status, &outcome))
}

#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    encoding: String,
}

/// `GET /operator/ip/export.csv?encoding=utf8|sjis`: the whole ledger, audited.
pub async fn export(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Query(query): Query<ExportQuery>,
) -> PageResult<Response> {
    if !signed.0.can_work_tickets() {
        return Err(PageError::Forbidden("IPアドレス台帳の書き出し"));
    }
    let (encoding, content_type) = match query.encoding.as_str() {
        "" | "utf8" => (SpreadsheetEncoding::Utf8, "text/csv; charset=utf-8"),
        "sjis" => (SpreadsheetEncoding::ShiftJis, "text/csv; charset=shift_jis"),
        _ => {
            return Err(PageError::BadRequest(
                "文字コードは utf8 か sjis です。".into(),
            ))
        }
    };
    let bytes = match helpdesk
        .ledgers()
        .export_ip_csv(encoding, signed.login())
        .await
    {
        Ok(bytes) => bytes,
        Err(LedgerError::Storage(e)) => return Err(internal(LedgerError::Storage(e))),
        Err(e) => return Err(PageError::BadRequest(e.to_string())),
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"ip-ledger.csv\"",
            ),
        ],
        bytes,
    )
        .into_response())
}
