//! Health: a status per kind and overall, and a 0-100 score.
//!
//! Like [`compliance`](crate::compliance()), [`health`] runs on snapshots;
//! [`Registry::health`](crate::RegistryExt::health) is the wrapper for the registry's own.
//!
//! # Status
//!
//! From the level counts of a set of calls, first match wins:
//! [`HealthStatus::Critical`] if any call was critical,
//! [`HealthStatus::Warning`] if more than 20 % were slow (or worse),
//! [`HealthStatus::Degraded`] if any was slow, else
//! [`HealthStatus::Healthy`]. Each kind gets the status of its calls; the
//! overall status is the worst of the kinds' (one kind in trouble is the
//! service in trouble, however many fast calls the others make).
//!
//! # Score
//!
//! ```text
//! score = round(100 * (0.60 * L + 0.25 * E + 0.15 * C) / (sum of the weights of the parts with data))
//! L = overall latency compliance: calls within target / calls       (part present when there are calls)
//! E = 1 - min(1, error_rate / 0.05)                                  (present when there are calls)
//!     error_rate = (errors + panics) / calls: 0 % errors is 1, 1 % is 0.8, 5 % or more is 0
//! C = mean over caches with lookups of min(1, hit_rate / cache target) (present when a cache has lookups)
//! ```
//!
//! Cancelled calls are not errors here (a dropped future is usually the
//! caller giving up); their durations count in `L`. With no part present
//! there is no score. Bands: [`ScoreBand`].
//!
//! # Status and score agree
//!
//! Both come from the same snapshots: those of one window (the analysis
//! window, the last 5 minutes by default, for [`Registry::health`](crate::RegistryExt::health),
//! `analyze` and `/health`), so a critical call makes the status critical
//! while it is in the window, not for ever. They are then reconciled, so
//! they never contradict each other:
//!
//! | status | scores it allows |
//! |---|---|
//! | healthy | 80-100 (excellent) |
//! | degraded | 60-100 |
//! | warning | 40-79 |
//! | critical | 0-59 (fair or poor) |
//!
//! A status from the calls' levels caps the score (one critical call among a
//! thousand fast ones: critical, and the score at most 59 whatever the
//! formula gave, which [`HealthScore::formula`] keeps); a score that says
//! worse raises the status (a score below 80 is at least degraded, below
//! 60 at least warning, below 40 critical: many errors, or caches far
//! below target, make the service unhealthy even with fast calls).

use crate::compliance::{compliance, ComplianceReport};
use crate::target::{CacheTarget, Target};
use perfmon_core::CacheSnapshot;
use perfmon_core::Kind;
use perfmon_core::LevelCounts;
use perfmon_core::OperationSnapshot;
use perfmon_core::Registry;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Weight of latency compliance in the score.
pub const LATENCY_WEIGHT: f64 = 0.60;
/// Weight of the error part in the score.
pub const ERROR_WEIGHT: f64 = 0.25;
/// Weight of cache hit rates in the score.
pub const CACHE_WEIGHT: f64 = 0.15;
/// The error rate at which the error part is worth nothing.
pub const ERROR_RATE_FOR_ZERO: f64 = 0.05;

/// How a set of calls is doing, ordered by severity (`Healthy` least).
/// Serializes in snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthStatus {
    /// No slow or critical call.
    Healthy,
    /// Some slow calls (at most 20 %), no critical one.
    Degraded,
    /// More than 20 % of calls slow, no critical one.
    Warning,
    /// At least one critical call.
    Critical,
}

impl HealthStatus {
    /// The status as a number for gauges: healthy = 0, degraded = 1,
    /// warning = 2, critical = 3.
    ///
    /// ```
    /// assert_eq!(perfmon_analysis::HealthStatus::Warning.gauge_value(), 2.0);
    /// ```
    pub fn gauge_value(self) -> f64 {
        match self {
            HealthStatus::Healthy => 0.0,
            HealthStatus::Degraded => 1.0,
            HealthStatus::Warning => 2.0,
            HealthStatus::Critical => 3.0,
        }
    }

