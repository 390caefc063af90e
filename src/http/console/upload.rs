//! Forms with a file (`multipart/form-data`), which [`super::auth::Posted`] does not read:
//! the first field must be `csrf` and match the session's token before anything else of
//! the body is read; then the text fields and the file (or files), each up to a size.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequest, Multipart, Request};

use super::auth::Signed;
use super::page::{PageError, PageResult};
use crate::helpdesk::Helpdesk;

/// A posted form with its file.
#[derive(Debug, Default)]
pub struct Upload {
    /// The text fields, by name.
    pub fields: HashMap<String, String>,
    /// The `file` field: its name and bytes, when a non-empty file was sent.
    pub file: Option<(String, Vec<u8>)>,
    /// Other file fields (a form with several files), by field name, when non-empty;
    /// each up to the size.
    pub files: HashMap<String, (String, Vec<u8>)>,
}

impl Upload {
    /// A text field, empty when not sent.
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

/// Reads the form after checking its CSRF token; a file over `max_bytes` is refused.
pub async fn read(
    signed: &Signed,
    helpdesk: &Arc<Helpdesk>,
    request: Request,
    max_bytes: usize,
) -> PageResult<Upload> {
    let mut multipart = Multipart::from_request(request, helpdesk)
        .await
        .map_err(|_| PageError::Csrf)?;
    let token = match multipart.next_field().await {
        Ok(Some(field)) if field.name() == Some("csrf") => field.text().await.ok(),
        _ => None,
    };
    if !token.is_some_and(|t| signed.0.csrf_matches(&t)) {
        return Err(PageError::Csrf);
    }
    let too_large = || {
        PageError::BadRequest(format!(
            "ファイルが大きすぎます。{} MBまでです。",
            max_bytes / 1024 / 1024
        ))
    };
    let mut upload = Upload::default();
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(too_large())
            }
            Err(_) => return Err(PageError::BadRequest("送信された内容を読めません。".into())),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name != "file" && field.file_name().is_none() {
            let value = field.text().await.unwrap_or_default();
            upload.fields.insert(name, value);
            continue;
        }
        let file_name = field.file_name().unwrap_or_default().to_owned();
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) if bytes.len() + chunk.len() > max_bytes => return Err(too_large()),
                Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(_) => return Err(PageError::BadRequest("ファイルを読めません。".into())),
            }
        }
        if bytes.is_empty() {
            continue;
        }
        if name == "file" {
            upload.file = Some((file_name, bytes));
        } else {
            upload.files.insert(name, (file_name, bytes));
        }
    }
    Ok(upload)
}
