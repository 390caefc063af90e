//! Letters in either case and either width in the console's searches, the same on both
//! backends.
//!
//! The searches compare `LOWER(column) LIKE LOWER(text) ESCAPE '\'` ([`Fold::like`]),
//! the text made a pattern by [`like_anywhere`]: `%`, `_` and `\` typed in a search box
//! match themselves (`PC_01`, `100%`), in either width. SQLite's `LOWER` folds ASCII
//! letters only; PostgreSQL's folds what the database's locale knows (every script under
//! a UTF-8 locale, ASCII only under `C`). Neither takes `Ａ` (full width, what a Japanese
//! input method types in full-width mode) for `A`. The full-width forms of ASCII
//! (`！`..`～`: letters, digits, `－`, `＃`...) are folded to ASCII here, on both sides and
//! on both backends: the search text in Rust, the column in the statement. So `ＡＢＣ`,
//! `ａｂｃ`, `ABC` and `abc` find one another, and `PC-0011` finds `ＰＣ－００１１`,
//! whatever the backend and its locale.
//!
//! The column's fold runs on every row and column of searches that scan whole tables
//! (the IP ledger's 50,000 lines), so it is kept cheap: on PostgreSQL `TRANSLATE` of the
//! characters that matter, only on values that are not all ASCII; on SQLite, which has no
//! `TRANSLATE`, `madoguchi_fold` (`sqlite_fold.rs`, registered on each connection) in
//! place of `LOWER`.

/// The full-width forms of the printable ASCII characters `!`..`~`.
const WIDE: std::ops::RangeInclusive<char> = '\u{FF01}'..='\u{FF5E}';
const WIDE_OFFSET: u32 = 0xFEE0;

/// How a search compares its text with a column: the full-width characters to fold in
/// the column before `LOWER`, and how the backend folds them. Only those that can matter
/// to the search text: the full-width forms (in either case) of the ASCII characters it
/// holds, once folded; a column's other full-width characters can match only `%` either
/// way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Fold {
    wide: Vec<char>,
    postgres: bool,
}

impl Fold {
    /// The fold a search for `text` needs on the backend (`postgres`, else SQLite).
    pub(super) fn of(text: Option<&str>, postgres: bool) -> Fold {
        let folded = fold_text(text.unwrap_or(""));
        let wide = WIDE
            .filter(|wide| {
                let narrow = narrow_of(*wide);
                folded.chars().any(|c| c.eq_ignore_ascii_case(&narrow))
            })
            .collect();
        Fold { wide, postgres }
    }

    /// `column` folded for comparing with `LOWER(` [`fold_text`] `)`. The characters are
    /// this module's constants (quotes doubled), never the search text itself.
    pub(super) fn column(&self, column: &str) -> String {
        if !self.postgres {
            return format!("{}({column})", super::sqlite_fold::NAME);
        }
        if self.wide.is_empty() {
            return format!("LOWER({column})");
        }
        let from: String = self.wide.iter().collect();
        let to: String = self
            .wide
            .iter()
            .map(|wide| match narrow_of(*wide) {
                '\'' => "''".to_owned(),
                c => c.to_string(),
            })
            .collect();
        // TRANSLATE reads each character against each of `from`: more than doubled the
        // IP ledger's host search. A value all ASCII (its bytes as many as its
        // characters: hosts, addresses, computer names) has nothing to translate.
        format!(
            "LOWER(CASE WHEN octet_length({column}) = char_length({column}) THEN {column} \
             ELSE TRANSLATE({column}, '{from}', '{to}') END)"
        )
    }

    /// `column` LIKE the pattern in `parameter` (made by [`like_anywhere`] or
    /// [`like_prefix`]), in either case and either width.
    pub(super) fn like(&self, column: &str, parameter: &str) -> String {
        format!("{} LIKE LOWER({parameter}) {ESCAPE}", self.column(column))
    }
}

