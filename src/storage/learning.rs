//! The learning loop's and the dashboard's storage: per-entry statistics, the raw
//! material of the unanswered report, and the dashboard's counts. Every report is one query, whatever the number of entries or days.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::{sql, sql_owned, tickets, Conn, Result, StorageError, Store};

/// How many messages (either way) may pass between the bot's answer and a ticket for the
/// ticket to count as "escalated after" that answer: enough for いいえ → a list or
/// 「担当者におつなぎしますか」 → はい → 職員番号 (and one retry), too few to reach back
/// into an earlier exchange.
pub const ESCALATION_WINDOW_MESSAGES: i64 = 8;

/// A span of time: `from` inclusive, `to` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// What the bot did with one FAQ entry over a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct EntryCounts {
    pub faq_id: String,
    /// Times a bot message showed it: as the answer, or among numbered choices.
    pub shown: i64,
    /// Times the bot answered with it.
    pub answered: i64,
    /// 解決した / 解決しなかった after it.
    pub resolved: i64,
    pub unresolved: i64,
    /// Tickets opened in a conversation right after the bot had answered with it (within
    /// [`ESCALATION_WINDOW_MESSAGES`], with no 解決した in between).
    pub escalated: i64,
}

/// Why a question counts as unanswered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    /// It became a ticket (its subject is the question).
    Escalated,
    /// The engine found nothing (decision `escalate`, reason `no_match`).
    NoMatch,
    /// The staff member answered 「いいえ」 to the bot's answer.
    NotResolved,
}

/// One unanswered question, as logged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnansweredQuestion {
    pub kind: GapKind,
    /// The logged question (none for a ticket).
    pub question_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub text: String,
    pub at: DateTime<Utc>,
}

/// A row of the unanswered-questions query.
#[derive(sqlx::FromRow)]
struct GapRow {
    kind: String,
    question_id: Option<i64>,
    ticket_id: Option<i64>,
    text: String,
    at: DateTime<Utc>,
}

/// Counts over one period for the dashboard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PeriodCounts {
    /// Questions asked (small talk not counted).
    pub questions: i64,
    /// Of those, answered automatically (decision `answer`).
    pub answered: i64,
    /// Tickets opened.
    pub escalated: i64,
}

/// The dashboard's counts: today, this month, and the queue now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DashboardCounts {
    pub today: PeriodCounts,
    pub month: PeriodCounts,
    /// Tickets 新規, 対応中 or 保留 now.
    pub open_tickets: i64,
    /// Open tickets past a due time now (as [`Store::overdue_tickets`]).
    pub overdue_tickets: i64,
}

/// Questions and automatic answers on one local day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayCounts {
    pub date: NaiveDate,
    pub questions: i64,
    pub answered: i64,
}

/// The most days [`Store::questions_by_day`] reads at once.
pub const MAX_DAYS: usize = 366;

/// A question as it is compared: NFKC, lower case, no spaces, no closing punctuation, so
/// 「ﾊﾟｽﾜｰﾄﾞ 忘れた？」 and 「パスワード忘れた」 are the same question.
pub fn question_key(text: &str) -> String {
    let mut key: String = crate::analysis::normalize(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    while key.ends_with(['?', '!', '.', '。', '、', ',', '…']) {
        key.pop();
    }
    key
}

/// Rows of `questions q` that are a question (not 「こんにちは」 or 「ありがとう」), in SQL.
pub(super) const ASKED: &str =
    "(q.reason IS NULL OR q.reason NOT IN ('greeting', 'thanks', 'empty'))";

impl GapKind {
    fn parse(kind: &str) -> Self {
        match kind {
            "escalated" => GapKind::Escalated,
            "no_match" => GapKind::NoMatch,
            _ => GapKind::NotResolved,
        }
    }
}

/// Per FAQ entry, what the bot did with it during `period` (only entries with something
/// to count).
pub async fn entry_statistics(c: &mut Conn<'_>, period: Period) -> Result<Vec<EntryCounts>> {
    // Every event of the period as (entry, kind), counted per entry. A ticket is put on
    // the last entry the bot answered with in its conversation before it opened, when few
    // messages passed between and no 解決した came in between.
    sql("SELECT faq_id, \
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
         ) events GROUP BY faq_id ORDER BY faq_id")
    .bind(period.from)
    .bind(period.to)
    .bind(ESCALATION_WINDOW_MESSAGES)
    .fetch_all(c)
    .await
}

/// The unanswered questions of `period`, newest first, at most `limit`: no-match
/// questions, 「いいえ」 answers (one per 「いいえ」) and tickets.
pub async fn unanswered(
    c: &mut Conn<'_>,
    period: Period,
    limit: i64,
) -> Result<Vec<UnansweredQuestion>> {
    static QUERY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT kind, question_id, ticket_id, text, at FROM (\
             SELECT 'no_match' AS kind, q.id AS question_id, \
             CAST(NULL AS BIGINT) AS ticket_id, q.text AS text, q.asked_at AS at \
             FROM questions q WHERE q.asked_at >= $1 AND q.asked_at < $2 \
             AND q.decision = 'escalate' AND {ASKED} \
             UNION ALL \
             SELECT 'not_resolved', q.id, CAST(NULL AS BIGINT), q.text, f.created_at \
             FROM feedback f JOIN questions q ON q.id = f.question_id \
             WHERE f.created_at >= $1 AND f.created_at < $2 AND NOT f.resolved \
             UNION ALL \
             SELECT 'escalated', CAST(NULL AS BIGINT), t.id, t.subject, t.opened_at \
             FROM tickets t WHERE t.opened_at >= $1 AND t.opened_at < $2 \
             AND t.request_kind IS NULL\
             ) gaps ORDER BY at DESC LIMIT $3"
        )
    });
    let rows: Vec<GapRow> = sql(QUERY.as_str())
        .bind(period.from)
        .bind(period.to)
        .bind(limit)
        .fetch_all(c)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| UnansweredQuestion {
            kind: GapKind::parse(&row.kind),
            question_id: row.question_id,
            ticket_id: row.ticket_id,
            text: row.text,
            at: row.at,
        })
        .collect())
}

