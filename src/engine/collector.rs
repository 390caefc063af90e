//! A tantivy collector that keeps, per FAQ entry, the best BM25 score of its documents.
//!
//! tantivy's `TopDocs` (block-WAND pruning) cost tens of microseconds per query term on
//! this index shape; scoring the matching documents of the few rare units retrieval uses
//! and keeping the best per entry is several times cheaper, and returns entries, not
//! documents.

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Collects `(faq ordinal, best score)` for every entry with a matching document.
pub struct BestPerFaq {
    /// The `faq` fast-field column of each segment, opened once per index.
    pub columns: Vec<Column<u64>>,
}

pub struct BestPerFaqSegment {
    column: Column<u64>,
    best: Vec<(u32, Score)>,
}

impl Collector for BestPerFaq {
    type Fruit = Vec<(u32, Score)>;
    type Child = BestPerFaqSegment;

    fn for_segment(
        &self,
        ordinal: SegmentOrdinal,
        _: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(BestPerFaqSegment {
            column: self.columns[ordinal as usize].clone(),
            best: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    /// All (entry, score) pairs, best score per entry, best first.
    fn merge_fruits(&self, fruits: Vec<Vec<(u32, Score)>>) -> tantivy::Result<Self::Fruit> {
        let mut all: Vec<(u32, Score)> = fruits.into_iter().flatten().collect();
        all.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
        all.dedup_by_key(|e| e.0);
        all.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(all)
    }
}

impl SegmentCollector for BestPerFaqSegment {
    type Fruit = Vec<(u32, Score)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(faq) = self.column.first(doc) {
            self.best.push((faq as u32, score));
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.best
    }
}
