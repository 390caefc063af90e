//! The equipment register's vocabulary (機器台帳, 5(2)イ, 5(4)イ③): what kind a device is,
//! where it stands, and which changes of state are allowed.

use super::address::name_or_label;
use super::text_enum::text_enum;

text_enum! {
    /// What a device is.
    pub enum DeviceKind: "device kind" {
        Pc = "pc" / "PC",
        Tablet = "tablet" / "タブレット",
        WebMeeting = "web_meeting" / "Web会議用端末",
        Projector = "projector" / "プロジェクター",
        Printer = "printer" / "プリンター",
        MobilePhone = "mobile_phone" / "携帯電話",
        /// ルーター and HUB.
        Network = "network" / "ルーター/HUB",
        Cable = "cable" / "ケーブル・アダプター",
    }
}

text_enum! {
    /// Where a device stands.
    #[derive(Default)]
    pub enum DeviceState: "device state" {
        /// On the helpdesk's shelf.
        #[default]
        InStock = "in_stock" / "在庫",
        /// Set aside for lending (研修用端末, Web会議 kits).
        ForLoan = "for_loan" / "貸出用",
        /// With a 所属, and with a person when it is theirs.
        Deployed = "deployed" / "配備中",
        /// Away for repair; it keeps its person.
        InRepair = "in_repair" / "修理中",
        /// Disposed of: final.
        Disposed = "disposed" / "廃棄",
    }
}

text_enum! {
    /// A field of a device as callers write it: the API's name and the CSV file's header.
    pub enum DeviceField: "device field" {
        Asset = "asset" / "資産番号",
        Kind = "kind" / "種別",
        Model = "model" / "機種",
        Serial = "serial" / "製造番号",
        DepartmentCode = "department_code" / "設置場所・所属コード",
        Department = "department" / "所属",
        Person = "person" / "使用者職員番号",
        State = "state" / "状態",
        Note = "note" / "備考",
    }
}

impl DeviceKind {
    pub fn from_name_or_label(text: &str) -> Option<Self> {
        name_or_label(text)
    }
}

impl DeviceState {
    pub fn from_name_or_label(text: &str) -> Option<Self> {
        name_or_label(text)
    }

    /// Whether a device in this state may have a person assigned: only a deployed device
    /// (or one away for repair, which comes back to the same person).
    pub fn holds_person(self) -> bool {
        matches!(self, DeviceState::Deployed | DeviceState::InRepair)
    }
}

/// Why a change of state is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StateChangeRefused {
    #[error("すでに「{}」です。", .0.label())]
    Same(DeviceState),
    #[error("廃棄した機器の状態は変えられません。")]
    Final,
    /// A deployed device goes back to stock (collected, its data erased) before disposal.
    #[error("配備中の機器は、回収して在庫に戻してから廃棄してください。")]
    DisposeDeployed,
}

/// Whether a device may go from `from` to `to`. 廃棄 is final; a deployed device is
/// collected into stock before it is disposed of; every other change is allowed.
pub fn state_change(from: DeviceState, to: DeviceState) -> Result<(), StateChangeRefused> {
    use DeviceState::*;
    match (from, to) {
        (a, b) if a == b => Err(StateChangeRefused::Same(a)),
        (Disposed, _) => Err(StateChangeRefused::Final),
        (Deployed, Disposed) => Err(StateChangeRefused::DisposeDeployed),
        _ => Ok(()),
    }
}

/// The state a device is in once `person` is assigned to it (`None`: taken away): a
/// device on the shelf or in the loan pool becomes 配備中; a deployed or repaired one
/// stays; a disposed one cannot have anyone.
pub fn state_when_assigned(
    from: DeviceState,
    person: Option<&str>,
) -> Result<DeviceState, StateChangeRefused> {
    match (from, person) {
        (DeviceState::Disposed, _) => Err(StateChangeRefused::Final),
        (DeviceState::InStock | DeviceState::ForLoan, Some(_)) => Ok(DeviceState::Deployed),
        (state, _) => Ok(state),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TextEnum;

    #[test]
    fn disposal_is_final_and_a_deployed_device_is_collected_first() {
        for to in DeviceState::ALL {
            assert!(state_change(DeviceState::Disposed, *to).is_err(), "{to:?}");
        }
        assert_eq!(
            state_change(DeviceState::Deployed, DeviceState::Disposed),
            Err(StateChangeRefused::DisposeDeployed)
        );
        assert_eq!(
            state_change(DeviceState::InStock, DeviceState::InStock),
            Err(StateChangeRefused::Same(DeviceState::InStock))
        );
        for (from, to) in [
            (DeviceState::InStock, DeviceState::Deployed),
            (DeviceState::Deployed, DeviceState::InStock),
            (DeviceState::Deployed, DeviceState::InRepair),
            (DeviceState::InRepair, DeviceState::Disposed),
            (DeviceState::ForLoan, DeviceState::Disposed),
            (DeviceState::InStock, DeviceState::ForLoan),
        ] {
            assert_eq!(state_change(from, to), Ok(()), "{from:?} → {to:?}");
        }
    }

    #[test]
    fn assigning_deploys_a_shelf_device_and_never_a_disposed_one() {
        use DeviceState::*;
        assert_eq!(state_when_assigned(InStock, Some("10001")), Ok(Deployed));
        assert_eq!(state_when_assigned(ForLoan, Some("10001")), Ok(Deployed));
        assert_eq!(state_when_assigned(InRepair, Some("10001")), Ok(InRepair));
        assert_eq!(state_when_assigned(Deployed, None), Ok(Deployed));
        assert_eq!(
            state_when_assigned(Disposed, Some("10001")),
            Err(StateChangeRefused::Final)
        );
        let holding: Vec<_> = DeviceState::ALL
            .iter()
            .filter(|s| s.holds_person())
            .collect();
        assert_eq!(holding, [&Deployed, &InRepair]);
    }

    #[test]
    fn kinds_and_states_read_by_name_or_label() {
        assert_eq!(
            DeviceKind::from_name_or_label("ルーター/HUB"),
            Some(DeviceKind::Network)
        );
        assert_eq!(
            DeviceKind::from_name_or_label("web_meeting"),
            Some(DeviceKind::WebMeeting)
        );
        assert_eq!(DeviceKind::from_name_or_label("パソコン"), None);
        assert_eq!(
            DeviceState::from_name_or_label(" 修理中 "),
            Some(DeviceState::InRepair)
        );
        assert_eq!(DeviceState::from_name_or_label("使用中"), None);
    }
}
