//! The April personnel switch in the console: the plans, one plan grouped by 所属 and by
//! kind with counts, filters and the device moves, one person's changes (before → after
//! per directory and system; audited), and the live progress of an apply run (a fragment
//! the page polls). Everyone signed in reads; uploads, approval and runs are in
//! [`super::personnel_actions`] (admins).

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::auth::Signed;
use super::page::{render, Nav, PageError, PageResult};
use super::views::Choice;
use crate::calendar::{format_datetime_ja, to_local};
use crate::domain::{AccountSystem, ChangeKind, PlanItemStatus, PlanStatus, TextEnum};
use crate::helpdesk::Helpdesk;
use crate::personnel::devices::DeviceMove;
use crate::personnel::files::ORG_COLUMNS;
use crate::personnel::review::{DepartmentCounts, ItemFilter, KindCounts, PersonChanges, Tally};
use crate::personnel::{FileProblem, PersonnelError};
use crate::storage::personnel_plans::{ItemRow, PlanRow};

/// Items listed at most on a plan's page (filters narrow the rest down).
const ITEMS_SHOWN: usize = 300;

/// Why a personnel page or action cannot go on (nothing was changed).
pub(super) fn refused(e: PersonnelError) -> PageError {
    match e {
        PersonnelError::NoPlan(_) | PersonnelError::NotInPlan(_) => {
            PageError::NotFound(e.to_string())
        }
        PersonnelError::Storage(e) => PageError::Internal(e.into()),
        e => PageError::BadRequest(e.to_string()),
    }
}

/// The list of plans and the upload form, with an upload's problems when there were.
#[derive(Template)]
#[template(path = "console/personnel.html")]
pub(super) struct ListPage {
    pub nav: Nav,
    pub plans: Vec<PlanLine>,
    pub is_admin: bool,
    pub problems: Vec<FileProblem>,
    pub error: Option<String>,
    pub max_mb: usize,
    pub org_columns: String,
}

pub(super) struct PlanLine {
    pub id: i64,
    pub status: PlanStatus,
    pub source: String,
    pub people: i64,
    pub created_by: String,
    pub created_at: String,
}

fn at(t: chrono::DateTime<chrono::Utc>) -> String {
    format_datetime_ja(to_local(t))
}

impl PlanLine {
    fn of(p: PlanRow) -> Self {
        PlanLine {
            id: p.id,
            status: p.status,
            created_at: at(p.created_at),
            source: p.source,
            people: p.people,
            created_by: p.created_by,
        }
    }
}

/// The list page for `signed`, with `problems` or `error` from an upload.
pub(super) async fn list_page(
    signed: &Signed,
    helpdesk: &Helpdesk,
    problems: Vec<FileProblem>,
    error: Option<String>,
) -> PageResult<ListPage> {
    let plans = helpdesk.personnel().plans(50).await.map_err(refused)?;
    Ok(ListPage {
        nav: Nav::new(&signed.0, "personnel"),
        plans: plans.into_iter().map(PlanLine::of).collect(),
        is_admin: signed.0.is_admin(),
        problems,
        error,
        max_mb: super::personnel_actions::MAX_FILE_BYTES / 1024 / 1024,
        org_columns: ORG_COLUMNS.join("・"),
    })
}