/// The escape clause every search's LIKE carries: PostgreSQL takes `\` by default,
/// SQLite only when told.
pub(super) const ESCAPE: &str = "ESCAPE '\\'";

/// A search box's text as a LIKE pattern found anywhere in a value: its full-width
/// forms of ASCII folded first (a full-width `％` is a `%` to match), then `%`, `_` and
/// `\` escaped so that they match themselves.
pub(super) fn like_anywhere(text: &str) -> String {
    format!("%{}%", escape_like(&fold_text(text)))
}

/// As [`like_anywhere`], found at the start of a value.
pub(super) fn like_prefix(text: &str) -> String {
    format!("{}%", escape_like(&fold_text(text)))
}

/// `text` for LIKE ... ESCAPE '\': `%`, `_` and `\` match themselves.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `text` with the full-width forms of ASCII as ASCII (the column's side is
/// [`Fold::column`]; `LOWER` in the statement folds the case on both sides).
pub(super) fn fold_text(text: &str) -> String {
    text.chars()
        .map(|c| if WIDE.contains(&c) { narrow_of(c) } else { c })
        .collect()
}

/// What SQLite's `madoguchi_fold` makes of a column's value: [`fold_text`], then ASCII
/// capitals to small letters as SQLite's `LOWER` does (other scripts keep their case, as
/// `LOWER` of the search text on SQLite keeps it).
pub(super) fn fold_lower(text: &str) -> String {
    text.chars()
        .map(|c| if WIDE.contains(&c) { narrow_of(c) } else { c }.to_ascii_lowercase())
        .collect()
}

fn narrow_of(wide: char) -> char {
    char::from_u32(u32::from(wide) - WIDE_OFFSET).unwrap_or(wide)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_ascii_becomes_ascii_and_nothing_else_changes() {
        assert_eq!(
            fold_text("ＡＢＣ－ａｂｃＺ１ PC-1 Ωあ　ｶﾅ"),
            "ABC-abcZ1 PC-1 Ωあ　ｶﾅ"
        );
    }

    #[test]
    fn the_column_folds_only_the_full_width_forms_of_what_the_text_holds() {
        assert_eq!(
            Fold::of(None, true).column("e.asset_no"),
            "LOWER(e.asset_no)"
        );
        assert_eq!(
            Fold::of(Some("沼津"), true).column("subject"),
            "LOWER(subject)"
        );
        assert_eq!(
            Fold::of(Some("ＶｐN"), true).column("subject"),
            "LOWER(CASE WHEN octet_length(subject) = char_length(subject) THEN subject \
             ELSE TRANSLATE(subject, 'ＮＰＶｎｐｖ', 'NPVnpv') END)"
        );
        assert!(
            Fold::of(Some("'"), true)
                .column("c")
                .ends_with("TRANSLATE(c, '＇', '''') END)"),
            "a quote stays a literal"
        );
        // SQLite folds every value in one call, whatever the text.
        for text in [None, Some("沼津"), Some("ｐ1-")] {
            assert_eq!(Fold::of(text, false).column("c"), "madoguchi_fold(c)");
        }
    }

    #[test]
    fn a_search_texts_wildcards_and_escape_match_themselves_in_either_width() {
        assert_eq!(like_anywhere("PC_01"), "%PC\\_01%");
        assert_eq!(like_anywhere("１００％"), "%100\\%%");
        assert_eq!(like_prefix("a＿b\\c"), "a\\_b\\\\c%");
        assert_eq!(
            Fold::of(Some("沼津"), true).like("host", "$3"),
            "LOWER(host) LIKE LOWER($3) ESCAPE '\\'"
        );
    }

    #[test]
    fn sqlites_fold_is_lower_with_the_widths_folded() {
        assert_eq!(
            fold_lower("ＡＢＣ－ａｂｃＺ１ PC-1 ΩÄあ　ｶﾅ"),
            "abc-abcz1 pc-1 ΩÄあ　ｶﾅ"
        );
    }
}
