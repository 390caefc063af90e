//! The counts of the helpdesk's reports to the city, each one query over a period
//! (`from` inclusive, `to` exclusive; the caller makes the periods from JST days). Rows
//! of an unknown key (NULL) come last on both backends (PostgreSQL sorts NULL last by
//! itself, SQLite first).

use std::sync::LazyLock;

use serde::Serialize;

use super::learning::{Period, ASKED};
use super::{sql_owned, Conn, Result};
use crate::domain::{Author, Channel, RunStatus};

/// Questions and automatic answers for one key (a channel, a category...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct KeyCounts {
    /// `None`: not known (no FAQ category, a member not in the directory).
    pub key: Option<String>,
    pub total: i64,
    pub answered: i64,
}

/// Tickets of a period against their SLA targets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SlaCounts {
    /// Tickets opened.
    pub opened: i64,
    /// Of those with a first-response target, how many had an operator's message by it.
    pub first_response_targets: i64,
    pub first_response_met: i64,
    /// Of those with a resolution target, how many were resolved by it.
    pub resolution_targets: i64,
    pub resolution_met: i64,
    /// Resolved (at any time up to now).
    pub resolved: i64,
}

/// Questions per channel: asked, and answered by the bot.
pub async fn questions_by_channel(c: &mut Conn<'_>, period: Period) -> Result<Vec<KeyCounts>> {
    static Q: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT q.channel AS key, COUNT(*) AS total, \
             COALESCE(SUM(CASE WHEN q.decision = 'answer' THEN 1 ELSE 0 END), 0) AS answered \
             FROM questions q WHERE q.asked_at >= $1 AND q.asked_at < $2 AND {ASKED} \
             GROUP BY q.channel ORDER BY q.channel"
        )
    });
    sql_owned(Q.clone())
        .bind(period.from)
        .bind(period.to)
        .fetch_all(c)
        .await
}

/// Questions per category of the FAQ entry the engine found first (none when it found
/// nothing to answer or suggest).
pub async fn questions_by_category(c: &mut Conn<'_>, period: Period) -> Result<Vec<KeyCounts>> {
    static Q: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT f.category AS key, COUNT(*) AS total, \
             COALESCE(SUM(CASE WHEN q.decision = 'answer' THEN 1 ELSE 0 END), 0) AS answered \
             FROM questions q LEFT JOIN faq_entries f \
             ON f.id = q.top_faq_id AND q.decision <> 'escalate' \
             WHERE q.asked_at >= $1 AND q.asked_at < $2 AND {ASKED} \
             GROUP BY f.category ORDER BY COUNT(*) DESC, f.category IS NULL, f.category"
        )
    });
    sql_owned(Q.clone())
        .bind(period.from)
        .bind(period.to)
        .fetch_all(c)
        .await
}

/// Conversations started per 所属 of the staff member (as it was when they were
/// identified; else as the directory has it now), and how many of them became tickets.
pub async fn conversations_by_department(
    c: &mut Conn<'_>,
    period: Period,
) -> Result<Vec<KeyCounts>> {
    // `answered` here: conversations that did not become a ticket.
    sql_owned(
        "SELECT x.department AS key, COUNT(*) AS total, \
         COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM tickets t \
         WHERE t.conversation_id = x.id) THEN 0 ELSE 1 END), 0) AS answered \
         FROM (SELECT c.id, COALESCE(c.department, s.department) AS department \
           FROM conversations c LEFT JOIN staff s ON s.employee_no = c.staff_no \
           WHERE c.created_at >= $1 AND c.created_at < $2) x \
         GROUP BY x.department ORDER BY COUNT(*) DESC, x.department IS NULL, x.department"
            .to_owned(),
    )
    .bind(period.from)
    .bind(period.to)
    .fetch_all(c)
    .await
}

/// Tickets opened per channel (`answered`: resolved).
pub async fn tickets_by_channel(c: &mut Conn<'_>, period: Period) -> Result<Vec<KeyCounts>> {
    sql_owned(
        "SELECT t.channel AS key, COUNT(*) AS total, \
         COALESCE(SUM(CASE WHEN t.resolved_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS answered \
         FROM tickets t WHERE t.opened_at >= $1 AND t.opened_at < $2 \
         GROUP BY t.channel ORDER BY t.channel"
            .to_owned(),
    )
    .bind(period.from)
    .bind(period.to)
    .fetch_all(c)
    .await
}

