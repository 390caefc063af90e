//! Per-entry statistics for the FAQ maintenance page.

use serde::Serialize;

use super::{EntryCounts, Period};
use crate::helpdesk::Helpdesk;

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

impl Helpdesk {
    /// Every stored entry (published or not, zeros included) with its figures for
    /// `period`, ordered by id; figures of entries no longer stored come last. Two
    /// queries, whatever the number of entries.
    pub async fn entry_statistics(&self, period: Period) -> anyhow::Result<Vec<EntryStatistics>> {
        let entries = self.store.list_faqs().await?;
        let mut counts: std::collections::HashMap<String, EntryCounts> = self
            .store
            .entry_statistics(period)
            .await?
            .into_iter()
            .map(|c| (c.faq_id.clone(), c))
            .collect();
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
