//! The unanswered report: questions the bot could not answer, grouped by similarity so
//! that the most frequent gaps in the knowledge base come first.
//!
//! The rule, in three steps:
//!
//! 1. **Occurrences.** Each unanswered question counts once: the 「いいえ」 answers to one
//!    logged question are one occurrence, and a ticket whose subject is a question that
//!    found nothing or got 「いいえ」 in the [`MERGE_WINDOW`] before it is the same
//!    occurrence (escalated), not a second one. Tickets without a question (opened with
//!    「担当者」 alone) are left out.
//! 2. **Tokens.** Each text is analysed as the engine analyses questions (normalisation:
//!    half-width kana, full-width letters, case; synonyms; segmentation) and reduced to
//!    the set of its content words' readings (忘れた / わすれちゃった → ワスレル), the
//!    word itself when it has none (vpn). Texts without content words fall back to their
//!    character bigrams, and then to the normalised text.
//! 3. **Greedy clustering.** Identical token sets are counted together; then, most
//!    frequent first, each set joins the existing group whose first (leading) set is most
//!    similar, if the Jaccard similarity |A∩B| / |A∪B| is at least [`GROUP_SIMILARITY`],
//!    or starts a new group. 0.5 puts 「パスワード忘れた」 with 「プリンタのパスワードを
//!    忘れた」 (2 of 3 shared) but not with 「パスワードを変更したい」 (1 of 3).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{GapKind, Period, UnansweredQuestion};
use crate::analysis::Analyzer;
use crate::storage::question_key;

/// Least Jaccard similarity of token sets for two questions to be one gap.
pub const GROUP_SIMILARITY: f64 = 0.5;

/// How long before a ticket the question it escalates may have been asked.
pub const MERGE_WINDOW: Duration = Duration::hours(1);

/// How many unanswered questions one report reads at most (the newest of the period).
pub const MAX_QUESTIONS: i64 = 20_000;

/// How much of a question a ticket subject keeps (as `conversation::handoff` cuts it).
const SUBJECT_CHARS: usize = 120;

/// Example texts shown per group besides the representative.
const EXAMPLES: usize = 4;

/// Ticket numbers kept per group (the newest).
const TICKETS: usize = 5;

/// One gap: similar unanswered questions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapGroup {
    /// The group's most frequent text (the newest among equals).
    pub representative: String,
    /// How many times it went unanswered.
    pub count: usize,
    /// Of those, how many became tickets, found nothing, got 「いいえ」 (one occurrence
    /// may be both escalated and one of the others).
    pub escalated: usize,
    pub no_match: usize,
    pub not_resolved: usize,
    /// Other ways it was asked, the most frequent first.
    pub examples: Vec<String>,
    pub last_asked: DateTime<Utc>,
    /// Tickets it became, newest first (at most a few).
    pub ticket_ids: Vec<i64>,
}

impl super::Learning {
    /// The unanswered questions of `period`, grouped (see the module documentation), the
    /// most frequent gaps first.
    pub async fn unanswered_report(&self, period: Period) -> anyhow::Result<Vec<GapGroup>> {
        let questions = self
            .store
            .unanswered_questions(period, MAX_QUESTIONS)
            .await?;
        let analyzer = self.knowledge.engine().analyzer();
        Ok(tokio::task::spawn_blocking(move || group_gaps(&analyzer, &questions)).await?)
    }
}

/// One time a question went unanswered.
#[derive(Debug)]
struct Occurrence<'a> {
    text: &'a str,
    at: DateTime<Utc>,
    kinds: [bool; 3],
    ticket_id: Option<i64>,
}

fn slot(kind: GapKind) -> usize {
    match kind {
        GapKind::Escalated => 0,
        GapKind::NoMatch => 1,
        GapKind::NotResolved => 2,
    }
}

/// Groups unanswered questions by similarity; the biggest group first.
pub fn group_gaps(analyzer: &Analyzer, questions: &[UnansweredQuestion]) -> Vec<GapGroup> {
    let occurrences = occurrences(questions);
    // Identical token sets together, each with its occurrences.
    let mut tokens_of: HashMap<&str, BTreeSet<String>> = HashMap::new();
    let mut by_tokens: HashMap<BTreeSet<String>, Vec<&Occurrence>> = HashMap::new();
    for occurrence in &occurrences {
        let tokens = tokens_of
            .entry(occurrence.text)
            .or_insert_with(|| token_set(analyzer, occurrence.text))
            .clone();
        by_tokens.entry(tokens).or_default().push(occurrence);
    }
    let mut sets: Vec<(BTreeSet<String>, Vec<&Occurrence>)> = by_tokens.into_iter().collect();
    let last = |o: &[&Occurrence]| o.iter().map(|o| o.at).max();
    sets.sort_by(|a, b| {
        (b.1.len(), last(&b.1))
            .cmp(&(a.1.len(), last(&a.1)))
            .then_with(|| a.0.cmp(&b.0))
    });
    // Greedy: each set joins the most similar leader, or leads a new group.
    let mut leaders: Vec<BTreeSet<String>> = Vec::new();
    let mut members: Vec<Vec<&Occurrence>> = Vec::new();
    let mut groups_with: HashMap<String, Vec<usize>> = HashMap::new();
    for (tokens, found) in sets {
        let mut best: Option<(f64, usize)> = None;
        let mut seen = BTreeSet::new();
        for group in tokens.iter().filter_map(|t| groups_with.get(t)).flatten() {
            if !seen.insert(*group) {
                continue;
            }
            let similarity = jaccard(&tokens, &leaders[*group]);
            // The most similar leader; of equals, the older (bigger) group.
            let better = match best {
                None => true,
                Some((s, g)) => similarity > s || (similarity == s && *group < g),
            };
            if similarity >= GROUP_SIMILARITY && better {
                best = Some((similarity, *group));
            }
        }
        match best {
            Some((_, group)) => members[group].extend(found),
            None => {
                let group = leaders.len();
                for token in &tokens {
                    groups_with.entry(token.clone()).or_default().push(group);
                }
                leaders.push(tokens);
                members.push(found);
            }
        }
    }
    let mut groups: Vec<GapGroup> = members.into_iter().map(|m| summarise(&m)).collect();
    groups.sort_by(|a, b| {
        (b.count, b.last_asked)
            .cmp(&(a.count, a.last_asked))
            .then_with(|| a.representative.cmp(&b.representative))
    });
    groups
}

