//! Semantic retrieval as `/healthz` shows it: hybrid with the sentence encoder's model
//! (vectors computed when entries are imported, stored, and read back on the next
//! start), lexical only without it. The model is `models/use-multilingual-v3` (or
//! `$MADOGUCHI_SENTENCE_ENCODER_DIR`): without it the hybrid test passes after a notice,
//! and fails when MADOGUCHI_REQUIRE_MODEL=1.

use std::path::PathBuf;

use axum::body::Body;
use axum::http::Request;
use madoguchi::config::Settings;
use madoguchi::helpdesk::Helpdesk;
use tempfile::TempDir;

fn model_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("MADOGUCHI_SENTENCE_ENCODER_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/models/use-multilingual-v3"
            ))
        });
    if dir.join("weights.npz").exists() {
        return Some(dir);
    }
    assert!(
        std::env::var("MADOGUCHI_REQUIRE_MODEL").as_deref() != Ok("1"),
        "MADOGUCHI_REQUIRE_MODEL=1 but no model at {} (run scripts/fetch-model)",
        dir.display()
    );
    eprintln!(
        "SKIPPED: sentence-encoder model not found at {} (run scripts/fetch-model)",
        dir.display()
    );
    None
}

fn settings(dir: &TempDir, model: PathBuf) -> Settings {
    let mut settings = Settings {
        data_dir: dir.path().to_path_buf(),
        kb_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge-base").into(),
        ..Settings::default()
    };
    settings.semantic.model = model;
    settings
}

