//! The IP address ledger in the console (operators and admins change it, viewers read
//! it): the segments of each network with their usage, the lines found by address, host,
//! computer name, 所属 or person, and one address with its history. The changes are in
//! [`super::ip_actions`].

use std::sync::Arc;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::auth::Signed;
use super::page::{page_offset, render, Nav, PageError, PageResult};
use crate::calendar::{format_datetime_ja, to_local};
use crate::domain::{AddressState, Network, TextEnum};
use crate::helpdesk::Helpdesk;
use crate::ledgers::{LedgerError, SegmentUsage, SegmentView};
use crate::storage::ip_ledger::{IpAddressRecord, LedgerChange};
use crate::storage::ip_search::AddressFilter;

/// Lines per page of the address list.
pub const PAGE_SIZE: i64 = 100;

/// A segment as its row shows it.
pub struct SegmentRow {
    pub view: SegmentView,
    pub usage: SegmentUsage,
}

#[derive(Template)]
#[template(path = "console/ip_segments.html")]
struct SegmentsPage {
    nav: Nav,
    networks: Vec<(Network, Vec<SegmentRow>)>,
    can_change: bool,
}

impl SegmentsPage {
    fn assign_segment(&self) -> Option<i64> {
        None
    }

    fn assign_address(&self) -> &str {
        ""
    }
}

pub async fn segments(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
) -> PageResult<Response> {
    let views = helpdesk.ledgers().segments().await.map_err(internal)?;
    let mut networks: Vec<(Network, Vec<SegmentRow>)> =
        Network::ALL.iter().map(|n| (*n, Vec::new())).collect();
    for view in views {
        let usage = view.usage();
        if let Some((_, rows)) = networks
            .iter_mut()
            .find(|(n, _)| *n == view.segment.network)
        {
            rows.push(SegmentRow { view, usage });
        }
    }
    Ok(render(
        StatusCode::OK,
        &SegmentsPage {
            nav: Nav::new(&signed.0, "ip"),
            networks,
            can_change: signed.0.can_work_tickets(),
        },
    ))
}

/// What the address list was asked for.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub segment: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub page: Option<i64>,
}

#[derive(Template)]
#[template(path = "console/ip_addresses.html")]
struct AddressesPage {
    nav: Nav,
    q: String,
    segment: Option<SegmentRow>,
    segments: Vec<SegmentView>,
    state: String,
    states: &'static [AddressState],
    lines: Vec<IpAddressRecord>,
    total: i64,
    page: i64,
    pages: i64,
    previous: Option<String>,
    next: Option<String>,
    error: Option<String>,
    can_change: bool,
}

impl AddressesPage {
    fn assign_segment(&self) -> Option<i64> {
        self.segment.as_ref().map(|s| s.view.segment.id)
    }

    fn assign_address(&self) -> &str {
        ""
    }

    fn selected(&self, id: &i64) -> bool {
        self.assign_segment() == Some(*id)
    }
}

pub async fn addresses(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Query(query): Query<ListQuery>,
) -> PageResult<Response> {
    address_list(&helpdesk, &signed, query, StatusCode::OK, None).await
}

