//! Several instances on one PostgreSQL database, as a shared service for many
//! municipalities runs them: three real `madoguchi serve` processes, 600 LoGoチャット
//! messages for 30 conversations sent round-robin over them (and in every room
//! 「担当者と話したい」 twice at the same moment to two instances), then an FAQ entry
//! published through one instance's console and asked through the other two.
//!
//! Needs PostgreSQL (`MADOGUCHI_TEST_POSTGRES_URL`); without it the test prints a notice
//! and passes, and with `MADOGUCHI_REQUIRE_POSTGRES=1` (CI) it fails instead.

// Shared with the storage and reliability tests: not every helper is used here.
#[allow(dead_code)]
#[path = "storage/db.rs"]
mod db;
#[allow(dead_code)]
#[path = "reliability/support.rs"]
mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use madoguchi::domain::{Channel, Direction, OutboxRoute, OutboxStatus};
use madoguchi::storage::{ConversationKey, StoredMessage};
use serde_json::Value;
use support::{Message, Mode, Receiver, Server, ServerOptions};

const INSTANCES: usize = 3;
const ROOMS: usize = 30;
/// Messages per room: 18 one after another, then the two sent at once.
const SEQUENTIAL: usize = 18;
/// After this many sequential messages, a room sends 「担当者と話したい」 to two instances
/// at once.
const RACE_AT: usize = 10;

const TEXTS: &[&str] = &[
    "ＶＰＮつながらない",
    "パスワードを忘れた",
    "いいえ",
    "1",
    "はい",
    "印刷できない",
    "こんにちは",
    "メールが送れない",
    "2",
    "ありがとう",
    "共有フォルダが開けない",
];

fn room(r: usize) -> String {
    format!("room-shared-{r:02}")
}

fn user(r: usize) -> String {
    format!("logo-shared-{r:02}")
}

/// The messages of room `r`, in the order they are sent (the race pair last).
fn room_messages(r: usize) -> (Vec<Message>, [Message; 2]) {
    let mut x = 0x9E37_79B9_7F4A_7C15_u64 ^ (r as u64 + 1);
    let sequential = (0..SEQUENTIAL)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let text = TEXTS[(x % TEXTS.len() as u64) as usize];
            Message::new(&format!("shared-{r:02}-{i:02}"), &room(r), &user(r), text)
        })
        .collect();
    let race = ["a", "b"].map(|tag| {
        Message::new(
            &format!("shared-{r:02}-race-{tag}"),
            &room(r),
            &user(r),
            "担当者と話したい",
        )
    });
    (sequential, race)
}

/// Sends one message, expecting a 200 with a reply.
async fn send(client: &reqwest::Client, base: &str, message: &Message) -> Value {
    let (status, body) = support::webhook(client, base, message)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", message.message_id));
    assert_eq!(status, 200, "{}: {body}", message.message_id);
    assert!(
        body["text"].as_str().is_some_and(|t| !t.is_empty()),
        "{}: no reply: {body}",
        message.message_id
    );
    body
}

/// Room `r`'s conversation: its messages one after another, each to the next instance in
/// turn, with the race pair sent at once to two different instances.
async fn converse(client: reqwest::Client, bases: Arc<Vec<String>>, r: usize) -> Vec<String> {
    let (sequential, race) = room_messages(r);
    let mut order = Vec::new();
    for (i, message) in sequential.iter().enumerate() {
        if i == RACE_AT {
            let first = &bases[(r + i) % INSTANCES];
            let second = &bases[(r + i + 1) % INSTANCES];
            tokio::join!(
                send(&client, first, &race[0]),
                send(&client, second, &race[1])
            );
        }
        send(&client, &bases[(r + i) % INSTANCES], message).await;
        order.push(message.message_id.clone());
    }
    order
}

