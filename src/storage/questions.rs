//! The question log: every question asked, and how the engine decided, for statistics.

use super::{sql, Result, Store, Tx};

/// A question someone asked, and how the answering engine decided.
#[derive(Debug, Clone, PartialEq)]
pub struct NewQuestion {
    /// Where it was asked (`logochat`, `widget`, `api`, `cli`, ...).
    pub channel: String,
    pub text: String,
    /// The engine's decision (`answer`, `suggest`, `escalate`).
    pub decision: String,
    /// Why (`confident`, `no_match`, `greeting`, ...: [`crate::engine::Reason::as_str`]);
    /// small talk is decided `escalate` too, and this tells it apart from a real miss.
    pub reason: Option<String>,
    pub top_faq_id: Option<String>,
    pub top_score: Option<f64>,
}

/// Logs a question inside `tx`; its id.
pub async fn record(tx: &mut Tx, q: &NewQuestion) -> Result<i64> {
    let now = tx.now();
    sql(
        "INSERT INTO questions (asked_at, channel, text, decision, top_faq_id, top_score, \
         reason) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(now)
    .bind(&q.channel)
    .bind(&q.text)
    .bind(&q.decision)
    .bind(&q.top_faq_id)
    .bind(q.top_score)
    .bind(&q.reason)
    .scalar(&mut tx.conn())
    .await
}

impl Store {
    /// Logs a question, asked now. Returns its id.
    pub async fn record_question(&self, question: &NewQuestion) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = record(&mut tx, question).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn question_count(&self) -> Result<i64> {
        sql("SELECT COUNT(*) FROM questions")
            .scalar(&mut self.conn())
            .await
    }
}
