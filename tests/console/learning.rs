//! The learning loop through the console: the unanswered report, proposed alternative
//! questions and the admin's one-click decision, and the whole story from a LoGo question
//! the bot cannot answer to the same question answered by itself. The store stamps rows
//! with the real time, so each test sets the helpdesk's clock to it.

use axum::http::StatusCode;
use madoguchi::accounts::Role;

use crate::helpers::{desk, said, ticket_in, Desk};
use crate::support::{account, escalated, form, get, send, Browser};

/// The library's own example: nothing in the knowledge base says it this way.
const QUESTION: &str = "朝来たらパソコンがウンともスンとも言わない";
/// The entry that answers it: パソコンの電源が入りません.
const ENTRY: &str = "pc-wont-start";
const ENTRY_TITLE: &str = "パソコンの電源が入りません";

/// A desk with an operator (山田 花子), an admin and a viewer.
async fn desk_with_accounts() -> Desk {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    account(&d, "admin", "管理 三郎", Role::Admin).await;
    account(&d, "viewer", "閲覧 次郎", Role::Viewer).await;
    d
}

/// `question` escalates over LoGo and 山田 resolves its ticket naming [`ENTRY`] through
/// the console: a pending proposal. Returns the ticket and the proposal.
async fn proposed(d: &Desk, room: &str, question: &str) -> (i64, i64) {
    let ticket = escalated(d, room, question).await;
    let operator = Browser::sign_in(d, "yamada").await;
    let resolve = format!("/operator/tickets/{ticket}/resolve");
    let resolved = operator.post(d, &resolve, &[("faq_id", ENTRY)]).await;
    assert_eq!(resolved.status, StatusCode::SEE_OTHER, "{}", resolved.body);
    let pending = d.helpdesk.learning().pending_proposals().await.unwrap();
    let proposal = pending
        .iter()
        .find(|p| p.ticket_id == Some(ticket))
        .unwrap();
    (ticket, proposal.id)
}

async fn revisions(d: &Desk) -> usize {
    d.helpdesk.store().faq_revisions(ENTRY).await.unwrap().len()
}

#[tokio::test]
async fn a_question_that_escalated_is_answered_by_the_bot_once_the_admin_accepts_it_in_the_console()
{
    let d = desk_with_accounts().await;
    let first = d.logo("room-1", QUESTION).await;
    assert_eq!(first.replies[0].faq_id, None, "{}", said(&first));
    let ticket = ticket_in(&said(&d.logo("room-1", "はい").await));

    // The operator sees it among the unanswered questions, answers and resolves it.
    let operator = Browser::sign_in(&d, "yamada").await;
    let report = operator.get(&d, "/operator/unanswered").await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.body.contains(QUESTION), "{}", report.body);
    assert!(report
        .body
        .contains(&format!("href=\"/operator/tickets/{ticket}\"")));
    let url = |action: &str| format!("/operator/tickets/{ticket}/{action}");
    let reply = [("text", "電源ボタンを10秒長押ししてから入れ直してください。")];
    assert_eq!(
        operator.post(&d, &url("reply"), &reply).await.status,
        StatusCode::SEE_OTHER
    );
    let resolved = operator
        .post(&d, &url("resolve"), &[("faq_id", ENTRY)])
        .await;
    assert_eq!(resolved.status, StatusCode::SEE_OTHER, "{}", resolved.body);

    // The proposal waits for an admin: the operator sees it but cannot decide.
    let seen = operator.get(&d, "/operator/proposals").await;
    for shown in [
        QUESTION,
        ENTRY_TITLE,
        ENTRY,
        "山田 花子",
        &format!("href=\"/operator/tickets/{ticket}\">#{ticket}</a>"),
    ] {
        assert!(seen.body.contains(shown), "{shown} missing: {}", seen.body);
    }
    assert!(
        !seen.body.contains("/accept\""),
        "no buttons for an operator"
    );
    let id = d.helpdesk.learning().pending_proposals().await.unwrap()[0].id;

    // The admin accepts with one click and the page says so.
    let admin = Browser::sign_in(&d, "admin").await;
    let list = admin.get(&d, "/operator/proposals").await;
    let action = format!("action=\"/operator/proposals/{id}/accept\"");
    assert!(list.body.contains(&action), "{}", list.body);
    let accepted = admin
        .post(&d, &format!("/operator/proposals/{id}/accept"), &[])
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
    let back = accepted.location.unwrap();
    assert_eq!(back, format!("/operator/proposals?done={id}"));
    let done = admin.get(&d, &back).await;
    assert!(done.body.contains("承認しました"), "{}", done.body);
    assert!(done
        .body
        .contains(&format!("「{QUESTION}」は、FAQ「{ENTRY_TITLE}」")));
    assert!(done.body.contains("承認待ちの提案はありません"));
    assert_eq!(revisions(&d).await, 2);

    // The same question, asked again over LoGo, is answered by the bot with that entry.
    let again = d.logo("room-2", QUESTION).await;
    assert_eq!(
        again.replies[0].faq_id.as_deref(),
        Some(ENTRY),
        "{}",
        said(&again)
    );
}

