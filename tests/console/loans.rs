//! The loans pages: today's list and the month calendar show a reservation made through
//! the service; a bad month is a clear 400 that changes nothing; viewers read. The
//! reservation page: approve, reject, check out, return and extend through its forms (on
//! SQLite, and PostgreSQL when configured); each refusal (wrong state, no free units, bad
//! input, no CSRF token, a viewer) says why and changes nothing.

use axum::http::StatusCode;
use madoguchi::accounts::Role;
use madoguchi::domain::{Channel, ItemKind, ReservationStatus};
use madoguchi::loans::{LoanAction, NewItem, ReservationRequest, When};
use madoguchi::storage::sql;

use crate::db::backends;
use crate::helpers::{desk, desk_with, jst, Desk};
use crate::support::{account, form, send, Browser};

/// A projector, reserved by 沼津 太郎 from this afternoon (2026-11-26) to tomorrow 15:00;
/// waiting for approval.
async fn reserved(d: &Desk) -> i64 {
    let loans = d.helpdesk.loans();
    let item = NewItem {
        id: "projector".into(),
        name: "プロジェクター".into(),
        kind: ItemKind::Device,
        quantity: 1,
        max_days: None,
    };
    loans.create_item(&item, "test").await.unwrap();
    let request = asking("2026-11-26 13:00", "2026-11-27 15:00", "新規採用職員研修");
    loans.reserve(&request).await.unwrap().reservation.id
}

/// 沼津 太郎 asks for the projector from `from` to `to`.
fn asking(from: &str, to: &str, purpose: &str) -> ReservationRequest {
    ReservationRequest {
        item: "projector".into(),
        quantity: 1,
        from: When::parse("from", from).unwrap(),
        to: When::parse("to", to).unwrap(),
        requester: "10001".into(),
        purpose: purpose.into(),
        channel: Channel::Api,
        conversation_id: None,
        actor: "10001".into(),
    }
}

/// [`reserved`], approved.
async fn with_reservation(d: &Desk) -> i64 {
    let id = reserved(d).await;
    let loans = d.helpdesk.loans();
    loans.act(id, "op", LoanAction::Approve).await.unwrap();
    id
}

/// Rows a refused action must leave as they were (the version counts every update).
async fn snapshot(d: &Desk) -> Vec<i64> {
    let mut counts = Vec::new();
    for statement in [
        "SELECT COUNT(*) FROM reservations",
        "SELECT COUNT(*) FROM reservation_events",
        "SELECT COUNT(*) FROM audit_log",
        "SELECT COUNT(*) FROM outbox",
        "SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM reservations",
    ] {
        counts.push(
            sql(statement)
                .scalar(&mut d.helpdesk.store().conn())
                .await
                .unwrap(),
        );
    }
    counts
}

/// An action's path name, its form fields, and the status and message it is refused with.
type Refusal<'a> = (&'a str, Vec<(&'a str, &'a str)>, StatusCode, &'a str);

async fn status(d: &Desk, id: i64) -> ReservationStatus {
    d.helpdesk.loans().reservation(id).await.unwrap().status
}

/// The newest audit line: (actor, action, object).
async fn last_audit(d: &Desk) -> (String, String, String) {
    let log = d.helpdesk.store().audit_log(1).await.unwrap();
    let line = &log[0];
    (
        line.actor.clone(),
        line.action.clone(),
        line.object_id.clone(),
    )
}

