//! One reservation in the console (貸出・予約): its facts, what was handed out and what
//! came back, its history, and the forms of what may be done next (operators and admins:
//! approve, reject, cancel, check out, return, extend); and the reservations waiting for
//! a decision. Each action is one call of the loan service; a refused one shows the
//! reason on the page again and changes nothing.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{Posted, Signed};
use super::loans::Line;
use super::page::{render, Nav, PageError, PageResult};
use crate::calendar::{format_datetime_ja, to_local};
use crate::domain::loan::reservation_number;
use crate::domain::ReservationAction;
use crate::helpdesk::Helpdesk;
use crate::loans::{Checkout, LoanAction, LoanError, LoanView, ReturnNote, When};

#[derive(Template)]
#[template(path = "console/loans_pending.html")]
struct PendingPage {
    nav: Nav,
    lines: Vec<Line>,
}

/// `GET /operator/loans/pending`: the reservations waiting for a decision.
pub async fn pending(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
) -> PageResult<Response> {
    let lines = helpdesk
        .loans()
        .pending()
        .await?
        .into_iter()
        .map(|(name, r)| Line::of(name, r, None))
        .collect();
    let page = PendingPage {
        nav: Nav::new(&signed.0, "loans"),
        lines,
    };
    Ok(render(StatusCode::OK, &page))
}

/// The forms the page offers the signed-in user (none to a viewer).
#[derive(Default)]
pub struct Offer {
    pub approve: bool,
    pub reject: bool,
    pub cancel: bool,
    pub checkout: bool,
    pub give_back: bool,
    pub extend: bool,
}

pub struct Event {
    pub at: String,
    pub actor: String,
    pub action: &'static str,
    pub to: &'static str,
    pub note: String,
}

