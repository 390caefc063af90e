//! Every import path (CSV, a tar archive, a folder, entries already read) refuses what the
//! console's editor refuses: a new entry under an id the console uses as a page name, and
//! 関連FAQ naming no entry. A refused file imports nothing.

use madoguchi::kb::csv::CsvImportError;
use madoguchi::kb::export::to_tar;
use madoguchi::kb::FaqEntry;
use madoguchi::knowledge::MaintenanceError;

use crate::helpers::{desk, Desk};

fn entry(id: &str) -> FaqEntry {
    FaqEntry {
        id: id.into(),
        title: "庁舎屋上の鍵をなくしました".into(),
        category: "ヘルプデスク".into(),
        keywords: vec![],
        alternatives: vec![],
        related: vec![],
        body: "総務課で予備の鍵を借ります。".into(),
        published: true,
    }
}

/// A good entry relating to another one of the same batch, and two the console refuses.
fn batch() -> Vec<FaqEntry> {
    let mut good = entry("rooftop-key");
    good.related = vec!["rooftop-key-spare".into()];
    let mut related_missing = entry("rooftop-key-spare");
    related_missing.related = vec!["nothing-here".into()];
    vec![entry("export"), good, related_missing]
}

async fn nothing_imported(d: &Desk, count: i64) {
    let h = &d.helpdesk;
    assert_eq!(h.store().faq_count().await.unwrap(), count);
    for id in ["export", "rooftop-key", "rooftop-key-spare"] {
        assert!(h.knowledge().entry(id).await.unwrap().is_none(), "{id}");
    }
    assert_eq!(d.audited("faq.import").await, 0);
}

#[track_caller]
fn assert_refused(err: &MaintenanceError, files: bool) {
    assert!(err.is_user_error(), "{err:?}");
    let MaintenanceError::Refused(problems) = err else {
        panic!("{err:?}")
    };
    let found: Vec<(Option<&str>, &str, &str, &str)> = problems
        .iter()
        .map(|p| {
            (
                p.file.as_deref(),
                p.id.as_str(),
                p.column,
                p.reason.as_str(),
            )
        })
        .collect();
    let file = |name: &str| files.then(|| name.to_owned());
    let expected = [
        (
            file("export.md"),
            "export",
            "ID",
            "「export」はIDに使えません。",
        ),
        (
            file("rooftop-key-spare.md"),
            "rooftop-key-spare",
            "関連FAQ",
            "関連FAQ「nothing-here」という項目はありません。",
        ),
    ];
    assert_eq!(found.len(), expected.len(), "{err}");
    for (found, (file, id, column, reason)) in found.iter().zip(&expected) {
        match file {
            Some(name) => assert!(found.0.is_some_and(|f| f.ends_with(name.as_str())), "{err}"),
            None => assert_eq!(found.0, None, "{err}"),
        }
        assert_eq!(
            (found.1, found.2, found.3),
            (*id, *column, *reason),
            "{err}"
        );
    }
}

#[tokio::test]
async fn a_tar_archive_with_a_reserved_id_or_an_unknown_related_id_imports_nothing() {
    let d = desk().await;
    let count = d.helpdesk.store().faq_count().await.unwrap();
    let err = d
        .helpdesk
        .knowledge()
        .import_faq_archive(&to_tar(&batch(), 0), "yamada")
        .await
        .unwrap_err();
    assert_refused(&err, true);
    assert!(
        err.to_string().contains("knowledge-base/export/export.md"),
        "{err}"
    );
    nothing_imported(&d, count).await;
}

#[tokio::test]
async fn a_folder_with_a_reserved_id_or_an_unknown_related_id_imports_nothing() {
    let d = desk().await;
    let count = d.helpdesk.store().faq_count().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    madoguchi::kb::files::write_dir(&batch(), dir.path()).unwrap();
    let err = d
        .helpdesk
        .knowledge()
        .import_faq_folder(dir.path(), "yamada")
        .await
        .unwrap_err();
    assert_refused(&err, true);
    nothing_imported(&d, count).await;
}

#[tokio::test]
async fn entries_already_read_are_checked_like_a_file() {
    let d = desk().await;
    let count = d.helpdesk.store().faq_count().await.unwrap();
    let err = d
        .helpdesk
        .knowledge()
        .import_faq_entries(&batch(), "yamada", "test")
        .await
        .unwrap_err();
    assert_refused(&err, false);
    nothing_imported(&d, count).await;
}

#[tokio::test]
async fn a_csv_with_a_reserved_id_names_its_line_and_imports_nothing() {
    let d = desk().await;
    let count = d.helpdesk.store().faq_count().await.unwrap();
    let csv = "ID,タイトル,本文,関連FAQ\r\n\
               rooftop-key,鍵をなくしました,総務課で借ります。,\r\n\
               new,別の質問です,答えです。,rooftop-key\r\n\
               import,もう一つの質問です,答えです。,new\r\n";
    let err = d
        .helpdesk
        .knowledge()
        .import_faq_csv(csv.as_bytes(), "yamada")
        .await
        .unwrap_err();
    let MaintenanceError::Csv(CsvImportError::Problems(problems)) = &err else {
        panic!("{err:?}")
    };
    let found: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        found,
        [
            "3行目（ID new）「ID」: 「new」はIDに使えません。",
            "4行目（ID import）「ID」: 「import」はIDに使えません。",
        ]
    );
    nothing_imported(&d, count).await;
    assert!(d.helpdesk.knowledge().entry("new").await.unwrap().is_none());
}

#[tokio::test]
async fn related_ids_may_name_stored_entries_and_entries_of_the_same_batch() {
    let d = desk().await;
    let mut good = batch();
    good.remove(0);
    good[1].related = vec!["account-password-forgot".into()];
    let report = d
        .helpdesk
        .knowledge()
        .import_faq_archive(&to_tar(&good, 0), "yamada")
        .await
        .unwrap();
    assert_eq!(report.created, 2);
    assert_eq!(d.audited("faq.import").await, 1);
}
