//! Stored sentence vectors: written per entry, kind and ordinal (a new text or model
//! replaces the old row), read back by model, surplus alternatives removed, and an unknown
//! kind refused by the database itself.

use madoguchi::domain::VectorKind;
use madoguchi::storage::faq_vectors::{self, StoredVector};
use madoguchi::storage::sql;

use crate::db::backends;
use crate::learning::faq;

fn vector(kind: VectorKind, ordinal: i64, hash: &str, model: &str) -> StoredVector {
    StoredVector {
        faq_id: "vpn".into(),
        kind,
        ordinal,
        text_hash: hash.into(),
        model_id: model.into(),
        vector: [0.5f32, -0.25]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect(),
    }
}

#[tokio::test]
async fn vectors_are_replaced_read_by_model_and_trimmed() {
    for db in backends().await {
        let s = &db.store;
        let backend = s.backend_name();
        s.import_faqs(&[faq("vpn", "VPNにつながらない")], "seed")
            .await
            .unwrap();
        let mut tx = s.begin().await.unwrap();
        for v in [
            vector(VectorKind::Question, 0, "h0", "m1"),
            vector(VectorKind::Alternative, 0, "h1", "m1"),
            vector(VectorKind::Alternative, 1, "h2", "m1"),
            vector(VectorKind::QuestionAnswer, 0, "h3", "m1"),
        ] {
            faq_vectors::put(&mut tx, &v).await.unwrap();
        }
        tx.commit().await.unwrap();
        let stored = faq_vectors::of_model(&mut s.conn(), "m1").await.unwrap();
        assert_eq!(stored.len(), 4, "{backend}");
        assert_eq!(stored[0].vector.len(), 8, "{backend}");

        // A changed text replaces its row; an alternative taken out goes; another model's
        // vectors are not this model's.
        let mut tx = s.begin().await.unwrap();
        faq_vectors::put(&mut tx, &vector(VectorKind::Question, 0, "h9", "m2"))
            .await
            .unwrap();
        let removed = faq_vectors::remove_from(&mut tx, "vpn", VectorKind::Alternative, 1)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(removed, 1, "{backend}");
        assert_eq!(
            faq_vectors::count(&mut s.conn()).await.unwrap(),
            3,
            "{backend}"
        );
        let m1 = faq_vectors::of_model(&mut s.conn(), "m1").await.unwrap();
        assert_eq!(m1.len(), 2, "{backend}");
        let m2 = faq_vectors::of_model(&mut s.conn(), "m2").await.unwrap();
        assert_eq!((m2.len(), m2[0].text_hash.as_str()), (1, "h9"), "{backend}");

        // The database refuses a kind that is not one, and nothing changes.
        let bad = sql("INSERT INTO faq_vectors (faq_id, kind, ordinal, text_hash, model_id, vector, created_at) \
             VALUES ('vpn', 'answer', 0, 'h', 'm1', $1, $2)")
        .bind(vec![0u8; 8])
        .bind(s.now())
        .execute(&mut s.conn())
        .await;
        assert!(bad.is_err(), "{backend}");
        assert_eq!(
            faq_vectors::count(&mut s.conn()).await.unwrap(),
            3,
            "{backend}"
        );
    }
}
