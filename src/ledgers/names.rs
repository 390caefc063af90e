//! The computer-name ledger (5(2)ウ② 発行・削除の管理簿): names follow the city's rule
//! (`[ledgers] computer_name_pattern`, e.g. `{department}-{kind}{serial:3}` →
//! `K012-PC001`); issuing takes the next serial for the 所属コード and kind (deleted names
//! are never issued again); every issue and deletion has a history line and an audit row.

use super::{optional_text, LedgerError, LedgerResult, Ledgers};
use crate::storage::computer_names::{self, ComputerName, NewComputerName};
use crate::storage::ip_ledger::{self, HistoryLine, LedgerChange, NAME_LEDGER};
use crate::storage::{audit, AuditEntry};

/// A computer name can be at most 15 characters (NetBIOS).
pub const MAX_NAME: usize = 15;

/// One part of a naming rule.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Department,
    Kind,
    Serial(usize),
}

/// The city's naming rule, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePattern(Vec<Part>);

impl NamePattern {
    /// Parses `{department}`, `{kind}`, `{serial}` or `{serial:N}` (zero-padded to N
    /// digits, 1 to 6) and literal letters, digits and hyphens; `{serial}` is required.
    pub fn parse(pattern: &str) -> Result<Self, String> {
        let mut parts = Vec::new();
        let mut rest = pattern;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('{') {
                let end = after.find('}').ok_or("「{」が閉じていません")?;
                parts.push(match &after[..end] {
                    "department" => Part::Department,
                    "kind" => Part::Kind,
                    "serial" => Part::Serial(1),
                    other => match other.strip_prefix("serial:").map(str::parse) {
                        Some(Ok(n @ 1..=6)) => Part::Serial(n),
                        _ => return Err(format!("知らない置き換え {{{other}}}")),
                    },
                });
                rest = &after[end + 1..];
            } else {
                let end = rest.find('{').unwrap_or(rest.len());
                let literal = &rest[..end];
                if !literal
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-')
                {
                    return Err("固定部分は英数字とハイフンだけです".into());
                }
                parts.push(Part::Literal(literal.to_owned()));
                rest = &rest[end..];
            }
        }
        if !parts.iter().any(|p| matches!(p, Part::Serial(_))) {
            return Err("{serial} が要ります".into());
        }
        Ok(Self(parts))
    }

    /// The name for a 所属コード, kind and serial.
    pub fn render(&self, department: &str, kind: &str, serial: i64) -> String {
        self.0
            .iter()
            .map(|part| match part {
                Part::Literal(text) => text.clone(),
                Part::Department => department.to_owned(),
                Part::Kind => kind.to_owned(),
                Part::Serial(width) => format!("{serial:0width$}"),
            })
            .collect()
    }
}

/// What an operator asks for: the 所属コード and device kind the rule needs, and whom the
/// name is for.
#[derive(Debug, Clone, Default)]
pub struct ComputerNameRequest {
    pub department_code: String,
    pub kind: String,
    pub device: Option<String>,
    pub person: Option<String>,
}

fn code(field: &str, value: &str) -> LedgerResult<String> {
    let value = value.trim().to_ascii_uppercase();
    if value.is_empty() || value.len() > 8 || !value.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(LedgerError::Invalid(format!(
            "{field} は英数字8文字以内です。"
        )));
    }
    Ok(value)
}

/// How often issuing tries the next serial when another instance took one meanwhile.
const MAX_ATTEMPTS: usize = 8;

impl Ledgers {
    fn name_pattern(&self) -> LedgerResult<NamePattern> {
        NamePattern::parse(&self.settings.computer_name_pattern)
            .map_err(|e| LedgerError::Invalid(format!("[ledgers] computer_name_pattern: {e}")))
    }

    /// Issues the next name for a 所属コード and kind.
    pub async fn issue_computer_name(
        &self,
        request: &ComputerNameRequest,
        actor: &str,
    ) -> LedgerResult<ComputerName> {
        let pattern = self.name_pattern()?;
        let department = code("所属コード", &request.department_code)?;
        let kind = code("種別", &request.kind)?;
        let device = optional_text("device", request.device.as_deref(), 100)?;
        let person = optional_text("person", request.person.as_deref(), 100)?;
        let mut tx = self.store.begin().await?;
        computer_names::lock_series(&mut tx, &department, &kind).await?;
        for _ in 0..MAX_ATTEMPTS {
            let serial = computer_names::last_serial(&mut tx.conn(), &department, &kind).await? + 1;
            let name = pattern.render(&department, &kind, serial);
            if name.len() > MAX_NAME {
                return Err(LedgerError::Invalid(format!(
                    "名前が{MAX_NAME}文字を超えます（{name}）。"
                )));
            }
            let new = NewComputerName {
                name,
                department_code: department.clone(),
                kind: kind.clone(),
                serial,
                device: device.clone(),
                person: person.clone(),
                issued_by: actor.to_owned(),
            };
            if let Some(issued) = computer_names::insert(&mut tx, &new).await? {
                record(&mut tx, &issued, "issue", actor).await?;
                tx.commit().await?;
                return Ok(issued);
            }
        }
        Err(LedgerError::conflict(
            department,
            "名前を発行できませんでした（同時の発行が続きました）。もう一度お試しください。",
        ))
    }

    /// Deletes an issued name (kept as 削除済, never issued again).
    pub async fn delete_computer_name(
        &self,
        name: &str,
        actor: &str,
    ) -> LedgerResult<ComputerName> {
        let name = name.trim().to_ascii_uppercase();
        let mut tx = self.store.begin().await?;
        match computer_names::delete(&mut tx, &name).await? {
            Some(deleted) => {
                record(&mut tx, &deleted, "delete", actor).await?;
                tx.commit().await?;
                Ok(deleted)
            }
            None => match computer_names::find(&mut tx.conn(), &name).await? {
                Some(_) => Err(LedgerError::conflict(name, "すでに削除済みです。")),
                None => Err(LedgerError::NotInLedger(name)),
            },
        }
    }

    pub async fn computer_names(&self) -> LedgerResult<Vec<ComputerName>> {
        Ok(computer_names::list(&mut self.store.conn()).await?)
    }

    pub async fn computer_name_history(&self, name: &str) -> LedgerResult<Vec<LedgerChange>> {
        let name = name.trim().to_ascii_uppercase();
        Ok(ip_ledger::history(&mut self.store.conn(), NAME_LEDGER, &name).await?)
    }
}

async fn record(
    tx: &mut crate::storage::Tx,
    name: &ComputerName,
    action: &'static str,
    actor: &str,
) -> LedgerResult<()> {
    let state = name.state.as_str();
    let line = HistoryLine {
        ledger: NAME_LEDGER,
        item: &name.name,
        action,
        state,
        host: None,
        actor,
    };
    ip_ledger::append_history(tx, &line).await?;
    let entry = AuditEntry::new(
        actor,
        &format!("computer_name.{action}"),
        "computer_name",
        &name.name,
    );
    audit::append(tx, &entry).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_render_and_bad_ones_are_refused() {
        let pattern = NamePattern::parse("{department}-{kind}{serial:3}").unwrap();
        assert_eq!(pattern.render("K012", "PC", 7), "K012-PC007");
        assert_eq!(pattern.render("K012", "PC", 1234), "K012-PC1234");
        assert!(NamePattern::parse("{department}{kind}").is_err());
        assert!(NamePattern::parse("{dept}{serial}").is_err());
        assert!(NamePattern::parse("NMZ_{serial}").is_err());
        assert!(NamePattern::parse("NMZ{serial:9}").is_err());
    }
}
