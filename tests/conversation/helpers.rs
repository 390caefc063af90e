//! A helpdesk per test (fresh SQLite, the bundled KB, a fixed clock, LoGo and operator
//! tokens set), and small helpers to talk to it like a channel would.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, NaiveDateTime, Utc};
use http_body_util::BodyExt;
use madoguchi::calendar;
use madoguchi::clock::FixedClock;
use madoguchi::config::{LogoChatSettings, Secret, Settings};
use madoguchi::conversation::{Channel, Handled, Identity, Incoming};
use madoguchi::helpdesk::Helpdesk;
use madoguchi::storage::StaffMember;
use serde_json::Value;
use tempfile::TempDir;
use tower::ServiceExt;

pub const LOGO_TOKEN: &str = "logo-test-token";
pub const OPERATOR_TOKEN: &str = "operator-test-token";

pub struct Desk {
    pub helpdesk: Arc<Helpdesk>,
    pub clock: Arc<FixedClock>,
    _dir: TempDir,
}

/// A weekday morning, office open: 2026-11-26 (Thu) 10:00 JST.
pub fn thursday_morning() -> DateTime<Utc> {
    jst("2026-11-26 10:00")
}

/// A time in Japan, as UTC.
pub fn jst(local: &str) -> DateTime<Utc> {
    let at = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").expect("YYYY-MM-DD HH:MM");
    calendar::to_utc(at)
}

pub async fn desk() -> Desk {
    desk_with(|_| {}).await
}

pub async fn desk_with(adjust: impl FnOnce(&mut Settings)) -> Desk {
    let dir = TempDir::new().unwrap();
    desk_in(dir, adjust).await
}

/// A desk whose data folder is `dir` (the database may be elsewhere: `adjust` can set
/// `database_url`).
pub async fn desk_in(dir: TempDir, adjust: impl FnOnce(&mut Settings)) -> Desk {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut settings = Settings {
        data_dir: dir.path().to_path_buf(),
        kb_dir: format!("{root}/knowledge-base").into(),
        prompts_dir: format!("{root}/prompts").into(),
        logochat: LogoChatSettings {
            token: Some(Secret(LOGO_TOKEN.into())),
            ..LogoChatSettings::default()
        },
        operator_token: Some(Secret(OPERATOR_TOKEN.into())),
        // Lexical only: semantic retrieval has its own tests (tests/api/semantic.rs,
        // tests/engine.rs); a fresh database would encode the whole knowledge base first.
        semantic: madoguchi::config::SemanticSettings {
            model: Default::default(),
            query_adapter: String::new(),
        },
        ..Settings::default()
    };
    adjust(&mut settings);
    let clock = Arc::new(FixedClock::new(thursday_morning()));
    let helpdesk = Helpdesk::open_with_clock(settings, clock.clone())
        .await
        .unwrap();
    helpdesk
        .store()
        .replace_staff(&[StaffMember {
            employee_no: "10001".into(),
            name: "沼津 太郎".into(),
            department: "ICT推進課".into(),
            email: Some("taro@city.numazu.lg.jp".into()),
            extension: Some("1234".into()),
            logochat_id: Some("logo-taro".into()),
        }])
        .await
        .unwrap();
    Desk {
        helpdesk: Arc::new(helpdesk),
        clock,
        _dir: dir,
    }
}

impl Desk {
    /// A LoGo message from 沼津 太郎 (in the directory) in room `room`.
    pub async fn logo(&self, room: &str, text: &str) -> Handled {
        self.helpdesk
            .conversations()
            .receive(Incoming {
                channel: Channel::LogoChat,
                room: room.into(),
                user_ref: "logo-taro".into(),
                user_name: Some("沼津 太郎".into()),
                identity: Identity::LogoChatId("logo-taro".into()),
                message_id: Some(madoguchi::conversation::new_token()),
                text: text.into(),
            })
            .await
            .unwrap()
    }

    /// An anonymous widget message in the conversation `token`.
    pub async fn widget(&self, token: &str, text: &str) -> Handled {
        self.helpdesk
            .conversations()
            .receive(Incoming {
                channel: Channel::Widget,
                room: token.into(),
                user_ref: String::new(),
                user_name: None,
                identity: Identity::Anonymous,
                message_id: None,
                text: text.into(),
            })
            .await
            .unwrap()
    }

    /// Sends a request through the whole HTTP application.
    pub async fn http(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = madoguchi::http::app(self.helpdesk.clone())
            .oneshot(request)
            .await
            .unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, json)
    }
}

/// The text of every reply, joined.
pub fn said(handled: &Handled) -> String {
    handled
        .replies
        .iter()
        .map(|m| m.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn json_post(uri: &str, body: &Value) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

pub fn operator_get(uri: &str) -> Request<Body> {
    Request::get(uri)
        .header("authorization", format!("Bearer {OPERATOR_TOKEN}"))
        .body(Body::empty())
        .unwrap()
}

pub fn operator_post(uri: &str, body: &Value) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {OPERATOR_TOKEN}"))
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// The ticket number a reply quotes (「受付番号は #12 です」).
pub fn ticket_in(text: &str) -> i64 {
    let after = text
        .split('#')
        .nth(1)
        .unwrap_or_else(|| panic!("no ticket number in {text:?}"));
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no ticket number in {text:?}"))
}

/// Sends each request and checks it is refused with `status` and error `code`.
pub async fn assert_refused(d: &Desk, cases: Vec<(Request<Body>, StatusCode, &str)>) {
    for (i, (request, status, code)) in cases.into_iter().enumerate() {
        let (got, body) = d.http(request).await;
        assert_eq!(
            (got, body["error"]["code"].as_str()),
            (status, Some(code)),
            "case {i}: {body}"
        );
    }
}
