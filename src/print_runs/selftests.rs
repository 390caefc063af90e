//! The selftest of every job (5(3)ア④) with its results stored, whoever runs it: the
//! monthly duty, an admin in the console, or `madoguchi batch selftest`. The console's
//! "last checked" reads what is stored here.

use std::sync::Arc;

use super::RunError;
use crate::batches::render::FormFont;
use crate::batches::selftest::{selftest_all, SelfTestResult};
use crate::batches::Catalogue;
use crate::storage::batch_duties::{self, NewSelfTest};
use crate::storage::{audit, AuditEntry, Store, Tx};

/// Every job of `catalogue` on its sample, off the async runtime.
pub(super) async fn selftest_in_background(
    catalogue: Arc<Catalogue>,
    font: FormFont,
) -> Result<Vec<SelfTestResult>, RunError> {
    tokio::task::spawn_blocking(move || selftest_all(&catalogue, &font))
        .await
        .map_err(|e| RunError::Io(std::io::Error::other(e.to_string())))
}

/// Stores each job's result in `tx`, with one audit row for the whole check.
pub(super) async fn store_selftest(
    tx: &mut Tx,
    actor: &str,
    catalogue: &Catalogue,
    results: &[SelfTestResult],
) -> Result<(), RunError> {
    for result in results {
        let Some(job) = catalogue.job(&result.job) else {
            continue;
        };
        let notes = result.notes.join("\n");
        let row = NewSelfTest {
            job_id: &result.job,
            definition_sha256: &job.checksum,
            form_sha256: &job.form_checksum,
            passed: result.passed,
            notes: &notes,
            checked_by: actor,
        };
        batch_duties::insert_selftest(tx, &row).await?;
    }
    let failed = results.iter().filter(|r| !r.passed).count();
    let detail = format!("{} jobs, {failed} failed", results.len());
    audit::append(
        tx,
        &AuditEntry::new(actor, "batch.selftest", "batch_catalogue", "all").detail(detail),
    )
    .await?;
    Ok(())
}

/// Runs the selftest of `catalogue` (the one in force in `store`) and stores the results
/// as `actor`, in one transaction. No file key or printer is needed: the command line
/// runs it.
pub async fn selftest_and_store(
    store: &Store,
    catalogue: Arc<Catalogue>,
    font: FormFont,
    actor: &str,
) -> Result<Vec<SelfTestResult>, RunError> {
    let results = selftest_in_background(catalogue.clone(), font).await?;
    let mut tx = store.begin().await?;
    store_selftest(&mut tx, actor, &catalogue, &results).await?;
    tx.commit().await?;
    Ok(results)
}
