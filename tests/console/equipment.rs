//! The equipment register page: search, one device with its history, state and person
//! changed with a reason (CSRF like every form); bad input is refused with the reason
//! shown and nothing changed; viewers only read.

use axum::http::StatusCode;
use madoguchi::accounts::Role;
use madoguchi::ledgers::DeviceSpec;
use madoguchi::storage::sql;

use crate::helpers::{desk, Desk};
use crate::support::{account, form, send, Browser};

async fn history_lines(d: &Desk) -> i64 {
    sql("SELECT COUNT(*) FROM equipment_history")
        .scalar(&mut d.helpdesk.store().conn())
        .await
        .unwrap()
}

async fn with_devices(d: &Desk) {
    for (asset, kind, person) in [
        ("PC-0001", "PC", Some("10001")),
        ("PRN-01", "プリンター", None),
        ("TAB-01", "タブレット", None),
    ] {
        let spec = DeviceSpec {
            asset: asset.into(),
            kind: kind.into(),
            department_code: Some("K005".into()),
            department: Some("ICT推進課".into()),
            person: person.map(str::to_owned),
            ..DeviceSpec::default()
        };
        d.helpdesk
            .ledgers()
            .register_device(&spec, None, "setup")
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn an_operator_searches_opens_a_device_and_changes_it_with_a_reason() {
    let d = desk().await;
    with_devices(&d).await;
    account(&d, "op", "窓口 一郎", Role::Operator).await;
    let op = Browser::sign_in(&d, "op").await;

    let all = op.get(&d, "/operator/equipment").await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(all.body.contains("3台") && all.body.contains("aria-current=\"page\">機器台帳"));
    let found = op
        .get(&d, "/operator/equipment?person=%E6%B2%BC%E6%B4%A5&kind=pc")
        .await;
    assert!(found.body.contains("PC-0001") && found.body.contains("沼津 太郎"));
    assert!(!found.body.contains("PRN-01"), "{}", found.body);
    let none = op.get(&d, "/operator/equipment?department=K999").await;
    assert!(none.body.contains("該当する機器はありません"));

    let moved = op
        .post(
            &d,
            "/operator/equipment/PRN-01/assign",
            &[("person", "10001"), ("reason", "市民課へ配備")],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    assert_eq!(
        moved.location.as_deref(),
        Some("/operator/equipment/PRN-01")
    );
    let stored = op
        .post(
            &d,
            "/operator/equipment/TAB-01/state",
            &[("state", "for_loan"), ("reason", "研修用に回す")],
        )
        .await;
    assert_eq!(stored.status, StatusCode::SEE_OTHER, "{}", stored.body);
    let page = op.get(&d, "/operator/equipment/PRN-01").await;
    assert_eq!(page.status, StatusCode::OK);
    let viewed: Vec<String> = madoguchi::storage::sql(
        "SELECT actor FROM audit_log WHERE action = 'equipment.view' AND object_id = 'PRN-01'",
    )
    .scalars(&mut d.helpdesk.store().conn())
    .await
    .unwrap();
    assert_eq!(viewed, ["op"], "opening a device (who used it) is audited");
    for shown in [
        "市民課へ配備",
        "使用者職員番号: （なし） → 10001",
        "状態: 在庫 → 配備中",
        ">op<",
        "沼津 太郎（10001）",
    ] {
        assert!(page.body.contains(shown), "{shown} missing");
    }
    assert!(
        page.body.contains("id=\"state-form\""),
        "an operator may change it"
    );
}

#[tokio::test]
async fn bad_changes_are_refused_with_a_reason_and_change_nothing() {
    let d = desk().await;
    with_devices(&d).await;
    account(&d, "op", "窓口 一郎", Role::Operator).await;
    account(&d, "viewer", "閲覧 花子", Role::Viewer).await;
    let op = Browser::sign_in(&d, "op").await;
    d.helpdesk
        .ledgers()
        .set_device_state(
            "TAB-01",
            madoguchi::domain::DeviceState::Disposed,
            "故障",
            "op",
        )
        .await
        .unwrap();
    let before = history_lines(&d).await;
    for (uri, fields, status) in [
        (
            "/operator/equipment/PRN-01/state",
            vec![("state", "in_repair"), ("reason", " ")],
            StatusCode::BAD_REQUEST,
        ),
        (
            "/operator/equipment/PRN-01/state",
            vec![("state", "lost"), ("reason", "紛失")],
            StatusCode::BAD_REQUEST,
        ),
        (
            "/operator/equipment/PRN-01/assign",
            vec![("person", "99999"), ("reason", "配備")],
            StatusCode::BAD_REQUEST,
        ),
        (
            "/operator/equipment/TAB-01/state",
            vec![("state", "in_stock"), ("reason", "戻す")],
            StatusCode::CONFLICT,
        ),
        (
            "/operator/equipment/PC-0001/state",
            vec![("state", "disposed"), ("reason", "老朽化")],
            StatusCode::CONFLICT,
        ),
    ] {
        let refused = op.post(&d, uri, &fields).await;
        assert_eq!(refused.status, status, "{uri} {fields:?}");
        assert!(refused.body.contains("role=\"alert\""), "a reason is shown");
    }
    let unknown = op
        .post(
            &d,
            "/operator/equipment/PC-9999/state",
            &[("state", "in_repair"), ("reason", "x")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(
        op.get(&d, "/operator/equipment/PC-9999").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        op.get(&d, "/operator/equipment?state=lost").await.status,
        StatusCode::BAD_REQUEST
    );
    let no_token = send(
        &d,
        form(
            "/operator/equipment/PRN-01/state",
            &op.cookie,
            &[("state", "in_repair"), ("reason", "x")],
        ),
    )
    .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let viewer = Browser::sign_in(&d, "viewer").await;
    let page = viewer.get(&d, "/operator/equipment/PRN-01").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("id=\"state-form\""),
        "viewers only read"
    );
    let forbidden = viewer
        .post(
            &d,
            "/operator/equipment/PRN-01/state",
            &[("state", "in_repair"), ("reason", "x")],
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(history_lines(&d).await, before, "nothing changed");
}
