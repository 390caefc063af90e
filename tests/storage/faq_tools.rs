//! FAQ maintenance storage: restoring a revision, and the synonym dictionary's versions.

use chrono::Duration;
use madoguchi::kb::FaqEntry;
use madoguchi::storage::StorageError;

use crate::db::{backends, story_time};

fn entry(body: &str) -> FaqEntry {
    FaqEntry {
        id: "vpn-connect".to_owned(),
        title: "VPNにつながりません".to_owned(),
        category: "テレワーク・モバイル".to_owned(),
        keywords: vec!["VPN".to_owned()],
        alternatives: vec!["在宅でつながらない".to_owned()],
        related: vec![],
        body: body.to_owned(),
        published: true,
    }
}

#[tokio::test]
async fn restoring_revision_1_saves_it_again_as_revision_3_by_who_restored() {
    for db in backends().await {
        let store = &db.store;
        store.save_faq(&entry("手順A"), "seed").await.unwrap();
        let mut edited = entry("手順B（誤り）");
        edited.published = false;
        store.save_faq(&edited, "tanaka").await.unwrap();

        let restored_at = story_time() + Duration::days(1);
        db.clock.set(restored_at);
        assert_eq!(
            store
                .restore_faq_revision("vpn-connect", 1, "suzuki")
                .await
                .unwrap(),
            3
        );

        assert_eq!(
            store.get_faq("vpn-connect").await.unwrap(),
            Some(entry("手順A"))
        );
        let history = store.faq_revisions("vpn-connect").await.unwrap();
        let summary: Vec<_> = history
            .iter()
            .map(|r| (r.revision, r.author.as_str()))
            .collect();
        assert_eq!(summary, [(3, "suzuki"), (2, "tanaka"), (1, "seed")]);
        assert_eq!(history[1].entry, edited, "revision 2 is kept as it was");
        assert_eq!(
            (history[0].created_at, history[2].created_at),
            (restored_at, story_time())
        );
    }
}

#[tokio::test]
async fn restoring_an_unknown_revision_or_entry_is_an_error_that_changes_nothing() {
    for db in backends().await {
        let store = &db.store;
        store.save_faq(&entry("手順A"), "seed").await.unwrap();
        store.save_faq(&entry("手順B"), "tanaka").await.unwrap();

        for (id, revision) in [("vpn-connect", 7), ("vpn-connect", 0), ("no-such-entry", 1)] {
            let err = store
                .restore_faq_revision(id, revision, "suzuki")
                .await
                .unwrap_err();
            assert!(matches!(err, StorageError::Invalid(_)), "{err}");
            let message = err.to_string();
            assert!(
                message.contains(id) && message.contains(&format!("revision {revision}")),
                "{message}"
            );
        }

        assert_eq!(store.faq_revisions("vpn-connect").await.unwrap().len(), 2);
        assert_eq!(
            store.get_faq("vpn-connect").await.unwrap(),
            Some(entry("手順B"))
        );
        assert_eq!(store.faq_count().await.unwrap(), 1);
    }
}

#[tokio::test]
async fn restoring_the_current_revision_adds_none() {
    for db in backends().await {
        let store = &db.store;
        store.save_faq(&entry("手順A"), "seed").await.unwrap();
        store.save_faq(&entry("手順B"), "tanaka").await.unwrap();
        assert_eq!(
            store
                .restore_faq_revision("vpn-connect", 2, "suzuki")
                .await
                .unwrap(),
            2
        );
        assert_eq!(store.faq_revisions("vpn-connect").await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn every_saved_synonym_dictionary_is_kept_and_the_newest_is_in_use() {
    for db in backends().await {
        let store = &db.store;
        assert_eq!(store.synonyms().await.unwrap(), None);
        let first = store
            .save_synonyms("パスワード, pw\n", "yamada")
            .await
            .unwrap();
        db.clock.set(story_time() + Duration::minutes(10));
        let second = store
            .save_synonyms(
                "パスワード, pw\nファイルサーバ, ほげドライブ🐘\n",
                "鈴木 花子",
            )
            .await
            .unwrap();
        assert!(second > first);

        let in_use = store.synonyms().await.unwrap().expect("a saved dictionary");
        assert_eq!(
            (in_use.version, in_use.author.as_str(), in_use.text.as_str()),
            (
                second,
                "鈴木 花子",
                "パスワード, pw\nファイルサーバ, ほげドライブ🐘\n"
            )
        );
        let history = store.synonym_history(10).await.unwrap();
        let versions: Vec<_> = history
            .iter()
            .map(|d| (d.version, d.author.as_str()))
            .collect();
        assert_eq!(versions, [(second, "鈴木 花子"), (first, "yamada")]);
        assert_eq!(
            (history[0].created_at, history[1].created_at),
            (story_time() + Duration::minutes(10), story_time())
        );
        assert_eq!(store.synonym_history(1).await.unwrap().len(), 1);
    }
}
