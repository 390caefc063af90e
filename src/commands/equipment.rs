//! `madoguchi equipment`: the equipment register (機器台帳) from the command line: import
//! the city's Excel register saved as CSV, export it, search it, change a device's state,
//! assign it to a member of staff.

use std::process::ExitCode;

use super::ledger::{open, ExportArgs, ImportArgs};
use crate::config::Settings;
use crate::domain::DeviceState;
use crate::ledgers::{LedgerError, Ledgers, MAX_PAGE};
use crate::storage::equipment::{Device, DeviceFilter};

#[derive(clap::Subcommand)]
pub enum EquipmentAction {
    /// Import a register CSV (資産番号, 種別, 機種, 製造番号, 設置場所・所属コード, 所属,
    /// 使用者職員番号, 状態, 備考; UTF-8 with or without BOM, or Shift_JIS): the whole file
    /// is checked first; any problem is listed by line and column and nothing is written.
    Import(ImportArgs),
    /// Export the register as CSV: `csv` (UTF-8 with BOM) or `csv-sjis` (Shift_JIS).
    Export(ExportArgs),
    /// List devices (tab-separated), filtered by 所属 (code or part of the name), person
    /// (職員番号 or part of the 氏名) and part of the asset number.
    List {
        #[arg(long)]
        department: Option<String>,
        #[arg(long)]
        person: Option<String>,
        #[arg(long)]
        asset: Option<String>,
    },
    /// Change a device's state (在庫, 貸出用, 配備中, 修理中, 廃棄), with the reason.
    Set {
        asset: String,
        #[arg(long)]
        state: String,
        #[arg(long)]
        reason: String,
        #[arg(long, default_value = "cli")]
        actor: String,
    },
    /// Assign a device to a member of staff (職員番号; empty: to nobody), with the reason.
    Assign {
        asset: String,
        #[arg(long)]
        person: String,
        #[arg(long)]
        reason: String,
        #[arg(long, default_value = "cli")]
        actor: String,
    },
}

/// `madoguchi equipment ...`. Opens only the database. Refused input exits 1 with the
/// reasons; nothing is changed.
pub fn equipment(settings: &Settings, action: EquipmentAction) -> anyhow::Result<ExitCode> {
    let (rt, ledgers) = open(settings)?;
    rt.block_on(run(&ledgers, action))?;
    Ok(ExitCode::SUCCESS)
}

fn line(d: &Device) -> String {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    [
        d.line.asset_no.clone(),
        d.line.kind.label().to_owned(),
        d.line.state.label().to_owned(),
        text(&d.line.model),
        text(&d.line.department_code),
        text(&d.line.department),
        text(&d.line.person_no),
        text(&d.person_name),
    ]
    .join("\t")
}

async fn run(ledgers: &Ledgers, action: EquipmentAction) -> anyhow::Result<()> {
    match action {
        EquipmentAction::Import(args) => {
            args.run(|bytes, dry_run, actor| async move {
                ledgers.import_equipment_csv(&bytes, dry_run, &actor).await
            })
            .await?;
        }
        EquipmentAction::Export(args) => {
            let what = "the equipment register";
            args.run(what, |format, actor| async move {
                ledgers.export_equipment_csv(format, &actor).await
            })
            .await?;
        }
        EquipmentAction::List {
            department,
            person,
            asset,
        } => {
            let filter = DeviceFilter {
                asset,
                department,
                person,
                ..DeviceFilter::default()
            };
            let mut offset = 0;
            loop {
                let page = ledgers.devices(&filter, offset, MAX_PAGE).await?;
                for device in &page.devices {
                    println!("{}", line(device));
                }
                offset += MAX_PAGE;
                if offset >= page.total {
                    break;
                }
            }
        }
        EquipmentAction::Set {
            asset,
            state,
            reason,
            actor,
        } => {
            let state = DeviceState::from_name_or_label(&state).ok_or_else(|| {
                LedgerError::Invalid(format!(
                    "--state: {}",
                    crate::ledgers::one_of::<DeviceState>()
                ))
            })?;
            let device = ledgers
                .set_device_state(&asset, state, &reason, &actor)
                .await?;
            println!("{}", line(&device));
        }
        EquipmentAction::Assign {
            asset,
            person,
            reason,
            actor,
        } => {
            let person = Some(person.trim()).filter(|p| !p.is_empty());
            let device = ledgers
                .assign_device(&asset, person, &reason, &actor)
                .await?;
            println!("{}", line(&device));
        }
    }
    Ok(())
}
