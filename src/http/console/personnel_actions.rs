//! What admins do with the personnel switch in the console: upload the change file and
//! the organisation table (and a directory export) to make a plan — every problem shown
//! by file, line and column, nothing stored — approve it whole or by 所属 and kind, and
//! start an apply run; and the plan's files downloaded by operators (audited).

use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{Posted, Signed};
use super::page::{render, PageError, PageResult};
use super::personnel::{list_page, refused};
use super::upload;
use crate::domain::ChangeKind;
use crate::helpdesk::Helpdesk;
use crate::personnel::files::DIRECTORY_COLUMNS;
use crate::personnel::{ApprovalScope, InputFiles, PersonnelError};

/// The largest file of the three accepted.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// The largest request body: three files and the form's other fields.
pub const MAX_REQUEST: usize = 3 * MAX_FILE_BYTES + 64 * 1024;

/// `POST /operator/personnel/upload`: fields `csrf` (first), files `changes`, `org` and
/// (optional: no accounts yet) `directory`.
pub async fn upload(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    request: Request,
) -> PageResult<Response> {
    signed.admin("年度切り替えの計画づくり")?; // the role before the body is read
    let mut upload = upload::read(&signed, &helpdesk, request, MAX_FILE_BYTES).await?;
    let (Some((source, changes)), Some((_, org))) =
        (upload.files.remove("changes"), upload.files.remove("org"))
    else {
        let error = Some("異動ファイルと組織表を選んでください。".to_owned());
        let page = list_page(&signed, &helpdesk, Vec::new(), error).await?;
        return Ok(render(StatusCode::BAD_REQUEST, &page));
    };
    let empty = format!("{}\n", DIRECTORY_COLUMNS.join(","));
    let directory = upload
        .files
        .remove("directory")
        .map_or_else(|| empty.into_bytes(), |(_, bytes)| bytes);
    let files = InputFiles {
        changes: &changes,
        org: &org,
        directory: &directory,
    };
    match helpdesk
        .personnel()
        .create_plan(&source, files, signed.login())
        .await
    {
        Ok((id, _)) => Ok(Redirect::to(&format!("/operator/personnel/{id}")).into_response()),
        Err(PersonnelError::Problems(problems)) => {
            let page = list_page(&signed, &helpdesk, problems, None).await?;
            Ok(render(StatusCode::BAD_REQUEST, &page))
        }
        Err(e) => Err(refused(e)),
    }
}

#[derive(Debug, Deserialize)]
pub struct ApproveForm {
    /// A 所属コード, or empty: every 所属.
    #[serde(default)]
    department: String,
    /// A kind of change, or empty: every kind.
    #[serde(default)]
    kind: String,
}

/// `POST /operator/personnel/{id}/approve`: the whole plan, or one 所属 and/or one kind.
pub async fn approve(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
    posted: Posted<ApproveForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    signed.admin("年度切り替えの承認")?;
    let department = form.department.trim();
    let kinds = match form.kind.trim() {
        "" => Vec::new(),
        k => vec![ChangeKind::parse(k)
            .map_err(|_| PageError::BadRequest("変更の種類の指定が正しくありません。".into()))?],
    };
    let scope = ApprovalScope {
        department_codes: if department.is_empty() {
            Vec::new()
        } else {
            vec![department.to_owned()]
        },
        kinds,
    };
    let approved = helpdesk
        .personnel()
        .approve(id, &scope, signed.login())
        .await
        .map_err(refused)?;
    Ok(Redirect::to(&format!("/operator/personnel/{id}?approved={approved}")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct ApplyForm {
    /// A 所属コード, or empty: every approved item.
    #[serde(default)]
    only: String,
}

/// `POST /operator/personnel/{id}/apply`: starts a run (refused while one holds the plan).
pub async fn apply(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
    posted: Posted<ApplyForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    signed.admin("年度切り替えの適用")?;
    let only: Vec<String> = Some(form.only.trim().to_owned())
        .filter(|c| !c.is_empty())
        .into_iter()
        .collect();
    helpdesk
        .personnel()
        .start(id, &only, signed.login())
        .await
        .map_err(refused)?;
    Ok(Redirect::to(&format!("/operator/personnel/{id}?started=1")).into_response())
}

/// `GET /operator/personnel/{id}/files/{name}`: one of the plan's files (audited).
pub async fn download(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Path((id, name)): Path<(i64, String)>,
) -> PageResult<Response> {
    if !signed.0.can_work_tickets() {
        return Err(PageError::Forbidden("年度切り替えのファイルの書き出し"));
    }
    let file = helpdesk
        .personnel()
        .download(id, &name, signed.login())
        .await
        .map_err(refused)?;
    let content_type = match name.rsplit('.').next() {
        Some("pdf") => "application/pdf",
        Some("ps1") => "text/plain; charset=utf-8",
        _ if name.ends_with("-sjis.csv") => "text/csv; charset=shift_jis",
        _ => "text/csv; charset=utf-8",
    };
    let disposition = format!("attachment; filename=\"plan-{id}-{}\"", file.file_name);
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        file.bytes,
    )
        .into_response())
}
