//! Reliability of conversations against the real `madoguchi` binary (the debug build
//! `cargo test` makes): SIGKILL at several points of a burst of LoGoチャット messages, an
//! operator reply queued while the outgoing URL is down and delivered after a restart, and
//! the per-room order of outbox deliveries while the receiver fails half of the time.
//!
//! Everything runs on SQLite in temporary folders and needs nothing but the binary; the
//! database is checked by reading the server's SQLite file directly. Deadlines are
//! generous and waits poll, for a busy 2-core machine.

#[path = "reliability/support.rs"]
mod support;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use madoguchi::domain::{Author, Direction, OutboxStatus};
use serde_json::{json, Value};
use support::{Message, Mode, Receiver, Server, ServerOptions};

// ---------------------------------------------------------------------------------------
// a) SIGKILL at several points of a burst

const BURST: usize = 1_000;
const BURST_ROOMS: usize = 50;
const SENDERS: usize = 8;
/// The server is killed when this many messages have been answered in a round; every
/// round sends the whole burst again from the start, as the platform would.
const KILL_AFTER: [usize; 3] = [250, 550, 850];

/// What staff type: questions, small talk, and answers to the bot (はい and いいえ to
/// 解決しましたか, numbers from a list), so that turns record feedback and open tickets.
const TEXTS: &[&str] = &[
    "ＶＰＮつながらない",
    "パスワードを忘れた",
    "こんにちは",
    "印刷できない",
    "いいえ",
    "1",
    "はい",
    "メールが送れない",
    "ﾌﾟﾘﾝﾀｰが動かない",
    "ありがとう",
    "Teamsで音が聞こえない",
    "2",
    "共有フォルダが開けない",
    "画面が固まった",
    "はい",
    "いいえ",
];

/// 1,000 messages over 50 rooms (one user each), texts from a seeded generator; the 4th
/// message of rooms 0-9 is 「担当者」 (escalations).
fn burst_messages() -> Vec<Message> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..BURST)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let room = i % BURST_ROOMS;
            let text = if room < 10 && i / BURST_ROOMS == 3 {
                "担当者"
            } else {
                TEXTS[(x % TEXTS.len() as u64) as usize]
            };
            Message::new(
                &format!("burst-{i:04}"),
                &format!("room-burst-{room:02}"),
                &format!("logo-user-{room:02}"),
                text,
            )
        })
        .collect()
}

/// How one send went: the status and body, or the transport error.
type Outcome = Result<(u16, Value), String>;

