//! Reading the equipment register: one device with its history (each change with what
//! it changed), a search page, and the devices of given staff (for the April personnel
//! plan, which lists which devices go where).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::equipment::asset_key;
use super::{LedgerError, LedgerResult, Ledgers};
use crate::domain::equipment::DeviceField;
use crate::storage::equipment::{self, Device, DeviceFilter, DeviceHistoryRow, DeviceLine};
use crate::storage::AuditEntry;

/// One change to a device: who, when, why, and each field before and after.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceChange {
    pub at: DateTime<Utc>,
    pub actor: String,
    /// `register`, `state`, `assign`, `import`.
    pub action: String,
    pub reason: String,
    /// `None` for the change that registered the device.
    pub before: Option<DeviceLine>,
    pub after: DeviceLine,
    /// The fields that changed (every set field for a new device).
    pub differences: Vec<Difference>,
}

/// A field that changed, as labels and shown values (empty: not set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub field: DeviceField,
    pub label: &'static str,
    pub before: String,
    pub after: String,
}

/// A page of devices and how many match in all.
#[derive(Debug, Clone, Serialize)]
pub struct DevicePage {
    pub devices: Vec<Device>,
    pub total: i64,
    pub offset: i64,
    pub limit: i64,
}

/// The most devices one page holds.
pub const MAX_PAGE: i64 = 500;

/// Each field of a line as shown (labels for kind and state; empty when not set).
pub fn shown(line: &DeviceLine) -> [(DeviceField, String); 9] {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        (DeviceField::Asset, line.asset_no.clone()),
        (DeviceField::Kind, line.kind.label().to_owned()),
        (DeviceField::Model, text(&line.model)),
        (DeviceField::Serial, text(&line.serial)),
        (DeviceField::DepartmentCode, text(&line.department_code)),
        (DeviceField::Department, text(&line.department)),
        (DeviceField::Person, text(&line.person_no)),
        (DeviceField::State, line.state.label().to_owned()),
        (DeviceField::Note, text(&line.note)),
    ]
}

fn differences(before: Option<&DeviceLine>, after: &DeviceLine) -> Vec<Difference> {
    let old = before.map(shown);
    shown(after)
        .into_iter()
        .enumerate()
        .filter_map(|(i, (field, now))| {
            let was = old.as_ref().map(|o| o[i].1.clone()).unwrap_or_default();
            (was != now).then(|| Difference {
                field,
                label: field.label(),
                before: was,
                after: now,
            })
        })
        .collect()
}

fn change_of(row: DeviceHistoryRow) -> LedgerResult<DeviceChange> {
    let read = |json: &str| {
        serde_json::from_str::<DeviceLine>(json).map_err(|e| {
            LedgerError::Storage(crate::storage::StorageError::Invalid(format!(
                "equipment_history {}: {e}",
                row.id
            )))
        })
    };
    let before = row.before_line.as_deref().map(read).transpose()?;
    let after = read(&row.after_line)?;
    Ok(DeviceChange {
        differences: differences(before.as_ref(), &after),
        at: row.at,
        actor: row.actor,
        action: row.action,
        reason: row.reason,
        before,
        after,
    })
}

impl Ledgers {
    /// A device, if the register has it.
    /// Found by its [`asset_key`], or as written (a line stored before asset numbers were
    /// keyed so).
    pub async fn device(&self, asset_no: &str) -> LedgerResult<Option<Device>> {
        let (key, written) = (asset_key(asset_no), asset_no.trim());
        let mut c = self.store.conn();
        let found = equipment::device(&mut c, &key).await?;
        if found.is_none() && key != written {
            return Ok(equipment::device(&mut c, written).await?);
        }
        Ok(found)
    }

    /// A device and every change to it, read by `actor`: audited (`equipment.view`), as
    /// reading a ticket or a request is: its history says who used it.
    pub async fn open_device(
        &self,
        asset_no: &str,
        actor: &str,
    ) -> LedgerResult<Option<(Device, Vec<DeviceChange>)>> {
        let Some(device) = self.device(asset_no).await? else {
            return Ok(None);
        };
        let history = self.device_history(&device.line.asset_no).await?;
        let entry = AuditEntry::new(actor, "equipment.view", "equipment", &device.line.asset_no);
        self.store.record_audit(&entry).await?;
        Ok(Some((device, history)))
    }

    /// Every change to a device, oldest first.
    pub async fn device_history(&self, asset_no: &str) -> LedgerResult<Vec<DeviceChange>> {
        let asset_no = match self.device(asset_no).await? {
            Some(device) => device.line.asset_no,
            None => asset_key(asset_no),
        };
        equipment::history(&mut self.store.conn(), &asset_no)
            .await?
            .into_iter()
            .map(change_of)
            .collect()
    }

    /// Devices matching `filter`, by asset number: at most [`MAX_PAGE`] from `offset`.
    pub async fn devices(
        &self,
        filter: &DeviceFilter,
        offset: i64,
        limit: i64,
    ) -> LedgerResult<DevicePage> {
        if offset < 0 || !(1..=MAX_PAGE).contains(&limit) {
            return Err(LedgerError::Invalid(format!(
                "offset は 0 以上、limit は 1 から {MAX_PAGE} です。"
            )));
        }
        let (devices, total) =
            equipment::search(&mut self.store.conn(), filter, offset, limit).await?;
        Ok(DevicePage {
            devices,
            total,
            offset,
            limit,
        })
    }

    /// The devices assigned to any of `person_nos` (職員番号), by person and asset number.
    /// For the April personnel switch: the plan lists, for each person who moves, the
    /// devices that go with them or stay behind. Numbers no device has are simply absent.
    pub async fn devices_of(&self, person_nos: &[String]) -> LedgerResult<Vec<Device>> {
        Ok(equipment::devices_of(&mut self.store.conn(), person_nos).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{DeviceKind, DeviceState};

    fn line() -> DeviceLine {
        DeviceLine {
            asset_no: "PC-0001".into(),
            kind: DeviceKind::Pc,
            model: Some("FMV-A".into()),
            serial: None,
            department_code: None,
            department: None,
            person_no: None,
            state: DeviceState::InStock,
            note: None,
        }
    }

    #[test]
    fn a_change_names_only_the_fields_that_changed() {
        let before = line();
        let after = DeviceLine {
            state: DeviceState::Deployed,
            person_no: Some("10001".into()),
            ..before.clone()
        };
        let changed = differences(Some(&before), &after);
        let fields: Vec<_> = changed
            .iter()
            .map(|d| (d.label, d.before.as_str(), d.after.as_str()))
            .collect();
        assert_eq!(
            fields,
            [("使用者職員番号", "", "10001"), ("状態", "在庫", "配備中")]
        );
        let new: Vec<_> = differences(None, &before).iter().map(|d| d.field).collect();
        assert_eq!(
            new,
            [
                DeviceField::Asset,
                DeviceField::Kind,
                DeviceField::Model,
                DeviceField::State
            ]
        );
    }
}
