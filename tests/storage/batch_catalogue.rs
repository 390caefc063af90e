//! The job catalogue as revisions, on every backend: seeded once from the bundled files;
//! each change (add, change, retire, restore) one revision with who, when, why, its text
//! and SHA-256 and its audit row; a bad definition, a stale form or a clash with another
//! job refused with nothing changed; a run records the revision it was checked with and
//! is printed with it even after the job changed again.

use std::path::Path;
use std::sync::Arc;

use madoguchi::adapters::printer::SpoolFolderPrinter;
use madoguchi::batches::render::FormFont;
use madoguchi::batches::{sample, sha256_hex, Catalogue, CATALOGUE_DIR};
use madoguchi::clock::Clock;
use madoguchi::config::DEFAULT_FONT;
use madoguchi::domain::CatalogueChange;
use madoguchi::print_runs::revisions::{CatalogueEdit, CatalogueEditError, CatalogueRevisions};
use madoguchi::print_runs::sealed::FileKey;
use madoguchi::print_runs::PrintRuns;
use madoguchi::storage::audit::{self, AuditFilter};
use madoguchi::storage::{batch_job_revisions, Store};
use tempfile::TempDir;

use crate::db::backends;

const JOB: &str = "kouki-kettei";

fn bundled() -> Arc<Catalogue> {
    Arc::new(Catalogue::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(CATALOGUE_DIR)).unwrap())
}

fn text_of(job: &str) -> String {
    bundled().job(job).unwrap().source.clone()
}

/// The 決定通知書 with its address moved by a millimetre.
fn moved() -> String {
    text_of(JOB).replacen("x = 25.0, y = 45.0", "x = 26.0, y = 45.0", 1)
}

async fn audit_lines(store: &Store, job: &str) -> Vec<String> {
    let filter = AuditFilter {
        actor: None,
        object_kind: Some("batch_job".into()),
        object_id: Some(job.into()),
    };
    audit::page(&mut store.conn(), &filter, 0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.action)
        .collect()
}

#[tokio::test]
async fn jobs_are_changed_retired_and_restored_as_revisions_with_their_audit_rows() {
    for db in backends().await {
        let store = &db.store;
        let revisions = CatalogueRevisions::new(store.clone(), bundled());
        let current = revisions.current().await.unwrap();
        assert_eq!(current.jobs().len(), 10);
        assert_eq!(current.job(JOB).unwrap().revision, 1);
        // Another instance seeds nothing twice.
        let other = CatalogueRevisions::new(store.clone(), bundled());
        assert_eq!(other.current().await.unwrap().jobs().len(), 10);
        let rows = batch_job_revisions::current(&mut store.conn())
            .await
            .unwrap();
        assert_eq!(rows.len(), 10);
        assert!(rows
            .iter()
            .all(|r| r.revision == 1 && r.change == CatalogueChange::Seeded));

        let change = CatalogueEdit::Change {
            job: JOB.into(),
            base: 1,
            definition: moved(),
        };
        let saved = revisions
            .edit("kanri", &change, "国保課の依頼（宛名位置の修正）")
            .await
            .unwrap();
        assert_eq!(
            (saved.revision, saved.change),
            (2, CatalogueChange::Changed)
        );
        assert_eq!(saved.changed_by, "kanri");
        assert_eq!(saved.reason, "国保課の依頼（宛名位置の修正）");
        assert_eq!(saved.sha256, sha256_hex(moved().as_bytes()));
        assert_eq!(saved.changed_at, db.clock.now());
        // The other instance sees the change.
        let seen = other.current().await.unwrap();
        assert_eq!(seen.job(JOB).unwrap().revision, 2);
        assert_eq!(seen.job(JOB).unwrap().checksum, saved.sha256);
        assert_eq!(audit_lines(store, JOB).await, ["batch_job.changed"]);

        // The same form again is stale: nothing changes.
        let again = revisions.edit("kanri", &change, "二度押し").await;
        assert!(
            matches!(again, Err(CatalogueEditError::Stale(_))),
            "{again:?}"
        );

        let retire = CatalogueEdit::Retire {
            job: JOB.into(),
            base: 2,
        };
        revisions
            .edit("kanri", &retire, "市の依頼で廃止")
            .await
            .unwrap();
        let after = revisions.current().await.unwrap();
        assert!(after.job(JOB).is_none() && after.jobs().len() == 9);

        let restore = CatalogueEdit::Restore {
            job: JOB.into(),
            base: 3,
            revision: 1,
        };
        let restored = revisions.edit("kanri", &restore, "再開").await.unwrap();
        assert_eq!(
            (restored.revision, restored.change),
            (4, CatalogueChange::Restored)
        );
        assert_eq!(restored.definition, text_of(JOB));
        assert_eq!(
            revisions
                .current()
                .await
                .unwrap()
                .job(JOB)
                .unwrap()
                .revision,
            4
        );
        let history = revisions.history(JOB).await.unwrap();
        let numbers: Vec<i64> = history.iter().map(|r| r.revision).collect();
        assert_eq!(numbers, [4, 3, 2, 1]);
        assert_eq!(
            audit_lines(store, JOB).await,
            [
                "batch_job.restored",
                "batch_job.retired",
                "batch_job.changed"
            ]
        );

        // A new job: a copy of the 決定通知書 with its own id and code.
        let new = text_of(JOB)
            .replacen("id = \"kouki-kettei\"", "id = \"kouki-kettei-3\"", 1)
            .replacen("KKKETTEI", "KKKETTE3", 1);
        let add = CatalogueEdit::Add { definition: new };
        let added = revisions.edit("kanri", &add, "新帳票").await.unwrap();
        assert_eq!(
            (added.job_id.as_str(), added.revision),
            ("kouki-kettei-3", 1)
        );
        assert_eq!(revisions.current().await.unwrap().jobs().len(), 11);
    }
}

