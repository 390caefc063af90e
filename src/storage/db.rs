//! One way to write SQL for both backends.
//!
//! A statement is written once, with `$1`, `$2`... parameters (SQLite reads `$N` as the
//! N-th argument too), as an [`Sql`] with its arguments bound as [`Value`]s, and run on a
//! [`Conn`]: the pool of either backend, or a connection inside a [`super::Tx`]. Rows come
//! back through `sqlx::FromRow` (derived once, for both row types); the helpdesk's typed
//! states decode from their text columns, so a stored value that is not a known state is
//! an error, never a silent default. Column names are never spliced into statements: a query
//! that could take several columns is several statements.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::{PgArguments, PgConnection, PgPool, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{Arguments, Postgres, Sqlite};

use super::{Result, StorageError};
use crate::domain::TextEnum;

/// A bound argument. `None` inside is SQL NULL of that type (PostgreSQL wants to know).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(Option<i64>),
    Real(Option<f64>),
    Bool(Option<bool>),
    Text(Option<String>),
    Time(Option<DateTime<Utc>>),
    Date(Option<NaiveDate>),
    Bytes(Option<Vec<u8>>),
}

macro_rules! value_from {
    ($variant:ident: $($t:ty => $conv:expr),+ $(,)?) => {
        $(
            impl From<$t> for Value {
                fn from(v: $t) -> Value {
                    #[allow(clippy::redundant_closure_call)]
                    Value::$variant(Some(($conv)(v)))
                }
            }
            impl From<Option<$t>> for Value {
                fn from(v: Option<$t>) -> Value {
                    #[allow(clippy::redundant_closure_call)]
                    Value::$variant(v.map($conv))
                }
            }
        )+
    };
}

value_from!(Int: i64 => |v| v, i32 => i64::from, u32 => i64::from);
value_from!(Real: f64 => |v| v, f32 => f64::from);
value_from!(Bool: bool => |v| v);
value_from!(Text: String => |v| v, &str => str::to_owned, &String => String::clone);
value_from!(Time: DateTime<Utc> => |v| v, &DateTime<Utc> => |v: &DateTime<Utc>| *v);
value_from!(Date: NaiveDate => |v| v);
value_from!(Bytes: Vec<u8> => |v| v);

impl From<&Option<String>> for Value {
    fn from(v: &Option<String>) -> Value {
        Value::Text(v.clone())
    }
}

impl<T: TextEnum> From<T> for Value {
    fn from(v: T) -> Value {
        Value::Text(Some(v.as_str().to_owned()))
    }
}

impl<T: TextEnum> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        Value::Text(v.map(|v| v.as_str().to_owned()))
    }
}

impl From<usize> for Value {
    fn from(v: usize) -> Value {
        Value::Int(Some(i64::try_from(v).unwrap_or(i64::MAX)))
    }
}

/// The helpdesk's stored-as-text types read straight from a column: a value that is not
/// one of the type's names fails to decode, naming the column and the value
/// (`unknown ticket status "open"`), never a silent default.
macro_rules! text_columns {
    ($($t:ty),+ $(,)?) => {$(
        impl sqlx::Type<Sqlite> for $t {
            fn type_info() -> sqlx::sqlite::SqliteTypeInfo {
                <str as sqlx::Type<Sqlite>>::type_info()
            }
            fn compatible(ty: &sqlx::sqlite::SqliteTypeInfo) -> bool {
                <str as sqlx::Type<Sqlite>>::compatible(ty)
            }
        }
        impl<'r> sqlx::Decode<'r, Sqlite> for $t {
            fn decode(value: sqlx::sqlite::SqliteValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&str as sqlx::Decode<'r, Sqlite>>::decode(value)?;
                Ok(<$t as TextEnum>::parse(text)?)
            }
        }
        impl sqlx::Type<Postgres> for $t {
            fn type_info() -> sqlx::postgres::PgTypeInfo {
                <str as sqlx::Type<Postgres>>::type_info()
            }
            fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <str as sqlx::Type<Postgres>>::compatible(ty)
            }
        }
        impl<'r> sqlx::Decode<'r, Postgres> for $t {
            fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&str as sqlx::Decode<'r, Postgres>>::decode(value)?;
                Ok(<$t as TextEnum>::parse(text)?)
            }
        }
    )+};
}

