//! Who is asking: the session cookie, roles and CSRF tokens.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::page::PageError;
use crate::accounts::SignedIn;
use crate::helpdesk::Helpdesk;
use crate::tickets::OperatorRef;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "madoguchi_session";

/// A request from a signed-in user. Without a valid session, a page request is sent to
/// sign-in and a script's or API client's request gets 401.
pub struct Signed(pub SignedIn);

impl Signed {
    /// Refuses viewers: only operators and admins work tickets.
    pub fn worker(&self) -> Result<OperatorRef<'_>, PageError> {
        if self.0.can_work_tickets() {
            Ok(self.operator())
        } else {
            Err(PageError::Forbidden("チケットの対応"))
        }
    }

    /// Refuses everyone but admins.
    pub fn admin(&self, what: &'static str) -> Result<(), PageError> {
        if self.0.is_admin() {
            Ok(())
        } else {
            Err(PageError::Forbidden(what))
        }
    }

    /// The signed-in user as the one acting on a ticket.
    pub fn operator(&self) -> OperatorRef<'_> {
        OperatorRef {
            login: &self.0.user.login,
            name: &self.0.user.display_name,
        }
    }

    pub fn login(&self) -> &str {
        self.0.login()
    }
}

impl FromRequestParts<Arc<Helpdesk>> for Signed {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        helpdesk: &Arc<Helpdesk>,
    ) -> Result<Self, PageError> {
        if let Some(token) = cookie(&parts.headers, SESSION_COOKIE) {
            if let Some(session) = helpdesk.accounts().session(token).await? {
                return Ok(Signed(session));
            }
        }
        let from_script =
            parts.headers.contains_key("x-requested-with") || accepts_json(&parts.headers);
        let next = if parts.method == Method::GET {
            parts
                .uri
                .path_and_query()
                .map_or("/operator".to_owned(), |p| p.as_str().to_owned())
        } else {
            "/operator".to_owned()
        };
        Err(PageError::SignIn {
            next,
            wants_redirect: !from_script,
        })
    }
}

/// A form with nothing but its CSRF token (a button: 着手, 再送).
#[derive(Debug, Default, Deserialize)]
pub struct EmptyForm {}

/// A form posted by a signed-in user, with this session's CSRF token in its `csrf` field.
pub struct Posted<T> {
    pub signed: Signed,
    pub form: T,
}

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned> FromRequest<Arc<Helpdesk>> for Posted<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, helpdesk: &Arc<Helpdesk>) -> Result<Self, PageError> {
        let (mut parts, body) = req.into_parts();
        let signed = Signed::from_request_parts(&mut parts, helpdesk).await?;
        if !is_form(&parts.headers) {
            return Err(PageError::Csrf);
        }
        let bytes = form_bytes(Request::from_parts(parts, body), helpdesk).await?;
        let token: CsrfField = serde_urlencoded::from_bytes(&bytes).map_err(|_| PageError::Csrf)?;
        if !signed.0.csrf_matches(&token.csrf) {
            return Err(PageError::Csrf);
        }
        let form = decode_form(&bytes)?;
        Ok(Posted { signed, form })
    }
}

/// A form posted without a session (sign-in), read as strictly as [`Posted`]'s: a body
/// that is not a UTF-8 form is the console's 400 page.
pub struct FormBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for FormBody<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        if !is_form(req.headers()) {
            return Err(PageError::BadRequest(
                "フォームとして送ってください。".to_owned(),
            ));
        }
        let bytes = form_bytes(req, state).await?;
        decode_form(&bytes).map(FormBody)
    }
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

async fn form_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, PageError> {
    Bytes::from_request(req, state)
        .await
        .map_err(|e| PageError::BadRequest(e.body_text()))
}

/// The form's fields; a body that is not UTF-8 once percent-decoded is refused, as the
/// JSON API refuses one (see [`crate::urlencoded`]).
fn decode_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, PageError> {
    crate::urlencoded::from_bytes(bytes).map_err(|e| {
        PageError::BadRequest(match e {
            crate::urlencoded::FormError::NotUtf8 => e.to_string(),
            crate::urlencoded::FormError::Invalid(e) => {
                format!("フォームの内容を読めません: {e}")
            }
        })
    })
}

