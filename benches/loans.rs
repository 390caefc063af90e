//! Benchmark of loan availability over a year of 500 items with 20,000 reservations
//! (issue 12's target: under 20 ms p99), of reading one month of every item's
//! reservations, and of the month calendar page (target: under 100 ms).
//!
//! Run: `cargo bench --bench loans -- [--items 500] [--reservations 20000] [--queries 2000]
//! [--pages 10] [--postgres URL]`
//!
//! A helpdesk on a fresh SQLite database in a temporary folder (or a fresh schema in the
//! PostgreSQL database at `--postgres`), 500 pools of 5 units, and 2027 filled evenly with
//! reservations of 1-2 units for 1-5 days in every state, inserted in one transaction.
//! Each query is what `GET /api/v1/availability` and a reservation do: the units held over
//! a period by the holding reservations, then the peak. Windows of 1-14 days start at
//! random in 2027 (fixed seed); the whole-year window is also timed on its own. The page
//! `/operator/loans/calendar` is served by the whole application on a loopback socket and
//! asked for by a signed-in admin over one keep-alive HTTP/1.1 connection, for each month
//! of 2027, every item and one item; timed from the request's first byte to the body's
//! last.

mod common;

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Months, TimeZone, Utc};
use madoguchi::accounts::{HashedPassword, NewUser, Role};
use madoguchi::calendar;
use madoguchi::clock::FixedClock;
use madoguchi::config::{SemanticSettings, Settings};
use madoguchi::helpdesk::Helpdesk;
use madoguchi::loans::Period;
use madoguchi::storage::{reservations, sql};

use common::{for_each_arg, number};

struct Args {
    items: u64,
    reservations: u64,
    queries: u64,
    /// Rounds of the twelve month pages.
    pages: u64,
    postgres: Option<String>,
}

fn main() {
    let mut args = Args {
        items: 500,
        reservations: 20_000,
        queries: 2_000,
        pages: 10,
        postgres: None,
    };
    for_each_arg(|a, value| match a {
        "--items" => args.items = number(&value()),
        "--reservations" => args.reservations = number(&value()),
        "--queries" => args.queries = number(&value()),
        "--pages" => args.pages = number(&value()),
        "--postgres" => args.postgres = Some(value()),
        "--bench" => {}
        _ => common::die(&format!("unknown option {a}")),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(args));
}

/// A small deterministic generator (the same data every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below.max(1)
    }
}