/// Sends `messages` from [`SENDERS`] concurrent tasks, each owning some rooms and sending
/// their messages in order (so that every run of the burst holds the same conversations);
/// `answered` counts the 2xx. Returns one outcome per message, `None` when a sender gave
/// up after the server went away.
async fn send_all(
    base: String,
    messages: Arc<Vec<Message>>,
    answered: Arc<AtomicUsize>,
) -> Vec<Option<Outcome>> {
    let client = support::client();
    let outcomes: Arc<Mutex<Vec<Option<Outcome>>>> =
        Arc::new(Mutex::new(vec![None; messages.len()]));
    let tasks: Vec<_> = (0..SENDERS)
        .map(|sender| {
            let (client, base, messages) = (client.clone(), base.clone(), messages.clone());
            let (answered, outcomes) = (answered.clone(), outcomes.clone());
            tokio::spawn(async move {
                let mine = (0..messages.len()).filter(|i| i % BURST_ROOMS % SENDERS == sender);
                for i in mine {
                    let outcome = support::webhook(&client, &base, &messages[i])
                        .await
                        .map_err(|e| e.to_string());
                    let gone = outcome.is_err();
                    if matches!(outcome, Ok((200..=299, _))) {
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    outcomes.lock().unwrap()[i] = Some(outcome);
                    if gone {
                        // The server was killed: the rest of this sender's rooms wait for
                        // the next round (a room's later messages never overtake).
                        break;
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a sender task");
    }
    let all = std::mem::take(&mut *outcomes.lock().unwrap());
    all
}

/// Whether a set of replies was written by one turn: one transaction, so consecutive ids
/// and one timestamp.
fn one_turn(replies: &[support::Row]) -> bool {
    replies
        .windows(2)
        .all(|w| w[1].id == w[0].id + 1 && w[1].created_at == w[0].created_at)
}

fn joined(replies: &[support::Row]) -> String {
    replies
        .iter()
        .map(|r| r.text.as_str())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The 2xx answers of a round, by message index; panics on an error status.
fn answered_in(round: &[Option<Outcome>], log: &str) -> HashMap<usize, Value> {
    let mut ok = HashMap::new();
    for (i, outcome) in round.iter().enumerate() {
        match outcome {
            Some(Ok((200..=299, body))) => {
                assert!(
                    body["text"].as_str().is_some_and(|t| !t.is_empty()),
                    "message {i}: {body}"
                );
                ok.insert(i, body.clone());
            }
            Some(Ok((status, body))) => panic!("message {i} refused with {status}: {body}\n{log}"),
            // Sent when the server died, or never sent: the next round sends it again.
            Some(Err(_)) | None => {}
        }
    }
    ok
}

/// The whole burst once, on a fresh data folder, nothing killed: how many rows each kind
/// of record should have.
async fn reference_counts(work: &std::path::Path, messages: &Arc<Vec<Message>>) -> support::Counts {
    let data = work.join("reference");
    let mut server = Server::start(work, &data, "reference", &ServerOptions::default()).await;
    let all = send_all(
        server.base(),
        messages.clone(),
        Arc::new(AtomicUsize::new(0)),
    )
    .await;
    let log = server.log();
    server.kill();
    assert_eq!(answered_in(&all, &log).len(), BURST, "{log}");
    let db = support::open_db(&data).await;
    let counts = support::counts(&db).await;
    db.close().await;
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_at_several_points_loses_nothing_and_every_resent_message_is_answered_once() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let options = ServerOptions::default();
    let messages = Arc::new(burst_messages());
    let expected = reference_counts(work.path(), &messages).await;
    assert!(
        expected.feedback > 0 && expected.tickets >= 10,
        "{expected:?}"
    );

    // Rounds that are killed part-way; each sends everything again from the start.
    let mut first_answer: HashMap<usize, Value> = HashMap::new();
    for (round, kill_after) in KILL_AFTER.iter().enumerate() {
        let tag = format!("round-{round}");
        let mut server = Server::start(work.path(), &data, &tag, &options).await;
        let answered = Arc::new(AtomicUsize::new(0));
        let burst = tokio::spawn(send_all(server.base(), messages.clone(), answered.clone()));
        let deadline = Instant::now() + Duration::from_secs(180);
        while answered.load(Ordering::SeqCst) < *kill_after {
            assert!(
                !burst.is_finished(),
                "round {round} ended before {kill_after} answers\n{}",
                server.log()
            );
            support::poll_pause(deadline, || {
                format!(
                    "round {round}: fewer than {kill_after} answers\n{}",
                    server.log()
                )
            })
            .await;
        }
        server.kill();
        let log = server.log();
        let ok = answered_in(&burst.await.expect("the burst"), &log);
        assert!(
            ok.len() < BURST,
            "round {round}: the kill interrupted nothing"
        );
        for (i, body) in ok {
            let before = first_answer.entry(i).or_insert_with(|| body.clone());
            assert_eq!(
                &body, before,
                "message {i}: answered differently when resent"
            );
        }
        // Every answered message is stored with the replies that were sent.
        let db = support::open_db(&data).await;
        let rows = support::messages(&db).await;
        db.close().await;
        let inbound = support::inbound_by_message_id(&rows);
        let replies = support::replies_by_inbound(&rows);
        for (i, body) in &first_answer {
            let id = &messages[*i].message_id;
            let row = inbound
                .get(id)
                .unwrap_or_else(|| panic!("{id} was answered but is not stored"));
            let stored = replies.get(&row.id).map(Vec::as_slice).unwrap_or_default();
            assert_eq!(Some(joined(stored).as_str()), body["text"].as_str(), "{id}");
        }
    }

    // The last round runs to the end.
    let mut server = Server::start(work.path(), &data, "final", &options).await;
    let last = send_all(
        server.base(),
        messages.clone(),
        Arc::new(AtomicUsize::new(0)),
    )
    .await;
    let log = server.log();
    server.kill();
    let ok = answered_in(&last, &log);
    assert_eq!(ok.len(), BURST, "{log}");
    for (i, body) in &ok {
        if let Some(before) = first_answer.get(i) {
            assert_eq!(
                body, before,
                "message {i}: answered differently when resent"
            );
        }
    }

    // The database: each message once, each with one set of replies written by one turn,
    // and exactly the questions, feedback and tickets of the run that was never killed.
    let db = support::open_db(&data).await;
    let rows = support::messages(&db).await;
    let counts = support::counts(&db).await;
    db.close().await;
    assert_eq!(
        counts, expected,
        "rows after kills and resends vs. an uninterrupted run"
    );
    let inbound_rows = rows.iter().filter(|r| r.direction == Direction::In).count();
    assert_eq!(inbound_rows, BURST, "inbound rows");
    let inbound = support::inbound_by_message_id(&rows);
    let replies = support::replies_by_inbound(&rows);
    for (i, message) in messages.iter().enumerate() {
        let id = &message.message_id;
        let set = replies
            .get(&inbound[id].id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        assert!(!set.is_empty(), "{id} has no reply");
        assert!(
            one_turn(set),
            "{id} has replies from more than one turn: {set:#?}"
        );
        assert_eq!(Some(joined(set).as_str()), ok[&i]["text"].as_str(), "{id}");
    }
    eprintln!(
        "burst: killed after {KILL_AFTER:?} answers per round; {} first answered before a kill; {expected:?}",
        first_answer.len()
    );
}

// ---------------------------------------------------------------------------------------
// b) An operator reply queued while the outgoing URL is down, delivered after a restart

/// Fast retries, so that a pending item is due soon after the restart.
const QUICK_RETRIES: &str =
    "[outbox]\nfirst_delay_ms = 200\nmax_delay_secs = 2\nmax_attempts = 1000\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn operator_reply_queued_while_the_receiver_is_down_is_delivered_after_sigkill_and_restart() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let client = support::client();
    let (room, user) = ("room-outbox-restart", "logo-outbox-user");
    let reply = "担当者の山田です。VPNの接続を確認しました。";

    // 1. The outgoing URL points at a port where nothing listens.
    let down = ServerOptions {
        outgoing_url: Some(format!(
            "http://127.0.0.1:{}/logochat/outgoing",
            support::dead_port()
        )),
        config: Some(QUICK_RETRIES.into()),
        ..ServerOptions::default()
    };
    let mut server = Server::start(work.path(), &data, "outbox-1", &down).await;
    let base = server.base();
    let ticket = support::open_ticket(&client, &base, "outbox-restart-1", room, user).await;
    let (status, tickets) = support::operator(&client, &base, "/api/v1/tickets", None).await;
    assert_eq!(status, 200, "{tickets}");
    assert!(
        tickets
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == ticket),
        "ticket #{ticket} not listed: {tickets}"
    );
    let (status, acted) = support::operator(
        &client,
        &base,
        &format!("/api/v1/tickets/{ticket}/reply"),
        Some(json!({"operator": "山田", "text": reply})),
    )
    .await;
    assert_eq!(status, 200, "{acted}");
    // The worker has tried (and failed) at least once: the item is pending, not delivered.
    let deadline = Instant::now() + Duration::from_secs(30);
    let item = loop {
        let (status, items) = support::operator(&client, &base, "/api/v1/outbox", None).await;
        assert_eq!(status, 200, "{items}");
        let items = items.as_array().cloned().unwrap_or_default();
        assert_eq!(items.len(), 1, "one item queued: {items:?}");
        assert_eq!(items[0]["status"], "pending", "{items:?}");
        if items[0]["attempts"].as_i64().unwrap_or(0) >= 1 {
            break items[0].clone();
        }
        support::poll_pause(deadline, || {
            format!("no failed attempt within 30 s: {items:?}\n{}", server.log())
        })
        .await;
    };
    assert!(
        item["last_error"].as_str().is_some_and(|e| !e.is_empty()),
        "{item}"
    );
    server.kill();

    let db = support::open_db(&data).await;
    let queued = support::outbox(&db).await;
    db.close().await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].status, OutboxStatus::Pending, "{queued:?}");
    assert_eq!(queued[0].room, room);
    let payload: Value = serde_json::from_str(&queued[0].payload).expect("payload is JSON");
    assert_eq!(payload["text"], reply, "{payload}");
    let outbox_id = queued[0].id;

    // 2. The receiver is up now; the server restarts pointed at it.
    let receiver = Receiver::start(Mode::Accept).await;
    let up = ServerOptions {
        outgoing_url: Some(receiver.url.clone()),
        config: Some(QUICK_RETRIES.into()),
        ..ServerOptions::default()
    };
    let server = Server::start(work.path(), &data, "outbox-2", &up).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while receiver.accepted_unique().is_empty() {
        support::poll_pause(deadline, || {
            format!(
                "nothing delivered within 15 s of the restart\n{}",
                server.log()
            )
        })
        .await;
    }
    // Marked delivered once the receiver's 200 is recorded.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (_, items) = support::operator(
            &client,
            &server.base(),
            "/api/v1/outbox?status=delivered",
            None,
        )
        .await;
        if items.as_array().is_some_and(|a| a.len() == 1) {
            break;
        }
        support::poll_pause(deadline, || {
            format!("not marked delivered: {items}\n{}", server.log())
        })
        .await;
    }
    drop(server);

    let accepted = receiver.accepted_unique();
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    let delivery = &accepted[0];
    assert_eq!(delivery.id, outbox_id.to_string(), "X-Madoguchi-Delivery");
    assert_eq!(
        delivery.token.as_deref(),
        Some(support::TOKEN),
        "X-Madoguchi-Token"
    );
    assert_eq!(
        delivery.json(),
        json!({"room_id": room, "user_id": user, "text": reply})
    );
    let db = support::open_db(&data).await;
    let outbox = support::outbox(&db).await;
    let rows = support::messages(&db).await;
    db.close().await;
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    assert_eq!(outbox[0].status, OutboxStatus::Delivered, "{outbox:?}");
    assert!(
        outbox[0].attempts >= 2,
        "failed before the restart, then delivered: {outbox:?}"
    );
    let stored: Vec<_> = rows
        .iter()
        .filter(|r| r.author == Author::Operator)
        .collect();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0].text, reply);
}

