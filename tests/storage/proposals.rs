//! Proposed alternative questions: pending once per entry and wording, decided once,
//! accepted into a new revision of the entry in the same transaction.

use chrono::Duration;
use madoguchi::domain::ProposalStatus;
use madoguchi::storage::{NewProposal, ProposalOutcome, StorageError, Store};

use crate::conversations::conversation;
use crate::db::{backends, story_time};
use crate::learning::{faq, ticket};

fn proposal(faq_id: &str, question: &str, ticket_id: Option<i64>) -> NewProposal {
    NewProposal {
        faq_id: faq_id.into(),
        question: question.into(),
        ticket_id,
        proposed_by: "yamada".into(),
    }
}

async fn alternatives(s: &Store, id: &str) -> Vec<String> {
    s.get_faq(id).await.unwrap().unwrap().alternatives
}

#[tokio::test]
async fn a_question_is_pending_once_per_entry_however_it_was_typed() {
    for db in backends().await {
        let s = &db.store;
        s.save_faq(&faq("vpn", "VPNにつながらない"), "seed")
            .await
            .unwrap();
        s.save_faq(&faq("mail", "メールが送れない"), "seed")
            .await
            .unwrap();
        let c = conversation(s, "a").await;
        let t = ticket(&db, &c, "ﾘﾓｰﾄ接続が切れる").await;
        let first = s
            .propose_alternative(&proposal("vpn", "ﾘﾓｰﾄ接続が切れる", Some(t)))
            .await
            .unwrap();
        assert!(first.is_some());
        // Full-width, with a space and a question mark: the same question, still pending.
        let again = proposal("vpn", "リモート 接続が切れる？", None);
        assert_eq!(s.propose_alternative(&again).await.unwrap(), None);
        // For another entry it is another proposal.
        let other = proposal("mail", "ﾘﾓｰﾄ接続が切れる", None);
        assert!(s.propose_alternative(&other).await.unwrap().is_some());

        let pending = s.pending_proposals(10).await.unwrap();
        let listed: Vec<(&str, &str, &str, Option<i64>)> = pending
            .iter()
            .map(|p| {
                (
                    p.faq_id.as_str(),
                    p.faq_title.as_str(),
                    p.question.as_str(),
                    p.ticket_id,
                )
            })
            .collect();
        assert_eq!(
            listed,
            [
                ("vpn", "VPNにつながらない", "ﾘﾓｰﾄ接続が切れる", Some(t)),
                ("mail", "メールが送れない", "ﾘﾓｰﾄ接続が切れる", None),
            ],
            "on {}",
            s.backend_name()
        );
        assert_eq!(pending[0].proposed_by, "yamada");
        assert_eq!(s.pending_proposals(1).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn a_proposal_for_no_entry_or_without_a_question_is_refused() {
    for db in backends().await {
        let s = &db.store;
        s.save_faq(&faq("vpn", "VPNにつながらない"), "seed")
            .await
            .unwrap();
        for bad in [
            proposal("no-such-entry", "VPNが切れる", None),
            proposal("vpn", "  ", None),
            proposal("vpn", "？", None),
        ] {
            let refused = s.propose_alternative(&bad).await;
            assert!(matches!(refused, Err(StorageError::Invalid(_))), "{bad:?}");
        }
        assert_eq!(s.pending_proposals(10).await.unwrap(), []);
    }
}

#[tokio::test]
async fn accepting_adds_the_question_as_a_new_revision_and_decides_only_once() {
    for db in backends().await {
        let s = &db.store;
        s.save_faq(&faq("vpn", "VPNにつながらない"), "seed")
            .await
            .unwrap();
        let id = s
            .propose_alternative(&proposal("vpn", "在宅で社内につながらない", None))
            .await
            .unwrap()
            .unwrap();
        let decided_at = story_time() + Duration::days(1);
        db.clock.set(decided_at);
        let ProposalOutcome::Decided { proposal, revision } =
            s.accept_proposal(id, "admin").await.unwrap()
        else {
            panic!("not decided on {}", s.backend_name());
        };
        assert_eq!(revision, Some(2));
        assert_eq!(proposal.status, ProposalStatus::Accepted);
        assert_eq!(proposal.decided_by.as_deref(), Some("admin"));
        assert_eq!(
            (proposal.decided_at, proposal.created_at),
            (Some(decided_at), story_time())
        );
        assert_eq!(alternatives(s, "vpn").await, ["在宅で社内につながらない"]);
        let revisions = s.faq_revisions("vpn").await.unwrap();
        assert_eq!(
            (
                revisions[0].revision,
                revisions[0].author.as_str(),
                revisions[0].created_at
            ),
            (2, "admin", decided_at)
        );
        assert_eq!(s.pending_proposals(10).await.unwrap(), []);

        // Decided is decided: neither a second accept nor a reject changes anything.
        for outcome in [
            s.accept_proposal(id, "admin2").await.unwrap(),
            s.reject_proposal(id, "admin2").await.unwrap(),
        ] {
            let ProposalOutcome::NotPending(p) = outcome else {
                panic!("decided twice on {}", s.backend_name());
            };
            assert_eq!(
                (p.status, p.decided_by.as_deref(), p.decided_at),
                (ProposalStatus::Accepted, Some("admin"), Some(decided_at))
            );
        }
        assert_eq!(s.faq_revisions("vpn").await.unwrap().len(), 2);
        assert_eq!(
            s.accept_proposal(id + 100, "admin").await.unwrap(),
            ProposalOutcome::NoSuchProposal
        );
    }
}

#[tokio::test]
async fn rejecting_leaves_the_entry_and_the_same_question_may_be_proposed_again() {
    for db in backends().await {
        let s = &db.store;
        s.save_faq(&faq("vpn", "VPNにつながらない"), "seed")
            .await
            .unwrap();
        let id = s
            .propose_alternative(&proposal("vpn", "ネットが遅い", None))
            .await
            .unwrap()
            .unwrap();
        let outcome = s.reject_proposal(id, "admin").await.unwrap();
        let ProposalOutcome::Decided {
            proposal: rejected,
            revision,
        } = outcome
        else {
            panic!("not decided on {}", s.backend_name());
        };
        assert_eq!(
            (rejected.status, revision),
            (ProposalStatus::Rejected, None)
        );
        assert_eq!(alternatives(s, "vpn").await, Vec::<String>::new());
        assert_eq!(s.faq_revisions("vpn").await.unwrap().len(), 1);
        // Only pending proposals are unique: a later ticket may propose it anew.
        let anew = s
            .propose_alternative(&proposal("vpn", "ネットが遅い", None))
            .await
            .unwrap();
        assert!(anew.is_some_and(|n| n != id));
        assert_eq!(
            s.proposal(id).await.unwrap().unwrap().status,
            ProposalStatus::Rejected
        );
    }
}

#[tokio::test]
async fn accepting_a_question_the_entry_already_has_adds_no_revision() {
    for db in backends().await {
        let s = &db.store;
        s.save_faq(&faq("vpn", "VPNにつながらない"), "seed")
            .await
            .unwrap();
        let id = s
            .propose_alternative(&proposal("vpn", "ＶＰＮにつながらない", None))
            .await
            .unwrap()
            .unwrap();
        let outcome = s.accept_proposal(id, "admin").await.unwrap();
        assert!(
            matches!(
                outcome,
                ProposalOutcome::Decided {
                    revision: Some(1),
                    ..
                }
            ),
            "{outcome:?}"
        );
        assert_eq!(alternatives(s, "vpn").await, Vec::<String>::new());
    }
}
