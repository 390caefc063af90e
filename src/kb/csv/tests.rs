use std::collections::HashSet;

use super::*;

fn entry(id: &str, title: &str, body: &str) -> FaqEntry {
    FaqEntry {
        id: id.to_owned(),
        title: title.to_owned(),
        category: "アカウント・ログイン".to_owned(),
        keywords: vec!["パスワード".to_owned(), "①初期化".to_owned()],
        alternatives: vec!["ﾊﾟｽﾜｰﾄﾞ忘れた".to_owned(), "pw わすれた～".to_owned()],
        related: vec![],
        body: body.to_owned(),
        published: true,
    }
}

/// Japanese text with what CP932 has and plain Shift_JIS lacks (①, ～, －, ㈱), list
/// cells, a Markdown list Excel would take for a formula, quotes, commas and newlines.
fn sample() -> Vec<FaqEntry> {
    let mut second = entry(
        "mail-attachment-size",
        "メールに添付できる大きさは？",
        "- １０ＭＢまで（㈱等の外部宛は５ＭＢ）\n- 大きいものは\"ファイル転送\"で、\n\n以上です－",
    );
    second.keywords = vec!["=添付".to_owned(), "容量, 上限".to_owned()];
    second.related = vec!["account-password-forgot".to_owned()];
    second.published = false;
    vec![
        entry(
            "account-password-forgot",
            "パスワードを忘れました",
            "1. ヘルプデスク（内線1234）へ連絡してください。\n2. 本人確認のうえ再発行します～",
        ),
        second,
    ]
}

fn read(bytes: &[u8]) -> Result<CsvFaqs, CsvImportError> {
    read_csv(bytes, &HashSet::new())
}

fn problems(text: &str) -> Vec<String> {
    match read(text.as_bytes()) {
        Err(CsvImportError::Problems(p)) => p.iter().map(ToString::to_string).collect(),
        other => panic!("expected problems, got {other:?}"),
    }
}

#[test]
fn entries_round_trip_through_utf8_with_bom_and_through_shift_jis() {
    for encoding in [SpreadsheetEncoding::Utf8, SpreadsheetEncoding::ShiftJis] {
        let bytes = write_csv(&sample(), encoding).unwrap();
        assert_eq!(
            bytes.starts_with(b"\xEF\xBB\xBF"),
            encoding == SpreadsheetEncoding::Utf8
        );
        let read = read(&bytes).unwrap();
        assert_eq!(read.encoding, encoding);
        assert_eq!(read.entries, sample(), "{encoding:?}");
    }
}

#[test]
fn jis_forms_come_back_as_stored_when_the_text_is_otherwise_unchanged() {
    let mut stored = sample();
    stored[0].body = "受付は8:30〜17:15です。".to_owned();
    stored[0].keywords[0] = "−".to_owned();
    let bytes = write_csv(&stored, SpreadsheetEncoding::ShiftJis).unwrap();
    let mut read = read(&bytes).unwrap().entries;
    assert_eq!(read[0].body, "受付は8:30～17:15です。");
    let mut edited = read[0].clone();
    edited.body = "受付は9:00～17:15です。".to_owned();
    keep_stored_forms(&mut read[0], &stored[0]);
    keep_stored_forms(&mut edited, &stored[0]);
    assert_eq!(read[0], stored[0]);
    assert_eq!(
        edited.body, "受付は9:00～17:15です。",
        "an edited text keeps its edit"
    );
}

#[test]
fn the_file_has_a_japanese_header_crlf_rows_and_cells_marked_as_text() {
    let bytes = write_csv(&sample(), SpreadsheetEncoding::Utf8).unwrap();
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(
        text.starts_with("ID,タイトル,カテゴリ,キーワード,別の聞き方,関連FAQ,本文,公開\r\n"),
        "{text}"
    );
    assert!(text.contains("\"'=添付\n容量, 上限\""), "{text}");
    assert!(text.contains("\"'- １０ＭＢ"), "{text}");
    assert!(text.contains(",非公開\r\n"), "{text}");
}

#[test]
fn a_character_shift_jis_cannot_hold_names_the_entry_and_column() {
    let mut entries = sample();
    entries[1].alternatives.push("𠮷野家の近く🙏".to_owned());
    let err = write_csv(&entries, SpreadsheetEncoding::ShiftJis).unwrap_err();
    assert_eq!(err.id, "mail-attachment-size");
    assert_eq!(err.column, "別の聞き方");
    assert_eq!(err.source.character, '𠮷');
    let message = err.to_string();
    assert!(message.contains("mail-attachment-size") && message.contains("別の聞き方"));
    assert!(write_csv(&entries, SpreadsheetEncoding::Utf8).is_ok());
}

