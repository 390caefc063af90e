//! Requests in the console: the list and its search, approving with the version the page
//! showed (a stale page is refused), the work order with steps and the AD script, and an
//! inquiry entered for a phone call (a ticket in the queue and a request).

use axum::http::StatusCode;
use madoguchi::domain::{Channel, RequestStatus, StepStatus};

use crate::console_support::Browser;
use crate::support::{account_fields, request_desk, submission, ADMIN, OPERATOR};

#[tokio::test]
async fn a_request_is_found_approved_and_worked_in_the_console() {
    let d = request_desk(None).await;
    let row = d
        .helpdesk
        .requests()
        .submit(submission("ad-account-add", account_fields()))
        .await
        .unwrap();
    let (id, number) = (row.id, format!("R-{}", row.id));
    let admin = Browser::sign_in(&d, ADMIN).await;
    for (q, found) in [
        ("沼津 太郎", true),
        ("ICT推進課", true),
        ("10001", true),
        (number.as_str(), true),
        ("アカウントの追加", true),
        ("財政課", false),
    ] {
        let page = admin
            .get(&d, &format!("/operator/requests?q={}", urlencode(q)))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(
            page.body.contains(&format!("id=\"request-{id}\"")),
            found,
            "{q}"
        );
    }
    let page = admin.get(&d, &format!("/operator/requests/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("numazu.hanako") && page.body.contains("id=\"action-approve\""));
    let version = page.hidden("version");
    // Someone else acts first: the page's version is stale.
    d.helpdesk
        .requests()
        .act(
            id,
            crate::support::admin("suzuki"),
            madoguchi::domain::RequestAction::Return,
            Some("記入漏れ"),
            None,
            None,
        )
        .await
        .unwrap();
    let stale = admin
        .post(
            &d,
            &format!("/operator/requests/{id}/approve"),
            &[("version", &version)],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(
        stale.body.contains("ほかの担当者が先に変更しました"),
        "{}",
        stale.body
    );
    // The requester resubmits two weeks later; the admin approves from a fresh page. The
    // due date counts from the resubmission, not from the first one (long past by then).
    let first_due = d.helpdesk.requests().request(id).await.unwrap().due_at;
    d.clock.set(d.helpdesk.now() + chrono::Duration::days(14));
    d.helpdesk
        .requests()
        .act(
            id,
            madoguchi::requests::Acting {
                login: "10001",
                capacity: madoguchi::requests::Capacity::Requester,
            },
            madoguchi::domain::RequestAction::Resubmit,
            None,
            None,
            None,
        )
        .await
        .unwrap();
    let resubmitted = d.helpdesk.requests().request(id).await.unwrap();
    assert!(
        resubmitted.due_at.unwrap() > d.helpdesk.now(),
        "{:?} (first {first_due:?})",
        resubmitted.due_at
    );
    // Two weeks on, the admin signs in again.
    let admin = Browser::sign_in(&d, ADMIN).await;
    let version = admin
        .get(&d, &format!("/operator/requests/{id}"))
        .await
        .hidden("version");
    let approved = admin
        .post(
            &d,
            &format!("/operator/requests/{id}/approve"),
            &[("version", &version)],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    // The operator starts the work order and marks its steps.
    let op = Browser::sign_in(&d, OPERATOR).await;
    let page = op.get(&d, &format!("/operator/requests/{id}")).await;
    assert!(
        !page.body.contains("id=\"action-approve\""),
        "operators do not approve"
    );
    let version = page.hidden("version");
    let started = op
        .post(
            &d,
            &format!("/operator/requests/{id}/start"),
            &[("version", &version)],
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let page = op.get(&d, &format!("/operator/requests/{id}")).await;
    let version = page.hidden("version");
    assert!(
        page.body.contains(&format!("{number}-step1-lgwan.ps1")),
        "{}",
        page.body
    );
    let failed = op
        .post(
            &d,
            &format!("/operator/requests/{id}/steps/2"),
            &[("version", &version), ("status", "failed"), ("note", "")],
        )
        .await;
    assert_eq!(
        failed.status,
        StatusCode::BAD_REQUEST,
        "a failed step needs its reason"
    );
    let done = op
        .post(
            &d,
            &format!("/operator/requests/{id}/steps/1"),
            &[
                ("version", &version),
                ("status", "done"),
                ("note", "実行済み"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let view = d.helpdesk.requests().view(id, "test").await.unwrap();
    assert_eq!(view.request.status, RequestStatus::InProgress);
    assert_eq!(
        (view.steps[0].status, view.steps[0].done_by.as_deref()),
        (StepStatus::Done, Some(OPERATOR))
    );
    let script = op
        .get(
            &d,
            &format!("/operator/requests/{id}/files/{number}-step1-lgwan.ps1"),
        )
        .await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(
        script.body.contains("New-ADUser -Name '沼津 花子'"),
        "{}",
        script.body
    );
    assert!(script.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let missing = op
        .get(&d, &format!("/operator/requests/{id}/files/evil.ps1"))
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    // Each download is audited with the file's name; viewers may not download.
    let downloads: Vec<String> = madoguchi::storage::sql(
        "SELECT detail FROM audit_log WHERE action = 'request.download' ORDER BY id",
    )
    .scalars(&mut d.helpdesk.store().conn())
    .await
    .unwrap();
    assert_eq!(downloads, [format!("{number}-step1-lgwan.ps1")]);
    crate::console_support::account(&d, "viewer", "閲覧 花子", madoguchi::accounts::Role::Viewer)
        .await;
    let viewer = Browser::sign_in(&d, "viewer").await;
    let refused = viewer
        .get(
            &d,
            &format!("/operator/requests/{id}/files/{number}-step1-lgwan.ps1"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_phone_inquiry_becomes_a_ticket_in_the_queue_or_a_request() {
    let d = request_desk(None).await;
    let op = Browser::sign_in(&d, OPERATOR).await;
    let form = op.get(&d, "/operator/requests/new?type=ticket").await;
    assert_eq!(form.status, StatusCode::OK);
    let unknown = op
        .post(
            &d,
            "/operator/requests/new",
            &[
                ("type", "ticket"),
                ("requester", "99999"),
                ("channel", "phone"),
                ("subject", "プリンタが動かない"),
            ],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body.contains("99999 は職員名簿にありません"));
    let opened = op
        .post(
            &d,
            "/operator/requests/new",
            &[
                ("type", "ticket"),
                ("requester", "10002"),
                ("channel", "phone"),
                ("subject", "プリンタが動かない"),
            ],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let ticket_id: i64 = opened
        .location
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let ticket = d
        .helpdesk
        .tickets()
        .ticket(ticket_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (ticket.channel, ticket.staff_no.as_deref()),
        (Channel::Phone, Some("10002"))
    );
    assert!(ticket.resolution_due.is_some(), "the same SLA as chat");
    let queue = op.get(&d, "/operator?channel=phone").await;
    assert!(queue.body.contains("プリンタが動かない"), "{}", queue.body);
    let counts = d.helpdesk.learning().dashboard().await.unwrap();
    assert_eq!(counts.open_tickets, 1);
    // A request by phone: errors next to their fields, then accepted.
    let bad = op
        .post(
            &d,
            "/operator/requests/new",
            &[
                ("type", "mail-account"),
                ("requester", "10002"),
                ("channel", "phone"),
                ("f.staff", "10002"),
                ("f.operation", "追加"),
                ("f.mail_kind", "庁内メール"),
                ("f.date", "昨日"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("aria-describedby=\"err-date\"") && bad.body.contains("id=\"err-date\""),
        "{}",
        bad.body
    );
    let good = op
        .post(
            &d,
            "/operator/requests/new",
            &[
                ("type", "mail-account"),
                ("requester", "10002"),
                ("channel", "phone"),
                ("f.staff", "10002"),
                ("f.operation", "追加"),
                ("f.mail_kind", "庁内メール"),
                ("f.date", "12/1"),
                ("f.note", ""),
            ],
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.body);
    let id: i64 = good
        .location
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let row = d.helpdesk.requests().request(id).await.unwrap();
    assert_eq!(
        (row.channel, row.requester_no.as_str()),
        (Channel::Phone, "10002")
    );
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("q", text)])
        .unwrap()
        .trim_start_matches("q=")
        .to_owned()
}
