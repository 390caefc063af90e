//! The knowledge base and question log.

use std::sync::Arc;

use chrono::Duration;
use madoguchi::clock::FixedClock;
use madoguchi::kb::FaqEntry;
use madoguchi::storage::{faqs, ImportReport, NewQuestion, StorageError, Store};
use sqlx::{Connection, PgConnection};
use tempfile::TempDir;

use crate::db::{backends, story_time};

fn entry(id: &str, title: &str, body: &str) -> FaqEntry {
    FaqEntry {
        id: id.to_owned(),
        title: title.to_owned(),
        category: "アカウント".to_owned(),
        keywords: vec!["パスワード".to_owned(), "ログイン".to_owned()],
        alternatives: vec![format!("{title}？")],
        related: vec![],
        body: body.to_owned(),
        published: true,
    }
}

/// A small knowledge base shaped like the bundled `knowledge-base/` seed.
fn sample() -> Vec<FaqEntry> {
    let mut printer = entry(
        "printer-paper-jam",
        "プリンターで紙が詰まりました",
        "1. 電源を切ります。",
    );
    printer.category = "プリンター".to_owned();
    printer.related = vec!["account-password-forgot".to_owned()];
    vec![
        entry(
            "account-password-forgot",
            "パスワードを忘れました",
            "ヘルプデスクへ連絡してください。",
        ),
        entry(
            "account-locked-out",
            "アカウントがロックされました",
            "30分待ってください。",
        ),
        printer,
    ]
}

fn question(text: &str) -> NewQuestion {
    NewQuestion {
        channel: "logo-chat".to_owned(),
        text: text.to_owned(),
        decision: "answered".to_owned(),
        top_faq_id: Some("account-password-forgot".to_owned()),
        top_score: Some(0.87),
        reason: Some("confident".to_owned()),
    }
}

#[tokio::test]
async fn importing_the_seed_twice_creates_nothing_the_second_time() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge-base");
    let seed = madoguchi::kb::files::load_dir(&dir).expect("bundled knowledge base loads");
    let n = seed.len();
    assert!(n > 0, "knowledge-base/ holds no entries");
    for db in backends().await {
        let store = &db.store;
        assert_eq!(
            store.import_faqs(&seed, "seed").await.unwrap(),
            report(n, 0, 0)
        );
        assert_eq!(
            store.import_faqs(&seed, "seed").await.unwrap(),
            report(0, 0, n)
        );
        assert_eq!(store.faq_count().await.unwrap(), i64::try_from(n).unwrap());
        assert_eq!(store.list_faqs().await.unwrap(), sorted(seed.clone()));
        let history = store.faq_revisions(&seed[0].id).await.unwrap();
        assert_eq!(history.len(), 1);

        let mut edited = seed.clone();
        edited[n - 1].published = !edited[n - 1].published;
        assert_eq!(
            store.import_faqs(&edited, "seed").await.unwrap(),
            report(0, 1, n - 1)
        );
    }
}

#[tokio::test]
async fn review_two_instances_seeding_at_once_import_the_knowledge_base_once_audited() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge-base");
    let seed = madoguchi::kb::files::load_dir(&dir).expect("bundled knowledge base loads");
    let n = seed.len();
    for db in backends().await {
        let store = &db.store;
        let (a, b) = tokio::join!(
            store.seed_faqs(&seed, "seed", "kb_seeded_at"),
            store.seed_faqs(&seed, "seed", "kb_seeded_at")
        );
        let mut done = [a.unwrap(), b.unwrap()];
        done.sort_by_key(Option::is_some);
        assert_eq!(done, [None, Some(report(n, 0, 0))]);
        assert!(store.meta_get("kb_seeded_at").await.unwrap().is_some());
        let imports: Vec<_> = store
            .audit_log(50)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.action == "faq.import")
            .collect();
        assert_eq!(imports.len(), 1, "{imports:?}");
        assert_eq!(imports[0].actor, "seed");
        // Marked: a later start imports nothing.
        assert_eq!(
            store
                .seed_faqs(&seed, "seed", "kb_seeded_at")
                .await
                .unwrap(),
            None
        );
        let history = store.faq_revisions(&seed[0].id).await.unwrap();
        assert_eq!(history.len(), 1);
    }
}

