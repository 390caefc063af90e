//! Searching the IP address ledger's lines for the console: by address (a whole address
//! exactly, a partial one from its start), host, computer name, 所属, person or requester,
//! within a segment and a state.

use super::ip_ledger::IpAddressRecord;
use super::search_fold::{fold_text, Fold};
use super::{sql_owned, Conn, Result};
use crate::domain::address::{address_number, parse_address};
use crate::domain::AddressState;

/// Which ledger lines to show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AddressFilter {
    pub segment_id: Option<i64>,
    pub state: Option<AddressState>,
    /// Matched against the address and the holder's fields.
    pub text: Option<String>,
}

/// The conditions, the holder's fields compared in either case and either width, on
/// both backends (see `search_fold`).
fn conditions(fold: &Fold) -> String {
    let like = |column: &str| format!("{} LIKE LOWER($3) ESCAPE '\\'", fold.column(column));
    format!(
        "($1 IS NULL OR segment_id = $1) AND ($2 IS NULL OR state = $2) \
         AND ($3 IS NULL OR number = $4 OR address LIKE $5 ESCAPE '\\' \
         OR {} OR {} OR {} OR {} OR {})",
        like("host"),
        like("computer_name"),
        like("department"),
        like("person"),
        like("requester"),
    )
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

/// The lines matching `filter` in address order, `limit` from `offset`, and how many match.
pub async fn search(
    c: &mut Conn<'_>,
    filter: &AddressFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<IpAddressRecord>, i64)> {
    let fold = Fold::of(filter.text.as_deref().map(str::trim), c.is_postgres());
    let conditions = conditions(&fold);
    let list =
        format!("SELECT * FROM ip_addresses WHERE {conditions} ORDER BY number LIMIT $6 OFFSET $7");
    let count = format!("SELECT COUNT(*) FROM ip_addresses WHERE {conditions}");
    // Folded before it is escaped: a full-width `％` is a `%` to match, not a wildcard.
    let text = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| escape_like(&fold_text(t)));
    let like = text.as_ref().map(|t| format!("%{t}%"));
    let number = filter
        .text
        .as_deref()
        .and_then(|t| parse_address(t.trim()))
        .map(address_number);
    let prefix = text.as_ref().map(|t| format!("{t}%"));
    let bound = |statement: &str| {
        sql_owned(statement.to_owned())
            .bind(filter.segment_id)
            .bind(filter.state)
            .bind(like.clone())
            .bind(number)
            .bind(prefix.clone())
    };
    let rows = bound(&list).bind(limit).bind(offset).fetch_all(c).await?;
    let total = bound(&count).scalar(c).await?;
    Ok((rows, total))
}
