//! The audit log: appended and listed, never changed or deleted.

use chrono::Duration;
use madoguchi::storage::AuditEntry;
use sqlx::{Connection, PgConnection, SqliteConnection};

use crate::db::{backends, story_time};

fn entry(action: &str, id: &str) -> AuditEntry {
    AuditEntry {
        actor: "山田".into(),
        action: action.into(),
        object_kind: "ticket".into(),
        object_id: id.into(),
        detail: Some("status in_progress".into()),
    }
}

/// Runs `sql` on the test database directly, as someone bypassing the application would.
async fn raw(url: &str, sql: &str) -> Result<u64, sqlx::Error> {
    if url.starts_with("sqlite:") {
        let mut conn = SqliteConnection::connect(url).await?;
        Ok(sqlx::query(sql).execute(&mut conn).await?.rows_affected())
    } else {
        let mut conn = PgConnection::connect(url).await?;
        Ok(sqlx::query(sql).execute(&mut conn).await?.rows_affected())
    }
}

#[tokio::test]
async fn the_audit_log_is_appended_listed_newest_first_and_cannot_be_changed() {
    for db in backends().await {
        let s = &db.store;
        s.record_audit(&entry("ticket.view", "7")).await.unwrap();
        db.clock.set(story_time() + Duration::minutes(2));
        s.record_audit(&entry("ticket.reply", "7")).await.unwrap();
        let log = s.audit_log(10).await.unwrap();
        let actions: Vec<&str> = log.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, ["ticket.reply", "ticket.view"]);
        assert_eq!(log[0].actor, "山田");
        assert_eq!(log[0].object_id, "7");
        assert_eq!(
            (log[0].at, log[1].at),
            (story_time() + Duration::minutes(2), story_time())
        );
        // Not even SQL from outside the application changes or removes a line.
        for sql in [
            "UPDATE audit_log SET actor = 'someone else'",
            "DELETE FROM audit_log",
        ] {
            let refused = raw(&db.url, sql).await;
            assert!(
                refused.is_err(),
                "{sql} was allowed on {}",
                db.store.backend_name()
            );
        }
        assert_eq!(s.audit_log(10).await.unwrap(), log);
    }
}
