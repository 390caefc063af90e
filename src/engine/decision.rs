//! Turning ranked candidates into one decision: answer, suggest or escalate.

use serde::{Deserialize, Serialize};

/// What the helpdesk does with a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Confident: reply with the top entry.
    Answer,
    /// Plausible but not certain: offer the top three as 「もしかして」.
    Suggest,
    /// Nothing fits (or it was not a question): hand to a person or reply politely.
    Escalate,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Answer => "answer",
            Decision::Suggest => "suggest",
            Decision::Escalate => "escalate",
        }
    }
}

/// Why the decision was taken, for logs, the operator console and the bot's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Confident,
    /// The top score was high but another entry was too close.
    Ambiguous,
    LowConfidence,
    NoMatch,
    Greeting,
    Thanks,
    Empty,
}

impl Reason {
    /// The reason as the question log stores it (the same words as its JSON form).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Confident => "confident",
            Reason::Ambiguous => "ambiguous",
            Reason::LowConfidence => "low_confidence",
            Reason::NoMatch => "no_match",
            Reason::Greeting => "greeting",
            Reason::Thanks => "thanks",
            Reason::Empty => "empty",
        }
    }
}

/// Score thresholds; calibrated on the evaluation set (see BENCHMARKS.md and
/// `madoguchi eval --calibrate`), overridable in configuration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Thresholds {
    /// Minimum top score to answer automatically.
    pub answer: f32,
    /// Minimum lead of the top score over the second to answer automatically.
    pub margin: f32,
    /// Minimum top score to suggest candidates rather than escalate.
    pub suggest: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            answer: 0.51,
            margin: 0.12,
            suggest: 0.20,
        }
    }
}

impl Thresholds {
    /// Decides from the best and second-best scores.
    pub fn decide(&self, top: Option<f32>, second: Option<f32>) -> (Decision, Reason) {
        let Some(top) = top else {
            return (Decision::Escalate, Reason::NoMatch);
        };
        let lead = top - second.unwrap_or(0.0);
        if top >= self.answer && lead >= self.margin {
            (Decision::Answer, Reason::Confident)
        } else if top >= self.answer {
            (Decision::Suggest, Reason::Ambiguous)
        } else if top >= self.suggest {
            (Decision::Suggest, Reason::LowConfidence)
        } else {
            (Decision::Escalate, Reason::NoMatch)
        }
    }
}

/// The decision of the hybrid engine: a logistic model of "the top candidate is the
/// right answer" over signals of the ranking, fitted on `eval/calibration` only
/// (`scripts/fit-decision`); answer above one probability (chosen on out-of-fold
/// probabilities, so that the precision it promises is not an in-sample one), suggest
/// above another.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Calibration {
    /// Weights of the features of [`Signals::features`], in that order. A city's
    /// configuration fitted before the coverage feature (11 weights) still reads: its
    /// model did not weigh coverage (weight 0).
    #[serde(deserialize_with = "weights")]
    pub weights: [f32; FEATURES],
    pub bias: f32,
    /// Answer at or above this probability.
    pub answer: f32,
    /// Suggest at or above this probability (else escalate).
    pub suggest: f32,
    /// A question whose cosine (as encoded, before the query adapter) with one of the
    /// top entry's own questions (its title, an alternative, or a question an operator
    /// resolved with it) reaches this, and with
    /// no other entry's as high, repeats that question: it is answered whatever the
    /// model says. On `eval/calibration`, 14 of 14 such tops at 0.95 were right.
    pub repeat: f32,
}

/// Reads [`Calibration::weights`]: [`FEATURES`] of them, or the 11 of a model fitted
/// before the last feature was added.
fn weights<'de, D: serde::Deserializer<'de>>(d: D) -> Result<[f32; FEATURES], D::Error> {
    let given = Vec::<f32>::deserialize(d)?;
    if given.len() != FEATURES && given.len() != FEATURES - 1 {
        return Err(serde::de::Error::invalid_length(
            given.len(),
            &"12 weights (or the 11 of a decision fitted before the coverage feature)",
        ));
    }
    let mut weights = [0.0; FEATURES];
    weights[..given.len()].copy_from_slice(&given);
    Ok(weights)
}

/// How many features the calibrated decision weighs.
pub const FEATURES: usize = 12;

impl Default for Calibration {
    fn default() -> Self {
        Self {
            weights: [
                1.1747, 4.6421, -0.6929, 4.4308, 2.6010, 1.2410, 1.0140, 0.0227, -0.0261, 0.1907,
                4.5687, 2.7086,
            ],
            bias: -7.5874,
            answer: 0.920,
            suggest: 0.565,
            repeat: 0.97,
        }
    }
}

/// What the calibrated decision looks at: the top candidate's signals and the best of
/// the other returned candidates' (0 when there is none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Signals {
    pub top: f32,
    pub second: f32,
    pub lexical: f32,
    pub other_lexical: f32,
    pub cosine: f32,
    pub other_cosine: f32,
    /// Cosine with the question + answer.
    pub passage: f32,
    pub other_passage: f32,
    pub chars: usize,
    /// The top's share of the question held by its own questions ([`super::Candidate`]).
    pub coverage: f32,
    /// Best cosine of the question as encoded (before the query adapter) with the top
    /// entry's own questions, and with any other returned entry's: for [`Calibration::repeat`].
    pub said: f32,
    pub other_said: f32,
}

