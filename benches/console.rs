//! Benchmark of the operator console's queue page with 10,000 tickets and 10,000 requests
//! (issues 4 and 11: renders in under 100 ms on this machine).
//!
//! Run: `cargo bench --bench console -- [--tickets 10000] [--requests 10000] [--rounds 200] [--postgres URL]`
//!
//! A helpdesk on a fresh SQLite database in a temporary folder (or a fresh schema in the
//! PostgreSQL database at `--postgres`), the bundled knowledge base, `--tickets` tickets
//! spread over statuses, channels, categories and assignees (a third of them open), and a
//! signed-in admin; `--requests` account requests (申請) by 2,000 made-up staff. Each page is requested `--rounds` times through the whole HTTP
//! application in process (routing, session check, queries, template), after 20 warm-up
//! requests; the figures are the median, p95 and maximum of the wall time per request.
//! Beside them, in the same run: the queue's SQL alone (`Store::ticket_page`, the peer that
//! shows what rendering adds) and `GET /healthz` (the router's floor).

mod common;

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::{header, Request};
use http_body_util::BodyExt;
use madoguchi::accounts::{HashedPassword, NewUser, Role};
use madoguchi::config::Settings;
use madoguchi::domain::{Channel, TicketStatus};
use madoguchi::helpdesk::Helpdesk;
use madoguchi::storage::{ConversationKey, NewTicket, TicketFilter, TicketUpdate};
use tower::ServiceExt;

use common::{for_each_arg, median, number, percentile, repo, round};

struct Args {
    tickets: u64,
    requests: u64,
    rounds: u64,
    postgres: Option<String>,
}

fn main() {
    let mut args = Args {
        tickets: 10_000,
        requests: 10_000,
        rounds: 200,
        postgres: None,
    };
    for_each_arg(|a, value| match a {
        "--tickets" => args.tickets = number(&value()),
        "--requests" => args.requests = number(&value()),
        "--rounds" => args.rounds = number(&value()),
        "--postgres" => args.postgres = Some(value()),
        _ => common::die(&format!("unknown option {a}")),
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run(args));
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
    let helpdesk = Arc::new(Helpdesk::open(settings).await.unwrap());
    let store = &helpdesk.store();
    let started = Instant::now();
    for i in 0..args.tickets {
        let key = ConversationKey {
            channel: [Channel::LogoChat, Channel::Widget][(i % 2) as usize],
            room: format!("room-{i}"),
            user_ref: format!("user-{i}"),
        };
        let conversation = store
            .open_conversation(&key, &format!("token-{i}"))
            .await
            .unwrap();
        let now = helpdesk.now();
        let id = store
            .open_ticket(&NewTicket {
                staff_no: Some(format!("{}", 20000 + i % 2000)),
                requester_name: Some(format!("職員 {}", i % 2000)),
                first_response_due: Some(now + chrono::Duration::minutes(i as i64 % 120 - 60)),
                resolution_due: Some(now + chrono::Duration::hours(i as i64 % 48 - 12)),
                ..NewTicket::new(
                    conversation.id,
                    key.channel,
                    format!("プリンターで印刷できません（{i}件目）"),
                )
            })
            .await
            .unwrap();
        // Two thirds resolved or closed, the rest new, in progress or on hold.
        let status = [
            TicketStatus::Resolved,
            TicketStatus::New,
            TicketStatus::Closed,
            TicketStatus::InProgress,
            TicketStatus::Resolved,
            TicketStatus::OnHold,
        ][(i % 6) as usize];
        store
            .update_ticket(
                id,
                &TicketUpdate {
                    status: Some(status),
                    assignee: (status != TicketStatus::New).then(|| Some(format!("op{}", i % 5))),
                    category: Some(Some(
                        ["メール", "プリンター", "ネットワーク", "アカウント"][(i % 4) as usize]
                            .into(),
                    )),
                    ..TicketUpdate::default()
                },
            )
            .await
            .unwrap();
    }
    eprintln!(
        "{} tickets stored in {:.1} s ({})",
        args.tickets,
        started.elapsed().as_secs_f64(),
        store.backend_name()
    );
    let started = Instant::now();
    common::seed_staff(&helpdesk, 2000).await;
    common::seed_requests(&helpdesk, args.requests, 2000).await;
    eprintln!(
        "{} requests stored in {:.1} s",
        args.requests,
        started.elapsed().as_secs_f64()
    );
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
        ("queue page (open tickets, 100 rows)", "/operator"),
        (
            "queue page (all, overdue)",
            "/operator?status=all&overdue=1",
        ),
        ("queue page (all, page 50)", "/operator?status=all&page=50"),
        ("queue rows (live update)", "/operator/queue/rows"),
        (
            "queue search (所属, all)",
            "/operator?status=all&q=%E8%B2%A1%E6%94%BF%E8%AA%B2",
        ),
        (
            "queue search (text, all)",
            "/operator?status=all&q=%E5%8D%B0%E5%88%B7",
        ),
        ("requests page (open, 100 rows)", "/operator/requests"),
        (
            "requests search (氏名)",
            "/operator/requests?q=%E8%81%B7%E5%93%A1%20123",
        ),
        ("healthz (floor)", "/healthz"),
    ] {
        let mut times = Vec::new();
        let mut bytes = 0;
        for round_no in 0..args.rounds + 20 {
            let t = Instant::now();
            let response = app.clone().oneshot(get(uri)).await.unwrap();
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
    let mut sql = Vec::new();
    let filter = TicketFilter {
        open_only: true,
        ..TicketFilter::default()
    };
    for round_no in 0..args.rounds + 20 {
        let t = Instant::now();
        let page = store
            .ticket_page(&filter, chrono::Utc::now(), 0, 100)
            .await
            .unwrap();
        assert_eq!(page.tickets.len(), 100);
        if round_no >= 20 {
            sql.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    results.push(("peer: the queue's SQL alone (open, 100 rows)", sql, 0));

    println!(
        "backend: {}, tickets: {}, requests: {}, rounds: {}",
        store.backend_name(),
        args.tickets,
        args.requests,
        args.rounds
    );
    println!("| request | median ms | p95 ms | max ms | bytes |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (name, mut times, bytes) in results {
        times.sort_by(f64::total_cmp);
        println!(
            "| {name} | {} | {} | {} | {bytes} |",
            round(median(&times), 3),
            round(percentile(&times, 95.0), 3),
            round(*times.last().unwrap(), 3)
        );
    }
}

/// A new schema in the PostgreSQL database at `url`, as a URL that uses it.
async fn fresh_schema(url: &str) -> String {
    use sqlx::Connection;
    let schema = format!("bench_console_{}", std::process::id());
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
