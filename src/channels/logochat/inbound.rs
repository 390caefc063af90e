//! The webhook bodies LoGoチャット (or a relay in front of it) may send.
//!
//! - The project's JSON: `{"message_id", "room_id", "user_id", "user_name", "text",
//!   "timestamp"}`.
//! - A Mattermost/Slack-style outgoing webhook: `token`, `channel_id`, `user_id`,
//!   `user_name`, `post_id`, `text`, `timestamp`, as JSON or form-encoded. Other fields
//!   such relays add (`team_id`, `trigger_word`, ...) are ignored.
//!
//! Ids may arrive as strings or numbers; both are kept as text.

use serde_json::{Map, Value};

/// Longest id or name accepted (room, user, message).
const MAX_ID_CHARS: usize = 200;

/// A message from LoGoチャット, whichever body shape it came in.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookMessage {
    pub message_id: String,
    pub room_id: String,
    pub user_id: String,
    pub user_name: Option<String>,
    pub text: String,
    /// The token in a Mattermost-style body, if any.
    pub token: Option<String>,
}

/// The message's id and the text's length only: who wrote what, and the webhook's
/// token, are not for a log.
impl std::fmt::Debug for WebhookMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookMessage")
            .field("message_id", &self.message_id)
            .field("text_chars", &self.text.chars().count())
            .finish_non_exhaustive()
    }
}

/// Reads a webhook body. `content_type` picks JSON or form encoding; the error says what
/// is wrong, in Japanese, for the 400 response.
pub fn parse(content_type: Option<&str>, body: &[u8]) -> Result<WebhookMessage, String> {
    let text = std::str::from_utf8(body).map_err(|_| "本文が UTF-8 ではありません。".to_owned())?;
    let form = content_type.is_some_and(|t| {
        t.trim_start()
            .starts_with("application/x-www-form-urlencoded")
    });
    let fields: Map<String, Value> = if form {
        crate::urlencoded::from_bytes::<Vec<(String, String)>>(text.as_bytes())
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect()
    } else {
        match serde_json::from_str(text) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err("JSON オブジェクトを送ってください。".into()),
            Err(e) => return Err(format!("JSON として読み取れません: {e}")),
        }
    };
    let mattermost = fields.contains_key("post_id") || fields.contains_key("channel_id");
    let (id_field, room_field) = if mattermost {
        ("post_id", "channel_id")
    } else {
        ("message_id", "room_id")
    };
    Ok(WebhookMessage {
        message_id: id(&fields, id_field)?,
        room_id: id(&fields, room_field)?,
        user_id: id(&fields, "user_id")?,
        user_name: optional(&fields, "user_name")?,
        text: text_field(&fields)?,
        token: optional(&fields, "token")?,
    })
}

fn id(fields: &Map<String, Value>, name: &str) -> Result<String, String> {
    match optional(fields, name)? {
        Some(v) if !v.trim().is_empty() => Ok(v),
        _ => Err(format!("{name} がありません。")),
    }
}

fn optional(fields: &Map<String, Value>, name: &str) -> Result<Option<String>, String> {
    let value = match fields.get(name) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return Err(format!("{name} は文字列で送ってください。")),
    };
    if value.chars().count() > MAX_ID_CHARS || value.chars().any(char::is_control) {
        return Err(format!("{name} が長すぎるか、制御文字を含んでいます。"));
    }
    Ok(Some(value))
}

fn text_field(fields: &Map<String, Value>) -> Result<String, String> {
    match fields.get("text") {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::String(_)) => Err("text が空です。".into()),
        Some(_) => Err("text は文字列で送ってください。".into()),
        None => Err("text がありません。".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_projects_json() {
        let m = parse(
            Some("application/json"),
            r#"{"message_id":"m1","room_id":"r1","user_id":"u1","user_name":"沼津 太郎","text":"VPN","timestamp":"2026-11-26T09:00:00+09:00"}"#.as_bytes(),
        )
        .unwrap();
        assert_eq!(
            (m.message_id.as_str(), m.room_id.as_str(), m.text.as_str()),
            ("m1", "r1", "VPN")
        );
        assert_eq!(m.user_name.as_deref(), Some("沼津 太郎"));
        assert_eq!(m.token, None);
        let printed = format!("{m:?}");
        assert!(printed.contains("m1") && printed.contains("text_chars: 3"));
        for private in ["r1", "u1", "沼津", "VPN"] {
            assert!(!printed.contains(private), "{printed}");
        }
    }

    #[test]
    fn reads_mattermost_json_and_form() {
        let json = r#"{"token":"t","channel_id":"c","user_id":42,"user_name":"a","post_id":"p","text":"hi","timestamp":1790000000000,"trigger_word":""}"#;
        let m = parse(Some("application/json"), json.as_bytes()).unwrap();
        assert_eq!(
            (
                m.message_id.as_str(),
                m.room_id.as_str(),
                m.user_id.as_str()
            ),
            ("p", "c", "42")
        );
        assert_eq!(m.token.as_deref(), Some("t"));
        let form = "token=t&channel_id=c&user_id=u&user_name=a&post_id=p&text=%E5%8D%B0%E5%88%B7&timestamp=1";
        let m = parse(Some("application/x-www-form-urlencoded"), form.as_bytes()).unwrap();
        assert_eq!(m.text, "印刷");
    }

    #[test]
    fn refuses_what_is_malformed() {
        for (ct, body) in [
            ("application/json", "{"),
            ("application/json", "[1]"),
            (
                "application/json",
                r#"{"room_id":"r","user_id":"u","text":"x"}"#,
            ),
            (
                "application/json",
                r#"{"message_id":"m","room_id":"r","user_id":"u"}"#,
            ),
            (
                "application/json",
                r#"{"message_id":"m","room_id":"r","user_id":"u","text":"  "}"#,
            ),
            (
                "application/json",
                r#"{"message_id":{},"room_id":"r","user_id":"u","text":"x"}"#,
            ),
            ("application/x-www-form-urlencoded", "text=x"),
        ] {
            assert!(parse(Some(ct), body.as_bytes()).is_err(), "{body}");
        }
        assert!(parse(None, &[0xff, 0xfe]).is_err());
    }
}
