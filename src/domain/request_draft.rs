//! A request being filled in in a conversation: which type, the answers so far, and the
//! field being asked (none once every field is answered and the summary is shown).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::request_type::RequestType;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RequestDraft {
    pub type_id: String,
    /// Answers so far, by field id (stored form).
    pub answers: Map<String, Value>,
    /// Index of the field being asked; `None` while the summary waits for 「はい」.
    pub asking: Option<usize>,
    /// A returned request (差戻し) being corrected: its id. Its answers are the draft's
    /// start, and 「そのまま」 keeps one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resubmits: Option<i64>,
}

impl RequestDraft {
    /// A new draft of `definition`, asking its first field.
    pub fn new(definition: &RequestType) -> Self {
        Self {
            type_id: definition.id.clone(),
            answers: Map::new(),
            asking: Some(0).filter(|_| !definition.fields.is_empty()),
            resubmits: None,
        }
    }

    /// A draft correcting the returned request `id` of `definition`, starting from its
    /// `answers`.
    pub fn correcting(definition: &RequestType, id: i64, answers: Map<String, Value>) -> Self {
        Self {
            answers,
            resubmits: Some(id),
            ..Self::new(definition)
        }
    }

    /// Records the answer to the field being asked (`None`: left empty) and moves to the
    /// next field, or to the summary after the last.
    pub fn answer(&mut self, definition: &RequestType, value: Option<Value>) {
        let Some(i) = self.asking else { return };
        let Some(field) = definition.fields.get(i) else {
            self.asking = None;
            return;
        };
        match value {
            Some(v) => {
                self.answers.insert(field.id.clone(), v);
            }
            None => {
                self.answers.remove(&field.id);
            }
        }
        self.asking = Some(i + 1).filter(|next| *next < definition.fields.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_draft_walks_the_fields_in_order_then_waits_for_confirmation() {
        let definition = RequestType::from_toml(
            r#"id = "t"
name = "テスト"
description = ""
category = ""
[[fields]]
id = "a"
label = "A"
kind = "text"
[[fields]]
id = "b"
label = "B"
kind = "text"
required = false
[[steps]]
title = "作業"
"#,
        )
        .unwrap();
        let mut draft = RequestDraft::new(&definition);
        assert_eq!(draft.asking, Some(0));
        draft.answer(&definition, Some(json!("x")));
        assert_eq!(draft.asking, Some(1));
        draft.answer(&definition, None);
        assert_eq!(draft.asking, None);
        assert_eq!(
            draft.answers,
            json!({"a": "x"}).as_object().unwrap().clone()
        );
    }
}
