//! The equipment register (機器台帳): one row a device, found by its asset number, and the
//! history of every change with its reason and the line before and after. A device's
//! person is a 職員番号; reads add the person's 氏名 from the staff directory.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::search_fold::{like_anywhere, Fold};
use super::{sql, sql_owned, Conn, Result, Sql, Tx};
use crate::domain::{DeviceKind, DeviceState};

/// What the register says about a device: the fields an operator or a CSV file sets
/// (in JSON, `asset_no` and `person_no` are `asset` and `person`, as callers write them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct DeviceLine {
    /// 資産番号, unique.
    #[serde(rename = "asset")]
    pub asset_no: String,
    pub kind: DeviceKind,
    /// 機種.
    pub model: Option<String>,
    /// 製造番号.
    pub serial: Option<String>,
    /// 設置場所・所属コード.
    pub department_code: Option<String>,
    /// 所属 (or the place) by name.
    pub department: Option<String>,
    /// 使用者の職員番号.
    #[serde(rename = "person")]
    pub person_no: Option<String>,
    pub state: DeviceState,
    /// 備考.
    pub note: Option<String>,
}

/// A device as stored, with the person's name from the staff directory.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Device {
    pub id: i64,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub line: DeviceLine,
    /// 氏名 of `person_no`, when the directory knows them.
    pub person_name: Option<String>,
    /// Grows by one with every change.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// A stored history line; `before_line` and `after_line` are [`DeviceLine`]s as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct DeviceHistoryRow {
    pub id: i64,
    pub asset_no: String,
    pub action: String,
    pub reason: String,
    pub before_line: Option<String>,
    pub after_line: String,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// Which devices to list. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceFilter {
    /// Part of the asset number.
    pub asset: Option<String>,
    /// A 所属コード (exactly), or part of the 所属's name.
    pub department: Option<String>,
    /// A 職員番号 (exactly), or part of the 氏名 (spaces ignored).
    pub person: Option<String>,
    pub kind: Option<DeviceKind>,
    pub state: Option<DeviceState>,
}

const SELECT: &str = "SELECT e.id, e.asset_no, e.kind, e.model, e.serial, e.department_code, \
     e.department, e.person_no, s.name AS person_name, e.state, e.note, e.version, \
     e.created_at, e.updated_at, e.updated_by \
     FROM equipment e LEFT JOIN staff s ON s.employee_no = e.person_no";

pub async fn device(c: &mut Conn<'_>, asset_no: &str) -> Result<Option<Device>> {
    static TEXT: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("{SELECT} WHERE e.asset_no = $1"));
    sql(TEXT.as_str()).bind(asset_no).fetch_optional(c).await
}

/// Device `asset_no`, locked until the transaction ends (PostgreSQL; SQLite's write
/// transaction already excludes every other writer).
pub async fn lock_device(tx: &mut Tx, asset_no: &str) -> Result<Option<Device>> {
    static TEXT: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("{SELECT} WHERE e.asset_no = $1 FOR UPDATE OF e"));
    sql(TEXT.as_str())
        .locking()
        .bind(asset_no)
        .fetch_optional(&mut tx.conn())
        .await
}

/// `statement` with a line's fields bound as `$1`..`$9`, in the table's column order.
fn with_line(statement: Sql, line: &DeviceLine) -> Sql {
    statement
        .bind(&line.asset_no)
        .bind(line.kind)
        .bind(&line.model)
        .bind(&line.serial)
        .bind(&line.department_code)
        .bind(&line.department)
        .bind(&line.person_no)
        .bind(line.state)
        .bind(&line.note)
}

/// Inserts a new device (version 1) by `actor`, stamped now; its id, or `None` when the
/// asset number is taken (also by a concurrent transaction that committed first).
pub async fn insert(tx: &mut Tx, line: &DeviceLine, actor: &str) -> Result<Option<i64>> {
    let now = tx.now();
    let statement = sql(
        "INSERT INTO equipment (asset_no, kind, model, serial, department_code, department, \
         person_no, state, note, version, created_at, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10, $11) \
         ON CONFLICT (asset_no) DO NOTHING RETURNING id",
    );
    with_line(statement, line)
        .bind(now)
        .bind(actor)
        .scalar_optional(&mut tx.conn())
        .await
}

/// Replaces the device's line if it is still at `version`; whether it was.
pub async fn update(tx: &mut Tx, line: &DeviceLine, version: i64, actor: &str) -> Result<bool> {
    let now = tx.now();
    let statement = sql(
        "UPDATE equipment SET kind = $2, model = $3, serial = $4, department_code = $5, \
         department = $6, person_no = $7, state = $8, note = $9, version = version + 1, \
         updated_at = $10, updated_by = $11 WHERE asset_no = $1 AND version = $12",
    );
    let changed = with_line(statement, line)
        .bind(now)
        .bind(actor)
        .bind(version)
        .execute(&mut tx.conn())
        .await?;
    Ok(changed == 1)
}

