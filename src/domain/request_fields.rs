//! Reading a field's answer: the same rules for a chat answer, a form and the JSON API.
//! An answer is text (the API's numbers, arrays and `{"from", "to"}` are turned into text
//! first), read by the field's kind into its stored form, or refused with the reason and
//! an example. Whether a 職員番号 or 所属 is in the staff directory is the service's to
//! check (it needs the directory); everything else is decided here.

use chrono::{Datelike, NaiveDate};
use serde_json::{json, Value};
use unicode_normalization::UnicodeNormalization;

use super::address::Network;
use super::request_type::{FieldKind, FieldSpec, TextFormat};
use super::TextEnum;

/// The longest text answer when the field does not say.
pub const DEFAULT_MAX_CHARS: usize = 200;

/// Why an answer was refused: the reason, and an example of a good one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: String,
    pub example: String,
}

/// Answers that mean "nothing" for an optional field.
const NOTHING: &[&str] = &[
    "なし",
    "無し",
    "ない",
    "不要",
    "スキップ",
    "skip",
    "-",
    "ー",
];

/// NFKC, trimmed.
fn fold(text: &str) -> String {
    text.nfkc().collect::<String>().trim().to_owned()
}

/// Whether `text` means "no answer" (an empty or 「なし」 answer).
pub fn is_nothing(text: &str) -> bool {
    let t = fold(text).to_lowercase();
    t.is_empty() || NOTHING.contains(&t.as_str())
}

/// An API value as the text a person would have typed.
pub fn value_as_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(value_as_text)
            .collect::<Vec<_>>()
            .join("、"),
        Value::Object(map) => match (map.get("from"), map.get("to")) {
            (Some(from), Some(to)) => format!("{}〜{}", value_as_text(from), value_as_text(to)),
            _ => value.to_string(),
        },
        other => other.to_string(),
    }
}

impl FieldSpec {
    /// The example shown with an error: the definition's, else one for the kind.
    pub fn example_answer(&self) -> String {
        if let Some(e) = &self.example {
            return e.clone();
        }
        match self.kind {
            FieldKind::Text => match self.format {
                Some(TextFormat::Digits) => "12345",
                Some(TextFormat::Login) => "numazu.taro",
                Some(TextFormat::Email) => "taro@city.numazu.lg.jp",
                Some(TextFormat::Host) => "www.example.go.jp",
                None => "（自由に記入）",
            }
            .to_owned(),
            FieldKind::Staff => "10001".to_owned(),
            FieldKind::Department => "ICT推進課".to_owned(),
            FieldKind::Date => "2026-12-01".to_owned(),
            FieldKind::Period => "2026-12-01〜2027-03-31".to_owned(),
            FieldKind::Number => format!("{}{}", self.min.unwrap_or(1).max(1), self.unit()),
            FieldKind::Choice => self.choices.first().cloned().unwrap_or_default(),
            FieldKind::Network => Network::Lgwan.label().to_owned(),
        }
    }

    fn unit(&self) -> &str {
        self.unit.as_deref().unwrap_or("")
    }

    /// Reads `text` as this field's answer, on `today` (Japan). `Ok(None)`: no answer to
    /// an optional field.
    pub fn read(&self, text: &str, today: NaiveDate) -> Result<Option<Value>, Refusal> {
        let refuse = |reason: String| Refusal {
            reason,
            example: self.example_answer(),
        };
        if is_nothing(text) {
            return if self.required {
                Err(refuse(format!("{}は必須です。", self.label)))
            } else {
                Ok(None)
            };
        }
        let t = fold(text);
        let value = match self.kind {
            FieldKind::Text => self.read_text(&t).map(Value::String),
            FieldKind::Staff => read_staff_no(&t).map(Value::String),
            FieldKind::Department => read_department(&t).map(Value::String),
            FieldKind::Date => read_date(&t, today)
                .and_then(|d| self.not_past(d, today))
                .map(|d| json!(d.to_string())),
            FieldKind::Period => self.read_period(&t, today),
            FieldKind::Number => self.read_number(&t).map(|n| json!(n)),
            FieldKind::Choice => self.read_choice(&t).map(Value::String),
            FieldKind::Network => self.read_network(&t),
        };
        value.map(Some).map_err(refuse)
    }

