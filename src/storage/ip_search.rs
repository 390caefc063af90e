//! Searching the IP address ledger's lines for the console: by address (a whole address
//! exactly, a partial one from its start), host, computer name, 所属, person or requester,
//! within a segment and a state.

use super::ip_ledger::IpAddressRecord;
use super::search_fold::{like_anywhere, like_prefix, Fold, ESCAPE};
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
    let like = |column: &str| fold.like(column, "$3");
    format!(
        "($1 IS NULL OR segment_id = $1) AND ($2 IS NULL OR state = $2) \
         AND ($3 IS NULL OR number = $4 OR address LIKE $5 {ESCAPE} \
         OR {} OR {} OR {} OR {} OR {})",
        like("host"),
        like("computer_name"),
        like("department"),
        like("person"),
        like("requester"),
    )
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
    let text = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let like = text.map(like_anywhere);
    let number = filter
        .text
        .as_deref()
        .and_then(|t| parse_address(t.trim()))
        .map(address_number);
    let prefix = text.map(like_prefix);
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
