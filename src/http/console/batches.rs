//! Print batches in the console: the fiscal year's schedule by month, the recent runs,
//! and one run's page (checks with each named result, the preview download, the override
//! of warnings and the approval by an admin, printing, the run log). Viewers read only.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Datelike, FixedOffset, Utc};
use serde::Deserialize;

use super::auth::{Posted, Signed};
use super::page::{render, Nav, PageError, PageResult};
use crate::domain::{CheckStatus, ErasureMethod, RunStatus, TextEnum};
use crate::helpdesk::Helpdesk;
use crate::print_runs::revisions::CatalogueEditError;
use crate::print_runs::{PrintError, PrintRuns, RunError, PRINT_CLAIM_LEASE_MINUTES};
use crate::storage::batch_runs::{BatchPurge, BatchRun};

#[derive(Template)]
#[template(path = "console/batches.html")]
struct BatchesPage {
    nav: Nav,
    year: i32,
    months: Vec<Month>,
    jobs: Vec<(String, String)>,
    runs: Vec<BatchRun>,
    can_work: bool,
    max_mb: usize,
    /// Each job's last selftest: (job name, when, passed, by, notes).
    checked: Vec<(String, String, Option<bool>, String, String)>,
}

/// One month of the schedule: (date, job name, 担当課, moved from).
struct Month {
    label: String,
    runs: Vec<(String, String, String, Option<String>)>,
}

#[derive(Template)]
#[template(path = "console/batch_run.html")]
struct RunPage {
    nav: Nav,
    run: BatchRun,
    job_name: String,
    checks: Vec<CheckView>,
    can_work: bool,
    times: Vec<(&'static str, String)>,
    stopped: bool,
    warned: bool,
    checked: bool,
    approved: bool,
    /// 印刷中 and sent: the printer's job is asked about, never sent again.
    sent: bool,
    /// 印刷中 and not sent yet: who claimed it, since when (Japan time).
    claimed: Option<(String, String)>,
    /// 印刷中, not sent, and the claim is older than the lease: its print stopped before
    /// sending, and it may be printed again after checking the printer.
    can_reclaim: bool,
    can_preview: bool,
    /// The printed output is still kept: it can be downloaded through the run.
    can_download: bool,
    /// Who did what with the run: (when, who, what, detail).
    history: Vec<(String, String, &'static str, String)>,
    purge: Option<BatchPurge>,
    /// The erasure methods a purge may name: (form value, how the certificate says it).
    methods: Vec<(&'static str, &'static str)>,
}

/// A check result as the run log stores it.
#[derive(Debug, Deserialize)]
struct CheckView {
    label: String,
    status: CheckStatus,
    #[serde(default)]
    findings: Vec<FindingView>,
    #[serde(default)]
    finding_count: u64,
    #[serde(default)]
    summary: Option<String>,
}

#[derive(Debug, Deserialize)]
struct FindingView {
    line: u64,
    #[serde(default)]
    field: Option<String>,
    message: String,
}

fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("JST")
}

/// A time as the console shows it (Japan time, to the minute).
pub(super) fn local_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&jst()).format("%Y-%m-%d %H:%M").to_string()
}

pub(super) fn runs_of(helpdesk: &Helpdesk) -> Result<&PrintRuns, PageError> {
    helpdesk.print_runs().map_err(|reason| {
        PageError::BadRequest(format!("印刷バッチは使えません（設定：{reason}）。"))
    })
}

