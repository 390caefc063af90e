//! Typed states in the database: every value of each type is stored, anything else is
//! refused by the database itself, and a row that holds an unknown state anyway fails to
//! load (it is never read as some default).

use madoguchi::domain::{
    Author, Channel, Direction, Handler, OutboxRoute, OutboxStatus, Priority, ProposalStatus, Role,
    TextEnum, TicketStatus,
};
use madoguchi::storage::{
    conversations, messages, sql, tickets, NewTicket, OutboxItem, StorageError, Store, Tx,
};

use crate::conversations::{conversation, key, send};
use crate::db::{backends, story_time};
use crate::learning::faq;

/// A stored-as-text column and the statements that write a value (`$1`) into it.
struct Typed {
    column: &'static str,
    /// Every stored name of the column's type.
    good: Vec<String>,
    /// Text that is not one of them.
    bad: Vec<String>,
    /// A new row with `$1` in the column; `$2` is a conversation id, `$3` the time and
    /// `$4` a text no other row has.
    insert: &'static str,
    /// `$1` into the column of row `$2`.
    update: &'static str,
    /// The column of row `$1`.
    read: &'static str,
    /// The row the updates change.
    row: i64,
}

fn names<T: TextEnum>() -> Vec<String> {
    T::ALL.iter().map(|v| v.as_str().to_owned()).collect()
}

/// Near misses of `T`'s names: `wrong` (a name someone might write), a Japanese label, a
/// name in capitals, a name with a space, and nothing.
fn not_names<T: TextEnum>(wrong: &str) -> Vec<String> {
    let first = T::ALL[0];
    vec![
        wrong.to_owned(),
        first.label().to_owned(),
        first.as_str().to_uppercase(),
        format!("{} ", first.as_str()),
        String::new(),
    ]
}

/// The rows the updates change: a conversation, its ticket, a message, an outbox item,
/// an account and a proposal.
struct Rows {
    conversation: i64,
    ticket: i64,
    message: i64,
    outbox: i64,
    proposal: i64,
}

async fn rows(s: &Store) -> Rows {
    let c = conversation(s, "r1").await;
    let ticket = s
        .open_ticket(&NewTicket::new(c.id, c.channel, "VPN"))
        .await
        .unwrap();
    let message = send(s, &c, "答え").await;
    let outbox = s.outbox(None, 1).await.unwrap()[0].id;
    s.save_faq(&faq("vpn", "VPNにつながらない"), "seed")
        .await
        .unwrap();
    let proposal = s
        .propose_alternative(&madoguchi::storage::NewProposal {
            faq_id: "vpn".into(),
            question: "在宅でつながらない".into(),
            ticket_id: Some(ticket),
            proposed_by: "yamada".into(),
        })
        .await
        .unwrap()
        .unwrap();
    Rows {
        conversation: c.id,
        ticket,
        message,
        outbox,
        proposal,
    }
}

