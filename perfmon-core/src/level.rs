//! Levels: how a single call's duration compares with its kind's boundaries.

use crate::kind::Kind;
use crate::units::saturating_nanos;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// The level of one call (or of a statistic such as an operation's p95).
///
/// ```
/// use perfmon_core::{Kind, Level, LevelBounds};
/// use std::time::Duration;
/// let bounds = LevelBounds::for_kind(&Kind::DEFAULT);
/// assert_eq!(bounds.classify(Duration::from_millis(250)), Level::Good);
/// assert_eq!(bounds.classify(Duration::from_secs(3)), Level::Critical);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Below the `excellent` boundary.
    Excellent,
    /// Below the `good` boundary.
    Good,
    /// Below the `acceptable` boundary.
    Acceptable,
    /// Below the `slow` boundary.
    Slow,
    /// At or above the `slow` boundary.
    Critical,
}

impl Level {
    /// All levels, best first.
    pub const ALL: [Level; 5] = [
        Level::Excellent,
        Level::Good,
        Level::Acceptable,
        Level::Slow,
        Level::Critical,
    ];

    /// The level's lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Level::Excellent => "excellent",
            Level::Good => "good",
            Level::Acceptable => "acceptable",
            Level::Slow => "slow",
            Level::Critical => "critical",
        }
    }

    pub(crate) fn from_index(i: usize) -> Level {
        Level::ALL[i.min(4)]
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Upper bounds (exclusive) of the first four levels; anything at or above
/// `slow` is [`Level::Critical`].
///
/// Defaults: 100 / 500 / 1000 / 3000 ms, with per-kind tables for the built-in
/// latency kinds (see [`LevelBounds::for_kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelBounds {
    /// A call faster than this is excellent.
    #[serde(with = "crate::units::serde_ms")]
    pub excellent: Duration,
    /// A call faster than this (and not excellent) is good.
    #[serde(with = "crate::units::serde_ms")]
    pub good: Duration,
    /// A call faster than this (and not good) is acceptable.
    #[serde(with = "crate::units::serde_ms")]
    pub acceptable: Duration,
    /// A call faster than this (and not acceptable) is slow; slower is critical.
    #[serde(with = "crate::units::serde_ms")]
    pub slow: Duration,
}

const fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

impl LevelBounds {
    /// Bounds for kinds without a table of their own: 100 / 500 / 1000 / 3000 ms.
    pub const DEFAULT: LevelBounds = LevelBounds::from_millis(100, 500, 1000, 3000);

    /// Bounds from four millisecond values.
    pub const fn from_millis(excellent: u64, good: u64, acceptable: u64, slow: u64) -> Self {
        LevelBounds {
            excellent: ms(excellent),
            good: ms(good),
            acceptable: ms(acceptable),
            slow: ms(slow),
        }
    }

    /// The default bounds of a kind:
    ///
    /// | kind | excellent | good | acceptable | slow |
    /// |---|---|---|---|---|
    /// | authentication | 30 ms | 40 ms | 50 ms | 100 ms |
    /// | authorization | 50 ms | 60 ms | 75 ms | 150 ms |
    /// | database_query | 15 ms | 20 ms | 25 ms | 50 ms |
    /// | api_response | 60 ms | 80 ms | 100 ms | 200 ms |
    /// | any other | 100 ms | 500 ms | 1000 ms | 3000 ms |
    pub fn for_kind(kind: &Kind) -> LevelBounds {
        match kind {
            Kind::Authentication => Self::from_millis(30, 40, 50, 100),
            Kind::Authorization => Self::from_millis(50, 60, 75, 150),
            Kind::DatabaseQuery => Self::from_millis(15, 20, 25, 50),
            Kind::ApiResponse => Self::from_millis(60, 80, 100, 200),
            _ => Self::DEFAULT,
        }
    }

    /// Checks that the bounds strictly increase.
    pub fn validate(&self) -> Result<(), String> {
        let b = self.as_nanos();
        if b.windows(2).all(|w| w[0] < w[1]) {
            Ok(())
        } else {
            Err(format!(
                "level bounds must strictly increase (excellent < good < acceptable < slow), got {:?} / {:?} / {:?} / {:?}",
                self.excellent, self.good, self.acceptable, self.slow
            ))
        }
    }

    /// The level of a duration.
    pub fn classify(&self, d: Duration) -> Level {
        Level::from_index(classify_nanos(&self.as_nanos(), saturating_nanos(d)))
    }