/// Why an action was refused, for the page (nothing was changed).
pub(super) fn refused(e: RunError) -> PageError {
    let reason = match &e {
        RunError::Storage(_) => return PageError::Internal(e.into()),
        RunError::UnknownJob(_) => "そのジョブはありません。".to_owned(),
        RunError::NotFound(_) => return PageError::NotFound("その実行記録はありません。".into()),
        RunError::Duplicate(id) => format!("同じファイルは受付済みです（実行 {id}）。"),
        RunError::WrongStatus { status, .. } => {
            format!("この実行は「{status}」のため、この操作はできません。")
        }
        RunError::Printing { by, since, job, .. } => match job {
            Some(job) => format!(
                "この実行はプリンタへ送信済みです（ジョブ {job}、{by}）。二重に印刷しないよう、もう一度送ることはしません。\
                 印刷の状況は実行のページの「プリンタの状況を確認する」で確かめてください。"
            ),
            None => format!(
                "この実行は {by} が印刷中です（{}から）。二重に印刷しないよう、この操作は受け付けませんでした。",
                since.map(local_time).unwrap_or_else(|| "—".into())
            ),
        },
        RunError::Printer(PrintError::NotCompleted(job, _)) => format!(
            "プリンタのジョブ {job} はまだ完了していません（遅れているだけで、このあと印刷される場合があります）。\
             実行は「印刷中」のままです。もう一度プリンタへ送ることはしません。\
             しばらくしてから実行のページの「プリンタの状況を確認する」を押してください。"
        ),
        RunError::Printer(PrintError::Stopped(job, why)) => format!(
            "プリンタが停止しているため、ジョブ {job} は待機中です（{why}）。実行は「印刷中」のままです。\
             プリンタを再開してから「プリンタの状況を確認する」を押してください。"
        ),
        RunError::Printer(PrintError::Ended(job, why)) => format!(
            "プリンタのジョブ {job} は印刷されずに終わりました（{why}）。実行は「承認済」に戻りました。\
             印刷し直すときは、もう一度「印刷する」を押してください。"
        ),
        RunError::Printer(PrintError::Unavailable(why)) => format!(
            "プリンタとやり取りできませんでした（{why}）。実行のページで状態を確かめてください\
             （「承認済」ならプリンタへは送られていません。「印刷中」ならプリンタの状況を確認してください）。"
        ),
        RunError::Printer(PrintError::Unanswered(why)) => format!(
            "帳票をプリンタへ送りましたが、応答が途中で切れました（{why}）。プリンタがジョブを受け取ったかどうか分からないため、\
             実行は「印刷中」のままにして、もう一度送ることはしません。プリンタの状況を確かめ、しばらくしてから実行のページを開き直してください。"
        ),
        RunError::NoReason => "警告を承知で進める理由を書いてください。".to_owned(),
        RunError::Catalogue(CatalogueEditError::UnknownJob(_)) => {
            return PageError::NotFound("そのジョブはありません。".into())
        }
        RunError::Catalogue(CatalogueEditError::Storage(_)) => {
            return PageError::Internal(e.into())
        }
        RunError::FileGone | RunError::AlreadyPurged(_) => {
            "この実行のファイルは消去済みです（実行記録は残っています）。".to_owned()
        }
        RunError::PurgeUnfinished(_) => {
            "この実行のファイルは消去の途中です（消去記録はあります）。これ以上の操作はできません。".to_owned()
        }
        _ => format!("処理できませんでした：{e}"),
    };
    PageError::BadRequest(reason)
}

#[derive(Debug, Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
}

pub async fn show(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Query(query): Query<YearQuery>,
) -> PageResult<Response> {
    let runs = runs_of(&helpdesk)?;
    let today = helpdesk.now().with_timezone(&jst()).date_naive();
    let fiscal = if today.month() >= 4 {
        today.year()
    } else {
        today.year() - 1
    };
    let year = query
        .year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(fiscal);
    let mut months: Vec<Month> = Vec::new();
    for run in runs.schedule(year).await.map_err(refused)? {
        let label = format!("{}年{}月", run.date.year(), run.date.month());
        if months.last().is_none_or(|m| m.label != label) {
            months.push(Month {
                label: label.clone(),
                runs: Vec::new(),
            });
        }
        let moved = run.moved_from.map(|d| d.format("%m/%d").to_string());
        if let Some(month) = months.last_mut() {
            let date = run.date.format("%m/%d").to_string();
            month.runs.push((date, run.name, run.department, moved));
        }
    }
    let catalogue = runs.catalogue().await.map_err(refused)?;
    let jobs = catalogue
        .jobs()
        .iter()
        .map(|j| (j.id().to_owned(), j.definition.name.clone()))
        .collect();
    let last = runs.last_checked().await.map_err(refused)?;
    let checked = catalogue
        .jobs()
        .iter()
        .map(|job| {
            // A check of an earlier definition does not count for the one in force.
            let row = last
                .iter()
                .find(|r| r.job_id == job.id() && r.definition_sha256 == job.checksum);
            (
                job.definition.name.clone(),
                row.map(|r| local_time(r.checked_at))
                    .unwrap_or_else(|| "未確認".into()),
                row.map(|r| r.passed),
                row.map(|r| r.checked_by.clone()).unwrap_or_default(),
                row.map(|r| r.notes.clone()).unwrap_or_default(),
            )
        })
        .collect();
    let page = BatchesPage {
        checked,
        nav: Nav::new(&signed.0, "batches"),
        year,
        months,
        jobs,
        runs: runs.recent().await.map_err(refused)?,
        can_work: signed.0.can_work_tickets(),
        max_mb: super::batch_upload::MAX_INPUT_BYTES / 1024 / 1024,
    };
    Ok(render(StatusCode::OK, &page))
}