/// Starts an instance on the shared database.
async fn instance(
    work: &std::path::Path,
    n: usize,
    database_url: &str,
    receiver: &Receiver,
) -> Server {
    let options = ServerOptions {
        outgoing_url: Some(receiver.url.clone()),
        database_url: Some(database_url.to_owned()),
        config: Some(format!(
            "[notify]\nconsole_base_url = \"http://console.example\"\nlogochat_room = \"operators\"\nlogochat_url = \"{}\"\n\
             [outbox]\nfirst_delay_ms = 100\nmax_delay_secs = 1\n",
            receiver.url
        )),
    };
    let data = work.join(format!("instance-{n}"));
    Server::start(work, &data, &format!("instance-{n}"), &options).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_on_one_postgresql_keep_every_conversation_in_order() {
    let Some(db) = db::postgres().await else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let receiver = Receiver::start(Mode::Accept).await;
    let mut servers = Vec::new();
    for n in 0..INSTANCES {
        servers.push(instance(work.path(), n, &db.url, &receiver).await);
    }
    let bases = Arc::new(servers.iter().map(Server::base).collect::<Vec<_>>());
    let client = support::client();

    let rooms: Vec<_> = (0..ROOMS)
        .map(|r| tokio::spawn(converse(client.clone(), bases.clone(), r)))
        .collect();
    let mut sent_order: HashMap<usize, Vec<String>> = HashMap::new();
    for (r, task) in rooms.into_iter().enumerate() {
        sent_order.insert(r, task.await.expect("a room's conversation"));
    }

    let store = &db.store;
    let mut total_inbound = 0;
    for r in 0..ROOMS {
        let key = ConversationKey {
            channel: Channel::LogoChat,
            room: room(r),
            user_ref: user(r),
        };
        let conversation = madoguchi::storage::conversations::by_key(&mut store.conn(), &key)
            .await
            .unwrap()
            .expect("one conversation per room");
        let messages = store.messages_after(conversation.id, 0).await.unwrap();
        total_inbound += check_turns(r, &messages, &sent_order[&r]);
        let tickets: Vec<_> = store
            .tickets(None, 1_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|t| t.conversation_id == conversation.id)
            .collect();
        assert_eq!(tickets.len(), 1, "room {r}: one ticket, whatever raced");
    }
    assert_eq!(
        total_inbound,
        ROOMS * (SEQUENTIAL + 2),
        "each message stored once"
    );

    // The notices of the 30 tickets: each delivered once, by whichever instance claimed it.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let pending = store
            .outbox(Some(OutboxStatus::Pending), 1_000)
            .await
            .unwrap();
        if pending.is_empty() {
            break;
        }
        support::poll_pause(deadline, || format!("undelivered: {pending:?}")).await;
    }
    // The operators' room also gets the loans' daily list once on a business day after
    // opening time (src/loans/reminders.rs), whenever the test happens to run then: only
    // the tickets' notices are counted.
    let items: Vec<_> = store
        .outbox(None, 1_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|i| !i.delivery().unwrap().text.contains("の予定】"))
        .collect();
    assert_eq!(items.len(), ROOMS, "one notice per ticket: {items:?}");
    assert!(items.iter().all(|i| i.route == OutboxRoute::OperatorsRoom
        && i.status == OutboxStatus::Delivered
        && i.delivery()
            .unwrap()
            .text
            .starts_with("【新しい問い合わせ】")));
    let deliveries = receiver.deliveries();
    let mut per_item: HashMap<String, usize> = HashMap::new();
    for delivery in &deliveries {
        if items.iter().any(|i| delivery.id == i.id.to_string()) {
            *per_item.entry(delivery.id.clone()).or_default() += 1;
        }
    }
    assert_eq!(per_item.len(), ROOMS, "{deliveries:?}");
    assert!(
        per_item.values().all(|n| *n == 1),
        "delivered more than once: {per_item:?}"
    );

    publish_on_one_and_ask_the_others(&bases, work.path(), &db.url).await;
    for server in &mut servers {
        server.kill();
    }
}

