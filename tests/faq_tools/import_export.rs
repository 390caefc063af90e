//! CSV and Markdown import and export through the helpdesk: checked whole, saved as
//! revisions by the person importing, answerable at once, audited.

use madoguchi::engine::Decision;
use madoguchi::helpdesk::Helpdesk;
use madoguchi::kb::csv::CsvImportError;
use madoguchi::kb::FaqEntry;
use madoguchi::knowledge::{ExportFormat, MaintenanceError};
use madoguchi::storage::ImportReport;

use crate::helpers::desk;

const QUESTION: &str = "庁舎屋上の気象観測用ドローン格納庫の鍵をなくしました";

/// A CSV as Excel on Japanese Windows saves it: Shift_JIS, CRLF, a list cell with
/// line breaks, CP932-only characters.
fn excel_csv(extra_rows: &str) -> Vec<u8> {
    let text = format!(
        "ID,タイトル,カテゴリ,キーワード,別の聞き方,関連FAQ,本文,公開\r\n\
         test-drone-hangar-key,{QUESTION},ヘルプデスク,\"ドローン\n格納庫\",\
         ドローン格納庫の鍵がない,,\"①総務課で予備の鍵を借ります～\n②鍵管理簿に記入します－\",公開\r\n\
         {extra_rows}"
    );
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!unmappable);
    bytes.into_owned()
}

#[tokio::test]
async fn a_shift_jis_csv_from_excel_is_answerable_at_once_and_saved_by_its_importer() {
    let d = desk().await;
    let h = &d.helpdesk;

    let report = h
        .knowledge()
        .import_faq_csv(&excel_csv(""), "yamada")
        .await
        .unwrap();

    assert_eq!((report.created, report.updated), (1, 0));
    let x = h.knowledge().explain(QUESTION);
    assert_eq!(
        (x.decision, x.candidates[0].id.as_str()),
        (Decision::Answer, "test-drone-hangar-key")
    );
    let history = h
        .knowledge()
        .faq_history("test-drone-hangar-key")
        .await
        .unwrap();
    assert_eq!(history[0].author, "yamada");
    assert_eq!(history[0].entry.keywords, ["ドローン", "格納庫"]);
    assert!(history[0].entry.body.starts_with("①総務課"));
    assert_eq!(d.audited("faq.import").await, 1);
}

#[tokio::test]
async fn a_csv_with_problems_names_every_line_and_imports_nothing() {
    let d = desk().await;
    let h = &d.helpdesk;
    let count = h.store().faq_count().await.unwrap();
    let bad = "account-password-forgot,,アカウント,,,,本文,公開\r\n\
               pc-new,新しい質問,パソコン,,,no-such-entry,,たぶん\r\n";

    let err = h
        .knowledge()
        .import_faq_csv(&excel_csv(bad), "yamada")
        .await
        .unwrap_err();

    assert!(err.is_user_error());
    let MaintenanceError::Csv(CsvImportError::Problems(problems)) = &err else {
        panic!("{err:?}")
    };
    let lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
    assert_eq!(lines, [5, 6, 6, 6], "{err}");
    assert_eq!(h.store().faq_count().await.unwrap(), count);
    assert!(h
        .knowledge()
        .faq_history("test-drone-hangar-key")
        .await
        .unwrap()
        .is_empty());
    assert_ne!(
        h.knowledge()
            .explain(QUESTION)
            .candidates
            .first()
            .map(|c| c.id.as_str()),
        Some("test-drone-hangar-key")
    );
    assert_eq!(d.audited("faq.import").await, 0);
}

/// Puts a character Shift_JIS cannot hold (𠮷, U+20BB7) into one entry's body, or takes it
/// out again, as an administrator would; returns how many entries changed.
async fn set_unencodable(h: &Helpdesk, id: &str, present: bool) -> usize {
    let mut entry = h.store().get_faq(id).await.unwrap().unwrap();
    let body = entry.body.replace("𠮷", "");
    entry.body = if present {
        format!("{body}\n\n𠮷")
    } else {
        body
    };
    let report = h
        .knowledge()
        .import_faq_entries(&[entry], "yamada", "test")
        .await
        .unwrap();
    report.updated
}

#[tokio::test]
async fn every_export_format_imports_back_without_a_new_revision() {
    let d = desk().await;
    let h = &d.helpdesk;
    let n = usize::try_from(h.store().faq_count().await.unwrap()).unwrap();
    for format in [
        ExportFormat::Markdown,
        ExportFormat::Csv,
        ExportFormat::CsvShiftJis,
    ] {
        let file = h.knowledge().export_faqs(format, "yamada").await.unwrap();
        assert_eq!(file.entries, n);
        assert!(file.file_name.starts_with("faq-"), "{}", file.file_name);
        let report = match format {
            ExportFormat::Markdown => {
                h.knowledge()
                    .import_faq_archive(&file.bytes, "yamada")
                    .await
            }
            _ => h.knowledge().import_faq_csv(&file.bytes, "yamada").await,
        }
        .unwrap_or_else(|e| panic!("{format:?}: {e}"));
        let unchanged = ImportReport {
            created: 0,
            updated: 0,
            unchanged: n,
        };
        assert_eq!(report, unchanged, "{format:?}");
    }
    assert_eq!(d.audited("faq.export").await, 3);
}

#[tokio::test]
async fn a_shift_jis_export_names_the_entry_and_column_it_cannot_write() {
    let d = desk().await;
    let h = &d.helpdesk;
    // The bundled knowledge base is all Shift_JIS-safe...
    assert!(h
        .knowledge()
        .export_faqs(ExportFormat::CsvShiftJis, "yamada")
        .await
        .is_ok());
    // ...until an entry holds a character CP932 lacks.
    assert_eq!(set_unencodable(h, "pc-browser-favorites", true).await, 1);
    let err = h
        .knowledge()
        .export_faqs(ExportFormat::CsvShiftJis, "yamada")
        .await
        .unwrap_err();
    assert!(err.is_user_error());
    let message = err.to_string();
    assert!(
        message.starts_with("entry pc-browser-favorites, column 本文: 「𠮷」 (U+20BB7)"),
        "{message}"
    );
    assert_eq!(set_unencodable(h, "pc-browser-favorites", false).await, 1);
    assert!(h
        .knowledge()
        .export_faqs(ExportFormat::CsvShiftJis, "yamada")
        .await
        .is_ok());

    let entry = FaqEntry {
        id: "test-kanji".into(),
        title: "𠮷野さんのアカウント".into(),
        category: "アカウント・ログイン".into(),
        keywords: vec![],
        alternatives: vec![],
        related: vec![],
        body: "本文".into(),
        published: true,
    };
    h.knowledge()
        .import_faq_entries(&[entry], "yamada", "test")
        .await
        .unwrap();
    let err = h
        .knowledge()
        .export_faqs(ExportFormat::CsvShiftJis, "yamada")
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.starts_with("entry test-kanji, column タイトル: 「𠮷」"),
        "{message}"
    );
    assert!(h
        .knowledge()
        .export_faqs(ExportFormat::Csv, "yamada")
        .await
        .is_ok());
}
