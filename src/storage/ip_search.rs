//! Searching the IP address ledger's lines for the console: by address (a whole address
//! exactly, a partial one from its start), host, computer name, 所属, person or requester,
//! within a segment and a state.

use super::ip_ledger::IpAddressRecord;
use super::{sql, Conn, Result};
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

const WHERE: &str = "($1 IS NULL OR segment_id = $1) AND ($2 IS NULL OR state = $2) \
     AND ($3 IS NULL OR number = $4 OR address LIKE $5 ESCAPE '\\' \
     OR LOWER(host) LIKE $3 ESCAPE '\\' OR LOWER(computer_name) LIKE $3 ESCAPE '\\' \
     OR LOWER(department) LIKE $3 ESCAPE '\\' OR LOWER(person) LIKE $3 ESCAPE '\\' \
     OR LOWER(requester) LIKE $3 ESCAPE '\\')";

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
    static LIST: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("SELECT * FROM ip_addresses WHERE {WHERE} ORDER BY number LIMIT $6 OFFSET $7")
    });
    static COUNT: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("SELECT COUNT(*) FROM ip_addresses WHERE {WHERE}"));
    let text = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(escape_like);
    let like = text.as_ref().map(|t| format!("%{}%", t.to_lowercase()));
    let number = filter
        .text
        .as_deref()
        .and_then(|t| parse_address(t.trim()))
        .map(address_number);
    let prefix = text.as_ref().map(|t| format!("{t}%"));
    let bound = |statement: &'static str| {
        sql(statement)
            .bind(filter.segment_id)
            .bind(filter.state)
            .bind(like.clone())
            .bind(number)
            .bind(prefix.clone())
    };
    let rows = bound(LIST.as_str())
        .bind(limit)
        .bind(offset)
        .fetch_all(c)
        .await?;
    let total = bound(COUNT.as_str()).scalar(c).await?;
    Ok((rows, total))
}
