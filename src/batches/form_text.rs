//! The text of a form item: `{field}` placeholders with an optional format
//! (`{amount|yen}`, `{due|date}`, `{born|wareki}`).

use super::formats::{parse_amount, parse_date, parse_wareki, wareki_label, yen_label};

/// How a placeholder's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// As it is in the data (spaces at both ends removed).
    Plain,
    /// An amount: `12,345円`.
    Yen,
    /// A 西暦 `YYYYMMDD` date written in the era: `令和8年4月1日`.
    Date,
    /// A 和暦 date (`R080401`) written out: `令和8年4月1日`.
    Wareki,
}

/// Pieces of a form text: literal text or a field placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    Literal(&'a str),
    Field(&'a str, Format),
}

/// Splits `text` into literal pieces and placeholders, or says what is wrong with it.
pub fn parse(text: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            pieces.push(Piece::Literal(&rest[..open]));
        }
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or("a `{` is not closed")?;
        let inner = &after[..close];
        let (name, format) = match inner.split_once('|') {
            None => (inner, Format::Plain),
            Some((name, "yen")) => (name, Format::Yen),
            Some((name, "date")) => (name, Format::Date),
            Some((name, "wareki")) => (name, Format::Wareki),
            Some((_, other)) => {
                return Err(format!("unknown format {other:?} (yen, date, wareki)"))
            }
        };
        if name.is_empty() {
            return Err("an empty `{}`".into());
        }
        pieces.push(Piece::Field(name, format));
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err("a `}` without its `{`".into());
    }
    if !rest.is_empty() {
        pieces.push(Piece::Literal(rest));
    }
    Ok(pieces)
}

/// The placeholders of `text`: (field, format), or the text's problem.
pub fn placeholders(text: &str) -> Vec<Result<(&str, Format), String>> {
    match parse(text) {
        Err(e) => vec![Err(e)],
        Ok(pieces) => pieces
            .into_iter()
            .filter_map(|p| match p {
                Piece::Field(name, format) => Some(Ok((name, format))),
                Piece::Literal(_) => None,
            })
            .collect(),
    }
}

/// One value written in `format`; a value the format cannot read is written as it is
/// (the data checks have already reported it).
pub fn format_value(value: &str, format: Format) -> String {
    let written = match format {
        Format::Plain => None,
        Format::Yen => parse_amount(value).ok().map(yen_label),
        Format::Date => parse_date(value).ok().map(wareki_label),
        Format::Wareki => parse_wareki(value).ok().map(wareki_label),
    };
    written.unwrap_or_else(|| value.to_owned())
}

/// `pieces` filled from `lookup` (field name → trimmed value).
pub fn fill<'a>(pieces: &[Piece<'_>], lookup: impl Fn(&str) -> Option<&'a str>) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Literal(text) => out.push_str(text),
            Piece::Field(name, format) => {
                out.push_str(&format_value(lookup(name).unwrap_or_default(), *format))
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_in_their_format() {
        let pieces = parse("{name} 様 {amount|yen} 納期限 {due|wareki}").unwrap();
        let text = fill(&pieces, |n| match n {
            "name" => Some("沼津 太郎"),
            "amount" => Some("0000012345"),
            "due" => Some("R080531"),
            _ => None,
        });
        assert_eq!(text, "沼津 太郎 様 12,345円 納期限 令和8年5月31日");
        assert!(parse("{name").is_err());
        assert!(parse("name}").is_err());
        assert!(parse("{amount|euro}").unwrap_err().contains("euro"));
    }
}
