//! Proposed alternative questions of the learning loop.

use super::text_enum::text_enum;

text_enum! {
    /// Where a proposal stands.
    pub enum ProposalStatus: "proposal status" {
        Proposed = "proposed" / "提案中",
        Accepted = "accepted" / "採用",
        Rejected = "rejected" / "不採用",
    }
}
