//! The three files of the switch, read and checked on their own: the organisation table
//! of the new year, a directory export (what every directory and system holds now), and
//! the personnel system's change file. Checks that need two files are in `checks`.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::table::{self, parse_date, problem, TableRow};
use crate::domain::{AccountSystem, ChangeReason, Network, TextEnum};
use crate::ledgers::CsvProblem;

/// The organisation table's columns.
pub const ORG_COLUMNS: [&str; 7] = [
    "所属コード",
    "所属名",
    "マイナンバー利用事務系OU",
    "LGWAN接続系OU",
    "インターネット接続系OU",
    "メールグループ",
    "LoGoチャットグループ",
];

/// A directory export's columns: one row per person and system.
pub const DIRECTORY_COLUMNS: [&str; 7] = [
    "職員番号",
    "系統",
    "アカウント",
    "所属",
    "OU",
    "グループ",
    "状態",
];

/// The personnel system's change file's columns.
pub const CHANGE_COLUMNS: [&str; 10] = [
    "職員番号",
    "氏名",
    "氏名カナ",
    "旧所属コード",
    "旧所属",
    "新所属コード",
    "新所属",
    "職名",
    "区分",
    "発令日",
];

/// The labels the 状態 column uses.
pub const ENABLED: &str = "有効";
pub const DISABLED: &str = "無効";

/// One 所属 of the new year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUnit {
    pub code: String,
    pub name: String,
    /// The OU per network, in the order of [`Network::ALL`]; `None`: no accounts there.
    pub ous: [Option<String>; 3],
    pub mail_group: Option<String>,
    pub chat_group: Option<String>,
}

impl OrgUnit {
    /// The OU of this 所属 on `network`, if its staff have accounts there.
    pub fn ou(&self, network: Network) -> Option<&str> {
        let i = Network::ALL.iter().position(|n| *n == network)?;
        self.ous[i].as_deref()
    }
}

/// The organisation table, by 所属コード.
pub type OrgTable = BTreeMap<String, OrgUnit>;

/// One account as a directory export lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub employee_no: String,
    pub system: AccountSystem,
    pub login: String,
    pub department: Option<String>,
    pub ou: Option<String>,
    pub group: Option<String>,
    pub enabled: bool,
}

/// What the directories hold now, by 職員番号.
pub type CurrentAccounts = HashMap<String, Vec<Account>>;

/// One line of the change file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonnelChange {
    pub line: u64,
    pub employee_no: String,
    pub name: String,
    pub kana: Option<String>,
    pub old_code: Option<String>,
    pub old_department: Option<String>,
    pub new_code: Option<String>,
    pub new_department: Option<String>,
    pub title: Option<String>,
    pub reason: ChangeReason,
    pub effective: NaiveDate,
}

const FIELD_MAX: usize = 200;

fn checked<'r>(
    row: &'r TableRow,
    columns: &[&'static str],
    column: usize,
    problems: &mut Vec<CsvProblem>,
) -> Option<&'r str> {
    let value = row.cell(column)?;
    if value.chars().count() > FIELD_MAX || value.chars().any(char::is_control) {
        problems.push(problem(
            row.line,
            columns[column],
            "長すぎるか、制御文字を含みます。",
        ));
        return None;
    }
    Some(value)
}

fn required<'r>(
    row: &'r TableRow,
    columns: &[&'static str],
    column: usize,
    problems: &mut Vec<CsvProblem>,
) -> Option<&'r str> {
    let value = checked(row, columns, column, problems);
    if row.cell(column).is_none() {
        problems.push(problem(row.line, columns[column], "空です。"));
    }
    value
}

