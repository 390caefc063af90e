//! The auto-answer rate by day as an inline SVG: bars for the questions and the automatic
//! answers of each day, a line for the rate. Plain string building, every text escaped; no
//! JavaScript and nothing loaded from elsewhere. Accessible: `role="img"`, a `<title>`
//! and a `<desc>` summing the period up, a `<title>` per day (read out and shown on
//! hover), and text labels on both axes.

use std::fmt::Write;

use chrono::Datelike;

use super::DayCounts;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 280.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 664.0;
const TOP: f64 = 44.0;
const BOTTOM: f64 = 220.0;
const QUESTIONS: &str = "#c5d5ea";
const ANSWERED: &str = "#2f6db5";
const RATE: &str = "#c2410c";

/// Renders `days` (oldest first) as an SVG chart titled `title`. An empty series, or
/// days without questions, give a chart that says so.
pub fn answer_rate_chart(title: &str, days: &[DayCounts]) -> String {
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"answer-rate-chart\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\" width=\"{WIDTH}\" height=\"{HEIGHT}\" role=\"img\" \
         aria-labelledby=\"answer-rate-title answer-rate-desc\" \
         font-family=\"sans-serif\" font-size=\"12\">\
         <title id=\"answer-rate-title\">{}</title><desc id=\"answer-rate-desc\">{}</desc>\
         <text x=\"{LEFT}\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{}</text>",
        escape(title),
        escape(&summary(days)),
        escape(title),
    );
    let max = days.iter().map(|d| d.questions).max().unwrap_or(0);
    if max == 0 {
        let message = if days.is_empty() {
            "データがありません"
        } else {
            "この期間の質問はありません"
        };
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></svg>",
            WIDTH / 2.0,
            (TOP + BOTTOM) / 2.0,
            escape(message)
        );
        return svg;
    }
    let top = nice_ceiling(max);
    axes(&mut svg, top);
    let band = (RIGHT - LEFT) / days.len() as f64;
    let y_count = |n: i64| BOTTOM - (BOTTOM - TOP) * n as f64 / top as f64;
    let label_every = days.len().div_ceil(10);
    // The rate line, broken where a day had no questions (and so no rate).
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (i, day) in days.iter().enumerate() {
        let x = LEFT + band * i as f64;
        let (w, bx) = (band * 0.7, x + band * 0.15);
        let bar = |n: i64, fill: &str| {
            let y = y_count(n);
            format!(
                "<rect x=\"{bx:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" \
                 fill=\"{fill}\"/>",
                BOTTOM - y
            )
        };
        let _ = write!(
            svg,
            "<g><title>{}</title>{}{}</g>",
            escape(&day_summary(day)),
            bar(day.questions, QUESTIONS),
            bar(day.answered, ANSWERED),
        );
        match day.answer_rate() {
            Some(rate) => runs
                .last_mut()
                .expect("runs start with one")
                .push((x + band / 2.0, BOTTOM - (BOTTOM - TOP) * rate)),
            None => runs.push(Vec::new()),
        }
        if (days.len() - 1 - i).is_multiple_of(label_every) {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                x + band / 2.0,
                BOTTOM + 16.0,
                escape(&format!("{}/{}", day.date.month(), day.date.day())),
            );
        }
    }
    for run in &runs {
        if run.len() > 1 {
            let points: Vec<String> = run.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
            let _ = write!(
                svg,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{RATE}\" stroke-width=\"2\"/>",
                points.join(" ")
            );
        }
        for (x, y) in run {
            let _ = write!(
                svg,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\" fill=\"{RATE}\"/>"
            );
        }
    }
    legend(&mut svg);
    svg.push_str("</svg>");
    svg
}

/// The gridlines and the labels of both axes: questions on the left, the rate on the right.
fn axes(svg: &mut String, top: i64) {
    for step in 0..=2 {
        let y = BOTTOM - (BOTTOM - TOP) * step as f64 / 2.0;
        let count = top * step / 2;
        let _ = write!(
            svg,
            "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{RIGHT}\" y2=\"{y:.1}\" stroke=\"#d0d0d0\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <text x=\"{}\" y=\"{:.1}\">{}</text>",
            LEFT - 6.0,
            y + 4.0,
            escape(&format!("{count}件")),
            RIGHT + 6.0,
            y + 4.0,
            escape(&format!("{}%", step * 50)),
        );
    }
}

fn legend(svg: &mut String) {
    let items = [
        (QUESTIONS, "質問"),
        (ANSWERED, "自動回答"),
        (RATE, "自動回答率（右目盛り）"),
    ];
    let mut x = LEFT;
    for (colour, label) in items {
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{colour}\"/>\
             <text x=\"{:.1}\" y=\"{}\">{}</text>",
            HEIGHT - 30.0,
            x + 16.0,
            HEIGHT - 20.0,
            escape(label),
        );
        x += 40.0 + 14.0 * label.chars().count() as f64;
    }
}

/// 「11月1日〜11月30日: 質問 120 件、自動回答 84 件（70%）」.
fn summary(days: &[DayCounts]) -> String {
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return "データがありません".to_owned();
    };
    let questions: i64 = days.iter().map(|d| d.questions).sum();
    let answered: i64 = days.iter().map(|d| d.answered).sum();
    format!(
        "{}〜{}: 質問 {questions} 件、自動回答 {answered} 件{}",
        japanese_date(first),
        japanese_date(last),
        percent(answered, questions),
    )
}

fn day_summary(day: &DayCounts) -> String {
    format!(
        "{}: 質問 {} 件、自動回答 {} 件{}",
        japanese_date(day),
        day.questions,
        day.answered,
        percent(day.answered, day.questions)
    )
}

fn japanese_date(day: &DayCounts) -> String {
    format!("{}月{}日", day.date.month(), day.date.day())
}

fn percent(part: i64, whole: i64) -> String {
    if whole == 0 {
        String::new()
    } else {
        format!("（{}%）", (part as f64 * 100.0 / whole as f64).round())
    }
}

/// The least of 2, 4, 6, 8 or 10 × 10ⁿ that is at least `n`: a round axis top whose half
/// is a whole number too.
fn nice_ceiling(n: i64) -> i64 {
    let mut scale = 1;
    loop {
        for step in [2, 4, 6, 8, 10] {
            if step * scale >= n {
                return step * scale;
            }
        }
        scale *= 10;
    }
}

/// Text and attribute values as XML needs them.
/// `text` escaped for XML (and HTML) text and attributes; control characters become spaces.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