// ---------------------------------------------------------------------------------------
// c) Per-room order while the receiver fails half of the time

const ORDER_ROOMS: usize = 5;
const REPLIES_PER_ROOM: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn outbox_keeps_each_rooms_order_while_the_receiver_fails_half_of_the_time() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let client = support::client();
    let receiver = Receiver::start(Mode::Flaky { seed: 0x5EED_0003 }).await;
    let options = ServerOptions {
        outgoing_url: Some(receiver.url.clone()),
        config: Some(
            "[outbox]\nfirst_delay_ms = 20\nmax_delay_secs = 1\nmax_attempts = 1000\n".into(),
        ),
        ..ServerOptions::default()
    };
    let server = Server::start(work.path(), &data, "order", &options).await;
    let base = server.base();

    let mut tickets = Vec::new();
    for r in 0..ORDER_ROOMS {
        let room = format!("room-order-{r}");
        let ticket = support::open_ticket(
            &client,
            &base,
            &format!("order-{r}"),
            &room,
            &format!("logo-order-{r}"),
        )
        .await;
        tickets.push((room, ticket));
    }
    // One task per room, sending its replies one after another as fast as they are
    // accepted; the rooms run at the same time.
    let senders: Vec<_> = tickets
        .iter()
        .map(|(room, ticket)| {
            let (client, base, room, ticket) =
                (client.clone(), base.clone(), room.clone(), *ticket);
            tokio::spawn(async move {
                for k in 0..REPLIES_PER_ROOM {
                    let text = format!("{room} への返信 {k}");
                    let (status, body) = support::operator(
                        &client,
                        &base,
                        &format!("/api/v1/tickets/{ticket}/reply"),
                        Some(json!({"operator": "山田", "text": text})),
                    )
                    .await;
                    assert_eq!(status, 200, "{body}");
                }
            })
        })
        .collect();
    for sender in senders {
        sender.await.expect("a reply sender");
    }

    let total = ORDER_ROOMS * REPLIES_PER_ROOM;
    let deadline = Instant::now() + Duration::from_secs(45);
    while receiver.accepted_unique().len() < total {
        support::poll_pause(deadline, || {
            format!(
                "{} of {total} delivered within 45 s ({} requests)\n{}",
                receiver.accepted_unique().len(),
                receiver.deliveries().len(),
                server.log()
            )
        })
        .await;
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (_, items) =
            support::operator(&client, &base, "/api/v1/outbox?status=delivered", None).await;
        if items.as_array().is_some_and(|a| a.len() == total) {
            break;
        }
        support::poll_pause(deadline, || {
            format!("not all marked delivered\n{}", server.log())
        })
        .await;
    }
    drop(server);

    let all = receiver.deliveries();
    let failures = all.iter().filter(|d| d.answered != 200).count();
    assert!(
        failures > 0,
        "the receiver never failed: the test proves nothing"
    );
    // Accepted deliveries, deduplicated by X-Madoguchi-Delivery, in each room's order.
    let mut by_room: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for d in receiver.accepted_unique() {
        let body = d.json();
        let room = body["room_id"].as_str().unwrap_or_default().to_owned();
        by_room
            .entry(room)
            .or_default()
            .push(body["text"].as_str().unwrap_or_default().to_owned());
    }
    for (room, _) in &tickets {
        let expected: Vec<String> = (0..REPLIES_PER_ROOM)
            .map(|k| format!("{room} への返信 {k}"))
            .collect();
        assert_eq!(by_room.get(room), Some(&expected), "{room}");
    }
    // Stronger: no attempt at a room's next message before the one before it was accepted.
    let mut delivered: HashMap<String, HashSet<String>> = HashMap::new();
    let mut order: HashMap<String, Vec<String>> = HashMap::new();
    for d in &all {
        let room = d.json()["room_id"].as_str().unwrap_or_default().to_owned();
        let seen = order.entry(room.clone()).or_default();
        if !seen.contains(&d.id) {
            if let Some(previous) = seen.last() {
                assert!(
                    delivered.get(&room).is_some_and(|s| s.contains(previous)),
                    "{room}: delivery {} attempted before {previous} was accepted",
                    d.id
                );
            }
            seen.push(d.id.clone());
        }
        if d.answered == 200 {
            delivered.entry(room).or_default().insert(d.id.clone());
        }
    }
    let db = support::open_db(&data).await;
    let outbox = support::outbox(&db).await;
    db.close().await;
    assert_eq!(outbox.len(), total);
    assert!(
        outbox.iter().all(|o| o.status == OutboxStatus::Delivered),
        "{outbox:?}"
    );
    for (room, _) in &tickets {
        assert_eq!(
            outbox.iter().filter(|o| &o.room == room).count(),
            REPLIES_PER_ROOM,
            "{room}"
        );
    }
    eprintln!(
        "order: {total} delivered with {} requests ({failures} answered 500)",
        all.len()
    );
}
