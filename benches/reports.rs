//! Benchmark of the annual report over a year of 100,000 conversations and 20,000 tickets
//! (issue 15's target: under 5 s on this machine).
//!
//! Run: `cargo bench --bench reports -- [--conversations 100000] [--tickets 20000]
//! [--rounds 5] [--postgres URL]`
//!
//! A helpdesk on a fresh SQLite database in a temporary folder (or a fresh schema in the
//! PostgreSQL database at `--postgres`) with the bundled knowledge base, 2,000 staff in 40
//! 所属, and fiscal year 2026 (April 2026 to March 2027) filled evenly: per conversation one
//! question (answered, suggested or escalated, on a bundled FAQ entry) and two messages;
//! every fifth conversation a ticket with SLA targets, an operator's reply and, for two
//! thirds, a resolution. Seeded with plain INSERTs in one transaction. Each round is what
//! `madoguchi report annual --fiscal-year 2026` does: gather every table, render the HTML
//! document and the CSV tables; the figures are the median and range of `--rounds` rounds
//! after one warm-up, with the gathering alone beside them.

mod common;

use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use madoguchi::config::Settings;
use madoguchi::domain::ConversationState;
use madoguchi::helpdesk::Helpdesk;
use madoguchi::reports::{self, Span};
use madoguchi::storage::{sql, Store};

use common::{for_each_arg, median, number, repo, round};

struct Args {
    conversations: u64,
    tickets: u64,
    rounds: u64,
    postgres: Option<String>,
}

