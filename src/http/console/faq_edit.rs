//! Creating and editing an FAQ entry: the form, a Markdown preview (rendered and
//! sanitised on the server, nothing saved) and saving. Who may save what is the domain's
//! rule ([`crate::knowledge::may_save`]); refused or bad input shows the form again with
//! the reasons and the input kept.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{Posted, Signed};
use super::page::{render, Nav, PageError, PageResult};
use crate::accounts::Role;
use crate::calendar::to_local;
use crate::helpdesk::Helpdesk;
use crate::kb::render::markdown_to_safe_html;
use crate::kb::FaqEntry;
use crate::knowledge::{may_edit, may_publish, EditError};

#[derive(Template)]
#[template(path = "console/faq_edit.html")]
struct EditPage {
    nav: Nav,
    creating: bool,
    form: EntryForm,
    published: bool,
    categories: Vec<String>,
    /// The body as sanitised HTML, after プレビュー.
    preview: Option<String>,
    errors: Vec<String>,
    can_save: bool,
    can_publish: bool,
    viewer: bool,
    /// 「版 3（yamada、2026-11-26 10:00）」 for a stored entry.
    latest: Option<String>,
    saved: Option<u32>,
}

/// The form's fields as typed: lists are split only when the entry is built.
#[derive(Debug, Default, Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    category: String,
    /// Separated by commas (、 or ,) or line breaks.
    #[serde(default)]
    keywords: String,
    /// One a line.
    #[serde(default)]
    alternatives: String,
    /// Ids separated by commas, spaces or line breaks.
    #[serde(default)]
    related: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    published: Option<String>,
    /// `preview` or `save`.
    #[serde(default)]
    action: String,
    /// The revision the form was opened at (none for a new entry): a save by someone else
    /// since is not overwritten unseen.
    #[serde(default)]
    revision: Option<u32>,
}

impl EntryForm {
    fn of(entry: &FaqEntry) -> EntryForm {
        EntryForm {
            id: entry.id.clone(),
            title: entry.title.clone(),
            category: entry.category.clone(),
            keywords: entry.keywords.join("、"),
            alternatives: entry.alternatives.join("\n"),
            related: entry.related.join(", "),
            body: entry.body.clone(),
            published: entry.published.then(|| "1".to_owned()),
            action: String::new(),
            revision: None,
        }
    }

