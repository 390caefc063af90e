//! Signing in and out. The sign-in form is protected from cross-site posting by a
//! double-submit token: a random value both in a short-lived SameSite=Strict cookie and in
//! the form, which must match.

use std::net::SocketAddr;
use std::sync::Arc;

use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::{self, cookie, FormBody, Posted, Signed};
use super::page::{render, PageResult};
use crate::accounts::{random_token, SignInError};
use crate::helpdesk::Helpdesk;

const SIGN_IN_COOKIE: &str = "madoguchi_sign_in";

#[derive(Template)]
#[template(path = "console/sign_in.html")]
struct SignInPage<'a> {
    next: &'a str,
    token: &'a str,
    error: Option<String>,
    login: &'a str,
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    token: String,
}

pub async fn form(
    State(helpdesk): State<Arc<Helpdesk>>,
    Query(query): Query<NextQuery>,
) -> Response {
    let next = auth::safe_next(query.next.as_deref());
    page(&helpdesk, StatusCode::OK, &next, "", None)
}

pub async fn submit(
    State(helpdesk): State<Arc<Helpdesk>>,
    headers: HeaderMap,
    remote: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    FormBody(form): FormBody<SignInForm>,
) -> Response {
    let next = auth::safe_next(form.next.as_deref());
    let expected = cookie(&headers, SIGN_IN_COOKIE).unwrap_or("");
    if expected.is_empty() || !constant_time_eq(expected, &form.token) {
        let error = "フォームの有効期限が切れました。もう一度サインインしてください。";
        return page(
            &helpdesk,
            StatusCode::FORBIDDEN,
            &next,
            &form.login,
            Some(error.into()),
        );
    }
    let remote = remote.map_or("unknown".to_owned(), |c| c.0 .0.ip().to_string());
    let previous = cookie(&headers, auth::SESSION_COOKIE);
    match helpdesk
        .accounts()
        .sign_in_replacing(&form.login, &form.password, &remote, previous)
        .await
    {
        Ok(session) => {
            let secure = helpdesk.settings().console.secure_cookie;
            let mut response = Redirect::to(&next).into_response();
            let headers = response.headers_mut();
            for value in [
                auth::session_cookie(&session.token, secure),
                clear_sign_in_cookie(secure),
            ] {
                if let Ok(v) = value.parse() {
                    headers.append(header::SET_COOKIE, v);
                }
            }
            response
        }
        Err(SignInError::Internal(e)) => super::PageError::Internal(e).into_response(),
        Err(e @ SignInError::Throttled { .. }) => page(
            &helpdesk,
            StatusCode::TOO_MANY_REQUESTS,
            &next,
            &form.login,
            Some(e.to_string()),
        ),
        Err(e @ SignInError::Refused) => page(
            &helpdesk,
            StatusCode::UNAUTHORIZED,
            &next,
            &form.login,
            Some(e.to_string()),
        ),
    }
}

pub async fn sign_out(
    State(helpdesk): State<Arc<Helpdesk>>,
    posted: Posted<serde::de::IgnoredAny>,
) -> PageResult {
    let Signed(session) = posted.signed;
    helpdesk.accounts().sign_out(&session).await?;
    let mut response = Redirect::to("/operator/sign-in").into_response();
    if let Ok(v) = auth::expired_cookie(helpdesk.settings().console.secure_cookie).parse() {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// The sign-in page with a fresh double-submit token (cookie and form).
fn page(
    helpdesk: &Helpdesk,
    status: StatusCode,
    next: &str,
    login: &str,
    error: Option<String>,
) -> Response {
    let token = random_token();
    let secure = if helpdesk.settings().console.secure_cookie {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{SIGN_IN_COOKIE}={token}; Path=/operator/sign-in; HttpOnly; SameSite=Strict; Max-Age=3600{secure}"
    );
    let mut response = render(
        status,
        &SignInPage {
            next,
            token: &token,
            error,
            login,
        },
    );
    if let Ok(v) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

fn clear_sign_in_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SIGN_IN_COOKIE}=; Path=/operator/sign-in; HttpOnly; SameSite=Strict; Max-Age=0{secure}"
    )
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}