type Facts = Vec<(&'static str, String)>;

#[derive(Template)]
#[template(path = "console/loan.html")]
struct LoanPage {
    nav: Nav,
    id: i64,
    number: String,
    item: String,
    status: &'static str,
    status_code: &'static str,
    facts: Facts,
    handed_out: Facts,
    came_back: Facts,
    history: Vec<Event>,
    offer: Offer,
    /// A licence's period is whole days: its extension asks for a day.
    by_day: bool,
    error: Option<String>,
}

/// `GET /operator/loans/{id}`: the reservation; reading it is audited.
pub async fn show(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(id): Path<i64>,
) -> PageResult<Response> {
    page(
        &helpdesk,
        &signed,
        id,
        Some(signed.login()),
        StatusCode::OK,
        None,
    )
    .await
}

async fn page(
    helpdesk: &Helpdesk,
    signed: &Signed,
    id: i64,
    reader: Option<&str>,
    status: StatusCode,
    error: Option<String>,
) -> PageResult<Response> {
    let view = match helpdesk.loans().view(id, reader).await {
        Err(e @ LoanError::NoSuchReservation(_)) => return Err(PageError::NotFound(e.to_string())),
        other => other?,
    };
    let LoanView {
        reservation: r,
        item,
        history,
    } = view;
    let at = |t: chrono::DateTime<chrono::Utc>| format_datetime_ja(to_local(t));
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
    let mut facts: Facts = vec![
        ("貸出品", format!("{}（{}）", item.name, item.kind.label())),
        ("数量", r.quantity.to_string()),
        ("開始", at(r.starts_at)),
        ("返却", at(r.ends_at)),
    ];
    if let Some(asked) = r.asked_ends_at {
        facts.push(("希望の返却", at(asked)));
    }
    facts.extend([
        (
            "申請者",
            format!("{}（{}）", r.requester_name, r.requester_no),
        ),
        ("所属", r.department.clone()),
        ("用途", r.purpose.clone()),
        ("受付", r.channel.label().to_owned()),
    ]);
    let handed_out = match r.checked_out_at {
        Some(t) => vec![
            ("貸出日時", at(t)),
            ("資産番号", r.assets().join("、")),
            ("貸出時の状態", or_dash(&r.condition_out)),
            ("利用者に合わせた設定", or_dash(&r.settings_done)),
        ],
        None => Vec::new(),
    };
    let came_back = match r.returned_at {
        Some(t) => vec![
            ("返却日時", at(t)),
            ("返却時の状態", or_dash(&r.condition_in)),
            ("破損", or_dash(&r.damage)),
            ("返却の遅れ", lateness(r.late_minutes.unwrap_or(0))),
        ],
        None => Vec::new(),
    };
    let offer = if signed.0.can_work_tickets() {
        let may = |a| r.status.actions().contains(&a);
        Offer {
            approve: may(ReservationAction::Approve),
            reject: may(ReservationAction::Reject),
            cancel: may(ReservationAction::Cancel),
            checkout: may(ReservationAction::Checkout),
            give_back: may(ReservationAction::Return),
            extend: may(ReservationAction::Extend),
        }
    } else {
        Offer::default()
    };
    let history = history
        .into_iter()
        .map(|e| Event {
            at: at(e.at),
            actor: e.actor,
            action: e.action.label(),
            to: e.status.label(),
            note: e.note.unwrap_or_default(),
        })
        .collect();
    let page = LoanPage {
        nav: Nav::new(&signed.0, "loans"),
        id,
        number: reservation_number(id),
        item: item.name,
        status: r.status.label(),
        status_code: r.status.as_str(),
        facts,
        handed_out,
        came_back,
        history,
        offer,
        by_day: item.kind.by_day(),
        error,
    };
    Ok(render(status, &page))
}

/// How late a return was: 「なし」 or days, hours and minutes.
fn lateness(minutes: i64) -> String {
    if minutes <= 0 {
        return "なし".to_owned();
    }
    let (days, hours, rest) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    let mut text = String::new();
    for (n, unit) in [(days, "日"), (hours, "時間"), (rest, "分")] {
        if n > 0 {
            text.push_str(&format!("{n}{unit}"));
        }
    }
    text
}

/// Every field any of the action forms has.
#[derive(Debug, Default, Deserialize)]
pub struct ActionForm {
    #[serde(default)]
    reason: String,
    /// Asset numbers separated by commas, 「、」, spaces or lines.
    #[serde(default)]
    asset_numbers: String,
    #[serde(default)]
    condition: String,
    #[serde(default)]
    settings_done: String,
    #[serde(default)]
    damage: String,
    /// The new return (extend).
    #[serde(default)]
    to: String,
}

impl ActionForm {
    fn action(self, verb: ReservationAction) -> Result<LoanAction, LoanError> {
        let some = |v: String| Some(v).filter(|v| !v.trim().is_empty());
        Ok(match verb {
            ReservationAction::Approve => LoanAction::Approve,
            ReservationAction::Reject => LoanAction::Reject {
                reason: self.reason,
            },
            ReservationAction::Cancel => LoanAction::Cancel {
                reason: some(self.reason),
            },
            ReservationAction::Checkout => LoanAction::Checkout(Checkout {
                asset_numbers: self
                    .asset_numbers
                    .split(|c: char| c == ',' || c == '、' || c.is_whitespace())
                    .map(str::to_owned)
                    .collect(),
                condition: self.condition,
                settings_done: some(self.settings_done),
            }),
            ReservationAction::Return => LoanAction::Return(ReturnNote {
                condition: self.condition,
                damage: some(self.damage),
            }),
            ReservationAction::Extend => LoanAction::Extend {
                to: When::parse("延長後の返却", &self.to)?,
            },
            ReservationAction::Reserve => {
                return Err(LoanError::Invalid("そのURLは見つかりません。".into()))
            }
        })
    }
}

/// `POST /operator/loans/{id}/{approve|reject|cancel|checkout|return|extend}`: back to
/// the reservation (303) after the action, or its page again with the reason it was
/// refused.
pub async fn act(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path((id, verb)): Path<(i64, String)>,
    posted: Posted<ActionForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    let Some(verb) = ReservationAction::from_path(&verb) else {
        return Err(PageError::NotFound("そのURLは見つかりません。".into()));
    };
    if !signed.0.can_work_tickets() {
        return Err(PageError::Forbidden("予約の処理"));
    }
    let outcome = match form.action(verb) {
        Ok(action) => helpdesk.loans().act(id, signed.login(), action).await,
        Err(e) => Err(e),
    };
    let error = match outcome {
        Ok(_) => return Ok(Redirect::to(&format!("/operator/loans/{id}")).into_response()),
        Err(LoanError::Internal(e)) => return Err(PageError::Internal(e)),
        Err(e) => e,
    };
    let status = match &error {
        LoanError::NoSuchReservation(_) => StatusCode::NOT_FOUND,
        LoanError::NotAllowed(_) | LoanError::Unavailable { .. } => StatusCode::CONFLICT,
        LoanError::UnknownOperator(_) => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
    };
    page(
        &helpdesk,
        &signed,
        id,
        None,
        status,
        Some(error.to_string()),
    )
    .await
}
