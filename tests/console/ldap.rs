//! Signing in through the city directory (a real slapd): the directory's password for
//! `--ldap` accounts, the local password as the fallback, and what is never sent.

use axum::http::StatusCode;
use madoguchi::accounts::{random_token, HashedPassword, NewUser, Role};
use madoguchi::config::LdapSettings;

use crate::directory::{Directory, BIND_DN, DIRECTORY_PASSWORD};
use crate::helpers::{desk_with, Desk};
use crate::support::{account, try_sign_in, PASSWORD};

/// A desk signing in against `directory`, or `None` when slapd is not installed.
async fn desk_on(directory: &Directory) -> Desk {
    let url = directory.url.clone();
    desk_with(move |s| {
        s.ldap = LdapSettings {
            url: Some(url),
            bind_dn: Some(BIND_DN.into()),
            timeout_secs: 2,
            starttls: false,
        }
    })
    .await
}

/// An account made as `madoguchi user add --ldap` makes it: no password anyone knows.
async fn ldap_account(d: &Desk, login: &str, role: Role) {
    d.helpdesk
        .store()
        .create_user(&NewUser {
            login: login.into(),
            display_name: "山田 花子".into(),
            role,
            password: HashedPassword::new(&random_token()).unwrap(),
        })
        .await
        .unwrap();
}

/// The newest audit line's action and detail.
async fn last_audit(d: &Desk) -> (String, Option<String>) {
    let log = d.helpdesk.store().audit_log(1).await.unwrap();
    (log[0].action.clone(), log[0].detail.clone())
}

#[tokio::test]
async fn the_directory_password_signs_in_an_ldap_account_with_one_bind_as_its_dn() {
    let Some(directory) = Directory::start() else {
        return;
    };
    let d = desk_on(&directory).await;
    ldap_account(&d, "yamada", Role::Operator).await;
    let ok = try_sign_in(&d, "yamada", DIRECTORY_PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert!(ok.cookie("madoguchi_session").is_some());
    assert_eq!(
        last_audit(&d).await,
        ("session.sign_in".into(), Some("ldap".into()))
    );
    let binds = directory.binds();
    assert_eq!(binds.len(), 1, "{binds:?}");
    assert!(
        binds[0].contains("dn=\"uid=yamada,ou=people,dc=city,dc=numazu,dc=lg,dc=jp\""),
        "{binds:?}"
    );
}

#[tokio::test]
async fn a_wrong_password_is_refused_by_the_directory_and_counted_by_the_throttle() {
    let Some(directory) = Directory::start() else {
        return;
    };
    let d = desk_on(&directory).await;
    ldap_account(&d, "yamada", Role::Operator).await;
    for _ in 0..5 {
        let page = try_sign_in(&d, "yamada", "not the password").await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        assert_eq!(last_audit(&d).await.0, "session.refused");
    }
    assert_eq!(directory.binds().len(), 5);
    let locked = try_sign_in(&d, "yamada", DIRECTORY_PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.cookie("madoguchi_session"), None);
    assert_eq!(
        directory.binds().len(),
        5,
        "a throttled sign-in binds nothing"
    );
}

#[tokio::test]
async fn local_passwords_still_work_with_ldap_on_including_a_break_glass_one_the_directory_refuses()
{
    let Some(directory) = Directory::start() else {
        return;
    };
    let d = desk_on(&directory).await;
    // suzuki is not in the directory; yamada is, and also has a local password.
    account(&d, "suzuki", "鈴木", Role::Viewer).await;
    account(&d, "yamada", "山田 花子", Role::Admin).await;
    let ok = try_sign_in(&d, "suzuki", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(last_audit(&d).await.1.as_deref(), Some("local"));
    let ok = try_sign_in(&d, "yamada", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(last_audit(&d).await.1.as_deref(), Some("local"));
    let ok = try_sign_in(&d, "yamada", DIRECTORY_PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(last_audit(&d).await.1.as_deref(), Some("ldap"));
}

#[tokio::test]
async fn a_login_with_ldap_special_characters_cannot_sign_in_and_reaches_no_directory() {
    let Some(directory) = Directory::start() else {
        return;
    };
    let d = desk_on(&directory).await;
    ldap_account(&d, "yamada", Role::Admin).await;
    for login in [
        "yamada,ou=people",
        "*",
        "yamada+cn=x",
        "uid=yamada",
        "yamada\\2c",
        "yamada)(uid=*",
        "#yamada",
    ] {
        let page = try_sign_in(&d, login, DIRECTORY_PASSWORD).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{login}");
        assert_eq!(page.cookie("madoguchi_session"), None, "{login}");
    }
    assert_eq!(directory.binds(), Vec::<String>::new());
}

#[tokio::test]
async fn with_the_directory_down_local_passwords_work_and_ldap_accounts_cannot_sign_in() {
    let Some(mut directory) = Directory::start() else {
        return;
    };
    let d = desk_on(&directory).await;
    ldap_account(&d, "yamada", Role::Operator).await;
    account(&d, "suzuki", "鈴木", Role::Admin).await;
    directory.stop();
    let refused = try_sign_in(&d, "yamada", DIRECTORY_PASSWORD).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(last_audit(&d).await.0, "session.refused");
    let ok = try_sign_in(&d, "suzuki", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(
        last_audit(&d).await,
        ("session.sign_in".into(), Some("local".into()))
    );
}

#[tokio::test]
async fn an_empty_password_is_refused_without_a_bind() {
    let Some(directory) = Directory::start() else {
        return;
    };
    let d = desk_on(&directory).await;
    ldap_account(&d, "yamada", Role::Operator).await;
    let page = try_sign_in(&d, "yamada", "").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert_eq!(page.cookie("madoguchi_session"), None);
    assert_eq!(directory.binds(), Vec::<String>::new());
    // Directly too, past the form.
    assert!(d
        .helpdesk
        .accounts()
        .sign_in("yamada", "", "127.0.0.1")
        .await
        .is_err());
    assert_eq!(directory.binds(), Vec::<String>::new());
}

#[tokio::test]
async fn a_person_in_the_directory_without_a_local_account_cannot_sign_in() {
    let Some(directory) = Directory::start() else {
        return;
    };
    let d = desk_on(&directory).await;
    let page = try_sign_in(&d, "sato", DIRECTORY_PASSWORD).await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    assert_eq!(last_audit(&d).await.0, "session.refused");
    assert_eq!(directory.binds(), Vec::<String>::new());
}
