//! The IP ledger's rules, without storage: the next free address of a segment, and why
//! an address cannot be given to a host by hand.

use chrono::{DateTime, Utc};

use super::{LedgerError, LedgerResult};
use crate::domain::address::{address_number, parse_address};
use crate::domain::{AddressState, Cidr};
use crate::storage::ip_ledger::{IpAddressRecord, IpExclusion, IpSegment};

/// The lowest host address of `cidr` that is not the gateway, not excluded and not in
/// `taken` (ascending numbers).
pub(super) fn next_free(
    cidr: &Cidr,
    gateway: Option<i64>,
    exclusions: &[IpExclusion],
    taken: &[i64],
) -> Option<i64> {
    let mut candidate = cidr.first() + 1;
    let mut taken = taken.iter().copied().peekable();
    while cidr.is_host(candidate) {
        if let Some(range) = exclusions
            .iter()
            .find(|e| (e.first_number..=e.last_number).contains(&candidate))
        {
            candidate = range.last_number + 1;
            continue;
        }
        while taken.peek().is_some_and(|&t| t < candidate) {
            taken.next();
        }
        if Some(candidate) == gateway || taken.peek() == Some(&candidate) {
            candidate += 1;
            continue;
        }
        return Some(candidate);
    }
    None
}

pub(super) fn parse_host_address(field: &str, text: &str, cidr: &Cidr) -> LedgerResult<i64> {
    let address = parse_address(text)
        .ok_or_else(|| LedgerError::Invalid(format!("{field} がIPアドレスではありません。")))?;
    let number = address_number(address);
    if !cidr.is_host(number) {
        return Err(LedgerError::Invalid(format!(
            "{field} は {cidr} のホストアドレスではありません。"
        )));
    }
    Ok(number)
}

pub(super) fn cidr_of(segment: &IpSegment) -> LedgerResult<Cidr> {
    Cidr::parse(&segment.cidr).map_err(|e| LedgerError::Invalid(e.to_string()))
}

pub(super) fn parse(address: &str) -> LedgerResult<i64> {
    parse_address(address)
        .map(address_number)
        .ok_or_else(|| LedgerError::Invalid("IPアドレスの形ではありません。".into()))
}

pub(super) fn gateway_number(segment: &IpSegment) -> Option<i64> {
    segment
        .gateway
        .as_deref()
        .and_then(parse_address)
        .map(address_number)
}

/// Why `number` cannot be given to a host by hand now, if it cannot.
pub(super) fn conflict(
    segment: &IpSegment,
    exclusions: &[IpExclusion],
    current: Option<&IpAddressRecord>,
    number: i64,
    now: DateTime<Utc>,
) -> LedgerResult<Option<String>> {
    let cidr = cidr_of(segment)?;
    if !cidr.is_host(number) {
        return Ok(Some(format!(
            "{} のネットワーク／ブロードキャストアドレスです。",
            cidr
        )));
    }
    if gateway_number(segment) == Some(number) {
        return Ok(Some("ゲートウェイのアドレスです。".into()));
    }
    if exclusions
        .iter()
        .any(|e| (e.first_number..=e.last_number).contains(&number))
    {
        return Ok(Some("DHCPの範囲内です。".into()));
    }
    Ok(current.and_then(|c| match c.state {
        AddressState::InUse | AddressState::Reserved => {
            Some(format!("すでに{}です。", c.state.label()))
        }
        AddressState::Retired => Some("廃止済みです。".into()),
        AddressState::Free => c
            .quarantine_until
            .filter(|until| *until > now)
            .map(|until| format!("解放後の保留期間中です（{} まで）。", jst(until))),
    }))
}

fn jst(at: DateTime<Utc>) -> String {
    let offset = chrono::FixedOffset::east_opt(9 * 3600).expect("JST");
    at.with_timezone(&offset)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::address::address_number;

    fn exclusion(first: &str, last: &str) -> IpExclusion {
        IpExclusion {
            segment_id: 1,
            first_number: address_number(first.parse().unwrap()),
            last_number: address_number(last.parse().unwrap()),
            reason: "DHCP".into(),
        }
    }

    fn n(text: &str) -> i64 {
        address_number(text.parse().unwrap())
    }

    #[test]
    fn next_free_skips_gateway_pools_and_taken_by_number() {
        let cidr = Cidr::parse("10.1.0.0/28").unwrap();
        let pools = [exclusion("10.1.0.3", "10.1.0.5")];
        let gateway = Some(n("10.1.0.1"));
        assert_eq!(next_free(&cidr, gateway, &pools, &[]), Some(n("10.1.0.2")));
        let taken = [n("10.1.0.2"), n("10.1.0.6"), n("10.1.0.9")];
        assert_eq!(
            next_free(&cidr, gateway, &pools, &taken),
            Some(n("10.1.0.7"))
        );
        let all: Vec<i64> = (n("10.1.0.2")..=n("10.1.0.14")).collect();
        assert_eq!(next_free(&cidr, gateway, &pools, &all), None);
    }

    #[test]
    fn next_free_orders_by_number_not_text() {
        let cidr = Cidr::parse("10.1.0.0/24").unwrap();
        let taken: Vec<i64> = (n("10.1.0.1")..=n("10.1.0.9")).collect();
        // As text, "10.1.0.10" sorts before "10.1.0.2"; as numbers it comes after .9.
        assert_eq!(next_free(&cidr, None, &[], &taken), Some(n("10.1.0.10")));
    }
}
