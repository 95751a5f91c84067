//! Serializes a `Duration` as fractional milliseconds:
//! `#[serde(with = "perfmon_core::units::serde_ms")]`.

use serde::{Deserialize, Deserializer, Serializer};
use std::time::Duration;

/// Writes the duration as fractional milliseconds.
pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(super::duration_ms(*d))
}

/// Reads fractional milliseconds; negative, non-finite or too large values
/// are errors.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let ms = f64::deserialize(d)?;
    super::duration_from_ms(ms).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "a duration in milliseconds must be a finite, non-negative number that fits in a duration, got {ms}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use crate::LevelBounds;

    #[test]
    fn huge_or_negative_milliseconds_are_errors_not_panics() {
        for bad in ["-5", "1e300"] {
            let json = format!(r#"{{"excellent":{bad},"good":2,"acceptable":3,"slow":4}}"#);
            let err = serde_json::from_str::<LevelBounds>(&json)
                .unwrap_err()
                .to_string();
            assert!(err.contains("finite, non-negative"), "{bad}: {err}");
        }
    }
}
