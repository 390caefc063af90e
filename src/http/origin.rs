//! The widget API's Origin check. With `[widget] allowed_origins` configured, a page on
//! another site cannot change anything (post a message, open a ticket in a staff member's
//! name through the portal's credentials): a state-changing request whose `Origin` is not
//! in the list is refused with 403. Requests without `Origin` (not from a browser page)
//! and reads pass; what a page may read is CORS's business.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// The configured origins, compared without case and without a trailing `/`; empty means
/// any origin.
#[derive(Clone, Debug, Default)]
pub struct AllowedOrigins(Arc<[String]>);

impl AllowedOrigins {
    pub fn new(configured: &[String]) -> Self {
        Self(
            configured
                .iter()
                .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
                .collect(),
        )
    }

    /// Whether a request with this method and `Origin` header may go on.
    pub fn permits(&self, method: &Method, origin: Option<&HeaderValue>) -> bool {
        let changes_state = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        let Some(origin) = origin.filter(|_| changes_state && !self.0.is_empty()) else {
            return true;
        };
        origin
            .to_str()
            .is_ok_and(|o| self.0.iter().any(|allowed| allowed.eq_ignore_ascii_case(o)))
    }
}

/// Middleware: refuses a state-changing request from a page whose origin is not allowed.
pub async fn check(
    State(allowed): State<AllowedOrigins>,
    request: Request,
    next: Next,
) -> Response {
    if allowed.permits(request.method(), request.headers().get(header::ORIGIN)) {
        next.run(request).await
    } else {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden_origin",
            "このページからは送信できません（許可されていないサイトです）。",
        )
        .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(value: &str) -> HeaderValue {
        HeaderValue::from_str(value).unwrap()
    }

    #[test]
    fn without_a_list_every_origin_may_post() {
        let any = AllowedOrigins::new(&[]);
        assert!(any.permits(&Method::POST, Some(&origin("https://evil.example"))));
    }

    #[test]
    fn with_a_list_only_listed_origins_may_post_and_anyone_may_read() {
        let list = AllowedOrigins::new(&["https://Portal.city.numazu.lg.jp/".into()]);
        let portal = origin("https://portal.city.numazu.lg.jp");
        assert!(list.permits(&Method::POST, Some(&portal)));
        assert!(
            list.permits(&Method::POST, None),
            "no Origin: not a web page"
        );
        for other in [
            "https://evil.example",
            "null",
            "http://portal.city.numazu.lg.jp",
            "https://portal.city.numazu.lg.jp:8443",
            "https://portal.city.numazu.lg.jp.evil.example",
        ] {
            let other = origin(other);
            assert!(!list.permits(&Method::POST, Some(&other)), "{other:?}");
            assert!(!list.permits(&Method::DELETE, Some(&other)), "{other:?}");
            assert!(list.permits(&Method::GET, Some(&other)), "{other:?}");
            assert!(list.permits(&Method::OPTIONS, Some(&other)), "{other:?}");
        }
    }
}
