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
use crate::storage::AuditEntry;

/// `GET /operator/requests/{id}/files/{name}`: a CSV or PowerShell script of an AD step.
pub async fn file(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Path((id, name)): Path<(i64, String)>,
) -> PageResult<Response> {
    // Names, 職員番号 and OUs: the people who carry the steps out, not viewers.
    signed.worker()?;
    let view = helpdesk
        .requests()
        .view(id, signed.login())
        .await
        .map_err(|_| PageError::NotFound("その申請はありません。".into()))?;
    let files = helpdesk
        .requests()
        .artefacts(&view)
        .await
        .map_err(|e| PageError::Internal(e.into()))?;
    let Some(artefact) = files
        .into_iter()
        .flat_map(|(_, f)| f)
        .find(|a| a.file_name == name)
    else {
        return Err(PageError::NotFound("そのファイルはありません。".into()));
    };
    let content_type = if name.ends_with(".csv") {
        "text/csv; charset=utf-8"
    } else {
        "text/plain; charset=utf-8"
    };
    let entry = AuditEntry::new(
        signed.login(),
        "request.download",
        "request",
        &id.to_string(),
    )
    .detail(artefact.file_name.clone());
    helpdesk.store().record_audit(&entry).await?;
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
