//! The backends under test: SQLite always, PostgreSQL when configured.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use madoguchi::clock::FixedClock;
use madoguchi::storage::Store;
use sqlx::{Connection, PgConnection};
use tempfile::TempDir;

const POSTGRES_URL_VAR: &str = "MADOGUCHI_TEST_POSTGRES_URL";
const REQUIRE_POSTGRES_VAR: &str = "MADOGUCHI_REQUIRE_POSTGRES";

/// One backend under test, with what keeps its database alive and cleans it up.
pub struct TestDb {
    /// The URL the store was opened with, to open it again.
    pub url: String,
    pub store: Store,
    /// The store's clock: every row it writes carries this time (tests move it).
    #[allow(dead_code)]
    pub clock: Arc<FixedClock>,
    _cleanup: Cleanup,
}

enum Cleanup {
    Dir { _dir: TempDir },
    Schema { _schema: PgSchema },
}

/// Every backend this run can test: SQLite always, PostgreSQL when configured.
pub async fn backends() -> impl Iterator<Item = TestDb> {
    let mut dbs = vec![sqlite_db().await];
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.is_empty() => dbs.push(postgres_db(&url).await),
        _ if std::env::var(REQUIRE_POSTGRES_VAR).as_deref() == Ok("1") => {
            panic!("{REQUIRE_POSTGRES_VAR}=1 but {POSTGRES_URL_VAR} is not set")
        }
        _ => {
            // Straight to stderr rather than eprintln!, which the test harness captures:
            // a skipped backend must be visible in every run.
            let notice = format!("PostgreSQL suite skipped: set {POSTGRES_URL_VAR} to run it\n");
            std::io::stderr().write_all(notice.as_bytes()).ok();
        }
    }
    // Shown with a failure's output, so it says which backend the story broke on.
    dbs.into_iter()
        .inspect(|db| eprintln!("running the story on {}", db.store.backend_name()))
}

/// A PostgreSQL database of its own (a schema) when the run is configured for one; else
/// `None` after a printed notice (a failure with `MADOGUCHI_REQUIRE_POSTGRES=1`).
#[allow(dead_code)]
pub async fn postgres() -> Option<TestDb> {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.is_empty() => Some(postgres_db(&url).await),
        _ if std::env::var(REQUIRE_POSTGRES_VAR).as_deref() == Ok("1") => {
            panic!("{REQUIRE_POSTGRES_VAR}=1 but {POSTGRES_URL_VAR} is not set")
        }
        _ => {
            let notice = format!("SKIPPED: needs PostgreSQL: set {POSTGRES_URL_VAR}\n");
            std::io::stderr().write_all(notice.as_bytes()).ok();
            None
        }
    }
}

async fn sqlite_db() -> TestDb {
    let dir = TempDir::new().expect("temporary folder");
    let url = format!("sqlite://{}", dir.path().join("madoguchi.db").display());
    let clock = fixed_clock();
    let store = Store::connect(&url, clock.clone())
        .await
        .expect("open SQLite");
    TestDb {
        url,
        store,
        clock,
        _cleanup: Cleanup::Dir { _dir: dir },
    }
}

async fn postgres_db(admin_url: &str) -> TestDb {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .subsec_nanos();
    let schema = format!(
        "madoguchi_test_{}_{nanos}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    // One plain connection, not a pool: a wrong URL fails at once instead of retrying.
    let mut admin = PgConnection::connect(admin_url)
        .await
        .unwrap_or_else(|e| panic!("connect to {POSTGRES_URL_VAR}: {e}"));
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut admin)
        .await
        .expect("create test schema");
    admin.close().await.ok();
    let separator = if admin_url.contains('?') { '&' } else { '?' };
    // application_name marks this test's sessions, so cleanup can end the ones left over.
    let url = format!(
        "{admin_url}{separator}options=-c%20search_path%3D{schema}&application_name={schema}"
    );
    let clock = fixed_clock();
    let store = Store::connect(&url, clock.clone())
        .await
        .expect("open PostgreSQL");
    let schema = PgSchema {
        admin_url: admin_url.to_owned(),
        name: schema,
    };
    let cleanup = Cleanup::Schema { _schema: schema };
    TestDb {
        url,
        store,
        clock,
        _cleanup: cleanup,
    }
}

/// When the stories happen: Thursday 26 November 2026, 10:00 in Japan.
pub fn story_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 1, 0, 0).unwrap()
}

fn fixed_clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(story_time()))
}

#[allow(dead_code)]
impl TestDb {
    /// Opens the same database again, as another process would (same clock).
    pub async fn reopen(&self) -> Store {
        Store::connect(&self.url, self.clock.clone())
            .await
            .expect("open the database again")
    }
}

/// Drops a test's schema when the test ends, even when it fails.
struct PgSchema {
    admin_url: String,
    name: String,
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which must not block on itself: use another.
        // That runtime is then stalled, so a failed test's pool may still hold open
        // transactions and their locks: end this test's sessions before dropping the schema.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&url).await?;
                sqlx::query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                     WHERE application_name = $1 AND pid <> pg_backend_pid()",
                )
                .bind(&name)
                .execute(&mut admin)
                .await?;
                sqlx::query("SET lock_timeout = '10s'")
                    .execute(&mut admin)
                    .await?;
                sqlx::query(&format!("DROP SCHEMA {name} CASCADE"))
                    .execute(&mut admin)
                    .await?;
                admin.close().await?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test schema {}", self.name);
        }
    }
}
