//! The devices of staff who move (5(2)エ②): from a plan's people and the equipment
//! register, which device goes where. A transferred person's devices go to the new 所属
//! (unless they are already there); the devices of someone retiring or on leave come
//! back. New staff have no devices yet, and a return to work changes nothing here.

use std::collections::HashMap;

use serde::Serialize;

use super::export::line;
use super::{Personnel, PersonnelError, PersonnelResult};
use crate::domain::{ChangeReason, DeviceKind, DeviceMoveKind};
use crate::spreadsheet::{self, SpreadsheetEncoding, Unencodable};
use crate::storage::equipment::{self, Device};
use crate::storage::personnel_plans::{self, PlanPerson};

/// One device and what happens to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceMove {
    pub asset_no: String,
    pub kind: DeviceKind,
    pub model: Option<String>,
    pub employee_no: String,
    pub name: String,
    pub reason: ChangeReason,
    pub from_code: Option<String>,
    pub from: Option<String>,
    /// The new 所属 (移設), or none (回収).
    pub to_code: Option<String>,
    pub to: Option<String>,
    pub action: DeviceMoveKind,
}

/// The moves for `people`'s `devices` (any order in, by person and asset number out).
pub fn device_moves(people: &[PlanPerson], devices: &[Device]) -> Vec<DeviceMove> {
    let by_no: HashMap<&str, &PlanPerson> =
        people.iter().map(|p| (p.employee_no.as_str(), p)).collect();
    let mut moves: Vec<DeviceMove> = devices
        .iter()
        .filter_map(|device| {
            let line = &device.line;
            let person = by_no.get(line.person_no.as_deref()?)?;
            let (action, to_code, to) = match person.reason {
                ChangeReason::Transfer if line.department_code != person.department_code => (
                    DeviceMoveKind::Relocate,
                    person.department_code.clone(),
                    person.department.clone(),
                ),
                ChangeReason::Retirement | ChangeReason::Leave => {
                    (DeviceMoveKind::Collect, None, None)
                }
                _ => return None,
            };
            Some(DeviceMove {
                asset_no: line.asset_no.clone(),
                kind: line.kind,
                model: line.model.clone(),
                employee_no: person.employee_no.clone(),
                name: person.name.clone(),
                reason: person.reason,
                from_code: line.department_code.clone(),
                from: line.department.clone(),
                to_code,
                to,
                action,
            })
        })
        .collect();
    moves.sort_by(|a, b| (&a.employee_no, &a.asset_no).cmp(&(&b.employee_no, &b.asset_no)));
    moves
}

/// The device list's header.
pub const DEVICE_COLUMNS: [&str; 10] = [
    "資産番号",
    "種別",
    "機種",
    "職員番号",
    "氏名",
    "区分",
    "対応",
    "現在の所属コード",
    "現在の所属",
    "移設先の所属",
];

/// The device list as a CSV for Excel, in `encoding`.
pub fn devices_file(
    moves: &[DeviceMove],
    encoding: SpreadsheetEncoding,
) -> Result<Vec<u8>, Unencodable> {
    let mut out = line(&DEVICE_COLUMNS);
    for m in moves {
        let to = match (&m.to_code, &m.to) {
            (Some(code), Some(name)) => format!("{code} {name}"),
            (Some(code), None) => code.clone(),
            _ => String::new(),
        };
        out.push_str(&line(&[
            &m.asset_no,
            m.kind.label(),
            m.model.as_deref().unwrap_or(""),
            &m.employee_no,
            &m.name,
            m.reason.label(),
            m.action.label(),
            m.from_code.as_deref().unwrap_or(""),
            m.from.as_deref().unwrap_or(""),
            &to,
        ]));
    }
    spreadsheet::encode(&out, encoding)
}

impl Personnel {
    /// The devices of plan `plan_id`'s people, and where each goes.
    pub async fn device_moves(&self, plan_id: i64) -> PersonnelResult<Vec<DeviceMove>> {
        let mut c = self.store.conn();
        personnel_plans::plan(&mut c, plan_id)
            .await?
            .ok_or(PersonnelError::NoPlan(plan_id))?;
        let people = personnel_plans::people(&mut c, plan_id).await?;
        let nos: Vec<String> = people.iter().map(|p| p.employee_no.clone()).collect();
        let devices = equipment::devices_of(&mut c, &nos).await?;
        Ok(device_moves(&people, &devices))
    }
}
