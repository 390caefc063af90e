//! The print-job catalogue in the console (5(3)ア③): every job with its current
//! revision; a job's definition, its revision history with what changed, and, for
//! admins, adding a job, changing its definition (its TOML text, checked as the bundled
//! files are), retiring it, and going back to an earlier revision. A refused change
//! shows the checker's reasons beside the text typed, and changes nothing.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{Posted, Signed};
use super::batches::{local_time, refused, runs_of};
use super::page::{render, Nav, PageError, PageResult};
use crate::batches::definition_diff::{diff_definitions, DiffLine};
use crate::helpdesk::Helpdesk;
use crate::print_runs::revisions::{job_name, CatalogueEdit, CatalogueEditError};
use crate::print_runs::RunError;
use crate::storage::batch_job_revisions::JobRevision;

#[derive(Template)]
#[template(path = "console/batch_jobs.html")]
struct JobsPage {
    nav: Nav,
    jobs: Vec<JobRow>,
    error: Option<Refusal>,
    draft: String,
    reason: String,
}

struct JobRow {
    id: String,
    name: String,
    revision: i64,
    change: &'static str,
    retired: bool,
    at: String,
    by: String,
}

#[derive(Template)]
#[template(path = "console/batch_job.html")]
struct JobPage {
    nav: Nav,
    id: String,
    name: String,
    latest: i64,
    retired: bool,
    /// The text in the edit box: the current definition, or the one refused.
    draft: String,
    reason: String,
    error: Option<Refusal>,
    saved: Option<i64>,
    revisions: Vec<RevisionView>,
    compared: Option<(i64, i64, Vec<Vec<LineView>>)>,
}

/// Why a change was refused: a headline and the checker's reasons, one a line.
struct Refusal {
    headline: String,
    problems: Vec<String>,
}

struct RevisionView {
    revision: i64,
    change: &'static str,
    at: String,
    by: String,
    reason: String,
    sha256: String,
    latest: bool,
    /// An earlier definition that can be in force again.
    restorable: bool,
    /// What changed from the revision before (none for the first).
    changes: Option<Vec<Vec<LineView>>>,
}

/// One line of a diff: a visible sign and words for screen readers.
struct LineView {
    class: &'static str,
    sign: &'static str,
    spoken: &'static str,
    text: String,
}

fn lines(hunks: Vec<Vec<DiffLine>>) -> Vec<Vec<LineView>> {
    hunks
        .into_iter()
        .map(|hunk| {
            hunk.into_iter()
                .map(|l| {
                    let (class, sign, spoken) = match l.added {
                        Some(true) => ("diff-ins", "+", "追加："),
                        Some(false) => ("diff-del", "−", "削除："),
                        None => ("diff-eq", " ", ""),
                    };
                    LineView {
                        class,
                        sign,
                        spoken,
                        text: l.text,
                    }
                })
                .collect()
        })
        .collect()
}

/// The refusal of a change, in the console's words; anything else is the page's error.
fn refusal(e: CatalogueEditError) -> Result<Refusal, PageError> {
    let say = |headline: String| Refusal {
        headline,
        problems: Vec::new(),
    };
    Ok(match e {
        CatalogueEditError::Refused(found) => Refusal {
            headline: "定義に誤りがあるため保存しませんでした（何も変更していません）。".into(),
            problems: found.problems,
        },
        CatalogueEditError::NoReason => say("変更の理由（市の依頼など）を書いてください。".into()),
        CatalogueEditError::UnknownJob(_) => {
            return Err(PageError::NotFound("そのジョブはありません。".into()))
        }
        CatalogueEditError::JobExists(id) => say(format!(
            "ジョブ {id} はすでにあります（廃止したジョブは、その履歴から以前の版に戻してください）。"
        )),
        CatalogueEditError::OtherId { job, found } => say(format!(
            "定義の id が {found} になっています。このジョブの id（{job}）は変えられません。"
        )),
        CatalogueEditError::Retired(id) => say(format!(
            "ジョブ {id} は廃止されています。以前の版に戻すと再び使えます。"
        )),
        CatalogueEditError::NoRevision(id, n) => {
            say(format!("ジョブ {id} に版 {n} の定義はありません。"))
        }
        CatalogueEditError::Unchanged => say("変更がありません。".into()),
        CatalogueEditError::Stale(_) => say(
            "ほかの人が先にこのジョブを変更しました。ページを開き直して、最新の版から変更してください。"
                .into(),
        ),
        CatalogueEditError::Storage(e) => return Err(PageError::Internal(e.into())),
    })
}

pub async fn list(signed: Signed, State(helpdesk): State<Arc<Helpdesk>>) -> PageResult<Response> {
    jobs_page(&helpdesk, &signed, None, String::new(), String::new()).await
}

