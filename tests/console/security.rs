//! The console's security rules, each with a test: no session, no or a wrong CSRF token,
//! roles, escaping, and the response headers.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use madoguchi::accounts::Role;
use madoguchi::domain::{Priority, TicketStatus};
use madoguchi::storage::StaffMember;

use crate::helpers::desk;
use crate::support::{account, escalated, form, get, send, Browser};

/// Every console page and action (`{id}` replaced by a real ticket).
const PAGES: &[&str] = &[
    "/operator",
    "/operator/queue/rows",
    "/operator/tickets/{id}",
    "/operator/audit",
    "/operator/audit.csv",
    "/operator/users",
];
const ACTIONS: &[&str] = &[
    "take",
    "reply",
    "hand-back",
    "resolve",
    "assign",
    "status",
    "classify",
    "note",
];

#[tokio::test]
async fn every_console_route_needs_a_session() {
    let d = desk().await;
    let id = escalated(&d, "room-1", "パソコンが起動しません").await;
    for page in PAGES {
        let uri = page.replace("{id}", &id.to_string());
        let response = send(&d, get(&uri, "")).await;
        assert_eq!(response.status, StatusCode::SEE_OTHER, "{uri}");
        assert!(response
            .location
            .unwrap()
            .starts_with("/operator/sign-in?next="));
        let from_script = send(
            &d,
            Request::get(&uri)
                .header("x-requested-with", "madoguchi")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(from_script.status, StatusCode::UNAUTHORIZED, "{uri}");
        let forged = send(&d, get(&uri, "madoguchi_session=0000000000000000000000000000000000000000000000000000000000000000")).await;
        assert_eq!(forged.status, StatusCode::SEE_OTHER, "{uri}");
    }
    for action in ACTIONS.iter().chain(&["../../sign-out"]) {
        let uri = format!("/operator/tickets/{id}/{action}");
        let response = send(&d, form(&uri, "", &[("text", "x")])).await;
        assert!(
            matches!(
                response.status,
                StatusCode::SEE_OTHER | StatusCode::UNAUTHORIZED | StatusCode::NOT_FOUND
            ),
            "{uri}: {}",
            response.status
        );
        assert_ne!(response.status, StatusCode::OK);
    }
    let ticket = d.helpdesk.store().ticket(id).await.unwrap().unwrap();
    assert_eq!(ticket.status, TicketStatus::New, "nothing changed");
    assert!(d
        .helpdesk
        .store()
        .ticket_notes(id)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_post_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    let id = escalated(&d, "room-1", "パソコンが起動しません").await;
    let browser = Browser::sign_in(&d, "yamada").await;
    let other = Browser::sign_in(&d, "yamada").await;
    assert_ne!(browser.csrf, other.csrf, "a token per session");
    for action in ACTIONS {
        let uri = format!("/operator/tickets/{id}/{action}");
        let fields = [("text", "x"), ("status", "on_hold"), ("priority", "high")];
        let none = send(&d, form(&uri, &browser.cookie, &fields)).await;
        assert_eq!(none.status, StatusCode::FORBIDDEN, "{uri} without a token");
        let mut wrong = vec![("csrf", other.csrf.as_str())];
        wrong.extend_from_slice(&fields);
        let response = send(&d, form(&uri, &browser.cookie, &wrong)).await;
        assert_eq!(
            response.status,
            StatusCode::FORBIDDEN,
            "{uri} with another session's token"
        );
        // A JSON body is not a form: refused the same way.
        let json = send(
            &d,
            Request::post(&uri)
                .header(header::COOKIE, &browser.cookie)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(format!("{{\"csrf\":\"{}\"}}", browser.csrf)))
                .unwrap(),
        )
        .await;
        assert_eq!(json.status, StatusCode::FORBIDDEN, "{uri} as JSON");
    }
    let out = send(&d, form("/operator/sign-out", &browser.cookie, &[])).await;
    assert_eq!(out.status, StatusCode::FORBIDDEN);
    assert_eq!(
        browser.get(&d, "/operator").await.status,
        StatusCode::OK,
        "still signed in"
    );
    let ticket = d.helpdesk.store().ticket(id).await.unwrap().unwrap();
    assert_eq!(
        (ticket.status, ticket.priority),
        (TicketStatus::New, Priority::Normal)
    );
    assert!(d
        .helpdesk
        .store()
        .ticket_notes(id)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_viewer_reads_but_changes_nothing_and_an_operator_cannot_do_admin_work() {
    let d = desk().await;
    account(&d, "viewer", "閲覧 次郎", Role::Viewer).await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    account(&d, "admin", "管理 三郎", Role::Admin).await;
    let id = escalated(&d, "room-1", "パソコンが起動しません").await;

    let viewer = Browser::sign_in(&d, "viewer").await;
    let page = viewer.get(&d, &format!("/operator/tickets/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("/take\""),
        "no action forms for a viewer"
    );
    for action in ACTIONS {
        let uri = format!("/operator/tickets/{id}/{action}");
        let response = viewer
            .post(
                &d,
                &uri,
                &[("text", "x"), ("status", "on_hold"), ("priority", "high")],
            )
            .await;
        assert_eq!(response.status, StatusCode::FORBIDDEN, "{uri}");
    }
    let ticket = d.helpdesk.store().ticket(id).await.unwrap().unwrap();
    assert_eq!(ticket.status, TicketStatus::New);

    let operator = Browser::sign_in(&d, "yamada").await;
    for uri in ["/operator/audit", "/operator/audit.csv"] {
        assert_eq!(
            operator.get(&d, uri).await.status,
            StatusCode::FORBIDDEN,
            "{uri}"
        );
        assert_eq!(
            viewer.get(&d, uri).await.status,
            StatusCode::FORBIDDEN,
            "{uri}"
        );
    }
    let admin = Browser::sign_in(&d, "admin").await;
    assert_eq!(
        admin.get(&d, "/operator/audit").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn html_in_a_question_a_staff_name_or_a_note_is_shown_as_text() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    d.helpdesk
        .store()
        .replace_staff(&[StaffMember {
            employee_no: "10001".into(),
            name: "<img src=x onerror=alert(1)>".into(),
            department: "<script>alert('課')</script>".into(),
            email: None,
            extension: Some("\"><b>1234".into()),
            logochat_id: Some("logo-taro".into()),
        }])
        .await
        .unwrap();
    let id = escalated(&d, "room-1", "<script>alert('質問')</script>が動きません").await;
    let browser = Browser::sign_in(&d, "yamada").await;
    let note = browser
        .post(
            &d,
            &format!("/operator/tickets/{id}/note"),
            &[("text", "<b onclick=x>メモ</b>")],
        )
        .await;
    assert_eq!(note.status, StatusCode::SEE_OTHER);
    for uri in [
        format!("/operator/tickets/{id}"),
        "/operator".into(),
        "/operator/queue/rows".into(),
    ] {
        let page = browser.get(&d, &uri).await;
        for raw in ["<script>alert", "<img src=x", "<b onclick", "\"><b>1234"] {
            assert!(!page.body.contains(raw), "{uri} shows {raw} raw");
        }
    }
    let page = browser.get(&d, &format!("/operator/tickets/{id}")).await;
    // Shown as text: escaped (askama writes numeric entities).
    assert!(
        page.body.contains("&#60;script&#62;alert("),
        "{}",
        page.body
    );
    assert!(page.body.contains("&#60;img src=x onerror=alert(1)&#62;"));
    assert!(page.body.contains("&#60;b onclick=x&#62;メモ"));
}

#[tokio::test]
async fn console_pages_forbid_inline_scripts_framing_and_caching() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    let browser = Browser::sign_in(&d, "yamada").await;
    for uri in ["/operator", "/operator/sign-in"] {
        let page = browser.get(&d, uri).await;
        let csp = page.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(page.headers[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
        assert!(!page.body.contains("<script>"), "no inline script on {uri}");
        assert!(!page.body.contains("style="), "no inline style on {uri}");
        assert!(
            !page.body.contains("http://") && !page.body.contains("https://"),
            "nothing from elsewhere on {uri}"
        );
    }
}

#[tokio::test]
async fn a_form_that_is_not_utf8_gets_the_console_error_page_and_changes_nothing() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    let id = escalated(&d, "room-1", "パソコンが起動しません").await;
    let browser = Browser::sign_in(&d, "yamada").await;
    for body in [
        format!("csrf={}&text=%FF%FE", browser.csrf),
        format!("csrf={}&text=%E3%83", browser.csrf),
    ] {
        let request = Request::post(format!("/operator/tickets/{id}/note"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &browser.cookie)
            .body(Body::from(body.clone()))
            .unwrap();
        let page = send(&d, request).await;
        assert_eq!(
            page.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            page.body
        );
        assert!(page.body.contains("UTF-8"), "{}", page.body);
        assert!(page.body.contains("<html"), "the console's own page");
    }
    let ticket = browser.get(&d, &format!("/operator/tickets/{id}")).await;
    assert!(
        !ticket.body.contains('\u{fffd}'),
        "a note was stored lossily"
    );

    // The sign-in form follows the same rule.
    let form_page = send(&d, get("/operator/sign-in", "")).await;
    let request = Request::post("/operator/sign-in")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(
            header::COOKIE,
            format!(
                "madoguchi_sign_in={}",
                form_page.cookie("madoguchi_sign_in").unwrap()
            ),
        )
        .body(Body::from(format!(
            "login=yamada%FF&password=x&token={}",
            form_page.hidden("token")
        )))
        .unwrap();
    let page = send(&d, request).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
    assert!(page.body.contains("UTF-8"), "{}", page.body);
}
