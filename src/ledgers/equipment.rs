//! The equipment register (機器台帳): register a device, change its state, assign it to a
//! member of staff. Each action is one transaction: the device's row, its history line
//! (who, when, why, the line before and after) and the audit row.

use unicode_normalization::UnicodeNormalization;

use super::{optional_text, LedgerError, LedgerResult, Ledgers};
use crate::domain::equipment::{
    state_change, state_when_assigned, DeviceField, StateChangeRefused,
};
use crate::domain::{DeviceKind, DeviceState, TextEnum};
use crate::storage::equipment::{self, Device, DeviceLine, HistoryEntry};
use crate::storage::{audit, staff, AuditEntry, Tx};

/// A device as someone typed it (the API, a CSV row): every field as text, checked by
/// [`DeviceSpec::checked`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceSpec {
    pub asset: String,
    pub kind: String,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub department_code: Option<String>,
    pub department: Option<String>,
    /// 職員番号.
    pub person: Option<String>,
    /// Default: 配備中 with a person, else 在庫.
    pub state: Option<String>,
    pub note: Option<String>,
}

/// A field that is wrong, and why.
pub type FieldProblem = (DeviceField, String);

const ASSET_MAX: usize = 40;
const FIELD_MAX: usize = 100;
const NOTE_MAX: usize = 400;

/// An asset number as the register keys it: trimmed, in NFKC (full-width letters and
/// digits as typed with the IME on, ＰＣ－０００１, are PC-0001), the dashes a Japanese
/// keyboard offers (‐ − – －) as `-`. So one device is never two lines.
pub fn asset_key(text: &str) -> String {
    text.trim()
        .nfkc()
        .map(|c| match c {
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2212}' => '-',
            c => c,
        })
        .collect()
}

/// An asset number ([`asset_key`]): 1 to 40 characters, no spaces, no `/ ? # %` (it is
/// part of URLs).
pub fn check_asset_no(text: &str) -> Result<String, String> {
    let text = asset_key(text);
    let text = text.as_str();
    if text.is_empty() {
        return Err("資産番号を入れてください。".into());
    }
    if text.chars().count() > ASSET_MAX {
        return Err(format!("資産番号は{ASSET_MAX}文字以内です。"));
    }
    if text
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '/' | '?' | '#' | '%'))
    {
        return Err("資産番号に空白や / ? # % は使えません。".into());
    }
    Ok(text.to_owned())
}

impl DeviceSpec {
    /// The register's line, or every field that is wrong. The person is not looked up
    /// here (the caller checks the staff directory).
    pub fn checked(&self) -> Result<DeviceLine, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        let asset_no = check_asset_no(&self.asset)
            .map_err(|e| problems.push((DeviceField::Asset, e)))
            .ok();
        let kind = DeviceKind::from_name_or_label(&self.kind);
        if kind.is_none() {
            problems.push((DeviceField::Kind, one_of::<DeviceKind>()));
        }
        let mut text = |field: DeviceField, value: &Option<String>, max: usize| {
            optional_text(field.label(), value.as_deref(), max)
                .map_err(|e| problems.push((field, e.to_string())))
                .ok()
                .flatten()
        };
        let model = text(DeviceField::Model, &self.model, FIELD_MAX);
        let serial = text(DeviceField::Serial, &self.serial, FIELD_MAX);
        let department_code = text(DeviceField::DepartmentCode, &self.department_code, 20);
        let department = text(DeviceField::Department, &self.department, FIELD_MAX);
        let person_no = text(DeviceField::Person, &self.person, 20);
        let note = text(DeviceField::Note, &self.note, NOTE_MAX);
        let state = match self
            .state
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None if person_no.is_some() => Some(DeviceState::Deployed),
            None => Some(DeviceState::InStock),
            Some(s) => DeviceState::from_name_or_label(s),
        };
        match state {
            None => problems.push((DeviceField::State, one_of::<DeviceState>())),
            Some(s) if person_no.is_some() && !s.holds_person() => problems.push((
                DeviceField::Person,
                format!("「{}」の機器には使用者を入れられません。", s.label()),
            )),
            Some(_) => {}
        }
        match (asset_no, kind, state) {
            (Some(asset_no), Some(kind), Some(state)) if problems.is_empty() => Ok(DeviceLine {
                asset_no,
                kind,
                model,
                serial,
                department_code,
                department,
                person_no,
                state,
                note,
            }),
            _ => Err(problems),
        }
    }
}

/// 「PC・タブレット・…のどれかです。」
pub fn one_of<T: TextEnum>() -> String {
    let labels: Vec<&str> = T::ALL.iter().map(|v| v.label()).collect();
    format!("{}のどれかです。", labels.join("・"))
}

fn first_problem(problems: Vec<FieldProblem>) -> LedgerError {
    let text: Vec<String> = problems
        .into_iter()
        .map(|(field, reason)| format!("{}（{}）: {reason}", field.label(), field.as_str()))
        .collect();
    LedgerError::Invalid(text.join(" "))
}

fn reason_of(reason: &str) -> LedgerResult<String> {
    optional_text("理由", Some(reason), NOTE_MAX)?
        .ok_or_else(|| LedgerError::Invalid("理由を入れてください。".into()))
}