text_columns!(
    crate::domain::TicketStatus,
    crate::domain::Priority,
    crate::domain::Channel,
    crate::domain::Direction,
    crate::domain::Author,
    crate::domain::OutboxStatus,
    crate::domain::OutboxRoute,
    crate::domain::OutboxKind,
    crate::domain::ProposalStatus,
    crate::domain::Role,
    crate::domain::VectorKind,
    crate::domain::RequestStatus,
    crate::domain::RequestAction,
    crate::domain::StepStatus,
    crate::domain::RunStatus,
    crate::domain::Network,
    crate::domain::AddressState,
    crate::domain::ComputerNameState,
    crate::domain::StockKind,
    crate::domain::ItemKind,
    crate::domain::ReservationStatus,
    crate::domain::ReservationAction,
    crate::domain::DeviceKind,
    crate::domain::DeviceState,
    crate::domain::AccountSystem,
    crate::domain::ChangeKind,
    crate::domain::ChangeReason,
    crate::domain::PlanItemStatus,
    crate::domain::PlanStatus,
    crate::domain::OutageState,
    crate::domain::CatalogueChange,
);

/// A row type both backends can decode (derive `sqlx::FromRow`).
pub trait Row:
    for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Row for T where
    T: for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow> + Send + Unpin
{
}

/// A single column both backends can decode.
pub trait Scalar:
    for<'r> sqlx::Decode<'r, Sqlite>
    + sqlx::Type<Sqlite>
    + for<'r> sqlx::Decode<'r, Postgres>
    + sqlx::Type<Postgres>
    + Send
    + Unpin
{
}
impl<T> Scalar for T where
    T: for<'r> sqlx::Decode<'r, Sqlite>
        + sqlx::Type<Sqlite>
        + for<'r> sqlx::Decode<'r, Postgres>
        + sqlx::Type<Postgres>
        + Send
        + Unpin
{
}

