//! The security rules for the FAQ, synonym and test-box routes (as tests/console/security.rs
//! does for the others): a session for everything, the CSRF token on every POST, roles,
//! and pages without inline script or style.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use crate::faq_support::{edited, team};
use crate::helpers::desk;
use crate::support::{form, get, send};

const PAGES: &[&str] = &[
    "/operator/faqs",
    "/operator/faqs/new",
    "/operator/faqs/pc-external-display",
    "/operator/faqs/pc-external-display/history",
    "/operator/faqs/export?format=csv",
    "/operator/faqs/import",
    "/operator/synonyms",
    "/operator/test-box?q=%E5%8D%B0%E5%88%B7",
];
const ACTIONS: &[&str] = &[
    "/operator/faqs/new",
    "/operator/faqs/pc-external-display",
    "/operator/faqs/pc-external-display/restore",
    "/operator/faqs/import",
    "/operator/synonyms",
];

/// Everything the actions could change: entries, their revisions, the dictionary.
async fn snapshot(d: &crate::helpers::Desk) -> (Vec<madoguchi::kb::FaqEntry>, usize, usize) {
    let store = &d.helpdesk.store();
    (
        store.list_faqs().await.unwrap(),
        store
            .faq_revisions("pc-external-display")
            .await
            .unwrap()
            .len(),
        store.synonym_history(100).await.unwrap().len(),
    )
}

/// Fields that would change something on every action.
fn fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("id", "scan-mail"),
        ("title", "新しいタイトル"),
        ("body", "新しい本文"),
        ("published", "1"),
        ("action", "save"),
        ("revision", "1"),
        ("confirm", "yes"),
        ("text", "印刷, プリント"),
    ]
}

#[tokio::test]
async fn every_faq_route_needs_a_session() {
    let d = desk().await;
    let before = snapshot(&d).await;
    for uri in PAGES {
        let page = send(&d, get(uri, "")).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{uri}");
        assert!(
            page.location
                .unwrap()
                .starts_with("/operator/sign-in?next="),
            "{uri}"
        );
        let from_script = send(
            &d,
            Request::get(*uri)
                .header("x-requested-with", "madoguchi")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(from_script.status, StatusCode::UNAUTHORIZED, "{uri}");
    }
    for uri in ACTIONS {
        let page = send(&d, form(uri, "", &fields())).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{uri}");
    }
    assert_eq!(snapshot(&d).await, before, "nothing changed");
}

#[tokio::test]
async fn a_faq_post_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing() {
    let d = desk().await;
    let t = team(&d).await;
    let before = snapshot(&d).await;
    for uri in ACTIONS {
        let none = send(&d, form(uri, &t.admin.cookie, &fields())).await;
        assert_eq!(none.status, StatusCode::FORBIDDEN, "{uri} without a token");
        let mut wrong = vec![("csrf", t.viewer.csrf.as_str())];
        wrong.extend(fields());
        let other = send(&d, form(uri, &t.admin.cookie, &wrong)).await;
        assert_eq!(
            other.status,
            StatusCode::FORBIDDEN,
            "{uri} with another session's token"
        );
        let json = send(
            &d,
            Request::post(*uri)
                .header(header::COOKIE, &t.admin.cookie)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(format!("{{\"csrf\":\"{}\"}}", t.admin.csrf)))
                .unwrap(),
        )
        .await;
        assert_eq!(json.status, StatusCode::FORBIDDEN, "{uri} as JSON");
    }
    assert_eq!(snapshot(&d).await, before, "nothing changed");
}

#[tokio::test]
async fn a_viewer_changes_nothing_and_an_operator_does_no_admin_work() {
    let d = desk().await;
    let t = team(&d).await;
    let before = snapshot(&d).await;
    for uri in ACTIONS {
        let page = t.viewer.post(&d, uri, &fields()).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "viewer: {uri}");
    }
    for uri in [
        "/operator/faqs/pc-external-display/restore",
        "/operator/synonyms",
    ] {
        let page = t.operator.post(&d, uri, &fields()).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "operator: {uri}");
    }
    let fields = edited(&d, "pc-external-display", "オペレーターの変更").await;
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let page = t
        .operator
        .post(&d, "/operator/faqs/pc-external-display", &pairs)
        .await;
    assert_eq!(
        page.status,
        StatusCode::FORBIDDEN,
        "operator: a published entry"
    );
    assert_eq!(snapshot(&d).await, before, "nothing changed");
    for uri in PAGES {
        let page = t.viewer.get(&d, uri).await;
        let allowed = !uri.contains("/new") && !uri.contains("/export") && !uri.contains("/import");
        let expected = if allowed {
            StatusCode::OK
        } else {
            StatusCode::FORBIDDEN
        };
        assert_eq!(page.status, expected, "viewer reads {uri}");
    }
}

#[tokio::test]
async fn faq_pages_carry_no_inline_script_or_style() {
    let d = desk().await;
    let t = team(&d).await;
    for uri in PAGES.iter().filter(|u| !u.contains("export")) {
        let page = t.admin.get(&d, uri).await;
        assert_eq!(page.status, StatusCode::OK, "{uri}");
        assert!(page.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("script-src 'self'"));
        assert!(
            !page.body.contains("<script>") && !page.body.contains("style="),
            "{uri}"
        );
        assert!(
            !page.body.contains("http://") && !page.body.contains("https://"),
            "{uri}"
        );
    }
}
