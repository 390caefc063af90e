//! The widget's forms through the HTTP application: the chat's answer says a form is
//! open, the form is read, handed in for the signed-in staff member (never a requester
//! from the browser), bad fields are named one by one with nothing stored, a page on
//! another origin is refused; the same for a loan, with its availability and the nearest
//! free alternative. The stories that write run on every backend.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use madoguchi::config::Settings;
use madoguchi::domain::{Channel, ItemKind};
use madoguchi::loans::{NewItem, ReservationRequest, When};
use madoguchi::storage::sql;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::db::backends;
use crate::helpers::operator_post;
use crate::helpers::Desk;
use crate::support::{account_fields, count, request_desk_with, ADMIN};

const PORTAL: &str = "https://portal.city.numazu.lg.jp";

async fn widget_desk(adjust: impl FnOnce(&mut Settings)) -> Desk {
    request_desk_with(|s| {
        s.widget.identity_header = Some("X-Remote-User".into());
        s.widget.conversation_messages_per_minute = 0;
        s.widget.address_messages_per_minute = 0;
        adjust(s);
    })
    .await
}

/// A widget request as 沼津 太郎 (10001) when `signed_in`, from the portal's page.
fn widget_request(method: &str, uri: &str, body: Option<&Value>, signed_in: bool) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header("origin", PORTAL);
    if signed_in {
        request = request.header("x-remote-user", "10001");
    }
    match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap()
}

/// Says `text` in the widget conversation (starting one when `token` is empty).
async fn chat(d: &Desk, token: &mut String, text: &str) -> Value {
    let mut body = json!({"message_id": madoguchi::conversation::new_token(), "text": text});
    if !token.is_empty() {
        body["conversation"] = json!(token);
    }
    let (status, reply) = d
        .http(widget_request("POST", "/api/v1/chat", Some(&body), true))
        .await;
    assert_eq!(status, StatusCode::OK, "{reply}");
    *token = reply["conversation"].as_str().unwrap().to_owned();
    reply
}

async fn rows(d: &Desk) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in ["requests", "request_events", "audit_log", "outbox"] {
        counts.push(count(d, table).await);
    }
    for statement in [
        "SELECT COUNT(*) FROM messages",
        "SELECT COUNT(*) FROM reservations",
        "SELECT version FROM conversations ORDER BY id DESC LIMIT 1",
    ] {
        let n: i64 = sql(statement)
            .scalar(&mut d.helpdesk.store().conn())
            .await
            .unwrap();
        counts.push(n);
    }
    counts
}

/// A conversation whose account request (`ad-account-add`) form is open.
async fn request_form_open(d: &Desk) -> String {
    let mut token = String::new();
    let offer = chat(d, &mut token, "新しく来た職員のアカウントを作りたい").await;
    assert!(offer.get("form").is_none(), "no form before はい: {offer}");
    let yes = chat(d, &mut token, "はい").await;
    assert_eq!(yes["form"], "request", "{yes}");
    // The widget shows the whole form: the chat points to it instead of asking the
    // first field above it.
    let said = texts(&yes).join("\n");
    assert!(said.contains("申請フォームを下に開きました"), "{said}");
    assert!(!said.contains("職員番号を入力してください"), "{said}");
    token
}

