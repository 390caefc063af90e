//! Which text of an FAQ entry a stored sentence vector encodes.

use super::text_enum::text_enum;

text_enum! {
    /// The text a stored vector encodes: the entry's question (its title), one of its
    /// alternative questions, the question with the start of its answer, or a question
    /// a staff member asked in a ticket an operator resolved with the entry.
    pub enum VectorKind: "vector kind" {
        Question = "question" / "質問",
        Alternative = "alternative" / "別の聞き方",
        QuestionAnswer = "question_answer" / "質問と回答",
        Learned = "learned" / "解決したチケットの質問",
    }
}

impl VectorKind {
    /// A vector of a way the question is asked (compared with the staff member's
    /// question directly), not of the answer.
    pub fn is_question(self) -> bool {
        matches!(
            self,
            VectorKind::Question | VectorKind::Alternative | VectorKind::Learned
        )
    }
}
