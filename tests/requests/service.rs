//! The request service on every backend: a request from submission to 完了 with its
//! history, audit rows, work order and notices; a second approval step; two operators at
//! once; typed states in the database.

use madoguchi::domain::{OutboxStatus, RequestAction, RequestStatus, StepStatus};
use madoguchi::requests::{RequestError, StepMark};
use madoguchi::storage::{requests as records, sql};
use serde_json::json;

use crate::db::backends;
use crate::helpers::{jst, Desk};
use crate::support::{
    account_fields, admin, count, operator, request_desk, submission, ADMIN, ADMIN2,
};

#[tokio::test]
async fn requests_on_every_backend() {
    for db in backends().await {
        let d = request_desk(Some(db.url.clone())).await;
        assert_eq!(d.helpdesk.store().backend_name(), db.store.backend_name());
        a_request_runs_from_submission_to_done(&d).await;
        a_second_approval_step_needs_a_second_approver(&d).await;
        of_two_operators_acting_at_once_one_wins(&d).await;
        the_database_refuses_unknown_states(&d).await;
        a_ticket_becomes_one_request(&d).await;
    }
}

/// A ticket turned into a request twice (a second click, a second operator): the second
/// is refused naming the first, and nothing more is stored.
async fn a_ticket_becomes_one_request(d: &Desk) {
    let staff = d
        .helpdesk
        .store()
        .staff_member(madoguchi::storage::staff::StaffKey::EmployeeNo("10001"))
        .await
        .unwrap()
        .unwrap();
    let ticket = d
        .helpdesk
        .tickets()
        .open_inquiry(
            madoguchi::domain::Channel::Phone,
            &staff,
            "アカウントを作ってほしい",
            "yamada",
        )
        .await
        .unwrap();
    let from_ticket = || madoguchi::requests::Submission {
        ticket_id: Some(ticket),
        ..submission("ad-account-add", account_fields())
    };
    let requests = d.helpdesk.requests();
    let first = requests.submit(from_ticket()).await.unwrap();
    let before = count(d, "requests").await;
    let again = requests.submit(from_ticket()).await;
    let Err(RequestError::Invalid(reason)) = again else {
        panic!("{again:?}");
    };
    assert!(reason.contains(&format!("R-{}", first.id)), "{reason}");
    assert_eq!(count(d, "requests").await, before);
}

async fn a_request_runs_from_submission_to_done(d: &Desk) {
    let requests = d.helpdesk.requests();
    // The request comes from a LoGoチャット conversation: notices go back to it.
    let chat = d.logo("room-r1", "こんにちは").await;
    let mut s = submission("ad-account-add", account_fields());
    s.conversation_id = Some(chat.conversation.id);
    s.channel = madoguchi::domain::Channel::LogoChat;
    let row = requests.submit(s).await.unwrap();
    assert_eq!(row.status, RequestStatus::Submitted);
    assert_eq!(
        (row.requester_name.as_str(), row.department.as_str()),
        ("沼津 太郎", "ICT推進課")
    );
    // Thursday 10:00 plus three business days: Tuesday at closing time.
    assert_eq!(row.due_at, Some(jst("2026-12-01 17:15")));
    let id = row.id;
    let row = requests
        .act(
            id,
            admin(ADMIN),
            RequestAction::Approve,
            None,
            Some(row.version),
            None,
        )
        .await
        .unwrap();
    assert_eq!(row.status, RequestStatus::Approved);
    let row = requests
        .act(id, operator(), RequestAction::Start, None, None, None)
        .await
        .unwrap();
    assert_eq!(row.status, RequestStatus::InProgress);
    let done = StepMark {
        position: 1,
        status: StepStatus::Done,
        note: Some("スクリプト実行済み".into()),
    };
    requests.mark_step(id, "yamada", &done, None).await.unwrap();
    let failed_without_note = StepMark {
        position: 2,
        status: StepStatus::Failed,
        note: None,
    };
    let refused = requests
        .mark_step(id, "yamada", &failed_without_note, None)
        .await;
    assert!(
        matches!(refused, Err(RequestError::Invalid(_))),
        "{refused:?}"
    );
    let row = requests
        .act(id, operator(), RequestAction::Complete, None, None, None)
        .await
        .unwrap();
    assert_eq!(row.status, RequestStatus::Done);
    let view = requests.view(id, "yamada").await.unwrap();
    let actions: Vec<_> = view.events.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            RequestAction::Submit,
            RequestAction::Approve,
            RequestAction::Start,
            RequestAction::Complete
        ]
    );
    assert_eq!(view.steps.len(), 3);
    assert_eq!(view.steps[0].status, StepStatus::Done);
    assert_eq!(view.steps[0].note.as_deref(), Some("スクリプト実行済み"));
    assert_eq!(view.steps[0].done_at, Some(d.helpdesk.now()));
    assert_eq!(
        view.text_of("network"),
        Some("LGWAN接続系、インターネット接続系")
    );
    // Every change is audited, and the view too.
    let audited: Vec<String> = d
        .helpdesk
        .store()
        .audit_log(20)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.object_kind == "request" && a.object_id == id.to_string())
        .map(|a| a.action)
        .collect();
    for verb in [
        "request.submit",
        "request.approve",
        "request.start",
        "request.step",
        "request.complete",
        "request.view",
    ] {
        assert!(audited.iter().any(|a| a == verb), "{verb} in {audited:?}");
    }
    // The requester is told in LoGoチャット at every state: queued in the outbox for the room.
    let told: Vec<String> = d
        .helpdesk
        .store()
        .outbox(Some(OutboxStatus::Pending), 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.room == "room-r1")
        .map(|o| o.delivery().unwrap().text)
        .collect();
    let number = format!("R-{id}");
    for said in [
        "受け付けました",
        "承認されました",
        "作業を始めました",
        "作業が完了しました",
    ] {
        assert!(
            told.iter().any(|t| t.contains(said) && t.contains(&number)),
            "{said}: {told:?}"
        );
    }
    // The AD steps give a CSV and a script per network.
    let files = requests.artefacts(&view).await.unwrap();
    assert_eq!(files.len(), 3, "three AD steps (create, group, enable)");
    let names: Vec<&str> = files[0].1.iter().map(|a| a.file_name.as_str()).collect();
    assert_eq!(
        names,
        [
            format!("{number}-step1.csv"),
            format!("{number}-step1-lgwan.ps1"),
            format!("{number}-step1-internet.ps1")
        ]
    );
    assert!(files[0].1[1]
        .content
        .contains("New-ADUser -Name '沼津 花子'"));
    assert!(files[2].1[1]
        .content
        .contains("Enable-ADAccount -Identity $user"));
}

