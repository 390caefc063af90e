//! A tantivy collector that keeps, per FAQ entry, the best BM25 score of its documents.
//!
//! tantivy's `TopDocs` (block-WAND pruning) cost tens of microseconds per query term on
//! this index shape; scoring every matching document of a few thousand and keeping the
//! best per entry is several times cheaper and returns entries, not documents.

use std::collections::HashMap;

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
    best: HashMap<u32, Score>,
}

impl Collector for BestPerFaq {
    type Fruit = HashMap<u32, Score>;
    type Child = BestPerFaqSegment;

    fn for_segment(
        &self,
        ordinal: SegmentOrdinal,
        _: &SegmentReader,
    ) -> tantivy::Result<Self::Child> {
        Ok(BestPerFaqSegment {
            column: self.columns[ordinal as usize].clone(),
            best: HashMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<HashMap<u32, Score>>) -> tantivy::Result<Self::Fruit> {
        let mut merged: HashMap<u32, Score> = HashMap::new();
        for fruit in fruits {
            for (faq, score) in fruit {
                let best = merged.entry(faq).or_insert(score);
                *best = best.max(score);
            }
        }
        Ok(merged)
    }
}

impl SegmentCollector for BestPerFaqSegment {
    type Fruit = HashMap<u32, Score>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(faq) = self.column.first(doc) {
            let best = self.best.entry(faq as u32).or_insert(score);
            *best = best.max(score);
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.best
    }
}
