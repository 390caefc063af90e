//! Rendering pages and page errors, and the headers every console response carries.

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use crate::accounts::Role;
use crate::accounts::SignedIn;

/// What the layout (templates/console/base.html) needs: who is signed in, their CSRF
/// token for the sign-out form, and which section is open.
pub struct Nav {
    pub user_name: String,
    pub role_label: &'static str,
    pub csrf: String,
    pub is_admin: bool,
    pub section: &'static str,
}

impl Nav {
    pub fn new(session: &SignedIn, section: &'static str) -> Nav {
        Nav {
            user_name: session.user.display_name.clone(),
            role_label: match session.user.role {
                Role::Operator => "オペレーター",
                Role::Admin => "管理者",
                Role::Viewer => "閲覧者",
            },
            csrf: session.csrf_token.clone(),
            is_admin: session.is_admin(),
            section,
        }
    }
}

/// Where page `page` (from 1) of a list of `size` rows a page starts; a page number too
/// large to be a place in any list is refused (400), never wrapped round.
pub fn page_offset(page: i64, size: i64) -> PageResult<i64> {
    page.max(1)
        .checked_sub(1)
        .and_then(|p| p.checked_mul(size))
        .ok_or_else(|| PageError::BadRequest("ページ番号が大きすぎます。".into()))
}

/// Renders `template` as an HTML response with `status`.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
        Err(e) => PageError::Internal(anyhow::anyhow!("template: {e}")).into_response(),
    }
}

pub type PageResult<T = Response> = Result<T, PageError>;

/// Why a page cannot be shown.
#[derive(Debug)]
pub enum PageError {
    /// No valid session: pages redirect to sign-in (then back to `next`); calls from
    /// scripts and API clients get 401.
    SignIn {
        next: String,
        wants_redirect: bool,
    },
    /// A form without this session's CSRF token.
    Csrf,
    /// Signed in, but the role may not do this.
    Forbidden(&'static str),
    NotFound(String),
    BadRequest(String),
    Internal(anyhow::Error),
}

impl From<anyhow::Error> for PageError {
    fn from(e: anyhow::Error) -> Self {
        PageError::Internal(e)
    }
}

impl From<crate::storage::StorageError> for PageError {
    fn from(e: crate::storage::StorageError) -> Self {
        PageError::Internal(e.into())
    }
}

#[derive(Template)]
#[template(path = "console/error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            PageError::SignIn {
                next,
                wants_redirect: true,
            } => {
                let query = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
                let to = format!("/operator/sign-in?{query}");
                return Redirect::to(&to).into_response();
            }
            PageError::SignIn { .. } => (
                StatusCode::UNAUTHORIZED,
                "サインインが必要です",
                "サインインしてください。".to_owned(),
            ),
            PageError::Csrf => (
                StatusCode::FORBIDDEN,
                "フォームが無効です",
                "フォームの有効期限が切れたか、不正な送信です。ページを開き直してから、もう一度操作してください。"
                    .to_owned(),
            ),
            PageError::Forbidden(what) => (
                StatusCode::FORBIDDEN,
                "権限がありません",
                format!("この操作（{what}）は、お使いのアカウントの権限ではできません。"),
            ),
            PageError::NotFound(m) => (StatusCode::NOT_FOUND, "見つかりません", m.clone()),
            PageError::BadRequest(m) => (StatusCode::BAD_REQUEST, "入力に誤りがあります", m.clone()),
            PageError::Internal(e) => {
                tracing::error!(error = %e, "console page failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "エラーが発生しました",
                    "内部エラーが発生しました。時間をおいて再度お試しください。".to_owned(),
                )
            }
        };
        render(
            status,
            &ErrorPage {
                title,
                message: &message,
            },
        )
    }
}

/// The Content-Security-Policy of every console response.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
     script-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// Security headers on every console response; pages show personal data, so nothing is
/// cached.
pub async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = |name, value: &'static str| (name, HeaderValue::from_static(value));
    for (name, value) in [
        set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        set(header::X_FRAME_OPTIONS, "DENY"),
        set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        set(header::REFERRER_POLICY, "same-origin"),
    ] {
        headers.insert(name, value);
    }
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_number_too_large_is_refused_not_wrapped() {
        assert_eq!(page_offset(1, 50).ok(), Some(0));
        assert_eq!(page_offset(3, 50).ok(), Some(100));
        assert_eq!(page_offset(-5, 50).ok(), Some(0));
        assert!(matches!(
            page_offset(922_337_203_685_477_581, 50),
            Err(PageError::BadRequest(_))
        ));
    }
}
