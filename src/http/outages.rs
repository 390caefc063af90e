//! Outages (障害) over the operator JSON API (operator token): declare, list, read one
//! (audited: it names the staff linked), and act on one: note, reply to everyone linked,
//! start a planned stop, close.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult};
use super::extract::ApiPath;
use super::json_body::JsonBody;
use super::operator::{checked_operator, Operator};
use crate::domain::Network;
use crate::helpdesk::Helpdesk;
use crate::outages::{Declaration, OutageView};
use crate::storage::outages::Outage;

/// The audit log's actor when the body names no operator.
const OPERATOR_API: &str = "operator-api";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclareBody {
    pub title: String,
    /// What is affected, in staff's words (`["メール"]`).
    pub systems: Vec<String>,
    #[serde(default)]
    pub faq_ids: Vec<String>,
    #[serde(default)]
    pub network: Option<Network>,
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
    #[serde(default)]
    pub planned: bool,
    #[serde(default)]
    pub checklist: Option<String>,
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default)]
    pub vendor_ticket: Option<String>,
    #[serde(default)]
    pub operator: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    #[serde(default)]
    pub operator: Option<String>,
    /// The note (`note`) or the reply (`reply`).
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub cause: Option<String>,
    #[serde(default)]
    pub measures: Option<String>,
}

#[derive(Serialize)]
pub struct Acted {
    pub outage: Outage,
    /// Conversations told (reply, close).
    pub told: usize,
}

/// The operator a call names (checked like every API's `operator`: it is written into
/// the audit log, the timeline and the staff's messages), or [`OPERATOR_API`].
fn actor(operator: &Option<String>) -> ApiResult<String> {
    match operator.as_deref().map(str::trim).filter(|o| !o.is_empty()) {
        Some(name) => checked_operator(name),
        None => Ok(OPERATOR_API.to_owned()),
    }
}

/// `POST /api/v1/outages` → 201 with the outage.
pub async fn declare(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    JsonBody(body): JsonBody<DeclareBody>,
) -> ApiResult<(StatusCode, Json<Outage>)> {
    let declaration = Declaration {
        title: body.title,
        systems: body.systems.join("\n"),
        faq_ids: body.faq_ids.join("\n"),
        network: body.network,
        place: body.place,
        since: body.since,
        planned: body.planned,
        checklist: body.checklist,
        vendor: body.vendor,
        vendor_ticket: body.vendor_ticket,
    };
    let outage = helpdesk
        .outages()
        .declare(&declaration, &actor(&body.operator)?)
        .await?;
    Ok((StatusCode::CREATED, Json(outage)))
}

/// `GET /api/v1/outages`: open ones first, then the last recovered.
pub async fn list(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
) -> ApiResult<Json<Vec<Outage>>> {
    Ok(Json(helpdesk.outages().list().await?))
}

/// `GET /api/v1/outages/{id}`: the outage, its timeline and who is linked.
pub async fn show(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<OutageView>> {
    Ok(Json(helpdesk.outages().view(id, OPERATOR_API).await?))
}

/// `POST /api/v1/outages/{id}/{note|reply|start|cancel|close}` (`cancel`: `text` is the
/// reason).
pub async fn act(
    _: Operator,
    State(helpdesk): State<Arc<Helpdesk>>,
    ApiPath((id, verb)): ApiPath<(i64, String)>,
    JsonBody(body): JsonBody<ActionBody>,
) -> ApiResult<Json<Acted>> {
    let outages = helpdesk.outages();
    let who = actor(&body.operator)?;
    let who = who.as_str();
    let text = body.text.as_deref().unwrap_or_default();
    let told = match verb.as_str() {
        "note" => outages.note(id, text, who).await.map(|_| 0)?,
        "reply" => outages.reply_all(id, text, who).await?,
        "start" => outages.start(id, who).await.map(|_| 0)?,
        "cancel" => outages.cancel(id, text, who).await.map(|_| 0)?,
        "close" => {
            outages
                .close(id, body.cause.as_deref(), body.measures.as_deref(), who)
                .await?
        }
        _ => return Err(ApiError::not_found("そのURLは見つかりません。")),
    };
    let outage = outages
        .get(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("障害 {id} はありません。")))?;
    Ok(Json(Acted { outage, told }))
}
