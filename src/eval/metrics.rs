//! Retrieval and decision metrics over graded relevance judgements.

use std::collections::HashMap;

/// One judged query and what the engine did with it.
#[derive(Debug, Clone)]
pub struct Judged {
    /// Entry id -> grade (2 answers it, 1 partly). Empty: nothing answers it.
    pub relevant: HashMap<String, u8>,
    /// Ranked entry ids, best first.
    pub ranking: Vec<String>,
    pub answered: bool,
}

impl Judged {
    fn best_grade(&self) -> u8 {
        self.relevant.values().copied().max().unwrap_or(0)
    }

    fn grade(&self, id: &str) -> u8 {
        self.relevant.get(id).copied().unwrap_or(0)
    }

    /// Rank (1-based) of the first entry with the query's best grade: a hit is the best
    /// answer there is, not merely a partly relevant one.
    fn first_hit(&self) -> Option<usize> {
        let best = self.best_grade();
        self.ranking
            .iter()
            .position(|id| self.grade(id) == best)
            .map(|p| p + 1)
    }

    /// Whether an `answer` decision replied with the best available entry.
    pub fn answer_right(&self) -> bool {
        self.best_grade() > 0 && self.first_hit() == Some(1)
    }
}

/// The aggregate figures `madoguchi eval` prints.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Metrics {
    pub queries: usize,
    pub in_scope: usize,
    pub out_of_scope: usize,
    pub sr_at_1: f64,
    pub sr_at_5: f64,
    pub mrr: f64,
    pub map: f64,
    pub ndcg_at_10: f64,
    /// Share of all queries answered automatically.
    pub auto_answer_rate: f64,
    /// Share of in-scope queries answered automatically.
    pub in_scope_auto_answer_rate: f64,
    /// Share of `answer` decisions that replied with the best available entry.
    pub auto_answer_precision: f64,
    /// Share of queries nothing answers that still got an `answer`.
    pub oos_false_answer_rate: f64,
}

pub fn compute(judged: &[Judged]) -> Metrics {
    let in_scope: Vec<&Judged> = judged.iter().filter(|j| j.best_grade() > 0).collect();
    let oos = judged.len() - in_scope.len();
    let n = in_scope.len().max(1) as f64;
    let hit_within = |k: usize| {
        in_scope
            .iter()
            .filter(|j| j.first_hit().is_some_and(|r| r <= k))
            .count() as f64
            / n
    };
    let mrr = in_scope
        .iter()
        .map(|j| j.first_hit().map_or(0.0, |r| 1.0 / r as f64))
        .sum::<f64>()
        / n;
    let map = in_scope.iter().map(|j| average_precision(j)).sum::<f64>() / n;
    let ndcg = in_scope.iter().map(|j| ndcg_at(j, 10)).sum::<f64>() / n;
    let answered = judged.iter().filter(|j| j.answered).count();
    let answered_right = judged
        .iter()
        .filter(|j| j.answered && j.answer_right())
        .count();
    let oos_answered = judged
        .iter()
        .filter(|j| j.answered && j.best_grade() == 0)
        .count();
    let in_scope_answered = in_scope.iter().filter(|j| j.answered).count();
    Metrics {
        queries: judged.len(),
        in_scope: in_scope.len(),
        out_of_scope: oos,
        sr_at_1: hit_within(1),
        sr_at_5: hit_within(5),
        mrr,
        map,
        ndcg_at_10: ndcg,
        auto_answer_rate: ratio(answered, judged.len()),
        in_scope_auto_answer_rate: ratio(in_scope_answered, in_scope.len()),
        auto_answer_precision: if answered == 0 {
            1.0
        } else {
            ratio(answered_right, answered)
        },
        oos_false_answer_rate: ratio(oos_answered, oos),
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn average_precision(j: &Judged) -> f64 {
    let relevant = j.relevant.values().filter(|&&g| g > 0).count();
    let mut hits = 0;
    let mut sum = 0.0;
    for (i, id) in j.ranking.iter().enumerate() {
        if j.grade(id) > 0 {
            hits += 1;
            sum += hits as f64 / (i + 1) as f64;
        }
    }
    if relevant == 0 {
        0.0
    } else {
        sum / relevant as f64
    }
}

fn ndcg_at(j: &Judged, k: usize) -> f64 {
    let gain = |g: u8| (2f64.powi(g as i32)) - 1.0;
    let dcg: f64 = j
        .ranking
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, id)| gain(j.grade(id)) / ((i + 2) as f64).log2())
        .sum();
    let mut ideal: Vec<u8> = j.relevant.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let idcg: f64 = ideal
        .iter()
        .take(k)
        .enumerate()
        .map(|(i, &g)| gain(g) / ((i + 2) as f64).log2())
        .sum();
    if idcg == 0.0 {
        0.0
    } else {
        dcg / idcg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(relevant: &[(&str, u8)], ranking: &[&str], answered: bool) -> Judged {
        Judged {
            relevant: relevant.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            ranking: ranking.iter().map(|s| s.to_string()).collect(),
            answered,
        }
    }

    #[test]
    fn perfect_ranking_scores_one() {
        let m = compute(&[judged(&[("a", 2)], &["a", "b"], true)]);
        assert_eq!(
            (m.sr_at_1, m.mrr, m.map, m.ndcg_at_10),
            (1.0, 1.0, 1.0, 1.0)
        );
        assert_eq!(m.auto_answer_precision, 1.0);
    }

    #[test]
    fn a_partly_relevant_top_is_not_a_hit_when_a_full_answer_exists() {
        let j = judged(&[("a", 2), ("b", 1)], &["b", "a"], true);
        let m = compute(&[j]);
        assert_eq!(m.sr_at_1, 0.0);
        assert_eq!(m.sr_at_5, 1.0);
        assert_eq!(m.mrr, 0.5);
        assert_eq!(m.auto_answer_precision, 0.0);
        assert_eq!(m.map, 1.0);
    }

    #[test]
    fn answering_an_unanswerable_query_counts_against_oos() {
        let m = compute(&[
            judged(&[], &["x"], true),
            judged(&[], &["y"], false),
            judged(&[("a", 2)], &["a"], false),
        ]);
        assert_eq!(m.out_of_scope, 2);
        assert_eq!(m.oos_false_answer_rate, 0.5);
        assert_eq!(m.auto_answer_precision, 0.0);
        assert!((m.auto_answer_rate - 1.0 / 3.0).abs() < 1e-9);
    }
}
