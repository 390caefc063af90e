//! A control character (U+0000 above all, which PostgreSQL cannot store) in FAQ content or
//! the synonym dictionary is the user's input to refuse, naming the field or line, on
//! both backends; nothing is stored. Tabs, and line ends in the body, are fine.

use madoguchi::kb::csv::CsvImportError;
use madoguchi::kb::FaqEntry;
use madoguchi::knowledge::MaintenanceError;

use crate::db::backends;
use crate::helpers::desk_on;

fn entry(id: &str) -> FaqEntry {
    FaqEntry {
        id: id.into(),
        title: "庁舎屋上の鍵をなくしました".into(),
        category: "ヘルプデスク".into(),
        keywords: vec!["鍵".into()],
        alternatives: vec![],
        related: vec![],
        body: "総務課で予備の鍵を借ります。".into(),
        published: true,
    }
}

#[tokio::test]
async fn a_control_character_in_imported_entries_is_refused_naming_the_field() {
    for db in backends().await {
        let d = desk_on(Some(db.url.clone())).await;
        let h = &d.helpdesk;
        let count = h.store().faq_count().await.unwrap();

        let csv = "ID,タイトル,キーワード,本文\r\n\
                   rooftop-key,庁舎屋上の鍵,鍵,総務課で\u{0}借ります。\r\n\
                   rooftop-door,屋上の扉\u{7},\"扉\n\u{1b}\",開けます。\r\n";
        let err = h
            .knowledge()
            .import_faq_csv(csv.as_bytes(), "yamada")
            .await
            .unwrap_err();
        assert!(err.is_user_error(), "{err:?}");
        let MaintenanceError::Csv(CsvImportError::Problems(problems)) = &err else {
            panic!("{err:?}")
        };
        let found: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            found,
            [
                "2行目（ID rooftop-key）「本文」: 制御文字（U+0000）は使えません。",
                "3行目（ID rooftop-door）「タイトル」: 制御文字（U+0007）は使えません。",
                "3行目（ID rooftop-door）「キーワード」: 制御文字（U+001B）は使えません。",
            ]
        );

        let mut nul = entry("rooftop-key");
        nul.alternatives = vec!["鍵が\u{0}ない".into()];
        let err = h
            .knowledge()
            .import_faq_entries(&[nul.clone()], "yamada", "test")
            .await
            .unwrap_err();
        assert!(err.is_user_error(), "{err:?}");
        assert!(
            err.to_string()
                .contains("ID rooftop-key の別の聞き方に制御文字（U+0000）"),
            "{err}"
        );

        let tar = madoguchi::kb::export::to_tar(&[nul], 0);
        let err = h
            .knowledge()
            .import_faq_archive(&tar, "yamada")
            .await
            .unwrap_err();
        assert!(err.is_user_error(), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains("rooftop-key.md") && text.contains("別の聞き方"),
            "{text}"
        );

        assert_eq!(h.store().faq_count().await.unwrap(), count);
        assert!(h.knowledge().entry("rooftop-key").await.unwrap().is_none());
        assert_eq!(d.audited("faq.import").await, 0);

        // Tabs anywhere, and line ends in the body, are kept.
        let mut fine = entry("rooftop-key");
        fine.title = "庁舎屋上の\t鍵".into();
        fine.body = "1. 総務課へ\r\n2.\t予備の鍵を借ります。".into();
        h.knowledge()
            .import_faq_entries(&[fine.clone()], "yamada", "test")
            .await
            .unwrap();
        assert_eq!(
            h.knowledge().entry("rooftop-key").await.unwrap(),
            Some(fine)
        );
    }
}

#[tokio::test]
async fn a_control_character_in_the_synonym_dictionary_names_its_line_and_saves_nothing() {
    for db in backends().await {
        let d = desk_on(Some(db.url.clone())).await;
        let h = &d.helpdesk;
        let text = "# 辞書\r\nファイルサーバ, ぬまっち\u{0}ボックス\r\n\tメール,\tmail\r\n";
        let err = h
            .knowledge()
            .update_synonyms(text, "yamada", None)
            .await
            .unwrap_err();
        assert!(err.is_user_error(), "{err:?}");
        let MaintenanceError::Synonyms(invalid) = &err else {
            panic!("{err:?}")
        };
        let lines: Vec<(usize, &str)> = invalid
            .0
            .iter()
            .map(|e| (e.line, e.reason.as_str()))
            .collect();
        assert_eq!(lines, [(2, "制御文字（U+0000）は使えません。")]);
        assert!(h.store().synonyms().await.unwrap().is_none());
        assert_eq!(d.audited("synonyms.update").await, 0);

        let fine = text.replace('\u{0}', "");
        h.knowledge()
            .update_synonyms(&fine, "yamada", None)
            .await
            .unwrap();
    }
}