/// The texts of a reply's messages.
fn texts(reply: &Value) -> Vec<String> {
    reply["messages"]
        .as_array()
        .unwrap_or_else(|| panic!("no messages: {reply}"))
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn widget_forms_on_every_backend() {
    for db in backends().await {
        let d = widget_desk(|s| s.database_url = Some(db.url.clone())).await;
        assert_eq!(d.helpdesk.store().backend_name(), db.store.backend_name());
        let id = a_request_form_is_handed_in_for_the_signed_in_staff_member(&d).await;
        a_returned_request_is_corrected_in_the_form_and_resubmitted(&d, id).await;
        the_loan_form_shows_availability_offers_the_nearest_free_dates_and_reserves(&d).await;
    }
}

/// Returns the request it made.
async fn a_request_form_is_handed_in_for_the_signed_in_staff_member(d: &Desk) -> i64 {
    let token = request_form_open(d).await;
    let form_uri = format!("/api/v1/chat/{token}/form");
    let (status, body) = d.http(widget_request("GET", &form_uri, None, true)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let form = &body["form"];
    assert_eq!(
        (form["kind"].as_str(), form["type"].as_str()),
        (Some("request"), Some("ad-account-add"))
    );
    let kinds: Vec<(&str, &str, bool)> = form["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap(),
                f["kind"].as_str().unwrap(),
                f["required"] == true,
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("staff", "staff", true),
            ("network", "network", true),
            ("login", "text", true),
            ("start_date", "date", true),
            ("note", "text", false),
        ]
    );
    assert_eq!(form["fields"][1]["choices"].as_array().unwrap().len(), 3);

    let uri = format!("/api/v1/chat/{token}/request");
    let body = json!({"message_id": "form-1", "fields": account_fields()});
    let (status, sent) = d
        .http(widget_request("POST", &uri, Some(&body), true))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let number = sent["number"].as_str().unwrap().to_owned();
    assert!(number.starts_with("R-"), "{sent}");
    let texts: Vec<&str> = sent["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts.len(), 2, "{sent}");
    assert!(
        texts[0].contains("・ログインID：numazu.hanako"),
        "{texts:?}"
    );
    assert!(texts[1].contains(&format!("申請 {number}")) && texts[1].contains("受け付けました"));

    let id: i64 = number[2..].parse().unwrap();
    let row = d.helpdesk.requests().request(id).await.unwrap();
    assert_eq!(row.requester_no, "10001", "the signed-in staff member asks");
    assert_eq!(row.channel, Channel::Widget);
    assert!(row.conversation_id.is_some());
    // The conversation is idle again: no form, and the same form twice is answered once.
    let (_, messages) = d
        .http(widget_request(
            "GET",
            &format!("/api/v1/chat/{token}/messages?after=0"),
            None,
            true,
        ))
        .await;
    assert!(messages.get("form").is_none(), "{messages}");
    let before = rows(d).await;
    let (status, again) = d
        .http(widget_request("POST", &uri, Some(&body), true))
        .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["messages"][0]["text"].as_str(), Some(texts[1]));
    assert_eq!(rows(d).await, before);
    id
}

/// 「再申請」 in the widget: the form comes back with the answers now, and handing it in
/// resubmits the same request (no new one), as the chat's dialogue does; a request
/// cancelled meanwhile is refused with nothing stored.
async fn a_returned_request_is_corrected_in_the_form_and_resubmitted(d: &Desk, id: i64) {
    let give_back = |id: i64| {
        operator_post(
            &format!("/api/v1/requests/{id}/return"),
            &json!({"operator": ADMIN, "reason": "ログインIDは姓.名の順にしてください"}),
        )
    };
    let (status, body) = d.http(give_back(id)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut token = String::new();
    let opened = chat(d, &mut token, "再申請したい").await;
    assert_eq!(opened["form"], "request", "{opened}");
    let said = texts(&opened).join("\n");
    assert!(
        said.contains(&format!("申請 R-{id}")) && said.contains("下のフォームに今の内容"),
        "{said}"
    );
    assert!(
        !said.contains("今の内容："),
        "no field asked in the chat: {said}"
    );
    let (_, body) = d
        .http(widget_request(
            "GET",
            &format!("/api/v1/chat/{token}/form"),
            None,
            true,
        ))
        .await;
    let login = body["form"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "login")
        .unwrap()
        .clone();
    assert_eq!(login["value"], "numazu.hanako", "{body}");

    let requests_before = count(d, "requests").await;
    let uri = format!("/api/v1/chat/{token}/request");
    let mut fields = account_fields();
    fields.insert("login".into(), json!("hanako.numazu"));
    // Handed in on this conversation by someone else signed in (10002): refused, and
    // nothing stored.
    let before = rows(d).await;
    let body = json!({"message_id": "resubmit-0", "fields": fields});
    let as_hanako = Request::builder()
        .method("POST")
        .uri(&uri)
        .header("origin", PORTAL)
        .header("x-remote-user", "10002")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, refused) = d.http(as_hanako).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("申請した本人だけ"),
        "{refused}"
    );
    assert_eq!(rows(d).await, before);
    let body = json!({"message_id": "resubmit-1", "fields": fields});
    let (status, sent) = d
        .http(widget_request("POST", &uri, Some(&body), true))
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a resubmission makes nothing new: {sent}"
    );
    assert_eq!(sent["number"], format!("R-{id}"), "{sent}");
    let said = texts(&sent);
    assert!(
        said[0].contains(&format!("R-{id} の再申請")) && said[0].contains("hanako.numazu"),
        "{said:?}"
    );
    assert!(
        said[1].contains(&format!("申請 R-{id}")) && said[1].contains("受け付けました"),
        "{said:?}"
    );
    assert_eq!(
        count(d, "requests").await,
        requests_before,
        "no new request"
    );
    let row = d.helpdesk.requests().request(id).await.unwrap();
    assert_eq!(row.status, madoguchi::domain::RequestStatus::Submitted);
    let stored: Value = serde_json::from_str(&row.fields).unwrap();
    assert_eq!(stored["login"], "hanako.numazu");
    let view = d.helpdesk.requests().view(id, ADMIN).await.unwrap();
    let last = view.events.last().unwrap();
    assert_eq!(
        (last.action, last.actor.as_str()),
        (madoguchi::domain::RequestAction::Resubmit, "10001")
    );

    // Returned again, the form opened, then the request cancelled by an admin: the
    // form is refused, and nothing is stored.
    let (status, body) = d.http(give_back(id)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut token = String::new();
    let opened = chat(d, &mut token, &format!("R-{id} を再申請")).await;
    assert_eq!(opened["form"], "request", "{opened}");
    let (status, body) = d
        .http(operator_post(
            &format!("/api/v1/requests/{id}/cancel"),
            &json!({"operator": ADMIN, "reason": "重複のため"}),
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let before = rows(d).await;
    let uri = format!("/api/v1/chat/{token}/request");
    let body = json!({"message_id": "resubmit-2", "fields": account_fields()});
    let (status, refused) = d
        .http(widget_request("POST", &uri, Some(&body), true))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["code"], "refused", "{refused}");
    assert_eq!(rows(d).await, before);
    assert_eq!(
        d.helpdesk.requests().request(id).await.unwrap().status,
        madoguchi::domain::RequestStatus::Cancelled
    );
}

#[tokio::test]
async fn bad_fields_are_named_one_by_one_and_nothing_is_stored() {
    let d = widget_desk(|_| {}).await;
    let token = request_form_open(&d).await;
    let uri = format!("/api/v1/chat/{token}/request");
    let before = rows(&d).await;
    let bad = json!({"message_id": "form-1", "fields": {
        "staff": "99999", "network": ["庁内LAN"], "login": "沼津 花子",
        "start_date": "2020-01-01", "colour": "red"}});
    let (status, body) = d.http(widget_request("POST", &uri, Some(&bad), true)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_fields");
    let fields = body["error"]["fields"].as_object().unwrap();
    let named: Vec<&str> = fields.keys().map(String::as_str).collect();
    assert_eq!(named, ["colour", "login", "network", "staff", "start_date"]);
    assert!(fields["staff"]
        .as_str()
        .unwrap()
        .contains("職員番号 99999 は職員名簿にありません"));
    assert_eq!(rows(&d).await, before, "nothing stored");

    // A requester from the browser is not a field of the form.
    let spoof = json!({"message_id": "form-2", "requester": "10002", "fields": account_fields()});
    let (status, _) = d
        .http(widget_request("POST", &uri, Some(&spoof), true))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Without the portal's identity the form cannot be handed in.
    let good = json!({"message_id": "form-3", "fields": account_fields()});
    let (status, body) = d
        .http(widget_request("POST", &uri, Some(&good), false))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("unknown_requester"))
    );
    // An unknown conversation, and one with no form open.
    let other = format!("/api/v1/chat/{}/request", "0".repeat(32));
    let (status, _) = d
        .http(widget_request("POST", &other, Some(&good), true))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let mut idle = String::new();
    chat(&d, &mut idle, "こんにちは").await;
    let idle_uri = format!("/api/v1/chat/{idle}/request");
    let (status, body) = d
        .http(widget_request("POST", &idle_uri, Some(&good), true))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("no_form"))
    );
    let before = rows(&d).await;
    let bad_id = json!({"message_id": "no spaces", "fields": account_fields()});
    let (status, _) = d
        .http(widget_request("POST", &uri, Some(&bad_id), true))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(rows(&d).await, before, "nothing stored");
}

