//! Personnel switch plans: the plan, the people of its change file, and its items with
//! their state. Items are written in batches (a city's plan has tens of thousands).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{sql, sql_owned, Conn, Result, Tx};
use crate::domain::{
    AccountSystem, ChangeKind, ChangeReason, PlanItemStatus, PlanStatus, TextEnum,
};

/// A plan to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPlan<'a> {
    /// The change file's name, as the operator gave it.
    pub source: &'a str,
    pub people: usize,
    pub created_by: &'a str,
}

/// A stored plan.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PlanRow {
    pub id: i64,
    pub status: PlanStatus,
    pub source: String,
    pub people: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// While an apply run holds the plan: the end of its lease.
    pub run_until: Option<DateTime<Utc>>,
}

/// A person of a plan's change file.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PlanPerson {
    pub employee_no: String,
    pub name: String,
    pub reason: ChangeReason,
    pub department_code: Option<String>,
    pub department: Option<String>,
    pub effective: NaiveDate,
}

/// An item to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewItem<'a> {
    pub employee_no: &'a str,
    pub name: &'a str,
    pub department_code: Option<&'a str>,
    pub reason: ChangeReason,
    pub system: AccountSystem,
    pub kind: ChangeKind,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub detail: Option<&'a str>,
    pub effective: NaiveDate,
}

/// A stored item.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct ItemRow {
    pub id: i64,
    pub seq: i64,
    pub employee_no: String,
    pub name: String,
    pub department_code: Option<String>,
    pub reason: ChangeReason,
    pub system: AccountSystem,
    pub kind: ChangeKind,
    pub before_value: Option<String>,
    pub after_value: Option<String>,
    pub detail: Option<String>,
    pub effective: NaiveDate,
    pub status: PlanItemStatus,
    pub attempts: i64,
    pub error: Option<String>,
    /// What the adapter did (a work order's name, the directory written).
    pub outcome: Option<String>,
}

