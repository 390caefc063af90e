//! A helpdesk with a staff directory and console accounts for the request stories.

use madoguchi::accounts::{HashedPassword, NewUser, Role};
use madoguchi::config::Settings;
use madoguchi::domain::Channel;
use madoguchi::requests::{Acting, Capacity, Submission};
use madoguchi::storage::{sql, StaffMember};
use serde_json::{json, Map, Value};

use crate::helpers::{desk_in, Desk};

/// Admins of ICT推進課 (approvers) and a helpdesk operator.
pub const ADMIN: &str = "sato";
pub const ADMIN2: &str = "suzuki";
pub const OPERATOR: &str = "yamada";

/// A desk on `database_url` (or a fresh SQLite), with two staff members and accounts.
pub async fn request_desk(database_url: Option<String>) -> Desk {
    request_desk_with(|s| s.database_url = database_url).await
}

/// [`request_desk`] with settings adjusted.
pub async fn request_desk_with(adjust: impl FnOnce(&mut Settings)) -> Desk {
    let d = desk_in(tempfile::TempDir::new().unwrap(), adjust).await;
    d.helpdesk
        .store()
        .replace_staff(&[
            member(
                "10001",
                "沼津 太郎",
                "ICT推進課",
                Some("logo-taro"),
                Some("taro@city.numazu.lg.jp"),
            ),
            member("10002", "沼津 花子", "財政課", None, None),
        ])
        .await
        .unwrap();
    for (login, role) in [
        (ADMIN, Role::Admin),
        (ADMIN2, Role::Admin),
        (OPERATOR, Role::Operator),
    ] {
        d.helpdesk
            .store()
            .create_user(&NewUser {
                login: login.into(),
                display_name: login.into(),
                role,
                password: HashedPassword::new("correct horse battery").unwrap(),
            })
            .await
            .unwrap();
    }
    d
}

fn member(
    no: &str,
    name: &str,
    department: &str,
    logo: Option<&str>,
    email: Option<&str>,
) -> StaffMember {
    StaffMember {
        employee_no: no.into(),
        name: name.into(),
        department: department.into(),
        email: email.map(str::to_owned),
        extension: None,
        logochat_id: logo.map(str::to_owned),
    }
}

/// Valid answers for a new account (`ad-account-add`).
pub fn account_fields() -> Map<String, Value> {
    json!({
        "staff": "10002",
        "network": ["lgwan", "インターネット接続系"],
        "login": "numazu.hanako",
        "start_date": "2026-12-01",
    })
    .as_object()
    .unwrap()
    .clone()
}

pub fn submission(type_id: &str, fields: Map<String, Value>) -> Submission {
    Submission {
        type_id: type_id.into(),
        requester: "10001".into(),
        fields,
        channel: Channel::Api,
        conversation_id: None,
        ticket_id: None,
        actor: "10001".into(),
    }
}

/// Submits `submission` and approves it as [`ADMIN`]; its id.
pub async fn approved(d: &Desk, submission: Submission) -> i64 {
    let requests = d.helpdesk.requests();
    let row = requests.submit(submission).await.unwrap();
    requests
        .act(
            row.id,
            admin(ADMIN),
            madoguchi::domain::RequestAction::Approve,
            None,
            None,
            None,
        )
        .await
        .unwrap();
    row.id
}

pub fn admin(login: &str) -> Acting<'_> {
    Acting {
        login,
        capacity: Capacity::Approver,
    }
}

pub fn operator() -> Acting<'static> {
    Acting {
        login: OPERATOR,
        capacity: Capacity::Operator,
    }
}

/// How many rows `table` has (to show that refused input changed nothing).
pub async fn count(d: &Desk, table: &str) -> i64 {
    let statement = match table {
        "requests" => "SELECT COUNT(*) FROM requests",
        "request_events" => "SELECT COUNT(*) FROM request_events",
        "audit_log" => "SELECT COUNT(*) FROM audit_log",
        "outbox" => "SELECT COUNT(*) FROM outbox",
        "ip_addresses" => "SELECT COUNT(*) FROM ip_addresses",
        "ledger_history" => "SELECT COUNT(*) FROM ledger_history",
        other => panic!("no count for {other}"),
    };
    sql(statement)
        .scalar(&mut d.helpdesk.store().conn())
        .await
        .unwrap()
}
