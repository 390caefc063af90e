//! Signing in: the cookie, wrong passwords, throttling, expiry, signing out, `next`.

use axum::http::StatusCode;
use chrono::Duration;
use madoguchi::accounts::Role;

use crate::helpers::{desk, desk_with, thursday_morning};
use crate::support::{account, get, send, try_sign_in, try_sign_in_from, Browser, PASSWORD};

#[tokio::test]
async fn the_right_password_signs_in_with_an_http_only_strict_cookie_and_a_wrong_one_does_not() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;

    let wrong = try_sign_in(&d, "yamada", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong
        .body
        .contains("ログインIDまたはパスワードが違います。"));
    assert_eq!(wrong.cookie("madoguchi_session"), None);
    let unknown = try_sign_in(&d, "nobody", PASSWORD).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(unknown
        .body
        .contains("ログインIDまたはパスワードが違います。"));

    let ok = try_sign_in(&d, "yamada", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.location.as_deref(), Some("/operator"));
    let cookie = ok
        .set_cookies
        .iter()
        .find(|c| c.starts_with("madoguchi_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
    // The token is 256 random bits; the database keeps only its hash.
    let token = ok.cookie("madoguchi_session").unwrap();
    assert_eq!(token.len(), 64);
    let log = d.helpdesk.store().audit_log(10).await.unwrap();
    let actions: Vec<_> = log
        .iter()
        .map(|r| r.action.as_str())
        .filter(|a| a.starts_with("session."))
        .collect();
    assert_eq!(
        actions,
        ["session.sign_in", "session.refused", "session.refused"]
    );
}

#[tokio::test]
async fn behind_tls_the_session_cookie_is_secure() {
    let d = desk_with(|s| s.console.secure_cookie = true).await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    let ok = try_sign_in(&d, "yamada", PASSWORD).await;
    let cookie = ok
        .set_cookies
        .iter()
        .find(|c| c.starts_with("madoguchi_session="))
        .unwrap();
    assert!(cookie.ends_with("; Secure"), "{cookie}");
}

#[tokio::test]
async fn five_failures_lock_the_login_for_fifteen_minutes_even_with_the_right_password() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    for _ in 0..5 {
        let page = try_sign_in(&d, "yamada", "guess").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let locked = try_sign_in(&d, "yamada", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        locked.body.contains("しばらくサインインできません"),
        "{}",
        locked.body
    );
    assert_eq!(locked.cookie("madoguchi_session"), None);

    d.clock.set(thursday_morning() + Duration::minutes(16));
    let ok = try_sign_in(&d, "yamada", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_form_without_the_sign_in_cookie_is_refused() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    let page = send(
        &d,
        crate::support::form(
            "/operator/sign-in",
            "",
            &[("login", "yamada"), ("password", PASSWORD), ("token", "x")],
        ),
    )
    .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(page.cookie("madoguchi_session"), None);
}

#[tokio::test]
async fn an_idle_session_expires_and_a_used_one_lasts_at_most_twelve_hours() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    let browser = Browser::sign_in(&d, "yamada").await;
    // Used every 100 minutes, the session lives on...
    for step in 1..=6 {
        d.clock
            .set(thursday_morning() + Duration::minutes(100 * step));
        let page = browser.get(&d, "/operator").await;
        assert_eq!(page.status, StatusCode::OK, "step {step}");
    }
    // ...but not past 12 hours after sign-in.
    d.clock.set(thursday_morning() + Duration::hours(12));
    let page = browser.get(&d, "/operator").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);

    let again = Browser::sign_in(&d, "yamada").await;
    d.clock
        .set(thursday_morning() + Duration::hours(12) + Duration::minutes(121));
    let page = again.get(&d, "/operator").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "idle for 121 minutes");
}

