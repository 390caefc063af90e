//! Importing FAQ entries from an uploaded file (admins): CSV (UTF-8 with or without BOM,
//! or Shift_JIS) or a tar archive of knowledge-base Markdown files.
//!
//! The upload is `multipart/form-data`, which [`super::auth::Posted`] does not read, so
//! the CSRF check is done here: the form's first field must be `csrf` and match the
//! session's token before the file is read at all.

use std::sync::Arc;

use askama::Template;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::Signed;
use super::faq_problems::{problems_of, Problem};
use super::page::{render, Nav, PageError, PageResult};
use crate::helpdesk::Helpdesk;
use crate::knowledge::MaintenanceError;
use crate::storage::ImportReport;

/// The largest file accepted.
pub const MAX_UPLOAD_BYTES: usize = 5 * 1024 * 1024;
/// The largest request body: the file and the form's other fields.
pub const MAX_UPLOAD_REQUEST: usize = MAX_UPLOAD_BYTES + 64 * 1024;

#[derive(Template)]
#[template(path = "console/faq_import.html")]
struct ImportPage {
    nav: Nav,
    report: Option<ImportReport>,
    problems: Vec<Problem>,
    file_name: String,
    max_mb: usize,
}

#[derive(Debug, Default, Deserialize)]
pub struct Imported {
    created: Option<usize>,
    updated: Option<usize>,
    unchanged: Option<usize>,
}

pub async fn form(signed: Signed, Query(done): Query<Imported>) -> PageResult<Response> {
    signed.admin("FAQの取り込み")?;
    let report = done.created.map(|created| ImportReport {
        created,
        updated: done.updated.unwrap_or(0),
        unchanged: done.unchanged.unwrap_or(0),
    });
    Ok(page(
        &signed,
        StatusCode::OK,
        report,
        Vec::new(),
        String::new(),
    ))
}

pub async fn upload(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    request: Request,
) -> PageResult<Response> {
    let mut multipart = Multipart::from_request(request, &helpdesk)
        .await
        .map_err(|_| PageError::Csrf)?;
    // The token first: nothing else of the body is read without it.
    let token = match multipart.next_field().await {
        Ok(Some(field)) if field.name() == Some("csrf") => field.text().await,
        Ok(_) => return Err(PageError::Csrf),
        Err(e) => Err(e),
    };
    match token {
        Ok(token) if signed.0.csrf_matches(&token) => {}
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Ok(too_large_request()),
        _ => return Err(PageError::Csrf),
    }
    signed.admin("FAQの取り込み")?;
    let refuse = |status, reason: &str, file_name: String| {
        let problem = Problem {
            line: None,
            place: String::new(),
            reason: reason.to_owned(),
        };
        Ok(page(&signed, status, None, vec![problem], file_name))
    };
    let mut upload = None;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return refuse(StatusCode::PAYLOAD_TOO_LARGE, &too_large(), String::new())
            }
            Err(_) => return Err(PageError::BadRequest("送信された内容を読めません。".into())),
        };
        if field.name() != Some("file") {
            continue;
        }
        let file_name = field.file_name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES {
                        return refuse(StatusCode::PAYLOAD_TOO_LARGE, &too_large(), file_name);
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return refuse(StatusCode::PAYLOAD_TOO_LARGE, &too_large(), file_name)
                }
                Err(_) => return Err(PageError::BadRequest("ファイルを読めません。".into())),
            }
        }
        upload = Some((file_name, bytes));
    }
    let Some((file_name, bytes)) = upload.filter(|(_, bytes)| !bytes.is_empty()) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "ファイルを選んでください。",
            String::new(),
        );
    };
    let outcome = if is_tar(&file_name, &bytes) {
        helpdesk
            .knowledge()
            .import_faq_archive(&bytes, signed.login())
            .await
    } else {
        helpdesk
            .knowledge()
            .import_faq_csv(&bytes, signed.login())
            .await
    };
    match outcome {
        Ok(report) => {
            let to = format!(
                "/operator/faqs/import?created={}&updated={}&unchanged={}",
                report.created, report.updated, report.unchanged
            );
            Ok(Redirect::to(&to).into_response())
        }
        Err(MaintenanceError::Internal(e)) => Err(PageError::Internal(e)),
        Err(e) => Ok(page(
            &signed,
            StatusCode::BAD_REQUEST,
            None,
            problems_of(&e),
            file_name,
        )),
    }
}

/// A request over the limit before its token could be read: the error page, as 413.
fn too_large_request() -> Response {
    let mut response = PageError::BadRequest(too_large()).into_response();
    *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    response
}

fn too_large() -> String {
    format!(
        "ファイルが大きすぎます。{} MBまでのファイルを選んでください。",
        MAX_UPLOAD_BYTES / 1024 / 1024
    )
}

/// A tar archive: by its name, or by the `ustar` mark every POSIX archive carries.
fn is_tar(file_name: &str, bytes: &[u8]) -> bool {
    file_name.to_ascii_lowercase().ends_with(".tar") || bytes.get(257..262) == Some(b"ustar")
}

fn page(
    signed: &Signed,
    status: StatusCode,
    report: Option<ImportReport>,
    problems: Vec<Problem>,
    file_name: String,
) -> Response {
    render(
        status,
        &ImportPage {
            nav: Nav::new(&signed.0, "faqs"),
            report,
            problems,
            file_name,
            max_mb: MAX_UPLOAD_BYTES / 1024 / 1024,
        },
    )
}