#[tokio::test]
async fn today_lists_the_pickup_and_the_calendar_shows_the_reservation() {
    let d = desk().await;
    account(&d, "op", "窓口 一郎", Role::Operator).await;
    with_reservation(&d).await;
    let op = Browser::sign_in(&d, "op").await;

    let today = op.get(&d, "/operator/loans").await;
    assert_eq!(today.status, StatusCode::OK);
    assert!(
        today.body.contains("aria-current=\"page\">貸出"),
        "{}",
        today.body
    );
    assert!(today.body.contains("2026-11-26"));
    assert!(today.body.contains("task-pickup") && today.body.contains("プロジェクター"));
    assert!(today.body.contains("沼津 太郎"), "{}", today.body);

    let month = op
        .get(&d, "/operator/loans/calendar?item=projector&month=2026-11")
        .await;
    assert_eq!(month.status, StatusCode::OK);
    let b = &month.body;
    assert!(
        b.contains("<caption id=\"calendar-caption\">2026年11月の予約</caption>"),
        "{b}"
    );
    assert_eq!(b.matches("<th scope=\"col\"").count(), 7);
    let day = |date: &str| {
        let at = b.find(&format!("id=\"day-{date}\"")).expect(date);
        b[at..at + b[at..].find("</td>").unwrap()].to_owned()
    };
    assert!(day("2026-11-26").contains("プロジェクター") && day("2026-11-26").contains("承認"));
    assert!(day("2026-11-27").contains("プロジェクター"));
    assert!(!day("2026-11-25").contains("プロジェクター"));
    assert!(b.contains("month=2026-10") && b.contains("month=2026-12"));

    let all = op.get(&d, "/operator/loans/calendar").await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all.body.contains("2026年11月") && all.body.contains("プロジェクター"));
    let december = op.get(&d, "/operator/loans/calendar?month=2026-12").await;
    assert!(!december.body.contains("沼津 太郎"));
}

#[tokio::test]
async fn a_bad_month_or_item_is_a_clear_400_and_changes_nothing() {
    let d = desk().await;
    account(&d, "op", "窓口 一郎", Role::Operator).await;
    with_reservation(&d).await;
    let op = Browser::sign_in(&d, "op").await;
    let before = snapshot(&d).await;
    let bad = op.get(&d, "/operator/loans/calendar?month=2026-13").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("YYYY-MM"), "{}", bad.body);
    let unknown = op.get(&d, "/operator/loans/calendar?item=nothing").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(snapshot(&d).await, before);
}

#[tokio::test]
async fn viewers_read_the_loan_pages() {
    let d = desk().await;
    account(&d, "op", "窓口 一郎", Role::Operator).await;
    account(&d, "viewer", "閲覧 花子", Role::Viewer).await;
    with_reservation(&d).await;
    let viewer = Browser::sign_in(&d, "viewer").await;
    let today = viewer.get(&d, "/operator/loans").await;
    assert_eq!(today.status, StatusCode::OK);
    assert!(today.body.contains("プロジェクター"));
    let month = viewer
        .get(&d, "/operator/loans/calendar?month=2026-11")
        .await;
    assert_eq!(month.status, StatusCode::OK);
    assert!(month.body.contains("プロジェクター"));
}

