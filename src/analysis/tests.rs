use super::*;

fn analyzer() -> Analyzer {
    Analyzer::new(
        Synonyms::parse("パスワード, pw\nログイン, サインイン\nファイルサーバ, 共有フォルダ\n")
            .unwrap(),
    )
}

#[test]
fn conjugations_and_half_width_meet_on_base_forms() {
    let a = analyzer();
    let polite = a.analyze("パスワードを忘れてしまいました");
    let short = a.analyze("ﾊﾟｽﾜｰﾄﾞわすれた");
    assert_eq!(polite.words, vec!["パスワード", "忘れる"]);
    assert!(short.words.contains(&"パスワード".to_string()), "{short:?}");
    // Hiragana わすれた still shares its reading with 忘れ.
    assert!(short.readings.iter().any(|r| polite.readings.contains(r)));
}

#[test]
fn full_width_and_case_meet() {
    let a = analyzer();
    assert_eq!(
        a.analyze("ＶＰＮに接続できません").words,
        vec!["vpn", "接続"]
    );
    assert_eq!(a.analyze("TEAMS").words, a.analyze("teams").words);
}

#[test]
fn long_vowels_meet() {
    let a = analyzer();
    assert_eq!(
        a.analyze("プリンターで印刷できない").words,
        vec!["プリンタ", "印刷"]
    );
    assert_eq!(a.analyze("プリンタ").words, vec!["プリンタ"]);
}

#[test]
fn synonyms_rewrite_before_segmentation() {
    let a = analyzer();
    assert!(a
        .analyze("サインインできない")
        .words
        .contains(&"ログイン".to_string()));
    assert!(a
        .analyze("PW忘れた")
        .words
        .contains(&"パスワード".to_string()));
    assert!(a
        .analyze("共有フォルダが見れない")
        .normalized
        .contains("ファイルサーバ"));
}

#[test]
fn wrong_kanji_shares_the_reading() {
    let a = analyzer();
    let typo = a.analyze("印冊");
    let right = a.analyze("印刷");
    assert!(
        typo.readings.iter().any(|r| right.readings.contains(r)),
        "{typo:?} {right:?}"
    );
}

#[test]
fn particles_and_polite_endings_are_dropped() {
    let a = analyzer();
    let w = a
        .analyze("メールが送れないのですがどうすればよいでしょうか")
        .words;
    assert_eq!(w, vec!["メール", "送れる"]);
}

#[test]
fn nothing_to_match_in_symbols_and_emoji() {
    let a = analyzer();
    assert!(a.analyze("！？😀…").is_empty());
    assert!(a.analyze("").is_empty());
}
