//! Enums stored as text: one macro writes the name table, the label table, parsing, serde
//! and `Display` for each, so that no state is spelled anywhere else.

/// A value that is not one of a type's names. Carries the type's name and the refused
/// text (cut short: stored text can be anything).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}")]
pub struct UnknownValue {
    pub kind: &'static str,
    pub value: String,
}

impl UnknownValue {
    pub fn new(kind: &'static str, value: &str) -> Self {
        Self {
            kind,
            value: value.chars().take(40).collect(),
        }
    }
}

/// What every stored-as-text enum offers.
pub trait TextEnum: Sized + Copy + 'static {
    /// The type's name in messages (`ticket status`).
    const KIND: &'static str;
    /// Every value, in the order the UI lists them.
    const ALL: &'static [Self];
    /// The stored name (`in_progress`).
    fn as_str(self) -> &'static str;
    /// The name staff and operators see (`対応中`).
    fn label(self) -> &'static str;

    /// The value stored as `s`.
    fn parse(s: &str) -> Result<Self, UnknownValue> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownValue::new(Self::KIND, s))
    }

    /// `'a', 'b', 'c'`: the stored names of `values`, for an SQL `IN (...)` list or a
    /// CHECK constraint. The names are identifiers of this module, never user input.
    fn sql_list(values: &[Self]) -> String {
        values
            .iter()
            .map(|v| format!("'{}'", v.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Declares a stored-as-text enum: `name = "stored" / "ラベル"` per variant.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $kind:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal / $label:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        $vis enum $name { $( $(#[$vmeta])* $variant ),+ }

        impl $crate::domain::TextEnum for $name {
            const KIND: &'static str = $kind;
            const ALL: &'static [Self] = &[ $( $name::$variant ),+ ];
            fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $text ),+ }
            }
            fn label(self) -> &'static str {
                match self { $( $name::$variant => $label ),+ }
            }
        }

        impl $name {
            /// The stored name.
            pub fn as_str(self) -> &'static str {
                <Self as $crate::domain::TextEnum>::as_str(self)
            }
            /// The name staff and operators see.
            pub fn label(self) -> &'static str {
                <Self as $crate::domain::TextEnum>::label(self)
            }
            /// The value stored as `s`.
            pub fn parse(s: &str) -> Result<Self, $crate::domain::UnknownValue> {
                <Self as $crate::domain::TextEnum>::parse(s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::domain::UnknownValue;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use text_enum;

#[cfg(test)]
mod tests {
    use super::TextEnum;
    use crate::domain::{TicketStatus, UnknownValue};

    #[test]
    fn names_round_trip_and_unknown_ones_are_refused() {
        for status in TicketStatus::ALL {
            assert_eq!(TicketStatus::parse(status.as_str()), Ok(*status));
        }
        assert_eq!(
            TicketStatus::parse("open"),
            Err(UnknownValue::new("ticket status", "open"))
        );
        let json = serde_json::to_string(&TicketStatus::InProgress).unwrap();
        assert_eq!(json, "\"in_progress\"");
        assert!(serde_json::from_str::<TicketStatus>("\"done\"").is_err());
    }

    #[test]
    fn sql_lists_quote_the_stored_names() {
        assert_eq!(
            TicketStatus::sql_list(TicketStatus::OPEN),
            "'new', 'in_progress', 'on_hold'"
        );
    }
}