#[tokio::test]
async fn signing_out_or_being_disabled_ends_the_session() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    account(&d, "suzuki", "鈴木 一郎", Role::Operator).await;
    let browser = Browser::sign_in(&d, "yamada").await;
    let out = browser.post(&d, "/operator/sign-out", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.set_cookies.iter().any(|c| c.contains("Max-Age=0")));
    assert_eq!(
        browser.get(&d, "/operator").await.status,
        StatusCode::SEE_OTHER
    );

    let other = Browser::sign_in(&d, "suzuki").await;
    d.helpdesk
        .store()
        .set_user_disabled("suzuki", true)
        .await
        .unwrap();
    assert_eq!(
        other.get(&d, "/operator").await.status,
        StatusCode::SEE_OTHER
    );
    let refused = try_sign_in(&d, "suzuki", PASSWORD).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_page_asked_for_before_signing_in_is_shown_after_it_and_only_console_pages_are() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    let page = send(&d, get("/operator/audit?actor=x", "")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let to = page.location.unwrap();
    assert_eq!(to, "/operator/sign-in?next=%2Foperator%2Faudit%3Factor%3Dx");

    let form_page = send(&d, get(&to, "")).await;
    assert_eq!(form_page.hidden("next"), "/operator/audit?actor=x");
    let evil = send(&d, get("/operator/sign-in?next=https://evil.example/", "")).await;
    assert_eq!(evil.hidden("next"), "/operator");
}

#[tokio::test]
async fn a_next_with_a_line_break_or_dot_segments_leads_to_the_queue_after_signing_in() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    for form_uri in [
        "/operator/sign-in?next=%2Foperator%0D%0AX",
        "/operator/sign-in?next=%2Foperator%0D%0ASet-Cookie%3A%20a%3Db",
        "/operator/sign-in?next=%2Foperator%2F..%2F..%2Fx",
        "/operator/sign-in?next=%2Foperator%2F%252e%252e%2Fsign-out",
    ] {
        let page = try_sign_in_from(&d, "", form_uri, "yamada", PASSWORD).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{form_uri}: {}",
            page.body
        );
        assert_eq!(page.location.as_deref(), Some("/operator"), "{form_uri}");
    }
    let page = try_sign_in_from(
        &d,
        "",
        "/operator/sign-in?next=%2Fx%2F..%2Foperator%2Ftickets%2F3",
        "yamada",
        PASSWORD,
    )
    .await;
    assert_eq!(page.location.as_deref(), Some("/operator/tickets/3"));
}

#[tokio::test]
async fn signing_in_again_in_the_same_browser_ends_the_earlier_session() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    account(&d, "suzuki", "鈴木 一郎", Role::Operator).await;
    let first = Browser::sign_in(&d, "yamada").await;
    let untouched = Browser::sign_in(&d, "yamada").await;

    let again = try_sign_in_from(&d, &first.cookie, "/operator/sign-in", "suzuki", PASSWORD).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    let second = format!(
        "madoguchi_session={}",
        again.cookie("madoguchi_session").unwrap()
    );
    assert_ne!(second, first.cookie);
    assert_eq!(
        first.get(&d, "/operator").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        send(&d, get("/operator", &second)).await.status,
        StatusCode::OK
    );
    // Another browser's session (one this request did not carry) goes on.
    assert_eq!(untouched.get(&d, "/operator").await.status, StatusCode::OK);

    // A failed sign-in ends nothing.
    let refused = try_sign_in_from(&d, &second, "/operator/sign-in", "suzuki", "guess").await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        send(&d, get("/operator", &second)).await.status,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn guesses_sent_at_once_are_counted_one_after_the_other() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    let d = std::sync::Arc::new(d);
    let tasks: Vec<_> = (0..12)
        .map(|i| {
            let d = d.clone();
            tokio::spawn(async move {
                d.helpdesk
                    .accounts()
                    .sign_in_replacing("yamada", &format!("guess-{i}"), "10.0.0.9", None)
                    .await
            })
        })
        .collect();
    let (mut checked, mut throttled) = (0, 0);
    for task in tasks {
        match task.await.unwrap() {
            Err(madoguchi::accounts::SignInError::Refused) => checked += 1,
            Err(madoguchi::accounts::SignInError::Throttled { .. }) => throttled += 1,
            other => panic!("{other:?}"),
        }
    }
    // Only as many passwords are checked as the limit allows; the rest are throttled.
    assert_eq!(
        (checked, throttled),
        (madoguchi::accounts::MAX_FAILURES_PER_LOGIN, 7)
    );
}
