//! The plan of the synthetic city against expectations reasoned from the generator's
//! rules (see `sample`), and bad files refused with line and column.

use super::*;
use crate::domain::{AccountSystem as S, ChangeKind as K, ChangeReason};
use crate::spreadsheet::{encode, SpreadsheetEncoding};

fn plan_city(staff: usize) -> Prepared {
    let city = sample::city(staff);
    let files = InputFiles {
        changes: city.changes.as_bytes(),
        org: city.org.as_bytes(),
        directory: city.directory.as_bytes(),
    };
    prepare(files, &PlanPolicy::default()).expect("the sample city plans")
}

fn items_of(p: &Prepared, employee_no: &str) -> Vec<(S, K)> {
    p.items
        .iter()
        .filter(|i| i.employee_no == employee_no)
        .map(|i| (i.system, i.kind))
        .collect()
}

/// The generator's rules, as the sample module states them.
mod rules {
    pub fn mynumber(unit: usize) -> bool {
        unit.is_multiple_of(5) && unit <= 60 || unit == 62
    }
    /// Accounts staff index `i` holds now.
    pub fn held(i: usize) -> usize {
        let old = i % 60 + 1;
        5 + usize::from(mynumber(old))
            + usize::from(i.is_multiple_of(3))
            + usize::from(i.is_multiple_of(4))
            + usize::from(i.is_multiple_of(7))
    }
    pub fn carried(i: usize, unit: usize) -> usize {
        match unit {
            11 | 12 => 61,
            20 if (i / 60).is_multiple_of(2) => 62,
            20 => 63,
            n => n,
        }
    }
    pub enum Row {
        Ends,
        /// Back at work (accounts disabled now), in this 所属.
        Back(usize),
        Moves(usize),
        Absent,
    }
    pub fn row(i: usize) -> Row {
        let old = i % 60 + 1;
        match i {
            _ if i % 50 == 3 || i % 100 == 7 => Row::Ends,
            _ if i % 100 == 9 || i % 200 == 15 => Row::Back(carried(i, old)),
            _ if i % 100 == 21 => Row::Moves(carried(i, old)),
            _ if i % 10 == 1 => Row::Moves(carried(i, (i / 10) % 60 + 1)),
            _ if [11, 12, 20].contains(&old) => Row::Moves(carried(i, old)),
            _ => Row::Absent,
        }
    }
}

#[test]
fn the_synthetic_city_plans_as_its_rules_say() {
    let p = plan_city(2000);
    // People: 40 退職 (i % 50 == 3), 20 休職, 20 復職, 10 再任用, 20 昇任 in place,
    // 180 other 異動 (i % 10 == 1 but not i % 100 == 21), 68 moved by the 機構改革 alone
    // (34 each in K011 and K020; K012's members all have i % 10 == 1), 120 新規採用 and
    // 80 会計年度任用.
    assert_eq!(
        p.counts.people,
        40 + 20 + 20 + 10 + 20 + 180 + 68 + 120 + 80
    );
    let by_reason = |r: ChangeReason| p.changes.iter().filter(|c| c.reason == r).count();
    assert_eq!(by_reason(ChangeReason::Retirement), 40);
    assert_eq!(by_reason(ChangeReason::Transfer), 268);

    // New people: 新規採用 twice in each of the 60 所属 (12 with マイナンバー: the
    // multiples of 5 but K020, and K062): 5 accounts, 6 there; 会計年度任用 3 each.
    let mut create = 120 * 5 + 2 * 12 + 80 * 3;
    let (mut disable, mut enable, mut move_ou, mut department, mut groups) = (0, 0, 0, 0, 0);
    for i in 0..2000 {
        let old = i % 60 + 1;
        let (to, back) = match rules::row(i) {
            rules::Row::Ends => {
                disable += rules::held(i);
                continue;
            }
            rules::Row::Absent => continue,
            rules::Row::Back(to) => (to, true),
            rules::Row::Moves(to) => (to, false),
        };
        let (had, wants) = (rules::mynumber(old), rules::mynumber(to));
        let lost = usize::from(had && !wants);
        create += usize::from(!had && wants);
        if back {
            enable += rules::held(i) - lost;
        } else {
            disable += lost;
        }
        if to != old {
            move_ou += 2 + usize::from(had && wants);
            department += rules::held(i) - lost;
            groups += 2;
        }
    }
    assert_eq!(p.counts.kind(K::Create), create);
    assert_eq!(p.counts.kind(K::Disable), disable);
    assert_eq!(p.counts.kind(K::Enable), enable);
    assert_eq!(p.counts.kind(K::MoveOu), move_ou);
    assert_eq!(p.counts.kind(K::Department), department);
    assert_eq!(p.counts.kind(K::GroupRemove), groups);
    assert_eq!(p.counts.kind(K::GroupAdd), groups);
    assert_eq!(
        p.counts.items,
        create + disable + enable + move_ou + department + 2 * groups
    );
}