/// The tickets opened in the period against their SLA targets. The first response is the
/// first operator message in the ticket's conversation after it opened.
pub async fn sla(c: &mut Conn<'_>, period: Period) -> Result<SlaCounts> {
    sql_owned(
        "SELECT COUNT(*) AS opened, \
         COALESCE(SUM(CASE WHEN t.first_response_due IS NOT NULL THEN 1 ELSE 0 END), 0) \
           AS first_response_targets, \
         COALESCE(SUM(CASE WHEN t.first_response_due IS NOT NULL AND EXISTS (SELECT 1 \
           FROM messages m WHERE m.conversation_id = t.conversation_id AND m.author = $3 \
           AND m.created_at >= t.opened_at AND m.created_at <= t.first_response_due) \
           THEN 1 ELSE 0 END), 0) AS first_response_met, \
         COALESCE(SUM(CASE WHEN t.resolution_due IS NOT NULL THEN 1 ELSE 0 END), 0) \
           AS resolution_targets, \
         COALESCE(SUM(CASE WHEN t.resolution_due IS NOT NULL AND t.resolved_at IS NOT NULL \
           AND t.resolved_at <= t.resolution_due THEN 1 ELSE 0 END), 0) AS resolution_met, \
         COALESCE(SUM(CASE WHEN t.resolved_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS resolved \
         FROM tickets t WHERE t.opened_at >= $1 AND t.opened_at < $2"
            .to_owned(),
    )
    .bind(period.from)
    .bind(period.to)
    .bind(Author::Operator)
    .fetch_one(c)
    .await
}

/// One print-batch job's runs received in a period (5(1)オ②: 各バッチの運用状況).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct BatchCounts {
    pub job_id: String,
    /// Data files received.
    pub received: i64,
    /// Stopped by a failed check (the sender was asked for a corrected file).
    pub stopped: i64,
    /// Printed (the printer reported the job complete).
    pub printed: i64,
    /// Gone on despite warnings, with an admin's recorded reason.
    pub overridden: i64,
    /// Records and pages of the printed runs.
    pub records: i64,
    pub pages: i64,
}

impl BatchCounts {
    /// Received and neither stopped nor printed yet (checked, approved or being printed).
    pub fn waiting(&self) -> i64 {
        self.received - self.stopped - self.printed
    }
}

/// The print runs received in the period, by job.
pub async fn batches_by_job(c: &mut Conn<'_>, period: Period) -> Result<Vec<BatchCounts>> {
    sql_owned(
        "SELECT job_id, COUNT(*) AS received, \
         CAST(COALESCE(SUM(CASE WHEN status = $3 THEN 1 ELSE 0 END), 0) AS BIGINT) \
           AS stopped, \
         CAST(COALESCE(SUM(CASE WHEN status = $4 THEN 1 ELSE 0 END), 0) AS BIGINT) \
           AS printed, \
         CAST(COALESCE(SUM(CASE WHEN override_reason IS NOT NULL THEN 1 ELSE 0 END), 0) \
           AS BIGINT) AS overridden, \
         CAST(COALESCE(SUM(CASE WHEN status = $4 THEN records ELSE 0 END), 0) \
           AS BIGINT) AS records, \
         CAST(COALESCE(SUM(CASE WHEN status = $4 THEN pages ELSE 0 END), 0) \
           AS BIGINT) AS pages \
         FROM batch_runs WHERE received_at >= $1 AND received_at < $2 \
         GROUP BY job_id ORDER BY job_id"
            .to_owned(),
    )
    .bind(period.from)
    .bind(period.to)
    .bind(RunStatus::Stopped)
    .bind(RunStatus::Printed)
    .fetch_all(c)
    .await
}

/// The channel a stored key names, for labels (`None` for an unknown key).
pub fn channel_label(key: &str) -> Option<&'static str> {
    Channel::parse(key).ok().map(Channel::label)
}