async fn run(args: Args) {
    let dir = tempfile::TempDir::new().unwrap();
    let database_url = match &args.postgres {
        Some(base) => Some(common::fresh_schema(base, "loans_bench").await),
        None => None,
    };
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap();
    let settings = Settings {
        data_dir: dir.path().to_path_buf(),
        database_url,
        kb_dir: common::repo().join("knowledge-base"),
        prompts_dir: common::repo().join("prompts"),
        // Lexical only: the loans never ask the knowledge base.
        semantic: SemanticSettings {
            model: Default::default(),
            query_adapter: String::new(),
        },
        ..Settings::default()
    };
    let helpdesk = Arc::new(
        Helpdesk::open_with_clock(settings, Arc::new(FixedClock::new(now)))
            .await
            .unwrap(),
    );
    let store = helpdesk.store().clone();
    let loans = helpdesk.loans();
    let year = Utc.with_ymd_and_hms(2026, 12, 31, 15, 0, 0).unwrap();
    let seeding = Instant::now();
    let mut random = Lcg(12);
    let mut tx = store.begin().await.unwrap();
    for i in 0..args.items {
        sql(
            "INSERT INTO reservable_items (id, name, kind, quantity, max_days, created_at) \
             VALUES ($1, $2, 'pool', 5, 14, $3)",
        )
        .bind(format!("item-{i:03}"))
        .bind(format!("貸出品{i}"))
        .bind(now)
        .execute(&mut tx.conn())
        .await
        .unwrap();
    }
    let states = [
        "pending",
        "approved",
        "checked_out",
        "returned",
        "cancelled",
        "rejected",
    ];
    for r in 0..args.reservations {
        let from = year + Duration::hours(random.next(364 * 24) as i64);
        let to = from + Duration::days(1 + random.next(5) as i64);
        sql("INSERT INTO reservations (item_id, quantity, starts_at, ends_at, requester_no, \
             requester_name, department, purpose, status, channel, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, '10001', '職員', '部署', '研修', $5, 'api', 1, $6, $6)")
        .bind(format!("item-{:03}", r % args.items))
        .bind(1 + random.next(2) as i64)
        .bind(from)
        .bind(to)
        .bind(states[random.next(states.len() as u64) as usize])
        .bind(now)
        .execute(&mut tx.conn())
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    println!(
        "{} seeded in {:.1} s",
        store.backend_name(),
        seeding.elapsed().as_secs_f64()
    );

    let items = loans.items().await.unwrap();
    let mut times = Vec::new();
    for _ in 0..args.queries {
        let item = &items[random.next(items.len() as u64) as usize];
        let from = year + Duration::hours(random.next(350 * 24) as i64);
        let period = Period {
            from,
            to: from + Duration::days(1 + random.next(14) as i64),
            asked_to: None,
        };
        let t = Instant::now();
        let free = loans.available(item, &period).await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!((0..=5).contains(&free));
    }
    report("availability, 1-14 day window", &mut times);
    let whole = Period {
        from: year,
        to: year + Duration::days(365),
        asked_to: None,
    };
    let mut times = Vec::new();
    for i in 0..args.queries.min(500) {
        let item = &items[(i as usize * 7) % items.len()];
        let t = Instant::now();
        loans.available(item, &whole).await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    report("availability, the whole year", &mut times);
    let mut times = Vec::new();
    for month in 0..12 {
        let from = year + Duration::days(month * 30);
        let t = Instant::now();
        let rows =
            reservations::overlapping(&mut store.conn(), None, from, from + Duration::days(31))
                .await
                .unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(!rows.is_empty());
    }
    report("one month of every item's reservations", &mut times);
    calendar_pages(&helpdesk, &args, year).await;
    if let Some(base) = &args.postgres {
        let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(base)
            .await
            .unwrap();
        let schema = format!("loans_bench_{}", std::process::id());
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
            .execute(&mut admin)
            .await
            .unwrap();
    }
}

/// The month calendar page over HTTP/1.1 on a loopback socket, as a signed-in admin's
/// browser asks for it: every month of 2027 for every item and for one item, `--pages`
/// times each after one warm-up round.
async fn calendar_pages(helpdesk: &Arc<Helpdesk>, args: &Args, year: DateTime<Utc>) {
    let store = helpdesk.store();
    store
        .create_user(&NewUser {
            login: "admin".into(),
            display_name: "管理者".into(),
            role: Role::Admin,
            password: HashedPassword::new("benchmark passphrase").unwrap(),
        })
        .await
        .unwrap();
    let session = helpdesk
        .accounts()
        .sign_in("admin", "benchmark passphrase", "127.0.0.1")
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = madoguchi::http::app(helpdesk.clone());
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let request = |query: &str| {
        format!(
            "GET /operator/loans/calendar?{query} HTTP/1.1\r\nHost: {addr}\r\n\
             Cookie: madoguchi_session={}\r\n\r\n",
            session.token
        )
        .into_bytes()
    };
    let first = calendar::to_local(year).date();
    for (what, item) in [("every item", ""), ("one item", "item-007")] {
        let mut stream = None;
        let mut buf = Vec::new();
        let mut times = Vec::new();
        let mut bytes = 0;
        for round in 0..=args.pages {
            for month in 0..12 {
                let month = first + Months::new(month);
                let query = format!("item={item}&month={}", month.format("%Y-%m"));
                let t = Instant::now();
                let status = common::exchange(&mut stream, addr, &request(&query), &mut buf).await;
                let took = t.elapsed().as_secs_f64() * 1000.0;
                assert_eq!(status, 200, "{query}");
                bytes = bytes.max(buf.len());
                if round > 0 {
                    times.push(took);
                }
            }
        }
        report(
            &format!("month calendar page over HTTP, {what} (largest {bytes} bytes)"),
            &mut times,
        );
    }
    server.abort();
}

fn report(what: &str, times: &mut [f64]) {
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{what}: n={} p50={:.2} ms p99={:.2} ms max={:.2} ms",
        times.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}