fn main() {
    let mut args = Args {
        conversations: 100_000,
        tickets: 20_000,
        rounds: 5,
        postgres: None,
    };
    for_each_arg(|a, value| match a {
        "--conversations" => args.conversations = number(&value()),
        "--tickets" => args.tickets = number(&value()),
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

/// Fills the fiscal year: conversations, their questions and messages, tickets.
async fn seed(store: &Store, args: &Args) {
    let faq_ids: Vec<String> = sql("SELECT id FROM faq_entries ORDER BY id")
        .scalars(&mut store.conn())
        .await
        .unwrap();
    let start = Utc.with_ymd_and_hms(2026, 3, 31, 15, 0, 0).unwrap();
    let step = Duration::days(365).num_seconds() / args.conversations as i64;
    let every = (args.conversations / args.tickets.max(1)).max(1);
    let state = ConversationState::Idle.to_json();
    let mut tx = store.begin().await.unwrap();
    for s in 0..2000 {
        sql(
            "INSERT INTO staff (employee_no, name, department, updated_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(format!("{:05}", 10000 + s))
        .bind(format!("職員{s}"))
        .bind(format!("部署{:02}", s % 40))
        .bind(start)
        .execute(&mut tx.conn())
        .await
        .unwrap();
    }
    let mut tickets = 0;
    for i in 0..args.conversations {
        let at = start + Duration::seconds(step * i as i64);
        let channel = ["logochat", "widget"][(i % 2) as usize];
        let id: i64 = sql(
            "INSERT INTO conversations (token, channel, room, user_ref, staff_no, state, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(format!("token-{i}"))
        .bind(channel)
        .bind(format!("room-{i}"))
        .bind(format!("user-{}", i % 3000))
        .bind(format!("{:05}", 10000 + i % 2100))
        .bind(&state)
        .bind(at)
        .scalar(&mut tx.conn())
        .await
        .unwrap();
        let decision = ["answer", "answer", "suggest", "escalate"][(i % 4) as usize];
        sql(
            "INSERT INTO questions (asked_at, channel, text, decision, reason, top_faq_id, \
             top_score) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(at)
        .bind(channel)
        .bind("メールが送れません")
        .bind(decision)
        .bind(if decision == "answer" {
            "confident"
        } else {
            "low_confidence"
        })
        .bind(faq_ids.get(i as usize % faq_ids.len().max(1)).cloned())
        .bind(0.5)
        .execute(&mut tx.conn())
        .await
        .unwrap();
        for (direction, author) in [("in", "staff"), ("out", "bot")] {
            message(&mut tx, id, channel, direction, author, at).await;
        }
        if i.is_multiple_of(every) && tickets < args.tickets {
            ticket(&mut tx, id, channel, at, i).await;
            tickets += 1;
        }
    }
    tx.commit().await.unwrap();
}

async fn message(
    tx: &mut madoguchi::storage::Tx,
    conversation: i64,
    channel: &str,
    direction: &str,
    author: &str,
    at: chrono::DateTime<Utc>,
) {
    sql(
        "INSERT INTO messages (conversation_id, channel, direction, author, text, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(conversation)
    .bind(channel)
    .bind(direction)
    .bind(author)
    .bind("本文")
    .bind(at)
    .execute(&mut tx.conn())
    .await
    .unwrap();
}

/// A ticket opened a minute after `at`, answered `i % 90` minutes in (due in an hour),
/// two thirds resolved (some after the day's target).
async fn ticket(
    tx: &mut madoguchi::storage::Tx,
    conversation: i64,
    channel: &str,
    at: chrono::DateTime<Utc>,
    i: u64,
) {
    let opened = at + Duration::minutes(1);
    let resolved = (!i.is_multiple_of(3)).then(|| opened + Duration::hours((i % 40) as i64));
    sql(
        "INSERT INTO tickets (conversation_id, channel, status, subject, transcript, category, \
         opened_at, updated_at, resolved_at, first_response_due, resolution_due) \
         VALUES ($1, $2, $3, $4, '', $5, $6, $6, $7, $8, $9)",
    )
    .bind(conversation)
    .bind(channel)
    .bind(if resolved.is_some() {
        "resolved"
    } else {
        "in_progress"
    })
    .bind("メールが送れない")
    .bind(["メール", "プリンター", "ネットワーク"][(i % 3) as usize])
    .bind(opened)
    .bind(resolved)
    .bind(opened + Duration::hours(1))
    .bind(opened + Duration::days(1))
    .execute(&mut tx.conn())
    .await
    .unwrap();
    let reply = opened + Duration::minutes((i % 90) as i64);
    message(tx, conversation, channel, "out", "operator", reply).await;
}

async fn run(args: Args) {
    let dir = tempfile::tempdir().unwrap();
    let root = repo();
    let database_url = match &args.postgres {
        Some(url) => Some(fresh_schema(url).await),
        None => None,
    };
    let settings = Settings {
        data_dir: dir.path().to_path_buf(),
        database_url,
        kb_dir: root.join("knowledge-base"),
        prompts_dir: root.join("prompts"),
        ..Settings::default()
    };
    let helpdesk = Helpdesk::open(settings).await.unwrap();
    let store = helpdesk.store();
    let started = Instant::now();
    seed(store, &args).await;
    eprintln!(
        "{} conversations, {} tickets stored in {:.1} s ({})",
        args.conversations,
        args.tickets,
        started.elapsed().as_secs_f64(),
        store.backend_name()
    );
    let span = || Span::fiscal_year(2026).unwrap();
    let (mut whole, mut gather) = (Vec::new(), Vec::new());
    for round_no in 0..=args.rounds {
        let t = Instant::now();
        let report = reports::gather(store, span()).await.unwrap();
        let gathered = t.elapsed().as_secs_f64();
        let html = reports::render_html(&report);
        let tables = reports::csv_tables(&report);
        let total = t.elapsed().as_secs_f64();
        assert!(html.contains("<svg") && !tables.is_empty());
        let asked: i64 = report.by_day.iter().map(|d| d.questions).sum();
        assert_eq!(
            asked as u64, args.conversations,
            "every question is in the year"
        );
        assert_eq!(report.sla.opened as u64, args.tickets);
        if round_no > 0 {
            whole.push(total);
            gather.push(gathered);
        }
    }
    println!(
        "backend: {}, conversations: {}, tickets: {}, rounds: {}",
        store.backend_name(),
        args.conversations,
        args.tickets,
        args.rounds
    );
    println!("| annual report (fiscal year 2026) | median s | min s | max s |");
    println!("| --- | ---: | ---: | ---: |");
    for (name, mut times) in [
        ("gather + HTML + CSV (the command's work)", whole),
        ("gather alone (the queries)", gather),
    ] {
        times.sort_by(f64::total_cmp);
        println!(
            "| {name} | {} | {} | {} |",
            round(median(&times), 3),
            round(times[0], 3),
            round(*times.last().unwrap(), 3)
        );
    }
}

/// A new schema in the PostgreSQL database at `url`, as a URL that uses it.
async fn fresh_schema(url: &str) -> String {
    use sqlx::Connection;
    let schema = format!("bench_reports_{}", std::process::id());
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-c%20search_path%3D{schema}")
}
