//! Revisions through the helpdesk: a field-by-field diff, and restore that the bot
//! answers with at once; on every backend.

use madoguchi::engine::Decision;
use madoguchi::kb::diff::{Field, LineKind};
use madoguchi::kb::FaqEntry;
use madoguchi::knowledge::MaintenanceError;

use crate::db::backends;
use crate::helpers::{desk, desk_on};

const QUESTION: &str = "庁舎屋上の気象観測用ドローン格納庫の鍵をなくしました";

fn drone_key(body: &str, published: bool) -> FaqEntry {
    FaqEntry {
        id: "test-drone-hangar-key".into(),
        title: QUESTION.into(),
        category: "ヘルプデスク".into(),
        keywords: vec!["ドローン".into(), "格納庫".into()],
        alternatives: vec!["ドローン格納庫の鍵がない".into()],
        related: vec![],
        body: body.into(),
        published,
    }
}

fn answered_with(helpdesk: &madoguchi::helpdesk::Helpdesk) -> Option<String> {
    let x = helpdesk.knowledge().explain(QUESTION);
    (x.decision == Decision::Answer).then(|| x.candidates[0].id.clone())
}

#[tokio::test]
async fn restoring_a_published_revision_makes_the_bot_answer_with_it_again() {
    for db in backends().await {
        let d = desk_on(Some(db.url.clone())).await;
        let h = &d.helpdesk;
        let v1 = drone_key(
            "総務課で予備の鍵を借りてください。\n鍵管理簿に記入します。",
            true,
        );
        h.knowledge()
            .import_faq_entries(std::slice::from_ref(&v1), "yamada", "test")
            .await
            .unwrap();
        assert_eq!(answered_with(h).as_deref(), Some("test-drone-hangar-key"));
        let v2 = drone_key(
            "総務課で予備の鍵を借りてください。\n管財課に連絡します。",
            false,
        );
        h.knowledge()
            .import_faq_entries(&[v2], "tanaka", "test")
            .await
            .unwrap();
        assert_eq!(answered_with(h), None, "unpublished in revision 2");

        let diff = h
            .knowledge()
            .faq_diff("test-drone-hangar-key", 1, 2)
            .await
            .unwrap();
        let changed: Vec<Field> = diff
            .fields
            .iter()
            .filter(|f| f.changed)
            .map(|f| f.field)
            .collect();
        assert_eq!(changed, [Field::Body, Field::Published]);
        let body = diff.fields.iter().find(|f| f.field == Field::Body).unwrap();
        let lines: Vec<_> = body.hunks[0]
            .lines
            .iter()
            .map(|l| (l.kind, l.text.as_str()))
            .collect();
        assert_eq!(
            lines,
            [
                (LineKind::Equal, "総務課で予備の鍵を借りてください。"),
                (LineKind::Delete, "鍵管理簿に記入します。"),
                (LineKind::Insert, "管財課に連絡します。"),
            ]
        );

        assert_eq!(
            h.knowledge()
                .restore_faq("test-drone-hangar-key", 1, "suzuki")
                .await
                .unwrap(),
            3
        );

        assert_eq!(answered_with(h).as_deref(), Some("test-drone-hangar-key"));
        let history = h
            .knowledge()
            .faq_history("test-drone-hangar-key")
            .await
            .unwrap();
        assert_eq!(
            (history[0].revision, history[0].author.as_str()),
            (3, "suzuki")
        );
        assert_eq!(history[0].entry, v1);
        assert!(!h
            .knowledge()
            .faq_diff("test-drone-hangar-key", 1, 3)
            .await
            .unwrap()
            .changed());
        assert_eq!(d.audited("faq.restore").await, 1);
    }
}

#[tokio::test]
async fn restoring_an_unknown_revision_is_a_clear_error_that_changes_nothing() {
    let d = desk().await;
    let h = &d.helpdesk;
    let id = "account-password-forgot";
    let before = h.knowledge().faq_history(id).await.unwrap();

    let err = h
        .knowledge()
        .restore_faq(id, 9, "suzuki")
        .await
        .unwrap_err();

    assert!(
        matches!(err, MaintenanceError::Invalid(_)) && err.is_user_error(),
        "{err:?}"
    );
    assert!(err.to_string().contains("no revision 9"), "{err}");
    assert_eq!(h.knowledge().faq_history(id).await.unwrap(), before);
    assert_eq!(d.audited("faq.restore").await, 0);
    let err = h.knowledge().faq_diff(id, 1, 9).await.unwrap_err();
    assert!(err.to_string().contains("no revision 9"), "{err}");
}
