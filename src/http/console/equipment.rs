//! The equipment register in the console: search (asset number, 所属, person, kind,
//! state; paged), one device with its history, and the changes operators make with a
//! reason (state, person). Viewers only read.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{Posted, Signed};
use super::page::{render, Nav, PageError, PageResult};
use super::views::Choice;
use crate::calendar::{format_datetime_ja, to_local};
use crate::domain::{DeviceKind, DeviceState, TextEnum};
use crate::helpdesk::Helpdesk;
use crate::ledgers::{DeviceChange, LedgerError};
use crate::storage::equipment::{Device, DeviceFilter};

const PAGE_SIZE: i64 = 50;

#[derive(Template)]
#[template(path = "console/equipment.html")]
struct ListPage {
    nav: Nav,
    devices: Vec<Device>,
    total: i64,
    query: ListQuery,
    kinds: Vec<Choice>,
    states: Vec<Choice>,
    /// Links to the previous and next pages, with the search kept.
    previous: Option<String>,
    next: Option<String>,
    shown_from: i64,
    shown_to: i64,
}

#[derive(Debug, Default, Clone, Deserialize, serde::Serialize)]
pub struct ListQuery {
    #[serde(default)]
    asset: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    offset: i64,
}

fn picked<T: TextEnum>(text: &str, what: &str) -> PageResult<Option<T>> {
    if text.is_empty() {
        return Ok(None);
    }
    T::parse(text)
        .map(Some)
        .map_err(|_| PageError::BadRequest(format!("{what}の指定が正しくありません。")))
}

fn link(query: &ListQuery, offset: i64) -> String {
    let query = ListQuery {
        offset,
        ..query.clone()
    };
    format!(
        "/operator/equipment?{}",
        serde_urlencoded::to_string(&query).unwrap_or_default()
    )
}

pub async fn list(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Query(query): Query<ListQuery>,
) -> PageResult<Response> {
    let kind = picked::<DeviceKind>(&query.kind, "種別")?;
    let state = picked::<DeviceState>(&query.state, "状態")?;
    let filter = DeviceFilter {
        asset: Some(query.asset.clone()),
        department: Some(query.department.clone()),
        person: Some(query.person.clone()),
        kind,
        state,
    };
    let offset = query.offset.max(0);
    let page = helpdesk
        .ledgers()
        .devices(&filter, offset, PAGE_SIZE)
        .await
        .map_err(internal)?;
    let shown_to = offset + page.devices.len() as i64;
    Ok(render(
        StatusCode::OK,
        &ListPage {
            nav: Nav::new(&signed.0, "equipment"),
            previous: (offset > 0).then(|| link(&query, (offset - PAGE_SIZE).max(0))),
            next: (shown_to < page.total).then(|| link(&query, offset + PAGE_SIZE)),
            shown_from: if page.devices.is_empty() {
                0
            } else {
                offset + 1
            },
            shown_to,
            devices: page.devices,
            total: page.total,
            kinds: Choice::all(kind),
            states: Choice::all(state),
            query,
        },
    ))
}

/// One line of a device's history as the page shows it.
pub struct Event {
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    pub reason: String,
    /// 「状態: 在庫 → 配備中」
    pub changes: Vec<String>,
}

fn event(change: DeviceChange) -> Event {
    let action = match change.action.as_str() {
        "register" => "登録",
        "state" => "状態の変更",
        "assign" => "使用者の変更",
        "import" => "CSV取り込み",
        _ => "変更",
    };
    let shown = |v: &str| {
        if v.is_empty() {
            "（なし）".to_owned()
        } else {
            v.to_owned()
        }
    };
    Event {
        at: format_datetime_ja(to_local(change.at)),
        actor: change.actor,
        action,
        reason: change.reason,
        changes: change
            .differences
            .iter()
            .map(|d| format!("{}: {} → {}", d.label, shown(&d.before), shown(&d.after)))
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "console/equipment_device.html")]
struct DevicePage {
    nav: Nav,
    device: Device,
    events: Vec<Event>,
    /// States the device may move to now (none once disposed).
    states: Vec<Choice>,
    can_change: bool,
    error: Option<String>,
}

pub async fn show(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(asset): Path<String>,
) -> PageResult<Response> {
    device_page(&helpdesk, &signed, &asset, StatusCode::OK, None).await
}

/// `text` percent-encoded for a URL path segment (asset numbers may be Japanese).
fn path_segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn internal(e: LedgerError) -> PageError {
    PageError::Internal(anyhow::Error::from(e))
}

async fn device_page(
    helpdesk: &Helpdesk,
    signed: &Signed,
    asset: &str,
    status: StatusCode,
    error: Option<String>,
) -> PageResult<Response> {
    let (device, history) = helpdesk
        .ledgers()
        .open_device(asset, signed.login())
        .await
        .map_err(internal)?
        .ok_or_else(|| PageError::NotFound(format!("資産番号 {asset} は台帳にありません。")))?;
    let current = device.line.state;
    let states = DeviceState::ALL
        .iter()
        .filter(|s| crate::domain::equipment::state_change(current, **s).is_ok())
        .map(|s| Choice::new(s.as_str(), s.label(), ""))
        .collect();
    Ok(render(
        status,
        &DevicePage {
            nav: Nav::new(&signed.0, "equipment"),
            can_change: signed.worker().is_ok() && current != DeviceState::Disposed,
            events: history.into_iter().rev().map(event).collect(),
            states,
            device,
            error,
        },
    ))
}

#[derive(Debug, Deserialize)]
pub struct ChangeForm {
    #[serde(default)]
    state: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    reason: String,
}

/// `POST /operator/equipment/{asset}/{state|assign}`.
pub async fn change(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path((asset, action)): Path<(String, String)>,
    posted: Posted<ChangeForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    signed.worker()?;
    let ledgers = helpdesk.ledgers();
    let outcome = match action.as_str() {
        "state" => match DeviceState::parse(&form.state) {
            Ok(state) => ledgers
                .set_device_state(&asset, state, &form.reason, signed.login())
                .await
                .map(|_| ()),
            Err(_) => Err(LedgerError::Invalid(
                "変更後の状態を選んでください。".into(),
            )),
        },
        "assign" => {
            let person = Some(form.person.trim()).filter(|p| !p.is_empty());
            ledgers
                .assign_device(&asset, person, &form.reason, signed.login())
                .await
                .map(|_| ())
        }
        _ => return Err(PageError::NotFound("その操作はありません。".into())),
    };
    let status = match outcome {
        Ok(()) => {
            let to = format!("/operator/equipment/{}", path_segment(&asset));
            return Ok(Redirect::to(&to).into_response());
        }
        Err(LedgerError::Storage(crate::storage::StorageError::Conflict(_))) => {
            StatusCode::CONFLICT
        }
        Err(LedgerError::Storage(e)) => return Err(PageError::Internal(e.into())),
        Err(e @ LedgerError::NotInLedger(_)) => return Err(PageError::NotFound(e.to_string())),
        Err(LedgerError::NotAllowed(reason)) => {
            return device_page(
                &helpdesk,
                &signed,
                &asset,
                StatusCode::CONFLICT,
                Some(reason),
            )
            .await
        }
        Err(e) => {
            return device_page(
                &helpdesk,
                &signed,
                &asset,
                StatusCode::BAD_REQUEST,
                Some(e.to_string()),
            )
            .await
        }
    };
    let reason = "ほかの操作と重なりました。読み込み直してから、もう一度お試しください。";
    device_page(&helpdesk, &signed, &asset, status, Some(reason.into())).await
}
