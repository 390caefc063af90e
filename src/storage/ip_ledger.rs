//! The IP address ledger: segments, their excluded ranges (DHCP pools), the addresses
//! someone holds or held, and the history of every change (shared with the computer-name
//! ledger). Addresses are compared as numbers (`number`, `first_number`...), never as text.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{sql, sql_owned, Conn, Result, Tx};
use crate::domain::{AddressState, Network};

/// A block of addresses on one network, for one place.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct IpSegment {
    pub id: i64,
    pub network: Network,
    pub cidr: String,
    pub name: String,
    /// The network address, as a number.
    pub first_number: i64,
    /// The broadcast address, as a number.
    pub last_number: i64,
    pub gateway: Option<String>,
    pub vlan: Option<i64>,
    /// 所属 the segment serves.
    pub department: Option<String>,
    /// 庁舎 or 出先機関.
    pub building: Option<String>,
    /// Days a released address waits before it is handed out again.
    pub quarantine_days: i64,
    pub created_at: DateTime<Utc>,
}

/// A new segment, checked by the ledger service.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIpSegment {
    pub network: Network,
    pub cidr: String,
    pub name: String,
    pub first_number: i64,
    pub last_number: i64,
    pub gateway: Option<String>,
    pub vlan: Option<i64>,
    pub department: Option<String>,
    pub building: Option<String>,
    pub quarantine_days: i64,
}

/// An address range of a segment the ledger never hands out.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct IpExclusion {
    pub segment_id: i64,
    pub first_number: i64,
    pub last_number: i64,
    pub reason: String,
}

