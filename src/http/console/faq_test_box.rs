//! The "try a question" box: how the helpdesk reads a question and ranks its answers,
//! for any signed-in user. [`Helpdesk::explain`] records nothing: the question is neither
//! logged nor counted.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::auth::Signed;
use super::page::{render, Nav, PageResult};
use crate::engine::{Decision, Intent, Reason};
use crate::helpdesk::Helpdesk;
use crate::knowledge::Explanation;

#[derive(Template)]
#[template(path = "console/test_box.html")]
struct TestBoxPage {
    nav: Nav,
    q: String,
    explanation: Option<Explanation>,
}

#[derive(Debug, Default, Deserialize)]
pub struct TestBoxQuery {
    #[serde(default)]
    q: String,
}

pub async fn show(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Query(query): Query<TestBoxQuery>,
) -> PageResult<Response> {
    let explanation = (!query.q.trim().is_empty()).then(|| helpdesk.knowledge().explain(&query.q));
    Ok(render(
        StatusCode::OK,
        &TestBoxPage {
            nav: Nav::new(&signed.0, "test-box"),
            q: query.q,
            explanation,
        },
    ))
}