/// Each unanswered question once (see step 1 of the module documentation).
fn occurrences(questions: &[UnansweredQuestion]) -> Vec<Occurrence<'_>> {
    let mut sorted: Vec<&UnansweredQuestion> = questions.iter().collect();
    // Oldest first; at the same instant the question before the ticket it became.
    sorted.sort_by_key(|q| (q.at, q.kind == GapKind::Escalated));
    let mut found: Vec<Occurrence> = Vec::new();
    let mut by_question: HashMap<i64, usize> = HashMap::new();
    // Question occurrences by the key of their first 120 characters (a ticket's subject).
    let mut by_subject: HashMap<String, Vec<usize>> = HashMap::new();
    for question in sorted {
        let merged = match (question.kind, question.question_id) {
            (GapKind::Escalated, _) => {
                if !super::is_question(&question.text) {
                    continue;
                }
                let asked = by_subject.get(&question_key(&question.text));
                asked.into_iter().flatten().rev().copied().find(|&i| {
                    let o = &found[i];
                    o.ticket_id.is_none() && question.at - o.at <= MERGE_WINDOW
                })
            }
            (_, Some(id)) => by_question.get(&id).copied(),
            (_, None) => None,
        };
        let index = merged.unwrap_or_else(|| {
            found.push(Occurrence {
                text: &question.text,
                at: question.at,
                kinds: [false; 3],
                ticket_id: None,
            });
            found.len() - 1
        });
        let occurrence = &mut found[index];
        occurrence.kinds[slot(question.kind)] = true;
        occurrence.at = occurrence.at.max(question.at);
        if question.ticket_id.is_some() {
            occurrence.ticket_id = question.ticket_id;
        }
        if let Some(id) = question.question_id {
            if by_question.insert(id, index).is_none() {
                by_subject
                    .entry(subject_key(&question.text))
                    .or_default()
                    .push(index);
            }
        }
    }
    found
}

/// The key of a ticket subject made from `text` (the question's first 120 characters).
fn subject_key(text: &str) -> String {
    question_key(&text.chars().take(SUBJECT_CHARS).collect::<String>())
}

/// The set of a text's content-word readings (words without one as they are).
fn token_set(analyzer: &Analyzer, text: &str) -> BTreeSet<String> {
    let analysis = analyzer.analyze(crate::analysis::cut(text));
    let words: BTreeSet<String> = analysis
        .words
        .iter()
        .map(|w| analyzer.reading_of(w).unwrap_or_else(|| w.clone()))
        .collect();
    if !words.is_empty() {
        return words;
    }
    let grams: BTreeSet<String> = analysis.grams.into_iter().collect();
    if !grams.is_empty() {
        return grams;
    }
    BTreeSet::from([question_key(text)])
}

fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let shared = a.intersection(b).count();
    let all = a.len() + b.len() - shared;
    if all == 0 {
        0.0
    } else {
        shared as f64 / all as f64
    }
}

/// A group's figures from its occurrences.
fn summarise(occurrences: &[&Occurrence]) -> GapGroup {
    let mut texts: HashMap<&str, (usize, DateTime<Utc>)> = HashMap::new();
    for o in occurrences {
        let entry = texts.entry(o.text).or_insert((0, o.at));
        entry.0 += 1;
        entry.1 = entry.1.max(o.at);
    }
    let mut texts: Vec<(&str, (usize, DateTime<Utc>))> = texts.into_iter().collect();
    texts.sort_by(|a, b| (b.1).cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let mut tickets: Vec<(DateTime<Utc>, i64)> = occurrences
        .iter()
        .filter_map(|o| o.ticket_id.map(|t| (o.at, t)))
        .collect();
    tickets.sort_by(|a, b| b.cmp(a));
    let count_of = |kind: GapKind| occurrences.iter().filter(|o| o.kinds[slot(kind)]).count();
    GapGroup {
        representative: texts[0].0.to_owned(),
        count: occurrences.len(),
        escalated: count_of(GapKind::Escalated),
        no_match: count_of(GapKind::NoMatch),
        not_resolved: count_of(GapKind::NotResolved),
        examples: texts
            .iter()
            .skip(1)
            .take(EXAMPLES)
            .map(|(t, _)| (*t).to_owned())
            .collect(),
        last_asked: occurrences.iter().map(|o| o.at).max().unwrap_or_default(),
        ticket_ids: tickets.into_iter().take(TICKETS).map(|(_, t)| t).collect(),
    }
}

#[cfg(test)]
mod tests;
