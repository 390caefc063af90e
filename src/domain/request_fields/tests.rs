use chrono::NaiveDate;
use serde_json::json;

use crate::domain::request_type::{FieldKind, FieldSpec, TextFormat};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
}

fn field(kind: FieldKind) -> FieldSpec {
    FieldSpec {
        id: "f".into(),
        label: "項目".into(),
        kind,
        required: true,
        question: None,
        example: None,
        choices: Vec::new(),
        multiple: false,
        max_chars: None,
        format: None,
        min: None,
        max: None,
        unit: None,
        not_before_today: false,
        max_days: None,
    }
}

fn read(f: &FieldSpec, text: &str) -> Result<serde_json::Value, String> {
    f.read(text, today())
        .map(|v| v.unwrap_or(json!(null)))
        .map_err(|r| r.reason)
}

#[test]
fn dates_read_in_the_ways_staff_write_them() {
    let f = field(FieldKind::Date);
    for text in [
        "2026-12-01",
        "2026/12/1",
        "２０２６年１２月１日",
        "12月1日",
        "12/1",
    ] {
        assert_eq!(read(&f, text), Ok(json!("2026-12-01")), "{text}");
    }
    // A day already past this year is next year's.
    assert_eq!(read(&f, "4/1"), Ok(json!("2027-04-01")));
    assert!(read(&f, "2026-02-30").is_err());
    assert!(read(&f, "来週").is_err());
    assert!(read(&f, "2099-01-01").is_err());
    let future = FieldSpec {
        not_before_today: true,
        ..field(FieldKind::Date)
    };
    assert!(read(&future, "2026-11-25").unwrap_err().contains("過去"));
}

#[test]
fn periods_need_two_dates_in_order_within_the_limit() {
    let f = FieldSpec {
        max_days: Some(31),
        ..field(FieldKind::Period)
    };
    assert_eq!(
        read(&f, "12月1日〜12月31日"),
        Ok(json!({"from": "2026-12-01", "to": "2026-12-31"}))
    );
    assert_eq!(
        read(&f, "2026-12-01から2026-12-05まで"),
        Ok(json!({"from": "2026-12-01", "to": "2026-12-05"}))
    );
    assert!(read(&f, "12/5〜12/1").unwrap_err().contains("前"));
    assert!(read(&f, "12/1〜2027/1/31")
        .unwrap_err()
        .contains("31日以内"));
    assert!(read(&f, "12/1").is_err());
}

#[test]
fn numbers_are_checked_against_their_range_and_unit() {
    let f = FieldSpec {
        min: Some(10),
        max: Some(500),
        unit: Some("GB".into()),
        ..field(FieldKind::Number)
    };
    assert_eq!(read(&f, "１００GB"), Ok(json!(100)));
    assert_eq!(read(&f, "200"), Ok(json!(200)));
    assert!(read(&f, "5").unwrap_err().contains("10から500"));
    assert!(read(&f, "たくさん").unwrap_err().contains("数字"));
    assert_eq!(f.display(&json!(100)), "100GB");
}

#[test]
fn choices_by_name_or_number() {
    let f = FieldSpec {
        choices: vec!["追加".into(), "変更".into(), "削除".into()],
        ..field(FieldKind::Choice)
    };
    assert_eq!(read(&f, "変更"), Ok(json!("変更")));
    assert_eq!(read(&f, "３"), Ok(json!("削除")));
    assert!(read(&f, "4")
        .unwrap_err()
        .contains("「追加」「変更」「削除」"));
}

#[test]
fn networks_by_label_short_name_or_number() {
    let one = field(FieldKind::Network);
    assert_eq!(read(&one, "LGWAN"), Ok(json!("lgwan")));
    assert_eq!(read(&one, "マイナンバー利用事務系"), Ok(json!("mynumber")));
    assert!(read(&one, "LGWAN、インターネット")
        .unwrap_err()
        .contains("一つ"));
    assert!(read(&one, "庁内LAN").is_err());
    let many = FieldSpec {
        multiple: true,
        ..field(FieldKind::Network)
    };
    let both = read(&many, "lgwan、インターネット, lgwan").unwrap();
    assert_eq!(both, json!(["lgwan", "internet"]));
    assert_eq!(many.display(&both), "LGWAN接続系、インターネット接続系");
}

#[test]
fn text_formats_and_lengths() {
    let login = FieldSpec {
        format: Some(TextFormat::Login),
        ..field(FieldKind::Text)
    };
    assert_eq!(read(&login, "numazu.taro"), Ok(json!("numazu.taro")));
    for bad in ["沼津", "a b", "x\"; Remove-ADUser", "abcdefghijklmnopqrstu"] {
        assert!(read(&login, bad).is_err(), "{bad}");
    }
    let host = FieldSpec {
        format: Some(TextFormat::Host),
        ..field(FieldKind::Text)
    };
    assert!(read(&host, "https://www.e-gov.go.jp/").is_ok());
    assert!(read(&host, "いいサイト").is_err());
    let short = FieldSpec {
        max_chars: Some(5),
        ..field(FieldKind::Text)
    };
    assert!(read(&short, "あいうえおか").unwrap_err().contains("5文字"));
}

#[test]
fn staff_numbers_and_optional_fields() {
    let f = field(FieldKind::Staff);
    assert_eq!(read(&f, "１０００１"), Ok(json!("10001")));
    assert!(read(&f, "沼津太郎").is_err());
    assert!(read(&f, "なし").unwrap_err().contains("必須"));
    let optional = FieldSpec {
        required: false,
        ..field(FieldKind::Text)
    };
    assert_eq!(optional.read("なし", today()), Ok(None));
    let refusal = f.read("", today()).unwrap_err();
    assert_eq!(refusal.example, "10001");
}