#[tokio::test]
async fn saving_an_edited_entry_makes_revision_2_and_keeps_revision_1() {
    for db in backends().await {
        let store = &db.store;
        let original = entry(
            "account-password-forgot",
            "パスワードを忘れました",
            "連絡してください。",
        );
        assert_eq!(store.save_faq(&original, "seed").await.unwrap(), 1);
        let mut edited = original.clone();
        edited.body = "内線1234へ連絡してください。".to_owned();
        edited.keywords.push("再発行".to_owned());
        let edited_at = story_time() + Duration::days(2);
        db.clock.set(edited_at);
        assert_eq!(store.save_faq(&edited, "tanaka").await.unwrap(), 2);

        assert_eq!(
            store.get_faq(&original.id).await.unwrap(),
            Some(edited.clone())
        );
        let history = store.faq_revisions(&original.id).await.unwrap();
        let summary: Vec<_> = history
            .iter()
            .map(|r| (r.revision, r.author.as_str()))
            .collect();
        assert_eq!(
            summary,
            [(2, "tanaka"), (1, "seed")],
            "{}",
            store.backend_name()
        );
        assert_eq!(history[0].entry, edited);
        assert_eq!(history[1].entry, original);
        assert_eq!(
            (history[0].created_at, history[1].created_at),
            (edited_at, story_time())
        );
    }
}

#[tokio::test]
async fn saving_an_identical_entry_creates_no_revision() {
    for db in backends().await {
        let store = &db.store;
        let faq = entry(
            "account-locked-out",
            "アカウントがロックされました",
            "30分待ってください。",
        );
        assert_eq!(store.save_faq(&faq, "seed").await.unwrap(), 1);
        db.clock.set(story_time() + Duration::hours(1));
        assert_eq!(store.save_faq(&faq, "tanaka").await.unwrap(), 1);
        let history = store.faq_revisions(&faq.id).await.unwrap();
        assert_eq!(history.len(), 1);
        assert_eq!(
            (history[0].author.as_str(), history[0].created_at),
            ("seed", story_time())
        );
    }
}

#[tokio::test]
async fn an_invalid_entry_in_an_import_writes_nothing() {
    for db in backends().await {
        let store = &db.store;
        let mut batch = sample();
        batch[1].body = "  ".to_owned();
        let err = store.import_faqs(&batch, "seed").await.unwrap_err();
        assert!(matches!(err, StorageError::Invalid(_)), "{err}");
        let message = err.to_string();
        assert!(
            message.contains("entry 2") && message.contains("account-locked-out"),
            "{message}"
        );
        assert_eq!(store.faq_count().await.unwrap(), 0);

        let bad_id = entry("Not An Id", "題", "本文");
        let err = store.save_faq(&bad_id, "tanaka").await.unwrap_err();
        assert!(matches!(err, StorageError::Invalid(_)), "{err}");
        assert_eq!(store.faq_count().await.unwrap(), 0);
    }
}

#[tokio::test]
async fn duplicate_ids_in_one_import_are_refused() {
    for db in backends().await {
        let store = &db.store;
        let mut batch = sample();
        batch.push(entry("account-locked-out", "別のタイトル", "別の本文"));
        let err = store.import_faqs(&batch, "seed").await.unwrap_err();
        assert!(matches!(err, StorageError::Invalid(_)), "{err}");
        let message = err.to_string();
        assert!(
            message.contains("account-locked-out") && message.contains("2 and 4"),
            "{message}"
        );
        assert_eq!(store.faq_count().await.unwrap(), 0);
    }
}

