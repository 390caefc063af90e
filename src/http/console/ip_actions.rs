//! Changing the IP address ledger from the console (operators and admins): allocating the
//! next free address of a segment, reserving, entering an address by hand, releasing and
//! retiring. The service's rules apply; a refused change shows the JSON API's status and
//! message on the page it came from, and changes nothing.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{Posted, Signed};
use super::ip_ledger::{address_list, address_page, internal, ListQuery};
use super::page::{PageError, PageResult};
use crate::domain::AddressState;
use crate::helpdesk::Helpdesk;
use crate::http::ApiError;
use crate::ledgers::{Assignment, LedgerError};
use crate::storage::ip_ledger::IpAddressRecord;

/// The allocation and entry form.
#[derive(Debug, Default, Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    address: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    host: String,
    #[serde(default)]
    requester: String,
    #[serde(default)]
    computer_name: String,
    #[serde(default)]
    device: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    person: String,
    #[serde(default)]
    note: String,
}

impl AssignForm {
    fn state(&self) -> Result<AddressState, LedgerError> {
        match self.state.as_str() {
            "" => Ok(AddressState::InUse),
            s => AddressState::parse(s)
                .map_err(|_| LedgerError::Invalid("状態は使用中か予約です。".into())),
        }
    }

    fn assignment(self) -> Assignment {
        let some = |v: String| Some(v);
        Assignment {
            host: self.host,
            requester: some(self.requester),
            computer_name: some(self.computer_name),
            device: some(self.device),
            department: some(self.department),
            person: some(self.person),
            note: some(self.note),
        }
    }
}

/// `POST /operator/ip/segments/{id}/allocate`: the next free address of the segment.
pub async fn allocate(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
    posted: Posted<AssignForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    signed.worker()?;
    let outcome = match form.state() {
        Ok(state) => {
            helpdesk
                .ledgers()
                .allocate(id, state, &form.assignment(), signed.login())
                .await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(line) => Ok(to_address(&line.address)),
        Err(e) => {
            let (status, message) = refused(e)?;
            let query = ListQuery {
                segment: id.to_string(),
                ..ListQuery::default()
            };
            address_list(&helpdesk, &signed, query, status, Some(message)).await
        }
    }
}

/// `POST /operator/ip/addresses`: an address chosen by hand, checked for conflicts.
pub async fn enter(
    State(helpdesk): State<Arc<Helpdesk>>,
    posted: Posted<AssignForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    signed.worker()?;
    let address = form.address.trim().to_owned();
    let outcome = match form.state() {
        Ok(state) => {
            helpdesk
                .ledgers()
                .enter(&address, state, &form.assignment(), signed.login())
                .await
        }
        Err(e) => Err(e),
    };
    after(&helpdesk, &signed, &address, outcome).await
}

/// `POST /operator/ip/addresses/{address}/release` or `/retire`.
pub async fn act(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path((address, action)): Path<(String, String)>,
    posted: Posted<std::collections::HashMap<String, String>>,
) -> PageResult<Response> {
    let signed = posted.signed;
    signed.worker()?;
    let ledgers = helpdesk.ledgers();
    let outcome = match action.as_str() {
        "release" => ledgers.release(&address, signed.login()).await,
        "retire" => ledgers.retire(&address, signed.login()).await,
        _ => return Err(PageError::NotFound("その操作はありません。".into())),
    };
    after(&helpdesk, &signed, &address, outcome).await
}

async fn after(
    helpdesk: &Helpdesk,
    signed: &Signed,
    address: &str,
    outcome: Result<IpAddressRecord, LedgerError>,
) -> PageResult<Response> {
    match outcome {
        Ok(line) => Ok(to_address(&line.address)),
        Err(LedgerError::Invalid(message))
            if crate::domain::address::parse_address(address).is_none() =>
        {
            Err(PageError::BadRequest(message))
        }
        Err(e) => {
            let (status, message) = refused(e)?;
            address_page(helpdesk, signed, address, status, Some(message)).await
        }
    }
}

fn to_address(address: &str) -> Response {
    Redirect::to(&format!("/operator/ip/addresses/{address}")).into_response()
}

/// A refused action's status and message, as the JSON API gives them.
fn refused(e: LedgerError) -> PageResult<(StatusCode, String)> {
    if let LedgerError::Storage(_) = e {
        return Err(internal(e));
    }
    let api = ApiError::from(e);
    Ok((api.status, api.message))
}
