//! The IP address ledger's vocabulary: the city's three networks (三層), an address's
//! state, and IPv4 segments as numbers (a host address is compared as the integer it is,
//! never as text: "10.0.0.10" comes after "10.0.0.9").

use std::net::Ipv4Addr;

use super::text_enum::text_enum;
use super::TextEnum;

text_enum! {
    /// The three separated networks of a Japanese municipality (三層の対策); the IP ledger
    /// keeps segments per network, and account requests are per network.
    pub enum Network: "network" {
        /// マイナンバー利用事務系: resident records, tax, welfare.
        Mynumber = "mynumber" / "マイナンバー利用事務系",
        /// LGWAN接続系: the staff's everyday network.
        Lgwan = "lgwan" / "LGWAN接続系",
        /// インターネット接続系: behind the prefecture's security cloud.
        Internet = "internet" / "インターネット接続系",
    }
}

text_enum! {
    /// Where an address in the ledger stands.
    #[derive(Default)]
    pub enum AddressState: "address state" {
        /// Nobody holds it (after a release, only once its quarantine is over).
        #[default]
        Free = "free" / "空き",
        /// Set aside for a device that is not connected yet.
        Reserved = "reserved" / "予約",
        InUse = "in_use" / "使用中",
        /// Taken out of use for good; never handed out again.
        Retired = "retired" / "廃止",
    }
}

text_enum! {
    /// Where a computer name in the name ledger stands.
    pub enum ComputerNameState: "computer name state" {
        Issued = "issued" / "発行済",
        /// Deleted names stay in the ledger and are never issued again.
        Deleted = "deleted" / "削除済",
    }
}

/// The value of `T` whose stored name or Japanese label is `text` (CSV files and API
/// callers use either).
pub fn name_or_label<T: TextEnum>(text: &str) -> Option<T> {
    let text = text.trim();
    T::ALL
        .iter()
        .copied()
        .find(|v| v.as_str() == text || v.label() == text)
}

impl AddressState {
    pub fn from_name_or_label(text: &str) -> Option<Self> {
        name_or_label(text)
    }
}

impl Network {
    pub fn from_name_or_label(text: &str) -> Option<Self> {
        name_or_label(text)
    }
}

/// An IPv4 address as the integer that orders it.
pub fn address_number(address: Ipv4Addr) -> i64 {
    i64::from(u32::from(address))
}

/// The address an integer stands for (0..=u32::MAX; anything else is not an address).
pub fn address_of(number: i64) -> Option<Ipv4Addr> {
    u32::try_from(number).ok().map(Ipv4Addr::from)
}

/// Parses a dotted IPv4 address, strictly (no leading zeros, no spaces inside).
pub fn parse_address(text: &str) -> Option<Ipv4Addr> {
    text.trim().parse().ok()
}

/// A segment's address block: `10.20.30.0/24`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub base: Ipv4Addr,
    pub prefix: u8,
}

/// Why a CIDR text is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    #[error("CIDR は 10.20.30.0/24 の形で書いてください")]
    Shape,
    #[error("プレフィックス長は 8 から 30 です")]
    Prefix,
    #[error("ネットワークアドレスではありません（{0} のはずです）")]
    NotNetworkAddress(Ipv4Addr),
}

impl Cidr {
    pub fn parse(text: &str) -> Result<Self, CidrError> {
        let (address, prefix) = text.trim().split_once('/').ok_or(CidrError::Shape)?;
        let base: Ipv4Addr = address.parse().map_err(|_| CidrError::Shape)?;
        let prefix: u8 = prefix.parse().map_err(|_| CidrError::Shape)?;
        if !(8..=30).contains(&prefix) {
            return Err(CidrError::Prefix);
        }
        let cidr = Cidr { base, prefix };
        let network = Ipv4Addr::from(u32::from(base) & cidr.mask());
        if network != base {
            return Err(CidrError::NotNetworkAddress(network));
        }
        Ok(cidr)
    }

    fn mask(&self) -> u32 {
        u32::MAX << (32 - u32::from(self.prefix))
    }

    /// The network address, as a number.
    pub fn first(&self) -> i64 {
        address_number(self.base)
    }

    /// The broadcast address, as a number.
    pub fn last(&self) -> i64 {
        self.first() + (1i64 << (32 - u32::from(self.prefix))) - 1
    }

    /// Whether `number` lies in the block (network and broadcast addresses included).
    pub fn contains(&self, number: i64) -> bool {
        (self.first()..=self.last()).contains(&number)
    }

    /// Whether `number` may be given to a host: inside, and neither the network nor the
    /// broadcast address.
    pub fn is_host(&self, number: i64) -> bool {
        number > self.first() && number < self.last()
    }

    /// How many host addresses the block has.
    pub fn host_count(&self) -> i64 {
        self.last() - self.first() - 1
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.base, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_blocks_know_their_hosts() {
        let cidr = Cidr::parse("10.20.30.0/24").unwrap();
        assert_eq!(cidr.host_count(), 254);
        let ten = address_number("10.20.30.10".parse().unwrap());
        let nine = address_number("10.20.30.9".parse().unwrap());
        assert!(nine < ten, "numbers order addresses, text would not");
        assert!(cidr.is_host(ten));
        assert!(!cidr.is_host(cidr.first()));
        assert!(!cidr.is_host(cidr.last()));
        assert_eq!(
            address_of(cidr.last()),
            Some("10.20.30.255".parse().unwrap())
        );
    }

    #[test]
    fn bad_cidr_is_refused_with_a_reason() {
        assert_eq!(Cidr::parse("10.20.30.0"), Err(CidrError::Shape));
        assert_eq!(Cidr::parse("10.20.30.0/31"), Err(CidrError::Prefix));
        assert_eq!(
            Cidr::parse("10.20.30.5/24"),
            Err(CidrError::NotNetworkAddress("10.20.30.0".parse().unwrap()))
        );
        assert_eq!(Cidr::parse("10.20.300.0/24"), Err(CidrError::Shape));
    }

    #[test]
    fn states_read_from_names_and_labels() {
        assert_eq!(
            AddressState::from_name_or_label("使用中"),
            Some(AddressState::InUse)
        );
        assert_eq!(
            AddressState::from_name_or_label("reserved"),
            Some(AddressState::Reserved)
        );
        assert_eq!(AddressState::from_name_or_label("使用"), None);
        assert_eq!(
            Network::from_name_or_label("LGWAN接続系"),
            Some(Network::Lgwan)
        );
    }
}