/// The value of cookie `name`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn accepts_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// `Set-Cookie` for a new session: HttpOnly, SameSite=Strict, `Secure` when configured.
pub fn session_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}")
}

/// `Set-Cookie` that removes the session cookie.
pub fn expired_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}")
}

/// Where to go after signing in: a path inside the console, with its dot segments
/// resolved as a browser would resolve them; anything else is `/operator`. No open
/// redirect, and nothing a `Location` header cannot carry (a browser's own request line is
/// percent-encoded, so control characters, spaces or raw UTF-8 come only from a made-up
/// link).
pub fn safe_next(next: Option<&str>) -> String {
    next.and_then(console_path)
        .unwrap_or_else(|| "/operator".to_owned())
}

fn console_path(next: &str) -> Option<String> {
    if !next.starts_with('/')
        || next.starts_with("//")
        || next.contains('\\')
        || !next.bytes().all(|b| b.is_ascii_graphic())
    {
        return None;
    }
    let (path, rest) = next.split_at(next.find(['?', '#']).unwrap_or(next.len()));
    let path = without_dot_segments(path);
    let inside = path == "/operator" || path.starts_with("/operator/");
    (inside && !path.starts_with("/operator/sign-")).then(|| format!("{path}{rest}"))
}

/// `path` (absolute) with `.` and `..` segments (also spelt `%2e`) resolved as the URL
/// standard says.
fn without_dot_segments(path: &str) -> String {
    let segments: Vec<&str> = path[1..].split('/').collect();
    let mut kept: Vec<&str> = Vec::with_capacity(segments.len());
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let lower = segment.to_ascii_lowercase();
        let dots = lower.replace("%2e", ".");
        match dots.as_str() {
            ".." => {
                kept.pop();
            }
            "." => {}
            _ => {
                kept.push(segment);
                continue;
            }
        }
        // A dot segment at the end leaves the path ending in `/`.
        if last {
            kept.push("");
        }
    }
    format!("/{}", kept.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_console_paths_are_followed_after_sign_in() {
        assert_eq!(
            safe_next(Some("/operator/tickets/3")),
            "/operator/tickets/3"
        );
        assert_eq!(safe_next(Some("https://evil.example/")), "/operator");
        assert_eq!(safe_next(Some("//evil.example/operator")), "/operator");
        assert_eq!(safe_next(Some("/operator\\..\\x")), "/operator");
        assert_eq!(safe_next(Some("/operator/sign-out")), "/operator");
        assert_eq!(safe_next(None), "/operator");
        assert_eq!(
            safe_next(Some("/operator?status=new")),
            "/operator?status=new"
        );
        assert_eq!(safe_next(Some("/operatorx")), "/operator");
    }

    #[test]
    fn a_next_that_cannot_be_a_location_header_falls_back_to_the_queue() {
        for next in [
            "/operator\r\nX",
            "/operator\r\nSet-Cookie: a=b",
            "/operator/tickets/1 x",
            "/operator/faqs?q=プリンター",
            "/operator\u{0}",
            "/operator\t",
        ] {
            assert_eq!(safe_next(Some(next)), "/operator", "{next:?}");
        }
    }

    #[test]
    fn dot_segments_are_resolved_before_the_console_check() {
        for (next, expected) in [
            ("/operator/../../x", "/operator"),
            ("/operator/..", "/operator"),
            ("/operator/%2e%2e/x", "/operator"),
            ("/operator/.%2E/x", "/operator"),
            ("/operator/x/..//evil.example/", "/operator//evil.example/"),
            ("/x/..//evil.example/operator", "/operator"),
            ("/x/../operator/sign-out", "/operator"),
            ("/operator/./sign-in", "/operator"),
            ("/x/../operator/tickets/3", "/operator/tickets/3"),
            ("/operator/faqs/./a/../b?q=..", "/operator/faqs/b?q=.."),
            ("/operator/tickets/..", "/operator/"),
        ] {
            assert_eq!(safe_next(Some(next)), expected, "{next:?}");
        }
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; madoguchi_session=abc; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "c"), None);
    }
}