#[tokio::test]
async fn operators_and_viewers_see_proposals_but_cannot_accept_or_reject_them() {
    let d = desk_with_accounts().await;
    let (_, id) = proposed(&d, "room-1", QUESTION).await;
    for login in ["yamada", "viewer"] {
        let browser = Browser::sign_in(&d, login).await;
        let list = browser.get(&d, "/operator/proposals").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains(QUESTION));
        assert!(!list.body.contains("/accept\"") && !list.body.contains("/reject\""));
        for action in ["accept", "reject"] {
            let uri = format!("/operator/proposals/{id}/{action}");
            let refused = browser.post(&d, &uri, &[]).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{login} {action}");
            assert!(refused.body.contains("権限がありません"));
        }
    }
    let pending = d.helpdesk.learning().pending_proposals().await.unwrap();
    assert_eq!(pending.len(), 1, "nothing changed");
    assert_eq!(revisions(&d).await, 1);
}

#[tokio::test]
async fn a_rejected_proposal_leaves_the_entry_alone_and_cannot_be_accepted_afterwards() {
    let d = desk_with_accounts().await;
    let (_, id) = proposed(&d, "room-1", QUESTION).await;
    let admin = Browser::sign_in(&d, "admin").await;
    let rejected = admin
        .post(&d, &format!("/operator/proposals/{id}/reject"), &[])
        .await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER);
    let done = admin.get(&d, &rejected.location.unwrap()).await;
    assert!(
        done.body.contains(&format!("提案 {id} を却下しました")),
        "{}",
        done.body
    );
    let audit = d.helpdesk.store().audit_log(1).await.unwrap();
    assert_eq!(
        (audit[0].actor.as_str(), audit[0].action.as_str()),
        ("admin", "faq.proposal.reject")
    );

    // Deciding again: the list with the library's reason, 409, nothing changed.
    let again = admin
        .post(&d, &format!("/operator/proposals/{id}/accept"), &[])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again
        .body
        .contains(&format!("提案 {id} は既に却下済みです。")));
    assert!(again.body.contains("提案された質問"), "the list again");
    let missing = admin
        .post(&d, &format!("/operator/proposals/{}/accept", id + 1), &[])
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing
        .body
        .contains(&format!("提案 {} はありません。", id + 1)));
    let unknown = admin
        .post(&d, &format!("/operator/proposals/{id}/approve"), &[])
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(revisions(&d).await, 1);
    assert_eq!(d.helpdesk.store().audit_log(1).await.unwrap(), audit);
    let bot = d.logo("room-2", QUESTION).await;
    assert_eq!(
        bot.replies[0].faq_id, None,
        "the bot still does not know it"
    );
}

