use chrono::NaiveDate;

use super::*;

fn day(d: u32, questions: i64, answered: i64) -> DayCounts {
    DayCounts {
        date: NaiveDate::from_ymd_opt(2026, 11, d).unwrap(),
        questions,
        answered,
    }
}

/// Checks that `svg` is well-formed XML as far as a chart needs: every element closed in
/// order, attribute values quoted, `&` only in entities, no `<` in text or values.
fn assert_well_formed(svg: &str) {
    let mut open: Vec<String> = Vec::new();
    let mut rest = svg;
    assert!(rest.starts_with("<svg "), "{svg}");
    while let Some(start) = rest.find('<') {
        check_text(&rest[..start]);
        let end = start + rest[start..].find('>').expect("a tag is closed");
        let tag = &rest[start + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop().as_deref(), Some(name), "closing {name} in {svg}");
        } else {
            let self_closing = tag.ends_with('/');
            let tag = tag.trim_end_matches('/');
            let (name, attributes) = tag.split_once(' ').unwrap_or((tag, ""));
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric()),
                "tag {name:?}"
            );
            check_attributes(attributes);
            if !self_closing {
                open.push(name.to_owned());
            }
        }
        rest = &rest[end + 1..];
        if open.is_empty() {
            assert!(rest.is_empty(), "content after the root: {rest:?}");
        }
    }
    assert!(open.is_empty(), "left open: {open:?}");
}

fn check_text(text: &str) {
    assert!(!text.contains('<') && !text.contains('>'), "{text:?}");
    for (i, _) in text.match_indices('&') {
        let entity = &text[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                .iter()
                .any(|e| entity.starts_with(e)),
            "bare & in {text:?}"
        );
    }
}

fn check_attributes(mut attributes: &str) {
    while !attributes.trim().is_empty() {
        let (name, after) = attributes
            .trim_start()
            .split_once("=\"")
            .expect("name=\"value\"");
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
            "attribute {name:?}"
        );
        let (value, after) = after.split_once('"').expect("a closing quote");
        check_text(value);
        attributes = after;
    }
}

#[test]
fn a_month_of_days_renders_a_well_formed_accessible_chart() {
    let days: Vec<DayCounts> = (1..=30)
        .map(|d| day(d, i64::from(d), i64::from(d) / 2))
        .collect();
    let svg = answer_rate_chart("自動回答率（過去30日）", &days);
    assert_well_formed(&svg);
    assert!(svg.contains("role=\"img\""));
    assert!(svg.contains("<title id=\"answer-rate-title\">自動回答率（過去30日）</title>"));
    assert!(svg.contains("11月1日〜11月30日: 質問 465 件、自動回答 225 件（48%）"));
    // One described group per day, a rate point per day with questions, dated labels.
    assert_eq!(svg.matches("<g><title>").count(), 30);
    assert!(svg.contains("<title>11月30日: 質問 30 件、自動回答 15 件（50%）</title>"));
    assert_eq!(svg.matches("<circle ").count(), 30);
    assert!(svg.contains(">11/30</text>") && svg.contains(">11/27</text>"));
    assert!(
        svg.contains(">40件</text>")
            && svg.contains(">20件</text>")
            && svg.contains(">100%</text>")
    );
    assert!(!svg.contains("<script") && !svg.contains("href"));
}

#[test]
fn the_title_is_escaped() {
    let svg = answer_rate_chart("<script>alert('x')</script> & \"集計\"", &[day(1, 2, 1)]);
    assert_well_formed(&svg);
    assert!(!svg.contains("<script"));
    assert!(svg.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;集計&quot;"));
}

#[test]
fn an_empty_series_says_there_is_no_data() {
    let svg = answer_rate_chart("自動回答率", &[]);
    assert_well_formed(&svg);
    assert!(svg.contains("<desc id=\"answer-rate-desc\">データがありません</desc>"));
    assert!(svg.contains(">データがありません</text>"));
    assert!(!svg.contains("<polyline") && !svg.contains("<rect"));
}

#[test]
fn days_without_questions_are_drawn_without_a_rate() {
    let quiet = answer_rate_chart("自動回答率", &[day(1, 0, 0), day(2, 0, 0)]);
    assert_well_formed(&quiet);
    assert!(quiet.contains("この期間の質問はありません"));
    assert!(!quiet.contains("NaN") && !quiet.contains("inf"));

    // Quiet days in a busy month: flat bars, and the line breaks there.
    let days = [
        day(1, 4, 3),
        day(2, 6, 3),
        day(3, 0, 0),
        day(4, 5, 5),
        day(5, 0, 0),
    ];
    let mixed = answer_rate_chart("自動回答率", &days);
    assert_well_formed(&mixed);
    assert_eq!(mixed.matches("<circle ").count(), 3);
    assert_eq!(mixed.matches("<polyline ").count(), 1);
    assert!(mixed.contains("<title>11月3日: 質問 0 件、自動回答 0 件</title>"));
    assert!(!mixed.contains("NaN") && !mixed.contains("inf"));
}

#[test]
fn the_axis_top_is_round_and_halves_whole() {
    let tops: Vec<i64> = [1, 2, 3, 5, 11, 40, 41, 999].map(nice_ceiling).to_vec();
    assert_eq!(tops, [2, 2, 4, 6, 20, 40, 60, 1000]);
}
