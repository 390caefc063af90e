//! Entering an inquiry that came by phone, in person or by mail (電話, 窓口, メール): an
//! operator picks the staff member by 職員番号 and opens either a request of a type (its
//! fields as a form, errors next to the fields) or a plain ticket. Both join the same
//! queue, SLA and counts as chat.

use std::collections::HashMap;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::auth::{Posted, Signed};
use super::page::{render, Nav, PageError, PageResult};
use crate::domain::request_type::FieldKind;
use crate::domain::Channel;
use crate::helpdesk::Helpdesk;
use crate::requests::{RequestError, Submission};
use crate::tickets::TicketError;

/// The pseudo-type of a plain ticket.
const TICKET: &str = "ticket";

pub struct Input {
    pub id: String,
    pub label: String,
    pub required: bool,
    pub example: String,
    pub choices: Vec<String>,
    pub value: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "console/request_new.html")]
struct NewPage {
    nav: Nav,
    types: Vec<(String, String)>,
    kind: String,
    kind_name: String,
    channels: Vec<(&'static str, &'static str)>,
    channel: String,
    requester: String,
    ticket: String,
    subject: String,
    inputs: Vec<Input>,
    errors: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    requester: String,
    #[serde(default)]
    channel: String,
    /// The ticket this request comes from (a ticket that becomes a request).
    #[serde(default)]
    ticket: Option<i64>,
}

pub async fn form(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Query(query): Query<NewQuery>,
) -> PageResult<Response> {
    signed.worker()?;
    let values = HashMap::new();
    page(
        &helpdesk,
        &signed,
        &query,
        &values,
        &Map::new(),
        Vec::new(),
        StatusCode::OK,
    )
}

fn page(
    helpdesk: &Helpdesk,
    signed: &Signed,
    query: &NewQuery,
    values: &HashMap<String, String>,
    problems: &Map<String, Value>,
    errors: Vec<String>,
    status: StatusCode,
) -> PageResult<Response> {
    let catalogue = helpdesk.requests().catalogue();
    let mut types: Vec<(String, String)> = vec![(
        TICKET.to_owned(),
        "チケット（申請ではない問い合わせ）".to_owned(),
    )];
    types.extend(
        catalogue
            .types()
            .iter()
            .map(|t| (t.id.clone(), t.name.clone())),
    );
    let definition = catalogue.get(&query.kind);
    let inputs = definition
        .map(|t| {
            t.fields
                .iter()
                .map(|f| Input {
                    id: f.id.clone(),
                    label: f.label.clone(),
                    required: f.required,
                    example: f.example_answer(),
                    choices: if f.kind == FieldKind::Choice {
                        f.choices.clone()
                    } else {
                        Vec::new()
                    },
                    value: values
                        .get(&format!("f.{}", f.id))
                        .cloned()
                        .unwrap_or_default(),
                    error: problems
                        .get(&f.id)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                })
                .collect()
        })
        .unwrap_or_default();
    let kind_name = match definition {
        Some(t) => t.name.clone(),
        None if query.kind == TICKET => "チケット".to_owned(),
        None => String::new(),
    };
    let template = NewPage {
        nav: Nav::new(&signed.0, "requests"),
        types,
        kind: query.kind.clone(),
        kind_name,
        channels: Channel::ENTERED_BY_OPERATOR
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        channel: query.channel.clone(),
        requester: query.requester.clone(),
        ticket: query.ticket.map(|t| t.to_string()).unwrap_or_default(),
        subject: values.get("subject").cloned().unwrap_or_default(),
        inputs,
        errors,
    };
    Ok(render(status, &template))
}

pub async fn submit(
    State(helpdesk): State<Arc<Helpdesk>>,
    posted: Posted<HashMap<String, String>>,
) -> PageResult<Response> {
    let signed = posted.signed;
    signed.worker()?;
    let values = posted.form;
    let get = |k: &str| {
        values
            .get(k)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let query = NewQuery {
        kind: get("type"),
        requester: get("requester"),
        channel: get("channel"),
        ticket: get("ticket").parse().ok(),
    };
    // A ticket that becomes a request keeps its conversation: the requester is told there.
    let from_ticket = match query.ticket {
        Some(id) => helpdesk.tickets().ticket(id).await?,
        None => None,
    };
    let channel = Channel::parse(&query.channel)
        .ok()
        .filter(|c| Channel::ENTERED_BY_OPERATOR.contains(c))
        .or(from_ticket.as_ref().map(|t| t.channel));
    let Some(channel) = channel else {
        let errors = vec!["受付（電話・窓口・メール）を選んでください。".to_owned()];
        return page(
            &helpdesk,
            &signed,
            &query,
            &values,
            &Map::new(),
            errors,
            StatusCode::BAD_REQUEST,
        );
    };
    if query.kind == TICKET {
        let staff = helpdesk
            .directory()
            .by_employee_no(&query.requester)
            .await?;
        let Some(staff) = staff else {
            let errors = vec![format!(
                "職員番号 {} は職員名簿にありません。",
                query.requester
            )];
            return page(
                &helpdesk,
                &signed,
                &query,
                &values,
                &Map::new(),
                errors,
                StatusCode::BAD_REQUEST,
            );
        };
        return match helpdesk
            .tickets()
            .open_inquiry(channel, &staff, &get("subject"), signed.login())
            .await
        {
            Ok(id) => Ok(Redirect::to(&format!("/operator/tickets/{id}")).into_response()),
            Err(TicketError::Invalid(reason)) => page(
                &helpdesk,
                &signed,
                &query,
                &values,
                &Map::new(),
                vec![reason],
                StatusCode::BAD_REQUEST,
            ),
            Err(e) => Err(PageError::Internal(anyhow::anyhow!("{e}"))),
        };
    }
    let fields: Map<String, Value> = values
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("f.")?.to_owned(), Value::String(v.clone()))))
        .collect();
    let submission = Submission {
        type_id: query.kind.clone(),
        requester: query.requester.clone(),
        fields,
        channel,
        conversation_id: from_ticket.as_ref().map(|t| t.conversation_id),
        ticket_id: from_ticket.as_ref().map(|t| t.id),
        actor: signed.login().to_owned(),
    };
    match helpdesk.requests().submit(submission).await {
        Ok(row) => Ok(Redirect::to(&format!("/operator/requests/{}", row.id)).into_response()),
        Err(RequestError::InvalidFields(problems)) => {
            let mut errors = Vec::new();
            if let Some(r) = problems.get("requester") {
                errors.push(format!("職員番号：{r}"));
            }
            let problems: Map<String, Value> = problems
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            page(
                &helpdesk,
                &signed,
                &query,
                &values,
                &problems,
                errors,
                StatusCode::BAD_REQUEST,
            )
        }
        Err(RequestError::Invalid(reason)) => page(
            &helpdesk,
            &signed,
            &query,
            &values,
            &Map::new(),
            vec![reason],
            StatusCode::BAD_REQUEST,
        ),
        Err(RequestError::UnknownType(_)) => {
            let errors = vec!["申請の種類を選んでください。".to_owned()];
            page(
                &helpdesk,
                &signed,
                &query,
                &values,
                &Map::new(),
                errors,
                StatusCode::BAD_REQUEST,
            )
        }
        Err(e) => Err(PageError::Internal(e.into())),
    }
}
