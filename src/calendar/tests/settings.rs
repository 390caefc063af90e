//! The `[calendar]` settings: TOML forms and checks.

use chrono::NaiveTime;

use super::*;

#[test]
fn invalid_configurations_are_named() {
    let base = CalendarConfig::default();
    let err = |config: CalendarConfig| BusinessCalendar::new(&config).unwrap_err().to_string();
    let open = base.open;
    let message = err(CalendarConfig {
        close: open,
        ..base.clone()
    });
    assert_eq!(
        message,
        "calendar: close (08:30:00) must be after open (08:30:00)"
    );
    let backwards = closure(d(2026, 12, 6), Some(d(2026, 12, 5)), "点検");
    let message = err(CalendarConfig {
        closures: vec![backwards],
        ..base.clone()
    });
    assert_eq!(
        message,
        "calendar closure \"点検\": to (2026-12-05) is before from (2026-12-06)"
    );
    let message = err(CalendarConfig {
        closures: vec![closure(d(2026, 12, 6), None, " ")],
        ..base.clone()
    });
    assert!(
        message.contains("2026-12-06") && message.contains("reason is empty"),
        "{message}"
    );
    let long = closure(d(2026, 1, 1), Some(d(2027, 12, 31)), "点検");
    let message = err(CalendarConfig {
        closures: vec![long],
        ..base.clone()
    });
    assert!(message.contains("longer than 366 days"), "{message}");
    assert!(BusinessCalendar::new(&base).is_ok());
}

#[derive(Debug, serde::Deserialize)]
struct Settings {
    #[serde(default)]
    calendar: CalendarConfig,
}

fn parse(toml_text: &str) -> Result<CalendarConfig, String> {
    toml::from_str::<Settings>(toml_text)
        .map(|s| s.calendar)
        .map_err(|e| e.to_string())
}

#[test]
fn toml_configuration() {
    assert_eq!(parse("").unwrap(), CalendarConfig::default());
    assert_eq!(parse("[calendar]").unwrap(), CalendarConfig::default());
    let config = parse(
        r#"
        [calendar]
        open = "8:45"
        close = 17:00:00
        openings = [2027-04-03, "2027-04-04"]
        [[calendar.closures]]
        from = 2026-12-05
        to = "2026-12-06"
        reason = "庁舎電気設備点検"
        [[calendar.closures]]
        from = "2026-12-10"
        reason = "システム更新"
        "#,
    )
    .unwrap();
    assert_eq!(config.open, NaiveTime::from_hms_opt(8, 45, 0).unwrap());
    assert_eq!(config.close, NaiveTime::from_hms_opt(17, 0, 0).unwrap());
    assert_eq!(config.openings, vec![d(2027, 4, 3), d(2027, 4, 4)]);
    assert_eq!(
        config.closures,
        vec![
            closure(d(2026, 12, 5), Some(d(2026, 12, 6)), "庁舎電気設備点検"),
            closure(d(2026, 12, 10), None, "システム更新"),
        ]
    );
    assert_eq!(
        parse("[calendar]\nopen = \"08:30\"").unwrap().open,
        CalendarConfig::default().open
    );
    for (text, needle) in [
        ("[calendar]\nopening = \"08:30\"", "unknown field `opening`"),
        ("[calendar]\nopen = \"half past eight\"", "not a time"),
        ("[calendar]\nopen = 2026-12-05", "not a time"),
        (
            "[calendar]\nopenings = [2026-12-05T09:00:00]",
            "found date and time",
        ),
        ("[calendar]\nopenings = [\"12/5\"]", "not a date"),
        (
            "[[calendar.closures]]\nfrom = 2026-12-05",
            "missing field `reason`",
        ),
        (
            "[[calendar.closures]]\nfrom = 2026-12-05\nreason = \"x\"\nuntil = 2026-12-06",
            "unknown field `until`",
        ),
    ] {
        let message = parse(text).unwrap_err();
        assert!(message.contains(needle), "{text:?}: {message}");
    }
}
