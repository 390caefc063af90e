use super::*;

const HOSTILE: &[&str] = &[
    "O'Brien",
    "'; Remove-ADUser -Identity Administrator -Confirm:$false; '",
    "沼津’; Remove-ADUser x; ‘",
    "‚‛'‘’",
    "$(Invoke-Expression 'calc')",
    "`whoami`",
    "line\nbreak\r\nDisable-ADAccount admin",
    "\"double\" quotes",
    "",
];

const QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// Reads one PowerShell single-quoted literal from the start of `code`, as PowerShell
/// does (any of the five quote characters opens and closes it; a doubled one is itself);
/// the value and the rest of the code.
fn read_literal(code: &str) -> (String, &str) {
    let mut chars = code.char_indices().peekable();
    let (_, open) = chars.next().expect("a literal");
    assert!(QUOTES.contains(&open), "starts with a quote: {code}");
    let mut value = String::new();
    while let Some((i, c)) = chars.next() {
        if QUOTES.contains(&c) {
            match chars.peek() {
                Some((_, next)) if QUOTES.contains(next) => {
                    value.push(c);
                    chars.next();
                }
                _ => return (value, &code[i + c.len_utf8()..]),
            }
        } else {
            value.push(c);
        }
    }
    panic!("unterminated literal: {code}");
}

#[test]
fn hostile_values_stay_one_powershell_literal() {
    for value in HOSTILE {
        let quoted = ps_quote(value);
        let (read, rest) = read_literal(&quoted);
        assert_eq!(rest, "", "{value:?} ended early: {quoted}");
        let expected: String = value
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        assert_eq!(read, expected);
        assert!(!quoted.contains('\n') && !quoted.contains('\r'));
    }
}

#[test]
fn the_literal_reader_catches_a_naive_quote() {
    // What the test guards against: doubling only ASCII quotes leaves ’ to end it.
    let naive = format!("'{}'", "沼津’; Remove-ADUser x; ‘".replace('\'', "''"));
    let (_, rest) = read_literal(&naive);
    assert_ne!(rest, "");
}

#[test]
fn csv_cells_and_ldap_filters_are_escaped() {
    assert_eq!(csv_cell("=cmd|'/c calc'!A1"), "\"'=cmd|'/c calc'!A1\"");
    assert_eq!(csv_cell("a\"b\nc"), "\"a\"\"b c\"");
    assert_eq!(csv_cell("-1"), "\"'-1\"");
    assert_eq!(ldap_filter_value("*)(uid=*"), "\\2a\\29\\28uid=\\2a");
}

fn target(network: Network, name: &str) -> AdTarget {
    AdTarget {
        network,
        employee_no: "10001".into(),
        name: name.into(),
        department: "ICT推進課".into(),
        login: Some("numazu.taro".into()),
        new_name: None,
        new_department: Some("財政課".into()),
    }
}

#[test]
fn scripts_use_the_cmdlets_for_each_change_on_their_network_only() {
    let targets = [
        target(Network::Lgwan, "沼津 太郎"),
        target(Network::Mynumber, "沼津 太郎"),
    ];
    let cases = [
        (AdChange::NewUser, "New-ADUser -Name '沼津 太郎'"),
        (
            AdChange::SetUser,
            "Set-ADUser -Identity $user -Department '財政課'",
        ),
        (AdChange::Disable, "Disable-ADAccount -Identity $user"),
        (
            AdChange::Move,
            "Move-ADObject -Identity $user.DistinguishedName",
        ),
        (
            AdChange::AddGroup,
            "Add-ADGroupMember -Identity '財政課' -Members $user",
        ),
    ];
    for (change, expected) in cases {
        let s = script("手順", change, Network::Lgwan, &targets);
        assert!(s.contains(expected), "{change:?}: {s}");
        assert!(s.contains("LGWAN接続系"));
        assert_eq!(s.matches(expected).count(), 1, "only the LGWAN target");
    }
    let new = script("手順", AdChange::NewUser, Network::Lgwan, &targets);
    assert!(
        new.contains("-EmployeeNumber '10001'") && new.contains("-Enabled $false"),
        "{new}"
    );
    // The 所属 goes into the OU path escaped per RFC 4514.
    assert!(new.contains("'OU=ICT\\e6\\8e\\a8"), "{new}");
}

#[test]
fn a_hostile_name_cannot_add_a_command() {
    let evil = target(
        Network::Lgwan,
        "x'; Remove-ADUser -Identity Administrator; '",
    );
    let s = script("手順", AdChange::NewUser, Network::Lgwan, &[evil]);
    let line = s.lines().find(|l| l.starts_with("New-ADUser")).unwrap();
    let after_name = line.strip_prefix("New-ADUser -Name ").unwrap();
    let (name, rest) = read_literal(after_name);
    assert_eq!(name, "x'; Remove-ADUser -Identity Administrator; '");
    assert!(rest.starts_with(" -DisplayName "), "{rest}");
    let csv = csv(&[target(Network::Lgwan, "=HYPERLINK(\"x\")")]);
    assert!(csv.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{csv}");
}