#[tokio::test]
async fn a_bad_definition_is_refused_with_the_parsers_reason_and_changes_nothing() {
    for db in backends().await {
        let store = &db.store;
        let revisions = CatalogueRevisions::new(store.clone(), bundled());
        revisions.current().await.unwrap();
        let before = batch_job_revisions::latest_id(&mut store.conn())
            .await
            .unwrap();
        let edit = |definition: String| CatalogueEdit::Change {
            job: JOB.into(),
            base: 1,
            definition,
        };
        // Broken TOML: the parser's line.
        let broken = moved().replacen("department = ", "department = = ", 1);
        let Err(CatalogueEditError::Refused(found)) =
            revisions.edit("kanri", &edit(broken), "修正").await
        else {
            panic!("broken TOML was stored");
        };
        let said = found.problems.join("\n");
        assert!(said.contains("line 4"), "{said}");
        // Parses, but does not check: a form field the detail has not.
        let unknown = moved().replacen("{address}", "{addresss}", 1);
        let refused = revisions.edit("kanri", &edit(unknown), "修正").await;
        assert!(
            matches!(refused, Err(CatalogueEditError::Refused(_))),
            "{refused:?}"
        );
        // Another job's code, another id, no reason, no change.
        let clash = text_of(JOB).replacen("KKKETTEI", "KKHENKOU", 1);
        let refused = revisions.edit("kanri", &edit(clash), "修正").await;
        let Err(CatalogueEditError::Refused(found)) = refused else {
            panic!("a clash was stored: {refused:?}");
        };
        assert!(found.problems.join(" ").contains("job code"), "{found:?}");
        let renamed = moved().replacen("id = \"kouki-kettei\"", "id = \"other\"", 1);
        let refused = revisions.edit("kanri", &edit(renamed), "修正").await;
        assert!(matches!(refused, Err(CatalogueEditError::OtherId { .. })));
        let refused = revisions.edit("kanri", &edit(moved()), " ").await;
        assert!(matches!(refused, Err(CatalogueEditError::NoReason)));
        let refused = revisions.edit("kanri", &edit(text_of(JOB)), "同じ").await;
        assert!(matches!(refused, Err(CatalogueEditError::Unchanged)));
        let add = CatalogueEdit::Add {
            definition: text_of(JOB),
        };
        let refused = revisions.edit("kanri", &add, "重複").await;
        assert!(matches!(refused, Err(CatalogueEditError::JobExists(_))));

        let after = batch_job_revisions::latest_id(&mut store.conn())
            .await
            .unwrap();
        assert_eq!(after, before, "nothing was stored");
        assert!(audit_lines(store, JOB).await.is_empty());
        assert_eq!(
            revisions
                .current()
                .await
                .unwrap()
                .job(JOB)
                .unwrap()
                .revision,
            1
        );
    }
}

#[tokio::test]
async fn a_run_records_its_revision_and_is_printed_with_it_after_a_change() {
    if !Path::new(DEFAULT_FONT).exists() {
        eprintln!(
            "catalogue run story skipped: {DEFAULT_FONT} is missing (fonts-ipaexfont-gothic)"
        );
        return;
    }
    for db in backends().await {
        let dir = TempDir::new().unwrap();
        let spool = dir.path().join("spool");
        std::fs::create_dir_all(&spool).unwrap();
        let font = FormFont::from_bytes(std::fs::read(DEFAULT_FONT).unwrap()).unwrap();
        let runs = PrintRuns::new(
            db.store.clone(),
            bundled(),
            font,
            Arc::new(SpoolFolderPrinter {
                dir: spool.clone(),
                prefix: "renzoku".into(),
            }),
            dir.path().join("runs"),
            Arc::new(FileKey::from_hex(&"5a".repeat(32)).unwrap()),
        )
        .unwrap();
        let change = CatalogueEdit::Change {
            job: JOB.into(),
            base: 1,
            definition: moved(),
        };
        runs.revisions()
            .edit("kanri", &change, "位置修正")
            .await
            .unwrap();
        let mut data = Vec::new();
        sample::write_sample(bundled().job(JOB).unwrap(), 5, 1, &mut data).unwrap();
        let run = runs.intake("yamada", JOB, "k.dat", &data).await.unwrap();
        assert_eq!(run.job_revision, 2);
        assert_eq!(run.definition_sha256, sha256_hex(moved().as_bytes()));

        // Changed back before printing: the approved run still prints as revision 2.
        let back = CatalogueEdit::Restore {
            job: JOB.into(),
            base: 2,
            revision: 1,
        };
        runs.revisions()
            .edit("kanri", &back, "元に戻す")
            .await
            .unwrap();
        runs.approve("kanri", run.id).await.unwrap();
        let printed = runs.print("yamada", run.id).await.unwrap();
        let expected = bundled()
            .job(JOB)
            .unwrap()
            .definition
            .selftest
            .expected_output_sha256
            .clone();
        assert_ne!(
            printed.output_sha256.as_deref(),
            Some(expected.as_str()),
            "revision 2's form (moved address), not revision 1's"
        );
    }
}
