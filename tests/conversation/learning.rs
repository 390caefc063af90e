//! The learning loop end to end: a question the bot cannot answer escalates, the operator
//! resolves the ticket naming the FAQ entry, an admin accepts the proposed alternative
//! question, and the bot answers the same question by itself from then on.

use madoguchi::domain::ProposalStatus;
use madoguchi::engine::Decision;
use madoguchi::learning::ProposalError;
use madoguchi::tickets::OperatorAction;

use crate::helpers::{desk, said, ticket_in, Desk};

/// Nothing in the knowledge base says it this way: the engine finds nothing today.
pub const QUESTION: &str = "朝来たらパソコンがウンともスンとも言わない";
/// The same, typed with half-width katakana.
pub const HALF_WIDTH: &str = "朝来たらﾊﾟｿｺﾝがｳﾝともｽﾝとも言わない";
/// The entry an operator would answer it with: パソコンの電源が入りません.
const ENTRY: &str = "pc-wont-start";

/// Asks `question` over LoGo in `room`, asks for a person, and returns the ticket number.
async fn escalate(d: &Desk, room: &str, question: &str) -> i64 {
    let first = d.logo(room, question).await;
    assert_eq!(first.replies[0].faq_id, None, "{}", said(&first));
    let done = d.logo(room, "はい").await;
    ticket_in(&said(&done))
}

async fn resolve(d: &Desk, ticket: i64, faq_id: Option<&str>) {
    let resolve = OperatorAction::Resolve {
        faq_id: faq_id.map(Into::into),
    };
    d.helpdesk
        .tickets()
        .act(ticket, "山田", resolve)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_question_that_escalated_is_answered_by_itself_once_its_proposal_is_accepted() {
    let d = desk().await;
    let engine = &d.helpdesk.knowledge().engine();
    for text in [QUESTION, HALF_WIDTH] {
        assert_eq!(engine.ask(text).decision, Decision::Escalate, "{text}");
    }

    // Today: no answer, a ticket; the operator answers and links the entry.
    let ticket = escalate(&d, "room-1", QUESTION).await;
    let reply = OperatorAction::Reply("電源ボタンを10秒長押ししてください。".into());
    d.helpdesk
        .tickets()
        .act(ticket, "山田", reply)
        .await
        .unwrap();
    resolve(&d, ticket, Some(ENTRY)).await;

    let pending = d.helpdesk.learning().pending_proposals().await.unwrap();
    assert_eq!(pending.len(), 1);
    let proposal = &pending[0];
    assert_eq!(
        (proposal.faq_id.as_str(), proposal.faq_title.as_str()),
        (ENTRY, "パソコンの電源が入りません")
    );
    assert_eq!(
        (proposal.question.as_str(), proposal.ticket_id),
        (QUESTION, Some(ticket))
    );
    assert_eq!(proposal.proposed_by, "山田");

    // Not answerable before the admin accepts: a proposal is only a proposal.
    assert_eq!(engine.ask(QUESTION).decision, Decision::Escalate);
    let accepted = d
        .helpdesk
        .learning()
        .accept_proposal(proposal.id, "admin")
        .await
        .unwrap();
    assert_eq!(accepted.revision, 2);
    let revisions = d.helpdesk.store().faq_revisions(ENTRY).await.unwrap();
    assert_eq!(revisions[0].author, "admin");
    assert!(revisions[0]
        .entry
        .alternatives
        .contains(&QUESTION.to_owned()));
    let audit = d.helpdesk.store().audit_log(5).await.unwrap();
    assert_eq!(
        (audit[0].actor.as_str(), audit[0].action.as_str()),
        ("admin", "faq.proposal.accept")
    );
    assert_eq!(audit[0].object_id, ENTRY);

    // From now on the bot answers by itself, however the question is typed.
    for (room, text) in [("room-1", QUESTION), ("room-2", HALF_WIDTH)] {
        let answered = d.logo(room, text).await;
        assert_eq!(
            answered.replies[0].faq_id.as_deref(),
            Some(ENTRY),
            "{text}: {}",
            said(&answered)
        );
    }
    assert!(d
        .helpdesk
        .learning()
        .pending_proposals()
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_question_is_proposed_once_and_not_when_the_entry_already_has_it() {
    let d = desk().await;
    let first = escalate(&d, "room-1", QUESTION).await;
    resolve(&d, first, Some(ENTRY)).await;
    // The same question, half-width, from someone else: already pending.
    let second = escalate(&d, "room-2", HALF_WIDTH).await;
    resolve(&d, second, Some(ENTRY)).await;
    assert_eq!(
        d.helpdesk
            .learning()
            .pending_proposals()
            .await
            .unwrap()
            .len(),
        1
    );

    // A ticket asking what an alternative question already says proposes nothing.
    let known = d
        .helpdesk
        .knowledge()
        .engine()
        .entry(ENTRY)
        .unwrap()
        .alternatives[0]
        .clone();
    let opened = d.logo("room-3", &format!("{known}！")).await;
    assert!(opened.replies[0].faq_id.is_some(), "{}", said(&opened));
    let done = d.logo("room-3", "担当者").await;
    resolve(&d, ticket_in(&said(&done)), Some(ENTRY)).await;
    assert_eq!(
        d.helpdesk
            .learning()
            .pending_proposals()
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn resolving_without_an_entry_or_a_question_proposes_nothing() {
    let d = desk().await;
    let unlinked = escalate(&d, "room-1", QUESTION).await;
    resolve(&d, unlinked, None).await;
    // A ticket opened with 「担当者」 alone has no question to learn.
    let bare = d.logo("room-2", "担当者").await;
    resolve(&d, ticket_in(&said(&bare)), Some(ENTRY)).await;
    assert!(d
        .helpdesk
        .learning()
        .pending_proposals()
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_decided_proposal_cannot_be_decided_again() {
    let d = desk().await;
    let ticket = escalate(&d, "room-1", QUESTION).await;
    resolve(&d, ticket, Some(ENTRY)).await;
    let id = d.helpdesk.learning().pending_proposals().await.unwrap()[0].id;
    let rejected = d
        .helpdesk
        .learning()
        .reject_proposal(id, "admin")
        .await
        .unwrap();
    assert_eq!(rejected.status, ProposalStatus::Rejected);
    let audit = d.helpdesk.store().audit_log(1).await.unwrap();
    assert_eq!(audit[0].action, "faq.proposal.reject");

    let again = d
        .helpdesk
        .learning()
        .accept_proposal(id, "admin")
        .await
        .unwrap_err();
    assert!(
        matches!(&again, ProposalError::NotPending { status, .. } if *status == ProposalStatus::Rejected),
        "{again:?}"
    );
    assert_eq!(again.to_string(), format!("提案 {id} は既に却下済みです。"));
    let missing = d
        .helpdesk
        .learning()
        .reject_proposal(id + 1, "admin")
        .await
        .unwrap_err();
    assert!(matches!(missing, ProposalError::NoSuchProposal(n) if n == id + 1));
    // Nothing changed: one revision, no new audit line, the bot still does not know it.
    assert_eq!(
        d.helpdesk.store().faq_revisions(ENTRY).await.unwrap().len(),
        1
    );
    assert_eq!(d.helpdesk.store().audit_log(1).await.unwrap(), audit);
    assert_eq!(
        d.helpdesk.knowledge().engine().ask(QUESTION).decision,
        Decision::Escalate
    );
}
