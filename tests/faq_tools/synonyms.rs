//! The synonym dictionary edited at run time: checked, saved with who and when, applied
//! without a restart, and still in use after one.

use madoguchi::engine::Decision;
use madoguchi::knowledge::MaintenanceError;
use madoguchi::knowledge::SynonymSource;

use crate::db::backends;
use crate::helpers::{desk, desk_on};

/// A question in an in-house nickname for the shared folders that no entry mentions.
const QUESTION: &str = "ぬまっちボックスの容量がいっぱいで保存できない";
const TARGET: &str = "fileserver-quota-full";

#[tokio::test]
async fn a_synonym_added_at_run_time_makes_a_question_match_and_survives_a_restart() {
    for db in backends().await {
        let d = desk_on(Some(db.url.clone())).await;
        let before = d.helpdesk.knowledge().explain(QUESTION);
        assert!(
            before.decision != Decision::Answer || before.candidates[0].id != TARGET,
            "already answered before the synonym: {before:?}"
        );
        let current = d.helpdesk.knowledge().synonyms().await.unwrap();
        assert!(matches!(current.source, SynonymSource::File { .. }));

        let text = format!("{}\nファイルサーバ, ぬまっちボックス\n", current.text);
        let version = d
            .helpdesk
            .knowledge()
            .update_synonyms(&text, "yamada", None)
            .await
            .unwrap();

        let after = d.helpdesk.knowledge().explain(QUESTION);
        assert_eq!(after.decision, Decision::Answer, "{after:?}");
        assert_eq!(after.candidates[0].id, TARGET);
        let in_use = d.helpdesk.knowledge().synonyms().await.unwrap();
        assert_eq!(in_use.text, text);
        match in_use.source {
            SynonymSource::Saved(saved) => {
                assert_eq!((saved.version, saved.author.as_str()), (version, "yamada"))
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(d.audited("synonyms.update").await, 1);

        let restarted = d.restart().await;
        let answered = restarted.knowledge().explain(QUESTION);
        assert_eq!(answered.decision, Decision::Answer, "{answered:?}");
        assert_eq!(answered.candidates[0].id, TARGET);
    }
}

#[tokio::test]
async fn a_dictionary_with_bad_lines_names_them_and_changes_nothing() {
    let d = desk().await;
    let before = d.helpdesk.knowledge().explain(QUESTION);
    let text =
        "# 辞書\nファイルサーバ, ぬまっちボックス\nひとつだけ\nメール, mail\nメイル, メール\n";

    let err = d
        .helpdesk
        .knowledge()
        .update_synonyms(text, "yamada", None)
        .await
        .unwrap_err();

    assert!(err.is_user_error());
    let MaintenanceError::Synonyms(invalid) = &err else {
        panic!("{err:?}")
    };
    let lines: Vec<usize> = invalid.0.iter().map(|e| e.line).collect();
    assert_eq!(lines, [3, 5], "{err}");
    assert!(err.to_string().contains("line 3"), "{err}");
    assert!(d.helpdesk.store().synonyms().await.unwrap().is_none());
    assert!(d
        .helpdesk
        .knowledge()
        .synonym_history(10)
        .await
        .unwrap()
        .is_empty());
    let after = d.helpdesk.knowledge().explain(QUESTION);
    assert_eq!(
        after.candidates.first().map(|c| &c.id),
        before.candidates.first().map(|c| &c.id)
    );
    assert_eq!(after.decision, before.decision);
    assert_eq!(d.audited("synonyms.update").await, 0);
}

#[tokio::test]
async fn the_previous_dictionary_is_kept_in_the_history() {
    let d = desk().await;
    let first = d
        .helpdesk
        .knowledge()
        .update_synonyms("パスワード, pw\n", "yamada", None)
        .await
        .unwrap();
    let second = d
        .helpdesk
        .knowledge()
        .update_synonyms("パスワード, pw, パス\n", "suzuki", None)
        .await
        .unwrap();
    let history = d.helpdesk.knowledge().synonym_history(10).await.unwrap();
    let versions: Vec<_> = history
        .iter()
        .map(|h| (h.version, h.author.as_str()))
        .collect();
    assert_eq!(versions, [(second, "suzuki"), (first, "yamada")]);
    assert_eq!(history[1].text, "パスワード, pw\n");
}