async fn a_second_approval_step_needs_a_second_approver(d: &Desk) {
    let requests = d.helpdesk.requests();
    let fields = json!({"department": "財政課", "size": "200GB", "reason": "台帳のスキャン"});
    let row = requests
        .submit(submission(
            "fileserver-quota",
            fields.as_object().unwrap().clone(),
        ))
        .await
        .unwrap();
    let first = requests
        .act(
            row.id,
            admin(ADMIN),
            RequestAction::Approve,
            None,
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(first.status, RequestStatus::AwaitingApproval);
    let again = requests
        .act(
            row.id,
            admin(ADMIN),
            RequestAction::Approve,
            None,
            None,
            None,
        )
        .await;
    assert!(
        matches!(again, Err(RequestError::NotAllowed(_))),
        "{again:?}"
    );
    let second = requests
        .act(
            row.id,
            admin(ADMIN2),
            RequestAction::Approve,
            None,
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(second.status, RequestStatus::Approved);
    assert_eq!(second.approvers(), [ADMIN, ADMIN2]);
}

async fn of_two_operators_acting_at_once_one_wins(d: &Desk) {
    let requests = d.helpdesk.requests();
    for with_version in [true, false] {
        let row = requests
            .submit(submission(
                "ad-account-add",
                crate::support::account_fields(),
            ))
            .await
            .unwrap();
        let version = with_version.then_some(row.version);
        let (a, b) = tokio::join!(
            requests.act(
                row.id,
                admin(ADMIN),
                RequestAction::Approve,
                None,
                version,
                None
            ),
            requests.act(
                row.id,
                admin(ADMIN2),
                RequestAction::Reject,
                Some("重複"),
                version,
                None
            ),
        );
        let wins = [a.is_ok(), b.is_ok()].iter().filter(|w| **w).count();
        assert_eq!(wins, 1, "{a:?} {b:?}");
        let loser = if a.is_ok() { b } else { a };
        assert!(
            matches!(
                loser,
                Err(RequestError::Conflict(_) | RequestError::NotAllowed(_))
            ),
            "{loser:?}"
        );
        let events = records::events(&mut d.helpdesk.store().conn(), row.id)
            .await
            .unwrap();
        assert_eq!(events.len(), 2, "the submission and the one decision");
    }
}

async fn the_database_refuses_unknown_states(d: &Desk) {
    let before = count(d, "requests").await;
    for statement in [
        "UPDATE requests SET status = 'open'",
        "UPDATE requests SET channel = 'fax'",
        "UPDATE request_steps SET status = 'skipped'",
    ] {
        let refused = sql(statement).execute(&mut d.helpdesk.store().conn()).await;
        assert!(refused.is_err(), "{statement}");
    }
    assert_eq!(count(d, "requests").await, before);
}
