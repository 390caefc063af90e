//! Field formats of the batch data: 和暦 and 西暦 dates, 郵便番号, amounts, and the
//! printer's character set.

use chrono::NaiveDate;
use encoding_rs::SHIFT_JIS;

/// The Japanese eras a 和暦 date may name: letter, name, first day.
const ERAS: [(char, &str, (i32, u32, u32)); 5] = [
    ('M', "明治", (1868, 1, 25)),
    ('T', "大正", (1912, 7, 30)),
    ('S', "昭和", (1926, 12, 25)),
    ('H', "平成", (1989, 1, 8)),
    ('R', "令和", (2019, 5, 1)),
];

fn era_start(index: usize) -> NaiveDate {
    let (y, m, d) = ERAS[index].2;
    NaiveDate::from_ymd_opt(y, m, d).expect("era start dates are valid")
}

/// A 西暦 date written `YYYYMMDD`.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err("西暦の日付はYYYYMMDDの8桁で書いてください".into());
    }
    NaiveDate::parse_from_str(text, "%Y%m%d").map_err(|_| "存在しない日付です".into())
}

/// A 和暦 date written as the era's letter and `YYMMDD` (`R080401` is 令和8年4月1日),
/// which must lie inside that era (`H310501` does not: 令和 began on 2019-05-01).
pub fn parse_wareki(text: &str) -> Result<NaiveDate, String> {
    let mut chars = text.chars();
    let letter = chars.next().unwrap_or(' ');
    let digits = chars.as_str();
    let Some(index) = ERAS.iter().position(|(l, _, _)| *l == letter) else {
        return Err("和暦の日付は元号の記号(M T S H R)で始めてください".into());
    };
    if digits.len() != 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("和暦の日付は元号の記号とYYMMDDの6桁で書いてください".into());
    }
    let number = |r: std::ops::Range<usize>| digits[r].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (number(0..2), number(2..4), number(4..6));
    let start = era_start(index);
    let gregorian = start.format("%Y").to_string().parse::<i32>().unwrap_or(0) + year as i32 - 1;
    let date = (year >= 1)
        .then(|| NaiveDate::from_ymd_opt(gregorian, month, day))
        .flatten()
        .ok_or("存在しない日付です")?;
    let before_end = index + 1 >= ERAS.len() || date < era_start(index + 1);
    if date < start || !before_end {
        return Err(format!(
            "{}{}年{}月{}日は{}の期間外です",
            ERAS[index].1, year, month, day, ERAS[index].1
        ));
    }
    Ok(date)
}

/// A date as a notice writes it, in the era of that day: 令和8年4月1日 (元年 for year 1).
pub fn wareki_label(date: NaiveDate) -> String {
    let index = (0..ERAS.len())
        .rev()
        .find(|&i| date >= era_start(i))
        .unwrap_or(0);
    let year = date.format("%Y").to_string().parse::<i32>().unwrap_or(0) - (ERAS[index].2 .0) + 1;
    let year = if year == 1 {
        "元".to_owned()
    } else {
        year.to_string()
    };
    format!(
        "{}{}年{}月{}日",
        ERAS[index].1,
        year,
        date.format("%-m"),
        date.format("%-d")
    )
}

/// A 郵便番号: seven digits, or three, a hyphen and four.
pub fn check_postal(text: &str) -> Result<(), String> {
    let digits: String = text.chars().filter(|c| *c != '-').collect();
    let shape_ok = match text.len() {
        7 => !text.contains('-'),
        8 => text.as_bytes()[3] == b'-',
        _ => false,
    };
    if shape_ok && digits.len() == 7 && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err("郵便番号は7桁(123-4567 または 1234567)で書いてください".into())
    }
}

/// An amount of yen: digits only (leading zeros allowed), at most 15 of them.
pub fn parse_amount(text: &str) -> Result<i64, String> {
    if text.is_empty() || text.len() > 15 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err("金額は15桁までの数字で書いてください".into());
    }
    text.parse::<i64>().map_err(|_| "金額が読めません".into())
}

