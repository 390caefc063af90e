//! Benchmark of a request transition (issue 11's target: under 10 ms p99 in process): each
//! action is one transaction (the version-checked change, its history line, the work
//! order on approval, the audit row and the notice).
//!
//! Run: `cargo bench --bench requests -- [--requests 10000] [--rounds 1000] [--postgres URL]`
//!
//! A helpdesk on a fresh SQLite database in a temporary folder (or a fresh schema in the
//! PostgreSQL database at `--postgres`), 2,000 made-up staff and `--requests` account
//! requests already there; then `--rounds` more requests are each approved (by an admin),
//! started and completed (by an operator) through `Requests::act`, timing every call
//! (after 20 warm-up rounds). Beside them, the submission (`Requests::submit`: the
//! answers checked against the type and the staff directory, then one transaction).

mod common;

use std::time::Instant;

use madoguchi::accounts::{HashedPassword, NewUser, Role};
use madoguchi::config::Settings;
use madoguchi::domain::RequestAction;
use madoguchi::helpdesk::Helpdesk;
use madoguchi::requests::{Acting, Capacity};

use common::{for_each_arg, median, number, percentile, repo, round};

struct Args {
    requests: u64,
    rounds: u64,
    postgres: Option<String>,
}

fn main() {
    let mut args = Args {
        requests: 10_000,
        rounds: 1000,
        postgres: None,
    };
    for_each_arg(|a, value| match a {
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
        Some(url) => Some(common::fresh_schema(url, "bench_requests").await),
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
    for (login, role) in [("admin", Role::Admin), ("op", Role::Operator)] {
        helpdesk
            .store()
            .create_user(&NewUser {
                login: login.into(),
                display_name: login.into(),
                role,
                password: HashedPassword::new("benchmark passphrase").unwrap(),
            })
            .await
            .unwrap();
    }
    common::seed_staff(&helpdesk, 2000).await;
    let started = Instant::now();
    common::seed_requests(&helpdesk, args.requests, 2000).await;
    eprintln!(
        "{} requests stored in {:.1} s ({})",
        args.requests,
        started.elapsed().as_secs_f64(),
        helpdesk.store().backend_name()
    );
    let requests = helpdesk.requests();
    let admin = Acting {
        login: "admin",
        capacity: Capacity::Approver,
    };
    let operator = Acting {
        login: "op",
        capacity: Capacity::Operator,
    };
    let steps = [
        (
            "approve (work order written)",
            admin,
            RequestAction::Approve,
        ),
        ("start", operator, RequestAction::Start),
        ("complete", operator, RequestAction::Complete),
    ];
    let mut submit = Vec::new();
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); steps.len()];
    for round_no in 0..args.rounds + 20 {
        let t = Instant::now();
        let id = common::seed_requests(&helpdesk, 1, 2000).await[0];
        let submitted = t.elapsed().as_secs_f64() * 1000.0;
        for (i, (_, acting, action)) in steps.iter().enumerate() {
            let t = Instant::now();
            requests
                .act(id, *acting, *action, None, None, None)
                .await
                .unwrap();
            if round_no >= 20 {
                times[i].push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        if round_no >= 20 {
            submit.push(submitted);
        }
    }
    println!(
        "backend: {}, requests before: {}, rounds: {}",
        helpdesk.store().backend_name(),
        args.requests,
        args.rounds
    );
    println!("| call | median ms | p99 ms | max ms |");
    println!("| --- | ---: | ---: | ---: |");
    let mut all = Vec::new();
    let rows = steps
        .iter()
        .map(|(name, _, _)| *name)
        .zip(times)
        .chain(std::iter::once((
            "peer: submit (checked, one transaction)",
            submit,
        )));
    for (name, mut t) in rows {
        t.sort_by(f64::total_cmp);
        if !name.starts_with("peer") {
            all.extend_from_slice(&t);
        }
        println!(
            "| {name} | {} | {} | {} |",
            round(median(&t), 3),
            round(percentile(&t, 99.0), 3),
            round(*t.last().unwrap(), 3)
        );
    }
    all.sort_by(f64::total_cmp);
    println!(
        "| every transition | {} | {} | {} |",
        round(median(&all), 3),
        round(percentile(&all, 99.0), 3),
        round(*all.last().unwrap(), 3)
    );
}
