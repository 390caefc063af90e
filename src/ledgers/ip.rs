//! IP address ledger actions: create a segment, allocate the next free address, reserve,
//! enter an address by hand (checked for conflicts), release (with quarantine), retire.

use std::net::Ipv4Addr;

use chrono::Duration;
use serde::Serialize;

use super::ip_rules::{cidr_of, conflict, gateway_number, next_free, parse, parse_host_address};
use super::{optional_text, required_text, LedgerError, LedgerResult, Ledgers};
use crate::domain::address::address_of;
use crate::domain::{AddressState, Cidr, Network, TextEnum};
use crate::storage::ip_ledger::{
    self, HistoryLine, IpAddressRecord, IpExclusion, IpSegment, LedgerChange, NewIpSegment,
    IP_LEDGER,
};
use crate::storage::{audit, AuditEntry, Tx};

/// A segment as an operator describes it.
#[derive(Debug, Clone, Default)]
pub struct SegmentSpec {
    pub network: String,
    pub cidr: String,
    pub name: String,
    pub gateway: Option<String>,
    pub vlan: Option<i64>,
    pub department: Option<String>,
    pub building: Option<String>,
    /// DHCP pools: (first, last) addresses, never handed out by the ledger.
    pub dhcp: Vec<(String, String)>,
    pub quarantine_days: Option<u32>,
}

/// Who gets an address and what for.
#[derive(Debug, Clone, Default)]
pub struct Assignment {
    pub host: String,
    pub requester: Option<String>,
    pub computer_name: Option<String>,
    pub device: Option<String>,
    pub department: Option<String>,
    pub person: Option<String>,
    pub note: Option<String>,
}

/// A segment with its exclusions and how its addresses stand.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentView {
    #[serde(flatten)]
    pub segment: IpSegment,
    pub exclusions: Vec<IpExclusion>,
    pub host_count: i64,
    pub counts: Vec<(AddressState, i64)>,
}

const FIELD_MAX: usize = 100;

impl Assignment {
    fn checked(&self) -> LedgerResult<Assignment> {
        Ok(Assignment {
            host: required_text("host", &self.host, FIELD_MAX)?,
            requester: optional_text("requester", self.requester.as_deref(), FIELD_MAX)?,
            computer_name: optional_text("computer_name", self.computer_name.as_deref(), 63)?,
            device: optional_text("device", self.device.as_deref(), FIELD_MAX)?,
            department: optional_text("department", self.department.as_deref(), FIELD_MAX)?,
            person: optional_text("person", self.person.as_deref(), FIELD_MAX)?,
            note: optional_text("note", self.note.as_deref(), 400)?,
        })
    }
}