#[tokio::test]
async fn the_unanswered_report_groups_questions_and_links_to_a_new_entry() {
    let d = desk_with_accounts().await;
    let mut tickets = Vec::new();
    for (room, text) in [
        ("room-1", QUESTION),
        ("room-2", "朝来たらﾊﾟｿｺﾝがｳﾝともｽﾝとも言わない"),
        ("room-3", QUESTION),
    ] {
        tickets.push(escalated(&d, room, text).await);
    }
    let viewer = Browser::sign_in(&d, "viewer").await;
    let page = viewer.get(&d, "/operator/unanswered").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("1グループ・3件"), "{}", page.body);
    assert!(page.body.contains("<strong>3件</strong>"));
    assert!(page.body.contains("担当者へ 3件"));
    assert!(page.body.contains("ほかの聞かれ方"), "the half-width one");
    for ticket in tickets {
        assert!(page
            .body
            .contains(&format!("href=\"/operator/tickets/{ticket}\"")));
    }
    assert!(
        !page.body.contains("/operator/faqs/new"),
        "viewers write no entries"
    );
    let operator = Browser::sign_in(&d, "yamada").await;
    let page = operator.get(&d, "/operator/unanswered").await;
    let title = serde_urlencoded::to_string([("title", QUESTION)]).unwrap();
    assert!(
        page.body
            .contains(&format!("href=\"/operator/faqs/new?{title}\"")),
        "{}",
        page.body
    );

    // An earlier month, chosen with the form: nothing unanswered then.
    let earlier = operator
        .get(&d, "/operator/unanswered?from=2020-01-01&to=2020-01-31")
        .await;
    assert_eq!(earlier.status, StatusCode::OK);
    assert!(earlier.body.contains("value=\"2020-01-01\""));
    assert!(earlier
        .body
        .contains("この期間に答えられなかった質問はありません"));
}

#[tokio::test]
async fn a_bad_period_is_refused_with_the_reason() {
    let d = desk_with_accounts().await;
    escalated(&d, "room-1", QUESTION).await;
    let operator = Browser::sign_in(&d, "yamada").await;
    for (query, reason) in [
        (
            "from=2026-11-30&to=2026-11-01",
            "期間の終わりが始まりより前です。",
        ),
        ("from=2026-11-01", "両方指定してください"),
        ("from=yesterday&to=today", "2026-11-01 の形"),
        ("from=2000-01-01&to=2026-11-01", "366日以内"),
        (
            "from=%22%3E%3Cscript%3Ealert(1)%3C/script%3E&to=2026-11-01",
            "の形",
        ),
    ] {
        let page = operator
            .get(&d, &format!("/operator/unanswered?{query}"))
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(page.body.contains(reason), "{query}: {}", page.body);
        assert!(!page.body.contains(QUESTION), "{query}: no report");
        assert!(
            !page.body.contains("<script>alert"),
            "{query}: typed input escaped"
        );
    }
}

#[tokio::test]
async fn html_in_a_question_is_shown_as_text_in_the_report_and_the_proposals() {
    let d = desk_with_accounts().await;
    let hostile = "<script>alert('質問')</script>朝来たらパソコンがウンともスンとも言わない";
    proposed(&d, "room-1", hostile).await;
    let admin = Browser::sign_in(&d, "admin").await;
    for uri in ["/operator/unanswered", "/operator/proposals"] {
        let page = admin.get(&d, uri).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("<script>alert"), "{uri} shows it raw");
        assert!(
            page.body.contains("&#60;script&#62;alert("),
            "{uri}: {}",
            page.body
        );
    }
}

