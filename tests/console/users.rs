//! Accounts from the console: only admins, every change audited, bad input refused.

use axum::http::StatusCode;
use madoguchi::accounts::Role;

use crate::helpers::desk;
use crate::support::{account, try_sign_in, Browser};

#[tokio::test]
async fn an_admin_adds_an_operator_who_can_then_sign_in() {
    let d = desk().await;
    account(&d, "admin", "管理 三郎", Role::Admin).await;
    let admin = Browser::sign_in(&d, "admin").await;
    let added = admin
        .post(
            &d,
            "/operator/users",
            &[
                ("login", "tanaka"),
                ("display_name", "田中 四郎"),
                ("role", "operator"),
                ("password", "a long enough passphrase"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let page = admin.get(&d, "/operator/users").await;
    assert!(page.body.contains("田中 四郎"));
    let signed = try_sign_in(&d, "tanaka", "a long enough passphrase").await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    let log = d.helpdesk.store().audit_log(5).await.unwrap();
    assert!(log
        .iter()
        .any(|r| r.actor == "admin" && r.action == "user.add" && r.object_id == "tanaka"));
}

#[tokio::test]
async fn bad_accounts_are_refused_with_a_reason_and_nothing_is_created() {
    let d = desk().await;
    account(&d, "admin", "管理 三郎", Role::Admin).await;
    let admin = Browser::sign_in(&d, "admin").await;
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[
                ("login", "tanaka"),
                ("display_name", "田中"),
                ("role", "operator"),
                ("password", "short"),
            ],
            "パスワードは12文字以上",
        ),
        (
            &[
                ("login", "田中"),
                ("display_name", "田中"),
                ("role", "operator"),
                ("password", "a long enough passphrase"),
            ],
            "ログインIDは半角の英数字",
        ),
        (
            &[
                ("login", "tanaka"),
                ("display_name", "田中"),
                ("role", "root"),
                ("password", "a long enough passphrase"),
            ],
            "権限は",
        ),
        (
            &[
                ("login", "admin"),
                ("display_name", "二人目"),
                ("role", "admin"),
                ("password", "a long enough passphrase"),
            ],
            "すでに使われています",
        ),
    ];
    for (fields, reason) in cases {
        let page = admin.post(&d, "/operator/users", fields).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{reason}");
        assert!(page.body.contains(reason), "{reason}: {}", page.body);
    }
    assert_eq!(d.helpdesk.store().users().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_reset_password_or_a_disabled_account_ends_its_sessions() {
    let d = desk().await;
    account(&d, "admin", "管理 三郎", Role::Admin).await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    let admin = Browser::sign_in(&d, "admin").await;
    let yamada = Browser::sign_in(&d, "yamada").await;
    let reset = admin
        .post(
            &d,
            "/operator/users/yamada/password",
            &[("password", "another passphrase!")],
        )
        .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER);
    assert_eq!(
        yamada.get(&d, "/operator").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        try_sign_in(&d, "yamada", "another passphrase!")
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    let disable = admin.post(&d, "/operator/users/yamada/disable", &[]).await;
    assert_eq!(disable.status, StatusCode::SEE_OTHER);
    assert!(
        d.helpdesk
            .store()
            .user("yamada")
            .await
            .unwrap()
            .unwrap()
            .user
            .disabled
    );
    let own = admin.post(&d, "/operator/users/admin/disable", &[]).await;
    assert_eq!(own.status, StatusCode::BAD_REQUEST);
    assert!(own
        .body
        .contains("自分自身のアカウントは無効にできません。"));
    let missing = admin.post(&d, "/operator/users/nobody/disable", &[]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn operators_and_viewers_cannot_manage_accounts() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    account(&d, "viewer", "閲覧 次郎", Role::Viewer).await;
    for login in ["yamada", "viewer"] {
        let browser = Browser::sign_in(&d, login).await;
        assert_eq!(
            browser.get(&d, "/operator/users").await.status,
            StatusCode::FORBIDDEN
        );
        let add = browser
            .post(
                &d,
                "/operator/users",
                &[
                    ("login", "evil"),
                    ("display_name", "x"),
                    ("role", "admin"),
                    ("password", "a long enough passphrase"),
                ],
            )
            .await;
        assert_eq!(add.status, StatusCode::FORBIDDEN);
        let reset = browser
            .post(
                &d,
                "/operator/users/yamada/password",
                &[("password", "a long enough passphrase")],
            )
            .await;
        assert_eq!(reset.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(d.helpdesk.store().users().await.unwrap().len(), 2);
}
