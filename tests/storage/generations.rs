//! The knowledge base's generation: every instance polls it and rebuilds its index when
//! it moves, so it moves with every change to the FAQ entries or the synonyms (in the
//! change's own transaction), and only then.

use madoguchi::kb::FaqEntry;
use madoguchi::storage::generations::{self, KNOWLEDGE_BASE};
use madoguchi::storage::{faqs, NewProposal, ProposalOutcome, Store};

use crate::db::backends;
use crate::learning::faq;

async fn generation(s: &Store) -> i64 {
    generations::get(&mut s.conn(), KNOWLEDGE_BASE)
        .await
        .unwrap()
}

fn edited(mut entry: FaqEntry, body: &str) -> FaqEntry {
    entry.body = body.into();
    entry
}

#[tokio::test]
async fn the_knowledge_base_generation_moves_with_every_change_and_only_then() {
    for db in backends().await {
        let s = &db.store;
        let backend = s.backend_name();
        let vpn = faq("vpn", "VPNにつながらない");
        let mail = faq("mail", "メールが送れない");
        let printer = faq("printer", "印刷できない");
        let mut seen = generation(s).await;
        // Checks the generation against the last one seen: moved or not.
        let mut check = |now: i64, moved: bool, what: &str| {
            if moved {
                assert!(
                    now > seen,
                    "{what} did not move the generation on {backend}"
                );
            } else {
                assert_eq!(now, seen, "{what} moved the generation on {backend}");
            }
            seen = now;
            now
        };

        s.save_faq(&vpn, "seed").await.unwrap();
        check(generation(s).await, true, "a new entry");
        s.save_faq(&vpn, "tanaka").await.unwrap();
        check(generation(s).await, false, "saving an entry unchanged");
        s.save_faq(&edited(vpn.clone(), "手順B"), "tanaka")
            .await
            .unwrap();
        check(generation(s).await, true, "an edited entry");

        // An import moves it (once, or once per saved entry), unless it changes nothing.
        let batch = [edited(vpn.clone(), "手順B"), mail.clone(), printer.clone()];
        let before = generation(s).await;
        s.import_faqs(&batch, "seed").await.unwrap();
        let after = check(generation(s).await, true, "an import of two new entries");
        assert!(
            after - before <= 2,
            "{before} → {after} for two saved entries"
        );
        s.import_faqs(&batch, "seed").await.unwrap();
        check(generation(s).await, false, "an import of unchanged entries");
        // A refused import writes nothing, its generation included.
        let refused = [
            edited(mail.clone(), "新しい手順"),
            edited(printer.clone(), " "),
        ];
        assert!(s.import_faqs(&refused, "seed").await.is_err());
        check(generation(s).await, false, "a refused import");

        // Restoring: the current revision changes nothing; an older one does.
        s.restore_faq_revision("vpn", 2, "suzuki").await.unwrap();
        check(generation(s).await, false, "restoring the current revision");
        s.restore_faq_revision("vpn", 1, "suzuki").await.unwrap();
        check(generation(s).await, true, "restoring revision 1");

        // Accepting a proposal saves its entry.
        let proposal = NewProposal {
            faq_id: "vpn".into(),
            question: "在宅で社内につながらない".into(),
            ticket_id: None,
            proposed_by: "yamada".into(),
        };
        let id = s.propose_alternative(&proposal).await.unwrap().unwrap();
        check(generation(s).await, false, "a proposal");
        let accepted = s.accept_proposal(id, "admin").await.unwrap();
        assert!(
            matches!(accepted, ProposalOutcome::Decided { .. }),
            "{accepted:?}"
        );
        check(generation(s).await, true, "an accepted proposal");

        s.save_synonyms("パスワード, pw\n", "yamada").await.unwrap();
        check(generation(s).await, true, "a synonym dictionary");
        s.save_synonyms("パスワード, pw, パス\n", "yamada")
            .await
            .unwrap();
        check(generation(s).await, true, "another synonym dictionary");

        // The generation is part of the change's transaction: rolled back with it.
        let mut tx = s.begin().await.unwrap();
        faqs::save(&mut tx, &edited(mail.clone(), "ロールバック"), "tanaka")
            .await
            .unwrap();
        drop(tx);
        let last = check(generation(s).await, false, "a save that was rolled back");

        // Another instance on the same database sees the same generation.
        assert_eq!(generation(&db.reopen().await).await, last);
    }
}
