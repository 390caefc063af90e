//! The portal widget: `/widget.js`, `/widget.css` and the demo page `/widget/demo`.
//!
//! The widget is one script a portal page includes with a single tag; it builds its UI in a
//! shadow root, loads `/widget.css` into it and talks to the chat API on the origin it came
//! from. The files live in `assets/widget/` and are compiled in, so the server has nothing to
//! find on disk. See `integrations/widget/README.md` for the portal administrator's side.

use std::sync::Arc;

use axum::extract::RawQuery;
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::helpdesk::Helpdesk;

const WIDGET_JS: &str = include_str!("../../assets/widget/widget.js");
const WIDGET_CSS: &str = include_str!("../../assets/widget/widget.css");
const DEMO_HTML: &str = include_str!("../../assets/widget/demo.html");
const DEMO_CSS: &str = include_str!("../../assets/widget/demo.css");
const DEMO_JS: &str = include_str!("../../assets/widget/demo.js");

/// The one tag a portal adds; the demo page without it is the baseline the browser tests
/// compare the page's own styles against.
const WIDGET_TAG: &str = "<script src=\"/widget.js\"></script>\n";

/// The demo page's policy: as strict as a careful portal's, so any inline script or style
/// the widget needed would show up as a violation.
const DEMO_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; \
    form-action 'none'; frame-ancestors 'none'";

const JAVASCRIPT: &str = "application/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

/// Portals cache the widget for five minutes: a new version reaches everyone quickly.
const CACHE_WIDGET: &str = "public, max-age=300";
const CACHE_DEMO: &str = "no-cache";

/// The widget's static files and its demo page.
pub fn routes() -> Router<Arc<Helpdesk>> {
    router()
}

/// The same routes for any state: none of them needs the helpdesk, and the unit tests
/// below run them without one.
fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/widget.js", get(|| async { asset(JAVASCRIPT, WIDGET_JS) }))
        .route("/widget.css", get(|| async { asset(CSS, WIDGET_CSS) }))
        .route("/widget/demo", get(demo))
        .route("/widget/demo.css", get(|| async { asset(CSS, DEMO_CSS) }))
        .route(
            "/widget/demo.js",
            get(|| async { asset(JAVASCRIPT, DEMO_JS) }),
        )
}

type Headers = [(HeaderName, HeaderValue); 4];

/// A compiled-in file, cacheable by any page that includes it (`cross-origin` so that a
/// portal with `Cross-Origin-Embedder-Policy` can still load it).
fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    let headers: Headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_WIDGET),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("cross-origin"),
        ),
    ];
    (headers, body)
}

/// A mock of the city's portal with the widget on it; `?widget=0` leaves the widget out.
async fn demo(RawQuery(query): RawQuery) -> impl IntoResponse {
    let without_widget = query
        .as_deref()
        .is_some_and(|q| q.split('&').any(|pair| pair == "widget=0"));
    let body = if without_widget {
        DEMO_HTML.replace(WIDGET_TAG, "")
    } else {
        DEMO_HTML.to_owned()
    };
    let headers: Headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(HTML)),
        (header::CACHE_CONTROL, HeaderValue::from_static(CACHE_DEMO)),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DEMO_CSP),
        ),
    ];
    (headers, body)
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    async fn get(uri: &str) -> (StatusCode, axum::http::HeaderMap, String) {
        let request = Request::get(uri).body(Body::empty()).expect("a request");
        let response = router::<()>().oneshot(request).await.expect("infallible");
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.expect("the body").to_bytes();
        let text = String::from_utf8(bytes.to_vec()).expect("UTF-8");
        (parts.status, parts.headers, text)
    }

    fn header<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> &'a str {
        headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header"))
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn widget_files_are_served_with_their_types_nosniff_and_a_short_cache() {
        for (uri, content_type, body) in [
            ("/widget.js", JAVASCRIPT, WIDGET_JS),
            ("/widget.css", CSS, WIDGET_CSS),
            ("/widget/demo.js", JAVASCRIPT, DEMO_JS),
            ("/widget/demo.css", CSS, DEMO_CSS),
        ] {
            let (status, headers, text) = get(uri).await;
            assert_eq!(status, StatusCode::OK, "{uri}");
            assert_eq!(header(&headers, "content-type"), content_type, "{uri}");
            assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
            assert_eq!(header(&headers, "cache-control"), "public, max-age=300");
            assert_eq!(text, body, "{uri}");
        }
    }

    #[tokio::test]
    async fn the_demo_page_has_a_strict_csp_and_exactly_one_widget_tag() {
        let (status, headers, text) = get("/widget/demo").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(header(&headers, "content-type"), HTML);
        let csp = header(&headers, "content-security-policy");
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(directive), "{directive} in {csp}");
        }
        assert!(!csp.contains("unsafe"), "{csp}");
        assert_eq!(text.matches("src=\"/widget.js\"").count(), 1);
        // No inline script or style for the policy to block.
        assert!(!text.contains("<style") && !text.contains(" style="));
        assert_eq!(
            text.matches("<script").count(),
            text.matches("<script src=").count()
        );

        let (_, headers, text) = get("/widget/demo?widget=0").await;
        assert!(!text.contains("/widget.js"), "baseline page has no widget");
        assert_eq!(header(&headers, "content-security-policy"), DEMO_CSP);
    }

    #[test]
    fn the_widget_script_uses_no_eval_and_inserts_markup_only_from_the_servers_html() {
        for forbidden in [
            "eval(",
            "new Function",
            "document.write",
            "insertAdjacentHTML",
            "outerHTML",
            "setAttribute('style'",
            "cssText",
            "<style",
        ] {
            assert!(!WIDGET_JS.contains(forbidden), "widget.js uses {forbidden}");
        }
        let inner_html: Vec<&str> = WIDGET_JS
            .lines()
            .map(str::trim)
            .filter(|line| line.contains("innerHTML"))
            .collect();
        assert_eq!(
            inner_html,
            ["body.innerHTML = message.html;"],
            "innerHTML only for the server's sanitised html"
        );
        // setTimeout with a string is eval in disguise.
        assert!(!WIDGET_JS.contains("setTimeout('") && !WIDGET_JS.contains("setTimeout(\""));
    }

    #[test]
    fn the_widget_shows_the_agreed_japanese_labels() {
        for text in [
            "ヘルプデスクに質問",
            "ITヘルプデスク（窓口）",
            "質問を入力",
            "送信",
            "閉じる",
            "担当者",
            "送信できませんでした。もう一度お試しください。",
        ] {
            assert!(WIDGET_JS.contains(text), "{text}");
        }
    }
}
