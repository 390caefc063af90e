//! The audit log for admins: a filtered, paged view and a CSV export (UTF-8 with BOM, so
//! Excel reads the Japanese). Looking at it and exporting it are recorded too.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::auth::Signed;
use super::page::{page_offset, render, Nav, PageResult};
use crate::calendar::to_local;
use crate::helpdesk::Helpdesk;
use crate::storage::{AuditFilter, AuditRecord};

const PAGE_SIZE: i64 = 100;
/// The most lines one export writes.
pub const EXPORT_LIMIT: i64 = 100_000;

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    object_kind: String,
    #[serde(default)]
    object_id: String,
    #[serde(default)]
    page: Option<i64>,
}

impl AuditQuery {
    fn filter(&self) -> AuditFilter {
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        AuditFilter {
            actor: some(&self.actor),
            object_kind: some(&self.object_kind),
            object_id: some(&self.object_id),
        }
    }

    fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("actor", &self.actor),
            ("object_kind", &self.object_kind),
            ("object_id", &self.object_id),
        ])
        .unwrap_or_default()
    }
}

pub struct Line {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object_kind: String,
    pub object_id: String,
    pub detail: String,
}

fn line(r: AuditRecord) -> Line {
    Line {
        at: to_local(r.at).format("%Y-%m-%d %H:%M:%S").to_string(),
        actor: r.actor,
        action: r.action,
        object_kind: r.object_kind,
        object_id: r.object_id,
        detail: r.detail.unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "console/audit.html")]
struct AuditPage {
    nav: Nav,
    records: Vec<Line>,
    actor: String,
    object_kind: String,
    object_id: String,
    query: String,
    page: i64,
    has_more: bool,
}

pub async fn show(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Query(query): Query<AuditQuery>,
) -> PageResult<Response> {
    signed.admin("監査ログの閲覧")?;
    let page = query.page.unwrap_or(1).max(1);
    let mut records = helpdesk
        .accounts()
        .audit_page(
            signed.login(),
            &query.filter(),
            page_offset(page, PAGE_SIZE)?,
            PAGE_SIZE + 1,
        )
        .await?;
    let has_more = records.len() as i64 > PAGE_SIZE;
    records.truncate(PAGE_SIZE as usize);
    Ok(render(
        StatusCode::OK,
        &AuditPage {
            nav: Nav::new(&signed.0, "audit"),
            records: records.into_iter().map(line).collect(),
            query: query.query_string(),
            actor: query.actor,
            object_kind: query.object_kind,
            object_id: query.object_id,
            page,
            has_more,
        },
    ))
}

pub async fn export(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Query(query): Query<AuditQuery>,
) -> PageResult<Response> {
    signed.admin("監査ログの書き出し")?;
    let records = helpdesk
        .accounts()
        .audit_export(signed.login(), &query.filter(), EXPORT_LIMIT)
        .await?;
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let write = |out: &mut csv::Writer<Vec<u8>>, fields: [&str; 6]| {
        let cells = fields.map(csv_safe);
        out.write_record(cells.iter().map(|c| c.as_bytes()))
            .map_err(|e| anyhow::anyhow!("csv: {e}"))
    };
    write(&mut out, ["日時", "操作者", "操作", "対象", "ID", "補足"])?;
    for r in records.into_iter().map(line) {
        let fields = [
            r.at.as_str(),
            &r.actor,
            &r.action,
            &r.object_kind,
            &r.object_id,
            &r.detail,
        ];
        write(&mut out, fields)?;
    }
    let body = out.into_inner().map_err(|e| anyhow::anyhow!("csv: {e}"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// A cell Excel will not run as a formula (CSV injection): a leading `=`, `+`, `-` or `@`
/// gets a `'` in front.
pub fn csv_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cells_that_excel_would_run_are_quoted() {
        assert_eq!(super::csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(super::csv_safe("ticket.view"), "ticket.view");
    }
}
