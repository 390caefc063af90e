//! The upload of a job's data file (operators and admins): received and checked in one
//! service call (第11-2 受領), then the run's page shows each check's result.
//!
//! Like the FAQ import, the body is `multipart/form-data`: the first field must be `csrf`
//! and match the session's token before anything else is read.

use std::sync::Arc;

use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::auth::Signed;
use super::batches::refused;
use super::page::{PageError, PageResult};
use crate::helpdesk::Helpdesk;

/// The largest data file accepted.
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;
/// The largest request body: the file and the form's other fields.
pub const MAX_INPUT_REQUEST: usize = MAX_INPUT_BYTES + 64 * 1024;

fn too_large() -> PageError {
    PageError::BadRequest(format!(
        "ファイルが大きすぎます。{} MBまでです。",
        MAX_INPUT_BYTES / 1024 / 1024
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
    let token = match multipart.next_field().await {
        Ok(Some(field)) if field.name() == Some("csrf") => field.text().await.ok(),
        _ => None,
    };
    if !token.is_some_and(|t| signed.0.csrf_matches(&t)) {
        return Err(PageError::Csrf);
    }
    signed.worker()?;
    let runs = helpdesk.print_runs().map_err(|reason| {
        PageError::BadRequest(format!("印刷バッチは使えません（設定：{reason}）。"))
    })?;
    let (mut job, mut upload) = (String::new(), None);
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(PageError::BadRequest("送信された内容を読めません。".into())),
        };
        match field.name() {
            Some("job") => job = field.text().await.unwrap_or_default(),
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let mut bytes = Vec::new();
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) if bytes.len() + chunk.len() > MAX_INPUT_BYTES => {
                            return Err(too_large())
                        }
                        Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                        Ok(None) => break,
                        Err(_) => {
                            return Err(PageError::BadRequest("ファイルを読めません。".into()))
                        }
                    }
                }
                upload = Some((name, bytes));
            }
            _ => {}
        }
    }
    let Some((name, bytes)) = upload.filter(|(_, b)| !b.is_empty()) else {
        return Err(PageError::BadRequest(
            "データファイルを選んでください。".into(),
        ));
    };
    let run = runs
        .intake(signed.login(), job.trim(), &name, &bytes)
        .await
        .map_err(refused)?;
    Ok(Redirect::to(&format!("/operator/batches/runs/{}", run.id)).into_response())
}
