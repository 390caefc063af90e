//! Consumables the helpdesk keeps in stock (5(2)イ②③).

use super::text_enum::text_enum;

text_enum! {
    /// What kind of consumable an item is.
    pub enum StockKind: "stock kind" {
        /// LANケーブル, one item per length.
        LanCable = "lan_cable" / "LANケーブル",
        Hub = "hub" / "HUB",
        /// Toner, one item per printer model.
        Toner = "toner" / "トナー",
        Other = "other" / "その他",
    }
}

/// Whether a change from `before` to `after` takes the stock below `threshold`: the one
/// moment a shortage notice goes out (not again while it stays below).
pub fn falls_below(before: i64, after: i64, threshold: i64) -> bool {
    before >= threshold && after < threshold
}

#[cfg(test)]
mod tests {
    use super::falls_below;

    #[test]
    fn only_the_crossing_counts() {
        assert!(falls_below(5, 4, 5));
        assert!(!falls_below(4, 3, 5), "already below: no second notice");
        assert!(!falls_below(6, 5, 5), "at the threshold is not below");
        assert!(!falls_below(3, 8, 5));
    }
}
