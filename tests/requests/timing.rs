//! How long a request transition takes in process (run on demand:
//! `cargo test --test requests timing -- --ignored --nocapture`). Prints p50 and p99 of
//! approve + start + complete over 300 requests on SQLite in a temporary folder.

use std::time::Instant;

use madoguchi::domain::RequestAction;

use crate::support::{account_fields, admin, operator, request_desk, submission, ADMIN};

#[tokio::test]
#[ignore = "a measurement, not a check; run it on demand"]
async fn request_transitions_in_process() {
    let d = request_desk(None).await;
    let requests = d.helpdesk.requests();
    let mut times = Vec::new();
    for _ in 0..300 {
        let row = requests
            .submit(submission("ad-account-add", account_fields()))
            .await
            .unwrap();
        for (action, approver) in [
            (RequestAction::Approve, true),
            (RequestAction::Start, false),
            (RequestAction::Complete, false),
        ] {
            let acting = if approver { admin(ADMIN) } else { operator() };
            let started = Instant::now();
            requests
                .act(row.id, acting, action, None, None, None)
                .await
                .unwrap();
            times.push(started.elapsed());
        }
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "request transitions: n={} p50={:?} p99={:?} max={:?}",
        times.len(),
        at(0.50),
        at(0.99),
        times[times.len() - 1]
    );
}
