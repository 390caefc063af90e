//! The work step of the IP address request (`ip = "allocate"`): marking it done hands
//! out the next free address of the segment the requester named, in the step's own
//! transaction, so a step marked done always has its address and a refused one none. A
//! request holds one address: marked done again (after 失敗), the step finds the one it
//! holds.

use serde_json::{Map, Value};

use super::RequestError;
use crate::domain::request::request_number;
use crate::domain::{AddressState, Network};
use crate::ledgers::{self, Assignment, LedgerError};
use crate::storage::requests::RequestRow;
use crate::storage::Tx;

/// Allocates the request's address; returns it as text.
pub(super) async fn allocate(
    tx: &mut Tx,
    row: &RequestRow,
    actor: &str,
) -> Result<String, RequestError> {
    let answers: Map<String, Value> = serde_json::from_str(&row.fields).unwrap_or_default();
    let text = |id: &str| {
        answers
            .get(id)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let network = Network::parse(&text("network"))
        .map_err(|_| RequestError::Invalid("申請のネットワークが読めません。".into()))?;
    let name = text("segment");
    let segment = ledgers::segment_named(tx, network, &name)
        .await
        .map_err(refused)?
        .ok_or_else(|| {
            RequestError::Invalid(format!(
                "IP台帳の{}に「{name}」というセグメントはありません。申請を差し戻すか、台帳にセグメントを登録してください。",
                network.label()
            ))
        })?;
    // Marked done, then failed, then done again: the address handed out the first time
    // is still held for the request (unless someone released it), and is the one.
    let number = request_number(row.id);
    if let Some(held) = ledgers::held_for(tx, segment.id, &number)
        .await
        .map_err(refused)?
    {
        return Ok(held.address);
    }
    let assignment = Assignment {
        host: text("host"),
        requester: Some(number),
        department: Some(row.department.clone()).filter(|d| !d.is_empty()),
        person: Some(row.requester_name.clone()).filter(|p| !p.is_empty()),
        ..Assignment::default()
    };
    let record = ledgers::allocate_in(tx, segment.id, AddressState::InUse, &assignment, actor)
        .await
        .map_err(refused)?;
    Ok(record.address)
}

fn refused(e: LedgerError) -> RequestError {
    match e {
        LedgerError::Storage(e) => e.into(),
        other => RequestError::Invalid(format!("アドレスを払い出せません: {other}")),
    }
}