fn typed_columns(r: &Rows) -> Vec<Typed> {
    vec![
        Typed {
            column: "tickets.status",
            good: names::<TicketStatus>(),
            bad: not_names::<TicketStatus>("open"),
            insert: "INSERT INTO tickets (conversation_id, channel, status, subject, transcript, \
                     opened_at, updated_at) VALUES ($2, 'logochat', $1, 'x', '[]', $3, $3)",
            update: "UPDATE tickets SET status = $1 WHERE id = $2",
            read: "SELECT status FROM tickets WHERE id = $1",
            row: r.ticket,
        },
        Typed {
            column: "tickets.channel",
            good: names::<Channel>(),
            bad: not_names::<Channel>("logo-chat"),
            insert: "INSERT INTO tickets (conversation_id, channel, subject, transcript, \
                     opened_at, updated_at) VALUES ($2, $1, 'x', '[]', $3, $3)",
            update: "UPDATE tickets SET channel = $1 WHERE id = $2",
            read: "SELECT channel FROM tickets WHERE id = $1",
            row: r.ticket,
        },
        Typed {
            column: "tickets.priority",
            good: names::<Priority>(),
            bad: not_names::<Priority>("urgent"),
            insert: "INSERT INTO tickets (conversation_id, channel, priority, subject, \
                     transcript, opened_at, updated_at) \
                     VALUES ($2, 'logochat', $1, 'x', '[]', $3, $3)",
            update: "UPDATE tickets SET priority = $1 WHERE id = $2",
            read: "SELECT priority FROM tickets WHERE id = $1",
            row: r.ticket,
        },
        Typed {
            column: "conversations.channel",
            good: names::<Channel>(),
            bad: not_names::<Channel>("mail"),
            insert: "INSERT INTO conversations (token, channel, room, user_ref, state, \
                     created_at, updated_at) VALUES ($4, $1, $4, 'u', '{\"kind\":\"idle\"}', \
                     $3, $3)",
            update: "UPDATE conversations SET channel = $1 WHERE id = $2",
            read: "SELECT channel FROM conversations WHERE id = $1",
            row: r.conversation,
        },
        Typed {
            column: "conversations.handler",
            good: [Handler::Bot, Handler::Operator("yamada".into())]
                .iter()
                .map(|h| h.kind().to_owned())
                .collect(),
            bad: ["Bot", "robot", "operator:yamada", "ボット", ""]
                .map(String::from)
                .to_vec(),
            insert: "INSERT INTO conversations (token, channel, room, user_ref, state, handler, \
                     created_at, updated_at) VALUES ($4, 'logochat', $4, 'u', \
                     '{\"kind\":\"idle\"}', $1, $3, $3)",
            update: "UPDATE conversations SET handler = $1 WHERE id = $2",
            read: "SELECT handler FROM conversations WHERE id = $1",
            row: r.conversation,
        },
        Typed {
            column: "messages.author",
            good: names::<Author>(),
            bad: not_names::<Author>("system"),
            insert: "INSERT INTO messages (conversation_id, channel, direction, author, text, \
                     created_at) VALUES ($2, 'logochat', 'out', $1, 'x', $3)",
            update: "UPDATE messages SET author = $1 WHERE id = $2",
            read: "SELECT author FROM messages WHERE id = $1",
            row: r.message,
        },
        Typed {
            column: "messages.direction",
            good: names::<Direction>(),
            bad: not_names::<Direction>("inbound"),
            insert: "INSERT INTO messages (conversation_id, channel, direction, author, text, \
                     created_at) VALUES ($2, 'logochat', $1, 'bot', 'x', $3)",
            update: "UPDATE messages SET direction = $1 WHERE id = $2",
            read: "SELECT direction FROM messages WHERE id = $1",
            row: r.message,
        },
        Typed {
            column: "messages.channel",
            good: names::<Channel>(),
            bad: not_names::<Channel>("mail"),
            insert: "INSERT INTO messages (conversation_id, channel, direction, author, text, \
                     created_at) VALUES ($2, $1, 'out', 'bot', 'x', $3)",
            update: "UPDATE messages SET channel = $1 WHERE id = $2",
            read: "SELECT channel FROM messages WHERE id = $1",
            row: r.message,
        },
        Typed {
            column: "outbox.status",
            good: names::<OutboxStatus>(),
            bad: not_names::<OutboxStatus>("sent"),
            insert: "INSERT INTO outbox (channel, room, payload, status, next_attempt_at, \
                     created_at) VALUES ('mail', $4, '{}', $1, $3, $3)",
            update: "UPDATE outbox SET status = $1 WHERE id = $2",
            read: "SELECT status FROM outbox WHERE id = $1",
            row: r.outbox,
        },
        Typed {
            column: "outbox.channel",
            good: names::<OutboxRoute>(),
            bad: not_names::<OutboxRoute>("widget"),
            insert: "INSERT INTO outbox (channel, room, payload, next_attempt_at, created_at) \
                     VALUES ($1, $4, '{}', $3, $3)",
            update: "UPDATE outbox SET channel = $1 WHERE id = $2",
            read: "SELECT channel FROM outbox WHERE id = $1",
            row: r.outbox,
        },
        Typed {
            column: "faq_proposals.status",
            good: names::<ProposalStatus>(),
            bad: not_names::<ProposalStatus>("pending"),
            insert: "INSERT INTO faq_proposals (faq_id, question, question_key, proposed_by, \
                     status, decided_by, decided_at, created_at) VALUES ('vpn', $4, $4, 'y', $1, \
                     CASE WHEN $1 = 'proposed' THEN NULL ELSE 'admin' END, \
                     CASE WHEN $1 = 'proposed' THEN NULL ELSE $3 END, $3)",
            update: "UPDATE faq_proposals SET status = $1, \
                     decided_by = CASE WHEN $1 = 'proposed' THEN NULL ELSE 'admin' END, \
                     decided_at = CASE WHEN $1 = 'proposed' THEN NULL ELSE created_at END \
                     WHERE id = $2",
            read: "SELECT status FROM faq_proposals WHERE id = $1",
            row: r.proposal,
        },
        Typed {
            column: "users.role",
            good: names::<Role>(),
            bad: not_names::<Role>("root"),
            insert: "INSERT INTO users (login, display_name, role, password_hash, created_at, \
                     updated_at) VALUES ($4, 'x', $1, 'h', $3, $3)",
            // Accounts are keyed by login: the row id is bound but names no row.
            update: "UPDATE users SET role = $1 WHERE login = 'yamada' AND $2 = $2",
            read: "SELECT role FROM users WHERE login = 'yamada' AND $1 = $1",
            row: 0,
        },
    ]
}

