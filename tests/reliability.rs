//! Reliability of conversations against the real `madoguchi` binary (the debug build
//! `cargo test` makes): SIGKILL in the middle of a burst of LoGoチャット messages, an
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

use serde_json::{json, Value};
use support::{Message, Mode, Receiver, Server, ServerOptions};

// ---------------------------------------------------------------------------------------
// a) SIGKILL in the middle of a burst

const BURST: usize = 1_000;
const BURST_ROOMS: usize = 50;
const SENDERS: usize = 8;
/// The server is killed once this many messages have been answered.
const KILL_AFTER: usize = BURST / 3;

/// What staff type: questions, small talk, follow-ups to the bot's last reply.
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
];

/// 1,000 messages over 50 rooms (one user each), texts from a seeded generator; the 4th
/// message of rooms 0-4 is 「担当者」.
fn burst_messages() -> Vec<Message> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..BURST)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let room = i % BURST_ROOMS;
            let text = if room < 5 && i / BURST_ROOMS == 3 {
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

/// Sends `messages` from [`SENDERS`] concurrent tasks, each taking the next unsent one;
/// `answered` counts the 2xx. Returns one outcome per message.
async fn send_all(
    base: String,
    messages: Arc<Vec<Message>>,
    answered: Arc<AtomicUsize>,
) -> Vec<Outcome> {
    let client = support::client();
    let next = Arc::new(AtomicUsize::new(0));
    let outcomes: Arc<Mutex<Vec<Option<Outcome>>>> =
        Arc::new(Mutex::new(vec![None; messages.len()]));
    let tasks: Vec<_> = (0..SENDERS)
        .map(|_| {
            let (client, base, messages) = (client.clone(), base.clone(), messages.clone());
            let (next, answered, outcomes) = (next.clone(), answered.clone(), outcomes.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(message) = messages.get(i) else {
                        break;
                    };
                    let outcome = support::webhook(&client, &base, message)
                        .await
                        .map_err(|e| e.to_string());
                    if matches!(outcome, Ok((200..=299, _))) {
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    outcomes.lock().unwrap()[i] = Some(outcome);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a sender task");
    }
    let outcomes = std::mem::take(&mut *outcomes.lock().unwrap());
    outcomes
        .into_iter()
        .map(|o| o.expect("every message was sent"))
        .collect()
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_mid_burst_loses_no_answered_message_and_retries_are_answered_once() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let options = ServerOptions::default();
    let messages = Arc::new(burst_messages());

    // 1. The burst; SIGKILL once a third has been answered.
    let mut server = Server::start(work.path(), &data, "burst-1", &options).await;
    let answered = Arc::new(AtomicUsize::new(0));
    let burst = tokio::spawn(send_all(server.base(), messages.clone(), answered.clone()));
    let deadline = Instant::now() + Duration::from_secs(120);
    while answered.load(Ordering::SeqCst) < KILL_AFTER {
        assert!(
            !burst.is_finished(),
            "the burst ended before {KILL_AFTER} answers\n{}",
            server.log()
        );
        if Instant::now() > deadline {
            panic!(
                "fewer than {KILL_AFTER} answers within 120 s\n{}",
                server.log()
            );
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    server.kill();
    let first = burst.await.expect("the burst");
    let first_ok: HashMap<usize, Value> = first
        .iter()
        .enumerate()
        .filter_map(|(i, o)| match o {
            Ok((200..=299, body)) => Some((i, body.clone())),
            _ => None,
        })
        .collect();
    let refused: Vec<_> = first
        .iter()
        .filter(|o| matches!(o, Ok((s, _)) if !(200..=299).contains(s)))
        .collect();
    assert!(
        refused.is_empty(),
        "answered with an error status before the kill: {refused:?}"
    );
    assert!(first_ok.len() >= KILL_AFTER, "{} answered", first_ok.len());
    assert!(
        first_ok.len() < BURST,
        "the kill came after the whole burst was answered; nothing was interrupted"
    );
    for (i, body) in &first_ok {
        assert!(
            body["text"].as_str().is_some_and(|t| !t.is_empty()),
            "{}: {body}",
            messages[*i].message_id
        );
    }

    // 2. Every answered message is stored, with the replies that were sent.
    let db = support::open_db(&data).await;
    let rows = support::messages(&db).await;
    db.close().await;
    let inbound = support::inbound_by_message_id(&rows);
    let replies = support::replies_by_inbound(&rows);
    for (i, body) in &first_ok {
        let id = &messages[*i].message_id;
        let row = inbound
            .get(id)
            .unwrap_or_else(|| panic!("{id} was answered 200 but is not in `messages`"));
        let stored = replies.get(&row.id).map(Vec::as_slice).unwrap_or_default();
        assert_eq!(
            Some(joined(stored).as_str()),
            body["text"].as_str(),
            "{id}: the stored replies are not what was answered"
        );
    }
    assert!(inbound.len() <= BURST);
    let first_counts: HashMap<i64, usize> = replies.iter().map(|(k, v)| (*k, v.len())).collect();
    let stored_before = inbound.len();

    // 3. Restart on the same data folder; the platform sends all 1,000 again.
    let mut server = Server::start(work.path(), &data, "burst-2", &options).await;
    let second = send_all(
        server.base(),
        messages.clone(),
        Arc::new(AtomicUsize::new(0)),
    )
    .await;
    server.kill();
    for (i, outcome) in second.iter().enumerate() {
        let id = &messages[i].message_id;
        let body = match outcome {
            Ok((200, body)) => body,
            other => panic!("{id} sent again: {other:?}\n{}", server.log()),
        };
        assert!(
            body["text"].as_str().is_some_and(|t| !t.is_empty()),
            "{id}: {body}"
        );
        if let Some(before) = first_ok.get(&i) {
            assert_eq!(body, before, "{id}: a retried message got another answer");
        }
    }

    // 4. The database: each message once, each with one set of replies.
    let db = support::open_db(&data).await;
    let rows = support::messages(&db).await;
    let duplicate_tickets: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT conversation_id, COUNT(*) FROM tickets GROUP BY conversation_id HAVING COUNT(*) > 1",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    db.close().await;
    let inbound_rows = rows.iter().filter(|r| r.direction == "in").count();
    assert_eq!(inbound_rows, BURST, "inbound rows");
    let inbound = support::inbound_by_message_id(&rows);
    let expected: HashSet<&String> = messages.iter().map(|m| &m.message_id).collect();
    assert_eq!(inbound.keys().collect::<HashSet<_>>(), expected);
    let replies = support::replies_by_inbound(&rows);
    for (i, message) in messages.iter().enumerate() {
        let id = &message.message_id;
        let row = &inbound[id];
        let set = replies.get(&row.id).map(Vec::as_slice).unwrap_or_default();
        assert!(!set.is_empty(), "{id} has no reply");
        assert!(
            one_turn(set),
            "{id} has replies from more than one turn: {set:#?}"
        );
        if let Some(&n) = first_counts.get(&row.id) {
            assert_eq!(
                set.len(),
                n,
                "{id}: replies written again after the restart"
            );
        }
        let Ok((_, body)) = &second[i] else {
            unreachable!()
        };
        assert_eq!(Some(joined(set).as_str()), body["text"].as_str(), "{id}");
    }
    assert!(
        duplicate_tickets.is_empty(),
        "conversations with two tickets: {duplicate_tickets:?}"
    );
    eprintln!(
        "burst: {} answered before SIGKILL, {} stored then, {} after the retries",
        first_ok.len(),
        stored_before,
        inbound_rows
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
    assert_eq!(queued[0].status, "pending", "{queued:?}");
    assert_eq!(queued[0].room, room);
    let payload: Value = serde_json::from_str(&queued[0].payload).expect("payload is JSON");
    assert_eq!(payload["text"], reply, "{payload}");
    let outbox_id = queued[0].id;

    // 2. The receiver is up now; the server restarts pointed at it.
    let receiver = Receiver::start(Mode::Accept).await;
    let up = ServerOptions {
        outgoing_url: Some(receiver.url.clone()),
        config: Some(QUICK_RETRIES.into()),
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
    assert_eq!(outbox[0].status, "delivered", "{outbox:?}");
    assert!(
        outbox[0].attempts >= 2,
        "failed before the restart, then delivered: {outbox:?}"
    );
    let stored: Vec<_> = rows.iter().filter(|r| r.author == "operator").collect();
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
    assert!(outbox.iter().all(|o| o.status == "delivered"), "{outbox:?}");
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
