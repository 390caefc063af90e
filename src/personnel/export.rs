//! A plan for people and for the directories' admin consoles: the whole plan as a CSV
//! for Excel (UTF-8 with BOM, or Shift_JIS), one CSV per system, and the Active Directory
//! part as one PowerShell script per network, every value quoted as the request issue's
//! AD artefacts quote it ([`crate::requests::ad_script`]).

use super::plan::new_account_ou;
use crate::domain::{AccountSystem, ChangeKind, TextEnum};
use crate::requests::ad_script::{csv_cell, ldap_filter_value, ps_quote};
use crate::spreadsheet::{self, SpreadsheetEncoding, Unencodable};
use crate::storage::personnel_plans::ItemRow;

/// The plan CSV's header.
pub const PLAN_COLUMNS: [&str; 12] = [
    "番号",
    "職員番号",
    "氏名",
    "所属コード",
    "区分",
    "系統",
    "変更",
    "変更前",
    "変更後",
    "詳細",
    "発令日",
    "状態",
];

/// One exported file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// One CSV line (CRLF), every cell quoted as Excel needs.
pub(super) fn line(cells: &[&str]) -> String {
    let cells: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
    format!("{}\r\n", cells.join(","))
}

/// The cells the plan and the report both start an item's line with (番号 … 変更後);
/// `seq` is the item's number as text.
pub(super) fn item_cells<'a>(item: &'a ItemRow, seq: &'a str) -> Vec<&'a str> {
    vec![
        seq,
        &item.employee_no,
        &item.name,
        item.department_code.as_deref().unwrap_or(""),
        item.reason.label(),
        item.system.label(),
        item.kind.label(),
        item.before_value.as_deref().unwrap_or(""),
        item.after_value.as_deref().unwrap_or(""),
    ]
}

/// The whole plan as CSV text (one row per item).
pub fn plan_csv(items: &[ItemRow]) -> String {
    let mut out = line(&PLAN_COLUMNS);
    for item in items {
        let (seq, effective) = (item.seq.to_string(), item.effective.to_string());
        let mut cells = item_cells(item, &seq);
        cells.extend([
            item.detail.as_deref().unwrap_or(""),
            &effective,
            item.status.label(),
        ]);
        out.push_str(&line(&cells));
    }
    out
}

/// The plan CSV in `encoding`; a character Shift_JIS cannot hold is refused.
pub fn plan_file(items: &[ItemRow], encoding: SpreadsheetEncoding) -> Result<Vec<u8>, Unencodable> {
    spreadsheet::encode(&plan_csv(items), encoding)
}

/// One CSV per system that has items (`<system>.csv`, UTF-8 with BOM), and for each
/// Active Directory one PowerShell script (`<system>.ps1`, UTF-8 with BOM so that
/// Windows PowerShell reads the Japanese right).
pub fn system_files(items: &[ItemRow]) -> Vec<ExportFile> {
    let mut files = Vec::new();
    for &system in AccountSystem::ALL {
        let mine: Vec<&ItemRow> = items.iter().filter(|i| i.system == system).collect();
        if mine.is_empty() {
            continue;
        }
        let mut csv = line(&[
            "アカウント",
            "氏名",
            "所属コード",
            "操作",
            "変更前",
            "変更後",
            "発令日",
        ]);
        for item in &mine {
            let effective = item.effective.to_string();
            csv.push_str(&line(&[
                &item.employee_no,
                &item.name,
                item.department_code.as_deref().unwrap_or(""),
                item.kind.label(),
                item.before_value.as_deref().unwrap_or(""),
                item.after_value.as_deref().unwrap_or(""),
                &effective,
            ]));
        }
        let bom =
            |text: &str| spreadsheet::encode(text, SpreadsheetEncoding::Utf8).unwrap_or_default();
        files.push(ExportFile {
            file_name: format!("{}.csv", system.as_str()),
            bytes: bom(&csv),
        });
        if system.network().is_some() {
            files.push(ExportFile {
                file_name: format!("{}.ps1", system.as_str()),
                bytes: bom(&ad_script(system, &mine)),
            });
        }
    }
    files
}

/// The PowerShell script of one Active Directory's items, in plan order.
pub fn ad_script(system: AccountSystem, items: &[&ItemRow]) -> String {
    let mut out = format!(
        "# 年度切り替え: {}（このネットワークの管理端末で実行してください）\n\
         # madoguchi が作成しました。内容を確認してから実行してください。\n\
         #Requires -Modules ActiveDirectory\n$ErrorActionPreference = 'Stop'\n\
         function New-InitialPassword {{\n  $chars = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+'\n  \
         ConvertTo-SecureString -AsPlainText -Force (-join (1..16 | ForEach-Object {{ $chars[(Get-Random -Maximum $chars.Length)] }}))\n}}\n\n",
        system.label()
    );
    for item in items {
        out.push_str(&format!("# {} {}\n", item.seq, item.kind.label()));
        out.push_str(&command(item));
    }
    out
}

fn find_user(item: &ItemRow) -> String {
    let filter = format!("(employeeNumber={})", ldap_filter_value(&item.employee_no));
    format!("$user = Get-ADUser -LDAPFilter {}\n", ps_quote(&filter))
}

fn command(item: &ItemRow) -> String {
    let value = |v: &Option<String>| ps_quote(v.as_deref().unwrap_or(""));
    match item.kind {
        ChangeKind::Create => {
            let ou = new_account_ou(item.detail.as_deref()).unwrap_or("");
            format!(
                "New-ADUser -Name {no} -DisplayName {name} -SamAccountName {no} \
                 -EmployeeNumber {no} -Department {dept} -Path {ou} \
                 -AccountPassword (New-InitialPassword) -ChangePasswordAtLogon $true -Enabled $false\n",
                no = ps_quote(&item.employee_no),
                name = ps_quote(&item.name),
                dept = value(&item.after_value),
                ou = ps_quote(ou),
            )
        }
        ChangeKind::MoveOu => format!(
            "{}Move-ADObject -Identity $user.DistinguishedName -TargetPath {}\n",
            find_user(item),
            value(&item.after_value)
        ),
        ChangeKind::Department => format!(
            "{}Set-ADUser -Identity $user -Department {}\n",
            find_user(item),
            value(&item.after_value)
        ),
        ChangeKind::GroupAdd => format!(
            "{}Add-ADGroupMember -Identity {} -Members $user\n",
            find_user(item),
            value(&item.after_value)
        ),
        ChangeKind::GroupRemove => format!(
            "{}Remove-ADGroupMember -Identity {} -Members $user -Confirm:$false\n",
            find_user(item),
            value(&item.before_value)
        ),
        ChangeKind::Disable => format!("{}Disable-ADAccount -Identity $user\n", find_user(item)),
        ChangeKind::Enable => format!("{}Enable-ADAccount -Identity $user\n", find_user(item)),
    }
}
