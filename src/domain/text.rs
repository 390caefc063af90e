//! Text as the helpdesk stores it: what staff typed, made safe to keep.

/// The question as it is stored: cut to the analysis limit, control characters (NUL,
/// which PostgreSQL refuses in text, and the rest) replaced by spaces.
pub fn stored_text(text: &str) -> String {
    clean_text(crate::analysis::cut(text))
}

/// A message as it is stored, whole: control characters but newlines replaced by spaces.
pub fn clean_text(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect()
}

/// `part` of `whole` as a percentage with one decimal, or 「－」 when there is no whole.
pub fn percent(part: i64, whole: i64) -> String {
    if whole == 0 {
        "－".to_owned()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / whole as f64)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn stored_text_has_no_control_characters() {
        assert_eq!(super::stored_text("a\u{0}b\u{7}c\nd"), "a b c\nd");
    }
}