#[tokio::test]
async fn unpublished_entries_are_listed_but_marked() {
    for db in backends().await {
        let store = &db.store;
        let mut batch = sample();
        batch[0].published = false;
        store.import_faqs(&batch, "seed").await.unwrap();
        let listed = store.list_faqs().await.unwrap();
        assert_eq!(listed.len(), 3);
        let hidden: Vec<_> = listed
            .iter()
            .filter(|f| !f.published)
            .map(|f| &f.id)
            .collect();
        assert_eq!(hidden, ["account-password-forgot"]);
        let ids: Vec<_> = listed.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "account-locked-out",
                "account-password-forgot",
                "printer-paper-jam"
            ]
        );
    }
}

#[tokio::test]
async fn questions_are_recorded_and_counted() {
    for db in backends().await {
        let store = &db.store;
        assert_eq!(store.question_count().await.unwrap(), 0);
        let first = store
            .record_question(&question("パスワード忘れた"))
            .await
            .unwrap();
        let unanswered = NewQuestion {
            decision: "escalate".to_owned(),
            reason: Some("no_match".to_owned()),
            top_faq_id: None,
            top_score: None,
            ..question("コピー機の色がおかしい")
        };
        let second = store.record_question(&unanswered).await.unwrap();
        assert!(second > first);
        assert_eq!(store.question_count().await.unwrap(), 2);
    }
}

#[tokio::test]
async fn japanese_text_and_emoji_round_trip_exactly() {
    for db in backends().await {
        let store = &db.store;
        let mut faq = entry(
            "mail-attachment-size",
            "メールに添付できるファイルの大きさは？📎",
            "１０ＭＢまでです。\r\n大きいファイルは「ファイル転送」を使ってください 🙏\n\t半角ｶﾅ・㈱・𠮷・👨‍👩‍👧",
        );
        faq.keywords = vec![
            "添付".to_owned(),
            "容量".to_owned(),
            "🐘".to_owned(),
            "\"引用\"".to_owned(),
        ];
        faq.alternatives = vec!["メール 重い 送れない".to_owned(), "  空白つき  ".to_owned()];
        store.save_faq(&faq, "山田 太郎").await.unwrap();
        assert_eq!(store.get_faq(&faq.id).await.unwrap(), Some(faq.clone()));
        let revision = &store.faq_revisions(&faq.id).await.unwrap()[0];
        assert_eq!(
            (&revision.entry, revision.author.as_str()),
            (&faq, "山田 太郎")
        );

        store.meta_set("挨拶", "こんにちは🌸").await.unwrap();
        assert_eq!(
            store.meta_get("挨拶").await.unwrap().as_deref(),
            Some("こんにちは🌸")
        );
        store.meta_set("挨拶", "さようなら").await.unwrap();
        assert_eq!(
            store.meta_get("挨拶").await.unwrap().as_deref(),
            Some("さようなら")
        );
        assert_eq!(store.meta_get("missing").await.unwrap(), None);
        assert_eq!(store.get_faq("missing").await.unwrap(), None);
    }
}

#[tokio::test]
async fn reopening_a_database_keeps_data_and_does_not_rerun_migrations_destructively() {
    for db in backends().await {
        db.store.import_faqs(&sample(), "seed").await.unwrap();
        db.store.meta_set("kb_seeded", "1").await.unwrap();
        db.store
            .record_question(&question("印刷できない"))
            .await
            .unwrap();

        for _ in 0..2 {
            let reopened = db.reopen().await;
            assert_eq!(reopened.backend_name(), db.store.backend_name());
            assert_eq!(reopened.faq_count().await.unwrap(), 3);
            assert_eq!(reopened.question_count().await.unwrap(), 1);
            assert_eq!(
                reopened.meta_get("kb_seeded").await.unwrap().as_deref(),
                Some("1")
            );
            assert_eq!(reopened.list_faqs().await.unwrap(), sorted(sample()));
            let backend = db.store.backend_name();
            assert_eq!(applied_migrations(&db.url).await, migration_files(backend));
        }
    }
}