/// Column `column`'s 職員番号: required, and as the directory keeps them
/// ([`crate::directory::is_employee_no`]): a full-width or odd one would become a second
/// directory account beside the person's own.
fn employee_no(
    row: &TableRow,
    columns: &[&'static str],
    column: usize,
    problems: &mut Vec<CsvProblem>,
) -> Option<String> {
    let value = required(row, columns, column, problems)?;
    if !crate::directory::is_employee_no(value) {
        let reason = "半角の英数字と - で20文字までです。";
        problems.push(problem(row.line, columns[column], reason));
        return None;
    }
    Some(value.to_owned())
}

/// Reads the organisation table; every problem at once.
pub fn read_org(bytes: &[u8]) -> (OrgTable, Vec<CsvProblem>) {
    let (table, mut problems) = table::read(bytes, &ORG_COLUMNS, &[0, 1, 3]);
    let mut org = OrgTable::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for row in table.map(|t| t.rows).unwrap_or_default() {
        let c = |i, p: &mut Vec<CsvProblem>| checked(&row, &ORG_COLUMNS, i, p).map(str::to_owned);
        let code = required(&row, &ORG_COLUMNS, 0, &mut problems).map(str::to_owned);
        let name = required(&row, &ORG_COLUMNS, 1, &mut problems).map(str::to_owned);
        let ous = [
            c(2, &mut problems),
            c(3, &mut problems),
            c(4, &mut problems),
        ];
        if ous[1].is_none() && row.cell(3).is_none() {
            problems.push(problem(row.line, ORG_COLUMNS[3], "空です。"));
        }
        let (Some(code), Some(name)) = (code, name) else {
            continue;
        };
        if let Some(first) = seen.insert(code.clone(), row.line) {
            problems.push(problem(
                row.line,
                ORG_COLUMNS[0],
                format!("{first}行目と同じ所属コードです。"),
            ));
            continue;
        }
        let unit = OrgUnit {
            code: code.clone(),
            name,
            ous,
            mail_group: c(5, &mut problems),
            chat_group: c(6, &mut problems),
        };
        org.insert(code, unit);
    }
    (org, problems)
}

/// Reads a directory export; every problem at once.
pub fn read_directory(bytes: &[u8]) -> (CurrentAccounts, Vec<CsvProblem>) {
    let cols = &DIRECTORY_COLUMNS;
    let (table, mut problems) = table::read(bytes, cols, &[0, 1, 2, 6]);
    let mut accounts = CurrentAccounts::new();
    let mut seen: HashMap<(String, AccountSystem), u64> = HashMap::new();
    for row in table.map(|t| t.rows).unwrap_or_default() {
        let employee_no = employee_no(&row, cols, 0, &mut problems);
        let system = required(&row, cols, 1, &mut problems).and_then(|s| {
            let system = AccountSystem::from_name_or_label(s);
            if system.is_none() {
                problems.push(problem(row.line, cols[1], "知らない系統です。"));
            }
            system
        });
        let login = required(&row, cols, 2, &mut problems).map(str::to_owned);
        let enabled = match required(&row, cols, 6, &mut problems) {
            Some(ENABLED) => Some(true),
            Some(DISABLED) => Some(false),
            Some(_) => {
                problems.push(problem(row.line, cols[6], "有効か無効です。"));
                None
            }
            None => None,
        };
        let department = checked(&row, cols, 3, &mut problems).map(str::to_owned);
        let ou = checked(&row, cols, 4, &mut problems).map(str::to_owned);
        let group = checked(&row, cols, 5, &mut problems).map(str::to_owned);
        let (Some(employee_no), Some(system), Some(login), Some(enabled)) =
            (employee_no, system, login, enabled)
        else {
            continue;
        };
        if let Some(first) = seen.insert((employee_no.clone(), system), row.line) {
            let reason = format!("{first}行目と同じ職員・系統です。");
            problems.push(problem(row.line, cols[1], reason));
            continue;
        }
        let account = Account {
            employee_no: employee_no.clone(),
            system,
            login,
            department,
            ou,
            group,
            enabled,
        };
        accounts.entry(employee_no).or_default().push(account);
    }
    (accounts, problems)
}

/// Reads the change file: the rows that read, and every problem of the file on its own.
pub fn read_changes(bytes: &[u8]) -> (Vec<PersonnelChange>, Vec<CsvProblem>) {
    let cols = &CHANGE_COLUMNS;
    let (table, mut problems) = table::read(bytes, cols, &[0, 1, 5, 8, 9]);
    let mut changes = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for row in table.map(|t| t.rows).unwrap_or_default() {
        let before = problems.len();
        let employee_no = employee_no(&row, cols, 0, &mut problems);
        let name = required(&row, cols, 1, &mut problems).map(str::to_owned);
        let c = |i, p: &mut Vec<CsvProblem>| checked(&row, cols, i, p).map(str::to_owned);
        let (kana, old_code, old_department) = (
            c(2, &mut problems),
            c(3, &mut problems),
            c(4, &mut problems),
        );
        let (new_code, new_department, title) = (
            c(5, &mut problems),
            c(6, &mut problems),
            c(7, &mut problems),
        );
        let reason = required(&row, cols, 8, &mut problems).and_then(|text| {
            let reason = ChangeReason::from_name_or_label(text);
            if reason.is_none() {
                let kinds: Vec<&str> = ChangeReason::ALL.iter().map(|r| r.label()).collect();
                let reason = format!("区分は {} のどれかです。", kinds.join("・"));
                problems.push(problem(row.line, cols[8], reason));
            }
            reason
        });
        if new_code.is_none() && reason.is_some_and(|r| !r.ends_work()) {
            problems.push(problem(row.line, cols[5], "空です。"));
        }
        let effective = required(&row, cols, 9, &mut problems).and_then(|text| {
            let date = parse_date(text);
            if date.is_none() {
                let reason = "日付は 2027-04-01 か 2027/04/01 の形です。";
                problems.push(problem(row.line, cols[9], reason));
            }
            date
        });
        if let Some(no) = &employee_no {
            if let Some(first) = seen.insert(no.clone(), row.line) {
                let reason = format!("{first}行目と同じ職員番号です。");
                problems.push(problem(row.line, cols[0], reason));
            }
        }
        let (Some(employee_no), Some(name), Some(reason), Some(effective)) =
            (employee_no, name, reason, effective)
        else {
            continue;
        };
        if problems.len() > before {
            continue;
        }
        changes.push(PersonnelChange {
            line: row.line,
            employee_no,
            name,
            kana,
            old_code,
            old_department,
            new_code,
            new_department,
            title,
            reason,
            effective,
        });
    }
    (changes, problems)
}
