//! The upload of a job's data file (operators and admins): received and checked in one
//! service call (第11-2 受領), then the run's page shows each check's result.
//!
//! The body is `multipart/form-data`, read by [`upload::read`] (the CSRF token first).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::auth::Signed;
use super::batches::refused;
use super::page::{PageError, PageResult};
use super::upload;
use crate::helpdesk::Helpdesk;

/// The largest data file accepted.
pub use crate::print_runs::MAX_INPUT_BYTES;
/// The largest request body: the file and the form's other fields.
pub const MAX_INPUT_REQUEST: usize = MAX_INPUT_BYTES + 64 * 1024;

pub async fn upload(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    request: Request,
) -> PageResult<Response> {
    // The role before the body: a file of up to 64 MiB is not read for nothing.
    signed.worker()?;
    let upload = upload::read(&signed, &helpdesk, request, MAX_INPUT_BYTES).await?;
    let runs = helpdesk.print_runs().map_err(|reason| {
        PageError::BadRequest(format!("印刷バッチは使えません（設定：{reason}）。"))
    })?;
    let job = upload.field("job").to_owned();
    let Some((name, bytes)) = upload.file else {
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
