//! The IP address ledger's JSON API (operator token, like the ticket API): segments,
//! allocating the next free address, entering one by hand, releasing, one address's line
//! and history.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult};
use super::extract::ApiPath;
use super::json_body::JsonBody;
use super::operator::Operator;
use crate::domain::AddressState;
use crate::helpdesk::Helpdesk;
use crate::ledgers::{Assignment, SegmentSpec, SegmentView};
use crate::storage::ip_ledger::{IpAddressRecord, LedgerChange};

/// The audit log's actor for changes through the token-protected API.
const OPERATOR_API: &str = "operator-api";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentRequest {
    pub network: String,
    pub cidr: String,
    pub name: String,
    #[serde(default)]
    pub gateway: Option<String>,
    #[serde(default)]
    pub vlan: Option<i64>,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub building: Option<String>,
    /// DHCP pools, `[{"first", "last"}]`.
    #[serde(default)]
    pub dhcp: Vec<Range>,
    #[serde(default)]
    pub quarantine_days: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    pub first: String,
    pub last: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllocateRequest {
    /// Only when entering an address by hand (`POST /api/v1/ip-addresses`).
    #[serde(default)]
    pub address: Option<String>,
    pub host: String,
    #[serde(default)]
    pub requester: Option<String>,
    /// `in_use` (default) or `reserved`.
    #[serde(default)]
    pub state: Option<AddressState>,
    #[serde(default)]
    pub computer_name: Option<String>,
    #[serde(default)]
    pub device: Option<String>,
    #[serde(default)]
    pub department: Option<String>,
    #[serde(default)]
    pub person: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

impl AllocateRequest {
    fn assignment(self) -> (AddressState, Assignment) {
        let state = self.state.unwrap_or(AddressState::InUse);
        let assignment = Assignment {
            host: self.host,
            requester: self.requester,
            computer_name: self.computer_name,
            device: self.device,
            department: self.department,
            person: self.person,
            note: self.note,
        };
        (state, assignment)
    }
}

#[derive(Serialize)]
pub struct Created {
    pub id: i64,
}

#[derive(Serialize)]
pub struct AddressDetail {
    pub line: Option<IpAddressRecord>,
    pub history: Vec<LedgerChange>,
}

/// `POST /api/v1/ip-segments` → 201 `{"id"}`.
pub async fn create_segment(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    JsonBody(request): JsonBody<SegmentRequest>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let spec = SegmentSpec {
        network: request.network,
        cidr: request.cidr,
        name: request.name,
        gateway: request.gateway,
        vlan: request.vlan,
        department: request.department,
        building: request.building,
        dhcp: request
            .dhcp
            .into_iter()
            .map(|r| (r.first, r.last))
            .collect(),
        quarantine_days: request.quarantine_days,
    };
    let id = helpdesk
        .ledgers()
        .create_segment(&spec, OPERATOR_API)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// `GET /api/v1/ip-segments`.
pub async fn segments(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
) -> ApiResult<Json<Vec<SegmentView>>> {
    Ok(Json(helpdesk.ledgers().segments().await?))
}

/// `POST /api/v1/ip-segments/{id}/allocate` → 201 `{"address", ...}`, or 409
/// `segment_full`.
pub async fn allocate(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiPath(id): ApiPath<i64>,
    JsonBody(request): JsonBody<AllocateRequest>,
) -> ApiResult<(StatusCode, Json<IpAddressRecord>)> {
    if request.address.is_some() {
        return Err(ApiError::bad_request(
            "invalid",
            "払い出しではアドレスを指定できません（手入力は POST /api/v1/ip-addresses）。",
        ));
    }
    let (state, assignment) = request.assignment();
    let line = helpdesk
        .ledgers()
        .allocate(id, state, &assignment, OPERATOR_API)
        .await?;
    Ok((StatusCode::CREATED, Json(line)))
}

/// `POST /api/v1/ip-addresses` `{"address", "host", ...}`: an address chosen by hand,
/// checked for conflicts (409 `address_conflict`).
pub async fn enter(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    JsonBody(request): JsonBody<AllocateRequest>,
) -> ApiResult<(StatusCode, Json<IpAddressRecord>)> {
    let Some(address) = request.address.clone() else {
        return Err(ApiError::bad_request(
            "invalid",
            "address を入れてください。",
        ));
    };
    let (state, assignment) = request.assignment();
    let line = helpdesk
        .ledgers()
        .enter(&address, state, &assignment, OPERATOR_API)
        .await?;
    Ok((StatusCode::CREATED, Json(line)))
}

/// `POST /api/v1/ip-addresses/{address}/release`.
pub async fn release(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiPath(address): ApiPath<String>,
) -> ApiResult<Json<IpAddressRecord>> {
    let line = helpdesk.ledgers().release(&address, OPERATOR_API).await?;
    Ok(Json(line))
}

/// `GET /api/v1/ip-addresses/{address}`: its line (none when never held) and history.
pub async fn show(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiPath(address): ApiPath<String>,
) -> ApiResult<Json<AddressDetail>> {
    let ledgers = helpdesk.ledgers();
    Ok(Json(AddressDetail {
        line: ledgers.address(&address).await?,
        history: ledgers.address_history(&address).await?,
    }))
}

impl From<crate::ledgers::LedgerError> for ApiError {
    fn from(error: crate::ledgers::LedgerError) -> Self {
        use crate::ledgers::LedgerError as E;
        let message = error.to_string();
        match error {
            E::NoSuchSegment(_) | E::NotInLedger(_) => ApiError::not_found(message),
            E::SegmentFull => ApiError::new(StatusCode::CONFLICT, "segment_full", message),
            E::Conflict { .. } => ApiError::new(StatusCode::CONFLICT, "address_conflict", message),
            E::NotAllowed(_) => ApiError::new(StatusCode::CONFLICT, "not_allowed", message),
            E::Duplicate(_) => ApiError::new(StatusCode::CONFLICT, "duplicate", message),
            E::Invalid(_) => ApiError::bad_request("invalid", message),
            E::Csv(_) => ApiError::bad_request("invalid_csv", message),
            E::Storage(e) => e.into(),
        }
    }
}