#[tokio::test]
async fn learning_pages_need_a_session_send_no_inline_code_and_decisions_need_a_csrf_token() {
    let d = desk_with_accounts().await;
    let (_, id) = proposed(&d, "room-1", QUESTION).await;
    for uri in [
        "/operator/dashboard",
        "/operator/unanswered",
        "/operator/proposals",
    ] {
        let page = send(&d, get(uri, "")).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{uri}");
        assert!(page
            .location
            .unwrap()
            .starts_with("/operator/sign-in?next="));
        let script = axum::http::Request::get(uri)
            .header("x-requested-with", "madoguchi")
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(send(&d, script).await.status, StatusCode::UNAUTHORIZED);
    }
    let admin = Browser::sign_in(&d, "admin").await;
    for uri in [
        "/operator/dashboard",
        "/operator/unanswered",
        "/operator/proposals",
    ] {
        let page = admin.get(&d, uri).await;
        assert_eq!(page.status, StatusCode::OK, "{uri}");
        assert_eq!(page.headers["cache-control"], "no-store", "{uri}");
        assert!(page.headers.contains_key("content-security-policy"));
        assert!(!page.body.contains("style="), "no inline style on {uri}");
        assert!(!page.body.contains("<script>"), "no inline script on {uri}");
    }
    let other = Browser::sign_in(&d, "admin").await;
    for action in ["accept", "reject"] {
        let uri = format!("/operator/proposals/{id}/{action}");
        let no_session = send(&d, form(&uri, "", &[])).await;
        assert_eq!(no_session.status, StatusCode::SEE_OTHER, "{uri}");
        let no_token = send(&d, form(&uri, &admin.cookie, &[])).await;
        assert_eq!(no_token.status, StatusCode::FORBIDDEN, "{uri}");
        let wrong = [("csrf", other.csrf.as_str())];
        let wrong_token = send(&d, form(&uri, &admin.cookie, &wrong)).await;
        assert_eq!(wrong_token.status, StatusCode::FORBIDDEN, "{uri}");
    }
    assert_eq!(
        d.helpdesk
            .learning()
            .pending_proposals()
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(revisions(&d).await, 1);
}

#[tokio::test]
async fn the_questions_operators_resolved_are_written_out_labelled_and_the_export_is_audited() {
    let d = desk_with_accounts().await;
    let (ticket, _) = proposed(&d, "room-learned", QUESTION).await;
    let dir = tempfile::TempDir::new().unwrap();
    let audited = |d: &Desk| {
        let store = d.helpdesk.store().clone();
        async move {
            let log = store.audit_log(50).await.unwrap();
            log.into_iter()
                .filter(|r| r.action == "learned.export")
                .collect::<Vec<_>>()
        }
    };

    // A file that cannot be written: a clear error, and no audit row.
    let nowhere = dir.path().join("missing-folder").join("learned.jsonl");
    let refused = d.helpdesk.knowledge().export_learned(&nowhere, "cli").await;
    let error = refused.expect_err("no such folder").to_string();
    assert!(error.contains("learned.jsonl"), "{error}");
    assert!(audited(&d).await.is_empty());
    // A folder in the file's place: refused once the lines are written, and the partial
    // file beside it is gone, unaudited.
    let taken = dir.path().join("taken.jsonl");
    std::fs::create_dir(&taken).unwrap();
    let refused = d.helpdesk.knowledge().export_learned(&taken, "cli").await;
    let error = refused.expect_err("a folder is there").to_string();
    assert!(error.contains("taken.jsonl"), "{error}");
    assert!(audited(&d).await.is_empty());
    let listed = |dir: &std::path::Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(listed(dir.path()), ["taken.jsonl"]);

    let file = dir.path().join("learned.jsonl");
    let rows = d.helpdesk.knowledge().export_learned(&file, "cli").await;
    assert_eq!(rows.unwrap(), 1);
    assert_eq!(listed(dir.path()), ["learned.jsonl", "taken.jsonl"]);
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines,
        [serde_json::json!({
            "id": format!("ticket-{ticket}"),
            "text": QUESTION,
            "relevant": { ENTRY: 2 },
            "kind": "learned",
        })]
    );
    // The evaluation reads it as judged questions (and so does scripts/fit-adapter).
    let queries = madoguchi::eval::load_queries(&file).unwrap();
    assert_eq!(queries[0].relevant[ENTRY], 2);
    let log = audited(&d).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].actor, "cli");
    assert_eq!(log[0].detail.as_deref(), Some("rows=1"));
    assert!(
        !format!("{log:?}").contains(QUESTION),
        "no staff words in the log"
    );
}
