//! Per-entry statistics for the FAQ maintenance page.

use serde::Serialize;

use std::collections::HashMap;

use super::KnowledgeBase;
use crate::storage::{learning, EntryCounts, Period, StorageError};

/// One FAQ entry and what the bot did with it over a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryStatistics {
    pub faq_id: String,
    /// `None` when the entry is no longer stored (its figures remain).
    pub title: Option<String>,
    pub category: Option<String>,
    pub published: bool,
    pub counts: EntryCounts,
}

impl EntryStatistics {
    /// 解決した as a share of the feedback given, when there was any.
    pub fn resolution_rate(&self) -> Option<f64> {
        let given = self.counts.resolved + self.counts.unresolved;
        (given > 0).then(|| self.counts.resolved as f64 / given as f64)
    }
}

impl KnowledgeBase {
    /// What the bot did with each entry over `period`, by entry id.
    pub(super) async fn counts(
        &self,
        period: Period,
    ) -> Result<HashMap<String, EntryCounts>, StorageError> {
        Ok(learning::entry_statistics(&mut self.store.conn(), period)
            .await?
            .into_iter()
            .map(|c| (c.faq_id.clone(), c))
            .collect())
    }

    /// Every stored entry (published or not, zeros included) with its figures for
    /// `period`, ordered by id; figures of entries no longer stored come last. Two
    /// queries, whatever the number of entries.
    pub async fn entry_statistics(&self, period: Period) -> anyhow::Result<Vec<EntryStatistics>> {
        let entries = self.store.list_faqs().await?;
        let mut counts = self.counts(period).await?;
        let mut statistics: Vec<EntryStatistics> = entries
            .into_iter()
            .map(|entry| EntryStatistics {
                counts: counts.remove(&entry.id).unwrap_or_else(|| EntryCounts {
                    faq_id: entry.id.clone(),
                    ..EntryCounts::default()
                }),
                faq_id: entry.id,
                title: Some(entry.title),
                category: Some(entry.category),
                published: entry.published,
            })
            .collect();
        let mut gone: Vec<EntryCounts> = counts.into_values().collect();
        gone.sort_by(|a, b| a.faq_id.cmp(&b.faq_id));
        statistics.extend(gone.into_iter().map(|counts| EntryStatistics {
            faq_id: counts.faq_id.clone(),
            title: None,
            category: None,
            published: false,
            counts,
        }));
        Ok(statistics)
    }
}