async fn jobs_page(
    helpdesk: &Helpdesk,
    signed: &Signed,
    error: Option<Refusal>,
    draft: String,
    reason: String,
) -> PageResult<Response> {
    let revisions = runs_of(helpdesk)?.revisions();
    let rows = revisions.jobs().await.map_err(catalogue_error)?;
    let jobs = rows
        .iter()
        .map(|r| JobRow {
            id: r.job_id.clone(),
            name: job_name(r),
            revision: r.revision,
            change: r.change.label(),
            retired: r.retired(),
            at: local_time(r.changed_at),
            by: r.changed_by.clone(),
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = JobsPage {
        nav: Nav::new(&signed.0, "batches"),
        jobs,
        error,
        draft,
        reason,
    };
    Ok(render(status, &page))
}

fn catalogue_error(e: CatalogueEditError) -> PageError {
    refused(RunError::Catalogue(e))
}

#[derive(Debug, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    definition: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    base: i64,
    #[serde(default)]
    revision: i64,
}

/// Adds a job (admins).
pub async fn add(
    State(helpdesk): State<Arc<Helpdesk>>,
    posted: Posted<EditForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    signed.admin("印刷ジョブの追加")?;
    let revisions = runs_of(&helpdesk)?.revisions();
    let edit = CatalogueEdit::Add {
        definition: form.definition.clone(),
    };
    match revisions.edit(signed.login(), &edit, &form.reason).await {
        Ok(row) => Ok(saved(&row)),
        Err(e) => {
            jobs_page(
                &helpdesk,
                &signed,
                Some(refusal(e)?),
                form.definition,
                form.reason,
            )
            .await
        }
    }
}

fn saved(row: &JobRevision) -> Response {
    let to = format!(
        "/operator/batches/jobs/{}?saved={}",
        row.job_id, row.revision
    );
    Redirect::to(&to).into_response()
}

#[derive(Debug, Deserialize)]
pub struct JobQuery {
    from: Option<i64>,
    to: Option<i64>,
    saved: Option<i64>,
}

pub async fn show(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<String>,
    Query(query): Query<JobQuery>,
) -> PageResult<Response> {
    job_page(&helpdesk, &signed, &id, &query, None, None).await
}

/// `change`, `retire` or `restore` a job (admins).
pub async fn act(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path((id, action)): Path<(String, String)>,
    posted: Posted<EditForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    let edit = match action.as_str() {
        "change" => CatalogueEdit::Change {
            job: id.clone(),
            base: form.base,
            definition: form.definition.clone(),
        },
        "retire" => CatalogueEdit::Retire {
            job: id.clone(),
            base: form.base,
        },
        "restore" => CatalogueEdit::Restore {
            job: id.clone(),
            base: form.base,
            revision: form.revision,
        },
        _ => return Err(PageError::NotFound("その操作はありません。".into())),
    };
    signed.admin("印刷ジョブの定義の変更")?;
    let revisions = runs_of(&helpdesk)?.revisions();
    match revisions.edit(signed.login(), &edit, &form.reason).await {
        Ok(row) => Ok(saved(&row)),
        Err(e) => {
            let refusal = refusal(e)?;
            let draft = (action == "change").then_some((form.definition, form.reason));
            let query = JobQuery {
                from: None,
                to: None,
                saved: None,
            };
            job_page(&helpdesk, &signed, &id, &query, Some(refusal), draft).await
        }
    }
}

async fn job_page(
    helpdesk: &Helpdesk,
    signed: &Signed,
    id: &str,
    query: &JobQuery,
    error: Option<Refusal>,
    draft: Option<(String, String)>,
) -> PageResult<Response> {
    let history = runs_of(helpdesk)?
        .revisions()
        .history(id)
        .await
        .map_err(catalogue_error)?;
    let latest = &history[0];
    let revisions = history
        .iter()
        .enumerate()
        .map(|(i, r)| RevisionView {
            revision: r.revision,
            change: r.change.label(),
            at: local_time(r.changed_at),
            by: r.changed_by.clone(),
            reason: r.reason.clone(),
            sha256: r.sha256.clone(),
            latest: i == 0,
            restorable: i > 0
                && !r.retired()
                && (latest.retired() || r.definition != latest.definition),
            changes: history
                .get(i + 1)
                .map(|older| lines(diff_definitions(&older.definition, &r.definition))),
        })
        .collect();
    let text_of = |n: i64| {
        history
            .iter()
            .find(|r| r.revision == n)
            .map(|r| &r.definition)
    };
    let compared = match (query.from, query.to) {
        (Some(a), Some(b)) => match (text_of(a), text_of(b)) {
            (Some(old), Some(new)) => Some((a, b, lines(diff_definitions(old, new)))),
            _ => None,
        },
        _ => None,
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let (draft, reason) = draft.unwrap_or_else(|| (latest.definition.clone(), String::new()));
    let page = JobPage {
        nav: Nav::new(&signed.0, "batches"),
        id: id.to_owned(),
        name: job_name(latest),
        latest: latest.revision,
        retired: latest.retired(),
        draft,
        reason,
        error,
        saved: query.saved,
        revisions,
        compared,
    };
    Ok(render(status, &page))
}