#[tokio::test]
async fn an_operator_approves_checks_out_extends_and_takes_back_a_loan_from_its_page() {
    for db in backends().await {
        let d = desk_with(|s| s.database_url = Some(db.url.clone())).await;
        account(&d, "op", "窓口 一郎", Role::Operator).await;
        let id = reserved(&d).await;
        let op = Browser::sign_in(&d, "op").await;
        let page = format!("/operator/loans/{id}");
        let link = format!("href=\"{page}\"");

        // The list of reservations waiting for a decision leads to the page.
        let pending = op.get(&d, "/operator/loans/pending").await;
        assert_eq!(pending.status, StatusCode::OK);
        assert!(pending.body.contains(&link), "{}", pending.body);
        assert!(pending.body.contains("沼津 太郎") && pending.body.contains("1件"));
        let opened = op.get(&d, &page).await;
        assert_eq!(opened.status, StatusCode::OK);
        let b = &opened.body;
        assert!(b.contains("id=\"loan-status\">申請中<"), "{b}");
        assert!(b.contains("新規採用職員研修") && b.contains("沼津 太郎（10001）"));
        assert!(b.contains("id=\"action-approve\"") && b.contains("id=\"action-reject\""));
        assert!(!b.contains("id=\"action-checkout\""), "not before approval");
        assert_eq!(
            last_audit(&d).await,
            ("op".into(), "loan.view".into(), id.to_string())
        );

        let approved = op.post(&d, &format!("{page}/approve"), &[]).await;
        assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
        assert_eq!(approved.location.as_deref(), Some(page.as_str()));
        assert_eq!(status(&d, id).await, ReservationStatus::Approved);
        assert_eq!(
            last_audit(&d).await,
            ("op".into(), "loan.approve".into(), id.to_string())
        );
        let empty = op.get(&d, "/operator/loans/pending").await;
        assert!(empty.body.contains("承認待ちの予約はありません"));
        // Today's list and the calendar link to the page.
        assert!(op.get(&d, "/operator/loans").await.body.contains(&link));
        let month = op.get(&d, "/operator/loans/calendar?month=2026-11").await;
        assert!(month.body.contains(&link));

        let extended = op
            .post(&d, &format!("{page}/extend"), &[("to", "2026-11-30T15:00")])
            .await;
        assert_eq!(extended.status, StatusCode::SEE_OTHER, "{}", extended.body);
        let r = d.helpdesk.loans().reservation(id).await.unwrap();
        assert_eq!(r.ends_at, jst("2026-11-30 15:00"));

        let fields = [
            ("asset_numbers", "PJ-001, PJ-002\nPJ-001"),
            ("condition", "良好"),
            ("settings_done", "HDMI変換アダプタを接続"),
        ];
        let out = op.post(&d, &format!("{page}/checkout"), &fields).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
        let r = d.helpdesk.loans().reservation(id).await.unwrap();
        assert_eq!(r.status, ReservationStatus::CheckedOut);
        assert_eq!(r.assets(), ["PJ-001", "PJ-002"]);
        assert_eq!(r.settings_done.as_deref(), Some("HDMI変換アダプタを接続"));
        let shown = op.get(&d, &page).await.body;
        assert!(shown.contains("PJ-001、PJ-002") && shown.contains("id=\"action-return\""));

        // Back a day late (Tuesday 10:00 rather than Monday 15:00), with a scratch.
        d.clock.set(jst("2026-12-01 10:00"));
        let op = Browser::sign_in(&d, "op").await;
        let back = [("condition", "使用可"), ("damage", "天板に擦り傷")];
        let returned = op.post(&d, &format!("{page}/return"), &back).await;
        assert_eq!(returned.location.as_deref(), Some(page.as_str()));
        let r = d.helpdesk.loans().reservation(id).await.unwrap();
        assert_eq!(r.status, ReservationStatus::Returned);
        assert_eq!(r.late_minutes, Some(19 * 60));
        assert_eq!(r.damage.as_deref(), Some("天板に擦り傷"));
        let shown = op.get(&d, &page).await.body;
        assert!(
            shown.contains("19時間") && shown.contains("天板に擦り傷"),
            "{shown}"
        );
        assert!(shown.contains("この予約にできる操作はありません"));
        let actions: Vec<String> = sql(
            "SELECT action FROM audit_log WHERE object_id = $1 AND action <> 'loan.view' ORDER BY id",
        )
        .bind(id.to_string())
        .scalars(&mut d.helpdesk.store().conn())
        .await
        .unwrap();
        assert_eq!(
            actions,
            [
                "loan.reserve",
                "loan.approve",
                "loan.extend",
                "loan.checkout",
                "loan.return"
            ]
        );
    }
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_shows_it() {
    let d = desk().await;
    account(&d, "op", "窓口 一郎", Role::Operator).await;
    let id = reserved(&d).await;
    let op = Browser::sign_in(&d, "op").await;
    let before = snapshot(&d).await;
    let bare = op
        .post(
            &d,
            &format!("/operator/loans/{id}/reject"),
            &[("reason", " ")],
        )
        .await;
    assert_eq!(bare.status, StatusCode::BAD_REQUEST);
    assert!(
        bare.body.contains("id=\"loan-error\"")
            && bare.body.contains("理由（reason） を入力してください"),
        "{}",
        bare.body
    );
    assert_eq!(snapshot(&d).await, before);
    let reason = [("reason", "同じ日に庁内の別の研修で使用するため")];
    let rejected = op
        .post(&d, &format!("/operator/loans/{id}/reject"), &reason)
        .await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER);
    assert_eq!(status(&d, id).await, ReservationStatus::Rejected);
    let shown = op.get(&d, &format!("/operator/loans/{id}")).await.body;
    assert!(
        shown.contains("却下（同じ日に庁内の別の研修で使用するため）"),
        "{shown}"
    );
}

