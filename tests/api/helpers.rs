//! `spawn_app()` and small helpers to send requests and read JSON answers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use madoguchi::config::Settings;
use madoguchi::helpdesk::Helpdesk;
use madoguchi::kb::FaqEntry;
use serde_json::Value;
use tempfile::TempDir;
use tower::ServiceExt;

/// How long any one request may take. Generous: a debug build on a busy machine answers
/// in milliseconds; a request that takes seconds is a bug.
const REQUEST_DEADLINE: Duration = Duration::from_secs(2);

/// The three decisions the API documents.
pub const DECISIONS: [&str; 3] = ["answer", "suggest", "escalate"];

/// One helpdesk for one test: its own database in a temporary folder, the repository's
/// knowledge base as the seed.
pub struct TestApp {
    pub helpdesk: Arc<Helpdesk>,
    router: Router,
    // Kept for the life of the test; the folder (and the database) goes when it drops.
    _data_dir: TempDir,
}

/// An answer, its body kept both as text (to look for echoed markup) and as JSON.
pub struct TestResponse {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub text: String,
    pub json: Value,
}

pub async fn spawn_app() -> TestApp {
    let data_dir = TempDir::new().expect("temporary data folder");
    let settings = Settings {
        data_dir: data_dir.path().to_path_buf(),
        database_url: None,
        kb_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge-base").into(),
        // Lexical only: semantic retrieval has its own tests (tests/api/semantic.rs,
        // tests/engine.rs); a fresh database would encode the whole knowledge base first.
        semantic: madoguchi::config::SemanticSettings {
            model: Default::default(),
            query_adapter: String::new(),
        },
        ..Settings::default()
    };
    let helpdesk = Arc::new(Helpdesk::open(settings).await.expect("open the helpdesk"));
    TestApp {
        router: madoguchi::http::app(helpdesk.clone()),
        helpdesk,
        _data_dir: data_dir,
    }
}

impl TestApp {
    /// Sends one request and reads the whole answer, failing the test when it takes
    /// longer than [`REQUEST_DEADLINE`].
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let what = format!("{} {}", request.method(), request.uri());
        let started = Instant::now();
        let exchange = async {
            let response = self
                .router
                .clone()
                .oneshot(request)
                .await
                .expect("infallible");
            let status = response.status();
            let content_type = response
                .headers()
                .get(header::CONTENT_TYPE)
                .map(|v| v.to_str().unwrap_or_default().to_owned());
            let bytes = response
                .into_body()
                .collect()
                .await
                .expect("read the body")
                .to_bytes();
            (status, content_type, bytes)
        };
        let (status, content_type, bytes) = tokio::time::timeout(REQUEST_DEADLINE, exchange)
            .await
            .unwrap_or_else(|_| panic!("{what} was not answered within {REQUEST_DEADLINE:?}"));
        // The timeout cannot interrupt work that never yields, so check the clock as well.
        let elapsed = started.elapsed();
        assert!(
            elapsed < REQUEST_DEADLINE,
            "{what} took {elapsed:?} (deadline {REQUEST_DEADLINE:?})"
        );
        let text = String::from_utf8(bytes.to_vec())
            .unwrap_or_else(|e| panic!("{what}: answer is not UTF-8: {e}"));
        let json = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{what}: answer is not JSON ({e}): {status} {text:?}"));
        TestResponse {
            status,
            content_type,
            text,
            json,
        }
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.send(request(Method::GET, uri, Body::empty())).await
    }

    /// POSTs raw bytes as `application/json` to `/api/v1/ask`.
    pub async fn post_ask(&self, body: impl Into<Body>) -> TestResponse {
        self.send(request(Method::POST, "/api/v1/ask", body.into()))
            .await
    }

    /// POSTs `{"text": text}` to `/api/v1/ask`.
    pub async fn ask(&self, text: &str) -> TestResponse {
        self.post_ask(serde_json::json!({ "text": text }).to_string())
            .await
    }

    /// Stores `entry` as staff would and makes the engine answer from it.
    pub async fn save_and_reload(&self, entry: &FaqEntry) {
        self.helpdesk
            .store()
            .save_faq(entry, "test")
            .await
            .expect("save the entry");
        self.helpdesk
            .knowledge()
            .reload()
            .await
            .expect("reload the engine");
    }

    /// The entry count `/healthz` reports.
    pub async fn healthz_faqs(&self) -> u64 {
        let health = self.get("/healthz").await;
        assert_eq!(health.status, StatusCode::OK, "{}", health.text);
        health.json["faqs"].as_u64().expect("faqs is a number")
    }
}

