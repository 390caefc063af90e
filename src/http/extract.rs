//! Path and query extractors whose failures are [`ApiError`]s in the API's own shape,
//! instead of axum's plain-text rejections (a path segment that is not UTF-8, `after=x`).

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// [`Path`], refused with 400 `invalid_path`.
pub struct ApiPath<T>(pub T);

/// [`Query`], refused with 400 `invalid_query`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            // A route without the parameters the handler asks for: the program's mistake.
            Err(e) if e.status().is_server_error() => Err(internal(&e)),
            Err(_) => Err(ApiError::bad_request(
                "invalid_path",
                "URLの形が正しくありません。",
            )),
        }
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| ApiQuery(value))
            .map_err(|e: QueryRejection| {
                ApiError::bad_request(
                    "invalid_query",
                    format!("URLのパラメーターが正しくありません: {}", query_problem(&e)),
                )
            })
    }
}

/// What serde said about the query string, without axum's English prefix.
fn query_problem(rejection: &QueryRejection) -> String {
    let text = rejection.body_text();
    text.split_once(": ")
        .map_or(text.clone(), |(_, problem)| problem.to_owned())
}

fn internal(rejection: &PathRejection) -> ApiError {
    ApiError::from(anyhow::anyhow!(
        "path parameters: {}",
        rejection.body_text()
    ))
}
