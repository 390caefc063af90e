//! Benchmark of the IP address ledger with 50,000 lines (issue 15's target: ledger pages
//! with 50,000 addresses in under 100 ms on this machine), and of allocating the next free
//! address among them.
//!
//! Run: `cargo bench --bench ip_ledger -- [--lines 50000] [--rounds 200] [--postgres URL]`
//!
//! A helpdesk on a fresh SQLite database in a temporary folder (or a fresh schema in the
//! PostgreSQL database at `--postgres`), a signed-in operator, and the ledger: one /16
//! segment holding four fifths of `--lines` (the worst case for "next free": every line
//! before the free addresses is read) and /24 segments holding 250 lines each for the rest,
//! spread over the three networks, with hosts, computer names, 所属 and people. Lines are
//! stored with plain INSERTs in one transaction. Each page is requested `--rounds` times
//! through the whole HTTP application in process (routing, session check, queries,
//! template) after 20 warm-up requests; allocation is the service call the console and the
//! API make (one transaction: segment lock, read of the held addresses, write, history,
//! audit), `--rounds` times in the /16. Figures: median, p99 and maximum wall time.

mod common;

use std::time::Instant;

use axum::body::Body;
use axum::http::{header, Request};
use http_body_util::BodyExt;
use madoguchi::accounts::{HashedPassword, NewUser, Role};
use madoguchi::config::Settings;
use madoguchi::domain::address::{address_number, address_of};
use madoguchi::domain::AddressState;
use madoguchi::helpdesk::Helpdesk;
use madoguchi::ledgers::{Assignment, SegmentSpec};
use madoguchi::storage::sql;
use tower::ServiceExt;

use common::{for_each_arg, median, number, percentile, repo, round};

struct Args {
    lines: u64,
    rounds: u64,
    postgres: Option<String>,
}

