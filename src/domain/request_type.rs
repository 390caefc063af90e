//! A request type (申請の種類) as data: what it is called, which FAQ entries lead to it,
//! the fields the requester fills in (typed, with their rules), how many approval steps
//! it needs, the steps of its work order, and what the requester is told at each state.
//! Shipped in `integrations/requests/*.toml` (format in that folder's README); parsing
//! and checking a definition is pure.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use super::request::RequestStatus;

/// One request type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestType {
    /// Stable id (`ad-account-add`): the API's `type`.
    pub id: String,
    pub name: String,
    pub description: String,
    pub category: String,
    /// FAQ entries whose answers offer this request.
    #[serde(default)]
    pub faq: Vec<String>,
    /// Approval steps by ICT推進課's admins: 1, or 2 for a second step.
    #[serde(default = "one")]
    pub approvals: usize,
    /// Business days from submission until it should be done.
    #[serde(default = "three")]
    pub due_days: u32,
    pub fields: Vec<FieldSpec>,
    pub steps: Vec<StepSpec>,
    /// What the requester is told when the request enters a state (by the state's stored
    /// name); states left out use the shared sentences.
    #[serde(default)]
    pub notices: BTreeMap<String, String>,
}

fn one() -> usize {
    1
}

fn three() -> u32 {
    3
}

/// One field of a request type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    /// Stable id, the key in the API's `fields`.
    pub id: String,
    pub label: String,
    pub kind: FieldKind,
    #[serde(default = "yes")]
    pub required: bool,
    /// What the bot asks (defaults to 「{label}を入力してください。」).
    #[serde(default)]
    pub question: Option<String>,
    /// An example answer, shown with every error.
    #[serde(default)]
    pub example: Option<String>,
    /// For `choice`: the allowed answers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    /// For `network`: more than one network may be named.
    #[serde(default)]
    pub multiple: bool,
    /// For `text`: the most characters (default 200).
    #[serde(default)]
    pub max_chars: Option<usize>,
    /// For `text`: a format the answer must have.
    #[serde(default)]
    pub format: Option<TextFormat>,
    /// For `number`: the range allowed.
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    /// For `number`: the unit shown after it (`GB`).
    #[serde(default)]
    pub unit: Option<String>,
    /// For `date` and `period`: may not lie before today.
    #[serde(default)]
    pub not_before_today: bool,
    /// For `period`: the longest period in days.
    #[serde(default)]
    pub max_days: Option<i64>,
}

fn yes() -> bool {
    true
}

/// The kinds of field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    /// A member of staff, by 職員番号, who must be in the staff directory.
    Staff,
    /// 所属 (a department of the staff directory).
    Department,
    Date,
    /// From one date to another.
    Period,
    Number,
    Choice,
    /// マイナンバー利用事務系 / LGWAN接続系 / インターネット接続系.
    Network,
}

/// Formats a text field may require.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextFormat {
    /// Digits only.
    Digits,
    /// A sign-in name: ASCII letters, digits, `.`, `_`, `-`, at most 20 (sAMAccountName).
    Login,
    Email,
    /// A host name or URL (proxy and firewall exceptions).
    Host,
}

/// A step of the work order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    pub title: String,
    /// An Active Directory change this step generates a CSV and a PowerShell script for.
    #[serde(default)]
    pub ad: Option<AdChange>,
    /// A change of the IP address ledger this step makes when it is marked done.
    #[serde(default)]
    pub ip: Option<IpChange>,
}

/// What a step does to the IP address ledger (`crate::ledgers`) when marked done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IpChange {
    /// The next free address of the segment the requester named (fields `network`,
    /// `segment`, `host`) becomes 使用中 for the host, in the step's transaction.
    Allocate,
}

/// The fields an `ip = "allocate"` step reads.
pub const IP_FIELDS: [(&str, FieldKind); 3] = [
    ("network", FieldKind::Network),
    ("segment", FieldKind::Text),
    ("host", FieldKind::Text),
];

/// The Active Directory changes a step can prepare (see `crate::requests` artefacts), or
/// a network's directory carries out itself (`crate::requests::directory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdChange {
    /// `New-ADUser` (disabled, `userAccountControl` 514).
    NewUser,
    /// The initial password set, then enabled (`userAccountControl` 512).
    Enable,
    /// `Set-ADUser`.
    SetUser,
    /// `Disable-ADAccount`.
    Disable,
    /// `Move-ADObject` to another OU.
    Move,
    /// `Add-ADGroupMember`.
    AddGroup,
}

/// Why a definition cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DefinitionError(pub String);

impl RequestType {
    /// Reads and checks one definition (TOML).
    pub fn from_toml(text: &str) -> Result<Self, DefinitionError> {
        let parsed: RequestType =
            toml::from_str(text).map_err(|e| DefinitionError(e.to_string()))?;
        parsed.check()?;
        Ok(parsed)
    }

