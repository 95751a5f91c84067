//! Time units, written once: nanoseconds to milliseconds, Unix milliseconds
//! and minutes, and the serde forms of durations and timestamps.
//!
//! Every figure perfmon shows in milliseconds goes through [`nanos_to_ms`]
//! (or [`duration_ms`]); every timestamp through [`unix_ms`]; every
//! per-minute key through [`unix_minute`].
//!
//! ```
//! use perfmon_core::units::{duration_ms, nanos_to_ms, unix_minute, unix_ms, MINUTE_MS};
//! use std::time::{Duration, UNIX_EPOCH};
//!
//! assert_eq!(nanos_to_ms(2_500_000), 2.5);
//! assert_eq!(duration_ms(Duration::from_micros(1500)), 1.5);
//! let t = UNIX_EPOCH + Duration::from_secs(3600);
//! assert_eq!(unix_ms(t), 3_600_000);
//! assert_eq!(unix_minute(t), 60);
//! assert_eq!(60 * MINUTE_MS, 3_600_000);
//! ```

pub mod serde_ms;
pub mod serde_unix_ms;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds in a minute.
pub const MINUTE_MS: u64 = 60_000;

/// Nanoseconds as fractional milliseconds.
#[inline]
pub fn nanos_to_ms(ns: impl Into<f64>) -> f64 {
    ns.into() / 1e6
}

/// A duration as fractional milliseconds, from its whole nanoseconds (one
/// rounding, as [`nanos_to_ms`] does for recorded durations, so a threshold
/// and an observed duration of the same length compare equal).
#[inline]
pub fn duration_ms(d: Duration) -> f64 {
    d.as_nanos() as f64 / 1e6
}

/// Fractional milliseconds as a duration; `None` when `ms` is negative, not
/// finite, or too large for a duration.
///
/// ```
/// use perfmon_core::units::duration_from_ms;
/// use std::time::Duration;
/// assert_eq!(duration_from_ms(1.5), Some(Duration::from_micros(1500)));
/// assert_eq!(duration_from_ms(-1.0), None);
/// assert_eq!(duration_from_ms(f64::NAN), None);
/// assert_eq!(duration_from_ms(1e300), None);
/// ```
pub fn duration_from_ms(ms: f64) -> Option<Duration> {
    Duration::try_from_secs_f64(ms / 1e3).ok()
}

/// A duration in whole nanoseconds, saturating at `u64::MAX` (584 years).
#[inline]
pub fn saturating_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Milliseconds since the Unix epoch (0 for times before it).
pub fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Milliseconds since the Unix epoch, now, on the clock that never runs
/// backwards ([`crate::clock::unix_ms`]).
pub fn unix_ms_now() -> u64 {
    crate::clock::unix_ms()
}

/// The minute since the Unix epoch that `t` falls in (0 before it): the key
/// of per-minute data.
pub fn unix_minute(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() / 60)
        .unwrap_or(0)
}
