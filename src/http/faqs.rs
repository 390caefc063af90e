//! `GET /api/v1/faqs/{id}`: one published FAQ entry.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::Serialize;

use super::error::{ApiError, ApiResult};
use super::extract::ApiPath;
use crate::helpdesk::Helpdesk;
use crate::kb::render::markdown_to_safe_html;

#[derive(Serialize)]
pub struct FaqBody {
    pub id: String,
    pub title: String,
    pub category: String,
    pub keywords: Vec<String>,
    pub alternatives: Vec<String>,
    pub related: Vec<String>,
    pub body_markdown: String,
    pub body_html: String,
}

pub async fn show(
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<FaqBody>> {
    let entry = helpdesk
        .knowledge()
        .published_entry(&id)
        .ok_or_else(|| ApiError::not_found("そのFAQは見つかりません。"))?;
    Ok(Json(FaqBody {
        body_html: markdown_to_safe_html(&entry.body, &helpdesk.settings().faq.image_hosts),
        id: entry.id,
        title: entry.title,
        category: entry.category,
        keywords: entry.keywords,
        alternatives: entry.alternatives,
        related: entry.related,
        body_markdown: entry.body,
    }))
}
