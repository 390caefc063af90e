//! The entries' sentence vectors: computed when an entry is saved or imported (the texts
//! whose stored vector is missing, stale or of another model), stored, and read back to
//! build the index. A question is never compared with a vector computed on the fly.

use std::collections::HashMap;
use std::sync::Arc;

use crate::domain::VectorKind;
use crate::engine::{entry_texts, from_bytes, text_hash, to_bytes, EntryVectors, Semantic};
use crate::kb::FaqEntry;
use crate::storage::faq_vectors::{self, StoredVector};
use crate::storage::learned_questions;
use crate::storage::Store;

/// Progress is logged every this many encoded texts.
const PROGRESS_EVERY: usize = 200;

/// The vectors of `entries` (their texts and the questions learned from resolved tickets):
/// the stored ones, and those missing encoded and stored first (with progress in the log).
pub async fn entry_vectors(
    store: &Store,
    semantic: &Arc<Semantic>,
    entries: &[FaqEntry],
) -> anyhow::Result<EntryVectors> {
    let model_id = semantic.model_id().to_owned();
    let dim = semantic.dim();
    let stored: HashMap<(String, VectorKind, i64), StoredVector> =
        faq_vectors::of_model(&mut store.conn(), &model_id)
            .await?
            .into_iter()
            .map(|v| ((v.faq_id.clone(), v.kind, v.ordinal), v))
            .collect();
    let mut vectors = EntryVectors {
        dim,
        by_entry: HashMap::new(),
    };
    let mut learned: HashMap<String, Vec<(VectorKind, i64, String)>> = HashMap::new();
    for q in learned_questions::all(&mut store.conn()).await? {
        let texts = learned.entry(q.faq_id).or_default();
        texts.push((VectorKind::Learned, q.ticket_id, q.question));
    }
    let mut missing: Vec<StoredVector> = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    for entry in entries {
        let own = entry_texts(entry)
            .into_iter()
            .map(|(kind, ordinal, text)| (kind, ordinal as i64, text));
        let from_tickets = learned.remove(&entry.id).unwrap_or_default();
        for (kind, ordinal, text) in own.chain(from_tickets) {
            let hash = text_hash(&text);
            let key = (entry.id.clone(), kind, ordinal);
            let found = stored
                .get(&key)
                .filter(|v| v.text_hash == hash)
                .and_then(|v| from_bytes(&v.vector, dim));
            match found {
                Some(v) => vectors.by_entry.entry(key.0).or_default().push((kind, v)),
                None => {
                    missing.push(StoredVector {
                        faq_id: key.0,
                        kind,
                        ordinal: key.2,
                        text_hash: hash,
                        model_id: model_id.clone(),
                        vector: Vec::new(),
                    });
                    texts.push(text);
                }
            }
        }
    }
    if !missing.is_empty() {
        let encoded = encode(semantic.clone(), texts).await?;
        let mut tx = store.begin().await?;
        for (mut row, v) in missing.into_iter().zip(encoded) {
            row.vector = to_bytes(&v);
            faq_vectors::put(&mut tx, &row).await?;
            vectors
                .by_entry
                .entry(row.faq_id)
                .or_default()
                .push((row.kind, v));
        }
        for entry in entries {
            let alternatives = entry.alternatives.len() as i64;
            faq_vectors::remove_from(&mut tx, &entry.id, VectorKind::Alternative, alternatives)
                .await?;
        }
        tx.commit().await?;
    }
    Ok(vectors)
}

/// Encodes `texts` off the async runtime, logging progress.
async fn encode(semantic: Arc<Semantic>, texts: Vec<String>) -> anyhow::Result<Vec<Arc<[f32]>>> {
    let started = std::time::Instant::now();
    let count = texts.len();
    let vectors = tokio::task::spawn_blocking(move || {
        semantic.encode_all(&texts, |done, total| {
            if done % PROGRESS_EVERY == 0 || done == total {
                tracing::info!(done, total, "encoding FAQ texts for semantic retrieval");
            }
        })
    })
    .await?;
    tracing::info!(
        texts = count,
        seconds = started.elapsed().as_secs_f32(),
        "FAQ texts encoded and stored"
    );
    Ok(vectors)
}
