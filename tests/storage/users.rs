//! Operator console accounts: created once per login, listed without hashes, password
//! changed and account disabled in place.

use chrono::Duration;
use madoguchi::accounts::{verify_password, HashedPassword, NewUser, Role};
use madoguchi::storage::StorageError;

use crate::db::{backends, story_time};

const FIRST: &str = "first password 1";
const SECOND: &str = "second password 2";

fn new_user(login: &str, name: &str, role: Role, password: &HashedPassword) -> NewUser {
    NewUser {
        login: login.into(),
        display_name: name.into(),
        role,
        password: password.clone(),
    }
}

#[tokio::test]
async fn accounts_are_created_once_listed_without_hashes_and_changed_in_place() {
    // Hashing is slow on purpose: hash once for every backend.
    let first = HashedPassword::new(FIRST).unwrap();
    let second = HashedPassword::new(SECOND).unwrap();
    for db in backends().await {
        let s = &db.store;
        assert!(s.users().await.unwrap().is_empty());
        assert!(s.user("yamada").await.unwrap().is_none());

        s.create_user(&new_user("yamada", "山田 太郎", Role::Operator, &first))
            .await
            .unwrap();
        s.create_user(&new_user("Admin.1", "管理者", Role::Admin, &first))
            .await
            .unwrap();
        s.create_user(&new_user("viewer_2", "閲覧 花子", Role::Viewer, &first))
            .await
            .unwrap();

        let stored = s.user("yamada").await.unwrap().expect("created");
        assert_eq!(stored.user.display_name, "山田 太郎");
        assert_eq!(stored.user.role, Role::Operator);
        assert!(!stored.user.disabled);
        assert_eq!(
            (stored.user.created_at, stored.user.updated_at),
            (story_time(), story_time())
        );
        assert_eq!(stored.password_hash, first.as_str());
        assert!(stored.verify(FIRST));
        assert!(!stored.verify(SECOND));

        // Byte order, on both backends.
        let logins: Vec<String> = s
            .users()
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.login)
            .collect();
        assert_eq!(logins, ["Admin.1", "viewer_2", "yamada"]);
        let roles: Vec<Role> = s
            .users()
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.role)
            .collect();
        assert_eq!(roles, [Role::Admin, Role::Viewer, Role::Operator]);

        // A login already taken is refused and the account is left as it was.
        let err = s
            .create_user(&new_user("yamada", "別人", Role::Admin, &second))
            .await
            .unwrap_err();
        assert!(matches!(err, StorageError::Invalid(_)), "{err}");
        assert!(err.to_string().contains("already exists"), "{err}");
        let again = s.user("yamada").await.unwrap().unwrap();
        assert_eq!(again, stored);

        // Invalid input never reaches the database.
        for (login, name) in [("山田", "山田"), ("", "x"), ("a b", "x"), ("ok", "  ")] {
            let err = s
                .create_user(&new_user(login, name, Role::Viewer, &first))
                .await
                .unwrap_err();
            assert!(matches!(err, StorageError::Invalid(_)), "{login:?}: {err}");
        }
        assert_eq!(s.users().await.unwrap().len(), 3);

        // A new password replaces the old one.
        let changed_at = story_time() + Duration::days(30);
        db.clock.set(changed_at);
        assert!(s.set_user_password("yamada", &second).await.unwrap());
        let changed = s.user("yamada").await.unwrap().unwrap();
        assert!(verify_password(&changed.password_hash, SECOND));
        assert!(!verify_password(&changed.password_hash, FIRST));
        assert_eq!(changed.user.updated_at, changed_at);
        assert_eq!(changed.user.created_at, stored.user.created_at);
        assert!(!s.set_user_password("nobody", &second).await.unwrap());

        // Disabled, and enabled again; other accounts are untouched.
        assert!(s.set_user_disabled("yamada", true).await.unwrap());
        assert!(s.user("yamada").await.unwrap().unwrap().user.disabled);
        assert!(!s.user("Admin.1").await.unwrap().unwrap().user.disabled);
        assert!(s.set_user_disabled("yamada", false).await.unwrap());
        assert!(!s.user("yamada").await.unwrap().unwrap().user.disabled);
        assert!(!s.set_user_disabled("nobody", true).await.unwrap());

        // Logins are exact: no case folding.
        assert!(s.user("YAMADA").await.unwrap().is_none());

        // What was written reads back the same from a second connection.
        let reopened = db.reopen().await;
        assert_eq!(reopened.users().await.unwrap(), s.users().await.unwrap());
    }
}

#[tokio::test]
async fn the_schema_refuses_what_the_code_would_never_write() {
    for db in backends().await {
        // Straight SQL, bypassing the checks in Rust: the table's own constraints hold.
        let url = db.url.clone();
        let is_sqlite = url.starts_with("sqlite:");
        let insert = |login: &str, role: &str| {
            let p = if is_sqlite { "?" } else { "$" };
            (
                format!(
                    "INSERT INTO users (login, display_name, role, password_hash, created_at, \
                     updated_at) VALUES ({p}1, 'x', {p}2, 'h', {p}3, {p}3)"
                ),
                login.to_owned(),
                role.to_owned(),
            )
        };
        let now = story_time();
        // The first row is valid: it shows the statement itself is right.
        let cases = [
            (insert("ok", "viewer"), true),
            (insert("ok2", "root"), false),
            (insert("bad login", "viewer"), false),
            (insert("", "viewer"), false),
            (insert(&"a".repeat(65), "viewer"), false),
        ];
        for ((query, login, role), accepted) in cases {
            let result = if is_sqlite {
                let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
                let r = sqlx::query(&query)
                    .bind(&login)
                    .bind(&role)
                    .bind(now)
                    .execute(&pool)
                    .await
                    .map(|_| ());
                pool.close().await;
                r
            } else {
                let pool = sqlx::PgPool::connect(&url).await.unwrap();
                let r = sqlx::query(&query)
                    .bind(&login)
                    .bind(&role)
                    .bind(now)
                    .execute(&pool)
                    .await
                    .map(|_| ());
                pool.close().await;
                r
            };
            assert_eq!(result.is_ok(), accepted, "{login:?} {role:?}: {result:?}");
        }
        let users = db.store.users().await.unwrap();
        assert_eq!(users.len(), 1);
        assert_eq!((users[0].login.as_str(), users[0].disabled), ("ok", false));
    }
}
