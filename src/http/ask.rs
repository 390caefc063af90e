//! `POST /api/v1/ask`: a question in, the decision, the answer and the candidates out.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::error::{ApiError, ApiResult};
use super::json_body::JsonBody;
use crate::engine::{Candidate, Decision, Intent, Reason};
use crate::helpdesk::Helpdesk;
use crate::kb::render::markdown_to_safe_html;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AskRequest {
    pub text: String,
    /// Where the question came from (api, widget, ...); for statistics.
    #[serde(default)]
    pub channel: Option<String>,
}

#[derive(Serialize)]
pub struct AnswerBody {
    pub id: String,
    pub title: String,
    pub category: String,
    pub body_markdown: String,
    pub body_html: String,
    pub score: f32,
}

#[derive(Serialize)]
pub struct AskResponse {
    pub decision: Decision,
    pub reason: Reason,
    pub intent: Intent,
    pub answer: Option<AnswerBody>,
    pub candidates: Vec<Candidate>,
    pub truncated: bool,
    pub question_id: i64,
}

pub async fn ask(
    State(helpdesk): State<Arc<Helpdesk>>,
    JsonBody(request): JsonBody<AskRequest>,
) -> ApiResult<Json<AskResponse>> {
    if request.text.trim().is_empty() {
        return Err(ApiError::bad_request(
            "empty_question",
            "質問を入力してください。",
        ));
    }
    let channel = channel_name(request.channel.as_deref())?;
    let answered = helpdesk.conversations().ask(&request.text, channel).await?;
    let answer = answered.entry.map(|entry| AnswerBody {
        body_html: markdown_to_safe_html(&entry.body, &helpdesk.settings().faq.image_hosts),
        score: answered.outcome.candidates.first().map_or(0.0, |c| c.score),
        id: entry.id,
        title: entry.title,
        category: entry.category,
        body_markdown: entry.body,
    });
    let outcome = answered.outcome;
    Ok(Json(AskResponse {
        decision: outcome.decision,
        reason: outcome.reason,
        intent: outcome.intent,
        answer,
        candidates: outcome.candidates.into_iter().take(5).collect(),
        truncated: outcome.truncated,
        question_id: answered.question_id,
    }))
}

/// Channel names are short ASCII labels; anything else is refused rather than stored.
fn channel_name(channel: Option<&str>) -> ApiResult<&str> {
    match channel {
        None => Ok("api"),
        Some(c)
            if !c.is_empty()
                && c.len() <= 32
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Ok(c)
        }
        Some(_) => Err(ApiError::bad_request(
            "invalid_channel",
            "channel は32文字以内の英数字で指定してください。",
        )),
    }
}