pub async fn run(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let runs = runs_of(&helpdesk)?;
    let run = runs.log(id).await.map_err(refused)?;
    let job_name = runs.job_name(&run).await.map_err(refused)?;
    let checks = serde_json::from_str(&run.checks).unwrap_or_default();
    let at = |t: Option<DateTime<Utc>>| t.map(local_time).unwrap_or_else(|| "—".into());
    let history = runs
        .history(id)
        .await
        .map_err(refused)?
        .into_iter()
        .map(|a| {
            (
                local_time(a.at),
                a.actor,
                a.what,
                a.detail.unwrap_or_default(),
            )
        })
        .collect();
    let purge = runs.purge_record(id).await.map_err(refused)?;
    let times = vec![
        ("受付", at(Some(run.received_at))),
        ("承認", at(run.approved_at)),
        ("印刷開始", at(run.printing_at)),
        ("印刷", at(run.printed_at)),
    ];
    let status = run.status;
    let printing = status == RunStatus::Printing;
    let sent = printing && run.printer_job_ids.is_some();
    let claimed = (printing && !sent).then(|| {
        (
            run.printing_by.clone().unwrap_or_default(),
            at(run.printing_at),
        )
    });
    let lease = chrono::Duration::minutes(PRINT_CLAIM_LEASE_MINUTES);
    let can_reclaim = claimed.is_some()
        && run
            .printing_at
            .is_none_or(|since| since + lease < helpdesk.now());
    let page = RunPage {
        nav: Nav::new(&signed.0, "batches"),
        stopped: status == RunStatus::Stopped,
        // Nothing more is done with a run's files once their purge is ordered.
        warned: status == RunStatus::Warned && purge.is_none(),
        checked: status == RunStatus::Checked && purge.is_none(),
        approved: status == RunStatus::Approved && purge.is_none(),
        sent,
        claimed,
        can_reclaim,
        can_preview: matches!(status, RunStatus::Checked | RunStatus::Approved) && purge.is_none(),
        can_download: status == RunStatus::Printed && purge.is_none(),
        history,
        purge,
        methods: ErasureMethod::ALL
            .iter()
            .map(|m| (m.as_str(), m.label()))
            .collect(),
        run,
        job_name,
        checks,
        can_work: signed.0.can_work_tickets(),
        times,
    };
    Ok(render(StatusCode::OK, &page))
}

/// The sample forms as a PDF (audited by the service: it shows personal data).
pub async fn preview(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    signed.worker()?;
    let pdf = runs_of(&helpdesk)?
        .preview(signed.login(), id)
        .await
        .map_err(refused)?;
    Ok(super::batch_files::pdf_download(
        format!("run-{id}-preview.pdf"),
        pdf,
    ))
}

#[derive(Debug, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    pub(super) reason: String,
}

/// `override` (admins, with a reason), `approve` (admins), `print` (operators) or
/// `check` (operators: ask the printer about the job of a run 印刷中).
pub async fn act(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path((id, action)): Path<(i64, String)>,
    posted: Posted<ActionForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    let runs = runs_of(&helpdesk)?;
    let login = signed.login();
    let done = match action.as_str() {
        "override" => {
            signed.admin("警告を承知で進めること")?;
            runs.override_warnings(login, id, &form.reason).await
        }
        "approve" => {
            signed.admin("印刷の承認")?;
            runs.approve(login, id).await
        }
        "print" => {
            signed.worker()?;
            runs.print(login, id).await
        }
        "check" => {
            signed.worker()?;
            runs.check_printing(login, id).await
        }
        _ => return Err(PageError::NotFound("その操作はありません。".into())),
    };
    let run = done.map_err(refused)?;
    Ok(Redirect::to(&format!("/operator/batches/runs/{}", run.id)).into_response())
}
