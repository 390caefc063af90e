//! The handover dump: every table the helpdesk holds, read whole, each value as text.
//!
//! One statement per table, fixed here (the export never builds SQL from input). Secrets
//! stay behind: sessions, sign-in failures, password hashes and the widget's conversation
//! tokens are not part of a handover.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sqlx::{Column, Row as _, TypeInfo, ValueRef};

use super::{Conn, Result, StorageError};

/// One exported table: its file, its statement and what it holds.
#[derive(Debug, Clone, Copy)]
pub struct HandoverTable {
    /// The table's name in the database (and the file's stem).
    pub table: &'static str,
    pub statement: &'static str,
    /// What the table holds, for the manifest (Japanese, for the next contractor).
    pub description: &'static str,
}

const fn t(
    table: &'static str,
    statement: &'static str,
    description: &'static str,
) -> HandoverTable {
    HandoverTable {
        table,
        statement,
        description,
    }
}

/// Everything handed over, in a stable order.
pub const HANDOVER_TABLES: &[HandoverTable] = &[
    t("tickets", "SELECT * FROM tickets ORDER BY id", "チケット（問い合わせ案件）"),
    t("ticket_notes", "SELECT * FROM ticket_notes ORDER BY id", "チケットの作業メモ"),
    t(
        "conversations",
        "SELECT id, channel, room, user_ref, user_name, staff_no, contact, state, handler, \
         operator, ticket_id, created_at, updated_at FROM conversations ORDER BY id",
        "会話（チャネル・ルーム・利用者ごと。ウィジェットの秘密トークンは除く）",
    ),
    t("messages", "SELECT * FROM messages ORDER BY id", "会話のメッセージ（受信・送信）"),
    t("questions", "SELECT * FROM questions ORDER BY id", "質問と自動回答の判定"),
    t("feedback", "SELECT * FROM feedback ORDER BY id", "回答への評価"),
    t("message_offers", "SELECT * FROM message_offers ORDER BY message_id, position", "回答で示したFAQ候補"),
    t("faq_entries", "SELECT * FROM faq_entries ORDER BY id", "FAQ（現行版）"),
    t("faq_revisions", "SELECT * FROM faq_revisions ORDER BY faq_id, revision", "FAQの改訂履歴"),
    t("faq_proposals", "SELECT * FROM faq_proposals ORDER BY id", "FAQの追加・改訂提案"),
    t("faq_learned_questions", "SELECT * FROM faq_learned_questions ORDER BY ticket_id", "解決したチケットから学んだ質問"),
    t("synonym_dictionaries", "SELECT * FROM synonym_dictionaries ORDER BY version", "同義語辞書の版"),
    t("staff", "SELECT * FROM staff ORDER BY employee_no", "職員名簿"),
    t(
        "users",
        "SELECT login, display_name, role, disabled, created_at, updated_at FROM users ORDER BY login",
        "オペレーター・管理者アカウント（パスワードハッシュは除く）",
    ),
    t("outbox", "SELECT * FROM outbox ORDER BY id", "送信待ち・送信済みの通知"),
    t("ip_segments", "SELECT * FROM ip_segments ORDER BY id", "IPアドレス管理簿：セグメント"),
    t("ip_segment_exclusions", "SELECT * FROM ip_segment_exclusions ORDER BY id", "IPアドレス管理簿：除外範囲（DHCP等）"),
    t("ip_addresses", "SELECT * FROM ip_addresses ORDER BY number", "IPアドレス管理簿：アドレス"),
    t("computer_names", "SELECT * FROM computer_names ORDER BY id", "コンピュータ名管理簿"),
    t("ledger_history", "SELECT * FROM ledger_history ORDER BY id", "管理簿の変更履歴"),
    t("equipment", "SELECT * FROM equipment ORDER BY asset_no", "機器台帳"),
    t(
        "equipment_history",
        "SELECT * FROM equipment_history ORDER BY id",
        "機器台帳の変更履歴（担当者・日時・理由・変更前後）",
    ),
    t("virus_incidents", "SELECT * FROM virus_incidents ORDER BY id", "ウイルス感染等インシデント記録"),
    t("stock_items", "SELECT * FROM stock_items ORDER BY id", "消耗品在庫（品目）"),
    t("stock_moves", "SELECT * FROM stock_moves ORDER BY id", "消耗品の入出庫"),
    t("work_log", "SELECT * FROM work_log ORDER BY id", "作業記録"),
    t("outages", "SELECT * FROM outages ORDER BY id", "障害・計画停止"),
    t("outage_timeline", "SELECT * FROM outage_timeline ORDER BY id", "障害の経過"),
    t("outage_links", "SELECT * FROM outage_links ORDER BY outage_id, conversation_id", "障害に結び付けた会話"),
    t("audit_log", "SELECT * FROM audit_log ORDER BY id", "監査ログ（閲覧・変更の記録）"),
];