/// Where a statement runs: a backend's pool (one statement, autocommit) or a connection
/// (inside a transaction).
pub enum Conn<'c> {
    SqlitePool(&'c SqlitePool),
    PgPool(&'c PgPool),
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl Conn<'_> {
    pub fn is_postgres(&self) -> bool {
        matches!(self, Conn::PgPool(_) | Conn::Postgres(_))
    }
}

/// A statement and its arguments.
#[derive(Debug, Clone)]
pub struct Sql {
    text: Cow<'static, str>,
    args: Vec<Value>,
    /// The statement ends with a row-locking clause (`FOR UPDATE`, `FOR UPDATE SKIP
    /// LOCKED`) that only PostgreSQL runs; see [`Sql::locking`].
    locking: bool,
}

/// A statement written once for both backends (`$N` parameters).
pub fn sql(text: &'static str) -> Sql {
    Sql {
        text: Cow::Borrowed(text),
        args: Vec::new(),
        locking: false,
    }
}

/// A statement assembled at run time, from fixed fragments only (never from input).
pub fn sql_owned(text: String) -> Sql {
    Sql {
        text: Cow::Owned(text),
        args: Vec::new(),
        locking: false,
    }
}

/// Runs `$body` with `$q` bound to the statement for whichever backend `$conn` is, and
/// `$exec` to the executor.
macro_rules! dispatch {
    ($self:ident, $conn:ident, $text:ident, $q:ident, $exec:ident => $body:expr) => {
        match $conn {
            Conn::SqlitePool(pool) => {
                let $text = $self.sqlite_text();
                let args = $self.sqlite_args()?;
                let $q = || args;
                let $exec = *pool;
                $body
            }
            Conn::Sqlite(c) => {
                let $text = $self.sqlite_text();
                let args = $self.sqlite_args()?;
                let $q = || args;
                let $exec = &mut **c;
                $body
            }
            Conn::PgPool(pool) => {
                let $text = $self.text.as_ref();
                let args = $self.pg_args()?;
                let $q = || args;
                let $exec = *pool;
                $body
            }
            Conn::Postgres(c) => {
                let $text = $self.text.as_ref();
                let args = $self.pg_args()?;
                let $q = || args;
                let $exec = &mut **c;
                $body
            }
        }
    };
}

impl Sql {
    /// Binds the next `$N`.
    pub fn bind(mut self, value: impl Into<Value>) -> Self {
        self.args.push(value.into());
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Marks a statement that ends with a row-locking clause (`FOR UPDATE`, `FOR UPDATE
    /// SKIP LOCKED`): PostgreSQL takes the locks; SQLite, which has no such clause and
    /// whose write transaction already excludes every other writer, runs it without.
    pub fn locking(mut self) -> Self {
        self.locking = true;
        self
    }

    fn sqlite_text(&self) -> &str {
        let text = self.text.as_ref();
        if self.locking {
            if let Some(at) = text.rfind(" FOR UPDATE") {
                return &text[..at];
            }
        }
        text
    }

    /// Runs it; the number of rows it changed.
    pub async fn execute(&self, conn: &mut Conn<'_>) -> Result<u64> {
        Ok(dispatch!(self, conn, text, args, exec => {
            sqlx::query_with(text, args()).execute(exec).await?.rows_affected()
        }))
    }

    pub async fn fetch_all<T: Row>(&self, conn: &mut Conn<'_>) -> Result<Vec<T>> {
        Ok(dispatch!(self, conn, text, args, exec => {
            sqlx::query_as_with(text, args()).fetch_all(exec).await?
        }))
    }

    pub async fn fetch_optional<T: Row>(&self, conn: &mut Conn<'_>) -> Result<Option<T>> {
        Ok(dispatch!(self, conn, text, args, exec => {
            sqlx::query_as_with(text, args()).fetch_optional(exec).await?
        }))
    }

    pub async fn fetch_one<T: Row>(&self, conn: &mut Conn<'_>) -> Result<T> {
        Ok(dispatch!(self, conn, text, args, exec => {
            sqlx::query_as_with(text, args()).fetch_one(exec).await?
        }))
    }

    /// The first column of the one row it returns.
    pub async fn scalar<T: Scalar>(&self, conn: &mut Conn<'_>) -> Result<T> {
        Ok(dispatch!(self, conn, text, args, exec => {
            sqlx::query_scalar_with(text, args()).fetch_one(exec).await?
        }))
    }

    /// The first column of the row it returns, if any.
    pub async fn scalar_optional<T: Scalar>(&self, conn: &mut Conn<'_>) -> Result<Option<T>> {
        Ok(dispatch!(self, conn, text, args, exec => {
            sqlx::query_scalar_with(text, args()).fetch_optional(exec).await?
        }))
    }

    /// The first column of every row.
    pub async fn scalars<T: Scalar>(&self, conn: &mut Conn<'_>) -> Result<Vec<T>> {
        Ok(dispatch!(self, conn, text, args, exec => {
            sqlx::query_scalar_with(text, args()).fetch_all(exec).await?
        }))
    }

    fn sqlite_args(&self) -> Result<SqliteArguments<'_>> {
        let mut args = SqliteArguments::default();
        for value in &self.args {
            match value {
                Value::Int(v) => args.add(*v),
                Value::Real(v) => args.add(*v),
                Value::Bool(v) => args.add(*v),
                Value::Text(v) => args.add(v.as_deref()),
                Value::Time(v) => args.add(*v),
                Value::Date(v) => args.add(*v),
                Value::Bytes(v) => args.add(v.as_deref()),
            }
            .map_err(|e| StorageError::Invalid(format!("cannot bind an argument: {e}")))?;
        }
        Ok(args)
    }

    fn pg_args(&self) -> Result<PgArguments> {
        let mut args = PgArguments::default();
        for value in &self.args {
            match value {
                Value::Int(v) => args.add(*v),
                Value::Real(v) => args.add(*v),
                Value::Bool(v) => args.add(*v),
                Value::Text(v) => args.add(v.clone()),
                Value::Time(v) => args.add(*v),
                Value::Date(v) => args.add(*v),
                Value::Bytes(v) => args.add(v.clone()),
            }
            .map_err(|e| StorageError::Invalid(format!("cannot bind an argument: {e}")))?;
        }
        Ok(args)
    }
}
