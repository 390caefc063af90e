//! The equipment register's JSON API (operator token, like the IP ledger's): register a
//! device, search, one device with its history, change its state, assign it.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult};
use super::extract::{ApiPath, ApiQuery};
use super::json_body::JsonBody;
use super::operator::Operator;
use crate::domain::{DeviceKind, DeviceState};
use crate::helpdesk::Helpdesk;
use crate::ledgers::{DeviceChange, DevicePage, DeviceSpec, LedgerError};
use crate::storage::equipment::{Device, DeviceFilter};

/// The audit log's actor for changes through the token-protected API.
const OPERATOR_API: &str = "operator-api";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceRequest {
    pub asset: String,
    pub kind: String,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub serial: Option<String>,
    #[serde(default)]
    pub department_code: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    /// 職員番号.
    #[serde(default)]
    pub person: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    #[serde(default)]
    pub asset: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub person: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub offset: Option<i64>,
    #[serde(default)]
    pub limit: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateRequest {
    pub state: String,
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// 職員番号; `null` takes the device off its person.
    pub person: Option<String>,
    pub reason: String,
}

#[derive(Serialize)]
pub struct DeviceDetail {
    pub device: Device,
    pub history: Vec<DeviceChange>,
}

/// A kind or state given by its name or Japanese label; empty is none.
fn parse_or_400<T>(
    field: &str,
    value: Option<&str>,
    parse: fn(&str) -> Option<T>,
) -> ApiResult<Option<T>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse(v).map(Some).ok_or_else(|| {
            ApiError::bad_request("invalid_query", format!("{field} の値が正しくありません。"))
        }),
    }
}

/// `GET /api/v1/equipment?asset=&department=&person=&kind=&state=&offset=&limit=`.
pub async fn search(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> ApiResult<Json<DevicePage>> {
    let filter = DeviceFilter {
        asset: query.asset,
        department: query.department,
        person: query.person,
        kind: parse_or_400(
            "kind",
            query.kind.as_deref(),
            DeviceKind::from_name_or_label,
        )?,
        state: parse_or_400(
            "state",
            query.state.as_deref(),
            DeviceState::from_name_or_label,
        )?,
    };
    let page = helpdesk
        .ledgers()
        .devices(
            &filter,
            query.offset.unwrap_or(0),
            query.limit.unwrap_or(100),
        )
        .await?;
    Ok(Json(page))
}

/// `POST /api/v1/equipment` → 201 with the device; 409 `duplicate` for a taken asset
/// number.
pub async fn register(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    JsonBody(request): JsonBody<DeviceRequest>,
) -> ApiResult<(StatusCode, Json<Device>)> {
    let spec = DeviceSpec {
        asset: request.asset,
        kind: request.kind,
        model: request.model,
        serial: request.serial,
        department_code: request.department_code,
        department: request.department,
        person: request.person,
        state: request.state,
        note: request.note,
    };
    let device = helpdesk
        .ledgers()
        .register_device(&spec, request.reason.as_deref(), OPERATOR_API)
        .await?;
    Ok((StatusCode::CREATED, Json(device)))
}

/// `GET /api/v1/equipment/{asset}`: the device and every change to it.
pub async fn show(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiPath(asset): ApiPath<String>,
) -> ApiResult<Json<DeviceDetail>> {
    let (device, history) = helpdesk
        .ledgers()
        .open_device(&asset, OPERATOR_API)
        .await?
        .ok_or_else(|| LedgerError::NotInLedger(format!("資産番号 {asset}")))?;
    Ok(Json(DeviceDetail { history, device }))
}

/// `POST /api/v1/equipment/{asset}/state` `{"state", "reason"}`: 409 `not_allowed` for a
/// change the register refuses (a disposed device).
pub async fn set_state(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiPath(asset): ApiPath<String>,
    JsonBody(request): JsonBody<StateRequest>,
) -> ApiResult<Json<Device>> {
    let state = parse_or_400(
        "state",
        Some(&request.state),
        DeviceState::from_name_or_label,
    )?
    .ok_or_else(|| ApiError::bad_request("invalid", "state を入れてください。"))?;
    let device = helpdesk
        .ledgers()
        .set_device_state(&asset, state, &request.reason, OPERATOR_API)
        .await?;
    Ok(Json(device))
}

/// `POST /api/v1/equipment/{asset}/assign` `{"person", "reason"}`.
pub async fn assign(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiPath(asset): ApiPath<String>,
    JsonBody(request): JsonBody<AssignRequest>,
) -> ApiResult<Json<Device>> {
    let device = helpdesk
        .ledgers()
        .assign_device(
            &asset,
            request.person.as_deref(),
            &request.reason,
            OPERATOR_API,
        )
        .await?;
    Ok(Json(device))
}