#[tokio::test]
async fn refused_actions_say_why_and_change_nothing() {
    for db in backends().await {
        let d = desk_with(|s| s.database_url = Some(db.url.clone())).await;
        account(&d, "op", "窓口 一郎", Role::Operator).await;
        let id = with_reservation(&d).await;
        // Another reservation of the projector from Monday: the first cannot run into it.
        let loans = d.helpdesk.loans();
        let next = asking("2026-11-30 09:00", "2026-11-30 17:00", "課内会議");
        loans.reserve(&next).await.unwrap();
        let op = Browser::sign_in(&d, "op").await;
        let page = format!("/operator/loans/{id}");
        let before = snapshot(&d).await;
        let cases: Vec<Refusal> = vec![
            (
                "approve",
                vec![],
                StatusCode::CONFLICT,
                "承認の予約は承認できません",
            ),
            (
                "return",
                vec![("condition", "良好")],
                StatusCode::CONFLICT,
                "承認の予約は返却できません",
            ),
            (
                "checkout",
                vec![("asset_numbers", "PJ-001")],
                StatusCode::BAD_REQUEST,
                "状態（condition） を入力してください",
            ),
            (
                "checkout",
                vec![("condition", "良好")],
                StatusCode::BAD_REQUEST,
                "資産番号（asset_numbers）",
            ),
            (
                "extend",
                vec![("to", "来週")],
                StatusCode::BAD_REQUEST,
                "延長後の返却 は 2026-12-10",
            ),
            (
                "extend",
                vec![("to", "2026-11-27T12:00")],
                StatusCode::BAD_REQUEST,
                "今の返却より後",
            ),
            (
                "extend",
                vec![("to", "2026-11-30T15:00")],
                StatusCode::CONFLICT,
                "空きが足りません（空き 0）",
            ),
        ];
        for (verb, fields, code, message) in cases {
            let refused = op.post(&d, &format!("{page}/{verb}"), &fields).await;
            assert_eq!(refused.status, code, "{verb}: {}", refused.body);
            assert!(
                refused.body.contains("role=\"alert\""),
                "{verb}: {}",
                refused.body
            );
            assert!(refused.body.contains(message), "{verb}: {}", refused.body);
            assert!(refused.body.contains("id=\"loan-status\">承認<"));
            assert_eq!(snapshot(&d).await, before, "{verb}");
        }
        let unknown = op.post(&d, "/operator/loans/9999/approve", &[]).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        assert!(unknown.body.contains("予約 L-9999 はありません"));
        let odd = op.post(&d, &format!("{page}/reserve"), &[]).await;
        assert_eq!(odd.status, StatusCode::NOT_FOUND);
        assert_eq!(
            op.get(&d, "/operator/loans/9999").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(snapshot(&d).await, before);
        assert_eq!(status(&d, id).await, ReservationStatus::Approved);
    }
}

#[tokio::test]
async fn viewers_only_read_and_every_form_needs_the_csrf_token() {
    let d = desk().await;
    account(&d, "op", "窓口 一郎", Role::Operator).await;
    account(&d, "viewer", "閲覧 花子", Role::Viewer).await;
    let id = reserved(&d).await;
    let page = format!("/operator/loans/{id}");
    let viewer = Browser::sign_in(&d, "viewer").await;
    let shown = viewer.get(&d, &page).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains("沼津 太郎") && !shown.body.contains("action-approve"));
    let pending = viewer.get(&d, "/operator/loans/pending").await;
    assert!(pending.body.contains("プロジェクター"));

    let op = Browser::sign_in(&d, "op").await;
    let before = snapshot(&d).await;
    let refused = viewer.post(&d, &format!("{page}/approve"), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("予約の処理"), "{}", refused.body);
    let no_token = send(&d, form(&format!("{page}/approve"), &op.cookie, &[])).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let wrong = [("csrf", "not-the-token")];
    let wrong_token = send(&d, form(&format!("{page}/approve"), &op.cookie, &wrong)).await;
    assert_eq!(wrong_token.status, StatusCode::FORBIDDEN);
    let signed_out = send(&d, form(&format!("{page}/approve"), "", &[])).await;
    let to = signed_out.location.unwrap_or_default();
    assert!(to.starts_with("/operator/sign-in"), "{to}");
    assert_eq!(snapshot(&d).await, before);
    assert_eq!(status(&d, id).await, ReservationStatus::Pending);
}
