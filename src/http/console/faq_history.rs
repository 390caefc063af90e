//! An entry's revisions: who saved each and when, what changed (each revision against the
//! one before, or any two chosen), and restoring an old revision (admins, confirmed).

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{Posted, Signed};
use super::page::{render, Nav, PageError, PageResult};
use crate::calendar::to_local;
use crate::helpdesk::Helpdesk;
use crate::kb::diff::{diff_entries, EntryDiff, Field, LineKind};
use crate::knowledge::MaintenanceError;
use crate::storage::FaqRevision;

/// One line of a diff as the page shows it: a visible sign and words for screen readers,
/// so that a change never reads by colour alone.
pub struct LineView {
    pub class: &'static str,
    pub sign: &'static str,
    pub spoken: &'static str,
    pub text: String,
}

pub struct FieldView {
    pub label: &'static str,
    pub hunks: Vec<Vec<LineView>>,
}

pub struct RevisionView {
    pub revision: u32,
    pub author: String,
    pub at: String,
    /// Against the revision before; `None` for the first.
    pub changes: Option<Vec<FieldView>>,
    pub latest: bool,
}

#[derive(Template)]
#[template(path = "console/faq_history.html")]
struct HistoryPage {
    nav: Nav,
    id: String,
    title: String,
    revisions: Vec<RevisionView>,
    /// The chosen comparison: (from, to, changed fields).
    compared: Option<(u32, u32, Vec<FieldView>)>,
    from: u32,
    to: u32,
    can_restore: bool,
    restored: Option<u32>,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct HistoryQuery {
    from: Option<u32>,
    to: Option<u32>,
    restored: Option<u32>,
}

pub async fn show(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<String>,
    Query(query): Query<HistoryQuery>,
) -> PageResult<Response> {
    let compared = match (query.from, query.to) {
        (Some(from), Some(to)) => {
            let diff = helpdesk
                .knowledge()
                .faq_diff(&id, from, to)
                .await
                .map_err(|e| refused(e, "その版はありません。"))?;
            Some((from, to, fields(&diff)))
        }
        _ => None,
    };
    let extras = Extras {
        compared,
        restored: query.restored,
        ..Extras::default()
    };
    page(&helpdesk, &signed, &id, extras).await
}

#[derive(Debug, Default, Deserialize)]
pub struct RestoreForm {
    #[serde(default)]
    revision: u32,
    #[serde(default)]
    confirm: Option<String>,
}

pub async fn restore(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<String>,
    posted: Posted<RestoreForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    signed.admin("FAQの版の復元")?;
    let error = if form.confirm.is_none() {
        format!(
            "版 {} に戻すには、確認のチェックを入れてください。",
            form.revision
        )
    } else {
        match helpdesk
            .knowledge()
            .restore_faq(&id, form.revision, signed.login())
            .await
        {
            Ok(now) => {
                let to = format!("/operator/faqs/{id}/history?restored={now}");
                return Ok(Redirect::to(&to).into_response());
            }
            Err(e @ MaintenanceError::Internal(_)) => return Err(PageError::Internal(e.into())),
            Err(_) => format!("版 {} はありません。", form.revision),
        }
    };
    let extras = Extras {
        status: StatusCode::BAD_REQUEST,
        error: Some(error),
        ..Extras::default()
    };
    page(&helpdesk, &signed, &id, extras).await
}

fn refused(e: MaintenanceError, message: &str) -> PageError {
    match e {
        MaintenanceError::Internal(e) => PageError::Internal(e),
        _ => PageError::NotFound(message.to_owned()),
    }
}

struct Extras {
    status: StatusCode,
    compared: Option<(u32, u32, Vec<FieldView>)>,
    restored: Option<u32>,
    error: Option<String>,
}

impl Default for Extras {
    fn default() -> Self {
        Extras {
            status: StatusCode::OK,
            compared: None,
            restored: None,
            error: None,
        }
    }
}

async fn page(
    helpdesk: &Helpdesk,
    signed: &Signed,
    id: &str,
    extras: Extras,
) -> PageResult<Response> {
    let revisions = helpdesk
        .knowledge()
        .faq_history(id)
        .await
        .map_err(|e| refused(e, ""))?;
    let Some(newest) = revisions.first() else {
        return Err(PageError::NotFound(format!(
            "ID「{id}」のFAQはありません。"
        )));
    };
    let title = newest.entry.title.clone();
    let (from, to) = extras.compared.as_ref().map_or_else(
        || (newest.revision.saturating_sub(1).max(1), newest.revision),
        |(from, to, _)| (*from, *to),
    );
    Ok(render(
        extras.status,
        &HistoryPage {
            nav: Nav::new(&signed.0, "faqs"),
            id: id.to_owned(),
            title,
            revisions: views(&revisions),
            compared: extras.compared,
            from,
            to,
            can_restore: signed.0.is_admin(),
            restored: extras.restored,
            error: extras.error,
        },
    ))
}

/// Newest first, each against the one before it.
fn views(revisions: &[FaqRevision]) -> Vec<RevisionView> {
    revisions
        .iter()
        .enumerate()
        .map(|(i, r)| RevisionView {
            revision: r.revision,
            author: r.author.clone(),
            at: to_local(r.created_at).format("%Y-%m-%d %H:%M").to_string(),
            changes: revisions
                .get(i + 1)
                .map(|before| fields(&diff_entries(&before.entry, &r.entry))),
            latest: i == 0,
        })
        .collect()
}

/// The changed fields of `diff`, ready to show.
fn fields(diff: &EntryDiff) -> Vec<FieldView> {
    diff.fields
        .iter()
        .filter(|f| f.changed)
        .map(|f| FieldView {
            label: label(f.field),
            hunks: f
                .hunks
                .iter()
                .map(|hunk| {
                    hunk.lines
                        .iter()
                        .map(|line| {
                            let (class, sign, spoken) = match line.kind {
                                LineKind::Insert => ("diff-ins", "＋", "追加："),
                                LineKind::Delete => ("diff-del", "－", "削除："),
                                LineKind::Equal => ("diff-eq", "　", ""),
                            };
                            let text = match (f.field, line.text.as_str()) {
                                (Field::Published, "true") => "公開".to_owned(),
                                (Field::Published, "false") => "非公開".to_owned(),
                                _ => line.text.clone(),
                            };
                            LineView {
                                class,
                                sign,
                                spoken,
                                text,
                            }
                        })
                        .collect()
                })
                .collect(),
        })
        .collect()
}

fn label(field: Field) -> &'static str {
    match field {
        Field::Title => "タイトル",
        Field::Category => "カテゴリ",
        Field::Keywords => "キーワード",
        Field::Alternatives => "別の聞き方",
        Field::Related => "関連FAQ",
        Field::Body => "本文",
        Field::Published => "公開",
    }
}
