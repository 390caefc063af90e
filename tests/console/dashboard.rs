//! The dashboard page: today's and this month's counts, the queue now, and the
//! auto-answer rate by day as an inline SVG chart with a table of the same days, on the
//! desk's fixed clock.

use axum::http::StatusCode;
use chrono::Duration;
use madoguchi::accounts::Role;
use madoguchi::calendar::{format_date_ja, to_local};
use madoguchi::learning::{chart, DayCounts, CHART_DAYS};

use crate::helpers::{desk, said, ticket_in};
use crate::support::{account, Browser};

#[tokio::test]
async fn the_dashboard_shows_todays_counts_the_queue_and_thirty_days_to_any_role() {
    let d = desk().await;
    let now = d.helpdesk.now();
    account(&d, "viewer", "閲覧 次郎", Role::Viewer).await;
    let answered = d.logo("room-1", "ＶＰＮつながらない").await;
    assert!(answered.replies[0].faq_id.is_some());
    d.logo("room-2", "朝来たらパソコンがウンともスンとも言わない")
        .await;
    ticket_in(&said(&d.logo("room-2", "はい").await));

    let viewer = Browser::sign_in(&d, "viewer").await;
    let page = viewer.get(&d, "/operator/dashboard").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    assert!(body.contains(&format_date_ja(to_local(now).date())));
    for period in ["今日", "今月"] {
        let row = format!(
            "<th scope=\"row\">{period}</th><td>2件</td><td>1件</td><td>50%</td><td>1件</td>"
        );
        assert!(body.contains(&row), "{row} missing: {body}");
    }
    assert!(body.contains("<strong id=\"open-tickets\">1件</strong>"));
    assert!(body.contains("href=\"/operator?overdue=1\""));
    assert!(body.contains("<strong id=\"overdue-tickets\">0件</strong>"));
    assert!(body.contains("aria-current=\"page\">ダッシュボード</a>"));

    // The chart inline, and the same days as a table.
    assert_eq!(body.matches("<svg").count(), 1);
    assert!(body.contains("aria-labelledby=\"answer-rate-title answer-rate-desc\""));
    assert_eq!(body.matches("<g><title>").count(), CHART_DAYS);
    let table = &body[body.find("id=\"by-day\"").expect("the table")..];
    assert_eq!(table.matches("<th scope=\"row\">").count(), CHART_DAYS);
    let today = format!(
        "<th scope=\"row\">{}</th><td>2</td><td>1</td><td>50%</td>",
        format_date_ja(to_local(now).date())
    );
    assert!(table.contains(&today), "{today} missing: {table}");
    assert!(!body.contains("style="), "the CSP forbids inline styles");
    assert!(!body.contains("<script>"), "nor inline scripts");

    // A week later: nothing asked today, and the open ticket is overdue.
    d.clock.set(now + Duration::days(7));
    let viewer = Browser::sign_in(&d, "viewer").await;
    let later = viewer.get(&d, "/operator/dashboard").await;
    assert_eq!(later.status, StatusCode::OK);
    assert!(later
        .body
        .contains("<strong id=\"overdue-tickets\">1件</strong>"));
    assert!(later
        .body
        .contains("<th scope=\"row\">今日</th><td>0件</td><td>0件</td><td>-</td><td>0件</td>"));
}

#[tokio::test]
async fn the_dashboard_counts_pending_proposals() {
    let d = desk().await;
    account(&d, "yamada", "山田 花子", Role::Operator).await;
    d.logo("room-1", "朝来たらパソコンがウンともスンとも言わない")
        .await;
    let ticket = ticket_in(&said(&d.logo("room-1", "はい").await));
    let operator = Browser::sign_in(&d, "yamada").await;
    let resolve = format!("/operator/tickets/{ticket}/resolve");
    operator
        .post(&d, &resolve, &[("faq_id", "pc-wont-start")])
        .await;
    let page = operator.get(&d, "/operator/dashboard").await;
    assert!(page
        .body
        .contains("<strong id=\"pending-proposals\">1件</strong>"));
}

/// What the dashboard inserts unescaped (`|safe`) must not let any text out of the SVG.
#[test]
fn a_hostile_chart_title_cannot_break_out_of_the_svg() {
    let days: Vec<DayCounts> = (1..=3)
        .map(|day| DayCounts {
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
            questions: 4,
            answered: 3,
        })
        .collect();
    for title in [
        "</title></svg><script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "' onload='alert(1)",
        "]]><![CDATA[<script>",
        "<!-- --><style>*{}</style>",
        "&lt;already&gt; & more",
    ] {
        for series in [&days[..], &[]] {
            let svg = chart::answer_rate_chart(title, series);
            assert!(svg.starts_with("<svg "), "{title}");
            assert_eq!(svg.matches("</svg>").count(), 1, "{title}: {svg}");
            assert!(svg.ends_with("</svg>"), "{title}");
            for raw in ["<script", "<img", "<style", "<!--", "<![CDATA["] {
                assert!(!svg.contains(raw), "{title}: {raw} in {svg}");
            }
            assert!(!svg.contains("' onload"), "{title}");
            // The only markup is the chart's own: every `<` opens a known SVG element.
            for tag in svg.split('<').skip(1) {
                let name: String = tag
                    .trim_start_matches('/')
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .collect();
                assert!(
                    ["svg", "title", "desc", "text", "g", "rect", "line", "polyline", "circle"]
                        .contains(&name.as_str()),
                    "{title}: <{name}"
                );
            }
            assert_eq!(svg.matches("<title").count(), 1 + series.len(), "{title}");
        }
    }
}