    /// The field with id `id`.
    pub fn field(&self, id: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.id == id)
    }

    /// The sentence for entering `status`, if the type has its own.
    pub fn notice(&self, status: RequestStatus) -> Option<&str> {
        self.notices.get(status.as_str()).map(String::as_str)
    }

    fn check(&self) -> Result<(), DefinitionError> {
        let bad = |why: String| Err(DefinitionError(format!("{}: {why}", self.id)));
        let id_ok = |id: &str| {
            !id.is_empty()
                && id.len() <= 40
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        };
        if !id_ok(&self.id) {
            return bad("id must be lower-case ASCII letters, digits, - or _".into());
        }
        if self.name.trim().is_empty() {
            return bad("name is empty".into());
        }
        if !(1..=2).contains(&self.approvals) {
            return bad("approvals must be 1 or 2".into());
        }
        if self.fields.is_empty() || self.steps.is_empty() {
            return bad("a type needs fields and steps".into());
        }
        let mut seen = HashSet::new();
        for field in &self.fields {
            if !id_ok(&field.id) || !seen.insert(field.id.as_str()) {
                return bad(format!("field id {:?} is invalid or repeated", field.id));
            }
            if field.label.trim().is_empty() {
                return bad(format!("field {} has no label", field.id));
            }
            if (field.kind == FieldKind::Choice) == field.choices.is_empty() {
                return bad(format!(
                    "field {}: choices belong to choice fields",
                    field.id
                ));
            }
            if let (Some(min), Some(max)) = (field.min, field.max) {
                if min > max {
                    return bad(format!("field {}: min is above max", field.id));
                }
            }
        }
        if self.steps.iter().any(|s| s.ip.is_some()) {
            for (id, kind) in IP_FIELDS {
                let single = self
                    .field(id)
                    .is_some_and(|f| f.kind == kind && !f.multiple && f.required);
                if !single {
                    return bad(format!(
                        "an ip step needs a required single {kind:?} field {id:?}"
                    ));
                }
            }
        }
        for key in self.notices.keys() {
            if RequestStatus::parse(key).is_err() {
                return bad(format!("notices: {key:?} is not a request status"));
            }
        }
        Ok(())
    }
}

impl FieldSpec {
    /// What the bot asks for this field.
    pub fn question(&self) -> String {
        match &self.question {
            Some(q) => q.clone(),
            None => format!("{}を入力してください。", self.label),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
id = "mail-account"
name = "メールアカウントの追加"
description = "庁内メールのアカウントを作ります。"
category = "メール"
faq = ["mail-account-request"]

[[fields]]
id = "staff"
label = "対象の職員"
kind = "staff"

[[steps]]
title = "メールアカウントを作成する"
"#;

    #[test]
    fn a_minimal_definition_reads_with_defaults() {
        let t = RequestType::from_toml(MINIMAL).unwrap();
        assert_eq!((t.approvals, t.due_days), (1, 3));
        assert!(t.field("staff").unwrap().required);
        assert_eq!(
            t.field("staff").unwrap().question(),
            "対象の職員を入力してください。"
        );
    }

    #[test]
    fn bad_definitions_are_refused_with_the_reason() {
        let cases = [
            (
                MINIMAL.replace("mail-account\"", "Mail Account\""),
                "id must",
            ),
            (
                MINIMAL.replace("faq = [", "approvals = 3\nfaq = ["),
                "approvals",
            ),
            (
                MINIMAL.replace("kind = \"staff\"", "kind = \"choice\""),
                "choices",
            ),
            (
                MINIMAL.replace("kind = \"staff\"", "kind = \"file\""),
                "unknown variant",
            ),
            (
                format!("{MINIMAL}\n[notices]\nsent = \"x\"\n"),
                "not a request status",
            ),
            (
                MINIMAL.replace("[[steps]]\ntitle = \"メールアカウントを作成する\"", ""),
                "missing field",
            ),
        ];
        for (text, why) in cases {
            let err = RequestType::from_toml(&text).unwrap_err();
            assert!(err.0.contains(why), "{why}: {err}");
        }
    }

    #[test]
    fn an_ip_step_needs_the_fields_it_reads() {
        let with_step = MINIMAL.replace(
            "title = \"メールアカウントを作成する\"",
            "title = \"払い出す\"\nip = \"allocate\"",
        );
        let err = RequestType::from_toml(&with_step).unwrap_err();
        assert!(err.0.contains("an ip step needs"), "{err}");
        let shipped = include_str!("../../integrations/requests/ip-address.toml");
        let ok = RequestType::from_toml(shipped).unwrap();
        assert_eq!(ok.steps[0].ip, Some(IpChange::Allocate));
    }
}
