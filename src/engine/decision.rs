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
}
