//! Accounts, for admins: list, add, reset a password, disable and enable.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{Posted, Signed};
use super::page::{render, Nav, PageError, PageResult};
use crate::accounts::ManageError;
use crate::accounts::{Role, User};
use crate::config::Secret;
use crate::helpdesk::Helpdesk;

#[derive(Template)]
#[template(path = "console/users.html")]
struct UsersPage {
    nav: Nav,
    users: Vec<User>,
    me: String,
    error: Option<String>,
}

pub async fn show(signed: Signed, State(helpdesk): State<Arc<Helpdesk>>) -> PageResult<Response> {
    signed.admin("アカウントの管理")?;
    page(&helpdesk, &signed, StatusCode::OK, None).await
}

#[derive(Debug, Deserialize)]
pub struct AddForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: Secret,
}

pub async fn add(
    State(helpdesk): State<Arc<Helpdesk>>,
    posted: Posted<AddForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    signed.admin("アカウントの管理")?;
    let outcome = match Role::parse(&form.role) {
        Ok(role) => {
            helpdesk
                .accounts()
                .add(
                    signed.login(),
                    form.login.trim(),
                    &form.display_name,
                    role,
                    form.password.expose(),
                )
                .await
        }
        Err(_) => Err(ManageError::Invalid(
            "権限は オペレーター・管理者・閲覧者 のどれかです。".into(),
        )),
    };
    done(&helpdesk, &signed, outcome).await
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    password: Secret,
}

pub async fn change(
    State(helpdesk): State<Arc<Helpdesk>>,
    Path((login, action)): Path<(String, String)>,
    posted: Posted<PasswordForm>,
) -> PageResult<Response> {
    let Posted { signed, form } = posted;
    signed.admin("アカウントの管理")?;
    let by = signed.login().to_owned();
    let outcome = match action.as_str() {
        "password" => {
            helpdesk
                .accounts()
                .reset_password(&by, &login, form.password.expose())
                .await
        }
        "disable" => helpdesk.accounts().set_disabled(&by, &login, true).await,
        "enable" => helpdesk.accounts().set_disabled(&by, &login, false).await,
        _ => return Err(PageError::NotFound("そのURLは見つかりません。".into())),
    };
    done(&helpdesk, &signed, outcome).await
}

async fn done(
    helpdesk: &Helpdesk,
    signed: &Signed,
    outcome: Result<(), ManageError>,
) -> PageResult<Response> {
    match outcome {
        Ok(()) => Ok(Redirect::to("/operator/users").into_response()),
        Err(ManageError::Internal(e)) => Err(PageError::Internal(e)),
        Err(e @ ManageError::NoSuchAccount(_)) => Err(PageError::NotFound(e.to_string())),
        Err(e) => {
            page(
                helpdesk,
                signed,
                StatusCode::BAD_REQUEST,
                Some(e.to_string()),
            )
            .await
        }
    }
}

async fn page(
    helpdesk: &Helpdesk,
    signed: &Signed,
    status: StatusCode,
    error: Option<String>,
) -> PageResult<Response> {
    let users = helpdesk.accounts().list().await?;
    Ok(render(
        status,
        &UsersPage {
            nav: Nav::new(&signed.0, "users"),
            users,
            me: signed.login().to_owned(),
            error,
        },
    ))
}