    fn entry(&self, id: &str) -> FaqEntry {
        let split = |text: &str, separators: &[char]| -> Vec<String> {
            text.split(|c| separators.contains(&c))
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        };
        FaqEntry {
            id: id.trim().to_owned(),
            title: self.title.trim().to_owned(),
            category: self.category.trim().to_owned(),
            keywords: split(&self.keywords, &[',', '、', '，', '\n']),
            alternatives: split(&self.alternatives, &['\n']),
            related: split(&self.related, &[',', '、', '，', ' ', '　', '\n']),
            body: self.body.replace("\r\n", "\n").trim_end().to_owned(),
            published: self.published.is_some(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SavedQuery {
    saved: Option<u32>,
}

pub async fn new_form(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
) -> PageResult<Response> {
    if !may_edit(signed.0.user.role, None) {
        return Err(PageError::Forbidden("FAQの作成"));
    }
    let form = EntryForm::default();
    page(&helpdesk, &signed, true, form, Extras::default()).await
}

pub async fn edit_form(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<String>,
    Query(query): Query<SavedQuery>,
) -> PageResult<Response> {
    let entry = stored(&helpdesk, &id).await?;
    let extras = Extras {
        saved: query.saved,
        ..Extras::default()
    };
    let mut form = EntryForm::of(&entry);
    form.revision = helpdesk
        .knowledge()
        .faq_history(&id)
        .await
        .map_err(|e| PageError::Internal(e.into()))?
        .first()
        .map(|r| r.revision);
    page(&helpdesk, &signed, false, form, extras).await
}

pub async fn create(
    State(helpdesk): State<Arc<Helpdesk>>,
    posted: Posted<EntryForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    if !may_edit(signed.0.user.role, None) {
        return Err(PageError::Forbidden("FAQの作成"));
    }
    let id = form.id.trim().to_owned();
    submit(&helpdesk, &signed, true, &id, form).await
}

pub async fn update(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<String>,
    posted: Posted<EntryForm>,
) -> PageResult<Response> {
    let Posted { signed, mut form } = posted;
    stored(&helpdesk, &id).await?;
    form.id = id.clone();
    submit(&helpdesk, &signed, false, &id, form).await
}

async fn submit(
    helpdesk: &Helpdesk,
    signed: &Signed,
    creating: bool,
    id: &str,
    mut form: EntryForm,
) -> PageResult<Response> {
    let entry = form.entry(id);
    if form.action == "preview" {
        let extras = Extras {
            preview: Some(markdown_to_safe_html(
                &entry.body,
                &helpdesk.settings().faq.image_hosts,
            )),
            ..Extras::default()
        };
        return page(helpdesk, signed, creating, form, extras).await;
    }
    let (status, errors) = match helpdesk
        .knowledge()
        .save_faq_entry(&signed.0.user, &entry, creating, form.revision)
        .await
    {
        Ok(saved) => {
            let to = format!("/operator/faqs/{}?saved={}", entry.id, saved.revision);
            return Ok(Redirect::to(&to).into_response());
        }
        Err(e @ EditError::Refused(_)) => (StatusCode::FORBIDDEN, vec![e.to_string()]),
        Err(EditError::Invalid(problems)) => (StatusCode::BAD_REQUEST, problems),
        Err(e @ EditError::NoSuchEntry(_)) => return Err(PageError::NotFound(e.to_string())),
        Err(e @ EditError::Conflict { now, .. }) => {
            // The form keeps what this editor wrote; saving again (after looking at the
            // history) is a deliberate save over revision `now`.
            form.revision = Some(now);
            (StatusCode::CONFLICT, vec![e.to_string()])
        }
        Err(e @ EditError::Taken(_)) => (StatusCode::CONFLICT, vec![e.to_string()]),
        Err(EditError::Internal(e)) => return Err(PageError::Internal(e)),
    };
    let extras = Extras {
        status,
        errors,
        ..Extras::default()
    };
    page(helpdesk, signed, creating, form, extras).await
}

async fn stored(helpdesk: &Helpdesk, id: &str) -> PageResult<FaqEntry> {
    helpdesk
        .knowledge()
        .entry(id)
        .await?
        .ok_or_else(|| PageError::NotFound(format!("ID「{id}」のFAQはありません。")))
}

/// What the form shows besides the fields.
struct Extras {
    status: StatusCode,
    errors: Vec<String>,
    preview: Option<String>,
    saved: Option<u32>,
}

impl Default for Extras {
    fn default() -> Self {
        Extras {
            status: StatusCode::OK,
            errors: Vec::new(),
            preview: None,
            saved: None,
        }
    }
}

async fn page(
    helpdesk: &Helpdesk,
    signed: &Signed,
    creating: bool,
    form: EntryForm,
    extras: Extras,
) -> PageResult<Response> {
    let role = signed.0.user.role;
    let (stored, latest) = if creating {
        (None, None)
    } else {
        let revisions = helpdesk
            .knowledge()
            .faq_history(&form.id)
            .await
            .map_err(|e| PageError::Internal(e.into()))?;
        let latest = revisions.first().map(|r| {
            let at = to_local(r.created_at).format("%Y-%m-%d %H:%M");
            format!("版 {}（{}、{at}）", r.revision, r.author)
        });
        (helpdesk.knowledge().entry(&form.id).await?, latest)
    };
    Ok(render(
        extras.status,
        &EditPage {
            nav: Nav::new(&signed.0, "faqs"),
            creating,
            published: form.published.is_some(),
            form,
            categories: helpdesk.knowledge().faq_categories().await?,
            preview: extras.preview,
            errors: extras.errors,
            can_save: may_edit(role, if creating { None } else { stored.as_ref() }),
            can_publish: may_publish(role),
            viewer: role == Role::Viewer,
            latest,
            saved: extras.saved,
        },
    ))
}