fn refused(asset_no: &str, why: StateChangeRefused) -> LedgerError {
    LedgerError::NotAllowed(format!("{asset_no}: {why}"))
}

impl Ledgers {
    /// Adds a device to the register (its person, if any, must be in the staff
    /// directory); 409 when the asset number is taken.
    pub async fn register_device(
        &self,
        spec: &DeviceSpec,
        reason: Option<&str>,
        actor: &str,
    ) -> LedgerResult<Device> {
        let line = spec.checked().map_err(first_problem)?;
        let reason = match reason.map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => reason_of(r)?,
            None => "登録".to_owned(),
        };
        let mut tx = self.store.begin().await?;
        check_person(&mut tx, line.person_no.as_deref()).await?;
        if equipment::insert(&mut tx, &line, actor).await?.is_none() {
            return Err(LedgerError::Duplicate(format!(
                "資産番号 {} はすでに台帳にあります。",
                line.asset_no
            )));
        }
        let entry = HistoryEntry {
            action: "register",
            reason: &reason,
            before: None,
            after: &line,
            actor,
        };
        finish(tx, entry).await
    }

    /// Moves a device to `state` (see [`state_change`]); a state that holds no person
    /// (在庫, 貸出用, 廃棄) takes the person off.
    pub async fn set_device_state(
        &self,
        asset_no: &str,
        state: DeviceState,
        reason: &str,
        actor: &str,
    ) -> LedgerResult<Device> {
        let reason = reason_of(reason)?;
        let mut tx = self.store.begin().await?;
        let current = locked(&mut tx, asset_no).await?;
        let before = current.line.clone();
        state_change(before.state, state).map_err(|e| refused(&before.asset_no, e))?;
        let after = DeviceLine {
            state,
            person_no: before.person_no.clone().filter(|_| state.holds_person()),
            ..before.clone()
        };
        change(tx, current, after, "state", &reason, actor).await
    }

    /// Assigns a device to a member of staff (`None`: to nobody). A device on the shelf
    /// or in the loan pool becomes 配備中; a disposed one is refused.
    pub async fn assign_device(
        &self,
        asset_no: &str,
        person: Option<&str>,
        reason: &str,
        actor: &str,
    ) -> LedgerResult<Device> {
        let reason = reason_of(reason)?;
        let person = optional_text("使用者職員番号", person, 20)?;
        let mut tx = self.store.begin().await?;
        let current = locked(&mut tx, asset_no).await?;
        let before = current.line.clone();
        let state = state_when_assigned(before.state, person.as_deref())
            .map_err(|e| refused(&before.asset_no, e))?;
        if person == before.person_no {
            return Err(LedgerError::NotAllowed(format!(
                "{}: 使用者はすでにその状態です。",
                before.asset_no
            )));
        }
        check_person(&mut tx, person.as_deref()).await?;
        let after = DeviceLine {
            state,
            person_no: person,
            ..before.clone()
        };
        change(tx, current, after, "assign", &reason, actor).await
    }
}

/// The device, locked for the transaction; 404 when the register has none. Found by its
/// [`asset_key`], or as written (a line stored before asset numbers were keyed so).
async fn locked(tx: &mut Tx, asset_no: &str) -> LedgerResult<Device> {
    let (key, written) = (asset_key(asset_no), asset_no.trim());
    let mut found = equipment::lock_device(tx, &key).await?;
    if found.is_none() && key != written {
        found = equipment::lock_device(tx, written).await?;
    }
    found.ok_or_else(|| LedgerError::NotInLedger(format!("資産番号 {written}")))
}

/// Refuses a 職員番号 the staff directory does not hold.
pub(super) async fn check_person(tx: &mut Tx, person: Option<&str>) -> LedgerResult<()> {
    let Some(person) = person else {
        return Ok(());
    };
    if staff::known(&mut tx.conn(), &[person]).await?.is_empty() {
        return Err(LedgerError::Invalid(format!(
            "使用者職員番号 {person} は職員名簿にありません。"
        )));
    }
    Ok(())
}

async fn change(
    mut tx: Tx,
    current: Device,
    after: DeviceLine,
    action: &'static str,
    reason: &str,
    actor: &str,
) -> LedgerResult<Device> {
    if !equipment::update(&mut tx, &after, current.version, actor).await? {
        return Err(crate::storage::StorageError::Conflict(after.asset_no).into());
    }
    let entry = HistoryEntry {
        action,
        reason,
        before: Some(&current.line),
        after: &after,
        actor,
    };
    finish(tx, entry).await
}

/// Writes the history line and the audit row, commits, and reads the device back.
async fn finish(mut tx: Tx, entry: HistoryEntry<'_>) -> LedgerResult<Device> {
    equipment::append_history(&mut tx, &entry).await?;
    let asset_no = &entry.after.asset_no;
    let audit_entry = AuditEntry::new(
        entry.actor,
        &format!("equipment.{}", entry.action),
        "equipment",
        asset_no,
    )
    .detail(format!("{} {}", entry.after.state.as_str(), entry.reason));
    audit::append(&mut tx, &audit_entry).await?;
    let device = equipment::device(&mut tx.conn(), asset_no)
        .await?
        .ok_or_else(|| LedgerError::NotInLedger(asset_no.clone()))?;
    tx.commit().await?;
    Ok(device)
}