impl Signals {
    /// Top fused score, its lead over the second, the top's lexical score, its cosine,
    /// its cosine lead, ln(1 + question characters); then whether the rankers agree
    /// (1 when the top is also first by lexical score, by cosine, by passage cosine
    /// alone, ties going to it), its lexical lead and its passage-cosine lead; the share of
    /// the question its own questions hold.
    pub fn features(&self) -> [f32; FEATURES] {
        let first = |own: f32, other: f32| if own >= other { 1.0 } else { 0.0 };
        [
            self.top,
            self.top - self.second,
            self.lexical,
            self.cosine,
            self.cosine - self.other_cosine,
            (1.0 + self.chars as f32).ln(),
            first(self.lexical, self.other_lexical),
            first(self.cosine, self.other_cosine),
            first(self.passage, self.other_passage),
            self.lexical - self.other_lexical,
            self.passage - self.other_passage,
            self.coverage,
        ]
    }
}

impl Calibration {
    /// The probability that the top candidate is right.
    pub fn probability(&self, s: &Signals) -> f32 {
        let x = s.features();
        let z: f32 = self.bias + x.iter().zip(&self.weights).map(|(x, w)| x * w).sum::<f32>();
        1.0 / (1.0 + (-z).exp())
    }

    /// Decides from the signals (`None`: no candidate).
    pub fn decide(&self, signals: Option<&Signals>) -> (Decision, Reason, Option<f32>) {
        let Some(s) = signals else {
            return (Decision::Escalate, Reason::NoMatch, None);
        };
        let p = self.probability(s);
        let repeats = s.said >= self.repeat && s.said > s.other_said;
        let decided = if p >= self.answer || repeats {
            (Decision::Answer, Reason::Confident)
        } else if p >= self.suggest && s.top - s.second < 0.05 {
            (Decision::Suggest, Reason::Ambiguous)
        } else if p >= self.suggest {
            (Decision::Suggest, Reason::LowConfidence)
        } else {
            (Decision::Escalate, Reason::NoMatch)
        };
        (decided.0, decided.1, Some(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decides_by_score_and_lead() {
        let t = Thresholds {
            answer: 0.6,
            margin: 0.1,
            suggest: 0.3,
        };
        assert_eq!(t.decide(Some(0.9), Some(0.5)).0, Decision::Answer);
        assert_eq!(
            t.decide(Some(0.9), Some(0.85)),
            (Decision::Suggest, Reason::Ambiguous)
        );
        assert_eq!(
            t.decide(Some(0.4), None),
            (Decision::Suggest, Reason::LowConfidence)
        );
        assert_eq!(t.decide(Some(0.1), None).0, Decision::Escalate);
        assert_eq!(t.decide(None, None), (Decision::Escalate, Reason::NoMatch));
    }

    #[test]
    fn the_calibrated_decision_answers_clear_leads_and_escalates_weak_matches() {
        let c = Calibration::default();
        let clear = Signals {
            top: 0.8,
            second: 0.4,
            lexical: 0.9,
            other_lexical: 0.5,
            cosine: 0.8,
            other_cosine: 0.5,
            passage: 0.7,
            other_passage: 0.5,
            chars: 12,
            coverage: 0.9,
            said: 0.8,
            other_said: 0.5,
        };
        assert_eq!(c.decide(Some(&clear)).0, Decision::Answer);
        let weak = Signals {
            top: 0.05,
            second: 0.05,
            lexical: 0.0,
            other_lexical: 0.05,
            cosine: 0.2,
            other_cosine: 0.3,
            passage: 0.2,
            other_passage: 0.3,
            chars: 4,
            coverage: 0.0,
            said: 0.2,
            other_said: 0.3,
        };
        assert_eq!(c.decide(Some(&weak)).0, Decision::Escalate);
        assert_eq!(c.decide(None).1, Reason::NoMatch);
    }

    #[test]
    fn a_decision_fitted_before_the_coverage_feature_still_reads_and_ignores_it() {
        let eleven = "weights = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\nbias = -1.0";
        let read: Calibration = toml::from_str(eleven).unwrap();
        assert_eq!(
            read.weights[..11],
            [1., 2., 3., 4., 5., 6., 7., 8., 9., 10., 11.]
        );
        assert_eq!(read.weights[11], 0.0);
        let twelve = "weights = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]";
        let read: Calibration = toml::from_str(twelve).unwrap();
        assert_eq!(read.weights[11], 12.0);
        let ten = "weights = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]";
        let refused = toml::from_str::<Calibration>(ten).unwrap_err().to_string();
        assert!(refused.contains("12 weights"), "{refused}");
    }

    #[test]
    fn a_question_that_repeats_one_of_the_entrys_own_is_answered() {
        let c = Calibration::default();
        // Found by its meaning alone (a question an operator resolved with the entry):
        // the model on its own would not answer.
        let repeat = Signals {
            top: 0.19,
            second: 0.12,
            lexical: 0.05,
            other_lexical: 0.16,
            cosine: 0.86,
            other_cosine: 0.63,
            passage: 0.17,
            other_passage: 0.21,
            chars: 12,
            coverage: 0.1,
            said: 1.0,
            other_said: 0.63,
        };
        assert!(c.probability(&repeat) < c.answer);
        assert_eq!(
            c.decide(Some(&repeat)).0,
            Decision::Answer,
            "{}",
            c.probability(&repeat)
        );
        // Two entries hold the same question: the model decides.
        let shared = Signals {
            other_said: 1.0,
            ..repeat
        };
        assert_ne!(c.decide(Some(&shared)).0, Decision::Answer);
    }
}