#[test]
fn sample_people_get_exactly_their_changes() {
    let p = plan_city(2000);
    let moved = |mynumber: Option<K>| {
        let mut v: Vec<(S, K)> = mynumber.map_or(vec![], |k| {
            if k == K::Disable {
                vec![(S::MynumberAd, K::Disable)]
            } else {
                vec![(S::MynumberAd, K::MoveOu), (S::MynumberAd, K::Department)]
            }
        });
        v.extend([
            (S::LgwanAd, K::MoveOu),
            (S::LgwanAd, K::Department),
            (S::InternetAd, K::MoveOu),
            (S::InternetAd, K::Department),
            (S::Mail, K::Department),
            (S::Mail, K::GroupRemove),
            (S::Mail, K::GroupAdd),
            (S::LogoChat, K::Department),
            (S::LogoChat, K::GroupRemove),
            (S::LogoChat, K::GroupAdd),
            (S::Documents, K::Department),
        ]);
        v
    };
    // i = 0: K001, in no rule: not in the file.
    assert_eq!(items_of(&p, "100001"), vec![]);
    // i = 3: 退職 from K004 (no マイナンバー), LoGoフォーム (3 % 3 == 0).
    let off = |systems: &[S]| systems.iter().map(|s| (*s, K::Disable)).collect::<Vec<_>>();
    use S::*;
    assert_eq!(
        items_of(&p, "100004"),
        off(&[LgwanAd, InternetAd, Mail, LogoChat, LogoForm, Documents])
    );
    // i = 7: 休職 from K008, AI議事録 (7 % 7 == 0).
    assert_eq!(
        items_of(&p, "100008"),
        off(&[LgwanAd, InternetAd, Mail, LogoChat, AiMinutes, Documents])
    );
    // i = 10: K011 merged into K061 (neither has マイナンバー).
    assert_eq!(items_of(&p, "100011"), moved(None));
    // i = 19: K020 (マイナンバー) split, 19 / 60 even: K062, which keeps マイナンバー.
    assert_eq!(items_of(&p, "100020"), moved(Some(K::MoveOu)));
    // i = 79: K020, 79 / 60 odd: K063, without マイナンバー.
    assert_eq!(items_of(&p, "100080"), moved(Some(K::Disable)));
    // i = 1: 異動 K002 -> K001.
    assert_eq!(items_of(&p, "100002"), moved(None));
    // i = 21: promoted in place: nothing differs.
    assert_eq!(items_of(&p, "100022"), vec![]);
    // i = 9: 復職 to K010 (マイナンバー), LoGoフォーム: everything enabled again.
    let on = |systems: &[S]| systems.iter().map(|s| (*s, K::Enable)).collect::<Vec<_>>();
    assert_eq!(
        items_of(&p, "100010"),
        on(&[MynumberAd, LgwanAd, InternetAd, Mail, LogoChat, LogoForm, Documents])
    );
    // i = 15: 再任用 in K016, LoGoフォーム.
    assert_eq!(
        items_of(&p, "100016"),
        on(&[LgwanAd, InternetAd, Mail, LogoChat, LogoForm, Documents])
    );
    // 新規採用 j = 4 to K005 (マイナンバー); 会計年度任用 j = 0 to K001.
    let new = |systems: &[S]| systems.iter().map(|s| (*s, K::Create)).collect::<Vec<_>>();
    assert_eq!(
        items_of(&p, "200005"),
        new(&[MynumberAd, LgwanAd, InternetAd, Mail, LogoChat, Documents])
    );
    assert_eq!(items_of(&p, "300001"), new(&[LgwanAd, Mail, LogoChat]));
    let created = p.items.iter().find(|i| i.employee_no == "300001").unwrap();
    let detail = created.detail.as_deref().unwrap();
    assert!(detail.contains("OU=K001,OU=職員,DC=lgwan"), "{detail}");
    assert!(detail.contains("2027-04-01 まで無効"), "{detail}");
}

fn problems(changes: &str, org: &[u8], directory: &str) -> Vec<String> {
    let files = InputFiles {
        changes: changes.as_bytes(),
        org,
        directory: directory.as_bytes(),
    };
    match prepare(files, &PlanPolicy::default()) {
        Err(PersonnelError::Problems(list)) => list.iter().map(|p| p.to_string()).collect(),
        other => panic!("expected problems, got {other:?}"),
    }
}

const HEADER: &str =
    "職員番号,氏名,氏名カナ,旧所属コード,旧所属,新所属コード,新所属,職名,区分,発令日\n";