#[test]
fn english_headers_in_another_order_and_excel_leftovers_are_accepted() {
    let csv = "\u{feff}Body,ID,Title,Published,Keywords\r\n\
               再起動してください。,pc-slow,パソコンが遅い,FALSE,\"遅い\r\n重い\r\n\"\r\n\
               ,,,,\r\n";
    let read = read(csv.as_bytes()).unwrap();
    assert_eq!(read.entries.len(), 1);
    let e = &read.entries[0];
    assert_eq!((e.id.as_str(), e.published), ("pc-slow", false));
    assert_eq!(e.keywords, ["遅い", "重い"]);
    assert_eq!(e.category, "");
}

#[test]
fn shift_jis_written_by_excel_is_detected() {
    let csv = "ID,タイトル,本文\r\nprinter-jam,紙詰まり①,電源を切る～\r\n";
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(csv);
    let read = read(&bytes).unwrap();
    assert_eq!(read.encoding, SpreadsheetEncoding::ShiftJis);
    assert_eq!(read.entries[0].title, "紙詰まり①");
}

#[test]
fn every_problem_is_reported_with_its_line_and_no_cell_values() {
    let csv = "ID,タイトル,本文,公開,関連FAQ\n\
               ok-1,題,本文,公開,\n\
               Bad Id,secret-title,secret-body,公開,\n\
               ok-2,,secret-body,たぶん,missing-id\n\
               ok-1,secret-title,secret-body,非公開,\n\
               ok-3,\"secret\nacross lines\",secret-body\n";
    let found = problems(csv);
    let expected = [
        "3行目「ID」: 半角の英小文字・数字・-・_ で1〜80文字です。",
        "4行目（ID ok-2）「タイトル」: 空です。",
        "4行目（ID ok-2）「公開」: 公開 か 非公開 です。",
        "4行目（ID ok-2）「関連FAQ」: 関連FAQ「missing-id」という項目はありません。",
        "5行目（ID ok-1）「ID」: 2行目と同じIDです。",
        "6行目: この行のセルは 3 個で、見出しは 5 個です。",
    ];
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for (problem, expected) in found.iter().zip(expected) {
        assert!(problem.starts_with(expected), "{problem} / {expected}");
        assert!(!problem.contains("secret"), "{problem}");
    }
}

#[test]
fn lines_are_counted_right_in_excel_files_with_crlf_and_line_breaks_in_cells() {
    let csv = "ID,タイトル,本文\r\nok-1,題,\"一行目\r\n二行目\"\r\nok-2,,本文\r\nok-3,題,\r\n";
    let found = problems(csv);
    assert!(found[0].starts_with("4行目（ID ok-2）"), "{found:?}");
    assert!(found[1].starts_with("5行目（ID ok-3）"), "{found:?}");
}

#[test]
fn new_entries_may_not_take_reserved_ids_or_relate_to_themselves() {
    let csv = "ID,タイトル,本文,関連FAQ\n\
               export,題,本文,\n\
               ok-1,題,本文,ok-1\n\
               import,題,本文,\n";
    let found = problems(csv);
    let expected = [
        "2行目（ID export）「ID」: 「export」はIDに使えません。",
        "3行目（ID ok-1）「関連FAQ」: 関連FAQに、この項目自身は指定できません。",
        "4行目（ID import）「ID」: 「import」はIDに使えません。",
    ];
    assert_eq!(found, expected);
    // An entry already stored under a reserved id may still be updated (or unpublished).
    let stored: HashSet<String> = ["export".to_owned()].into();
    let csv = "ID,タイトル,本文,公開\nexport,題,本文,非公開\n";
    assert!(read_csv(csv.as_bytes(), &stored).is_ok());
}

#[test]
fn related_ids_may_name_entries_already_stored() {
    let csv = "ID,タイトル,本文,関連FAQ\nnew-1,題,本文,stored-1\n";
    let known: HashSet<String> = ["stored-1".to_owned()].into();
    assert_eq!(read_csv(csv.as_bytes(), &known).unwrap().entries.len(), 1);
}

#[test]
fn header_problems_are_named() {
    let found = problems("ID,題名,本文,本文\n");
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found[0].contains("「題名」は知らない列です"), "{found:?}");
    assert!(found[1].contains("「本文」の列が二つあります"), "{found:?}");
    assert!(
        found[2].contains("「タイトル」（title）の列がありません"),
        "{found:?}"
    );
    assert!(problems("")[0].contains("ファイルが空です"));
}

#[test]
fn bytes_that_are_no_text_are_refused() {
    assert!(matches!(
        read(b"ID,\x82\xa0\xff\n"),
        Err(CsvImportError::NotText(_))
    ));
}

#[test]
fn a_quote_left_open_refuses_the_file_at_the_line_it_opens() {
    let text = "ID,タイトル,回答\r\nmail-a,メール,\"送れない\r\nmail-b,メール,届かない\r\n";
    let found = problems(text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("2行目"), "{found:?}");
    assert!(found[0].contains("引用符"), "{found:?}");
}
