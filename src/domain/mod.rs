//! The helpdesk's own vocabulary as types: every state, kind and role the rest of the code
//! stores, compares or shows. Pure: no I/O, no storage, no HTTP.
//!
//! Each type is stored as text (its `as_str`), checked on the way in by the database
//! (CHECK constraints, see the migrations) and on the way out by [`TextEnum::parse`]; its
//! Japanese label lives here and nowhere else. Lists of states that SQL needs (the open
//! ticket statuses, say) come from these types too.

mod text_enum;

pub mod account;
pub mod address;
pub mod batch;
pub mod channel;
pub mod content;
pub mod conversation;
pub mod equipment;
pub mod loan;
pub mod message;
pub mod outage;
pub mod outbox;
pub mod personnel;
pub mod proposal;
pub mod request;
pub mod request_draft;
pub mod request_fields;
pub mod request_type;
pub mod role;
pub mod stock;
pub mod text;
pub mod ticket;
pub mod vector;
pub mod words;

pub use self::address::{AddressState, Cidr, ComputerNameState, Network};
pub use self::batch::{
    CatalogueChange, CheckStatus, ClosedDayRule, ErasureMethod, FieldKind, FormKind, InputEncoding,
    InputFormat, OutputRoute, RunStatus,
};
pub use self::channel::Channel;
pub use self::conversation::{ConversationState, Handler, Offer};
pub use self::equipment::{DeviceKind, DeviceState};
pub use self::loan::{ItemKind, ReservationAction, ReservationStatus, TaskKind};
pub use self::message::{Author, Direction};
pub use self::outage::OutageState;
pub use self::outbox::{OutboxKind, OutboxRoute, OutboxStatus};
pub use self::personnel::{
    AccountSystem, ChangeKind, ChangeReason, DeviceMoveKind, PlanItemStatus, PlanStatus,
};
pub use self::proposal::ProposalStatus;
pub use self::request::{request_number, RequestAction, RequestStatus, StepStatus};
pub use self::role::Role;
pub use self::stock::StockKind;
pub use self::text_enum::{TextEnum, UnknownValue};
pub use self::ticket::{parse_ticket_number, ticket_number, Priority, TicketStatus};
pub use self::vector::VectorKind;
