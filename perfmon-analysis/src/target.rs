//! Latency targets per kind: what each kind of operation promised.

use perfmon_core::Kind;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The latency target of a kind, with the thresholds alerts use.
///
/// | kind | target | warning above | critical above |
/// |---|---|---|---|
/// | authentication | 50 ms | 75 ms | 100 ms |
/// | authorization | 75 ms | 112.5 ms | 150 ms |
/// | database_query | 25 ms | 37.5 ms | 50 ms |
/// | api_response | 100 ms | 150 ms | 200 ms |
/// | any other | 500 ms | 1000 ms | 3000 ms |
///
/// ```
/// use perfmon_analysis::Target;
/// use perfmon_core::Kind;
/// use std::time::Duration;
/// let t = Target::for_kind(&Kind::DatabaseQuery);
/// assert_eq!(t.target, Duration::from_millis(25));
/// assert!(t.is_met(Duration::from_millis(24)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// A call within this is compliant.
    #[serde(with = "perfmon_core::units::serde_ms")]
    pub target: Duration,
    /// Above this, a warning.
    #[serde(with = "perfmon_core::units::serde_ms")]
    pub warning: Duration,
    /// Above this, critical.
    #[serde(with = "perfmon_core::units::serde_ms")]
    pub critical: Duration,
}

impl Target {
    /// Target for kinds without a table of their own: 500 / 1000 / 3000 ms.
    pub const DEFAULT: Target = Target::from_micros(500_000, 1_000_000, 3_000_000);

    /// A target from microsecond values (target, warning, critical).
    pub const fn from_micros(target: u64, warning: u64, critical: u64) -> Target {
        Target {
            target: Duration::from_micros(target),
            warning: Duration::from_micros(warning),
            critical: Duration::from_micros(critical),
        }
    }

    /// A target whose warning is 1.5x and critical 2x the target.
    pub fn scaled(target: Duration) -> Target {
        Target {
            target,
            warning: target.mul_f64(1.5),
            critical: target * 2,
        }
    }

    /// The default target of a kind (see the table above).
    pub fn for_kind(kind: &Kind) -> Target {
        match kind {
            Kind::Authentication => Target::from_micros(50_000, 75_000, 100_000),
            Kind::Authorization => Target::from_micros(75_000, 112_500, 150_000),
            Kind::DatabaseQuery => Target::from_micros(25_000, 37_500, 50_000),
            Kind::ApiResponse => Target::from_micros(100_000, 150_000, 200_000),
            _ => Target::DEFAULT,
        }
    }

    /// Whether a duration meets the target (`<=`).
    pub fn is_met(&self, d: Duration) -> bool {
        d <= self.target
    }

    /// Checks that target <= warning <= critical.
    pub fn validate(&self) -> Result<(), String> {
        if self.target <= self.warning && self.warning <= self.critical {
            Ok(())
        } else {
            Err(format!(
                "a target must satisfy target <= warning <= critical, got {:?} / {:?} / {:?}",
                self.target, self.warning, self.critical
            ))
        }
    }
}

impl Default for Target {
    fn default() -> Self {
        Target::DEFAULT
    }
}

/// Hit-rate target of a cache: target above 95 %, warning below 90 %,
/// critical below 85 %.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CacheTarget {
    /// A hit rate at or above this meets the target (0.0..=1.0).
    pub target: f64,
    /// Below this, a warning.
    pub warning: f64,
    /// Below this, critical.
    pub critical: f64,
}

impl CacheTarget {
    /// 95 % / 90 % / 85 %.
    pub const DEFAULT: CacheTarget = CacheTarget {
        target: 0.95,
        warning: 0.90,
        critical: 0.85,
    };
}

impl Default for CacheTarget {
    fn default() -> Self {
        CacheTarget::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_targets_follow_the_table() {
        let ms = Duration::from_millis;
        assert_eq!(Target::for_kind(&Kind::Authentication).target, ms(50));
        assert_eq!(
            Target::for_kind(&Kind::Authorization).warning,
            Duration::from_micros(112_500)
        );
        assert_eq!(Target::for_kind(&Kind::ApiResponse).critical, ms(200));
        assert_eq!(Target::for_kind(&Kind::parse("billing")), Target::DEFAULT);
        for kind in Kind::BUILT_IN {
            Target::for_kind(&kind).validate().unwrap();
        }
        assert_eq!(
            Target::scaled(ms(40)),
            Target::from_micros(40_000, 60_000, 80_000)
        );
    }

    #[test]
    fn inverted_target_is_rejected() {
        let t = Target::from_micros(10, 5, 20);
        assert!(t
            .validate()
            .unwrap_err()
            .contains("target <= warning <= critical"));
    }
}
