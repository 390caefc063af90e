//! The question log: every question asked, and how the engine decided, for statistics.

use chrono::{DateTime, Utc};

use super::{sql, Result, Sql, Store, Tx};

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
    insert(q, tx.now()).scalar(&mut tx.conn()).await
}

fn insert(q: &NewQuestion, now: DateTime<Utc>) -> Sql {
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
}

impl Store {
    /// Logs a question, asked now. Returns its id.
    pub async fn record_question(&self, question: &NewQuestion) -> Result<i64> {
        self.write_scalar(|now| insert(question, now)).await
    }

    pub async fn question_count(&self) -> Result<i64> {
        sql("SELECT COUNT(*) FROM questions")
            .scalar(&mut self.conn())
            .await
    }
}
