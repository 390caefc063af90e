//! The learning loop's SQL, written once for both backends like `shared_queries!`
//! (`$n` parameters, which the SQLite backend rewrites; `self.begin_write()` for writes).
//! Types are named by path (`super::learning::...`) because the macro expands inside
//! `sqlite.rs` and `postgres.rs`.

macro_rules! learning_queries {
    () => {
        pub(super) async fn learning_entry_statistics(
            &self,
            period: super::learning::Period,
        ) -> Result<Vec<super::learning::EntryCounts>> {
            // Every event of the period as (entry, kind), counted per entry. A ticket is
            // put on the last entry the bot answered with in its conversation before it
            // opened, when few messages passed between and no 解決した came in between.
            Ok(sqlx::query_as(&sql(
                "SELECT faq_id, \
                 SUM(CASE WHEN kind IN ('answer', 'offer') THEN 1 ELSE 0 END) AS shown, \
                 SUM(CASE WHEN kind = 'answer' THEN 1 ELSE 0 END) AS answered, \
                 SUM(CASE WHEN kind = 'resolved' THEN 1 ELSE 0 END) AS resolved, \
                 SUM(CASE WHEN kind = 'unresolved' THEN 1 ELSE 0 END) AS unresolved, \
                 SUM(CASE WHEN kind = 'escalated' THEN 1 ELSE 0 END) AS escalated \
                 FROM (\
                 SELECT m.faq_id, 'answer' AS kind FROM messages m \
                 WHERE m.faq_id IS NOT NULL AND m.created_at >= $1 AND m.created_at < $2 \
                 UNION ALL \
                 SELECT o.faq_id, 'offer' FROM message_offers o \
                 WHERE o.created_at >= $1 AND o.created_at < $2 \
                 UNION ALL \
                 SELECT f.faq_id, CASE WHEN f.resolved THEN 'resolved' ELSE 'unresolved' END \
                 FROM feedback f WHERE f.created_at >= $1 AND f.created_at < $2 \
                 UNION ALL \
                 SELECT a.faq_id, 'escalated' FROM tickets t \
                 JOIN messages a ON a.id = (SELECT MAX(b.id) FROM messages b \
                 WHERE b.conversation_id = t.conversation_id AND b.faq_id IS NOT NULL \
                 AND b.created_at <= t.opened_at) \
                 WHERE t.opened_at >= $1 AND t.opened_at < $2 \
                 AND (SELECT COUNT(*) FROM messages c WHERE c.conversation_id = a.conversation_id \
                 AND c.id > a.id AND c.created_at <= t.opened_at) <= $3 \
                 AND NOT EXISTS (SELECT 1 FROM feedback r \
                 WHERE r.conversation_id = t.conversation_id AND r.resolved \
                 AND r.created_at > a.created_at AND r.created_at <= t.opened_at)\
                 ) events GROUP BY faq_id ORDER BY faq_id",
            ))
            .bind(period.from)
            .bind(period.to)
            .bind(super::learning::ESCALATION_WINDOW_MESSAGES)
            .fetch_all(&self.pool)
            .await?)
        }

        pub(super) async fn learning_unanswered(
            &self,
            period: super::learning::Period,
            limit: i64,
        ) -> Result<Vec<super::learning::GapRow>> {
            let query = format!(
                "SELECT kind, question_id, ticket_id, text, at FROM (\
                 SELECT 'no_match' AS kind, q.id AS question_id, \
                 CAST(NULL AS BIGINT) AS ticket_id, q.text AS text, q.asked_at AS at \
                 FROM questions q WHERE q.asked_at >= $1 AND q.asked_at < $2 \
                 AND q.decision = 'escalate' AND {asked} \
                 UNION ALL \
                 SELECT 'not_resolved', q.id, CAST(NULL AS BIGINT), q.text, f.created_at \
                 FROM feedback f JOIN questions q ON q.id = f.question_id \
                 WHERE f.created_at >= $1 AND f.created_at < $2 AND NOT f.resolved \
                 UNION ALL \
                 SELECT 'escalated', CAST(NULL AS BIGINT), t.id, t.subject, t.opened_at \
                 FROM tickets t WHERE t.opened_at >= $1 AND t.opened_at < $2 \
                 AND t.request_kind IS NULL\
                 ) gaps ORDER BY at DESC LIMIT $3",
                asked = super::learning::ASKED,
            );
            Ok(sqlx::query_as(&sql(&query))
                .bind(period.from)
                .bind(period.to)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
        }

        pub(super) async fn learning_propose(
            &self,
            proposal: &super::learning::NewProposal,
            key: &str,
            now: DateTime<Utc>,
        ) -> Result<Option<i64>> {
            // One statement: a question already pending for the entry is left alone.
            Ok(sqlx::query_scalar(&sql(
                "INSERT INTO faq_proposals (faq_id, question, question_key, ticket_id, \
                 proposed_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (faq_id, question_key) WHERE status = 'proposed' DO NOTHING \
                 RETURNING id",
            ))
            .bind(&proposal.faq_id)
            .bind(&proposal.question)
            .bind(key)
            .bind(proposal.ticket_id)
            .bind(&proposal.proposed_by)
            .bind(now)
            .fetch_optional(&mut *self.write_conn().await?)
            .await?)
        }

        pub(super) async fn learning_proposal(
            &self,
            id: i64,
        ) -> Result<Option<super::learning::Proposal>> {
            Ok(sqlx::query_as(&sql(&format!(
                "SELECT {} FROM faq_proposals WHERE id = $1",
                super::learning::PROPOSAL_COLUMNS
            )))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
        }

        pub(super) async fn learning_pending(
            &self,
            limit: i64,
        ) -> Result<Vec<super::learning::PendingProposal>> {
            Ok(sqlx::query_as(&sql(
                "SELECT p.id, p.faq_id, e.title AS faq_title, p.question, p.ticket_id, \
                 p.proposed_by, p.created_at FROM faq_proposals p \
                 JOIN faq_entries e ON e.id = p.faq_id \
                 WHERE p.status = 'proposed' ORDER BY p.id LIMIT $1",
            ))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
        }

        pub(super) async fn learning_decide(
            &self,
            id: i64,
            login: &str,
            accept: bool,
            now: DateTime<Utc>,
        ) -> Result<super::learning::ProposalOutcome> {
            use super::learning::{question_key, Proposal, ProposalOutcome, PROPOSAL_COLUMNS};
            let mut tx = self.begin_write().await?;
            // Only a pending proposal changes: of two admins deciding at once, one does.
            let decided = sqlx::query(&sql(
                "UPDATE faq_proposals SET status = $2, decided_by = $3, decided_at = $4 \
                 WHERE id = $1 AND status = 'proposed'",
            ))
            .bind(id)
            .bind(if accept { "accepted" } else { "rejected" })
            .bind(login)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let select = format!("SELECT {PROPOSAL_COLUMNS} FROM faq_proposals WHERE id = $1");
            let proposal: Option<Proposal> = sqlx::query_as(&sql(&select))
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
            let proposal = match proposal {
                None => return Ok(ProposalOutcome::NoSuchProposal),
                Some(p) if decided.rows_affected() == 0 => {
                    return Ok(ProposalOutcome::NotPending(p))
                }
                Some(p) => p,
            };
            let mut revision = None;
            if accept {
                // Lock the entry's row (PostgreSQL; SQLite's write transaction already
                // excludes other writers) so a console save cannot slip in between.
                sqlx::query(&sql(
                    "UPDATE faq_entries SET revision = revision WHERE id = $1",
                ))
                .bind(&proposal.faq_id)
                .execute(&mut *tx)
                .await?;
                let row: Option<super::rows::EntryRow> = sqlx::query_as(&sql(&format!(
                    "SELECT {ENTRY_COLUMNS} FROM faq_entries WHERE id = $1"
                )))
                .bind(&proposal.faq_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else {
                    return Err(StorageError::Invalid(format!(
                        "no FAQ entry {:?}",
                        proposal.faq_id
                    )));
                };
                let mut entry = row.into_entry()?;
                let key = question_key(&proposal.question);
                let known = std::iter::once(&entry.title)
                    .chain(&entry.alternatives)
                    .any(|q| question_key(q) == key);
                if !known {
                    entry.alternatives.push(proposal.question.clone());
                }
                entry
                    .validate()
                    .map_err(|e| StorageError::Invalid(e.to_string()))?;
                revision = Some(save_one(&mut tx, &entry, login, now).await?.revision());
            }
            tx.commit().await?;
            Ok(ProposalOutcome::Decided { proposal, revision })
        }

        pub(super) async fn learning_dashboard(
            &self,
            today: super::learning::Period,
            month: super::learning::Period,
            at: DateTime<Utc>,
        ) -> Result<super::learning::DashboardCounts> {
            use super::learning::{DashboardCounts, PeriodCounts};
            let asked = super::learning::ASKED;
            let counts = |from: &str, to: &str| {
                format!(
                    "(SELECT COUNT(*) FROM questions q WHERE q.asked_at >= {from} \
                     AND q.asked_at < {to} AND {asked}), \
                     (SELECT COUNT(*) FROM questions q WHERE q.asked_at >= {from} \
                     AND q.asked_at < {to} AND q.decision = 'answer'), \
                     (SELECT COUNT(*) FROM tickets t WHERE t.opened_at >= {from} \
                     AND t.opened_at < {to})"
                )
            };
            // Overdue as `ticket_overdue` says it, written so the status index serves it.
            let query = format!(
                "SELECT {}, {}, \
                 (SELECT COUNT(*) FROM tickets WHERE status IN ('new', 'in_progress', 'on_hold')), \
                 (SELECT COUNT(*) FROM tickets WHERE status IN ('new', 'in_progress', 'on_hold') \
                 AND ((status = 'new' AND first_response_due < $5) OR resolution_due < $5))",
                counts("$1", "$2"),
                counts("$3", "$4"),
            );
            type Row = (i64, i64, i64, i64, i64, i64, i64, i64);
            let r: Row = sqlx::query_as(&sql(&query))
                .bind(today.from)
                .bind(today.to)
                .bind(month.from)
                .bind(month.to)
                .bind(at)
                .fetch_one(&self.pool)
                .await?;
            Ok(DashboardCounts {
                today: PeriodCounts {
                    questions: r.0,
                    answered: r.1,
                    escalated: r.2,
                },
                month: PeriodCounts {
                    questions: r.3,
                    answered: r.4,
                    escalated: r.5,
                },
                open_tickets: r.6,
                overdue_tickets: r.7,
            })
        }

        pub(super) async fn learning_by_day(
            &self,
            days: &[(chrono::NaiveDate, super::learning::Period)],
        ) -> Result<Vec<(i64, i64, i64)>> {
            // The days as a table of (n, from, to), joined to the questions of each.
            let values: Vec<String> = (0..days.len())
                .map(|i| format!("({i}, ${}, ${})", 2 * i + 1, 2 * i + 2))
                .collect();
            let query = format!(
                "WITH days (n, day_from, day_to) AS (VALUES {}) \
                 SELECT CAST(d.n AS BIGINT), COUNT(q.id), \
                 COALESCE(SUM(CASE WHEN q.decision = 'answer' THEN 1 ELSE 0 END), 0) \
                 FROM days d LEFT JOIN questions q ON q.asked_at >= d.day_from \
                 AND q.asked_at < d.day_to AND {} GROUP BY d.n ORDER BY d.n",
                values.join(", "),
                super::learning::ASKED,
            );
            let query = sql(&query);
            let mut q = sqlx::query_as(&query);
            for (_, period) in days {
                q = q.bind(period.from).bind(period.to);
            }
            Ok(q.fetch_all(&self.pool).await?)
        }
    };
}

/// Free functions the shared queries call inside a turn's transaction; `Conn` is the
/// backend's connection type.
macro_rules! learning_functions {
    () => {
        /// Stores the entries a message offers as numbered choices.
        async fn insert_offers(
            conn: &mut Conn,
            message_id: i64,
            offers: &[String],
            now: DateTime<Utc>,
        ) -> Result<()> {
            for (position, faq_id) in (1_i64..).zip(offers) {
                sqlx::query(&sql(
                    "INSERT INTO message_offers (message_id, position, faq_id, created_at) \
                     VALUES ($1, $2, $3, $4)",
                ))
                .bind(message_id)
                .bind(position)
                .bind(faq_id)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            }
            Ok(())
        }
    };
}

pub(in crate::storage) use {learning_functions, learning_queries};