pub async fn insert_plan(tx: &mut Tx, plan: &NewPlan<'_>) -> Result<i64> {
    let now = tx.now();
    sql(
        "INSERT INTO personnel_plans (status, source, people, created_by, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(PlanStatus::Draft)
    .bind(plan.source)
    .bind(plan.people)
    .bind(plan.created_by)
    .bind(now)
    .scalar(&mut tx.conn())
    .await
}

/// Rows a multi-row INSERT carries (PostgreSQL takes at most 65,535 arguments).
const BATCH: usize = 400;

fn values_list(rows: usize, columns: usize) -> String {
    (0..rows)
        .map(|r| {
            let cells: Vec<String> = (1..=columns)
                .map(|c| format!("${}", r * columns + c))
                .collect();
            format!("({})", cells.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn insert_people(tx: &mut Tx, plan_id: i64, people: &[PlanPerson]) -> Result<()> {
    for chunk in people.chunks(BATCH) {
        let mut statement = sql_owned(format!(
            "INSERT INTO personnel_plan_people (plan_id, employee_no, name, reason, \
             department_code, department, effective) VALUES {}",
            values_list(chunk.len(), 7)
        ));
        for p in chunk {
            statement = statement
                .bind(plan_id)
                .bind(&p.employee_no)
                .bind(&p.name)
                .bind(p.reason)
                .bind(&p.department_code)
                .bind(&p.department)
                .bind(p.effective);
        }
        statement.execute(&mut tx.conn()).await?;
    }
    Ok(())
}

/// Stores the items of a plan, numbered in order, all `proposed`.
pub async fn insert_items(tx: &mut Tx, plan_id: i64, items: &[NewItem<'_>]) -> Result<()> {
    insert_items_from(tx, plan_id, 1, PlanItemStatus::Proposed, items).await
}

/// Stores items numbered from `first_seq` on, all in `status`.
pub async fn insert_items_from(
    tx: &mut Tx,
    plan_id: i64,
    first_seq: i64,
    status: PlanItemStatus,
    items: &[NewItem<'_>],
) -> Result<()> {
    let now = tx.now();
    for (c, chunk) in items.chunks(BATCH).enumerate() {
        let mut statement = sql_owned(format!(
            "INSERT INTO personnel_plan_items (plan_id, seq, employee_no, name, \
             department_code, reason, system, kind, before_value, after_value, detail, \
             effective, status, attempts, updated_at) VALUES {}",
            values_list(chunk.len(), 15)
        ));
        for (i, item) in chunk.iter().enumerate() {
            statement = statement
                .bind(plan_id)
                .bind(first_seq + (c * BATCH + i) as i64)
                .bind(item.employee_no)
                .bind(item.name)
                .bind(item.department_code)
                .bind(item.reason)
                .bind(item.system)
                .bind(item.kind)
                .bind(item.before)
                .bind(item.after)
                .bind(item.detail)
                .bind(item.effective)
                .bind(status)
                .bind(0i64)
                .bind(now);
        }
        statement.execute(&mut tx.conn()).await?;
    }
    Ok(())
}

pub async fn plan(c: &mut Conn<'_>, id: i64) -> Result<Option<PlanRow>> {
    sql(
        "SELECT id, status, source, people, created_by, created_at, updated_at, \
         run_until FROM personnel_plans WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(c)
    .await
}

/// Plan `id`, locked until the end of the transaction (PostgreSQL; SQLite's write
/// transaction already excludes every other writer): what adds items to a plan takes it.
pub async fn plan_for_update(tx: &mut Tx, id: i64) -> Result<Option<PlanRow>> {
    sql(
        "SELECT id, status, source, people, created_by, created_at, updated_at, \
         run_until FROM personnel_plans WHERE id = $1 FOR UPDATE",
    )
    .locking()
    .bind(id)
    .fetch_optional(&mut tx.conn())
    .await
}

/// The newest plans first.
pub async fn plans(c: &mut Conn<'_>, limit: i64) -> Result<Vec<PlanRow>> {
    sql(
        "SELECT id, status, source, people, created_by, created_at, updated_at, \
         run_until FROM personnel_plans ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(c)
    .await
}

pub async fn people(c: &mut Conn<'_>, plan_id: i64) -> Result<Vec<PlanPerson>> {
    sql(
        "SELECT employee_no, name, reason, department_code, department, effective \
         FROM personnel_plan_people WHERE plan_id = $1 ORDER BY employee_no",
    )
    .bind(plan_id)
    .fetch_all(c)
    .await
}

const ITEM_COLUMNS: &str = "id, seq, employee_no, name, department_code, reason, system, \
     kind, before_value, after_value, detail, effective, status, attempts, error, outcome";

/// Every item of a plan, in order.
pub async fn items(c: &mut Conn<'_>, plan_id: i64) -> Result<Vec<ItemRow>> {
    sql_owned(format!(
        "SELECT {ITEM_COLUMNS} FROM personnel_plan_items WHERE plan_id = $1 ORDER BY seq"
    ))
    .bind(plan_id)
    .fetch_all(c)
    .await
}

/// One item.
pub async fn item(c: &mut Conn<'_>, id: i64) -> Result<Option<ItemRow>> {
    sql_owned(format!(
        "SELECT {ITEM_COLUMNS} FROM personnel_plan_items WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(c)
    .await
}

/// How many items of a plan are in each state.
pub async fn status_counts(c: &mut Conn<'_>, plan_id: i64) -> Result<Vec<(PlanItemStatus, i64)>> {
    let mut counts = Vec::new();
    for status in PlanItemStatus::ALL {
        let n: i64 = sql("SELECT COUNT(*) FROM personnel_plan_items \
                          WHERE plan_id = $1 AND status = $2")
        .bind(plan_id)
        .bind(*status)
        .scalar(c)
        .await?;
        counts.push((*status, n));
    }
    Ok(counts)
}

/// Approves the proposed items of a plan in one 所属 and of one kind (`None`: any);
/// the number approved.
pub async fn approve_part(
    tx: &mut Tx,
    plan_id: i64,
    department_code: Option<&str>,
    kind: Option<ChangeKind>,
) -> Result<u64> {
    let now = tx.now();
    let update = "UPDATE personnel_plan_items SET status = $1, updated_at = $2 \
                  WHERE plan_id = $3 AND status = $4";
    let statement = match (department_code, kind) {
        (None, None) => sql(update),
        (Some(_), None) => sql_owned(format!("{update} AND department_code = $5")),
        (None, Some(_)) => sql_owned(format!("{update} AND kind = $5")),
        (Some(_), Some(_)) => sql_owned(format!("{update} AND department_code = $5 AND kind = $6")),
    };
    let mut statement = statement
        .bind(PlanItemStatus::Approved)
        .bind(now)
        .bind(plan_id)
        .bind(PlanItemStatus::Proposed);
    if let Some(code) = department_code {
        statement = statement.bind(code);
    }
    if let Some(kind) = kind {
        statement = statement.bind(kind);
    }
    statement.execute(&mut tx.conn()).await
}

/// Claims an item for a run: `approved` (or `failed`, on a retry) to `applying`, one more
/// attempt. `false` when another run has it or it is done.
pub async fn claim(tx: &mut Tx, id: i64, from: PlanItemStatus) -> Result<bool> {
    let now = tx.now();
    let n = sql(
        "UPDATE personnel_plan_items SET status = $1, attempts = attempts + 1, \
                 updated_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(PlanItemStatus::Applying)
    .bind(now)
    .bind(id)
    .bind(from)
    .execute(&mut tx.conn())
    .await?;
    Ok(n == 1)
}

/// Records an item's result: done with what was done, or failed with why.
pub async fn finish(tx: &mut Tx, id: i64, result: Result<&str, &str>) -> Result<()> {
    let now = tx.now();
    let (status, outcome, error) = match result {
        Ok(outcome) => (PlanItemStatus::Done, Some(outcome), None),
        Err(error) => (PlanItemStatus::Failed, None, Some(error)),
    };
    sql(
        "UPDATE personnel_plan_items SET status = $1, outcome = $2, error = $3, \
         updated_at = $4 WHERE id = $5 AND status = $6",
    )
    .bind(status)
    .bind(outcome)
    .bind(error)
    .bind(now)
    .bind(id)
    .bind(PlanItemStatus::Applying)
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

/// The items a run works on, in order: approved, failed (retried) and left applying by a
/// run that stopped.
pub async fn runnable(c: &mut Conn<'_>, plan_id: i64) -> Result<Vec<ItemRow>> {
    sql_owned(format!(
        "SELECT {ITEM_COLUMNS} FROM personnel_plan_items WHERE plan_id = $1 \
         AND status IN ({}) ORDER BY seq",
        PlanItemStatus::sql_list(&[
            PlanItemStatus::Approved,
            PlanItemStatus::Failed,
            PlanItemStatus::Applying,
        ])
    ))
    .bind(plan_id)
    .fetch_all(c)
    .await
}

pub async fn set_plan_status(tx: &mut Tx, plan_id: i64, status: PlanStatus) -> Result<()> {
    let now = tx.now();
    sql("UPDATE personnel_plans SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status)
        .bind(now)
        .bind(plan_id)
        .execute(&mut tx.conn())
        .await?;
    Ok(())
}

/// The people of a plan whose 発令日 has come (on or before `today`) and whose staff
/// record has not followed yet.
pub async fn due_people(
    c: &mut Conn<'_>,
    plan_id: i64,
    today: NaiveDate,
) -> Result<Vec<PlanPerson>> {
    sql(
        "SELECT employee_no, name, reason, department_code, department, effective \
         FROM personnel_plan_people WHERE plan_id = $1 AND effective <= $2 \
         AND staff_updated IS NULL ORDER BY employee_no",
    )
    .bind(plan_id)
    .bind(today)
    .fetch_all(c)
    .await
}

/// Notes that a person's staff record follows the plan now.
pub async fn mark_staff_updated(tx: &mut Tx, plan_id: i64, employee_no: &str) -> Result<()> {
    let now = tx.now();
    sql("UPDATE personnel_plan_people SET staff_updated = $1 \
         WHERE plan_id = $2 AND employee_no = $3")
    .bind(now)
    .bind(plan_id)
    .bind(employee_no)
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

/// Takes plan `plan_id` for the apply run `token` until `until`: when no run holds it,
/// when the holder's lease ran out by `now`, or (`take_over`) in any case. Whether it was
/// taken; one conditional UPDATE, so two runs never both take it.
pub async fn claim_run(
    tx: &mut Tx,
    plan_id: i64,
    token: &str,
    until: DateTime<Utc>,
    take_over: bool,
) -> Result<bool> {
    let now = tx.now();
    let n = if take_over {
        sql("UPDATE personnel_plans SET run_token = $1, run_until = $2 WHERE id = $3")
            .bind(token)
            .bind(until)
            .bind(plan_id)
            .execute(&mut tx.conn())
            .await?
    } else {
        sql(
            "UPDATE personnel_plans SET run_token = $1, run_until = $2 WHERE id = $3 \
             AND (run_token IS NULL OR run_until IS NULL OR run_until <= $4)",
        )
        .bind(token)
        .bind(until)
        .bind(plan_id)
        .bind(now)
        .execute(&mut tx.conn())
        .await?
    };
    Ok(n == 1)
}

/// Renews run `token`'s lease on its plan; `false` when another run took the plan over.
pub async fn renew_run(
    tx: &mut Tx,
    plan_id: i64,
    token: &str,
    until: DateTime<Utc>,
) -> Result<bool> {
    let n = sql("UPDATE personnel_plans SET run_until = $1 WHERE id = $2 AND run_token = $3")
        .bind(until)
        .bind(plan_id)
        .bind(token)
        .execute(&mut tx.conn())
        .await?;
    Ok(n == 1)
}

/// Lets go of the plan, if run `token` still holds it.
pub async fn release_run(tx: &mut Tx, plan_id: i64, token: &str) -> Result<()> {
    sql(
        "UPDATE personnel_plans SET run_token = NULL, run_until = NULL \
         WHERE id = $1 AND run_token = $2",
    )
    .bind(plan_id)
    .bind(token)
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

/// The accounts a plan created (done) whose 発令日 has come by `today` and that no later
/// item of the plan enables yet: created disabled, to be enabled now.
pub async fn due_enables(c: &mut Conn<'_>, plan_id: i64, today: NaiveDate) -> Result<Vec<ItemRow>> {
    let columns: Vec<String> = ITEM_COLUMNS
        .split(", ")
        .map(|c| format!("i.{}", c.trim()))
        .collect();
    sql_owned(format!(
        "SELECT {} FROM personnel_plan_items i WHERE i.plan_id = $1 AND i.kind = $2 \
         AND i.status = $3 AND i.effective <= $4 AND NOT EXISTS (SELECT 1 FROM \
         personnel_plan_items e WHERE e.plan_id = i.plan_id AND e.employee_no = i.employee_no \
         AND e.system = i.system AND e.kind = $5 AND e.seq > i.seq) ORDER BY i.seq",
        columns.join(", ")
    ))
    .bind(plan_id)
    .bind(ChangeKind::Create)
    .bind(PlanItemStatus::Done)
    .bind(today)
    .bind(ChangeKind::Enable)
    .fetch_all(c)
    .await
}

/// The highest item number of a plan (0 without items).
pub async fn last_seq(c: &mut Conn<'_>, plan_id: i64) -> Result<i64> {
    sql("SELECT COALESCE(MAX(seq), 0) FROM personnel_plan_items WHERE plan_id = $1")
        .bind(plan_id)
        .scalar(c)
        .await
}