    fn read_text(&self, t: &str) -> Result<String, String> {
        let max = self.max_chars.unwrap_or(DEFAULT_MAX_CHARS);
        if t.chars().count() > max {
            return Err(format!("{}は{max}文字以内で入力してください。", self.label));
        }
        if t.chars().any(|c| c.is_control() && c != '\n') {
            return Err("制御文字は使えません。".into());
        }
        let ok = match self.format {
            None => true,
            Some(TextFormat::Digits) => t.bytes().all(|b| b.is_ascii_digit()),
            Some(TextFormat::Login) => {
                t.len() <= 20
                    && t.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
            }
            Some(TextFormat::Email) => t.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && t.is_ascii()
                    && !t.contains(char::is_whitespace)
            }),
            Some(TextFormat::Host) => {
                t.is_ascii()
                    && t.contains('.')
                    && !t.contains(char::is_whitespace)
                    && !t.contains(['"', '\'', '<', '>', '`'])
            }
        };
        if !ok {
            let what = match self.format {
                Some(TextFormat::Digits) => "数字だけ",
                Some(TextFormat::Login) => "半角英数字と . _ - の20文字以内",
                Some(TextFormat::Email) => "メールアドレスの形",
                _ => "ホスト名またはURLの形（半角）",
            };
            return Err(format!("{}は{what}で入力してください。", self.label));
        }
        Ok(t.to_owned())
    }

    fn not_past(&self, date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, String> {
        if self.not_before_today && date < today {
            return Err(format!("{}に過去の日付は指定できません。", self.label));
        }
        Ok(date)
    }

    fn read_period(&self, t: &str, today: NaiveDate) -> Result<Value, String> {
        let parts: Vec<&str> = t
            .split(['〜', '~', '～'])
            .flat_map(|p| p.split("から"))
            .map(|p| p.trim().trim_end_matches("まで").trim())
            .filter(|p| !p.is_empty())
            .collect();
        let [from, to] = parts[..] else {
            return Err("期間は「開始日〜終了日」の形で入力してください。".into());
        };
        let from = read_date(from, today).and_then(|d| self.not_past(d, today))?;
        let to = read_date(to, today)?;
        if to < from {
            return Err("終了日が開始日より前になっています。".into());
        }
        if let Some(max) = self.max_days {
            if (to - from).num_days() + 1 > max {
                return Err(format!("期間は{max}日以内にしてください。"));
            }
        }
        Ok(json!({"from": from.to_string(), "to": to.to_string()}))
    }

    fn read_number(&self, t: &str) -> Result<i64, String> {
        let digits = t.trim_end_matches(self.unit()).trim().replace(',', "");
        let n: i64 = digits
            .parse()
            .map_err(|_| format!("{}は数字で入力してください。", self.label))?;
        let (min, max) = (self.min.unwrap_or(i64::MIN), self.max.unwrap_or(i64::MAX));
        if n < min || n > max {
            return Err(match (self.min, self.max) {
                (Some(a), Some(b)) => format!("{}は{a}から{b}までです。", self.label),
                (Some(a), None) => format!("{}は{a}以上です。", self.label),
                _ => format!("{}は{max}以下です。", self.label),
            });
        }
        Ok(n)
    }

    fn read_choice(&self, t: &str) -> Result<String, String> {
        if let Ok(n) = t.parse::<usize>() {
            if let Some(c) = n.checked_sub(1).and_then(|i| self.choices.get(i)) {
                return Ok(c.clone());
            }
        }
        self.choices
            .iter()
            .find(|c| fold(c) == t)
            .cloned()
            .ok_or_else(|| {
                format!(
                    "{}は「{}」のどれかです。",
                    self.label,
                    self.choices.join("」「")
                )
            })
    }

    fn read_network(&self, t: &str) -> Result<Value, String> {
        let mut found = Vec::new();
        for part in t
            .split(['、', ',', '・', '/', ' '])
            .filter(|p| !p.is_empty())
        {
            let network = read_one_network(part).ok_or_else(|| {
                let names: Vec<&str> = Network::ALL.iter().map(|n| n.label()).collect();
                format!("ネットワークは「{}」のどれかです。", names.join("」「"))
            })?;
            if !found.contains(&network) {
                found.push(network);
            }
        }
        match (self.multiple, &found[..]) {
            (false, [one]) => Ok(json!(one.as_str())),
            (false, _) => Err("ネットワークは一つだけ選んでください。".into()),
            (true, _) => Ok(json!(found.iter().map(|n| n.as_str()).collect::<Vec<_>>())),
        }
    }

    /// How a stored value is shown (labels for networks, 「〜」 for periods).
    pub fn display(&self, value: &Value) -> String {
        match (self.kind, value) {
            (FieldKind::Network, Value::String(s)) => network_label(s),
            (FieldKind::Network, Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(network_label)
                .collect::<Vec<_>>()
                .join("、"),
            (FieldKind::Number, Value::Number(n)) => format!("{n}{}", self.unit()),
            _ => value_as_text(value),
        }
    }
}

fn network_label(stored: &str) -> String {
    Network::parse(stored).map_or_else(|_| stored.to_owned(), |n| n.label().to_owned())
}

fn read_one_network(part: &str) -> Option<Network> {
    let p = part.to_lowercase();
    Network::ALL.iter().copied().find(|n| {
        let label = n.label().to_lowercase();
        p == n.as_str()
            || p == label
            || (p.chars().count() >= 2 && label.starts_with(&p))
            || p == (*n as usize + 1).to_string()
    })
}

/// A 職員番号: 3 to 10 digits.
fn read_staff_no(t: &str) -> Result<String, String> {
    if (3..=10).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) {
        Ok(t.to_owned())
    } else {
        Err("職員番号は3〜10桁の数字です。".into())
    }
}

fn read_department(t: &str) -> Result<String, String> {
    if t.chars().count() > 40 || t.chars().any(char::is_control) {
        Err("所属は40文字以内で入力してください。".into())
    } else {
        Ok(t.to_owned())
    }
}

/// `2026-12-01`, `2026/12/1`, `2026年12月1日`, `12月1日`, `12/1` (the next such day).
pub fn read_date(t: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let bad = || "日付は「2026-12-01」や「12月1日」の形で入力してください。".to_owned();
    let cleaned: String = t
        .chars()
        .map(|c| {
            if matches!(c, '年' | '月' | '/' | '.') {
                '-'
            } else {
                c
            }
        })
        .filter(|c| *c != '日')
        .collect();
    let numbers: Vec<u32> = cleaned
        .split('-')
        .map(|p| p.trim().parse().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    let date = match numbers[..] {
        [y, m, d] => NaiveDate::from_ymd_opt(i32::try_from(y).map_err(|_| bad())?, m, d),
        [m, d] => NaiveDate::from_ymd_opt(today.year(), m, d).map(|date| {
            if date < today {
                NaiveDate::from_ymd_opt(today.year() + 1, m, d).unwrap_or(date)
            } else {
                date
            }
        }),
        _ => None,
    };
    let date = date.ok_or_else(bad)?;
    if (date.year() - today.year()).abs() > 5 {
        return Err("日付が遠すぎます。年を確かめてください。".into());
    }
    Ok(date)
}

#[cfg(test)]
mod tests;