#[test]
fn every_kind_of_bad_line_is_named_by_line_and_column() {
    let city = sample::city(120);
    let changes = format!(
        "{HEADER}100002,沼津 太郎,,K002,,K999,,主事,異動,2027-04-01\n\
         100003,鈴木 花子,,K003,,K001,,主事,異動,2027-04-01\n\
         100003,鈴木 花子,,K003,,K001,,主事,異動,2027-04-01\n\
         900001,佐藤 一郎,,K001,,,,主事,退職,2027-04-01\n\
         100005,渡辺 健一,,,,K001,,主事,新規採用,2027-04-01\n\
         100006,杉山 美咲,,K006,,K001,,主事,出向,2027-04-01\n\
         100007,望月 翔太,,K007,,K001,,主事,異動,2027-02-30\n\
         １０００１０,伊藤 誠,,,,K001,,主事,新規採用,2027-04-01\n\
         \"100,011\",加藤 蘭,,,,K001,,主事,新規採用,2027-04-01\n"
    );
    let found = problems(&changes, city.org.as_bytes(), &city.directory);
    assert_eq!(
        found,
        vec![
            "異動ファイル 2行目「新所属コード」: 組織表にない所属コードです。",
            "異動ファイル 4行目「職員番号」: 3行目と同じ職員番号です。",
            "異動ファイル 5行目「職員番号」: 退職ですが、ディレクトリにいない職員です。",
            "異動ファイル 6行目「職員番号」: 新規採用ですが、ディレクトリにすでにいる職員です。",
            "異動ファイル 7行目「区分」: 区分は 新規採用・異動・退職・休職・復職・再任用・会計年度任用 のどれかです。",
            "異動ファイル 8行目「発令日」: 日付は 2027-04-01 か 2027/04/01 の形です。",
            "異動ファイル 9行目「職員番号」: 半角の英数字と - で20文字までです。",
            "異動ファイル 10行目「職員番号」: 半角の英数字と - で20文字までです。",
        ]
    );
}

#[test]
fn a_shift_jis_file_with_a_pasted_utf8_line_is_refused() {
    let city = sample::city(120);
    let good = format!("{HEADER}100002,沼津 太郎,,K002,,K001,,主事,異動,2027/04/01\n");
    let mut bytes = encode(&good, SpreadsheetEncoding::ShiftJis).unwrap();
    bytes.extend_from_slice("100003,鈴木 花子,,K003,,K001,,主事,異動,2027/04/01\n".as_bytes());
    let files = InputFiles {
        changes: &bytes,
        org: city.org.as_bytes(),
        directory: city.directory.as_bytes(),
    };
    let Err(PersonnelError::Problems(list)) = prepare(files, &PlanPolicy::default()) else {
        panic!("mixed encodings must be refused");
    };
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0].problem.line, 3);
    // The same line alone, in Shift_JIS, plans.
    let sjis = encode(&good, SpreadsheetEncoding::ShiftJis).unwrap();
    let files = InputFiles {
        changes: &sjis,
        ..files
    };
    let p = prepare(files, &PlanPolicy::default()).unwrap();
    assert_eq!(p.changes[0].name, "沼津 太郎");
    assert!(!p.items.is_empty());
}

#[test]
fn a_bad_organisation_table_is_named_and_nothing_is_planned() {
    let city = sample::city(120);
    let org =
        "所属コード,所属名,LGWAN接続系OU\nK001,秘書広報課,OU=K001\nK001,総務課,OU=K004\nK005,,\n";
    let found = problems(&city.changes, org.as_bytes(), &city.directory);
    assert_eq!(
        found,
        vec![
            "組織表 3行目「所属コード」: 2行目と同じ所属コードです。",
            "組織表 4行目「所属名」: 空です。",
            "組織表 4行目「LGWAN接続系OU」: 空です。",
        ]
    );
}

/// A stored item for tests of what is made from items: a transfer's department change.
pub(super) fn item_row(seq: i64) -> crate::storage::personnel_plans::ItemRow {
    crate::storage::personnel_plans::ItemRow {
        id: seq,
        seq,
        employee_no: format!("{:05}", 10000 + seq),
        name: format!("職員 {seq}"),
        department_code: Some(format!("K{:03}", seq % 7)),
        reason: ChangeReason::Transfer,
        system: S::LgwanAd,
        kind: K::Department,
        before_value: Some("旧課".into()),
        after_value: Some("新課".into()),
        detail: None,
        effective: chrono::NaiveDate::from_ymd_opt(2027, 4, 1).unwrap(),
        status: crate::domain::PlanItemStatus::Done,
        attempts: 1,
        error: None,
        outcome: Some("LGWAN接続系ADに適用".into()),
    }
}
