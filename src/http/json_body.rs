//! A JSON body extractor whose every failure is an [`ApiError`] in the API's own shape,
//! instead of axum's plain-text rejections.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use super::error::ApiError;

pub struct JsonBody<T>(pub T);

/// The raw body, for handlers that must see the exact bytes (signature checks); its
/// failures are [`ApiError`]s like [`JsonBody`]'s.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Bytes::from_request(req, state)
            .await
            .map(RawBody)
            .map_err(body_error)
    }
}

fn body_error(rejection: axum::extract::rejection::BytesRejection) -> ApiError {
    if super::deadline::timed_out(&rejection) {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "リクエストの本文が時間内に届きませんでした。",
        )
    } else if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "リクエストが大きすぎます（上限 {} KB）。",
                super::MAX_BODY_BYTES / 1024
            ),
        )
    } else {
        ApiError::bad_request("bad_body", "リクエスト本文を読み取れませんでした。")
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        // Only `application/json`: a browser may send `text/plain` from any site without
        // asking first, while JSON needs a CORS preflight the helpdesk can refuse.
        if !is_json(req.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Content-Type: application/json で送ってください。",
            ));
        }
        let RawBody(bytes) = RawBody::from_request(req, state).await?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| ApiError::bad_request("invalid_utf8", "本文が UTF-8 ではありません。"))?;
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            ApiError::bad_request("invalid_json", format!("JSON として読み取れません: {e}"))
        })?;
        // serde would also accept an array of the fields in order; the API takes objects.
        if !value.is_object() {
            return Err(ApiError::bad_request(
                "invalid_json",
                "JSON オブジェクトを送ってください。",
            ));
        }
        serde_json::from_value(value).map(JsonBody).map_err(|e| {
            ApiError::bad_request(
                "invalid_json",
                format!("リクエストの形が正しくありません: {e}"),
            )
        })
    }
}

/// Whether the body is declared as JSON (`application/json`, parameters allowed).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}
