//! How the lexical score and the dense cosines of a candidate combine into one ranking
//! score (0..1). Cosines of the adapted question (see `adapter.rs`) sit between about 0
//! (unrelated) and 0.9; they are stretched from [`Fusion::floor`]..[`Fusion::ceiling`] onto
//! 0..1 first, so that the three parts are on one scale. The weights and the stretch were
//! picked on `eval/calibration` only (`scripts/fit-decision`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fusion {
    /// Weight of the lexical score.
    pub lexical: f32,
    /// Weight of the cosine with the entry's nearest question (title or alternative).
    pub question: f32,
    /// Weight of the cosine with the entry's question + answer.
    pub passage: f32,
    /// A cosine at or below this counts as 0.
    pub floor: f32,
    /// A cosine at or above this counts as 1.
    pub ceiling: f32,
}

impl Default for Fusion {
    fn default() -> Self {
        Self {
            lexical: 0.30,
            question: 0.10,
            passage: 0.05,
            floor: 0.1,
            ceiling: 0.7,
        }
    }
}

impl Fusion {
    /// A cosine on the 0..1 scale.
    fn stretch(&self, cosine: f32) -> f32 {
        ((cosine - self.floor) / (self.ceiling - self.floor).max(1e-6)).clamp(0.0, 1.0)
    }

    /// The dense part of the score (unnormalised), to pick dense-only candidates.
    pub fn dense_part(&self, question: f32, passage: f32) -> f32 {
        self.question * self.stretch(question) + self.passage * self.stretch(passage)
    }

    /// The fused score.
    pub fn score(&self, lexical: f32, question: f32, passage: f32) -> f32 {
        let total = (self.lexical + self.question + self.passage).max(1e-6);
        (self.lexical * lexical + self.dense_part(question, passage)) / total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_score_stays_on_zero_to_one_and_grows_with_each_signal() {
        let f = Fusion::default();
        assert_eq!(f.score(0.0, 0.0, 0.0), 0.0);
        assert!((f.score(1.0, 1.0, 1.0) - 1.0).abs() < 1e-6);
        assert!(f.score(0.5, 0.7, 0.5) > f.score(0.5, 0.6, 0.5));
        assert!(f.score(0.6, 0.7, 0.5) > f.score(0.5, 0.7, 0.5));
    }
}