async fn health(helpdesk: std::sync::Arc<Helpdesk>) -> serde_json::Value {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let response = madoguchi::http::app(helpdesk)
        .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn with_the_model_retrieval_is_hybrid_from_stored_vectors() {
    let Some(model) = model_dir() else { return };
    let dir = TempDir::new().unwrap();
    let helpdesk = Helpdesk::open(settings(&dir, model.clone())).await.unwrap();
    let stored = madoguchi::storage::faq_vectors::count(&mut helpdesk.store().conn())
        .await
        .unwrap();
    // The question, each alternative and question + answer of every entry.
    assert!(
        stored > 3 * helpdesk.knowledge().entry_count() as i64,
        "{stored}"
    );
    let helpdesk = std::sync::Arc::new(helpdesk);
    let body = health(helpdesk.clone()).await;
    assert_eq!(body["retrieval"], "hybrid", "{body}");
    assert_eq!(body["semantic"]["vectors"], stored, "{body}");
    assert!(body["semantic"]["model_id"]
        .as_str()
        .unwrap()
        .starts_with("use-multilingual-v3/"));
    assert_eq!(body["semantic"]["query_adapter"], "built-in", "{body}");
    // The commonest questions are answered directly; content-free messages never are.
    for (question, id) in [
        ("パスワード忘れた", "account-password-forgot"),
        ("メールが送れない", "mail-cannot-send"),
        ("プリンターが動かない", "print-cannot-print"),
        // All in hiragana: spelt out in the entries' words (静脈認証の登録) for both sides.
        ("じょうみゃくにんしょうのとうろく", "account-vein-register"),
        ("ぱすわーどわすれた", "account-password-forgot"),
        // Half-width katakana beside hiragana: わすれ is read as 忘れ (p 0.986).
        ("ﾊﾟｽﾜｰﾄﾞわすれた", "account-password-forgot"),
        // Verbs typed in kana are read in their inflected form (動かない, not うご課内),
        // synonyms' variants too (送る → 送信), and できない stays one word.
        ("ぷりんたーがうごかない", "print-cannot-print"),
        ("めーるがおくれない", "mail-cannot-send"),
        ("いんさつできない", "print-cannot-print"),
        ("えくせるがひらけない", "office-file-wont-open"),
        // Helping verbs win over words that sound the same (しないで, not 市内で; しよう,
        // not 使用), and verbs are read in their colloquial perfective (閉じちゃった).
        (
            "ほぞんしないでとじちゃった もどせる？",
            "office-recover-unsaved",
        ),
        ("ごそうしんしちゃった どうしよう", "mail-missent"),
    ] {
        let asked = helpdesk.conversations().ask(question, "web").await.unwrap();
        let answer = asked.outcome.answer().map(|c| c.id.as_str());
        assert_eq!(answer, Some(id), "{question}: {:?}", asked.outcome);
    }
    // The right entry first, offered at least: a paraphrase the issue found not found at
    // all (answered, but too near the threshold to require it).
    for (question, id) in [("手かざしても反応しない", "account-vein-not-recognized")] {
        let asked = helpdesk.conversations().ask(question, "web").await.unwrap();
        assert_eq!(
            asked.outcome.candidates.first().map(|c| c.id.as_str()),
            Some(id),
            "{question}: {:?}",
            asked.outcome
        );
        assert_ne!(
            asked.outcome.decision,
            madoguchi::engine::Decision::Escalate,
            "{question}"
        );
    }
    for question in ["2", "あ", "？", "12"] {
        let asked = helpdesk.conversations().ask(question, "web").await.unwrap();
        assert!(
            asked.outcome.candidates.is_empty(),
            "{question}: {:?}",
            asked.outcome
        );
    }
    drop(helpdesk);
    // The next start reads the stored vectors: nothing new is stored.
    let again = Helpdesk::open(settings(&dir, model)).await.unwrap();
    let after = madoguchi::storage::faq_vectors::count(&mut again.store().conn())
        .await
        .unwrap();
    assert_eq!(after, stored);
    assert_eq!(again.knowledge().engine().vector_count() as i64, stored);
}

#[tokio::test]
async fn without_the_model_retrieval_is_lexical_and_healthz_says_why() {
    let dir = TempDir::new().unwrap();
    let helpdesk = Helpdesk::open(settings(&dir, "/nonexistent/use-model".into()))
        .await
        .unwrap();
    assert_eq!(helpdesk.knowledge().engine().vector_count(), 0);
    let body = health(std::sync::Arc::new(helpdesk)).await;
    assert_eq!(body["status"], "ok", "{body}");
    assert_eq!(body["retrieval"], "lexical", "{body}");
    assert!(
        body["semantic"]["off"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/use-model"),
        "{body}"
    );
}

#[tokio::test]
async fn the_query_adapter_is_built_in_a_citys_own_file_or_off_and_a_bad_file_is_refused() {
    let Some(model) = model_dir() else { return };
    let question = "受信トレイがパンパンで送信できない";
    // The cosine of the question with its top entry's nearest question, and /healthz.
    async fn asked(settings: Settings, question: &str) -> (f32, serde_json::Value) {
        let helpdesk = std::sync::Arc::new(Helpdesk::open(settings).await.unwrap());
        let asked = helpdesk.conversations().ask(question, "web").await.unwrap();
        let top = asked.outcome.candidates.first().expect("a candidate").dense;
        (top, health(helpdesk).await)
    }
    let dir = TempDir::new().unwrap();
    let (built_in, body) = asked(settings(&dir, model.clone()), question).await;
    assert_eq!(body["semantic"]["query_adapter"], "built-in", "{body}");

    let dir = TempDir::new().unwrap();
    let mut off = settings(&dir, model.clone());
    off.semantic.query_adapter = "off".into();
    let (unmoved, body) = asked(off, question).await;
    assert!(body["semantic"]["query_adapter"].is_null(), "{body}");
    assert_ne!(unmoved, built_in, "the built-in adapter moves the question");

    // A city's own file (here the identity, which moves nothing) is used as named.
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("numazu-adapter.bin");
    let identity: Vec<u8> = (0..512 * 512)
        .flat_map(|i| f32::from(u8::from(i / 512 == i % 512)).to_le_bytes())
        .collect();
    std::fs::write(&file, &identity).unwrap();
    let mut own = settings(&dir, model.clone());
    own.semantic.query_adapter = file.display().to_string();
    let (same, body) = asked(own.clone(), question).await;
    assert_eq!(
        body["semantic"]["query_adapter"],
        file.display().to_string(),
        "{body}"
    );
    assert_eq!(same, unmoved);

    // A knowledge base the city wrote itself (eval/fresh/kb): the built-in matrix, fitted
    // on the bundled entries, is left out; a file the city names is used all the same.
    let fresh_kb = concat!(env!("CARGO_MANIFEST_DIR"), "/eval/fresh/kb");
    let city_dir = TempDir::new().unwrap();
    let mut city = settings(&city_dir, model.clone());
    city.kb_dir = fresh_kb.into();
    let body = health(std::sync::Arc::new(Helpdesk::open(city).await.unwrap())).await;
    assert!(body["semantic"]["model_id"].is_string(), "{body}");
    assert!(body["semantic"]["query_adapter"].is_null(), "{body}");
    let city_dir = TempDir::new().unwrap();
    let mut city_file = own.clone();
    city_file.data_dir = city_dir.path().to_path_buf();
    city_file.kb_dir = fresh_kb.into();
    let body = health(std::sync::Arc::new(
        Helpdesk::open(city_file).await.unwrap(),
    ))
    .await;
    assert_eq!(
        body["semantic"]["query_adapter"],
        file.display().to_string(),
        "{body}"
    );

    // A file of the wrong size: the helpdesk does not start, and says which file.
    std::fs::write(&file, &identity[..1000]).unwrap();
    let error = format!("{:#}", Helpdesk::open(own).await.err().expect("refused"));
    assert!(
        error.contains("query_adapter") && error.contains("numazu-adapter.bin"),
        "{error}"
    );
}

#[tokio::test]
async fn the_built_in_adapter_follows_the_live_entries_as_a_city_replaces_them_and_puts_them_back()
{
    let Some(model) = model_dir() else { return };
    let dir = TempDir::new().unwrap();
    let helpdesk = std::sync::Arc::new(Helpdesk::open(settings(&dir, model)).await.unwrap());
    let knowledge = helpdesk.knowledge();
    // The cosine of a question with one bundled entry kept live throughout: the adapter
    // in effect moves the question, so it tells whether one is applied.
    const KEPT: &str = "account-password-forgot";
    const QUESTION: &str = "パスワード忘れた";
    let cosine = || {
        let outcome = knowledge.engine().ask(QUESTION);
        let kept = outcome.candidates.iter().find(|c| c.id == KEPT);
        kept.unwrap_or_else(|| panic!("{KEPT} among {outcome:?}"))
            .dense
    };
    let body = health(helpdesk.clone()).await;
    assert_eq!(body["semantic"]["query_adapter"], "built-in", "{body}");
    let bundled = madoguchi::kb::files::load_dir(&helpdesk.settings().kb_dir).unwrap();
    let adapted = cosine();

    // A city imports its own entries and unpublishes most of the bundled ones, as the
    // console's import does: the built-in adapter, fitted on the bundled entries, is
    // left out at once, without a restart.
    let fresh_kb = concat!(env!("CARGO_MANIFEST_DIR"), "/eval/fresh/kb");
    let own = madoguchi::kb::files::load_dir(std::path::Path::new(fresh_kb)).unwrap();
    let kept = [
        "account-password-forgot",
        "mail-cannot-send",
        "print-cannot-print",
    ];
    let replaced: Vec<_> = own
        .iter()
        .cloned()
        .chain(bundled.iter().map(|e| madoguchi::kb::FaqEntry {
            published: kept.contains(&e.id.as_str()),
            ..e.clone()
        }))
        .collect();
    knowledge
        .import_faq_entries(&replaced, "yamada", "test")
        .await
        .unwrap();
    let body = health(helpdesk.clone()).await;
    assert_eq!(body["faqs"], own.len() + kept.len(), "{body}");
    assert_eq!(body["retrieval"], "hybrid", "{body}");
    assert!(body["semantic"]["query_adapter"].is_null(), "{body}");
    assert!(!knowledge.engine().adapts_questions());
    let unmoved = cosine();
    assert_ne!(unmoved, adapted, "the question is no longer moved");
    // Answers still work: the city's entries by their own questions, a kept one too.
    for entry in own.iter().take(5) {
        let asked = helpdesk
            .conversations()
            .ask(&entry.title, "web")
            .await
            .unwrap();
        assert_eq!(
            asked.outcome.answer().map(|c| c.id.as_str()),
            Some(entry.id.as_str()),
            "{}: {:?}",
            entry.title,
            asked.outcome
        );
    }
    let asked = helpdesk.conversations().ask(QUESTION, "web").await.unwrap();
    assert_eq!(
        asked.outcome.answer().map(|c| c.id.as_str()),
        Some(KEPT),
        "{:?}",
        asked.outcome
    );

    // The bundled entries published again: half of the live entries are theirs, and the
    // built-in adapter is back, moving questions as before.
    knowledge
        .import_faq_entries(&bundled, "yamada", "test")
        .await
        .unwrap();
    let body = health(helpdesk.clone()).await;
    assert_eq!(body["faqs"], own.len() + bundled.len(), "{body}");
    assert_eq!(body["semantic"]["query_adapter"], "built-in", "{body}");
    assert_eq!(cosine(), adapted);
}

/// Asks `text` over LoGoチャット in a room of its own.
async fn say(helpdesk: &Helpdesk, text: &str) -> madoguchi::conversation::Handled {
    use madoguchi::conversation::{Identity, Incoming};
    helpdesk
        .conversations()
        .receive(Incoming {
            channel: madoguchi::domain::Channel::LogoChat,
            room: "room-learn".into(),
            user_ref: "logo-taro".into(),
            user_name: Some("沼津 太郎".into()),
            identity: Identity::LogoChatId("logo-taro".into()),
            message_id: Some(madoguchi::conversation::new_token()),
            text: text.into(),
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn a_question_resolved_with_an_entry_joins_its_vectors_and_is_answered_with_it() {
    use madoguchi::engine::Decision;
    use madoguchi::tickets::OperatorAction;
    // Worded as no entry is: the bot cannot answer it today (the two words that would
    // match, 電源 and 起動, are missing).
    const QUESTION: &str = "朝来たらパソコンがウンともスンとも言わない";
    const ENTRY: &str = "pc-wont-start";
    let Some(model) = model_dir() else { return };
    let dir = TempDir::new().unwrap();
    let helpdesk = Helpdesk::open(settings(&dir, model)).await.unwrap();
    let engine = helpdesk.knowledge().engine();
    let before = engine.ask(QUESTION);
    assert_ne!(
        before.answer().map(|c| c.id.as_str()),
        Some(ENTRY),
        "{before:?}"
    );

    say(&helpdesk, QUESTION).await;
    say(&helpdesk, "はい").await;
    let tickets = helpdesk.tickets().list(None, false, 10).await.unwrap();
    assert_eq!(tickets.len(), 1, "{tickets:?}");
    assert_eq!(tickets[0].subject, QUESTION);
    let resolve = OperatorAction::Resolve {
        faq_id: Some(ENTRY.into()),
    };
    helpdesk
        .tickets()
        .act(tickets[0].id, "山田", resolve)
        .await
        .unwrap();

    // The resolution moved the knowledge base's generation: every instance rebuilds
    // (here, at once) and encodes the learned question once.
    helpdesk.knowledge().reload().await.unwrap();
    let learned: i64 = madoguchi::storage::sql(
        "SELECT COUNT(*) FROM faq_vectors WHERE kind = 'learned' AND faq_id = $1",
    )
    .bind(ENTRY)
    .scalar(&mut helpdesk.store().conn())
    .await
    .unwrap();
    assert_eq!(learned, 1);
    let after = engine.ask(QUESTION);
    assert_eq!(after.decision, Decision::Answer, "{after:?}");
    assert_eq!(after.candidates[0].id, ENTRY, "{after:?}");
    // Not the wording alone: the same question typed another way is answered too.
    let other = engine.ask("朝きたらﾊﾟｿｺﾝがうんともすんとも言いません");
    assert_eq!(other.candidates[0].id, ENTRY, "{other:?}");
}
