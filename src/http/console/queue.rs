//! The queue: tickets with filters (and a search by 氏名, 所属, 職員番号, 受付番号 and
//! text) and SLA due times, newest first. The page's script
//! fetches `/operator/queue/rows` with the same filters to update the list in place.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::auth::Signed;
use super::page::{page_offset, render, Nav, PageError, PageResult};
use super::views::{Choice, Names, Row};
use crate::domain::{Channel, TextEnum, TicketStatus};
use crate::helpdesk::Helpdesk;
use crate::storage::{TicketFilter, TicketPage};

/// Tickets per page.
pub const PAGE_SIZE: i64 = 100;

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    /// Empty: open tickets; `all`; or one status.
    #[serde(default)]
    status: String,
    #[serde(default)]
    category: String,
    /// Empty: anyone; `me`; `none` (nobody); or a login.
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    overdue: String,
    /// 氏名, 所属, 職員番号, 受付番号 or text.
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<i64>,
}

impl QueueQuery {
    fn filter(&self, me: &str) -> Result<TicketFilter, PageError> {
        let mut filter = TicketFilter::default();
        match self.status.as_str() {
            "" => filter.open_only = true,
            "all" => {}
            s => {
                filter.status =
                    Some(TicketStatus::parse(s).map_err(|_| {
                        PageError::BadRequest("状態の指定が正しくありません。".into())
                    })?)
            }
        }
        filter.category = Some(self.category.clone()).filter(|s| !s.is_empty());
        filter.channel = match self.channel.as_str() {
            "" => None,
            c => Some(
                Channel::parse(c)
                    .map_err(|_| PageError::BadRequest("窓口の指定が正しくありません。".into()))?,
            ),
        };
        filter.assignee = match self.assignee.as_str() {
            "" => None,
            "me" => Some(me.to_owned()),
            "none" => Some(String::new()),
            login => Some(login.to_owned()),
        };
        filter.overdue = !self.overdue.is_empty();
        filter.text = Some(self.q.trim().to_owned()).filter(|q| !q.is_empty());
        Ok(filter)
    }

    /// The filters as a query string, for links and the script.
    fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("status", &self.status),
            ("category", &self.category),
            ("assignee", &self.assignee),
            ("channel", &self.channel),
            ("overdue", &self.overdue),
            ("q", &self.q),
        ])
        .unwrap_or_default()
    }
}

fn choices(selected: &str, options: impl IntoIterator<Item = (String, String)>) -> Vec<Choice> {
    options
        .into_iter()
        .map(|(value, label)| Choice::new(&value, &label, selected))
        .collect()
}

#[derive(Template)]
#[template(path = "console/queue.html")]
struct QueuePage {
    nav: Nav,
    rows: Vec<Row>,
    total: i64,
    page: i64,
    pages: i64,
    query: String,
    statuses: Vec<Choice>,
    categories: Vec<Choice>,
    assignees: Vec<Choice>,
    channels: Vec<Choice>,
    overdue: bool,
    q: String,
}

#[derive(Template)]
#[template(path = "console/queue_rows.html")]
struct QueueRows {
    rows: Vec<Row>,
    total: i64,
}

pub async fn show(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Query(query): Query<QueueQuery>,
) -> PageResult<Response> {
    let (filter, page, now, found) = find(&helpdesk, &signed, &query).await?;
    let (categories, channels) = helpdesk.tickets().facets().await?;
    let users = helpdesk.accounts().list().await?;
    let names: Names = users
        .iter()
        .map(|u| (u.login.clone(), u.display_name.clone()))
        .collect();
    let mut statuses = vec![
        (String::new(), "未完了".to_owned()),
        ("all".into(), "すべて".into()),
    ];
    statuses.extend(
        TicketStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), s.label().to_owned())),
    );
    let mut assignees = vec![
        (String::new(), "全員".to_owned()),
        ("me".into(), "自分".into()),
        ("none".into(), "未割当".into()),
    ];
    assignees.extend(
        users
            .iter()
            .filter(|u| u.role.works_tickets())
            .map(|u| (u.login.clone(), u.display_name.clone())),
    );
    let any = || (String::new(), "すべて".to_owned());
    let page_view = QueuePage {
        nav: Nav::new(&signed.0, "queue"),
        rows: found
            .tickets
            .iter()
            .map(|t| Row::of(t, now, &names))
            .collect(),
        total: found.total,
        page,
        pages: ((found.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        query: query.query_string(),
        statuses: choices(&query.status, statuses),
        categories: choices(
            &query.category,
            std::iter::once(any()).chain(categories.into_iter().map(|c| (c.clone(), c))),
        ),
        assignees: choices(&query.assignee, assignees),
        channels: choices(
            &query.channel,
            std::iter::once(any()).chain(channels.into_iter().map(|c| {
                let label = Channel::parse(&c).map_or("その他", |c| c.label());
                (c, label.to_owned())
            })),
        ),
        overdue: filter.overdue,
        q: query.q.clone(),
    };
    Ok(render(StatusCode::OK, &page_view))
}

/// The filter, the page number, the time the due times are measured against, and the
/// tickets found.
async fn find(
    helpdesk: &Helpdesk,
    signed: &Signed,
    query: &QueueQuery,
) -> PageResult<(TicketFilter, i64, chrono::DateTime<chrono::Utc>, TicketPage)> {
    let filter = query.filter(signed.login())?;
    let page = query.page.unwrap_or(1).max(1);
    let now = helpdesk.now();
    let found = helpdesk
        .tickets()
        .page(&filter, page_offset(page, PAGE_SIZE)?, PAGE_SIZE)
        .await?;
    Ok((filter, page, now, found))
}

/// The queue's rows alone (the page's script replaces the table body with them).
pub async fn rows(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Query(query): Query<QueueQuery>,
) -> PageResult<Response> {
    let (_, _, now, found) = find(&helpdesk, &signed, &query).await?;
    let names: Names = helpdesk
        .accounts()
        .list()
        .await?
        .into_iter()
        .map(|u| (u.login, u.display_name))
        .collect();
    Ok(render(
        StatusCode::OK,
        &QueueRows {
            rows: found
                .tickets
                .iter()
                .map(|t| Row::of(t, now, &names))
                .collect(),
            total: found.total,
        },
    ))
}
