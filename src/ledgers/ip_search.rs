//! The IP address ledger as the console shows it: segments with their usage, and the
//! lines found by a search.

use serde::Serialize;

use super::ip::SegmentView;
use super::{LedgerResult, Ledgers};
use crate::domain::AddressState;
use crate::storage::ip_ledger::IpAddressRecord;
use crate::storage::ip_search::{self, AddressFilter};

/// One page of a search, and how many lines match in all.
#[derive(Debug, Clone, Serialize)]
pub struct AddressPage {
    pub lines: Vec<IpAddressRecord>,
    pub total: i64,
}

/// How a segment's addresses are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SegmentUsage {
    /// Host addresses of the block.
    pub hosts: i64,
    /// Never handed out: the gateway and the DHCP pools.
    pub excluded: i64,
    pub in_use: i64,
    pub reserved: i64,
    pub retired: i64,
    /// Can be handed out (or will be, once a released address's quarantine is over).
    pub free: i64,
    /// Addresses the ledger hands out: hosts less the excluded and the retired.
    pub usable: i64,
}

impl SegmentUsage {
    /// Held (使用中 + 予約) of the usable addresses, `12.5%` (「－」 when none are usable).
    pub fn rate(&self) -> String {
        crate::domain::text::percent(self.in_use + self.reserved, self.usable)
    }
}

impl SegmentView {
    /// How the segment's addresses are used.
    pub fn usage(&self) -> SegmentUsage {
        let count = |state| {
            self.counts
                .iter()
                .find(|(s, _)| *s == state)
                .map_or(0, |(_, n)| *n)
        };
        let pools: i64 = self
            .exclusions
            .iter()
            .map(|e| e.last_number - e.first_number + 1)
            .sum();
        let excluded = pools + i64::from(self.segment.gateway.is_some());
        let (in_use, reserved, retired) = (
            count(AddressState::InUse),
            count(AddressState::Reserved),
            count(AddressState::Retired),
        );
        let usable = (self.host_count - excluded - retired).max(0);
        let held = in_use + reserved;
        SegmentUsage {
            hosts: self.host_count,
            excluded,
            in_use,
            reserved,
            retired,
            free: (usable - held).max(0),
            usable,
        }
    }
}

impl Ledgers {
    /// The ledger lines matching `filter`, `limit` from `offset`.
    pub async fn search_addresses(
        &self,
        filter: &AddressFilter,
        offset: i64,
        limit: i64,
    ) -> LedgerResult<AddressPage> {
        let (lines, total) =
            ip_search::search(&mut self.store.conn(), filter, offset, limit).await?;
        Ok(AddressPage { lines, total })
    }
}