#[tokio::test]
async fn a_sqlite_url_creates_missing_folders_and_accepts_the_short_form() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("data").join("nested").join("madoguchi.db");
    let clock = Arc::new(FixedClock::new(story_time()));
    let store = Store::connect(&format!("sqlite:{}", path.display()), clock)
        .await
        .unwrap();
    assert_eq!(store.backend_name(), "sqlite");
    store.meta_set("k", "v").await.unwrap();
    assert!(path.exists());
}

#[tokio::test]
async fn an_unsupported_url_is_a_clear_error() {
    for url in [
        "mysql://admin:hunter2@db.example/helpdesk",
        "data/madoguchi.db",
        "",
    ] {
        let clock = Arc::new(FixedClock::new(story_time()));
        let err = match Store::connect(url, clock).await {
            Err(err) => err,
            Ok(store) => panic!("{url:?} opened a {} store", store.backend_name()),
        };
        assert!(
            matches!(err, StorageError::UnsupportedUrl(_)),
            "{url:?}: {err}"
        );
        let message = err.to_string();
        assert!(
            message.contains("sqlite://") && message.contains("postgres://"),
            "{message}"
        );
        assert!(
            !message.contains("hunter2"),
            "the password leaked: {message}"
        );
    }
}

#[tokio::test]
async fn concurrent_saves_of_one_entry_each_get_their_own_revision() {
    for db in backends().await {
        let saves = (0..8).map(|n| {
            let store = db.store.clone();
            let faq = entry("vpn-connect", "VPNにつながりません", &format!("手順 {n}"));
            tokio::spawn(async move { store.save_faq(&faq, "tanaka").await })
        });
        let mut revisions = Vec::new();
        for save in saves.collect::<Vec<_>>() {
            revisions.push(save.await.unwrap().unwrap());
        }
        revisions.sort_unstable();
        assert_eq!(revisions, (1..=8).collect::<Vec<u32>>());
        assert_eq!(
            db.store.faq_revisions("vpn-connect").await.unwrap().len(),
            8
        );
    }
}

/// The race above, made certain: the first save of a new entry is still open when the
/// second one starts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_entry_saved_twice_at_once_gets_revisions_1_and_2() {
    for db in backends().await {
        let store = &db.store;
        let mut first = store.begin().await.unwrap();
        let created = faqs::save(&mut first, &entry("vpn-connect", "VPN", "手順 1"), "tanaka")
            .await
            .unwrap();
        assert_eq!(created.revision(), 1);
        let second = tokio::spawn({
            let store = store.clone();
            async move {
                let faq = entry("vpn-connect", "VPN", "手順 2");
                store.save_faq(&faq, "suzuki").await
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!second.is_finished(), "the second save did not wait");
        first.commit().await.unwrap();
        let revision = second.await.unwrap();
        assert!(
            matches!(revision, Ok(2)),
            "the second save of a new entry on {}: {revision:?}",
            store.backend_name()
        );
        let history = store.faq_revisions("vpn-connect").await.unwrap();
        let authors: Vec<_> = history.iter().map(|r| r.author.as_str()).collect();
        assert_eq!(authors, ["suzuki", "tanaka"]);
    }
}

/// How many migrations the database records as applied (each should be, once).
async fn applied_migrations(url: &str) -> i64 {
    let sql = "SELECT COUNT(*) FROM _sqlx_migrations WHERE success";
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap()
    } else {
        let mut conn = PgConnection::connect(url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut conn).await.unwrap()
    }
}

/// How many migrations `backend` ships with.
fn migration_files(backend: &str) -> i64 {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    let files = std::fs::read_dir(dir).expect("migrations folder").count();
    i64::try_from(files).unwrap()
}

fn report(created: usize, updated: usize, unchanged: usize) -> ImportReport {
    ImportReport {
        created,
        updated,
        unchanged,
    }
}

fn sorted(mut entries: Vec<FaqEntry>) -> Vec<FaqEntry> {
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    entries
}
