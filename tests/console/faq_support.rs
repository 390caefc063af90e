//! What the FAQ page tests share: a team of three roles, the edit form's fields, table
//! rows, and multipart uploads as a browser sends them.

use axum::body::Body;
use axum::http::{header, Request};
use madoguchi::accounts::Role;

use crate::helpers::Desk;
use crate::support::{account, send, Browser, Page};

/// An admin, an operator and a viewer, each signed in.
pub struct Team {
    pub admin: Browser,
    pub operator: Browser,
    pub viewer: Browser,
}

pub async fn team(d: &Desk) -> Team {
    account(d, "kanri", "管理 三郎", Role::Admin).await;
    account(d, "yamada", "山田 花子", Role::Operator).await;
    account(d, "etsuran", "閲覧 次郎", Role::Viewer).await;
    Team {
        admin: Browser::sign_in(d, "kanri").await,
        operator: Browser::sign_in(d, "yamada").await,
        viewer: Browser::sign_in(d, "etsuran").await,
    }
}

/// The edit form's fields for a new entry `id`, saved (not previewed), unpublished.
pub fn draft(id: &str, body: &str) -> Vec<(&'static str, String)> {
    vec![
        ("id", id.to_owned()),
        (
            "title",
            "庁内の複合機でスキャンした書類がメールで届きません".to_owned(),
        ),
        ("category", "プリンター・複合機".to_owned()),
        ("keywords", "スキャン、複合機".to_owned()),
        (
            "alternatives",
            "スキャンが届かない\nスキャンtoメールができない".to_owned(),
        ),
        ("related", String::new()),
        ("body", body.to_owned()),
        ("action", "save".to_owned()),
    ]
}

/// `fields` with `name` set to `value` (added when missing).
pub fn with(
    mut fields: Vec<(&'static str, String)>,
    name: &'static str,
    value: &str,
) -> Vec<(&'static str, String)> {
    fields.retain(|(n, _)| *n != name);
    fields.push((name, value.to_owned()));
    fields
}

/// Posts `fields` with the browser's CSRF token.
pub async fn post(
    d: &Desk,
    browser: &Browser,
    uri: &str,
    fields: &[(&'static str, String)],
) -> Page {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    browser.post(d, uri, &pairs).await
}

/// The edit form's fields for a stored entry, as the page fills them, with `body`.
pub async fn edited(d: &Desk, id: &str, body: &str) -> Vec<(&'static str, String)> {
    let e = d.helpdesk.store().get_faq(id).await.unwrap().unwrap();
    let mut fields = vec![
        ("title", e.title),
        ("category", e.category),
        ("keywords", e.keywords.join("、")),
        ("alternatives", e.alternatives.join("\n")),
        ("related", e.related.join(", ")),
        ("body", body.to_owned()),
        ("action", "save".to_owned()),
    ];
    if e.published {
        fields.push(("published", "1".to_owned()));
    }
    fields
}

/// The table row of entry `id` on a page (from its id cell to the row's end).
pub fn row<'a>(page: &'a Page, id: &str) -> &'a str {
    let marker = format!("<code>{id}</code>");
    let start = page
        .body
        .find(&marker)
        .unwrap_or_else(|| panic!("no row for {id}"));
    let rest = &page.body[start..];
    &rest[..rest.find("</tr>").unwrap()]
}

/// One part of a multipart form: a field, or a file with its name.
pub enum Part<'a> {
    Field(&'a str, &'a str),
    File(&'a str, &'a str, &'a [u8]),
}

const BOUNDARY: &str = "----madoguchi-test-7d1f3a";

/// A `multipart/form-data` POST with the parts in this order.
pub fn multipart(uri: &str, cookie: &str, parts: &[Part]) -> Request<Body> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::Field(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}")
                        .as_bytes(),
                );
            }
            Part::File(name, file_name, bytes) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
            }
        }
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    Request::post(uri)
        .header(header::COOKIE, cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap()
}

/// Uploads `bytes` as `file_name` to the import page, as `browser` with its token.
pub async fn import(d: &Desk, browser: &Browser, file_name: &str, bytes: &[u8]) -> Page {
    let parts = [
        Part::Field("csrf", &browser.csrf),
        Part::File("file", file_name, bytes),
    ];
    send(
        d,
        multipart("/operator/faqs/import", &browser.cookie, &parts),
    )
    .await
}

/// A download: status, headers and the exact bytes.
pub struct Download {
    pub status: axum::http::StatusCode,
    pub headers: axum::http::HeaderMap,
    pub bytes: Vec<u8>,
}

pub async fn download(d: &Desk, browser: &Browser, uri: &str) -> Download {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let response = madoguchi::http::app(d.helpdesk.clone())
        .oneshot(crate::support::get(uri, &browser.cookie))
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Download {
        status,
        headers,
        bytes: bytes.to_vec(),
    }
}