pub(super) async fn address_list(
    helpdesk: &Helpdesk,
    signed: &Signed,
    query: ListQuery,
    status: StatusCode,
    error: Option<String>,
) -> PageResult<Response> {
    let bad = |what: &str| PageError::BadRequest(format!("{what}の指定が正しくありません。"));
    let segment_id = match query.segment.trim() {
        "" => None,
        id => Some(id.parse::<i64>().map_err(|_| bad("セグメント"))?),
    };
    let state = match query.state.as_str() {
        "" => None,
        s => Some(AddressState::parse(s).map_err(|_| bad("状態"))?),
    };
    let page = query.page.unwrap_or(1);
    if page < 1 {
        return Err(bad("ページ"));
    }
    let ledgers = helpdesk.ledgers();
    let segments = ledgers.segments().await.map_err(internal)?;
    let segment = match segment_id {
        None => None,
        Some(id) => {
            let view = segments
                .iter()
                .find(|s| s.segment.id == id)
                .cloned()
                .ok_or_else(|| PageError::NotFound(LedgerError::NoSuchSegment(id).to_string()))?;
            Some(SegmentRow {
                usage: view.usage(),
                view,
            })
        }
    };
    let filter = AddressFilter {
        segment_id,
        state,
        text: Some(query.q.clone()),
    };
    let found = ledgers
        .search_addresses(&filter, page_offset(page, PAGE_SIZE)?, PAGE_SIZE)
        .await
        .map_err(internal)?;
    let pages = ((found.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let link = |to: i64| {
        let q = [
            ("q", query.q.as_str()),
            ("segment", query.segment.as_str()),
            ("state", query.state.as_str()),
            ("page", &to.to_string()),
        ];
        format!(
            "/operator/ip/addresses?{}",
            serde_urlencoded::to_string(q).unwrap_or_default()
        )
    };
    Ok(render(
        status,
        &AddressesPage {
            nav: Nav::new(&signed.0, "ip"),
            q: query.q.clone(),
            segment,
            segments,
            state: query.state.clone(),
            states: AddressState::ALL,
            lines: found.lines,
            total: found.total,
            page,
            pages,
            previous: (page > 1).then(|| link(page - 1)),
            next: (page < pages).then(|| link(page + 1)),
            error,
            can_change: signed.0.can_work_tickets(),
        },
    ))
}

#[derive(Template)]
#[template(path = "console/ip_address.html")]
struct AddressPage {
    nav: Nav,
    address: String,
    line: Option<IpAddressRecord>,
    segment: Option<SegmentView>,
    history: Vec<(String, LedgerChange)>,
    error: Option<String>,
    can_change: bool,
}

impl AddressPage {
    /// The line's state, 空き when the address has none.
    fn state(&self) -> AddressState {
        self.line.as_ref().map_or(AddressState::Free, |l| l.state)
    }

    fn is_held(&self) -> bool {
        matches!(self.state(), AddressState::InUse | AddressState::Reserved)
    }

    fn until(&self) -> String {
        self.line
            .as_ref()
            .and_then(|l| l.quarantine_until)
            .map(|at| format_datetime_ja(to_local(at)))
            .unwrap_or_default()
    }

    fn label(&self, state: &str) -> &'static str {
        AddressState::parse(state).map_or("", |s| s.label())
    }

    fn action_label<'a>(&self, action: &'a str) -> &'a str {
        match action {
            "allocate" => "払い出し",
            "enter" => "手入力",
            "release" => "返却",
            "retire" => "廃止",
            "import" => "取り込み",
            other => other,
        }
    }

    fn assign_segment(&self) -> Option<i64> {
        None
    }

    fn assign_address(&self) -> &str {
        &self.address
    }
}

pub async fn address(
    signed: Signed,
    State(helpdesk): State<Arc<Helpdesk>>,
    Path(address): Path<String>,
) -> PageResult<Response> {
    address_page(&helpdesk, &signed, &address, StatusCode::OK, None).await
}

pub(super) async fn address_page(
    helpdesk: &Helpdesk,
    signed: &Signed,
    address: &str,
    status: StatusCode,
    error: Option<String>,
) -> PageResult<Response> {
    let ledgers = helpdesk.ledgers();
    let line = match ledgers.address(address).await {
        Ok(line) => line,
        Err(e @ LedgerError::Invalid(_)) => return Err(PageError::BadRequest(e.to_string())),
        Err(e) => return Err(internal(e)),
    };
    let segments = ledgers.segments().await.map_err(internal)?;
    let number = crate::domain::address::parse_address(address)
        .map(crate::domain::address::address_number)
        .unwrap_or_default();
    let segment = segments
        .into_iter()
        .find(|s| (s.segment.first_number..=s.segment.last_number).contains(&number));
    let history = ledgers
        .address_history(address)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|c| (format_datetime_ja(to_local(c.at)), c))
        .collect();
    Ok(render(
        status,
        &AddressPage {
            nav: Nav::new(&signed.0, "ip"),
            address: line
                .as_ref()
                .map_or(address.trim().to_owned(), |l| l.address.clone()),
            line,
            segment,
            history,
            error,
            can_change: signed.0.can_work_tickets(),
        },
    ))
}

pub(super) fn internal(e: LedgerError) -> PageError {
    PageError::Internal(anyhow::Error::from(e))
}
