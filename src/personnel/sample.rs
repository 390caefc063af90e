//! A synthetic city for trying and measuring the switch (`madoguchi personnel sample`):
//! made-up people, the same files for the same size every time. The rules, which the
//! tests reason from:
//!
//! - Last year: 60 所属 `K001`..`K060`. This year (機構改革): `K011` and `K012` merge
//!   into `K061`, `K020` splits into `K062` (staff index `i` with `i / 60` even) and `K063`
//!   (odd); still
//!   60 所属. Every 所属 has an OU on LGWAN接続系 and インターネット接続系
//!   (`OU=<code>,OU=職員,DC=lgwan|inet,DC=numazu,DC=local`); those whose number is a
//!   multiple of 5, and `K062`, also on マイナンバー利用事務系 (`DC=mynumber`). Mail
//!   group `<code>@city.numazu.lg.jp`, LoGoチャット group the 所属名.
//! - Staff index `i` in `0..staff`: 職員番号 `100001 + i`, last year's 所属
//!   `K{i % 60 + 1}`. In the directory: LGWAN, internet, マイナンバー (where the old 所属
//!   has the OU), mail, LoGoチャット, 文書管理・財務会計; LoGoフォーム when `i % 3 == 0`,
//!   ChatGPT when `i % 4 == 0`, AI議事録 when `i % 7 == 0`. All disabled when
//!   `i % 100 == 9` (on leave) or `i % 200 == 15` (retired), else enabled.
//! - Changes, first rule that fits: `i % 50 == 3` 退職 (no new 所属); `i % 100 == 7`
//!   休職; `i % 100 == 9` 復職; `i % 200 == 15` 再任用; `i % 100 == 21` 異動 in the same 所属 (promoted to
//!   係長: nothing to change); `i % 10 == 1` 異動 to
//!   `K{(i / 10) % 60 + 1}`; a member of `K011`, `K012`, `K020` 異動 (機構改革); others
//!   are not in the file. A new 所属 is the old code carried through the 機構改革.
//! - New people: `staff * 6 / 100` 新規採用 (`200001 + j`) and `staff * 4 / 100`
//!   会計年度任用 (`300001 + j`), to the `j % 60`-th 所属 of this year (code order).
//! - 発令日 2027-04-01 for everyone.

use super::files::{CHANGE_COLUMNS, DIRECTORY_COLUMNS, DISABLED, ENABLED, ORG_COLUMNS};

const NAMES: [&str; 63] = [
    "秘書広報課",
    "政策企画課",
    "行政経営課",
    "総務課",
    "人事課",
    "職員課",
    "財政課",
    "契約検査課",
    "管財課",
    "情報政策課",
    "市民協働課",
    "地域自治課",
    "危機管理課",
    "市民税課",
    "資産税課",
    "収納課",
    "市民課",
    "保険年金課",
    "生活安全課",
    "社会福祉課",
    "障害福祉課",
    "長寿福祉課",
    "介護保険課",
    "こども家庭課",
    "保育幼稚園課",
    "健康づくり課",
    "環境政策課",
    "まちづくり指導課",
    "清掃プラント課",
    "産業振興課",
    "観光戦略課",
    "農林農地課",
    "水産海浜課",
    "商工振興課",
    "都市計画課",
    "市街地整備課",
    "建築住宅課",
    "道路管理課",
    "道路建設課",
    "河川課",
    "緑地公園課",
    "下水道総務課",
    "下水道施設課",
    "水道総務課",
    "水道工務課",
    "会計課",
    "議会総務課",
    "議事課",
    "選挙管理委員会事務局",
    "監査委員事務局",
    "農業委員会事務局",
    "教育総務課",
    "学校管理課",
    "学校教育課",
    "社会教育課",
    "文化振興課",
    "スポーツ振興課",
    "中央図書館",
    "消防総務課",
    "予防課",
    "市民生活課",
    "福祉総務課",
    "生活支援課",
];

const SURNAMES: [(&str, &str); 12] = [
    ("沼津", "ヌマヅ"),
    ("鈴木", "スズキ"),
    ("佐藤", "サトウ"),
    ("渡辺", "ワタナベ"),
    ("杉山", "スギヤマ"),
    ("望月", "モチヅキ"),
    ("勝又", "カツマタ"),
    ("高橋", "タカハシ"),
    ("山本", "ヤマモト"),
    ("小林", "コバヤシ"),
    ("芹沢", "セリザワ"),
    ("植松", "ウエマツ"),
];

const GIVEN: [(&str, &str); 10] = [
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("健一", "ケンイチ"),
    ("美咲", "ミサキ"),
    ("翔太", "ショウタ"),
    ("由美", "ユミ"),
    ("大輔", "ダイスケ"),
    ("陽菜", "ヒナ"),
    ("浩二", "コウジ"),
    ("真理", "マリ"),
];

/// The 発令日 of the synthetic switch.
pub const EFFECTIVE: &str = "2027-04-01";

/// The three files of a synthetic city.
#[derive(Debug, Clone)]
pub struct SampleCity {
    pub changes: String,
    pub org: String,
    pub directory: String,
}

