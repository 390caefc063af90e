//! Outages (障害, 5(2)オ): their states, and which questions they concern. Pure.

use super::text_enum::text_enum;
use crate::analysis::normalize::{normalize, to_katakana};

text_enum! {
    /// Where an outage stands.
    pub enum OutageState: "outage state" {
        /// Announced ahead (停電, maintenance), with its shutdown/restart checklist.
        Planned = "planned" / "予定",
        /// Happening now: the bot tells staff whose question it concerns.
        Ongoing = "ongoing" / "発生中",
        /// Over; everyone linked was told.
        Recovered = "recovered" / "復旧",
        /// A planned stop called off before it began.
        Cancelled = "cancelled" / "中止",
    }
}

impl OutageState {
    /// Still being worked on (neither recovered nor called off).
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Recovered | Self::Cancelled)
    }
}

/// What an outage affects, as words staff use (メール, VPN) and FAQ entries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Affected {
    /// Systems in staff's words; also matched against the FAQ category.
    pub systems: Vec<String>,
    /// FAQ entry ids whose questions concern the outage.
    pub faq_ids: Vec<String>,
}

/// The engine's best match for a question: entry and category.
#[derive(Debug, Clone, Copy)]
pub struct BestMatch<'a> {
    pub faq_id: &'a str,
    pub category: &'a str,
}

impl Affected {
    /// Whether a question concerns these systems: its words (normalised: ﾒｰﾙ is メール),
    /// or the entry or category the engine matched it with.
    pub fn concerns(&self, question: &str, best: Option<BestMatch<'_>>) -> bool {
        let question = fold(question);
        let category = best.map(|b| fold(b.category)).unwrap_or_default();
        let by_words = self.systems.iter().map(|s| fold(s)).any(|word| {
            !word.trim().is_empty()
                && (question.contains(word.trim()) || category.contains(word.trim()))
        });
        by_words || best.is_some_and(|b| self.faq_ids.iter().any(|id| id == b.faq_id))
    }

    /// The systems as staff read them: 「メール・VPN」.
    pub fn label(&self) -> String {
        self.systems.join("・")
    }
}

/// Text in the form words are compared in: normalised, hiragana as katakana (めーる is
/// メール).
fn fold(text: &str) -> String {
    to_katakana(&normalize(text))
}

/// A list typed in one box (「メール、VPN」, one a line, commas): its words, trimmed,
/// each once.
pub fn split_list(text: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in text
        .split([',', '、', '，', '\n', '\r'])
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        if !words.iter().any(|w| w == word) {
            words.push(word.to_owned());
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> Affected {
        Affected {
            systems: vec!["メール".into()],
            faq_ids: vec!["mail-outlook-password".into()],
        }
    }

    #[test]
    fn questions_match_by_normalised_words_category_or_entry() {
        let a = mail();
        assert!(a.concerns("メールが送れない", None));
        assert!(a.concerns("ﾒｰﾙが送れない", None), "half-width kana");
        assert!(a.concerns("めーるが届かない", None), "hiragana");
        let best = BestMatch {
            faq_id: "mail-other",
            category: "メール・Outlook",
        };
        assert!(a.concerns("アウトルックが開かない", Some(best)));
        let entry = BestMatch {
            faq_id: "mail-outlook-password",
            category: "アカウント・ログイン",
        };
        assert!(a.concerns("パスワードを何度も聞かれる", Some(entry)));
        let other = BestMatch {
            faq_id: "printer-jam",
            category: "プリンタ・複合機",
        };
        assert!(!a.concerns("プリンタが紙詰まり", Some(other)));
        assert!(!Affected::default().concerns("メール", None));
    }

    #[test]
    fn lists_split_on_commas_and_lines_once_each() {
        assert_eq!(split_list(" メール、VPN\nメール,, "), ["メール", "VPN"]);
        assert!(split_list(" 、\n").is_empty());
        assert_eq!(
            Affected {
                systems: split_list("メール,VPN"),
                faq_ids: vec![]
            }
            .label(),
            "メール・VPN"
        );
    }
}
