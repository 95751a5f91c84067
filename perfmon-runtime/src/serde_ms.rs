//! Serializes a `Duration` as fractional milliseconds.

use serde::{Deserialize, Deserializer, Serializer};
use std::time::Duration;

pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1e3)
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let ms = f64::deserialize(d)?;
    Duration::try_from_secs_f64(ms / 1e3).map_err(|_| {
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