    /// The bounds in nanoseconds, in level order.
    pub fn as_nanos(&self) -> [u64; 4] {
        [
            saturating_nanos(self.excellent),
            saturating_nanos(self.good),
            saturating_nanos(self.acceptable),
            saturating_nanos(self.slow),
        ]
    }
}

impl Default for LevelBounds {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Index of the level of `ns` under `bounds` (hot path: four compares, no branches on data).
#[inline(always)]
pub(crate) fn classify_nanos(bounds: &[u64; 4], ns: u64) -> usize {
    (ns >= bounds[0]) as usize
        + (ns >= bounds[1]) as usize
        + (ns >= bounds[2]) as usize
        + (ns >= bounds[3]) as usize
}

/// Number of calls per level. Serializes as an object keyed by level name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelCounts {
    /// Calls that were excellent.
    pub excellent: u64,
    /// Calls that were good.
    pub good: u64,
    /// Calls that were acceptable.
    pub acceptable: u64,
    /// Calls that were slow.
    pub slow: u64,
    /// Calls that were critical.
    pub critical: u64,
}

impl LevelCounts {
    /// Counts from an array in level order.
    pub fn from_array(a: [u64; 5]) -> Self {
        LevelCounts {
            excellent: a[0],
            good: a[1],
            acceptable: a[2],
            slow: a[3],
            critical: a[4],
        }
    }

    /// The counts as an array in level order.
    pub fn to_array(self) -> [u64; 5] {
        [
            self.excellent,
            self.good,
            self.acceptable,
            self.slow,
            self.critical,
        ]
    }

    /// The count of one level.
    pub fn get(&self, level: Level) -> u64 {
        self.to_array()[level as usize]
    }

    /// Sum over all levels: every recorded call is counted in exactly one.
    pub fn total(&self) -> u64 {
        self.to_array().iter().sum()
    }

    /// Adds another set of counts.
    pub fn merge(&mut self, other: &LevelCounts) {
        let (mut a, b) = (self.to_array(), other.to_array());
        for (x, y) in a.iter_mut().zip(b) {
            *x += y;
        }
        *self = Self::from_array(a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_boundaries_are_exclusive_upper_bounds() {
        let b = LevelBounds::DEFAULT;
        assert_eq!(b.classify(ms(99)), Level::Excellent);
        assert_eq!(b.classify(ms(100)), Level::Good);
        assert_eq!(b.classify(ms(499)), Level::Good);
        assert_eq!(b.classify(ms(500)), Level::Acceptable);
        assert_eq!(b.classify(ms(999)), Level::Acceptable);
        assert_eq!(b.classify(ms(1000)), Level::Slow);
        assert_eq!(b.classify(ms(2999)), Level::Slow);
        assert_eq!(b.classify(ms(3000)), Level::Critical);
        assert_eq!(b.classify(Duration::MAX), Level::Critical);
    }

    #[test]
    fn built_in_kinds_have_their_own_tables() {
        let db = LevelBounds::for_kind(&Kind::DatabaseQuery);
        assert_eq!(db.classify(ms(14)), Level::Excellent);
        assert_eq!(db.classify(ms(30)), Level::Slow);
        assert_eq!(db.classify(ms(50)), Level::Critical);
        let auth = LevelBounds::for_kind(&Kind::Authentication);
        assert_eq!(auth.classify(ms(45)), Level::Acceptable);
        assert_eq!(
            LevelBounds::for_kind(&Kind::parse("billing")),
            LevelBounds::DEFAULT
        );
        for kind in Kind::BUILT_IN {
            LevelBounds::for_kind(&kind).validate().unwrap();
        }
    }

    #[test]
    fn non_increasing_bounds_are_rejected() {
        let err = LevelBounds::from_millis(10, 10, 20, 30)
            .validate()
            .unwrap_err();
        assert!(err.contains("strictly increase"), "{err}");
    }

    #[test]
    fn level_counts_serialize_by_name() {
        let c = LevelCounts::from_array([1, 2, 3, 4, 5]);
        let v = serde_json::to_value(c).unwrap();
        assert_eq!(v["acceptable"], 3);
        assert_eq!(v["critical"], 5);
        assert_eq!(c.total(), 15);
        assert_eq!(c.get(Level::Slow), 4);
    }
}