#[tokio::test]
async fn a_page_on_another_origin_cannot_hand_in_a_form_and_forms_are_rate_limited() {
    let d = widget_desk(|s| {
        s.widget.allowed_origins = vec![PORTAL.into()];
        s.widget.conversation_messages_per_minute = 3;
    })
    .await;
    let token = request_form_open(&d).await;
    let uri = format!("/api/v1/chat/{token}/request");
    let before = rows(&d).await;
    for path in ["request", "reservation"] {
        let request = Request::post(format!("/api/v1/chat/{token}/{path}"))
            .header("origin", "https://evil.example")
            .header("x-remote-user", "10001")
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"message_id": "x", "fields": account_fields()}).to_string(),
            ))
            .unwrap();
        let (status, body) = d.http(request).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden_origin"))
        );
    }
    assert_eq!(rows(&d).await, before, "nothing stored");
    // The limits live in one application: three hand-ins a minute, the fourth is 429.
    let app = madoguchi::http::app(d.helpdesk.clone());
    let bad = json!({"message_id": "form-1", "fields": {}});
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let request = widget_request("POST", &uri, Some(&bad), true);
        statuses.push(app.clone().oneshot(request).await.unwrap().status());
    }
    let limited = StatusCode::TOO_MANY_REQUESTS;
    assert_eq!(
        statuses,
        [
            StatusCode::BAD_REQUEST,
            StatusCode::BAD_REQUEST,
            StatusCode::BAD_REQUEST,
            limited
        ]
    );
}

