//! The requests JSON API for integrations: the request types, submitting a request,
//! reading one, and acting on it. Submitting, reading and acting need the operator token
//! (`Authorization: Bearer`); an action names the acting operator, whose console account
//! decides what they may do (admins approve, operators work).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::{ApiError, ApiResult};
use super::extract::ApiPath;
use super::json_body::JsonBody;
use super::operator::{checked_operator, Operator};
use crate::domain::request_type::{FieldKind, RequestType};
use crate::domain::{request_number, Channel, Network, RequestAction, RequestStatus, TextEnum};
use crate::helpdesk::Helpdesk;
use crate::requests::{Acting, Capacity, FieldLine, Submission};
use crate::storage::requests::{RequestEvent, RequestRow, RequestStep};

/// The audit log's actor for the token-protected API when no operator is named.
const OPERATOR_API: &str = "operator-api";

#[derive(Serialize)]
pub struct TypeBody {
    id: String,
    name: String,
    description: String,
    category: String,
    fields: Vec<FieldBody>,
}

#[derive(Serialize)]
pub struct FieldBody {
    id: String,
    label: String,
    kind: FieldKind,
    required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    choices: Option<Vec<String>>,
}

fn type_body(t: &RequestType) -> TypeBody {
    TypeBody {
        id: t.id.clone(),
        name: t.name.clone(),
        description: t.description.clone(),
        category: t.category.clone(),
        fields: t
            .fields
            .iter()
            .map(|f| FieldBody {
                id: f.id.clone(),
                label: f.label.clone(),
                kind: f.kind,
                required: f.required,
                choices: match f.kind {
                    FieldKind::Choice => Some(f.choices.clone()),
                    FieldKind::Network => {
                        Some(Network::ALL.iter().map(|n| n.label().to_owned()).collect())
                    }
                    _ => None,
                },
            })
            .collect(),
    }
}

/// `GET /api/v1/request-types`.
pub async fn types(State(helpdesk): State<Arc<Helpdesk>>) -> Json<Vec<TypeBody>> {
    Json(
        helpdesk
            .requests()
            .catalogue()
            .types()
            .iter()
            .map(type_body)
            .collect(),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRequestBody {
    #[serde(rename = "type")]
    kind: String,
    /// The requester's 職員番号.
    requester: String,
    #[serde(default)]
    fields: Map<String, Value>,
    /// Who enters it (recorded in the history and the audit log).
    #[serde(default)]
    operator: Option<String>,
}

#[derive(Serialize)]
pub struct Created {
    id: i64,
    number: String,
    status: RequestStatus,
}

/// `POST /api/v1/requests` → 201 `{"id", "number", "status"}`.
pub async fn create(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    JsonBody(body): JsonBody<NewRequestBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let actor = match body.operator.as_deref() {
        Some(name) => checked_operator(name)?,
        None => OPERATOR_API.to_owned(),
    };
    let row = helpdesk
        .requests()
        .submit(Submission {
            type_id: body.kind,
            requester: body.requester,
            fields: body.fields,
            channel: Channel::Api,
            conversation_id: None,
            ticket_id: None,
            actor,
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id: row.id,
            number: request_number(row.id),
            status: row.status,
        }),
    ))
}

#[derive(Serialize)]
pub struct RequestBody {
    #[serde(flatten)]
    request: RequestRow,
    number: String,
    fields: Vec<FieldLine>,
    /// What may be done next.
    actions: Vec<RequestAction>,
    history: Vec<RequestEvent>,
    steps: Vec<RequestStep>,
}

/// `GET /api/v1/requests/{id}` (audited: it holds personal data).
pub async fn show(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<RequestBody>> {
    let view = helpdesk.requests().view(id, OPERATOR_API).await?;
    Ok(Json(RequestBody {
        number: request_number(view.request.id),
        actions: view.request.status.actions().to_vec(),
        request: view.request,
        fields: view.fields,
        history: view.events,
        steps: view.steps,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    operator: String,
    #[serde(default)]
    reason: Option<String>,
    /// The version the caller saw; a request changed since is refused (409).
    #[serde(default)]
    version: Option<i64>,
    /// Corrected answers (`resubmit`).
    #[serde(default)]
    fields: Option<Map<String, Value>>,
}

/// `POST /api/v1/requests/{id}/{approve|return|reject|start|complete|fail|cancel|resubmit}`.
pub async fn act(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiPath((id, verb)): ApiPath<(i64, String)>,
    JsonBody(body): JsonBody<ActionBody>,
) -> ApiResult<Json<RequestRow>> {
    let Some(action) = RequestAction::from_path(&verb) else {
        return Err(ApiError::not_found("そのURLは見つかりません。"));
    };
    let login = checked_operator(&body.operator)?;
    let requests = helpdesk.requests();
    // A resubmission is the requester's: the integration hands it in for them.
    let capacity = if action == RequestAction::Resubmit {
        Capacity::Requester
    } else {
        requests.capacity_of(&login).await?
    };
    let acting = Acting {
        login: &login,
        capacity,
    };
    let row = requests
        .act(
            id,
            acting,
            action,
            body.reason.as_deref(),
            body.version,
            body.fields,
        )
        .await?;
    Ok(Json(row))
}
