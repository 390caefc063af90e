//! The request dialogue in LoGoチャット, end to end through the webhook: the FAQ answer
//! offers the request, each field is asked and checked, 「やめる」 stops it, 「はい」
//! submits it with a 受付番号, and the requester is told of approval and completion.

use axum::http::{Request, StatusCode};
use madoguchi::domain::OutboxStatus;
use serde_json::{json, Value};

use crate::helpers::{operator_post, Desk, LOGO_TOKEN};
use crate::support::{request_desk, ADMIN, OPERATOR};

const ROOM: &str = "room-ict-10001";

/// Says `text` in LoGoチャット as 沼津 太郎 and returns the bot's answer.
async fn say(d: &Desk, n: usize, text: &str) -> String {
    let body = json!({
        "message_id": format!("m-{n}-{text}"),
        "room_id": ROOM,
        "user_id": "logo-taro",
        "user_name": "沼津 太郎",
        "text": text,
    });
    let request = Request::post("/integrations/logochat/webhook")
        .header("content-type", "application/json")
        .header("x-madoguchi-token", LOGO_TOKEN)
        .body(body.to_string().into())
        .unwrap();
    let (status, reply) = d.http(request).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    reply["text"].as_str().unwrap_or_default().to_owned()
}

/// What was queued for the room in LoGoチャット.
async fn told(d: &Desk) -> Vec<String> {
    d.helpdesk
        .store()
        .outbox(Some(OutboxStatus::Pending), 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.room == ROOM)
        .map(|o| o.delivery().unwrap().text)
        .collect()
}

#[tokio::test]
async fn a_new_account_is_requested_in_logochat_approved_and_done() {
    let d = request_desk(None).await;
    let offer = say(&d, 1, "新しく来た職員のアカウントを作りたい").await;
    assert!(
        offer.ends_with("この申請をしますか？（はい／いいえ）"),
        "{offer}"
    );
    let asked = say(&d, 2, "はい").await;
    assert!(
        asked.contains("「ネットワークアカウントの追加」の申請を始めます"),
        "{asked}"
    );
    assert!(asked.contains("職員番号を入力してください"), "{asked}");
    // Each answer is checked on the spot, with the reason and an example.
    let unknown = say(&d, 3, "99999").await;
    assert!(
        unknown.contains("職員番号 99999 は職員名簿にありません"),
        "{unknown}"
    );
    let network = say(&d, 4, "１０００２").await;
    assert!(network.contains("どのネットワーク"), "{network}");
    let wrong = say(&d, 5, "庁内LAN").await;
    assert!(wrong.contains("ネットワークは「マイナンバー利用事務系」「LGWAN接続系」「インターネット接続系」のどれかです"), "{wrong}");
    assert!(
        wrong.contains("例：LGWAN接続系、インターネット接続系"),
        "{wrong}"
    );
    let login = say(&d, 6, "LGWAN、インターネット").await;
    assert!(login.contains("ログインID"), "{login}");
    let bad_login = say(&d, 7, "沼津 花子").await;
    assert!(
        bad_login.contains("半角英数字") && bad_login.contains("例：numazu.taro"),
        "{bad_login}"
    );
    let date = say(&d, 8, "numazu.hanako").await;
    assert!(date.contains("利用開始日"), "{date}");
    let past = say(&d, 9, "2026/11/1").await;
    assert!(
        past.contains("利用開始日に過去の日付は指定できません"),
        "{past}"
    );
    let note = say(&d, 10, "12月1日").await;
    assert!(note.contains("なければ「なし」"), "{note}");
    let summary = say(&d, 11, "なし").await;
    assert!(summary.contains("次の内容で申請します"), "{summary}");
    assert!(
        summary.contains("・ネットワーク：LGWAN接続系、インターネット接続系"),
        "{summary}"
    );
    assert!(
        summary.contains("申請者：沼津 太郎（ICT推進課）"),
        "{summary}"
    );
    let submitted = say(&d, 12, "はい").await;
    assert!(submitted.contains("を受け付けました"), "{submitted}");
    let number = submitted
        .split("申請 ")
        .nth(1)
        .unwrap()
        .split('（')
        .next()
        .unwrap()
        .to_owned();
    let id: i64 = number.trim_start_matches("R-").parse().unwrap();
    let row = d.helpdesk.requests().request(id).await.unwrap();
    assert_eq!(row.requester_no, "10001");
    assert!(row.conversation_id.is_some());
    // An admin approves, an operator works it through: the requester is told in LoGoチャット.
    for (action, who) in [
        ("approve", ADMIN),
        ("start", OPERATOR),
        ("complete", OPERATOR),
    ] {
        let (status, body): (StatusCode, Value) = d
            .http(operator_post(
                &format!("/api/v1/requests/{id}/{action}"),
                &json!({"operator": who}),
            ))
            .await;
        assert_eq!(status, StatusCode::OK, "{action}: {body}");
    }
    let told = told(&d).await;
    assert!(
        told.iter()
            .any(|t| t.contains(&number) && t.contains("承認されました")),
        "{told:?}"
    );
    assert!(
        told.iter()
            .any(|t| t.contains(&number) && t.contains("完了しました")),
        "{told:?}"
    );
}