async fn training_pcs(d: &Desk, quantity: i64) {
    let item = NewItem {
        id: "training-pc".into(),
        name: "研修用端末".into(),
        kind: ItemKind::Pool,
        quantity,
        max_days: None,
    };
    d.helpdesk.loans().create_item(&item, "test").await.unwrap();
}

fn loan_body(message_id: &str, quantity: &str, from: &str, to: &str, purpose: &str) -> Value {
    json!({"message_id": message_id, "item": "training-pc", "quantity": quantity,
           "from_date": from, "from_time": "", "to_date": to, "to_time": "", "purpose": purpose})
}

async fn the_loan_form_shows_availability_offers_the_nearest_free_dates_and_reserves(d: &Desk) {
    training_pcs(d, 5).await;
    let mut token = String::new();
    let asked = chat(
        d,
        &mut token,
        "研修用のパソコンを12月10日から2日間3台借りたい",
    )
    .await;
    assert_eq!(asked["form"], "loan", "{asked}");
    let said = texts(&asked).join("\n");
    assert!(said.contains("下の予約フォーム"), "{said}");
    assert!(
        !said.contains("よろしいですか"),
        "no chat confirmation: {said}"
    );
    // Four of five taken on 10–11 December by someone else.
    let taken = ReservationRequest {
        item: "training-pc".into(),
        quantity: 4,
        from: When::Day("2026-12-10".parse().unwrap()),
        to: When::Day("2026-12-11".parse().unwrap()),
        requester: "10002".into(),
        purpose: "研修".into(),
        channel: Channel::Api,
        conversation_id: None,
        actor: "10002".into(),
    };
    d.helpdesk.loans().reserve(&taken).await.unwrap();
    let (status, body) = d
        .http(widget_request(
            "GET",
            &format!("/api/v1/chat/{token}/form"),
            None,
            true,
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let values = &body["form"]["values"];
    assert_eq!(body["form"]["kind"], "loan");
    assert_eq!(
        [
            &values["item"],
            &values["quantity"],
            &values["from_date"],
            &values["to_date"],
            &values["purpose"]
        ],
        [
            &json!("training-pc"),
            &json!("3"),
            &json!("2026-12-10"),
            &json!("2026-12-11"),
            &json!("研修")
        ]
    );
    assert_eq!(body["form"]["items"][0]["quantity"], 5);

    let availability = |quantity: &str, from: &str, to: &str| {
        format!("/api/v1/chat/{token}/availability?item=training-pc&quantity={quantity}&from_date={from}&to_date={to}")
    };
    let (status, free) = d
        .http(widget_request(
            "GET",
            &availability("3", "2026-12-10", "2026-12-11"),
            None,
            true,
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{free}");
    assert_eq!(
        (free["available"].as_i64(), free["enough"].as_bool()),
        (Some(1), Some(false))
    );
    assert_eq!(free["alternative"]["from_date"], "2026-12-14", "{free}");
    assert!(
        free["message"]
            .as_str()
            .unwrap()
            .contains("からなら空いています"),
        "{free}"
    );
    let (_, enough) = d
        .http(widget_request(
            "GET",
            &availability("1", "2026-12-10", "2026-12-11"),
            None,
            true,
        ))
        .await;
    assert_eq!(enough["message"], "空き：1台", "{enough}");
    let (status, bad) = d
        .http(widget_request(
            "GET",
            &availability("x", "2026-12-40", "2026-12-11"),
            None,
            true,
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");

    let uri = format!("/api/v1/chat/{token}/reservation");
    let before = rows(d).await;
    for (body, named) in [
        (
            loan_body("a", "0", "2026-13-01", "2026-12-11", ""),
            vec!["from", "purpose", "quantity"],
        ),
        (
            loan_body("b", "3", "2026-11-20", "2026-11-21", "研修"),
            vec!["from"],
        ),
        (
            loan_body("c", "3", "2026-12-14", "2026-12-11", "研修"),
            vec!["to"],
        ),
    ] {
        let (status, refused) = d
            .http(widget_request("POST", &uri, Some(&body), true))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        let fields: Vec<&str> = refused["error"]["fields"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(fields, named, "{refused}");
    }
    let full = loan_body("d", "3", "2026-12-10", "2026-12-11", "研修");
    let (status, refused) = d
        .http(widget_request("POST", &uri, Some(&full), true))
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("unavailable"))
    );
    assert_eq!(refused["error"]["available"], 1);
    assert_eq!(rows(d).await, before, "nothing stored");

    let moved = loan_body("e", "3", "2026-12-14", "2026-12-15", "新規採用職員研修");
    let (status, sent) = d
        .http(widget_request("POST", &uri, Some(&moved), true))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let number = sent["number"].as_str().unwrap();
    assert!(number.starts_with("L-"), "{sent}");
    let id: i64 = number[2..].parse().unwrap();
    let made = d.helpdesk.loans().reservation(id).await.unwrap();
    assert_eq!((made.requester_no.as_str(), made.quantity), ("10001", 3));
    assert_eq!(made.channel, Channel::Widget);
    let reply = sent["messages"][1]["text"].as_str().unwrap();
    assert!(reply.contains(&format!("予約 {number}")), "{reply}");
}

/// A licence (whole days) taken on the days asked: the nearest free period the form
/// offers is as many days long, with no times (a licence's period ends at the midnight
/// after its last day, which is not a day asked for).
#[tokio::test]
async fn the_nearest_free_licence_period_is_as_long_as_the_one_asked() {
    let d = widget_desk(|_| {}).await;
    let item = NewItem {
        id: "licence".into(),
        name: "Web会議ライセンス".into(),
        kind: ItemKind::LicencePool,
        quantity: 1,
        max_days: None,
    };
    d.helpdesk.loans().create_item(&item, "test").await.unwrap();
    let taken = ReservationRequest {
        item: "licence".into(),
        quantity: 1,
        from: When::Day("2026-12-10".parse().unwrap()),
        to: When::Day("2026-12-11".parse().unwrap()),
        requester: "10002".into(),
        purpose: "会議".into(),
        channel: Channel::Api,
        conversation_id: None,
        actor: "10002".into(),
    };
    d.helpdesk.loans().reserve(&taken).await.unwrap();
    let mut token = String::new();
    let asked = chat(
        &d,
        &mut token,
        "Web会議ライセンスを12月10日から2日間1件借りたい",
    )
    .await;
    assert_eq!(asked["form"], "loan", "{asked}");
    let uri = format!(
        "/api/v1/chat/{token}/availability?item=licence&quantity=1&from_date=2026-12-10&to_date=2026-12-11"
    );
    let (status, free) = d.http(widget_request("GET", &uri, None, true)).await;
    assert_eq!(status, StatusCode::OK, "{free}");
    assert_eq!(free["enough"], false, "{free}");
    let alternative = &free["alternative"];
    assert_eq!(
        [
            &alternative["from_date"],
            &alternative["to_date"],
            &alternative["from_time"],
            &alternative["to_time"]
        ],
        [
            &json!("2026-12-14"),
            &json!("2026-12-15"),
            &json!(""),
            &json!("")
        ],
        "{free}"
    );
    let message = free["message"].as_str().unwrap();
    assert!(
        message.contains("12月14日(月) からなら空いています"),
        "a day, no time: {message}"
    );
    // The alternative, as offered, is free.
    let uri = format!(
        "/api/v1/chat/{token}/availability?item=licence&quantity=1&from_date=2026-12-14&to_date=2026-12-15"
    );
    let (_, offered) = d.http(widget_request("GET", &uri, None, true)).await;
    assert_eq!(offered["enough"], true, "{offered}");
}
