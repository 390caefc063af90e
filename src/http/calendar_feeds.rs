//! The loans calendar feeds: created and revoked through the operator API, read at
//! `/calendar/{token}.ics` where the token in the URL is the only key (Outlook subscribes
//! to it).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult};
use super::extract::ApiPath;
use super::json_body::JsonBody;
use super::operator::Operator;
use crate::helpdesk::Helpdesk;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFeedBody {
    operator: String,
    #[serde(default)]
    item: Option<String>,
}

#[derive(Serialize)]
pub struct FeedBody {
    id: i64,
    /// The feed's path (`/calendar/{token}.ics`); the token is shown only here.
    path: String,
}

/// `POST /api/v1/calendar-feeds` `{"operator", "item"?}` → 201 `{"id", "path"}`.
pub async fn create(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    JsonBody(body): JsonBody<NewFeedBody>,
) -> ApiResult<(StatusCode, Json<FeedBody>)> {
    let feed = helpdesk
        .loans()
        .create_feed(body.item.as_deref(), body.operator.trim())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(FeedBody {
            id: feed.id,
            path: format!("/calendar/{}.ics", feed.token),
        }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeBody {
    operator: String,
}

/// `POST /api/v1/calendar-feeds/{id}/revoke` → 204.
pub async fn revoke(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiPath(id): ApiPath<i64>,
    JsonBody(body): JsonBody<RevokeBody>,
) -> ApiResult<StatusCode> {
    helpdesk
        .loans()
        .revoke_feed(id, body.operator.trim())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /calendar/{token}.ics`: the feed, or 404 for a token unknown or revoked.
pub async fn feed(
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiPath(file): ApiPath<String>,
) -> ApiResult<Response> {
    let token = file
        .strip_suffix(".ics")
        .ok_or_else(|| ApiError::not_found("そのURLは見つかりません。"))?;
    let body = helpdesk.loans().feed(token).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}