impl Ledgers {
    /// Adds a segment (checked: CIDR, gateway and DHCP pools inside it, no overlap with
    /// another segment); its id.
    pub async fn create_segment(&self, spec: &SegmentSpec, actor: &str) -> LedgerResult<i64> {
        let network = Network::from_name_or_label(&spec.network).ok_or_else(|| {
            let names: Vec<&str> = Network::ALL.iter().map(|n| n.as_str()).collect();
            LedgerError::Invalid(format!("network は {} のどれかです。", names.join(", ")))
        })?;
        let cidr =
            Cidr::parse(&spec.cidr).map_err(|e| LedgerError::Invalid(format!("cidr: {e}")))?;
        let name = required_text("name", &spec.name, FIELD_MAX)?;
        let gateway = match spec
            .gateway
            .as_deref()
            .map(str::trim)
            .filter(|g| !g.is_empty())
        {
            Some(g) => Some(parse_host_address("gateway", g, &cidr)?),
            None => None,
        };
        if spec.vlan.is_some_and(|v| !(1..=4094).contains(&v)) {
            return Err(LedgerError::Invalid("vlan は 1 から 4094 です。".into()));
        }
        let mut dhcp = Vec::new();
        for (first, last) in &spec.dhcp {
            let first = parse_host_address("dhcp の開始", first, &cidr)?;
            let last = parse_host_address("dhcp の終了", last, &cidr)?;
            if first > last {
                return Err(LedgerError::Invalid("dhcp の範囲が逆です。".into()));
            }
            dhcp.push((first, last));
        }
        let quarantine = spec
            .quarantine_days
            .unwrap_or(self.settings.quarantine_days);
        if quarantine > 3650 {
            return Err(LedgerError::Invalid(
                "quarantine_days が大きすぎます。".into(),
            ));
        }
        let segment = NewIpSegment {
            network,
            cidr: cidr.to_string(),
            name,
            first_number: cidr.first(),
            last_number: cidr.last(),
            gateway: gateway.and_then(address_of).map(|a| a.to_string()),
            vlan: spec.vlan,
            department: optional_text("department", spec.department.as_deref(), FIELD_MAX)?,
            building: optional_text("building", spec.building.as_deref(), FIELD_MAX)?,
            quarantine_days: i64::from(quarantine),
        };
        let mut tx = self.store.begin().await?;
        if let Some(other) =
            ip_ledger::overlapping(&mut tx.conn(), cidr.first(), cidr.last()).await?
        {
            return Err(LedgerError::conflict(
                cidr.to_string(),
                format!(
                    "セグメント「{}」({}) と重なっています。",
                    other.name, other.cidr
                ),
            ));
        }
        let id = ip_ledger::insert_segment(&mut tx, &segment).await?;
        for (first, last) in dhcp {
            let exclusion = IpExclusion {
                segment_id: id,
                first_number: first,
                last_number: last,
                reason: "DHCP".into(),
            };
            ip_ledger::insert_exclusion(&mut tx, &exclusion).await?;
        }
        let entry = AuditEntry::new(actor, "ip.segment.create", "ip_segment", &id.to_string())
            .detail(segment.cidr.clone());
        audit::append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Hands out the lowest free address of segment `id` as `state` (使用中 or 予約).
    /// Concurrent calls never get the same address: each locks the segment first.
    pub async fn allocate(
        &self,
        segment_id: i64,
        state: AddressState,
        assignment: &Assignment,
        actor: &str,
    ) -> LedgerResult<IpAddressRecord> {
        if !matches!(state, AddressState::InUse | AddressState::Reserved) {
            return Err(LedgerError::Invalid("払い出しは使用中か予約です。".into()));
        }
        let mut tx = self.store.begin().await?;
        let record = allocate_in(&mut tx, segment_id, state, assignment, actor).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Records an address chosen by hand as `state`, after checking it: inside a
    /// segment, a host address, not the gateway, not in a DHCP pool, not held by anyone,
    /// not retired, not in quarantine.
    pub async fn enter(
        &self,
        address: &str,
        state: AddressState,
        assignment: &Assignment,
        actor: &str,
    ) -> LedgerResult<IpAddressRecord> {
        if !matches!(state, AddressState::InUse | AddressState::Reserved) {
            return Err(LedgerError::Invalid("登録は使用中か予約です。".into()));
        }
        let assignment = assignment.checked()?;
        let number = parse(address)?;
        let mut tx = self.store.begin().await?;
        let segment = locked_segment_of(&mut tx, number).await?;
        let exclusions = ip_ledger::exclusions(&mut tx.conn(), segment.id).await?;
        let current = ip_ledger::address(&mut tx.conn(), number).await?;
        let item = address_of(number)
            .map(|a| a.to_string())
            .unwrap_or_default();
        if let Some(reason) = conflict(&segment, &exclusions, current.as_ref(), number, tx.now())? {
            return Err(LedgerError::conflict(item, reason));
        }
        let record = held_record(&tx, &segment, number, state, assignment, actor);
        write(&mut tx, &record, "enter", actor).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Gives an address back: it becomes 空き but is not handed out again before its
    /// segment's quarantine period has passed.
    pub async fn release(&self, address: &str, actor: &str) -> LedgerResult<IpAddressRecord> {
        self.end_holding(address, AddressState::Free, actor).await
    }

    /// Takes an address out of use for good (廃止).
    pub async fn retire(&self, address: &str, actor: &str) -> LedgerResult<IpAddressRecord> {
        self.end_holding(address, AddressState::Retired, actor)
            .await
    }

    async fn end_holding(
        &self,
        address: &str,
        state: AddressState,
        actor: &str,
    ) -> LedgerResult<IpAddressRecord> {
        let number = parse(address)?;
        let mut tx = self.store.begin().await?;
        let segment = locked_segment_of(&mut tx, number).await?;
        let item = address_of(number)
            .map(|a| a.to_string())
            .unwrap_or_default();
        let current = ip_ledger::address(&mut tx.conn(), number).await?;
        let held = current.as_ref().map_or(AddressState::Free, |c| c.state);
        if held == AddressState::Retired {
            return Err(LedgerError::conflict(item, "廃止済みです。"));
        }
        if held == AddressState::Free && state == AddressState::Free {
            return Err(LedgerError::conflict(item, "払い出されていません。"));
        }
        let current = current.unwrap_or_else(|| IpAddressRecord {
            number,
            address: item.clone(),
            segment_id: segment.id,
            ..IpAddressRecord::default()
        });
        let quarantine_until = (state == AddressState::Free)
            .then(|| tx.now() + Duration::days(segment.quarantine_days));
        let record = IpAddressRecord {
            state,
            host: None,
            computer_name: None,
            device: None,
            person: None,
            requester: None,
            since: None,
            quarantine_until,
            updated_by: actor.to_owned(),
            updated_at: tx.now(),
            ..current
        };
        let action = if state == AddressState::Free {
            "release"
        } else {
            "retire"
        };
        write(&mut tx, &record, action, actor).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// The segments, each with its exclusions and counts.
    pub async fn segments(&self) -> LedgerResult<Vec<SegmentView>> {
        let mut c = self.store.conn();
        let mut views = Vec::new();
        for segment in ip_ledger::segments(&mut c).await? {
            let cidr = cidr_of(&segment)?;
            views.push(SegmentView {
                exclusions: ip_ledger::exclusions(&mut c, segment.id).await?,
                counts: ip_ledger::state_counts(&mut c, segment.id).await?,
                host_count: cidr.host_count(),
                segment,
            });
        }
        Ok(views)
    }

    /// The ledger lines of a segment (or of all), in address order.
    pub async fn addresses(
        &self,
        segment_id: Option<i64>,
        offset: i64,
        limit: i64,
    ) -> LedgerResult<Vec<IpAddressRecord>> {
        Ok(ip_ledger::addresses(&mut self.store.conn(), segment_id, offset, limit).await?)
    }

    /// An address's line, if it has one.
    pub async fn address(&self, address: &str) -> LedgerResult<Option<IpAddressRecord>> {
        let number = parse(address)?;
        Ok(ip_ledger::address(&mut self.store.conn(), number).await?)
    }

    /// Every change to an address, oldest first.
    pub async fn address_history(&self, address: &str) -> LedgerResult<Vec<LedgerChange>> {
        let number = parse(address)?;
        let item = address_of(number)
            .map(|a| a.to_string())
            .unwrap_or_default();
        Ok(ip_ledger::history(&mut self.store.conn(), IP_LEDGER, &item).await?)
    }
}

/// The segment holding `number`, locked for the transaction.
async fn locked_segment_of(tx: &mut Tx, number: i64) -> LedgerResult<IpSegment> {
    let item = || {
        address_of(number)
            .map(|a| a.to_string())
            .unwrap_or_default()
    };
    let found = ip_ledger::segment_containing(&mut tx.conn(), number)
        .await?
        .ok_or_else(|| LedgerError::NotInLedger(item()))?;
    ip_ledger::lock_segment(tx, found.id)
        .await?
        .ok_or_else(|| LedgerError::NotInLedger(item()))
}

/// Hands out the lowest free address of segment `segment_id` inside the caller's
/// transaction (a request's work step allocates in its own), under the segment's lock.
pub(crate) async fn allocate_in(
    tx: &mut Tx,
    segment_id: i64,
    state: AddressState,
    assignment: &Assignment,
    actor: &str,
) -> LedgerResult<IpAddressRecord> {
    let assignment = assignment.checked()?;
    let segment = ip_ledger::lock_segment(tx, segment_id)
        .await?
        .ok_or(LedgerError::NoSuchSegment(segment_id))?;
    let cidr = cidr_of(&segment)?;
    let exclusions = ip_ledger::exclusions(&mut tx.conn(), segment_id).await?;
    let now = tx.now();
    let taken = ip_ledger::unavailable(&mut tx.conn(), segment_id, now).await?;
    let gateway = gateway_number(&segment);
    let number = next_free(&cidr, gateway, &exclusions, &taken).ok_or(LedgerError::SegmentFull)?;
    let record = held_record(tx, &segment, number, state, assignment, actor);
    write(tx, &record, "allocate", actor).await?;
    Ok(record)
}

/// The address of segment `segment_id` already held in use for `requester` (a
/// request's number), if any.
pub(crate) async fn held_for(
    tx: &mut Tx,
    segment_id: i64,
    requester: &str,
) -> LedgerResult<Option<IpAddressRecord>> {
    Ok(ip_ledger::held_for(&mut tx.conn(), segment_id, requester).await?)
}

/// The segment of `network` named `name_or_cidr` (its name or its CIDR, as written).
pub(crate) async fn segment_named(
    tx: &mut Tx,
    network: Network,
    name_or_cidr: &str,
) -> LedgerResult<Option<IpSegment>> {
    let wanted = name_or_cidr.trim();
    Ok(ip_ledger::segments(&mut tx.conn())
        .await?
        .into_iter()
        .find(|s| s.network == network && (s.name == wanted || s.cidr == wanted)))
}

fn held_record(
    tx: &Tx,
    segment: &IpSegment,
    number: i64,
    state: AddressState,
    a: Assignment,
    actor: &str,
) -> IpAddressRecord {
    let address: Ipv4Addr = address_of(number).expect("a number from a segment's block");
    IpAddressRecord {
        number,
        address: address.to_string(),
        segment_id: segment.id,
        state,
        host: Some(a.host),
        computer_name: a.computer_name,
        device: a.device,
        department: a.department,
        person: a.person,
        requester: a.requester,
        note: a.note,
        // The day in Japan: handed out at 08:45 JST is that day, not the day before.
        since: Some(crate::calendar::to_local(tx.now()).date()),
        quarantine_until: None,
        updated_at: tx.now(),
        updated_by: actor.to_owned(),
    }
}

/// Writes the line, its history line and the audit row.
async fn write(
    tx: &mut Tx,
    record: &IpAddressRecord,
    action: &'static str,
    actor: &str,
) -> LedgerResult<()> {
    if matches!(action, "allocate" | "enter") {
        if !ip_ledger::claim_address(tx, record).await? {
            return Err(LedgerError::conflict(
                record.address.clone(),
                "ほかの操作が先に使いました。もう一度お試しください。",
            ));
        }
    } else {
        ip_ledger::put_address(tx, record).await?;
    }
    let line = HistoryLine {
        ledger: IP_LEDGER,
        item: &record.address,
        action,
        state: record.state.as_str(),
        host: record.host.as_deref(),
        actor,
    };
    ip_ledger::append_history(tx, &line).await?;
    let entry = AuditEntry::new(
        actor,
        &format!("ip.{action}"),
        "ip_address",
        &record.address,
    )
    .detail(format!("segment {}", record.segment_id));
    audit::append(tx, &entry).await?;
    Ok(())
}
