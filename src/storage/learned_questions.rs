//! Questions learned from resolved tickets (see migrations/*/0020_learned_questions.sql):
//! the question of a ticket resolved with an FAQ link, whose sentence vector joins the
//! entry's vectors.

use super::{sql, Conn, Result, Tx};

/// A question learned from a resolved ticket.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LearnedQuestion {
    pub ticket_id: i64,
    pub faq_id: String,
    pub question: String,
}

/// Keeps the question of ticket `ticket_id` for entry `faq_id`, inside the resolution's
/// transaction; nothing when the ticket already taught one. Whether it was new.
pub async fn learn(
    tx: &mut Tx,
    ticket_id: i64,
    faq_id: &str,
    question: &str,
    operator: &str,
) -> Result<bool> {
    let now = tx.now();
    let added = sql(
        "INSERT INTO faq_learned_questions (ticket_id, faq_id, question, learned_by, learned_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ticket_id) DO NOTHING",
    )
    .bind(ticket_id)
    .bind(faq_id)
    .bind(question)
    .bind(operator)
    .bind(now)
    .execute(&mut tx.conn())
    .await?;
    Ok(added == 1)
}

/// Every learned question, by entry and ticket.
pub async fn all(c: &mut Conn<'_>) -> Result<Vec<LearnedQuestion>> {
    sql(
        "SELECT ticket_id, faq_id, question FROM faq_learned_questions \
         ORDER BY faq_id, ticket_id",
    )
    .fetch_all(c)
    .await
}
