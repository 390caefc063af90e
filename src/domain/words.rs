//! The few replies the in-chat flow understands besides questions: はい, いいえ, a number,
//! asking for a person, やめる. Matched on the normalised text (full-width digits,
//! half-width kana and case already folded), whole message only, so that
//! 「いいえ、VPNのことです」 stays a question.

use crate::analysis::normalize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Word {
    Yes,
    No,
    /// A number, as when choosing from a list.
    Number(u32),
    /// 担当者, オペレーター, 人と話したい, ...
    Person,
    Cancel,
    /// Anything else: a question.
    Other,
}

const YES: &[&str] = &[
    "はい",
    "はーい",
    "うん",
    "yes",
    "y",
    "ok",
    "おk",
    "解決",
    "解決した",
    "解決しました",
    "できた",
    "できました",
    "なおった",
    "直った",
    "直りました",
    "治りました",
    "わかった",
    "わかりました",
    "分かりました",
    "了解",
    "了解です",
    "助かりました",
    "ありがとう",
    "ありがとうございます",
    "ありがとうございました",
];

const NO: &[&str] = &[
    "いいえ",
    "いや",
    "いえ",
    "no",
    "n",
    "ダメ",
    "だめ",
    "だめでした",
    "ダメでした",
    "違う",
    "ちがう",
    "違います",
    "ちがいます",
    "解決しない",
    "解決しません",
    "解決しなかった",
    "解決していない",
    "解決してない",
    "できない",
    "できません",
    "できなかった",
    "直らない",
    "直らなかった",
    "なおらない",
    "わからない",
    "わかりません",
    "役に立たない",
    "どれも違う",
];

const PERSON: &[&str] = &[
    "担当者",
    "担当",
    "担当の人",
    "担当者と話したい",
    "担当者につないで",
    "担当者に相談",
    "担当者に相談する",
    "担当者へ",
    "オペレーター",
    "オペレータ",
    "オペレーターと話したい",
    "人",
    "人と話したい",
    "人間",
    "人間と話したい",
    "有人",
    "有人対応",
    "問い合わせたい",
    "電話したい",
    "直接聞きたい",
    "ヘルプデスクの人",
    "誰か",
    "だれか",
];

const CANCEL: &[&str] = &[
    "やめる",
    "やめます",
    "キャンセル",
    "cancel",
    "中止",
    "結構です",
    "けっこうです",
    "もういい",
    "大丈夫",
    "大丈夫です",
];

/// What kind of reply `text` is.
pub fn classify(text: &str) -> Word {
    let folded = fold(text);
    if folded.is_empty() {
        return Word::Other;
    }
    if let Ok(n) = folded.parse::<u32>() {
        return Word::Number(n);
    }
    if let Some(n) = circled_number(&folded) {
        return Word::Number(n);
    }
    let is = |list: &[&str]| list.iter().any(|w| fold(w) == folded);
    if is(PERSON) || asks_for_a_person(&folded) {
        Word::Person
    } else if is(NO) {
        Word::No
    } else if is(YES) {
        Word::Yes
    } else if is(CANCEL) {
        Word::Cancel
    } else {
        Word::Other
    }
}

/// Longer requests for a person: 「担当者と話せますか」「オペレーターにつないでください」.
fn asks_for_a_person(folded: &str) -> bool {
    let who = ["担当者", "オペレーター", "オペレータ", "人間", "有人"];
    let verbs = [
        "話し",
        "話せ",
        "つない",
        "繋い",
        "つなげ",
        "繋げ",
        "相談",
        "代わ",
        "かわ",
        "呼ん",
    ];
    folded.chars().count() <= 30
        && who
            .iter()
            .any(|w| folded.contains(&normalize::to_katakana(w)))
        && verbs
            .iter()
            .any(|v| folded.contains(&normalize::to_katakana(v)))
}

/// The text normalised, with polite endings and punctuation dropped, in katakana.
fn fold(text: &str) -> String {
    let mut s = normalize::normalize(text);
    s.retain(|c| !c.is_whitespace() && !is_punctuation(c));
    for ending in [
        "ください",
        "下さい",
        "お願いします",
        "おねがいします",
        "です",
    ] {
        if s.len() > ending.len() && s.ends_with(ending) && !s.ends_with("ですか") {
            s.truncate(s.len() - ending.len());
        }
    }
    // はい, ハイ and ﾊｲ alike.
    normalize::to_katakana(&s)
}

fn is_punctuation(c: char) -> bool {
    matches!(
        c,
        '。' | '、' | '！' | '？' | '!' | '?' | '.' | ',' | '・' | '〜' | '~' | '…' | '」' | '「'
    ) || c.is_ascii_punctuation()
}

fn circled_number(s: &str) -> Option<u32> {
    let mut chars = s.chars();
    let c = chars.next()?;
    if chars.next().is_some() {
        return None;
    }
    ('①'..='⑳').contains(&c).then(|| c as u32 - '①' as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_flow_words_as_people_type_them() {
        for yes in [
            "はい",
            "ハイ",
            "はい！",
            "ﾊｲ",
            "解決しました。",
            "OK",
            "ありがとうございました",
        ] {
            assert_eq!(classify(yes), Word::Yes, "{yes}");
        }
        for no in [
            "いいえ",
            "いいえ。",
            "ダメでした",
            "解決しません",
            "NO",
            "どれも違う",
        ] {
            assert_eq!(classify(no), Word::No, "{no}");
        }
        for n in [("1", 1), ("２", 2), ("3.", 3), ("③", 3), (" 4 ", 4)] {
            assert_eq!(classify(n.0), Word::Number(n.1), "{}", n.0);
        }
        for person in [
            "担当者",
            "オペレーター",
            "人と話したい",
            "担当者と話せますか",
            "オペレーターにつないでください",
            "担当者に相談する",
        ] {
            assert_eq!(classify(person), Word::Person, "{person}");
        }
        assert_eq!(classify("やめる"), Word::Cancel);
    }

    #[test]
    fn questions_stay_questions() {
        for q in [
            "いいえ、VPNのことです",
            "はいれない",
            "パスワードを忘れた",
            "担当者の連絡先を変えたい人事異動の件で長い質問をしています、アカウント",
            "VPNつながらない",
        ] {
            assert_eq!(classify(q), Word::Other, "{q}");
        }
    }
}