/// A change to record: what was done, why, and the line before (none for a new device)
/// and after.
pub struct HistoryEntry<'a> {
    pub action: &'static str,
    pub reason: &'a str,
    pub before: Option<&'a DeviceLine>,
    pub after: &'a DeviceLine,
    pub actor: &'a str,
}

pub async fn append_history(tx: &mut Tx, entry: &HistoryEntry<'_>) -> Result<()> {
    let now = tx.now();
    let json = |line: &DeviceLine| serde_json::to_string(line).expect("a line serialises");
    sql(
        "INSERT INTO equipment_history (asset_no, action, reason, before_line, after_line, \
         actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&entry.after.asset_no)
    .bind(entry.action)
    .bind(entry.reason)
    .bind(entry.before.map(json))
    .bind(json(entry.after))
    .bind(entry.actor)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

/// The changes to a device, oldest first.
pub async fn history(c: &mut Conn<'_>, asset_no: &str) -> Result<Vec<DeviceHistoryRow>> {
    sql("SELECT * FROM equipment_history WHERE asset_no = $1 ORDER BY id")
        .bind(asset_no)
        .fetch_all(c)
        .await
}

/// Devices matching `filter`, by asset number, `limit` from `offset`, and how many match.
pub async fn search(
    c: &mut Conn<'_>,
    filter: &DeviceFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Device>, i64)> {
    // Letters in either case and width on both backends, in the asset number, 所属 and
    // staff name: LOWER on both sides (PostgreSQL's LIKE minds case) and the full-width
    // forms of ASCII folded (see `search_fold`).
    let statements = |asset: &Fold, department: &Fold, person: &Fold| {
        let conditions = format!(
            " WHERE ($1 IS NULL OR {asset}) \
             AND ($2 IS NULL OR e.department_code = $3 OR {department}) \
             AND ($4 IS NULL OR e.person_no IN (SELECT CAST($5 AS TEXT) UNION \
             SELECT employee_no FROM staff WHERE {name})) \
             AND ($6 IS NULL OR e.kind = $6) AND ($7 IS NULL OR e.state = $7)",
            asset = asset.like("e.asset_no", "$1"),
            department = department.like("e.department", "$2"),
            name = person.like("REPLACE(REPLACE(name, ' ', ''), '　', '')", "$4"),
        );
        (
            format!("{SELECT}{conditions} ORDER BY e.asset_no LIMIT $8 OFFSET $9"),
            format!("SELECT COUNT(*) FROM equipment e{conditions}"),
        )
    };
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let asset = text(&filter.asset);
    let department = text(&filter.department);
    let person = text(&filter.person);
    let (list, count) = statements(
        &Fold::of(asset.as_deref(), c.is_postgres()),
        &Fold::of(department.as_deref(), c.is_postgres()),
        &Fold::of(person.as_deref(), c.is_postgres()),
    );
    let name = person
        .as_deref()
        .map(|p| like_anywhere(&p.replace([' ', '　'], "")));
    let bound = |statement: &str| {
        sql_owned(statement.to_owned())
            .bind(asset.as_deref().map(like_anywhere))
            .bind(department.as_deref().map(like_anywhere))
            .bind(department.clone())
            .bind(name.clone())
            .bind(person.clone())
            .bind(filter.kind)
            .bind(filter.state)
    };
    let rows = bound(&list).bind(limit).bind(offset).fetch_all(c).await?;
    let total = bound(&count).scalar(c).await?;
    Ok((rows, total))
}

/// Every device, by asset number.
pub async fn all(c: &mut Conn<'_>) -> Result<Vec<Device>> {
    static TEXT: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("{SELECT} ORDER BY e.asset_no"));
    sql(TEXT.as_str()).fetch_all(c).await
}

/// The devices assigned to any of `person_nos` (職員番号), by person and asset number.
pub async fn devices_of(c: &mut Conn<'_>, person_nos: &[String]) -> Result<Vec<Device>> {
    let mut devices = Vec::new();
    for chunk in person_nos.chunks(500) {
        // Placeholders only: the numbers themselves are bound.
        let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let mut statement = sql_owned(format!(
            "{SELECT} WHERE e.person_no IN ({}) ORDER BY e.person_no, e.asset_no",
            marks.join(", ")
        ));
        for no in chunk {
            statement = statement.bind(no);
        }
        devices.extend(statement.fetch_all::<Device>(c).await?);
    }
    devices.sort_by(|a, b| {
        (&a.line.person_no, &a.line.asset_no).cmp(&(&b.line.person_no, &b.line.asset_no))
    });
    Ok(devices)
}
