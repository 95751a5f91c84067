//! Serializes a `SystemTime` as whole milliseconds since the Unix epoch (what
//! JavaScript's `Date` and most dashboards read):
//! `#[serde(with = "perfmon_core::units::serde_unix_ms")]`.

use serde::{Deserialize, Deserializer, Serializer};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::unix_ms as to_ms;

/// Writes the time as whole milliseconds since the epoch.
pub fn serialize<S: Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(to_ms(*t))
}

/// Reads whole milliseconds since the epoch.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
    let ms = u64::deserialize(d)?;
    UNIX_EPOCH
        .checked_add(Duration::from_millis(ms))
        .ok_or_else(|| serde::de::Error::custom(format!("{ms} ms since the epoch is out of range")))
}

/// The same for `Option<SystemTime>` (`null` when absent).
pub mod option {
    use super::*;

    /// Writes the time, or `null`.
    pub fn serialize<S: Serializer>(t: &Option<SystemTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_some(&to_ms(*t)),
            None => s.serialize_none(),
        }
    }

    /// Reads the time, or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SystemTime>, D::Error> {
        match Option::<u64>::deserialize(d)? {
            Some(ms) => UNIX_EPOCH
                .checked_add(Duration::from_millis(ms))
                .map(Some)
                .ok_or_else(|| {
                    serde::de::Error::custom(format!("{ms} ms since the epoch is out of range"))
                }),
            None => Ok(None),
        }
    }
}