/// A 所属コード from its number.
pub fn code(number: usize) -> String {
    format!("K{number:03}")
}

fn name_of(number: usize) -> &'static str {
    NAMES[number - 1]
}

fn has_mynumber(number: usize) -> bool {
    number.is_multiple_of(5) && number <= 60 || number == 62
}

fn ou(network: &str, number: usize) -> String {
    format!(
        "OU={},OU=職員,DC={network},DC=numazu,DC=local",
        code(number)
    )
}

/// This year's 所属 numbers, in code order.
pub fn new_units() -> Vec<usize> {
    (1..=63).filter(|n| ![11, 12, 20].contains(n)).collect()
}

/// Last year's 所属 of staff index `i`, carried through the 機構改革.
fn carried(i: usize, old: usize) -> usize {
    match old {
        11 | 12 => 61,
        20 if (i / 60).is_multiple_of(2) => 62,
        20 => 63,
        n => n,
    }
}

fn person(n: usize) -> (String, String) {
    let (s, sk) = SURNAMES[n % SURNAMES.len()];
    let (g, gk) = GIVEN[(n / SURNAMES.len()) % GIVEN.len()];
    (format!("{s} {g}"), format!("{sk} {gk}"))
}

/// A CSV line; cells with a comma (DNs) quoted.
fn row(cells: &[&str]) -> String {
    let quoted: Vec<String> = cells
        .iter()
        .map(|c| {
            if c.contains(',') {
                format!("\"{c}\"")
            } else {
                (*c).to_owned()
            }
        })
        .collect();
    format!("{}\r\n", quoted.join(","))
}

/// Writes the synthetic city of `staff` people.
pub fn city(staff: usize) -> SampleCity {
    let mut org = row(&ORG_COLUMNS);
    for n in new_units() {
        let mynumber = if has_mynumber(n) {
            ou("mynumber", n)
        } else {
            String::new()
        };
        let mail = format!("{}@city.numazu.lg.jp", code(n));
        let cells = [
            &code(n),
            name_of(n),
            &mynumber,
            &ou("lgwan", n),
            &ou("inet", n),
            &mail,
            name_of(n),
        ];
        org.push_str(&row(&cells));
    }
    let mut directory = row(&DIRECTORY_COLUMNS);
    let mut changes = row(&CHANGE_COLUMNS);
    for i in 0..staff {
        let no = (100_001 + i).to_string();
        let old = i % 60 + 1;
        let state = if i % 100 == 9 || i % 200 == 15 {
            DISABLED
        } else {
            ENABLED
        };
        let mail = format!("{}@city.numazu.lg.jp", code(old));
        let mut accounts = vec![
            ("ad_lgwan", ou("lgwan", old), String::new()),
            ("ad_internet", ou("inet", old), String::new()),
            ("mail", String::new(), mail),
            ("logochat", String::new(), name_of(old).to_owned()),
            ("documents", String::new(), String::new()),
        ];
        if has_mynumber(old) {
            accounts.insert(0, ("ad_mynumber", ou("mynumber", old), String::new()));
        }
        for (system, every) in [("logoform", 3), ("chatgpt", 4), ("ai_minutes", 7)] {
            if i % every == 0 {
                accounts.push((system, String::new(), String::new()));
            }
        }
        for (system, ou, group) in &accounts {
            directory.push_str(&row(&[&no, system, &no, name_of(old), ou, group, state]));
        }
        let (reason, to) = match i {
            _ if i % 50 == 3 => ("退職", None),
            _ if i % 100 == 7 => ("休職", Some(carried(i, old))),
            _ if i % 100 == 9 => ("復職", Some(carried(i, old))),
            _ if i % 200 == 15 => ("再任用", Some(carried(i, old))),
            _ if i % 100 == 21 => ("昇任", Some(carried(i, old))),
            _ if i % 10 == 1 => ("異動", Some(carried(i, (i / 10) % 60 + 1))),
            _ if [11, 12, 20].contains(&old) => ("異動", Some(carried(i, old))),
            _ => continue,
        };
        let (reason, title) = match reason {
            "昇任" => ("異動", "係長"),
            other => (other, "主事"),
        };
        let (name, kana) = person(i);
        let (to_code, to_name) = to.map_or((String::new(), ""), |n| (code(n), name_of(n)));
        let cells = [
            &no,
            &name,
            &kana,
            &code(old),
            name_of(old),
            &to_code,
            to_name,
            title,
            reason,
            EFFECTIVE,
        ];
        changes.push_str(&row(&cells));
    }
    let units = new_units();
    for (first, count, reason) in [
        (200_001, staff * 6 / 100, "新規採用"),
        (300_001, staff * 4 / 100, "会計年度任用"),
    ] {
        for j in 0..count {
            let n = units[j % units.len()];
            let (name, kana) = person(first + j);
            let no = (first + j).to_string();
            let cells = [
                &no,
                &name,
                &kana,
                "",
                "",
                &code(n),
                name_of(n),
                "主事",
                reason,
                EFFECTIVE,
            ];
            changes.push_str(&row(&cells));
        }
    }
    SampleCity {
        changes,
        org,
        directory,
    }
}