    /// The status of calls with these level counts (see the [module docs](self)).
    ///
    /// ```
    /// use perfmon_analysis::HealthStatus;
    /// use perfmon_core::LevelCounts;
    /// let status = |a| HealthStatus::from_levels(&LevelCounts::from_array(a));
    /// assert_eq!(status([8, 0, 0, 2, 0]), HealthStatus::Degraded); // 20 %: not more
    /// assert_eq!(status([7, 0, 0, 3, 0]), HealthStatus::Warning);
    /// assert_eq!(status([99, 0, 0, 0, 1]), HealthStatus::Critical);
    /// ```
    pub fn from_levels(levels: &LevelCounts) -> HealthStatus {
        let slow_or_worse = levels.slow + levels.critical;
        if levels.critical > 0 {
            HealthStatus::Critical
        } else if slow_or_worse as u128 * 5 > levels.total() as u128 {
            HealthStatus::Warning
        } else if slow_or_worse > 0 {
            HealthStatus::Degraded
        } else {
            HealthStatus::Healthy
        }
    }

    /// The status's snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            HealthStatus::Healthy => "healthy",
            HealthStatus::Degraded => "degraded",
            HealthStatus::Warning => "warning",
            HealthStatus::Critical => "critical",
        }
    }
}

impl fmt::Display for HealthStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The band of a score: excellent 80-100, good 60-79, fair 40-59, poor 0-39.
/// Serializes in snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreBand {
    /// 80 to 100.
    Excellent,
    /// 60 to 79.
    Good,
    /// 40 to 59.
    Fair,
    /// 0 to 39.
    Poor,
}

impl ScoreBand {
    /// The band of a score.
    pub fn from_score(score: u8) -> ScoreBand {
        match score {
            80.. => ScoreBand::Excellent,
            60..=79 => ScoreBand::Good,
            40..=59 => ScoreBand::Fair,
            _ => ScoreBand::Poor,
        }
    }
}

/// The health of one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentHealth {
    /// The kind.
    pub kind: Kind,
    /// Its status.
    pub status: HealthStatus,
    /// Calls of its operations.
    pub calls: u64,
    /// Of which slow.
    pub slow: u64,
    /// Of which critical.
    pub critical: u64,
    /// Of which errors or panics.
    pub errors: u64,
}

/// The 0-100 score and its parts (each 0.0..=1.0; `None` without data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthScore {
    /// The score, 0 to 100: the formula's, capped by the status (see the
    /// [module docs](self)).
    pub score: u8,
    /// What the formula gave before the status capped it.
    pub formula: u8,
    /// Its band.
    pub band: ScoreBand,
    /// `L`: latency compliance.
    pub latency: Option<f64>,
    /// `E`: the error part.
    pub errors: Option<f64>,
    /// `C`: the cache part.
    pub caches: Option<f64>,
}

/// Status per kind (sorted by kind), overall status and score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthReport {
    /// The worst of the kinds' statuses (`healthy` without calls).
    pub status: HealthStatus,
    /// One entry per kind with calls.
    pub components: Vec<ComponentHealth>,
    /// The score; `None` without calls or cache lookups.
    pub score: Option<HealthScore>,
    /// Calls counted.
    pub calls: u64,
    /// Errors and panics over calls (0 without calls).
    pub error_rate: f64,
}

/// Status and score of `ops` and `caches` against `targets` and `cache_target`.
///
/// ```
/// use perfmon_analysis::{health, CacheTarget, HealthStatus, ScoreBand, Target};
/// use perfmon_core::{Kind, Registry};
/// use std::time::Duration;
///
/// let reg = Registry::new();
/// for ms in [5, 10, 20] {
///     reg.record("db.get_user", Kind::DatabaseQuery, Duration::from_millis(ms));
/// }
/// let h = health(&reg.snapshots(), &[], Target::for_kind, CacheTarget::DEFAULT);
/// assert_eq!(h.status, HealthStatus::Healthy);
/// let score = h.score.unwrap();
/// assert_eq!((score.score, score.band), (100, ScoreBand::Excellent));
/// ```
/// # use perfmon_analysis::RegistryExt as _;
pub fn health(
    ops: &[OperationSnapshot],
    caches: &[CacheSnapshot],
    targets: impl Fn(&Kind) -> Target,
    cache_target: CacheTarget,
) -> HealthReport {
    let report = compliance(ops, caches, targets, cache_target);
    health_from(ops, &report)
}

