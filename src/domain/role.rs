//! What an operator-console account may do.

use super::text_enum::text_enum;

text_enum! {
    /// What an account may do in the operator console.
    pub enum Role: "role" {
        /// Contractor staff: works the ticket queue.
        Operator = "operator" / "オペレーター",
        /// ICT推進課: approves, manages accounts, publishes FAQ entries, changes settings.
        Admin = "admin" / "管理者",
        /// Reads the queue and the statistics, changes nothing.
        Viewer = "viewer" / "閲覧者",
    }
}

impl Role {
    /// Operators and admins work tickets; viewers only read.
    pub fn works_tickets(self) -> bool {
        matches!(self, Role::Operator | Role::Admin)
    }
}