/// One line of the ledger: an address and who holds it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, sqlx::FromRow)]
pub struct IpAddressRecord {
    pub number: i64,
    pub address: String,
    pub segment_id: i64,
    pub state: AddressState,
    pub host: Option<String>,
    pub computer_name: Option<String>,
    pub device: Option<String>,
    pub department: Option<String>,
    pub person: Option<String>,
    pub requester: Option<String>,
    pub note: Option<String>,
    /// When the current holder started using it.
    pub since: Option<NaiveDate>,
    /// A released address is not handed out before this.
    pub quarantine_until: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// A change to a ledger line, newest last.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct LedgerChange {
    pub id: i64,
    pub ledger: String,
    pub item: String,
    pub action: String,
    pub state: String,
    pub host: Option<String>,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// The ledgers [`LedgerChange`] rows belong to.
pub const IP_LEDGER: &str = "ip_address";
pub const NAME_LEDGER: &str = "computer_name";

/// Inserts a segment; its id.
pub async fn insert_segment(tx: &mut Tx, segment: &NewIpSegment) -> Result<i64> {
    let now = tx.now();
    sql(
        "INSERT INTO ip_segments (network, cidr, name, first_number, last_number, gateway, \
         vlan, department, building, quarantine_days, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(segment.network)
    .bind(&segment.cidr)
    .bind(&segment.name)
    .bind(segment.first_number)
    .bind(segment.last_number)
    .bind(&segment.gateway)
    .bind(segment.vlan)
    .bind(&segment.department)
    .bind(&segment.building)
    .bind(segment.quarantine_days)
    .bind(now)
    .scalar(&mut tx.conn())
    .await
}

pub async fn insert_exclusion(tx: &mut Tx, exclusion: &IpExclusion) -> Result<()> {
    sql(
        "INSERT INTO ip_segment_exclusions (segment_id, first_number, last_number, reason) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(exclusion.segment_id)
    .bind(exclusion.first_number)
    .bind(exclusion.last_number)
    .bind(&exclusion.reason)
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

/// A segment whose block shares an address with `first..=last`, if any.
pub async fn overlapping(c: &mut Conn<'_>, first: i64, last: i64) -> Result<Option<IpSegment>> {
    sql(
        "SELECT * FROM ip_segments WHERE first_number <= $2 AND last_number >= $1 \
         ORDER BY id LIMIT 1",
    )
    .bind(first)
    .bind(last)
    .fetch_optional(c)
    .await
}

pub async fn segment(c: &mut Conn<'_>, id: i64) -> Result<Option<IpSegment>> {
    sql("SELECT * FROM ip_segments WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await
}

/// Segment `id`, locked until the transaction ends: every change of the segment's
/// addresses takes this lock first, so two never pick the same free address. (SQLite's
/// write transaction already excludes every other writer.)
pub async fn lock_segment(tx: &mut Tx, id: i64) -> Result<Option<IpSegment>> {
    sql("SELECT * FROM ip_segments WHERE id = $1 FOR UPDATE")
        .locking()
        .bind(id)
        .fetch_optional(&mut tx.conn())
        .await
}

/// The segment whose block holds address `number`.
pub async fn segment_containing(c: &mut Conn<'_>, number: i64) -> Result<Option<IpSegment>> {
    sql("SELECT * FROM ip_segments WHERE first_number <= $1 AND last_number >= $1")
        .bind(number)
        .fetch_optional(c)
        .await
}

pub async fn segments(c: &mut Conn<'_>) -> Result<Vec<IpSegment>> {
    sql("SELECT * FROM ip_segments ORDER BY network, first_number")
        .fetch_all(c)
        .await
}

pub async fn exclusions(c: &mut Conn<'_>, segment_id: i64) -> Result<Vec<IpExclusion>> {
    sql(
        "SELECT segment_id, first_number, last_number, reason FROM ip_segment_exclusions \
         WHERE segment_id = $1 ORDER BY first_number",
    )
    .bind(segment_id)
    .fetch_all(c)
    .await
}

/// The addresses of a segment that cannot be handed out at `now`: held, retired, or
/// released and still in quarantine. In ascending order.
pub async fn unavailable(
    c: &mut Conn<'_>,
    segment_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<i64>> {
    sql("SELECT number FROM ip_addresses WHERE segment_id = $1 \
         AND (state <> $2 OR (quarantine_until IS NOT NULL AND quarantine_until > $3)) \
         ORDER BY number")
    .bind(segment_id)
    .bind(AddressState::Free)
    .bind(now)
    .scalars(c)
    .await
}

pub async fn address(c: &mut Conn<'_>, number: i64) -> Result<Option<IpAddressRecord>> {
    sql("SELECT * FROM ip_addresses WHERE number = $1")
        .bind(number)
        .fetch_optional(c)
        .await
}

/// The address of segment `segment_id` held in use for `requester` (a request's number,
/// `R-12`), if any: the lowest.
pub async fn held_for(
    c: &mut Conn<'_>,
    segment_id: i64,
    requester: &str,
) -> Result<Option<IpAddressRecord>> {
    sql(
        "SELECT * FROM ip_addresses WHERE segment_id = $1 AND requester = $2 AND state = $3 \
         ORDER BY number LIMIT 1",
    )
    .bind(segment_id)
    .bind(requester)
    .bind(AddressState::InUse)
    .fetch_optional(c)
    .await
}

/// The ledger lines of a segment (or of every segment), in address order.
pub async fn addresses(
    c: &mut Conn<'_>,
    segment_id: Option<i64>,
    offset: i64,
    limit: i64,
) -> Result<Vec<IpAddressRecord>> {
    sql(
        "SELECT * FROM ip_addresses WHERE ($1 IS NULL OR segment_id = $1) \
         ORDER BY number LIMIT $2 OFFSET $3",
    )
    .bind(segment_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(c)
    .await
}

/// How many addresses of a segment are in each state (addresses without a line are not
/// counted: they are free).
pub async fn state_counts(c: &mut Conn<'_>, segment_id: i64) -> Result<Vec<(AddressState, i64)>> {
    #[derive(sqlx::FromRow)]
    struct Count {
        state: AddressState,
        n: i64,
    }
    let rows: Vec<Count> =
        sql("SELECT state, COUNT(*) AS n FROM ip_addresses WHERE segment_id = $1 GROUP BY state")
            .bind(segment_id)
            .fetch_all(c)
            .await?;
    Ok(rows.into_iter().map(|r| (r.state, r.n)).collect())
}

/// Writes a ledger line (new or replacing the address's line), stamped now by `actor`.
pub async fn put_address(tx: &mut Tx, record: &IpAddressRecord) -> Result<()> {
    upsert(tx, record, false).await.map(|_| ())
}

/// Writes a line for an address being handed out, only if the address is available (no
/// line, or 空き and out of quarantine); whether it was. A second line of defence behind
/// the segment lock: a lost race can never overwrite another holder.
pub async fn claim_address(tx: &mut Tx, record: &IpAddressRecord) -> Result<bool> {
    Ok(upsert(tx, record, true).await? == 1)
}

const COLUMNS: &str = "INSERT INTO ip_addresses (number, address, segment_id, state, host, \
     computer_name, device, department, person, requester, note, since, quarantine_until, \
     updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
     $14, $15) ON CONFLICT (number) DO UPDATE SET segment_id = excluded.segment_id, \
     state = excluded.state, host = excluded.host, computer_name = excluded.computer_name, \
     device = excluded.device, department = excluded.department, person = excluded.person, \
     requester = excluded.requester, note = excluded.note, since = excluded.since, \
     quarantine_until = excluded.quarantine_until, updated_at = excluded.updated_at, \
     updated_by = excluded.updated_by";

static CLAIM: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "{COLUMNS} WHERE ip_addresses.state = $16 AND (ip_addresses.quarantine_until IS NULL \
         OR ip_addresses.quarantine_until <= $14)"
    )
});

async fn upsert(tx: &mut Tx, record: &IpAddressRecord, claim: bool) -> Result<u64> {
    let now = tx.now();
    let text = if claim {
        CLAIM.clone()
    } else {
        COLUMNS.to_owned()
    };
    let mut statement = sql_owned(text)
        .bind(record.number)
        .bind(&record.address)
        .bind(record.segment_id)
        .bind(record.state)
        .bind(&record.host)
        .bind(&record.computer_name)
        .bind(&record.device)
        .bind(&record.department)
        .bind(&record.person)
        .bind(&record.requester)
        .bind(&record.note)
        .bind(record.since)
        .bind(record.quarantine_until)
        .bind(now)
        .bind(&record.updated_by);
    if claim {
        statement = statement.bind(AddressState::Free);
    }
    statement.execute(&mut tx.conn()).await
}

/// A history line for `item` of `ledger`.
pub struct HistoryLine<'a> {
    pub ledger: &'static str,
    pub item: &'a str,
    pub action: &'static str,
    pub state: &'static str,
    pub host: Option<&'a str>,
    pub actor: &'a str,
}

pub async fn append_history(tx: &mut Tx, line: &HistoryLine<'_>) -> Result<()> {
    let now = tx.now();
    sql(
        "INSERT INTO ledger_history (ledger, item, action, state, host, actor, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(line.ledger)
    .bind(line.item)
    .bind(line.action)
    .bind(line.state)
    .bind(line.host.map(str::to_owned))
    .bind(line.actor)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

/// The changes to `item` of `ledger`, oldest first.
pub async fn history(c: &mut Conn<'_>, ledger: &str, item: &str) -> Result<Vec<LedgerChange>> {
    sql("SELECT * FROM ledger_history WHERE ledger = $1 AND item = $2 ORDER BY id")
        .bind(ledger)
        .bind(item)
        .fetch_all(c)
        .await
}
