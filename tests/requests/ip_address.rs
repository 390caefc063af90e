//! The IP address request (`ip-address`): marking its first work step done hands out the
//! next free address of the named segment from the IP ledger, in the step's transaction;
//! an unknown or full segment refuses the step and changes nothing.

use madoguchi::domain::{AddressState, RequestAction, StepStatus};
use madoguchi::ledgers::SegmentSpec;
use madoguchi::requests::{RequestError, StepMark};
use serde_json::{json, Map, Value};

use crate::db::backends;
use crate::helpers::{jst, Desk};
use crate::support::{approved, count, operator, request_desk, submission};

#[tokio::test]
async fn ip_requests_allocate_from_the_ledger_on_every_backend() {
    for db in backends().await {
        let d = request_desk(Some(db.url.clone())).await;
        an_ip_request_takes_the_next_free_address_when_its_step_is_done(&d).await;
    }
}

fn ip_fields(segment: &str, host: &str) -> Map<String, Value> {
    json!({
        "network": "LGWAN接続系",
        "segment": segment,
        "host": host,
        "start_date": "2026-12-01",
        "purpose": "窓口のプリンタ",
    })
    .as_object()
    .unwrap()
    .clone()
}

/// Submits, approves and starts an IP request; returns its id.
async fn started(d: &Desk, segment: &str, host: &str) -> i64 {
    let id = approved(d, submission("ip-address", ip_fields(segment, host))).await;
    d.helpdesk
        .requests()
        .act(id, operator(), RequestAction::Start, None, None, None)
        .await
        .unwrap();
    id
}

fn done() -> StepMark {
    StepMark {
        position: 1,
        status: StepStatus::Done,
        note: None,
    }
}

async fn an_ip_request_takes_the_next_free_address_when_its_step_is_done(d: &Desk) {
    // A /30 with its gateway: one host address is left to hand out (.2).
    let spec = SegmentSpec {
        network: "lgwan".into(),
        cidr: "10.20.30.0/30".into(),
        name: "本庁舎3階".into(),
        gateway: Some("10.20.30.1".into()),
        ..SegmentSpec::default()
    };
    d.helpdesk
        .ledgers()
        .create_segment(&spec, "admin")
        .await
        .unwrap();
    let requests = d.helpdesk.requests();

    let id = started(d, "本庁舎3階", "prn-shimin-01").await;
    // 08:45 in Japan is still the day before in UTC: the ledger dates it in Japan.
    d.clock.set(jst("2026-11-27 08:45"));
    requests
        .mark_step(id, "yamada", &done(), None)
        .await
        .unwrap();
    let view = requests.view(id, "yamada").await.unwrap();
    assert_eq!(view.steps[0].status, StepStatus::Done);
    assert_eq!(
        view.steps[0].note.as_deref(),
        Some("払い出したアドレス: 10.20.30.2")
    );
    let held = d
        .helpdesk
        .ledgers()
        .address("10.20.30.2")
        .await
        .unwrap()
        .expect("the address is in the ledger");
    assert_eq!(held.state, AddressState::InUse);
    assert_eq!(held.host.as_deref(), Some("prn-shimin-01"));
    assert_eq!(held.requester, Some(format!("R-{id}")));
    assert_eq!(held.department.as_deref(), Some("ICT推進課"));
    assert_eq!(held.since, Some("2026-11-27".parse().unwrap()));

    // Done again: refused, no second address.
    let addresses = count(d, "ip_addresses").await;
    let again = requests.mark_step(id, "yamada", &done(), None).await;
    match again {
        Err(RequestError::Invalid(message)) => assert!(message.contains("すでに完了"), "{message}"),
        other => panic!("marked done twice: {other:?}"),
    }
    assert_eq!(count(d, "ip_addresses").await, addresses);

    // Marked 失敗 (the printer could not be set up), then 完了 again: the request still
    // holds its address, and it is the one (no second address is taken).
    let failed = StepMark {
        position: 1,
        status: StepStatus::Failed,
        note: Some("プリンタに設定できず".into()),
    };
    requests
        .mark_step(id, "yamada", &failed, None)
        .await
        .unwrap();
    requests
        .mark_step(id, "yamada", &done(), None)
        .await
        .unwrap();
    let view = requests.view(id, "yamada").await.unwrap();
    assert_eq!(view.steps[0].status, StepStatus::Done);
    assert_eq!(
        view.steps[0].note.as_deref(),
        Some("払い出したアドレス: 10.20.30.2")
    );
    assert_eq!(count(d, "ip_addresses").await, addresses);

    // The segment is now full, and another name is unknown: the step is refused, stays
    // 未着手, and neither the ledger nor the request changes.
    for (segment, why) in [
        ("本庁舎3階", "残っていません"),
        ("別館1階", "というセグメントはありません"),
    ] {
        let id = started(d, segment, "prn-shimin-02").await;
        let addresses = count(d, "ip_addresses").await;
        let history = count(d, "ledger_history").await;
        let before = requests.view(id, "yamada").await.unwrap();
        let refused = requests.mark_step(id, "yamada", &done(), None).await;
        match refused {
            Err(RequestError::Invalid(message)) => assert!(message.contains(why), "{message}"),
            other => panic!("{segment}: {other:?}"),
        }
        let after = requests.view(id, "yamada").await.unwrap();
        assert_eq!(after.steps[0].status, StepStatus::Pending);
        assert_eq!(after.request.version, before.request.version);
        assert_eq!(count(d, "ip_addresses").await, addresses);
        assert_eq!(count(d, "ledger_history").await, history);
    }
}