/// Questions, automatic answers and tickets opened in `today` and `month`; open and
/// overdue tickets at `at`.
pub async fn dashboard(
    c: &mut Conn<'_>,
    today: Period,
    month: Period,
    at: DateTime<Utc>,
) -> Result<DashboardCounts> {
    static PERIODS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let counts = |from: &str, to: &str| {
            format!(
                "(SELECT COUNT(*) FROM questions q WHERE q.asked_at >= {from} \
                 AND q.asked_at < {to} AND {ASKED}), \
                 (SELECT COUNT(*) FROM questions q WHERE q.asked_at >= {from} \
                 AND q.asked_at < {to} AND q.decision = 'answer'), \
                 (SELECT COUNT(*) FROM tickets t WHERE t.opened_at >= {from} \
                 AND t.opened_at < {to})"
            )
        };
        format!("SELECT {}, {}", counts("$1", "$2"), counts("$3", "$4"))
    });
    type Row = (i64, i64, i64, i64, i64, i64);
    let r: Row = sql(PERIODS.as_str())
        .bind(today.from)
        .bind(today.to)
        .bind(month.from)
        .bind(month.to)
        .fetch_one(c)
        .await?;
    let (open_tickets, overdue_tickets) = tickets::open_and_overdue(c, at).await?;
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
        open_tickets,
        overdue_tickets,
    })
}

/// Questions and automatic answers on each of `days` (at most [`MAX_DAYS`]), in the
/// order given.
pub async fn questions_by_day(
    c: &mut Conn<'_>,
    days: &[(NaiveDate, Period)],
) -> Result<Vec<DayCounts>> {
    if days.len() > MAX_DAYS {
        return Err(StorageError::Invalid(format!(
            "{} days asked for, at most {MAX_DAYS} at once",
            days.len()
        )));
    }
    if days.is_empty() {
        return Ok(Vec::new());
    }
    // The days as a table of (n, from, to), joined to the questions of each. Only
    // placeholders are generated here, never values.
    let values: Vec<String> = (0..days.len())
        .map(|i| format!("({i}, ${}, ${})", 2 * i + 1, 2 * i + 2))
        .collect();
    let mut query = sql_owned(format!(
        "WITH days (n, day_from, day_to) AS (VALUES {}) \
         SELECT CAST(d.n AS BIGINT), COUNT(q.id), \
         COALESCE(SUM(CASE WHEN q.decision = 'answer' THEN 1 ELSE 0 END), 0) \
         FROM days d LEFT JOIN questions q ON q.asked_at >= d.day_from \
         AND q.asked_at < d.day_to AND {ASKED} GROUP BY d.n ORDER BY d.n",
        values.join(", "),
    ));
    for (_, period) in days {
        query = query.bind(period.from).bind(period.to);
    }
    let counts: Vec<(i64, i64, i64)> = query.fetch_all(c).await?;
    Ok(days
        .iter()
        .enumerate()
        .map(|(i, (date, _))| {
            let (questions, answered) = counts
                .iter()
                .find(|(n, _, _)| *n == i as i64)
                .map(|&(_, q, a)| (q, a))
                .unwrap_or_default();
            DayCounts {
                date: *date,
                questions,
                answered,
            }
        })
        .collect())
}

impl Store {
    /// Per FAQ entry, what the bot did with it during `period`.
    pub async fn entry_statistics(&self, period: Period) -> Result<Vec<EntryCounts>> {
        entry_statistics(&mut self.conn(), period).await
    }

    /// The unanswered questions of `period` (see [`unanswered`]).
    pub async fn unanswered_questions(
        &self,
        period: Period,
        limit: i64,
    ) -> Result<Vec<UnansweredQuestion>> {
        unanswered(&mut self.conn(), period, limit).await
    }

    pub async fn dashboard_counts(
        &self,
        today: Period,
        month: Period,
        at: DateTime<Utc>,
    ) -> Result<DashboardCounts> {
        dashboard(&mut self.conn(), today, month, at).await
    }

    pub async fn questions_by_day(&self, days: &[(NaiveDate, Period)]) -> Result<Vec<DayCounts>> {
        questions_by_day(&mut self.conn(), days).await
    }
}
