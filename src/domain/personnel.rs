//! The April personnel switch (年度切り替え): why a person's accounts change, which
//! account, what is done to it, and where a plan and each of its items stand.
//!
//! ```text
//! plan:  下書き ──approve (every item)──▶ 承認済 ──apply──▶ 適用中 ──▶ 完了
//! item:  未承認 ──approve──▶ 承認済 ──claim──▶ 適用中 ──▶ 完了 | 失敗 ──retry──▶ 承認済
//! ```

use super::text_enum::text_enum;
use super::Network;

text_enum! {
    /// The personnel file's 区分: why a person appears in it.
    pub enum ChangeReason: "personnel change reason" {
        NewHire = "new_hire" / "新規採用",
        Transfer = "transfer" / "異動",
        Retirement = "retirement" / "退職",
        Leave = "leave" / "休職",
        Return = "return" / "復職",
        Reappointment = "reappointment" / "再任用",
        /// 会計年度任用職員: a fixed-term appointee with the smaller set of accounts.
        FixedTerm = "fixed_term" / "会計年度任用",
    }
}

impl ChangeReason {
    /// The 区分 as the personnel system writes it (the label), or its stored name.
    pub fn from_name_or_label(text: &str) -> Option<Self> {
        let text = text.trim();
        <Self as super::TextEnum>::ALL
            .iter()
            .copied()
            .find(|r| r.label() == text || r.as_str() == text)
    }

    /// Whether the person must already be in the directory for this 区分.
    pub fn needs_existing(self) -> bool {
        matches!(
            self,
            Self::Transfer | Self::Retirement | Self::Leave | Self::Return
        )
    }

    /// Whether the person's accounts are switched off (退職, 休職).
    pub fn ends_work(self) -> bool {
        matches!(self, Self::Retirement | Self::Leave)
    }
}

text_enum! {
    /// A directory or system in which a member of staff has an account.
    pub enum AccountSystem: "account system" {
        MynumberAd = "ad_mynumber" / "マイナンバー利用事務系AD",
        LgwanAd = "ad_lgwan" / "LGWAN接続系AD",
        InternetAd = "ad_internet" / "インターネット接続系AD",
        Mail = "mail" / "メール",
        LogoChat = "logochat" / "LoGoチャット",
        LogoForm = "logoform" / "LoGoフォーム",
        ChatGpt = "chatgpt" / "ChatGPT",
        AiMinutes = "ai_minutes" / "AI議事録",
        /// 文書管理・財務会計システム.
        Documents = "documents" / "文書管理・財務会計",
    }
}

impl AccountSystem {
    /// The network of an Active Directory (三層), `None` for the other systems.
    pub fn network(self) -> Option<Network> {
        match self {
            Self::MynumberAd => Some(Network::Mynumber),
            Self::LgwanAd => Some(Network::Lgwan),
            Self::InternetAd => Some(Network::Internet),
            _ => None,
        }
    }

    /// The system by its stored name or label (the directory export's 系統 column).
    pub fn from_name_or_label(text: &str) -> Option<Self> {
        let text = text.trim();
        <Self as super::TextEnum>::ALL
            .iter()
            .copied()
            .find(|s| s.label() == text || s.as_str() == text)
    }
}

text_enum! {
    /// What one item of a plan does to one account.
    pub enum ChangeKind: "personnel change kind" {
        Create = "create" / "作成",
        /// Moves the account to the new 所属's OU (Active Directory only).
        MoveOu = "move_ou" / "OU移動",
        /// Rewrites the department attribute (所属名).
        Department = "department" / "所属属性変更",
        GroupAdd = "group_add" / "グループ追加",
        GroupRemove = "group_remove" / "グループ削除",
        Disable = "disable" / "無効化",
        Enable = "enable" / "有効化",
    }
}

text_enum! {
    /// Where a stored plan stands.
    pub enum PlanStatus: "personnel plan status" {
        Draft = "draft" / "下書き",
        /// Some items approved, others not yet.
        PartlyApproved = "partly_approved" / "一部承認",
        Approved = "approved" / "承認済",
        Applying = "applying" / "適用中",
        Done = "done" / "完了",
    }
}

text_enum! {
    /// Where one item of a plan stands.
    pub enum PlanItemStatus: "personnel item status" {
        Proposed = "proposed" / "未承認",
        Approved = "approved" / "承認済",
        /// Claimed by a run: being applied now, or the run stopped while applying it.
        Applying = "applying" / "適用中",
        Done = "done" / "完了",
        Failed = "failed" / "失敗",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_as_the_personnel_system_writes_them() {
        assert_eq!(
            ChangeReason::from_name_or_label(" 会計年度任用 "),
            Some(ChangeReason::FixedTerm)
        );
        assert_eq!(
            ChangeReason::from_name_or_label("transfer"),
            Some(ChangeReason::Transfer)
        );
        assert_eq!(ChangeReason::from_name_or_label("出向"), None);
        assert_eq!(AccountSystem::LgwanAd.network(), Some(Network::Lgwan));
        assert_eq!(AccountSystem::Mail.network(), None);
    }
}

text_enum! {
    /// What happens to a device whose person moves (5(2)エ②): it goes with them to the
    /// new 所属 (移設), or comes back to the helpdesk when they leave (回収).
    pub enum DeviceMoveKind: "device move" {
        Relocate = "relocate" / "移設",
        Collect = "collect" / "回収",
    }
}