/// Runs `statement` in a transaction of its own that is never committed: whether the
/// database took it, and the rows it changed.
async fn attempt(s: &Store, statement: madoguchi::storage::Sql) -> Result<u64, StorageError> {
    let mut tx = s.begin().await.unwrap();
    let result = statement.execute(&mut tx.conn()).await;
    drop(tx);
    result
}

#[tokio::test]
async fn every_value_of_each_typed_state_is_stored_and_nothing_else() {
    // Every backend is tried before the verdict, which lists what each got wrong.
    let mut problems = Vec::new();
    for db in backends().await {
        let s = &db.store;
        s.create_user(&madoguchi::accounts::NewUser {
            login: "yamada".into(),
            display_name: "山田".into(),
            role: Role::Operator,
            password: madoguchi::accounts::HashedPassword::new("correct horse battery").unwrap(),
        })
        .await
        .unwrap();
        let r = rows(s).await;
        let backend = s.backend_name();
        let mut unique = 0;
        for typed in typed_columns(&r) {
            let column = typed.column;
            let before: String = sql(typed.read)
                .bind(typed.row)
                .scalar(&mut s.conn())
                .await
                .unwrap();
            assert!(typed.good.contains(&before), "{column}: {before:?}");
            for value in typed.good.iter().chain(&typed.bad) {
                let good = typed.good.contains(value);
                unique += 1;
                let insert = sql(typed.insert)
                    .bind(value.as_str())
                    .bind(r.conversation)
                    .bind(story_time())
                    .bind(format!("t{unique:0>31}"));
                let update = sql(typed.update).bind(value.as_str()).bind(typed.row);
                for (how, statement) in [("INSERT", insert), ("UPDATE", update)] {
                    match (good, attempt(s, statement).await) {
                        (true, Ok(1)) | (false, Err(_)) => {}
                        (true, outcome) => problems.push(format!(
                            "{backend}: {column}: {how} of {value:?} was refused: {outcome:?}"
                        )),
                        (false, Ok(_)) => problems.push(format!(
                            "{backend}: {column}: {how} of {value:?} was accepted"
                        )),
                    }
                }
            }
            // Nothing was committed: the row holds what it held.
            let after: String = sql(typed.read)
                .bind(typed.row)
                .scalar(&mut s.conn())
                .await
                .unwrap();
            assert_eq!(after, before, "{column}");
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// Forces `update` into the database inside `tx`, past the check that refuses it (the
/// check is dropped inside the transaction: it is back when the transaction rolls back).
async fn force(tx: &mut Tx, check: (&'static str, &'static str), update: &'static str, id: i64) {
    let (postgres, sqlite) = check;
    let drop_check = if tx.is_postgres() { postgres } else { sqlite };
    sql(drop_check).execute(&mut tx.conn()).await.unwrap();
    let changed = sql(update).bind(id).execute(&mut tx.conn()).await.unwrap();
    assert_eq!(changed, 1);
}

/// Whether `err` says that `column` of a row holds a value its type does not know.
/// The error names the column and says what it holds is not a known value.
fn undecodable(err: &StorageError, column: &str) -> bool {
    matches!(
        err,
        StorageError::Database(sqlx::Error::ColumnDecode { index, source })
            if index.trim_matches('"') == column && source.to_string().starts_with("unknown ")
    )
}

#[tokio::test]
async fn a_stored_state_that_is_not_known_fails_to_load_and_is_left_as_it_is() {
    for db in backends().await {
        let s = &db.store;
        let c = conversation(s, "r1").await;
        let unreadable = |e: &StorageError| matches!(e, StorageError::Corrupt(m) if m.contains(&format!("conversation {}", c.id)));
        for state in [
            r#"{"kind":"dancing"}"#,
            r#"{"kind":"awaiting_feedback"}"#,
            "idle",
            "",
        ] {
            let mut tx = s.begin().await.unwrap();
            sql("UPDATE conversations SET state = $1 WHERE id = $2")
                .bind(state)
                .bind(c.id)
                .execute(&mut tx.conn())
                .await
                .unwrap();
            tx.commit().await.unwrap();
            let err = s.conversation(c.id).await.unwrap_err();
            assert!(unreadable(&err), "{state}: {err}");
            let err = s.conversation_by_token(&c.token).await.unwrap_err();
            assert!(unreadable(&err), "{state}: {err}");
            // The next message in the conversation finds it unreadable too: no new idle
            // conversation in its place.
            let err = s
                .open_conversation(&key("r1"), &"f".repeat(32))
                .await
                .unwrap_err();
            assert!(unreadable(&err), "{state}: {err}");
            let mut tx = s.begin().await.unwrap();
            let err = conversations::get(&mut tx.conn(), c.id).await.unwrap_err();
            assert!(unreadable(&err), "{state}: {err}");
            drop(tx);
            // Reading it changed nothing.
            let (stored, version): (String, i64) =
                sql("SELECT state, version FROM conversations WHERE id = $1")
                    .bind(c.id)
                    .fetch_one(&mut s.conn())
                    .await
                    .unwrap();
            assert_eq!((stored.as_str(), version), (state, c.version));
        }
        let count: i64 = sql("SELECT COUNT(*) FROM conversations")
            .scalar(&mut s.conn())
            .await
            .unwrap();
        assert_eq!(count, 1);

        // A handler, a ticket status, a message author and an outbox status the database
        // would refuse, forced in past its checks: each row fails to load.
        let other = conversation(s, "r2").await;
        let ticket = s
            .open_ticket(&NewTicket::new(other.id, Channel::LogoChat, "VPN"))
            .await
            .unwrap();
        let message = send(s, &other, "答え").await;
        let item = s.outbox(None, 1).await.unwrap()[0].id;

        let mut tx = s.begin().await.unwrap();
        force(
            &mut tx,
            (
                "ALTER TABLE conversations DROP CONSTRAINT conversations_handler_known",
                "DROP TRIGGER conversations_typed_update",
            ),
            "UPDATE conversations SET handler = 'robot' WHERE id = $1",
            other.id,
        )
        .await;
        let err = conversations::get(&mut tx.conn(), other.id)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StorageError::Corrupt(m) if m.contains("robot")),
            "{err}"
        );
        drop(tx);

        let mut tx = s.begin().await.unwrap();
        force(
            &mut tx,
            (
                "ALTER TABLE tickets DROP CONSTRAINT tickets_status_known",
                "DROP TRIGGER tickets_typed_update",
            ),
            "UPDATE tickets SET status = 'open' WHERE id = $1",
            ticket,
        )
        .await;
        let err = tickets::get(&mut tx.conn(), ticket).await.unwrap_err();
        assert!(undecodable(&err, "status"), "{err}");
        // A list that holds it fails as a whole: the ticket is not left out quietly.
        let err = tickets::list(&mut tx.conn(), None, 10).await.unwrap_err();
        assert!(undecodable(&err, "status"), "{err}");
        drop(tx);

        let mut tx = s.begin().await.unwrap();
        force(
            &mut tx,
            (
                "ALTER TABLE messages DROP CONSTRAINT messages_author_known",
                "DROP TRIGGER messages_typed_update",
            ),
            "UPDATE messages SET author = 'system' WHERE id = $1",
            message,
        )
        .await;
        let err = messages::after(&mut tx.conn(), other.id, 0)
            .await
            .unwrap_err();
        assert!(undecodable(&err, "author"), "{err}");
        drop(tx);

        let mut tx = s.begin().await.unwrap();
        force(
            &mut tx,
            (
                "ALTER TABLE outbox DROP CONSTRAINT outbox_status_known",
                "DROP TRIGGER outbox_typed_update",
            ),
            "UPDATE outbox SET status = 'sent' WHERE id = $1",
            item,
        )
        .await;
        let err = sql("SELECT * FROM outbox WHERE id = $1")
            .bind(item)
            .fetch_optional::<OutboxItem>(&mut tx.conn())
            .await
            .unwrap_err();
        assert!(undecodable(&err, "status"), "{err}");
        drop(tx);

        // Rolled back: the rows load again, and the checks are back in place.
        assert_eq!(
            s.conversation(other.id).await.unwrap().unwrap().handler,
            Handler::Bot
        );
        assert_eq!(
            s.ticket(ticket).await.unwrap().unwrap().status,
            TicketStatus::New
        );
        assert_eq!(s.messages_after(other.id, 0).await.unwrap().len(), 1);
        assert_eq!(
            s.outbox(None, 10).await.unwrap()[0].status,
            OutboxStatus::Pending
        );
        let refused = attempt(
            s,
            sql("UPDATE tickets SET status = 'open' WHERE id = $1").bind(ticket),
        )
        .await;
        assert!(refused.is_err());
    }
}