pub fn request(method: Method, uri: &str, body: Body) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .expect("a valid request")
}

impl TestResponse {
    /// Asserts the API's error shape: `status`, JSON, `{"error": {"code", "message"}}`
    /// with `code` and a non-empty message.
    #[track_caller]
    pub fn assert_error(&self, status: StatusCode, code: &str) {
        assert_eq!(self.status, status, "body: {}", self.text);
        assert_json_content_type(self);
        let error = &self.json["error"];
        assert_eq!(error["code"], code, "body: {}", self.text);
        let message = error["message"].as_str().unwrap_or_default();
        assert!(!message.trim().is_empty(), "no message: {}", self.text);
        let keys: Vec<&String> = self.json.as_object().expect("an object").keys().collect();
        assert_eq!(keys, ["error"], "only `error` at the top: {}", self.text);
    }

    /// Asserts a 200 answer of the documented ask shape and returns its decision.
    #[track_caller]
    pub fn assert_ask_shape(&self) -> &str {
        assert_eq!(self.status, StatusCode::OK, "body: {}", self.text);
        assert_json_content_type(self);
        let body = &self.json;
        let decision = body["decision"].as_str().expect("decision is a string");
        assert!(DECISIONS.contains(&decision), "decision {decision:?}");
        assert!(body["reason"].is_string(), "reason: {}", self.text);
        assert!(body["intent"].is_string(), "intent: {}", self.text);
        assert!(body["truncated"].is_boolean(), "truncated: {}", self.text);
        assert!(body["question_id"].is_i64(), "question_id: {}", self.text);
        let candidates = body["candidates"].as_array().expect("candidates is a list");
        assert!(candidates.len() <= 5, "at most five candidates");
        for candidate in candidates {
            assert!(candidate["id"].as_str().is_some_and(|s| !s.is_empty()));
            assert!(candidate["title"].as_str().is_some_and(|s| !s.is_empty()));
            let score = candidate["score"].as_f64().expect("score is a number");
            assert!((0.0..=1.0).contains(&score), "score {score} outside 0..1");
        }
        let scores: Vec<f64> = candidates
            .iter()
            .filter_map(|c| c["score"].as_f64())
            .collect();
        assert!(
            scores.windows(2).all(|w| w[0] >= w[1]),
            "candidates best first: {scores:?}"
        );
        match (decision, &body["answer"]) {
            ("answer", answer) => {
                assert_eq!(
                    answer["id"], candidates[0]["id"],
                    "answer is the top candidate"
                );
                for field in ["title", "category", "body_markdown", "body_html"] {
                    assert!(answer[field].is_string(), "answer.{field}: {}", self.text);
                }
                assert!(answer["score"].is_number());
            }
            (_, answer) => assert!(
                answer.is_null(),
                "no answer unless answering: {}",
                self.text
            ),
        }
        decision
    }
}

#[track_caller]
fn assert_json_content_type(response: &TestResponse) {
    assert_eq!(
        response.content_type.as_deref(),
        Some("application/json"),
        "body: {}",
        response.text
    );
}

/// A published entry with the given question and answer, in a made-up category.
pub fn entry(id: &str, title: &str, body: &str) -> FaqEntry {
    FaqEntry {
        id: id.to_owned(),
        title: title.to_owned(),
        category: "テスト用".to_owned(),
        keywords: Vec::new(),
        alternatives: Vec::new(),
        related: Vec::new(),
        body: body.to_owned(),
        published: true,
    }
}
