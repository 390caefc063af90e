//! Console accounts and a signed-in browser for the tests.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use madoguchi::accounts::{HashedPassword, NewUser, Role};
use tower::ServiceExt;

use crate::helpers::Desk;

pub const PASSWORD: &str = "correct horse battery";

/// Creates an account with [`PASSWORD`].
pub async fn account(d: &Desk, login: &str, name: &str, role: Role) {
    d.helpdesk
        .store()
        .create_user(&NewUser {
            login: login.into(),
            display_name: name.into(),
            role,
            password: HashedPassword::new(PASSWORD).unwrap(),
        })
        .await
        .unwrap();
}

/// A response as the tests read it.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Page {
    /// The value of the first `name="csrf"` (or `name=token`) hidden field.
    pub fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self
            .body
            .find(&marker)
            .unwrap_or_else(|| panic!("no {name} field in {}", self.body))
            + marker.len();
        self.body[start..].split('"').next().unwrap().to_owned()
    }

    /// The value a `Set-Cookie` gives to `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.set_cookies.iter().find_map(|c| {
            c.strip_prefix(&format!("{name}="))
                .map(|rest| rest.split(';').next().unwrap().to_owned())
        })
    }
}

pub async fn send(d: &Desk, request: Request<Body>) -> Page {
    let response = madoguchi::http::app(d.helpdesk.clone())
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let location = headers
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    let set_cookies = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Page {
        status,
        location,
        set_cookies,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub fn form(uri: &str, cookie: &str, fields: &[(&str, &str)]) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(serde_urlencoded::to_string(fields).unwrap()))
        .unwrap()
}

pub fn get(uri: &str, cookie: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}

/// Submits the sign-in form as a browser would: fetch it (cookie + token), post it.
pub async fn try_sign_in(d: &Desk, login: &str, password: &str) -> Page {
    try_sign_in_from(d, "", "/operator/sign-in", login, password).await
}

/// Signs in from a browser that already holds `cookies` (may be empty), through the form
/// at `form_uri` (which may carry `?next=`), posting back the `next` the form holds.
pub async fn try_sign_in_from(
    d: &Desk,
    cookies: &str,
    form_uri: &str,
    login: &str,
    password: &str,
) -> Page {
    let form_page = send(d, get(form_uri, cookies)).await;
    assert_eq!(form_page.status, StatusCode::OK);
    let token = form_page.hidden("token");
    let next = form_page.hidden("next");
    let mut cookie = format!(
        "madoguchi_sign_in={}",
        form_page.cookie("madoguchi_sign_in").unwrap()
    );
    if !cookies.is_empty() {
        cookie = format!("{cookies}; {cookie}");
    }
    send(
        d,
        form(
            "/operator/sign-in",
            &cookie,
            &[
                ("login", login),
                ("password", password),
                ("token", &token),
                ("next", &next),
            ],
        ),
    )
    .await
}

/// A signed-in browser: its cookie header and CSRF token.
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

impl Browser {
    pub async fn sign_in(d: &Desk, login: &str) -> Browser {
        let page = try_sign_in(d, login, PASSWORD).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let cookie = format!(
            "madoguchi_session={}",
            page.cookie("madoguchi_session").unwrap()
        );
        let queue = send(d, get("/operator", &cookie)).await;
        assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
        let csrf = queue.hidden("csrf");
        Browser { cookie, csrf }
    }

    pub async fn get(&self, d: &Desk, uri: &str) -> Page {
        send(d, get(uri, &self.cookie)).await
    }

    /// Posts a form with this session's CSRF token.
    pub async fn post(&self, d: &Desk, uri: &str, fields: &[(&str, &str)]) -> Page {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        send(d, form(uri, &self.cookie, &all)).await
    }
}

/// Escalates a LoGo question and returns the ticket number.
pub async fn escalated(d: &Desk, room: &str, question: &str) -> i64 {
    d.logo(room, question).await;
    let reply = crate::helpers::said(&d.logo(room, "担当者と話したい").await);
    crate::helpers::ticket_in(&reply)
}
