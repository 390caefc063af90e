//! The loans JSON API: reservable items, availability, reservations and what operators
//! do with them (operator token).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult};
use super::extract::{ApiPath, ApiQuery};
use super::json_body::JsonBody;
use super::operator::{checked_operator, Operator};
use crate::domain::loan::reservation_number;
use crate::domain::{Channel, ItemKind, ReservationAction, ReservationStatus};
use crate::helpdesk::Helpdesk;
use crate::loans::{Checkout, LoanAction, NewItem, ReservationRequest, ReturnNote, When};
use crate::storage::reservations::{ReservableItem, Reservation, ReservationEvent};

/// The audit log's actor for the token-protected API when no operator is named.
const OPERATOR_API: &str = "operator-api";

/// The operator a call names (checked like every API's `operator`), or [`OPERATOR_API`].
fn named_or_api(operator: Option<&str>) -> ApiResult<String> {
    match operator {
        Some(name) => checked_operator(name),
        None => Ok(OPERATOR_API.to_owned()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewItemBody {
    id: String,
    name: String,
    kind: ItemKind,
    quantity: i64,
    #[serde(default)]
    max_days: Option<i64>,
    #[serde(default)]
    operator: Option<String>,
}

/// `POST /api/v1/reservable-items` → 201 with the item.
pub async fn create_item(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    JsonBody(body): JsonBody<NewItemBody>,
) -> ApiResult<(StatusCode, Json<ReservableItem>)> {
    let item = NewItem {
        id: body.id,
        name: body.name,
        kind: body.kind,
        quantity: body.quantity,
        max_days: body.max_days,
    };
    let actor = named_or_api(body.operator.as_deref())?;
    let item = helpdesk.loans().create_item(&item, &actor).await?;
    Ok((StatusCode::CREATED, Json(item)))
}

/// `GET /api/v1/reservable-items`.
pub async fn items(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
) -> ApiResult<Json<Vec<ReservableItem>>> {
    Ok(Json(helpdesk.loans().items().await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityQuery {
    item: String,
    from: String,
    to: String,
}

#[derive(Serialize)]
pub struct AvailabilityBody {
    item: String,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
    quantity: i64,
    available: i64,
}

/// `GET /api/v1/availability?item=ID&from=&to=`.
pub async fn availability(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiQuery(q): ApiQuery<AvailabilityQuery>,
) -> ApiResult<Json<AvailabilityBody>> {
    let loans = helpdesk.loans();
    let from = When::parse("from", &q.from)?;
    let to = When::parse("to", &q.to)?;
    let (item, period) = loans.period(&q.item, from, to).await?;
    let available = loans.available(&item, &period).await?;
    Ok(Json(AvailabilityBody {
        item: item.id,
        from: period.from,
        to: period.to,
        quantity: item.quantity,
        available,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewReservationBody {
    item: String,
    quantity: i64,
    from: String,
    to: String,
    /// The requester's 職員番号.
    requester: String,
    purpose: String,
    #[serde(default)]
    operator: Option<String>,
}

#[derive(Serialize)]
pub struct Created {
    id: i64,
    number: String,
    status: ReservationStatus,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
    /// What the requester is told (the moved return, when it moved).
    notice: String,
}

/// `POST /api/v1/reservations` → 201 `{"id", "status", ...}`, or 409 `unavailable` with
/// `"available": N`.
pub async fn reserve(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    JsonBody(body): JsonBody<NewReservationBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let request = ReservationRequest {
        item: body.item,
        quantity: body.quantity,
        from: When::parse("from", &body.from)?,
        to: When::parse("to", &body.to)?,
        requester: body.requester,
        purpose: body.purpose,
        channel: Channel::Api,
        conversation_id: None,
        actor: named_or_api(body.operator.as_deref())?,
    };
    let made = helpdesk.loans().reserve(&request).await?;
    let r = made.reservation;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id: r.id,
            number: reservation_number(r.id),
            status: r.status,
            from: r.starts_at,
            to: r.ends_at,
            notice: made.notice,
        }),
    ))
}

#[derive(Serialize)]
pub struct ReservationBody {
    #[serde(flatten)]
    reservation: Reservation,
    number: String,
    asset_numbers: Vec<String>,
    /// What may be done next.
    actions: Vec<ReservationAction>,
    history: Vec<ReservationEvent>,
}

/// `GET /api/v1/reservations/{id}`.
pub async fn show(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ReservationBody>> {
    let loans = helpdesk.loans();
    let reservation = loans.reservation(id).await?;
    let history = loans.history(id).await?;
    Ok(Json(body_of(reservation, history)))
}

fn body_of(reservation: Reservation, history: Vec<ReservationEvent>) -> ReservationBody {
    ReservationBody {
        number: reservation_number(reservation.id),
        asset_numbers: reservation.assets(),
        actions: reservation.status.actions().to_vec(),
        reservation,
        history,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    operator: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    asset_numbers: Vec<String>,
    #[serde(default)]
    condition: Option<String>,
    #[serde(default)]
    settings_done: Option<String>,
    #[serde(default)]
    damage: Option<String>,
    /// The new return (`extend`).
    #[serde(default)]
    to: Option<String>,
}

/// `POST /api/v1/reservations/{id}/{approve|reject|cancel|checkout|return|extend}`.
pub async fn act(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiPath((id, verb)): ApiPath<(i64, String)>,
    JsonBody(body): JsonBody<ActionBody>,
) -> ApiResult<Json<ReservationBody>> {
    let Some(verb) = ReservationAction::from_path(&verb) else {
        return Err(ApiError::not_found("そのURLは見つかりません。"));
    };
    let condition = body.condition.unwrap_or_default();
    let action = match verb {
        ReservationAction::Approve => LoanAction::Approve,
        ReservationAction::Reject => LoanAction::Reject {
            reason: body.reason.unwrap_or_default(),
        },
        ReservationAction::Cancel => LoanAction::Cancel {
            reason: body.reason,
        },
        ReservationAction::Checkout => LoanAction::Checkout(Checkout {
            asset_numbers: body.asset_numbers,
            condition,
            settings_done: body.settings_done,
        }),
        ReservationAction::Return => LoanAction::Return(ReturnNote {
            condition,
            damage: body.damage,
        }),
        ReservationAction::Extend => LoanAction::Extend {
            to: When::parse("to", body.to.as_deref().unwrap_or(""))?,
        },
        ReservationAction::Reserve => unreachable!("from_path never gives reserve"),
    };
    let loans = helpdesk.loans();
    let after = loans
        .act(id, &checked_operator(&body.operator)?, action)
        .await?;
    let history = loans.history(id).await?;
    Ok(Json(body_of(after, history)))
}