/// A table read whole: its column names and its rows, every value as text (NULL as `None`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableDump {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

/// Reads `table` whole.
pub async fn dump(c: &mut Conn<'_>, table: &HandoverTable) -> Result<TableDump> {
    use sqlx::Executor;
    let text = table.statement;
    macro_rules! read {
        ($exec:expr, $rows:ident) => {{
            let rows = sqlx::query(text).fetch_all($exec).await?;
            let mut dump = $rows(&rows)?;
            if rows.is_empty() {
                // No row to name the columns: ask the database what the statement returns.
                let described = $exec.describe(text).await?;
                dump.columns = described
                    .columns()
                    .iter()
                    .map(|c| c.name().to_owned())
                    .collect();
            }
            dump
        }};
    }
    Ok(match c {
        Conn::SqlitePool(pool) => read!(*pool, sqlite_rows),
        Conn::Sqlite(conn) => read!(&mut **conn, sqlite_rows),
        Conn::PgPool(pool) => read!(*pool, pg_rows),
        Conn::Postgres(conn) => read!(&mut **conn, pg_rows),
    })
}

fn names<R: sqlx::Row>(rows: &[R]) -> Vec<String> {
    rows.first()
        .map(|r| r.columns().iter().map(|c| c.name().to_owned()).collect())
        .unwrap_or_default()
}

fn sqlite_rows(rows: &[sqlx::sqlite::SqliteRow]) -> Result<TableDump> {
    let mut out = TableDump {
        columns: names(rows),
        rows: Vec::with_capacity(rows.len()),
    };
    for row in rows {
        let mut values = Vec::with_capacity(row.len());
        for i in 0..row.len() {
            let raw = row.try_get_raw(i)?;
            if raw.is_null() {
                values.push(None);
                continue;
            }
            // The value's own storage class (SQLite types values, not columns).
            let kind = raw.type_info().name().to_owned();
            let value = match kind.as_str() {
                "INTEGER" | "BOOLEAN" => row.try_get_unchecked::<i64, _>(i)?.to_string(),
                "REAL" => row.try_get_unchecked::<f64, _>(i)?.to_string(),
                "BLOB" => hex::encode(row.try_get_unchecked::<Vec<u8>, _>(i)?),
                _ => row.try_get_unchecked::<String, _>(i)?,
            };
            values.push(Some(value));
        }
        out.rows.push(values);
    }
    Ok(out)
}

fn pg_value(row: &sqlx::postgres::PgRow, i: usize) -> Result<Option<String>> {
    let kind = row.columns()[i].type_info().name().to_owned();
    Ok(match kind.as_str() {
        "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => row.try_get::<Option<String>, _>(i)?,
        "INT8" => row.try_get::<Option<i64>, _>(i)?.map(|v| v.to_string()),
        "INT4" => row.try_get::<Option<i32>, _>(i)?.map(|v| v.to_string()),
        "INT2" => row.try_get::<Option<i16>, _>(i)?.map(|v| v.to_string()),
        "FLOAT8" => row.try_get::<Option<f64>, _>(i)?.map(|v| v.to_string()),
        "FLOAT4" => row.try_get::<Option<f32>, _>(i)?.map(|v| v.to_string()),
        "BOOL" => row
            .try_get::<Option<bool>, _>(i)?
            .map(|v| i64::from(v).to_string()),
        "DATE" => row
            .try_get::<Option<NaiveDate>, _>(i)?
            .map(|v| v.to_string()),
        "TIMESTAMPTZ" => row
            .try_get::<Option<DateTime<Utc>>, _>(i)?
            .map(|v| v.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        other => {
            return Err(StorageError::Invalid(format!(
                "handover export: column {} has type {other}, which it cannot write",
                row.columns()[i].name()
            )))
        }
    })
}

fn pg_rows(rows: &[sqlx::postgres::PgRow]) -> Result<TableDump> {
    let mut out = TableDump {
        columns: names(rows),
        rows: Vec::with_capacity(rows.len()),
    };
    for row in rows {
        let values = (0..row.len())
            .map(|i| pg_value(row, i))
            .collect::<Result<Vec<_>>>()?;
        out.rows.push(values);
    }
    Ok(out)
}
