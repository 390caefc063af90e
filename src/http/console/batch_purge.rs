//! Purging a run's files on the city's instruction in the console (admins; 特記事項
//! 第12), and the deletion record as a printable 消去証明書 (A4, print CSS).

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{Posted, Signed};
use super::batches::{refused, runs_of};
use super::page::{render, Nav, PageError, PageResult};
use crate::helpdesk::Helpdesk;
use crate::print_runs::purge::{certificate_items, PurgeOrder};
use crate::print_runs::RunError;

#[derive(Debug, Deserialize)]
pub struct PurgeForm {
    #[serde(default)]
    instruction: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    witness: String,
    #[serde(default)]
    reason: String,
}

/// Erases the run's files (admins) and shows its 消去証明書.
pub async fn purge(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
    posted: Posted<PurgeForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    signed.admin("ファイルの消去")?;
    let order = PurgeOrder {
        instruction: &form.instruction,
        method: &form.method,
        witness: &form.witness,
        reason: &form.reason,
    };
    let runs = runs_of(&helpdesk)?;
    let ordered = runs
        .order_purge(signed.login(), id, &order)
        .await
        .map_err(|e| match e {
            RunError::NoInstruction => {
                PageError::BadRequest("市の指示（文書番号など）を書いてください。".into())
            }
            RunError::NoWitness => PageError::BadRequest("立会者を書いてください。".into()),
            RunError::NoReason => PageError::BadRequest("消去の理由を書いてください。".into()),
            RunError::UnknownMethod(_) => {
                PageError::BadRequest("消去の方法を選んでください。".into())
            }
            e => refused(e),
        })?;
    // The record is kept whatever happens next: an erasure that fails is shown on the
    // run's page as unfinished, and the duties finish it.
    if let Err(e) = runs.finish_purge(signed.login(), &ordered).await {
        tracing::error!(run = id, error = %e, "a purge's erasure failed; the duties will finish it");
        return Ok(Redirect::to(&format!("/operator/batches/runs/{id}")).into_response());
    }
    let to = format!("/operator/batches/runs/{id}/certificate");
    Ok(Redirect::to(&to).into_response())
}

#[derive(Template)]
#[template(path = "console/batch_certificate.html")]
struct CertificatePage {
    nav: Nav,
    run_id: i64,
    items: Vec<(&'static str, String)>,
}

/// Why a purge ordered but not done has no certificate yet.
const UNFINISHED: &str =
    "この実行のファイルは消去の途中です。消去が完了すると消去証明書を表示できます。";

/// The 消去証明書 as an A4 PDF in the forms' font.
pub async fn certificate_pdf(
    _signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let pdf = runs_of(&helpdesk)?
        .certificate_pdf(id)
        .await
        .map_err(|e| match e {
            RunError::NotFound(_) => {
                PageError::NotFound("この実行のファイルはまだ消去していません。".into())
            }
            RunError::PurgeUnfinished(_) => PageError::NotFound(UNFINISHED.into()),
            e => refused(e),
        })?;
    Ok(super::batch_files::pdf_download(
        format!("run-{id}-certificate.pdf"),
        pdf,
    ))
}

/// The 消去証明書 of the run's purge, to print.
pub async fn certificate(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let runs = runs_of(&helpdesk)?;
    let run = runs.log(id).await.map_err(refused)?;
    let Some(purge) = runs.purge_record(id).await.map_err(refused)? else {
        return Err(PageError::NotFound(
            "この実行のファイルはまだ消去していません。".into(),
        ));
    };
    if !purge.is_done() {
        return Err(PageError::NotFound(UNFINISHED.into()));
    }
    let job_name = runs.job_name(&run).await.map_err(refused)?;
    let page = CertificatePage {
        nav: Nav::new(&signed.0, "batches"),
        run_id: id,
        items: certificate_items(&purge, &job_name),
    };
    Ok(render(StatusCode::OK, &page))
}