#[tokio::test]
async fn yameru_stops_the_dialogue_and_iie_declines_the_offer() {
    let d = request_desk(None).await;
    let offer = say(&d, 1, "新しく来た職員のアカウントを作りたい").await;
    assert!(offer.ends_with("（はい／いいえ）"), "{offer}");
    assert!(say(&d, 2, "いいえ").await.contains("わかりました"));
    say(&d, 3, "新しく来た職員のアカウントを作りたい").await;
    say(&d, 4, "はい").await;
    say(&d, 5, "10002").await;
    let stopped = say(&d, 6, "やめる").await;
    assert!(stopped.contains("申請をやめました"), "{stopped}");
    assert_eq!(crate::support::count(&d, "requests").await, 0);
    // And the bot answers questions again.
    let answer = say(&d, 7, "ＶＰＮつながらない").await;
    assert!(
        answer.ends_with("解決しましたか？（はい／いいえ）"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_reply_with_no_content_repeats_the_offer_and_the_offer_still_stands() {
    let d = request_desk(None).await;
    let offer = say(&d, 1, "新しく来た職員のアカウントを作りたい").await;
    assert!(offer.ends_with("（はい／いいえ）"), "{offer}");
    for (n, text) in [(2, "2"), (3, "？")] {
        let again = say(&d, n, text).await;
        assert!(
            again.contains("この申請をする場合は「はい」"),
            "{text}: {again}"
        );
    }
    let started = say(&d, 4, "はい").await;
    assert!(started.contains("の申請を始めます"), "{started}");
}

/// Says `text` in the portal widget as the staff member the portal's proxy names.
async fn widget(d: &Desk, conversation: &mut Option<String>, n: usize, text: &str) -> String {
    widget_as(d, conversation, n, text, "10001").await
}

/// Says `text` in the portal widget as staff member `user`.
async fn widget_as(
    d: &Desk,
    conversation: &mut Option<String>,
    n: usize,
    text: &str,
    user: &str,
) -> String {
    let mut body = json!({"message_id": format!("w-{n}"), "text": text});
    if let Some(token) = conversation {
        body["conversation"] = json!(token);
    }
    let request = Request::post("/api/v1/chat")
        .header("content-type", "application/json")
        .header("x-remote-user", user)
        .body(body.to_string().into())
        .unwrap();
    let (status, reply) = d.http(request).await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    *conversation = reply["conversation"].as_str().map(str::to_owned);
    let texts: Vec<&str> = reply["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    texts.join("\n")
}

#[tokio::test]
async fn the_same_dialogue_runs_in_the_widget_and_notices_arrive_there() {
    let d = crate::support::request_desk_with(|s| {
        s.widget.identity_header = Some("X-Remote-User".into());
        s.widget.conversation_messages_per_minute = 0;
        s.widget.address_messages_per_minute = 0;
    })
    .await;
    let mut token = None;
    let offer = widget(&d, &mut token, 1, "メールアカウントを追加したい").await;
    assert!(
        offer.ends_with("この申請をしますか？（はい／いいえ）"),
        "{offer}"
    );
    widget(&d, &mut token, 2, "はい").await;
    let answers = ["自分", "1", "2", "2026-12-01", "なし"];
    let mut last = String::new();
    for (i, answer) in answers.iter().enumerate() {
        last = widget(&d, &mut token, 3 + i, answer).await;
    }
    assert!(last.contains("・メールの種類：外部メール"), "{last}");
    assert!(last.contains("・対象の職員（職員番号）：10001"), "{last}");
    let submitted = widget(&d, &mut token, 9, "はい").await;
    assert!(submitted.contains("を受け付けました"), "{submitted}");
    let row = &d.helpdesk.store();
    let id: i64 = madoguchi::storage::sql("SELECT MAX(id) FROM requests")
        .scalar(&mut row.conn())
        .await
        .unwrap();
    let approve = operator_post(
        &format!("/api/v1/requests/{id}/approve"),
        &json!({"operator": ADMIN}),
    );
    assert_eq!(d.http(approve).await.0, StatusCode::OK);
    // The widget fetches what was said later: the approval is there.
    let token = token.unwrap();
    let (_, all) = d
        .http(
            Request::get(format!("/api/v1/chat/{token}/messages?after=0"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    let last = all["messages"].as_array().unwrap().last().unwrap()["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        last.contains(&format!("申請 R-{id}")) && last.contains("承認されました"),
        "{last}"
    );
}

#[tokio::test]
async fn the_requester_withdraws_a_request_in_chat_before_work_starts() {
    let d = request_desk(None).await;
    let first = say(&d, 1, "こんにちは").await;
    assert!(!first.is_empty());
    let requests = d.helpdesk.requests();
    let conversation = d
        .helpdesk
        .store()
        .open_conversation(
            &madoguchi::storage::ConversationKey {
                channel: madoguchi::domain::Channel::LogoChat,
                room: ROOM.into(),
                user_ref: "logo-taro".into(),
            },
            "unused",
        )
        .await
        .unwrap();
    let mut s = crate::support::submission("ad-account-add", crate::support::account_fields());
    s.conversation_id = Some(conversation.id);
    let open = requests.submit(s.clone()).await.unwrap();
    let working = crate::support::approved(&d, s).await;
    requests
        .act(
            working,
            crate::support::operator(),
            madoguchi::domain::RequestAction::Start,
            None,
            None,
            None,
        )
        .await
        .unwrap();
    let cancelled = say(&d, 2, &format!("Ｒ－{} を取り消したい", open.id)).await;
    assert!(
        cancelled.contains(&format!("申請 R-{}", open.id)) && cancelled.contains("取り消しました"),
        "{cancelled}"
    );
    let row = requests.request(open.id).await.unwrap();
    assert_eq!(row.status, madoguchi::domain::RequestStatus::Cancelled);
    let refused = say(&d, 3, &format!("R-{working}をキャンセルしてください")).await;
    assert!(
        refused.contains("作業中の申請は取消できません"),
        "{refused}"
    );
    let unknown = say(&d, 4, "R-999 を取消").await;
    assert!(unknown.contains("申請 R-999 は見つからないか"), "{unknown}");
    assert_eq!(
        requests.request(working).await.unwrap().status,
        madoguchi::domain::RequestStatus::InProgress
    );
}

/// A request of 沼津 太郎's submitted in LoGoチャット and returned by an admin; its id.
async fn returned_request(d: &Desk) -> i64 {
    for (n, text) in [
        "新しく来た職員のアカウントを作りたい",
        "はい",
        "10002",
        "LGWAN",
        "numazu.hanako",
        "12月1日",
        "なし",
    ]
    .into_iter()
    .enumerate()
    {
        say(d, 100 + n, text).await;
    }
    let submitted = say(d, 120, "はい").await;
    assert!(submitted.contains("を受け付けました"), "{submitted}");
    let id = d
        .helpdesk
        .requests()
        .page(&Default::default(), 0, 1)
        .await
        .unwrap()
        .0[0]
        .id;
    let (status, body): (StatusCode, Value) = d
        .http(operator_post(
            &format!("/api/v1/requests/{id}/return"),
            &json!({"operator": ADMIN, "reason": "ログインIDは姓.名の順にしてください"}),
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    id
}

#[tokio::test]
async fn a_returned_request_is_corrected_and_resubmitted_in_the_chat() {
    let d = request_desk(None).await;
    let id = returned_request(&d).await;
    let told = told(&d).await;
    assert!(
        told.iter().any(|t| t.contains("差し戻されました")
            && t.contains("姓.名の順")
            && t.contains("「再申請」と送ると")),
        "{told:?}"
    );
    // 「再申請」: the same questions, each with its answer now; 「そのまま」 keeps it.
    let first = say(&d, 1, "再申請したい").await;
    assert!(
        first.contains(&format!(
            "申請 R-{id}（ネットワークアカウントの追加）を直して再申請します"
        )),
        "{first}"
    );
    assert!(first.contains("今の内容：10002"), "{first}");
    let network = say(&d, 2, "そのまま").await;
    assert!(network.contains("今の内容：LGWAN接続系"), "{network}");
    let login = say(&d, 3, "そのまま").await;
    assert!(login.contains("今の内容：numazu.hanako"), "{login}");
    // A corrected answer is checked like any other.
    let refused = say(&d, 4, "沼津 花子").await;
    assert!(refused.contains("半角英数字"), "{refused}");
    say(&d, 5, "hanako.numazu").await;
    say(&d, 6, "そのまま").await;
    let summary = say(&d, 7, "なし").await;
    assert!(summary.contains("次の内容で再申請します"), "{summary}");
    assert!(summary.contains("・ログインID：hanako.numazu"), "{summary}");
    let before = crate::support::count(&d, "requests").await;
    let done = say(&d, 8, "はい").await;
    assert!(
        done.contains(&format!("申請 R-{id}")) && done.contains("を受け付けました"),
        "{done}"
    );
    // The same request, resubmitted with the correction: no new one.
    assert_eq!(crate::support::count(&d, "requests").await, before);
    let row = d.helpdesk.requests().request(id).await.unwrap();
    assert_eq!(row.status, madoguchi::domain::RequestStatus::Submitted);
    let fields: Value = serde_json::from_str(&row.fields).unwrap();
    assert_eq!(fields["login"], "hanako.numazu");
    assert_eq!(fields["staff"], "10002");
    let view = d.helpdesk.requests().view(id, ADMIN).await.unwrap();
    let last = view.events.last().unwrap();
    assert_eq!(
        (last.action, last.actor.as_str()),
        (madoguchi::domain::RequestAction::Resubmit, "10001")
    );
    // Nothing returned any more: 「再申請」 says so.
    let none = say(&d, 9, "再申請").await;
    assert!(none.contains("差し戻された申請が見つかりません"), "{none}");
}

#[tokio::test]
async fn yameru_while_correcting_leaves_the_returned_request_as_it_was() {
    let d = request_desk(None).await;
    let id = returned_request(&d).await;
    let before = d.helpdesk.requests().request(id).await.unwrap();
    say(&d, 1, &format!("R-{id} を再申請")).await;
    say(&d, 2, "10001").await;
    let stopped = say(&d, 3, "やめる").await;
    assert!(stopped.contains("申請をやめました"), "{stopped}");
    let after = d.helpdesk.requests().request(id).await.unwrap();
    assert_eq!(after, before);
}

/// A correction answered in the chat of a widget conversation, confirmed by someone else
/// signed in on it (10002): refused, and the returned request stays as it was.
#[tokio::test]
async fn only_the_requester_confirms_a_resubmission_in_the_chat() {
    let d = crate::support::request_desk_with(|s| {
        s.widget.identity_header = Some("X-Remote-User".into());
        s.widget.conversation_messages_per_minute = 0;
        s.widget.address_messages_per_minute = 0;
    })
    .await;
    let id = returned_request(&d).await;
    let mut token = None;
    let answers = [
        "再申請したい",
        "そのまま",
        "そのまま",
        "hanako.numazu",
        "そのまま",
    ];
    for (n, text) in answers.iter().enumerate() {
        widget(&d, &mut token, 1 + n, text).await;
    }
    let summary = widget(&d, &mut token, 8, "なし").await;
    assert!(summary.contains("次の内容で再申請します"), "{summary}");
    let refused = widget_as(&d, &mut token, 9, "はい", "10002").await;
    assert!(refused.contains("申請した本人だけ"), "{refused}");
    let row = d.helpdesk.requests().request(id).await.unwrap();
    assert_eq!(row.status, madoguchi::domain::RequestStatus::Returned);
    let fields: Value = serde_json::from_str(&row.fields).unwrap();
    assert_eq!(fields["login"], "numazu.hanako");
}