/// Like [`health`], from a [`ComplianceReport`] already computed for `ops`.
pub fn health_from(ops: &[OperationSnapshot], report: &ComplianceReport) -> HealthReport {
    let components: Vec<ComponentHealth> = crate::group::by_kind(ops)
        .into_iter()
        .map(|g| ComponentHealth {
            kind: g.kind.clone(),
            status: HealthStatus::from_levels(&g.levels),
            calls: g.levels.total(),
            slow: g.levels.slow,
            critical: g.levels.critical,
            errors: g.failed,
        })
        .collect();
    let status = components
        .iter()
        .map(|c| c.status)
        .max()
        .unwrap_or(HealthStatus::Healthy);
    let calls: u64 = ops.iter().map(|op| op.count).sum();
    let errors: u64 = ops.iter().map(OperationSnapshot::failed).sum();
    let error_rate = if calls == 0 {
        0.0
    } else {
        errors as f64 / calls as f64
    };
    let latency = report.overall.as_ref().map(|o| o.compliance);
    let error_part = latency.map(|_| 1.0 - (error_rate / ERROR_RATE_FOR_ZERO).min(1.0));
    let cache_part = (!report.caches.is_empty()).then(|| {
        let sum: f64 = report
            .caches
            .iter()
            .map(|c| match c.target > 0.0 {
                true => (c.hit_rate / c.target).min(1.0),
                false => 1.0,
            })
            .sum();
        sum / report.caches.len() as f64
    });
    let (status, score) = reconcile(status, health_score(latency, error_part, cache_part));
    HealthReport {
        status,
        components,
        score,
        calls,
        error_rate,
    }
}

/// Makes status and score agree (the table in the [module docs](self)).
fn reconcile(
    status: HealthStatus,
    score: Option<HealthScore>,
) -> (HealthStatus, Option<HealthScore>) {
    let Some(mut s) = score else {
        return (status, None);
    };
    let implied = match s.score {
        80.. => HealthStatus::Healthy,
        60..=79 => HealthStatus::Degraded,
        40..=59 => HealthStatus::Warning,
        _ => HealthStatus::Critical,
    };
    let status = status.max(implied);
    let ceiling = match status {
        HealthStatus::Critical => 59,
        HealthStatus::Warning => 79,
        HealthStatus::Degraded | HealthStatus::Healthy => 100,
    };
    if s.score > ceiling {
        s.score = ceiling;
        s.band = ScoreBand::from_score(ceiling);
    }
    (status, Some(s))
}

/// The score from its parts (see the [module docs](self)); `None` when no
/// part has data.
pub fn health_score(
    latency: Option<f64>,
    errors: Option<f64>,
    caches: Option<f64>,
) -> Option<HealthScore> {
    let parts = [
        (LATENCY_WEIGHT, latency),
        (ERROR_WEIGHT, errors),
        (CACHE_WEIGHT, caches),
    ];
    let weight: f64 = parts
        .iter()
        .filter(|(_, p)| p.is_some())
        .map(|(w, _)| w)
        .sum();
    if weight == 0.0 {
        return None;
    }
    let sum: f64 = parts
        .iter()
        .filter_map(|(w, p)| p.map(|p| w * p.clamp(0.0, 1.0)))
        .sum();
    let value = (100.0 * sum / weight).round().clamp(0.0, 100.0) as u8;
    Some(HealthScore {
        score: value,
        formula: value,
        band: ScoreBand::from_score(value),
        latency,
        errors,
        caches,
    })
}

pub(crate) fn health_at_of(
    reg: &Registry,
    window: perfmon_core::Window,
    now: std::time::SystemTime,
) -> HealthReport {
    // One read, so status and score agree: both come from these snapshots.
    let ops = reg.snapshots_at(window, now);
    let caches = reg.cache_snapshots();
    let report = crate::compliance::compliance_in(reg, &ops, &caches);
    health_from(&ops, &report)
}

#[cfg(test)]
mod tests;