/// The conversation's messages, oldest first, are whole turns one after another: each
/// inbound message followed by its replies (one turn, one time) before the next inbound
/// one; the sequential messages in the order they were sent. Returns the inbound count.
fn check_turns(r: usize, messages: &[StoredMessage], sent: &[String]) -> usize {
    let mut inbound_order = Vec::new();
    // The inbound message whose turn is being read, and its replies' time.
    let mut turn: Option<(&StoredMessage, Option<chrono::DateTime<chrono::Utc>>)> = None;
    for m in messages {
        match m.direction {
            Direction::In => {
                if let Some((previous, replied)) = turn {
                    assert!(replied.is_some(), "room {r}: {previous:?} has no reply");
                }
                turn = Some((m, None));
                inbound_order.push(m.channel_message_id.clone().unwrap_or_default());
            }
            Direction::Out => {
                let (inbound, replied) = turn
                    .as_mut()
                    .unwrap_or_else(|| panic!("room {r}: a reply before any message"));
                assert_eq!(
                    m.reply_to,
                    Some(inbound.id),
                    "room {r}: a reply to another turn came in between: {messages:#?}"
                );
                let at = *replied.get_or_insert(m.created_at);
                assert_eq!(m.created_at, at, "room {r}: replies of one turn, one time");
            }
        }
    }
    assert!(
        turn.is_some_and(|(_, replied)| replied.is_some()),
        "room {r}: the last message has no reply"
    );
    let sequential: Vec<&String> = inbound_order
        .iter()
        .filter(|id| !id.contains("-race-"))
        .collect();
    assert_eq!(
        sequential,
        sent.iter().collect::<Vec<_>>(),
        "room {r}: order"
    );
    inbound_order.len()
}

/// An admin publishes a new entry through instance 0's console; instances 1 and 2 answer
/// a question with it within 2 seconds.
async fn publish_on_one_and_ask_the_others(
    bases: &[String],
    work: &std::path::Path,
    database_url: &str,
) {
    add_admin(work, database_url);
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let console = &bases[0];
    let session = sign_in(&browser, console).await;
    let queue = browser
        .get(format!("{console}/operator"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden(&queue, "csrf");
    let question = "庁舎の屋上で伝書鳩を飼う許可の申請方法";
    let saved = browser
        .post(format!("{console}/operator/faqs/new"))
        .header("cookie", &session)
        .form(&[
            ("csrf", csrf.as_str()),
            ("id", "pigeon-permit"),
            ("title", question),
            ("category", "ヘルプデスク"),
            ("body", "総務課に伝書鳩飼育届を出してください。"),
            ("published", "on"),
            ("action", "save"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        saved.status().as_u16(),
        303,
        "{}",
        saved.text().await.unwrap()
    );
    let published = Instant::now();
    let asker = support::client();
    for base in &bases[1..] {
        loop {
            let answer: Value = asker
                .post(format!("{base}/api/v1/ask"))
                .json(&serde_json::json!({"text": question}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if answer["answer"]["id"] == "pigeon-permit" {
                break;
            }
            let waited = published.elapsed();
            assert!(
                waited < Duration::from_secs(2),
                "{base} still does not answer with the entry {waited:?} after it was published: {answer}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    eprintln!(
        "instances: the entry published on one was answered by the others after {:?}",
        published.elapsed()
    );
}

/// `madoguchi user add admin --role admin` on the shared database.
fn add_admin(work: &std::path::Path, database_url: &str) {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .args([
            "user",
            "add",
            "admin",
            "--name",
            "管理 三郎",
            "--role",
            "admin",
        ])
        .current_dir(work)
        .env("MADOGUCHI_DATABASE_URL", database_url)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("run madoguchi user add");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"correct horse battery\n")
        .unwrap();
    assert!(child.wait().unwrap().success(), "user add");
}

/// Signs `admin` in through the console's form; the session cookie.
async fn sign_in(browser: &reqwest::Client, base: &str) -> String {
    let form = browser
        .get(format!("{base}/operator/sign-in"))
        .send()
        .await
        .unwrap();
    let double_submit = cookie(&form, "madoguchi_sign_in");
    let token = hidden(&form.text().await.unwrap(), "token");
    let signed = browser
        .post(format!("{base}/operator/sign-in"))
        .header("cookie", format!("madoguchi_sign_in={double_submit}"))
        .form(&[
            ("login", "admin"),
            ("password", "correct horse battery"),
            ("token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed.status().as_u16(), 303);
    format!("madoguchi_session={}", cookie(&signed, "madoguchi_session"))
}

fn cookie(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .map(|rest| rest.split(';').next().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no {name} cookie"))
}

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} field"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}
