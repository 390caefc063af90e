//! Artefacts for Active Directory steps: a CSV of the change and a PowerShell script using
//! the AD cmdlets (`New-ADUser`, `Set-ADAccountPassword`, `Enable-ADAccount`, `Set-ADUser`,
//! `Disable-ADAccount`, `Move-ADObject`, `Add-ADGroupMember`), for an operator to review and
//! run on the network concerned. The
//! server never runs them (三層の構え: the server chat can reach does not write into
//! マイナンバー利用事務系).
//!
//! Every value from a request is quoted so that it stays one value: in PowerShell a
//! single-quoted literal (PowerShell also ends such a literal at the typographic quotes
//! ‘ ’ ‚ ‛, so those are doubled too; control characters become spaces), in DNs an RFC
//! 4514 escape, in LDAP filters an RFC 4515 escape, in the CSV a quoted cell that Excel
//! does not run as a formula.

use crate::config::escape_dn_value;
use crate::domain::request_type::AdChange;
use crate::domain::Network;

/// Who an AD step is about, on one network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdTarget {
    pub network: Network,
    /// 職員番号 (`employeeNumber`).
    pub employee_no: String,
    pub name: String,
    pub department: String,
    /// The sign-in name for a new account (`sAMAccountName`).
    pub login: Option<String>,
    /// A new display name (a change of name).
    pub new_name: Option<String>,
    /// A new 所属 (a move).
    pub new_department: Option<String>,
}

/// A file for the operator to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artefact {
    pub file_name: String,
    pub content: String,
}

/// `value` as a PowerShell single-quoted string literal.
pub fn ps_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `value` escaped for an LDAP filter (RFC 4515): `* ( ) \ NUL` as `\hh`.
pub fn ldap_filter_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '*' | '(' | ')' | '\\' | '\0' => out.push_str(&format!("\\{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// One CSV cell: always quoted, quotes doubled, and a leading `= + - @` (or tab, CR)
/// prefixed with `'` so that a spreadsheet keeps it as text.
pub fn csv_cell(value: &str) -> String {
    let value: String = value
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t']) {
        format!("'{value}")
    } else {
        value
    };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

const CSV_HEADER: &str =
    "Network,EmployeeNumber,Name,Department,SamAccountName,NewName,NewDepartment";

/// The CSV of a step's targets (UTF-8 with BOM, for Excel).
pub fn csv(targets: &[AdTarget]) -> String {
    let mut out = format!("\u{feff}{CSV_HEADER}\r\n");
    for t in targets {
        let cells = [
            t.network.label(),
            &t.employee_no,
            &t.name,
            &t.department,
            t.login.as_deref().unwrap_or(""),
            t.new_name.as_deref().unwrap_or(""),
            t.new_department.as_deref().unwrap_or(""),
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The PowerShell script of one change for the targets on one network.
pub fn script(title: &str, change: AdChange, network: Network, targets: &[AdTarget]) -> String {
    let mut out = String::new();
    out.push_str(&format!("# {}\n", one_line(title)));
    out.push_str(&format!(
        "# ネットワーク: {}（このネットワークの管理端末で実行してください）\n",
        network.label()
    ));
    out.push_str("# madoguchi が作成しました。内容を確認してから実行してください。\n");
    out.push_str("#Requires -Modules ActiveDirectory\n$ErrorActionPreference = 'Stop'\n");
    out.push_str("# 環境に合わせて設定してください。\n");
    out.push_str("$UsersOu = 'OU=Staff,DC=example,DC=local'\n$DisabledOu = 'OU=Disabled,DC=example,DC=local'\n$UpnSuffix = 'example.local'\n\n");
    for t in targets.iter().filter(|t| t.network == network) {
        out.push_str(&commands(change, t));
        out.push('\n');
    }
    out
}

fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `$user = ...` found by 職員番号 (never by a filter built from free text).
fn find_user(t: &AdTarget) -> String {
    let filter = format!("(employeeNumber={})", ldap_filter_value(&t.employee_no));
    format!("$user = Get-ADUser -LDAPFilter {}\n", ps_quote(&filter))
}

fn ou_of(department: &str) -> String {
    format!(
        "({} + $UsersOu)",
        ps_quote(&format!("OU={},", escape_dn_value(department)))
    )
}

fn commands(change: AdChange, t: &AdTarget) -> String {
    match change {
        AdChange::NewUser => {
            let login = t.login.as_deref().unwrap_or(&t.employee_no);
            format!(
                "New-ADUser -Name {name} -DisplayName {name} -SamAccountName {login} \
                 -UserPrincipalName ({login_q} + '@' + $UpnSuffix) -Department {dept} \
                 -EmployeeNumber {no} -Path {ou} -Enabled $false\n",
                name = ps_quote(&t.name),
                login = ps_quote(login),
                login_q = ps_quote(login),
                dept = ps_quote(&t.department),
                no = ps_quote(&t.employee_no),
                ou = ou_of(&t.department),
            )
        }
        AdChange::SetUser => {
            let mut line = find_user(t);
            line.push_str("Set-ADUser -Identity $user");
            if let Some(name) = &t.new_name {
                line.push_str(&format!(" -DisplayName {}", ps_quote(name)));
            }
            if let Some(dept) = &t.new_department {
                line.push_str(&format!(" -Department {}", ps_quote(dept)));
            }
            line.push('\n');
            line
        }
        AdChange::Enable => format!(
            "{}Set-ADAccountPassword -Identity $user -Reset -NewPassword \
             (Read-Host -AsSecureString '初期パスワード')\n\
             Set-ADUser -Identity $user -ChangePasswordAtLogon $true\n\
             Enable-ADAccount -Identity $user\n",
            find_user(t)
        ),
        AdChange::Disable => format!("{}Disable-ADAccount -Identity $user\n", find_user(t)),
        AdChange::Move => {
            let target = match &t.new_department {
                Some(dept) => ou_of(dept),
                None => "$DisabledOu".to_owned(),
            };
            format!(
                "{}Move-ADObject -Identity $user.DistinguishedName -TargetPath {target}\n",
                find_user(t)
            )
        }
        AdChange::AddGroup => {
            let group = t.new_department.as_deref().unwrap_or(&t.department);
            format!(
                "{}Add-ADGroupMember -Identity {} -Members $user\n",
                find_user(t),
                ps_quote(group)
            )
        }
    }
}

#[cfg(test)]
mod tests;
