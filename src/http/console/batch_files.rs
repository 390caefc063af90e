//! The print runs' files and checks in the console: the printed output downloaded
//! through its run (operators; audited by the service, it shows personal data), and the
//! selftest of every job run now (admins; the batches page shows each job's last check).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};

use super::auth::{Posted, Signed};
use super::batches::{refused, runs_of, ActionForm};
use super::page::PageResult;
use crate::helpdesk::Helpdesk;

/// The run's printed output as a PDF.
pub async fn output(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    signed.worker()?;
    let pdf = runs_of(&helpdesk)?
        .output(signed.login(), id)
        .await
        .map_err(refused)?;
    Ok(pdf_download(format!("run-{id}-output.pdf"), pdf))
}

/// A PDF as a download that no cache keeps.
pub(super) fn pdf_download(name: String, pdf: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        pdf,
    )
        .into_response()
}

/// Runs every job's selftest now and stores the results.
pub async fn selftest(
    State(helpdesk): State<Arc<Helpdesk>>,
    posted: Posted<ActionForm>,
) -> PageResult<Response> {
    let signed = posted.signed;
    signed.admin("印刷バッチの自己診断")?;
    runs_of(&helpdesk)?
        .selftest(signed.login())
        .await
        .map_err(refused)?;
    Ok(Redirect::to("/operator/batches#selftest").into_response())
}
