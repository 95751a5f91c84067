//! Operation kinds: what sort of work an operation does, which decides its
//! level boundaries (and, in the analysis layer, its target).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;

/// The kind of an operation.
///
/// The built-in kinds carry their own level boundaries; any other name is a
/// [`Kind::Custom`] kind with the default boundaries. Kinds serialize as their
/// snake_case name.
///
/// ```
/// use perfmon_core::Kind;
/// assert_eq!(Kind::parse("database_query"), Kind::DatabaseQuery);
/// assert_eq!(Kind::parse("billing").name(), "billing");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// Logging a user in, checking credentials.
    Authentication,
    /// Permission and policy checks.
    Authorization,
    /// A database query or statement.
    DatabaseQuery,
    /// A cache lookup.
    Cache,
    /// Producing an API response.
    ApiResponse,
    /// Data processing steps.
    Processing,
    /// Anything else, by name (`"custom"` when no kind is given).
    Custom(Cow<'static, str>),
}

impl Kind {
    /// The kind of an operation annotated without `kind = ...`.
    pub const DEFAULT: Kind = Kind::Custom(Cow::Borrowed("custom"));

    /// The built-in kinds, in a stable order.
    pub const BUILT_IN: [Kind; 6] = [
        Kind::Authentication,
        Kind::Authorization,
        Kind::DatabaseQuery,
        Kind::Cache,
        Kind::ApiResponse,
        Kind::Processing,
    ];

    /// Parses a kind name; names that are not built in become [`Kind::Custom`].
    pub fn parse(name: &str) -> Kind {
        Self::built_in(name).unwrap_or_else(|| Kind::Custom(Cow::Owned(name.to_owned())))
    }

    /// Like [`Kind::parse`], but borrows a `'static` name instead of copying it.
    pub fn from_static(name: &'static str) -> Kind {
        Self::built_in(name).unwrap_or(Kind::Custom(Cow::Borrowed(name)))
    }

    fn built_in(name: &str) -> Option<Kind> {
        Some(match name {
            "authentication" => Kind::Authentication,
            "authorization" => Kind::Authorization,
            "database_query" => Kind::DatabaseQuery,
            "cache" => Kind::Cache,
            "api_response" => Kind::ApiResponse,
            "processing" => Kind::Processing,
            _ => return None,
        })
    }

    /// The kind's snake_case name.
    pub fn name(&self) -> &str {
        match self {
            Kind::Authentication => "authentication",
            Kind::Authorization => "authorization",
            Kind::DatabaseQuery => "database_query",
            Kind::Cache => "cache",
            Kind::ApiResponse => "api_response",
            Kind::Processing => "processing",
            Kind::Custom(name) => name,
        }
    }
}

impl Default for Kind {
    fn default() -> Self {
        Kind::DEFAULT
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Kind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = Cow::<'de, str>::deserialize(d)?;
        Ok(Kind::parse(&name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_names_round_trip() {
        for kind in Kind::BUILT_IN {
            assert_eq!(Kind::parse(kind.name()), kind);
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(serde_json::from_str::<Kind>(&json).unwrap(), kind);
        }
    }

    #[test]
    fn unknown_names_are_custom_kinds() {
        assert_eq!(Kind::parse("billing"), Kind::Custom("billing".into()));
        assert_eq!(Kind::from_static("custom"), Kind::DEFAULT);
        assert_eq!(Kind::default().name(), "custom");
    }
}
