//! 解決した / 解決しなかった, per FAQ entry.

use super::{sql, FeedbackCounts, NewFeedback, Result, Store, Tx};

pub async fn record(tx: &mut Tx, feedback: &NewFeedback) -> Result<()> {
    let now = tx.now();
    sql(
        "INSERT INTO feedback (faq_id, conversation_id, question_id, resolved, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&feedback.faq_id)
    .bind(feedback.conversation_id)
    .bind(feedback.question_id)
    .bind(feedback.resolved)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    Ok(())
}

impl Store {
    pub async fn feedback_counts(&self, faq_id: &str) -> Result<FeedbackCounts> {
        let rows: Vec<(bool, i64)> =
            sql("SELECT resolved, COUNT(*) FROM feedback WHERE faq_id = $1 GROUP BY resolved")
                .bind(faq_id)
                .fetch_all(&mut self.conn())
                .await?;
        let mut counts = FeedbackCounts::default();
        for (resolved, n) in rows {
            if resolved {
                counts.resolved = n;
            } else {
                counts.unresolved = n;
            }
        }
        Ok(counts)
    }
}
