//! A request as the console and the API show it: its answers with their labels, its
//! history, its work order and the requester's directory record. Reading it is audited
//! (it holds personal data).

use serde::Serialize;
use serde_json::Value;

use super::{definition_of, RequestError, Requests};
use crate::domain::request_type::RequestType;
use crate::storage::requests::{self as records, RequestEvent, RequestRow, RequestStep};
use crate::storage::staff::StaffKey;
use crate::storage::{AuditEntry, StaffMember};

/// One answer, as shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldLine {
    pub id: String,
    pub label: String,
    /// The stored value (JSON).
    pub value: Value,
    /// How it reads (labels, 「〜」).
    pub text: String,
}

/// Everything the request page shows.
#[derive(Debug, Clone)]
pub struct RequestView {
    pub request: RequestRow,
    pub definition: RequestType,
    pub fields: Vec<FieldLine>,
    pub events: Vec<RequestEvent>,
    pub steps: Vec<RequestStep>,
    pub requester: Option<StaffMember>,
}

impl RequestView {
    /// The stored answer of field `id`, as text.
    pub fn text_of(&self, id: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.text.as_str())
    }
}

impl Requests {
    /// Request `id` with its answers, history and work order; reading it is recorded in
    /// the audit log under `reader`.
    pub async fn view(&self, id: i64, reader: &str) -> Result<RequestView, RequestError> {
        let request = self.request(id).await?;
        let definition = definition_of(&request)?;
        let answers: serde_json::Map<String, Value> =
            serde_json::from_str(&request.fields).unwrap_or_default();
        let fields = definition
            .fields
            .iter()
            .filter_map(|spec| {
                let value = answers.get(&spec.id)?;
                Some(FieldLine {
                    id: spec.id.clone(),
                    label: spec.label.clone(),
                    value: value.clone(),
                    text: spec.display(value),
                })
            })
            .collect();
        let mut conn = self.store.conn();
        let events = records::events(&mut conn, id).await?;
        let steps = records::steps(&mut conn, id).await?;
        let requester = self
            .store
            .staff_member(StaffKey::EmployeeNo(&request.requester_no))
            .await?;
        let entry = AuditEntry::new(reader, "request.view", "request", &id.to_string());
        self.store.record_audit(&entry).await?;
        Ok(RequestView {
            request,
            definition,
            fields,
            events,
            steps,
            requester,
        })
    }
}

/// The artefacts of a request's AD steps: per step position, a CSV and a script per
/// network named in the request.
pub type StepArtefacts = Vec<(i64, Vec<super::ad_script::Artefact>)>;

impl Requests {
    /// Who the AD steps of `row` are about, one target per network named in it.
    pub(super) async fn ad_targets(
        &self,
        row: &super::RequestRow,
    ) -> Result<Vec<super::ad_script::AdTarget>, RequestError> {
        use super::ad_script::AdTarget;
        use crate::domain::Network;
        let answers: serde_json::Map<String, Value> =
            serde_json::from_str(&row.fields).unwrap_or_default();
        let text = |id: &str| answers.get(id).and_then(Value::as_str).map(str::to_owned);
        let target_no = text("staff").unwrap_or_else(|| row.requester_no.clone());
        let target = self.store.staff_by_employee_no(&target_no).await?;
        let (name, department) = match &target {
            Some(s) => (s.name.clone(), s.department.clone()),
            None => (String::new(), String::new()),
        };
        let networks: Vec<Network> = match answers.get("network") {
            Some(Value::String(n)) => Network::parse(n).into_iter().collect(),
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().and_then(|n| Network::parse(n).ok()))
                .collect(),
            _ => vec![Network::Lgwan],
        };
        let renamed = text("change").as_deref() == Some("氏名");
        Ok(networks
            .iter()
            .map(|network| AdTarget {
                network: *network,
                employee_no: target_no.clone(),
                name: name.clone(),
                department: department.clone(),
                login: text("login"),
                new_name: if renamed { text("new_value") } else { None },
                new_department: text("department"),
            })
            .collect())
    }

    /// The CSV and PowerShell scripts for the AD steps of `view`'s work order.
    /// The step file `name` of request `id`, downloaded by `actor`: the request's view and
    /// the download (`request.download`, with the file's name) are audited. `None` when the
    /// request has no such file.
    pub async fn step_file(
        &self,
        id: i64,
        name: &str,
        actor: &str,
    ) -> Result<Option<super::ad_script::Artefact>, RequestError> {
        let view = self.view(id, actor).await?;
        let found = self
            .artefacts(&view)
            .await?
            .into_iter()
            .flat_map(|(_, files)| files)
            .find(|a| a.file_name == name);
        if let Some(file) = &found {
            let entry = crate::storage::AuditEntry::new(
                actor,
                "request.download",
                "request",
                &id.to_string(),
            )
            .detail(file.file_name.clone());
            self.store.record_audit(&entry).await?;
        }
        Ok(found)
    }

    pub async fn artefacts(&self, view: &RequestView) -> Result<StepArtefacts, RequestError> {
        use super::ad_script::{csv, script, Artefact};
        let targets = self.ad_targets(&view.request).await?;
        let networks: Vec<_> = targets.iter().map(|t| t.network).collect();
        let number = super::request_number(view.request.id);
        let mut out = Vec::new();
        for (i, step) in view.definition.steps.iter().enumerate() {
            let Some(change) = step.ad else { continue };
            let position = i as i64 + 1;
            let stem = format!("{number}-step{position}");
            let mut files = vec![Artefact {
                file_name: format!("{stem}.csv"),
                content: csv(&targets),
            }];
            for network in &networks {
                let title = format!(
                    "申請 {number} {} 手順{position}: {}",
                    view.request.type_name, step.title
                );
                files.push(Artefact {
                    file_name: format!("{stem}-{}.ps1", network.as_str()),
                    content: script(&title, change, *network, &targets),
                });
            }
            out.push((position, files));
        }
        Ok(out)
    }
}