/// Digits only.
pub fn check_number(text: &str) -> Result<(), String> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err("数字だけで書いてください".into())
    }
}

/// `12,345円`.
pub fn yen_label(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{}{out}円", if amount < 0 { "-" } else { "" })
}

/// Whether the continuous-form printer can print `c`: ASCII, half-width katakana, and
/// JIS X 0208 (JIS level 1 and 2 kanji, kana, symbols). Not the CP932 extensions (NEC
/// row 13 such as ①, ㈱; IBM extensions such as 髙, 﨑), user-defined characters (外字)
/// or anything Shift_JIS cannot hold (𠮷, emoji).
pub fn printable(c: char) -> bool {
    if (' '..='~').contains(&c) || ('\u{FF61}'..='\u{FF9F}').contains(&c) {
        return true;
    }
    let mut buf = [0u8; 4];
    let (bytes, _, unmappable) = SHIFT_JIS.encode(c.encode_utf8(&mut buf));
    if unmappable || bytes.len() != 2 {
        return false;
    }
    let lead = bytes[0];
    let jis_x_0208 = matches!(lead, 0x81..=0x84 | 0x88..=0x9F | 0xE0..=0xEA);
    let round_trip = SHIFT_JIS
        .decode_without_bom_handling_and_without_replacement(&bytes)
        .is_some_and(|back| back.chars().eq(std::iter::once(c)));
    jis_x_0208 && round_trip
}

/// `trimmed` field text: half-width and full-width spaces removed at both ends.
pub fn trim_field(text: &str) -> &str {
    text.trim_matches(|c: char| c == ' ' || c == '\u{3000}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn wareki_dates_are_read_inside_their_era_only() {
        assert_eq!(parse_wareki("R080401"), Ok(day(2026, 4, 1)));
        assert_eq!(parse_wareki("H310430"), Ok(day(2019, 4, 30)));
        assert_eq!(parse_wareki("R010501"), Ok(day(2019, 5, 1)));
        assert_eq!(parse_wareki("S640107"), Ok(day(1989, 1, 7)));
        assert!(parse_wareki("H310501").unwrap_err().contains("期間外"));
        assert!(parse_wareki("R010430").unwrap_err().contains("期間外"));
        assert!(parse_wareki("R080230").unwrap_err().contains("存在しない"));
        assert!(parse_wareki("X080401").is_err());
        assert!(parse_wareki("R0804").is_err());
        assert!(parse_wareki("R000401").is_err());
        assert_eq!(wareki_label(day(2026, 4, 1)), "令和8年4月1日");
        assert_eq!(wareki_label(day(2019, 5, 1)), "令和元年5月1日");
        assert_eq!(wareki_label(day(2019, 4, 30)), "平成31年4月30日");
    }

    #[test]
    fn seireki_postal_and_amounts() {
        assert_eq!(parse_date("20260401"), Ok(day(2026, 4, 1)));
        assert!(parse_date("20260431").is_err());
        assert!(parse_date("2026-04-01").is_err());
        assert!(check_postal("410-8601").is_ok());
        assert!(check_postal("4108601").is_ok());
        for bad in ["41-08601", "410860", "410-860a", "４１０８６０１", ""] {
            assert!(check_postal(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_amount("0000012345"), Ok(12345));
        assert!(parse_amount("12,345").is_err());
        assert!(parse_amount("-5").is_err());
        assert_eq!(yen_label(1234567), "1,234,567円");
        assert_eq!(yen_label(999), "999円");
    }

    #[test]
    fn the_printer_set_is_jis_x_0208() {
        for c in "沼津市大手町一丁目1番1号 ﾇﾏﾂ 渡邉 斎藤 ～－".chars() {
            assert!(printable(c), "{c}");
        }
        for c in ['①', '㈱', '髙', '﨑', '𠮷', '😀', '\u{E000}', '\u{0007}'] {
            assert!(!printable(c), "{c}");
        }
    }
}
