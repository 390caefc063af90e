//! The staff directory, imported from the personnel CSV. Personal information: read only
//! where a conversation or a ticket needs it.

use std::collections::{HashMap, HashSet};

use super::{sql, Conn, Result, Sql, StaffImportReport, StaffMember, StorageError, Store, Tx};

/// How a member of staff is looked up.
#[derive(Debug, Clone, Copy)]
pub enum StaffKey<'a> {
    EmployeeNo(&'a str),
    LogoChatId(&'a str),
    Email(&'a str),
    Extension(&'a str),
}

impl StaffKey<'_> {
    fn query(self) -> Sql {
        let (statement, value) = match self {
            StaffKey::EmployeeNo(v) => (
                sql(
                    "SELECT employee_no, name, department, email, extension, logochat_id \
                     FROM staff WHERE employee_no = $1",
                ),
                v,
            ),
            StaffKey::LogoChatId(v) => (
                sql(
                    "SELECT employee_no, name, department, email, extension, logochat_id \
                     FROM staff WHERE logochat_id = $1",
                ),
                v,
            ),
            StaffKey::Email(v) => (
                sql(
                    "SELECT employee_no, name, department, email, extension, logochat_id \
                     FROM staff WHERE email = $1 ORDER BY employee_no LIMIT 1",
                ),
                v,
            ),
            StaffKey::Extension(v) => (
                sql(
                    "SELECT employee_no, name, department, email, extension, logochat_id \
                     FROM staff WHERE extension = $1 ORDER BY employee_no LIMIT 1",
                ),
                v,
            ),
        };
        statement.bind(value)
    }
}

pub async fn find(c: &mut Conn<'_>, key: StaffKey<'_>) -> Result<Option<StaffMember>> {
    key.query().fetch_optional(c).await
}

/// Which of `employee_nos` the directory holds (a whole file's 職員番号 checked at once).
pub async fn known(c: &mut Conn<'_>, employee_nos: &[&str]) -> Result<HashSet<String>> {
    if employee_nos.is_empty() {
        return Ok(HashSet::new());
    }
    let all: Vec<String> = sql("SELECT employee_no FROM staff").scalars(c).await?;
    let wanted: HashSet<&str> = employee_nos.iter().copied().collect();
    Ok(all
        .into_iter()
        .filter(|no| wanted.contains(no.as_str()))
        .collect())
}

/// Replaces the staff directory with `staff`, inside `tx`. A 職員番号 given twice is
/// [`StorageError::Invalid`] and nothing is written.
pub async fn replace(tx: &mut Tx, staff: &[StaffMember]) -> Result<StaffImportReport> {
    let mut seen = HashSet::new();
    for member in staff {
        if !seen.insert(member.employee_no.as_str()) {
            return Err(StorageError::Invalid(format!(
                "職員番号 {} appears twice",
                member.employee_no
            )));
        }
    }
    let old: Vec<StaffMember> =
        sql("SELECT employee_no, name, department, email, extension, logochat_id FROM staff")
            .fetch_all(&mut tx.conn())
            .await?;
    let old: HashMap<String, StaffMember> = old
        .into_iter()
        .map(|s| (s.employee_no.clone(), s))
        .collect();
    let mut report = StaffImportReport::default();
    let keep: HashSet<&str> = staff.iter().map(|s| s.employee_no.as_str()).collect();
    for gone in old.keys().filter(|k| !keep.contains(k.as_str())) {
        sql("DELETE FROM staff WHERE employee_no = $1")
            .bind(gone)
            .execute(&mut tx.conn())
            .await?;
        report.removed += 1;
    }
    // Clear LoGo ids first so that an id moving from one person to another in the
    // same import does not trip the unique constraint half-way.
    sql("UPDATE staff SET logochat_id = NULL")
        .execute(&mut tx.conn())
        .await?;
    let now = tx.now();
    for member in staff {
        match old.get(&member.employee_no) {
            Some(previous) if previous == member => report.unchanged += 1,
            Some(_) => report.updated += 1,
            None => report.added += 1,
        }
        sql(
            "INSERT INTO staff (employee_no, name, department, email, extension, \
                 logochat_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (employee_no) DO UPDATE SET name = excluded.name, \
                 department = excluded.department, email = excluded.email, \
                 extension = excluded.extension, logochat_id = excluded.logochat_id, \
                 updated_at = CASE WHEN staff.name = excluded.name \
                 AND staff.department = excluded.department THEN staff.updated_at \
                 ELSE excluded.updated_at END",
        )
        .bind(&member.employee_no)
        .bind(&member.name)
        .bind(&member.department)
        .bind(&member.email)
        .bind(&member.extension)
        .bind(&member.logochat_id)
        .bind(now)
        .execute(&mut tx.conn())
        .await?;
    }
    Ok(report)
}

impl Store {
    /// Replaces the staff directory with `staff`, in one transaction.
    pub async fn replace_staff(&self, staff: &[StaffMember]) -> Result<StaffImportReport> {
        let mut tx = self.begin().await?;
        let report = replace(&mut tx, staff).await?;
        tx.commit().await?;
        Ok(report)
    }

    pub async fn staff_member(&self, key: StaffKey<'_>) -> Result<Option<StaffMember>> {
        find(&mut self.conn(), key).await
    }

    pub async fn staff_by_employee_no(&self, employee_no: &str) -> Result<Option<StaffMember>> {
        self.staff_member(StaffKey::EmployeeNo(employee_no)).await
    }

    pub async fn staff_count(&self) -> Result<i64> {
        sql("SELECT COUNT(*) FROM staff")
            .scalar(&mut self.conn())
            .await
    }
}

/// Sets a person's name and 所属, adding them when missing; their mail, extension and
/// LoGoチャットID stay as they are (the personnel switch on the 発令日).
pub async fn put_assignment(
    tx: &mut Tx,
    employee_no: &str,
    name: &str,
    department: &str,
) -> Result<()> {
    let now = tx.now();
    sql(
        "INSERT INTO staff (employee_no, name, department, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (employee_no) DO UPDATE SET \
         name = excluded.name, department = excluded.department, \
         updated_at = excluded.updated_at",
    )
    .bind(employee_no)
    .bind(name)
    .bind(department)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

/// Removes a person from the directory (retired); whether they were there.
pub async fn remove(tx: &mut Tx, employee_no: &str) -> Result<bool> {
    let n = sql("DELETE FROM staff WHERE employee_no = $1")
        .bind(employee_no)
        .execute(&mut tx.conn())
        .await?;
    Ok(n > 0)
}
