//! The files of a request's AD steps (a CSV, a PowerShell script per network), to
//! download from the request page: operators and admins, each download audited
//! (`request.download`, with the file's name), as the other exports are.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::auth::Signed;
use super::page::{PageError, PageResult};
use crate::helpdesk::Helpdesk;

/// `GET /operator/requests/{id}/files/{name}`: a CSV or PowerShell script of an AD step.
pub async fn file(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Path((id, name)): Path<(i64, String)>,
) -> PageResult<Response> {
    // Names, 職員番号 and OUs: the people who carry the steps out, not viewers.
    signed.worker()?;
    let artefact = match helpdesk
        .requests()
        .step_file(id, &name, signed.login())
        .await
    {
        Ok(Some(artefact)) => artefact,
        Ok(None) => return Err(PageError::NotFound("そのファイルはありません。".into())),
        Err(crate::requests::RequestError::NoSuchRequest(_)) => {
            return Err(PageError::NotFound("その申請はありません。".into()))
        }
        Err(e) => return Err(PageError::Internal(e.into())),
    };
    let content_type = if name.ends_with(".csv") {
        "text/csv; charset=utf-8"
    } else {
        "text/plain; charset=utf-8"
    };
    let disposition = format!("attachment; filename=\"{}\"", artefact.file_name);
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        artefact.content,
    )
        .into_response())
}
