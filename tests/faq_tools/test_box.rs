//! The "try a question" box: normalisation, tokens, ranking and decision, unrecorded.

use madoguchi::engine::{Decision, Intent, Reason};

use crate::helpers::desk;

#[tokio::test]
async fn a_half_width_katakana_question_is_explained_with_the_thresholds_that_decided_it() {
    let d = desk().await;
    let x = d.helpdesk.knowledge().explain("ﾊﾟｽﾜｰﾄﾞわすれた");

    assert_eq!(x.question, "ﾊﾟｽﾜｰﾄﾞわすれた");
    assert!(x.normalized.starts_with("パスワード"), "{}", x.normalized);
    assert!(x.words.contains(&"パスワード".to_owned()), "{:?}", x.words);
    assert!(
        x.units.contains(&"w:パスワード".to_owned()),
        "{:?}",
        x.units
    );
    assert!(
        x.units.iter().any(|u| u == "w:忘れる"),
        "わすれた is searched as 忘れる: {:?}",
        x.units
    );
    assert_eq!(x.intent, Intent::Question);
    let top = &x.candidates[0];
    assert_eq!(top.id, "account-password-forgot");
    assert_eq!(x.top_score, Some(top.score));
    assert_eq!(x.lead, Some(top.score - x.candidates[1].score));
    // Another entry (a login question) comes close: a high score without the lead the
    // thresholds ask for suggests instead of answering.
    assert!(top.score >= x.thresholds.answer, "{x:?}");
    assert!(x.lead.unwrap() < x.thresholds.margin, "{x:?}");
    assert_eq!(
        (x.decision, x.reason),
        (Decision::Suggest, Reason::Ambiguous)
    );
    assert!(x.candidates.windows(2).all(|w| w[0].score >= w[1].score));
}

#[tokio::test]
async fn full_width_letters_are_folded_before_the_search() {
    let d = desk().await;
    let x = d.helpdesk.knowledge().explain("ＶＰＮつながらない");
    assert!(x.normalized.starts_with("vpn"), "{}", x.normalized);
    assert!(x.units.contains(&"w:vpn".to_owned()), "{:?}", x.units);
    assert_eq!(x.candidates[0].id, "telework-cannot-connect-home", "{x:?}");
    let json = serde_json::to_value(&x).unwrap();
    assert_eq!(json["decision"], x.decision.as_str());
    assert_eq!(
        json["thresholds"]["answer"],
        serde_json::json!(x.thresholds.answer)
    );
}

#[tokio::test]
async fn synonyms_are_shown_after_normalisation() {
    let d = desk().await;
    let x = d.helpdesk.knowledge().explain("メアドを変えたい");
    assert!(!x.normalized.contains("メールアドレス"), "{}", x.normalized);
    assert!(
        x.with_synonyms.contains("メールアドレス"),
        "{}",
        x.with_synonyms
    );
}

#[tokio::test]
async fn small_talk_is_explained_without_a_search() {
    let d = desk().await;
    let x = d.helpdesk.knowledge().explain("こんにちは");
    assert_eq!((x.intent, x.reason), (Intent::Greeting, Reason::Greeting));
    assert!(x.units.is_empty() && x.candidates.is_empty());
    assert_eq!((x.top_score, x.lead), (None, None));
}

#[tokio::test]
async fn trying_questions_records_nothing() {
    let d = desk().await;
    let store = &d.helpdesk.store();
    let (questions, audit) = (
        store.question_count().await.unwrap(),
        store.audit_log(1000).await.unwrap().len(),
    );
    for q in ["ﾊﾟｽﾜｰﾄﾞわすれた", "ＶＰＮつながらない", "こんにちは", ""]
    {
        d.helpdesk.knowledge().explain(q);
    }
    let long = "プリンタ".repeat(200);
    assert!(d.helpdesk.knowledge().explain(&long).truncated);
    assert_eq!(store.question_count().await.unwrap(), questions);
    assert_eq!(store.audit_log(1000).await.unwrap().len(), audit);
}
