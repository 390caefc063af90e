//! Letters in either case in the console's searches, the same on both backends.
//!
//! The searches compare `LOWER(column) LIKE LOWER(text)`. SQLite's `LOWER` folds ASCII
//! letters only; PostgreSQL's folds what the database's locale knows (every script under
//! a UTF-8 locale, ASCII only under `C`). Full-width Latin letters (`Ａ`..`Ｚ`, what a
//! Japanese input method types in full-width mode) are folded here instead, on both
//! sides and on both backends: the column through `REPLACE` under `LOWER`, the search
//! text in Rust. So `ＡＢＣ` finds `ａｂｃ` whatever the backend and its locale.

/// The full-width capitals and their small letters: `Ａ`..`Ｚ`, `ａ`..`ｚ`.
const WIDE_CAPITALS: std::ops::RangeInclusive<char> = '\u{FF21}'..='\u{FF3A}';
const WIDE_TO_SMALL: u32 = 0x20;

/// How a search compares its text with a column: the full-width letters to fold in the
/// column before `LOWER`. Only the letters the search text holds: a column's other
/// full-width letters can match only `%` either way, and each `REPLACE` reads the whole
/// column of every row (none for a text without full-width letters, the usual case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Fold {
    capitals: Vec<char>,
}

impl Fold {
    /// The fold a search for `text` needs.
    pub(super) fn of(text: Option<&str>) -> Fold {
        let folded = fold_text(text.unwrap_or(""));
        let capitals = WIDE_CAPITALS
            .filter(|capital| folded.contains(small_of(*capital)))
            .collect();
        Fold { capitals }
    }

    /// `column` folded for comparing with `LOWER(` [`fold_text`] `)`. The letters are
    /// this module's constants, never the search text itself.
    pub(super) fn column(&self, column: &str) -> String {
        let mut folded = column.to_owned();
        for capital in &self.capitals {
            let small = small_of(*capital);
            folded = format!("REPLACE({folded}, '{capital}', '{small}')");
        }
        format!("LOWER({folded})")
    }
}

/// `text` with its full-width capitals as small letters (the column's side is
/// [`Fold::column`]; `LOWER` in the statement does the rest on both sides).
pub(super) fn fold_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            if WIDE_CAPITALS.contains(&c) {
                small_of(c)
            } else {
                c
            }
        })
        .collect()
}

fn small_of(capital: char) -> char {
    char::from_u32(u32::from(capital) + WIDE_TO_SMALL).unwrap_or(capital)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_capitals_become_small_letters_and_nothing_else_changes() {
        assert_eq!(
            fold_text("ＡＢＣ－ａｂｃＺ PC-1 Ωあ"),
            "ａｂｃ－ａｂｃｚ PC-1 Ωあ"
        );
    }

    #[test]
    fn the_column_folds_only_the_full_width_letters_of_the_text() {
        assert_eq!(Fold::of(None).column("e.asset_no"), "LOWER(e.asset_no)");
        assert_eq!(
            Fold::of(Some("PC-0011")).column("subject"),
            "LOWER(subject)"
        );
        assert_eq!(
            Fold::of(Some("ＶｐＮ-v")).column("subject"),
            "LOWER(REPLACE(REPLACE(REPLACE(subject, 'Ｎ', 'ｎ'), 'Ｐ', 'ｐ'), 'Ｖ', 'ｖ'))"
        );
    }
}