pub async fn list(signed: Signed, State(helpdesk): State<Arc<Helpdesk>>) -> PageResult<Response> {
    let page = list_page(&signed, &helpdesk, Vec::new(), None).await?;
    Ok(render(StatusCode::OK, &page))
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct PlanQuery {
    #[serde(default)]
    department: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    system: String,
    #[serde(default)]
    status: String,
    /// Set after an approval: how many items it approved.
    #[serde(default)]
    approved: Option<u64>,
    /// Set after a run was started.
    #[serde(default)]
    started: Option<String>,
}

fn picked<T: TextEnum>(text: &str, what: &str) -> PageResult<Option<T>> {
    if text.is_empty() {
        return Ok(None);
    }
    T::parse(text)
        .map(Some)
        .map_err(|_| PageError::BadRequest(format!("{what}の指定が正しくありません。")))
}

#[derive(Template)]
#[template(path = "console/personnel_plan.html")]
struct PlanPage {
    nav: Nav,
    plan: PlanLine,
    is_admin: bool,
    can_download: bool,
    departments: Vec<DepartmentCounts>,
    kinds: Vec<KindCounts>,
    kind_labels: Vec<&'static str>,
    progress: ProgressFragment,
    items: Vec<ItemRow>,
    matching: usize,
    moves: Vec<DeviceMove>,
    downloads: Vec<String>,
    department_choices: Vec<Choice>,
    kind_choices: Vec<Choice>,
    system_choices: Vec<Choice>,
    status_choices: Vec<Choice>,
    can_approve: bool,
    can_apply: bool,
    notice: Option<String>,
}

/// Done / failed / left of a plan's run (`templates/console/personnel_progress.html`).
#[derive(Template)]
#[template(path = "console/personnel_progress.html")]
struct ProgressFragment {
    tally: Tally,
    percent: usize,
    running: bool,
}

impl ProgressFragment {
    fn of(tally: Tally, running: bool) -> Self {
        ProgressFragment {
            percent: tally.percent(),
            tally,
            running,
        }
    }
}

pub async fn show(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
    Query(query): Query<PlanQuery>,
) -> PageResult<Response> {
    let filter = ItemFilter {
        department_code: Some(query.department.trim().to_owned()).filter(|c| !c.is_empty()),
        kind: picked::<ChangeKind>(&query.kind, "変更の種類")?,
        system: picked::<AccountSystem>(&query.system, "系統")?,
        status: picked::<PlanItemStatus>(&query.status, "結果")?,
    };
    let review = helpdesk
        .personnel()
        .review(id, &filter, ITEMS_SHOWN, signed.login())
        .await
        .map_err(refused)?;
    let status = review.plan.status;
    let department_choices = review
        .departments
        .iter()
        .map(|d| {
            let label = match &d.name {
                Some(name) => format!("{} {name}", d.code),
                None => d.code.clone(),
            };
            Choice::new(&d.code, &label, query.department.trim())
        })
        .collect();
    let mut downloads: Vec<String> = crate::personnel::PLAN_FILES
        .iter()
        .map(|f| (*f).to_owned())
        .collect();
    downloads.extend(review.system_files.iter().cloned());
    let notice = match (query.approved, query.started.is_some()) {
        (Some(n), _) => Some(format!("{n}件の変更を承認しました。")),
        (None, true) => Some("適用を開始しました。進み具合はこのページに表示されます。".into()),
        _ => None,
    };
    let page = PlanPage {
        nav: Nav::new(&signed.0, "personnel"),
        is_admin: signed.0.is_admin(),
        can_download: signed.0.can_work_tickets(),
        can_approve: review.tally.proposed > 0
            && crate::personnel::approvable(status, review.running),
        can_apply: status != PlanStatus::Draft && review.tally.left + review.tally.failed > 0,
        plan: PlanLine::of(review.plan),
        departments: review.departments,
        kinds: review.kinds,
        kind_labels: ChangeKind::ALL.iter().map(|k| k.label()).collect(),
        progress: ProgressFragment::of(review.tally, review.running),
        items: review.items,
        matching: review.matching,
        moves: review.moves,
        downloads,
        department_choices,
        kind_choices: Choice::all(filter.kind),
        system_choices: Choice::all(filter.system),
        status_choices: Choice::all(filter.status),
        notice,
    };
    Ok(render(StatusCode::OK, &page))
}

/// `GET /operator/personnel/{id}/progress`: the progress fragment the plan page polls.
pub async fn progress(
    _signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    let state = helpdesk.personnel().run_state(id).await.map_err(refused)?;
    Ok(render(
        StatusCode::OK,
        &ProgressFragment::of(state.tally, state.running),
    ))
}

#[derive(Template)]
#[template(path = "console/personnel_person.html")]
struct PersonPage {
    nav: Nav,
    changes: PersonChanges,
}

/// `GET /operator/personnel/{id}/people/{employee_no}`: one person's changes (audited).
pub async fn person(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Path((id, employee_no)): Path<(i64, String)>,
) -> PageResult<Response> {
    let changes = helpdesk
        .personnel()
        .person(id, &employee_no, signed.login())
        .await
        .map_err(refused)?;
    let page = PersonPage {
        nav: Nav::new(&signed.0, "personnel"),
        changes,
    };
    Ok(render(StatusCode::OK, &page))
}
