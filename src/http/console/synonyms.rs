//! The synonym dictionary (表記ゆれ): the one in use and where it comes from, an editor
//! (admins save; everyone else reads), its problems by line, and its saved versions.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{Posted, Signed};
use super::faq_problems::{problems_of, Problem};
use super::page::{render, Nav, PageError, PageResult};
use crate::calendar::to_local;
use crate::helpdesk::Helpdesk;
use crate::knowledge::MaintenanceError;
use crate::knowledge::SynonymSource;
use crate::storage::SynonymDictionary;

/// Versions listed in the history.
const HISTORY_LIMIT: i64 = 100;

pub struct VersionView {
    pub version: i64,
    pub author: String,
    pub at: String,
}

impl VersionView {
    fn of(saved: &SynonymDictionary) -> VersionView {
        VersionView {
            version: saved.version,
            author: saved.author.clone(),
            at: to_local(saved.created_at)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "console/synonyms.html")]
struct SynonymsPage {
    nav: Nav,
    /// The saved version in use, or `None` when the file is.
    saved: Option<VersionView>,
    file: String,
    text: String,
    can_save: bool,
    /// The version the editor's text is based on (0: the file), sent back with a save.
    base: i64,
    /// A save refused because someone else saved since the editor was opened.
    conflict: Option<String>,
    problems: Vec<Problem>,
    history: Vec<VersionView>,
    /// An older version opened from the history, and its text.
    viewing: Option<(VersionView, String)>,
    just_saved: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SynonymsQuery {
    version: Option<i64>,
    saved: Option<i64>,
}

pub async fn show(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Query(query): Query<SynonymsQuery>,
) -> PageResult<Response> {
    let viewing = match query.version {
        Some(version) => {
            let history = helpdesk
                .knowledge()
                .synonym_history(i64::MAX)
                .await
                .map_err(internal)?;
            let old = history
                .iter()
                .find(|d| d.version == version)
                .ok_or_else(|| PageError::NotFound(format!("版 {version} はありません。")))?;
            Some((VersionView::of(old), old.text.clone()))
        }
        None => None,
    };
    let extras = Extras {
        viewing,
        just_saved: query.saved,
        ..Extras::default()
    };
    page(&helpdesk, &signed, extras).await
}

#[derive(Debug, Default, Deserialize)]
pub struct SynonymsForm {
    #[serde(default)]
    text: String,
    /// The version the editor was opened at (0: the file): a save by someone else since
    /// is not overwritten unseen.
    #[serde(default)]
    version: Option<i64>,
}

pub async fn save(
    State(helpdesk): State<Arc<Helpdesk>>,
    posted: Posted<SynonymsForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    signed.admin("同義語辞書の変更")?;
    let text = form.text.replace("\r\n", "\n");
    match helpdesk
        .knowledge()
        .update_synonyms(&text, signed.login(), form.version)
        .await
    {
        Ok(version) => {
            Ok(Redirect::to(&format!("/operator/synonyms?saved={version}")).into_response())
        }
        Err(MaintenanceError::Internal(e)) => Err(PageError::Internal(e)),
        Err(e @ MaintenanceError::SynonymsConflict { now, .. }) => {
            // The editor keeps what this admin wrote; saving again (after looking at the
            // saved versions) is a deliberate save over version `now`.
            let extras = Extras {
                status: StatusCode::CONFLICT,
                conflict: Some(e.to_string()),
                text: Some(text),
                base: Some(now),
                ..Extras::default()
            };
            page(&helpdesk, &signed, extras).await
        }
        Err(e) => {
            let extras = Extras {
                status: StatusCode::BAD_REQUEST,
                problems: problems_of(&e),
                text: Some(text),
                base: form.version,
                ..Extras::default()
            };
            page(&helpdesk, &signed, extras).await
        }
    }
}

fn internal(e: MaintenanceError) -> PageError {
    PageError::Internal(e.into())
}

struct Extras {
    status: StatusCode,
    conflict: Option<String>,
    problems: Vec<Problem>,
    /// The text to show in the editor instead of the one in use (a refused save).
    text: Option<String>,
    /// The version the editor's text is based on, instead of the one in use (a refused
    /// save keeps the version it was opened at).
    base: Option<i64>,
    viewing: Option<(VersionView, String)>,
    just_saved: Option<i64>,
}

impl Default for Extras {
    fn default() -> Self {
        Extras {
            status: StatusCode::OK,
            conflict: None,
            problems: Vec::new(),
            text: None,
            base: None,
            viewing: None,
            just_saved: None,
        }
    }
}

async fn page(helpdesk: &Helpdesk, signed: &Signed, extras: Extras) -> PageResult<Response> {
    let in_use = helpdesk.knowledge().synonyms().await.map_err(internal)?;
    let (saved, file, in_use_version) = match &in_use.source {
        SynonymSource::Saved(saved) => (Some(VersionView::of(saved)), String::new(), saved.version),
        SynonymSource::File { file } => (None, file.clone(), 0),
    };
    let history = helpdesk
        .knowledge()
        .synonym_history(HISTORY_LIMIT)
        .await
        .map_err(internal)?;
    Ok(render(
        extras.status,
        &SynonymsPage {
            nav: Nav::new(&signed.0, "synonyms"),
            saved,
            file,
            text: extras.text.unwrap_or(in_use.text),
            can_save: signed.0.is_admin(),
            base: extras.base.unwrap_or(in_use_version),
            conflict: extras.conflict,
            problems: extras.problems,
            history: history.iter().map(VersionView::of).collect(),
            viewing: extras.viewing,
            just_saved: extras.just_saved,
        },
    ))
}