fn main() {
    let mut args = Args {
        lines: 50_000,
        rounds: 200,
        postgres: None,
    };
    for_each_arg(|a, value| match a {
        "--lines" => args.lines = number(&value()),
        "--rounds" => args.rounds = number(&value()),
        "--postgres" => args.postgres = Some(value()),
        "--bench" => {} // cargo bench passes it
        _ => common::die(&format!("unknown option {a}")),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(args));
}

const NETWORKS: [&str; 3] = ["lgwan", "mynumber", "internet"];

/// The segments and their lines; the /16's id.
async fn seed(helpdesk: &Helpdesk, lines: u64) -> i64 {
    let ledgers = helpdesk.ledgers();
    let big = lines * 4 / 5;
    let wide = SegmentSpec {
        network: "lgwan".into(),
        cidr: "10.0.0.0/16".into(),
        name: "本庁舎".into(),
        gateway: Some("10.0.0.1".into()),
        ..SegmentSpec::default()
    };
    let wide = ledgers.create_segment(&wide, "bench").await.unwrap();
    let mut segments = vec![(wide, address_number("10.0.0.2".parse().unwrap()), big)];
    let small = (lines - big).div_ceil(250);
    for s in 0..small {
        let spec = SegmentSpec {
            network: NETWORKS[(s % 3) as usize].into(),
            cidr: format!("10.{}.{}.0/24", 1 + s / 200, s % 200),
            name: format!("出先機関{s}"),
            department: Some(format!("部署{:02}", s % 40)),
            ..SegmentSpec::default()
        };
        let id = ledgers.create_segment(&spec, "bench").await.unwrap();
        let first = address_number(format!("10.{}.{}.1", 1 + s / 200, s % 200).parse().unwrap());
        segments.push((id, first, 250.min(lines - big - s * 250)));
    }
    let now = helpdesk.now();
    let mut tx = helpdesk.store().begin().await.unwrap();
    let mut n = 0u64;
    for (segment, first, count) in segments {
        for i in 0..count as i64 {
            let number = first + i;
            let state = if n.is_multiple_of(10) {
                AddressState::Reserved
            } else {
                AddressState::InUse
            };
            sql(
                "INSERT INTO ip_addresses (number, address, segment_id, state, host, \
                 computer_name, department, person, updated_at, updated_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'bench')",
            )
            .bind(number)
            .bind(address_of(number).unwrap().to_string())
            .bind(segment)
            .bind(state)
            .bind(format!("host-{n:05}"))
            .bind(format!("K{:03}-PC{n:05}", n % 40))
            .bind(format!("部署{:02}", n % 40))
            .bind(format!("職員{n}"))
            .bind(now)
            .execute(&mut tx.conn())
            .await
            .unwrap();
            n += 1;
        }
    }
    tx.commit().await.unwrap();
    wide
}

async fn run(args: Args) {
    let dir = tempfile::tempdir().unwrap();
    let root = repo();
    let database_url = match &args.postgres {
        Some(url) => Some(common::fresh_schema(url, "bench_ip_ledger").await),
        None => None,
    };
    let settings = Settings {
        data_dir: dir.path().to_path_buf(),
        database_url,
        kb_dir: root.join("knowledge-base"),
        prompts_dir: root.join("prompts"),
        ..Settings::default()
    };
    let helpdesk = std::sync::Arc::new(Helpdesk::open(settings).await.unwrap());
    let store = helpdesk.store();
    let started = Instant::now();
    let wide = seed(&helpdesk, args.lines).await;
    eprintln!(
        "{} ledger lines stored in {:.1} s ({})",
        args.lines,
        started.elapsed().as_secs_f64(),
        store.backend_name()
    );
    store
        .create_user(&NewUser {
            login: "op".into(),
            display_name: "窓口".into(),
            role: Role::Operator,
            password: HashedPassword::new("benchmark passphrase").unwrap(),
        })
        .await
        .unwrap();
    let session = helpdesk
        .accounts()
        .sign_in("op", "benchmark passphrase", "127.0.0.1")
        .await
        .unwrap();
    let cookie = format!("madoguchi_session={}", session.token);
    let app = madoguchi::http::app(helpdesk.clone());
    let get = |uri: &str| {
        Request::get(uri)
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap()
    };
    let mut results = Vec::new();
    for (name, uri) in [
        ("segments with usage", "/operator/ip".to_owned()),
        (
            "search by host (whole ledger)",
            "/operator/ip/addresses?q=host-3999".to_owned(),
        ),
        (
            "search by 所属 (whole ledger, 1,250 hits, 100 shown)",
            "/operator/ip/addresses?q=%E9%83%A8%E7%BD%B207".to_owned(),
        ),
        (
            "search by address prefix",
            "/operator/ip/addresses?q=10.0.12.".to_owned(),
        ),
        (
            "the /16's lines, page 300",
            format!("/operator/ip/addresses?segment={wide}&page=300"),
        ),
        (
            "one address with history",
            "/operator/ip/addresses/10.0.100.7".to_owned(),
        ),
    ] {
        let mut times = Vec::new();
        let mut bytes = 0;
        for round_no in 0..args.rounds + 20 {
            let t = Instant::now();
            let response = app.clone().oneshot(get(&uri)).await.unwrap();
            assert!(
                response.status().is_success(),
                "{uri}: {}",
                response.status()
            );
            bytes = response
                .into_body()
                .collect()
                .await
                .unwrap()
                .to_bytes()
                .len();
            if round_no >= 20 {
                times.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        results.push((name, times, bytes));
    }
    let mut allocate = Vec::new();
    let ledgers = helpdesk.ledgers();
    for i in 0..args.rounds {
        let assignment = Assignment {
            host: format!("new-{i}"),
            ..Assignment::default()
        };
        let t = Instant::now();
        ledgers
            .allocate(wide, AddressState::InUse, &assignment, "bench")
            .await
            .unwrap();
        allocate.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    results.push(("allocate the next free address in the /16", allocate, 0));

    println!(
        "backend: {}, ledger lines: {}, rounds: {}",
        store.backend_name(),
        args.lines,
        args.rounds
    );
    println!("| request | median ms | p99 ms | max ms | bytes |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (name, mut times, bytes) in results {
        times.sort_by(f64::total_cmp);
        println!(
            "| {name} | {} | {} | {} | {bytes} |",
            round(median(&times), 3),
            round(percentile(&times, 99.0), 3),
            round(*times.last().unwrap(), 3)
        );
    }
}
