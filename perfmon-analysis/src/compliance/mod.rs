//! Compliance: the share of calls within their kind's target, graded A-F,
//! per kind, per cache and overall.
//!
//! Runs on snapshots (the registry's, a time window's, merged ones from
//! several processes): [`compliance`] takes them with the targets to judge
//! them by; [`Registry::compliance`](crate::RegistryExt::compliance) is the wrapper for the registry's own.
//!
//! # Exact or estimated
//!
//! A call is within target when its duration is `<=` the target
//! ([`Target::is_met`]). For each operation the count of such calls is:
//!
//! - exact when every call is within (`max <= target`) or none is
//!   (`min > target`);
//! - exact from the level counts when the target equals one of the
//!   operation's level bounds (the default targets do: database_query's 25 ms
//!   is its `acceptable` bound, the 500 ms of other kinds their `good` bound).
//!   Level bounds are exclusive (`<`), so a call lasting exactly the target,
//!   to the nanosecond, is counted as over it on this path: the one place
//!   where compliance is stricter than [`Target::is_met`]. Timed calls almost
//!   never land on an exact nanosecond; synthetic ones can, and a test pins it;
//! - otherwise estimated from the histogram ([`Histogram::count_below`]: a
//!   bucket counts as within when its midpoint is, so the error is at most
//!   the calls of the one bucket holding the target, whose width is under
//!   1/64 of it).
//!
//! A kind's result is `exact` when all its operations' counts are.
//!
//! [`Histogram::count_below`]: perfmon_core::Histogram::count_below

use crate::target::{CacheTarget, Target};
use crate::RegistryExt;
use perfmon_core::units::saturating_nanos;
use perfmon_core::CacheSnapshot;
use perfmon_core::Kind;
use perfmon_core::OperationSnapshot;
use perfmon_core::Registry;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// A grade from a compliance: A >= 95 %, B >= 85 %, C >= 75 %, D >= 60 %,
/// F below. Serializes as `"A"` .. `"F"`; orders best first.
///
/// ```
/// use perfmon_analysis::Grade;
/// assert_eq!(Grade::from_compliance(0.95), Grade::A);
/// assert_eq!(Grade::from_compliance(0.9499), Grade::B);
/// assert_eq!(Grade::from_ratio(3, 5), Grade::D); // 60 %
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Grade {
    /// 95 % or more.
    A,
    /// 85 % or more.
    B,
    /// 75 % or more.
    C,
    /// 60 % or more.
    D,
    /// Below 60 %.
    F,
}

impl Grade {
    /// The grade as a number for gauges: A = 4, B = 3, C = 2, D = 1, F = 0.
    ///
    /// ```
    /// assert_eq!(perfmon_analysis::Grade::B.gauge_value(), 3.0);
    /// ```
    pub fn gauge_value(self) -> f64 {
        match self {
            Grade::A => 4.0,
            Grade::B => 3.0,
            Grade::C => 2.0,
            Grade::D => 1.0,
            Grade::F => 0.0,
        }
    }

    /// Lowest compliance, in percent, of A, B, C and D.
    pub const THRESHOLDS: [(Grade, u64); 4] = [
        (Grade::A, 95),
        (Grade::B, 85),
        (Grade::C, 75),
        (Grade::D, 60),
    ];

    /// The grade of a compliance in 0.0..=1.0 (NaN is F).
    pub fn from_compliance(compliance: f64) -> Grade {
        Self::THRESHOLDS
            .iter()
            .find(|(_, pct)| compliance * 100.0 >= *pct as f64)
            .map_or(Grade::F, |(g, _)| *g)
    }

    /// The grade of `within` out of `total`, in integers (no rounding at
    /// the boundaries); F when `total` is 0.
    pub fn from_ratio(within: u64, total: u64) -> Grade {
        let (w, t) = (within as u128 * 100, total as u128);
        Self::THRESHOLDS
            .iter()
            .find(|(_, pct)| t > 0 && w >= *pct as u128 * t)
            .map_or(Grade::F, |(g, _)| *g)
    }

    /// The letter.
    pub fn letter(self) -> &'static str {
        match self {
            Grade::A => "A",
            Grade::B => "B",
            Grade::C => "C",
            Grade::D => "D",
            Grade::F => "F",
        }
    }
}

impl fmt::Display for Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.letter())
    }
}

/// Compliance of one kind: its operations' calls against its target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KindCompliance {
    /// The kind.
    pub kind: Kind,
    /// Its target, in milliseconds.
    pub target_ms: f64,
    /// Calls of the kind's operations.
    pub calls: u64,
    /// Calls within the target (`<=`).
    pub within_target: u64,
    /// `within_target / calls`.
    pub compliance: f64,
    /// The grade of the compliance.
    pub grade: Grade,
    /// Whether `within_target` is exact (see the [module docs](self)).
    pub exact: bool,
    /// The share of calls that must be within target (see
    /// [`objective`](crate::objective); 0.99 unless set).
    #[serde(default = "default_objective")]
    pub objective: f64,
    /// Whether `compliance >= objective`.
    #[serde(default)]
    pub meets_objective: bool,
    /// The share of the error budget (`1 - objective`) left over these
    /// calls: 1 when none missed, 0 when exactly the budget missed,
    /// negative when overspent.
    #[serde(default)]
    pub budget_remaining: f64,
}

fn default_objective() -> f64 {
    crate::objective::DEFAULT_OBJECTIVE
}

impl KindCompliance {
    /// Judges this kind against `objective`.
    pub fn judge(&mut self, objective: f64) {
        self.objective = objective;
        self.meets_objective = self.compliance >= objective;
        let missed = self.calls - self.within_target.min(self.calls);
        self.budget_remaining = 1.0 - crate::objective::burn_rate(missed, self.calls, objective);
    }
}

/// A cache's hit rate against the cache target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheCompliance {
    /// The cache's name.
    pub name: String,
    /// The hit-rate target.
    pub target: f64,
    /// Lookups counted.
    pub lookups: u64,
    /// Lookups that hit.
    pub hits: u64,
    /// The hit rate: a cache's compliance.
    pub hit_rate: f64,
    /// Whether `hit_rate >= target`.
    pub meets_target: bool,
    /// The grade of the hit rate (same scale as latency compliance).
    pub grade: Grade,
}

/// Compliance over every kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverallCompliance {
    /// Calls within target over all calls (the call-weighted average of the kinds).
    pub compliance: f64,
    /// Its grade.
    pub grade: Grade,
    /// Calls counted.
    pub calls: u64,
}

/// Compliance per kind (sorted by kind), per cache (by name) and overall.
///
/// Kinds and caches without calls are left out; `overall` is `None` when no
/// kind has calls. Cache lookups are **not** part of `overall`: lookups are
/// cheap and often far more numerous than the calls around them, so counting
/// each as a call would let a good hit rate hide slow operations. Caches are
/// graded on their own line, and weigh in the health score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplianceReport {
    /// One entry per kind with calls.
    pub kinds: Vec<KindCompliance>,
    /// One entry per cache with lookups.
    pub caches: Vec<CacheCompliance>,
    /// Over all kinds.
    pub overall: Option<OverallCompliance>,
}

/// Calls of `op` within `target` (`<=`), and whether the count is exact (see
/// the [module docs](self)).
pub fn calls_within(op: &OperationSnapshot, target: Duration) -> (u64, bool) {
    let t = saturating_nanos(target);
    let calls = op.count;
    if calls == 0 || op.max_ns <= t {
        return (calls, true);
    }
    if op.min_ns > t {
        return (0, true);
    }
    let levels = op.levels.to_array();
    if let Some(i) = op.level_bounds.as_nanos().iter().position(|b| *b == t) {
        return (levels[..=i].iter().sum::<u64>().min(calls), true);
    }
    (
        op.histogram.count_below(t.saturating_add(1)).min(calls),
        false,
    )
}

/// Compliance of `ops` against `targets` and of `caches` against `cache_target`.
///
/// ```
/// use perfmon_analysis::{compliance, CacheTarget, Grade, Target};
/// use perfmon_core::{Kind, Registry};
/// use std::time::Duration;
///
/// let reg = Registry::new();
/// for ms in [5, 10, 20, 24, 30] {
///     reg.record("db.get_user", Kind::DatabaseQuery, Duration::from_millis(ms));
/// }
/// let report = compliance(&reg.snapshots(), &[], Target::for_kind, CacheTarget::DEFAULT);
/// let db = &report.kinds[0];
/// assert_eq!((db.calls, db.within_target, db.exact), (5, 4, true)); // target 25 ms
/// assert_eq!(db.grade, Grade::C); // 80 %
/// assert_eq!(report.overall.unwrap().calls, 5);
/// ```
pub fn compliance(
    ops: &[OperationSnapshot],
    caches: &[CacheSnapshot],
    targets: impl Fn(&Kind) -> Target,
    cache_target: CacheTarget,
) -> ComplianceReport {
    let kinds: Vec<KindCompliance> = crate::group::by_kind(ops)
        .into_iter()
        .map(|group| {
            let t = targets(group.kind);
            let (mut within, mut exact) = (0, true);
            for op in &group.operations {
                let (w, e) = calls_within(op, t.target);
                within += w;
                exact &= e;
            }
            let calls = group.calls;
            KindCompliance {
                kind: group.kind.clone(),
                target_ms: perfmon_core::units::duration_ms(t.target),
                calls,
                within_target: within,
                compliance: within as f64 / calls as f64,
                grade: Grade::from_ratio(within, calls),
                exact,
                objective: 0.0,
                meets_objective: false,
                budget_remaining: 0.0,
            }
        })
        .map(|mut k| {
            k.judge(crate::objective::DEFAULT_OBJECTIVE);
            k
        })
        .collect();
    let calls: u64 = kinds.iter().map(|k| k.calls).sum();
    let within: u64 = kinds.iter().map(|k| k.within_target).sum();
    let overall = (calls > 0).then(|| OverallCompliance {
        compliance: within as f64 / calls as f64,
        grade: Grade::from_ratio(within, calls),
        calls,
    });
    let mut caches: Vec<CacheCompliance> = caches
        .iter()
        .filter_map(|c| {
            let hit_rate = c.hit_rate()?;
            Some(CacheCompliance {
                name: c.name.clone(),
                target: cache_target.target,
                lookups: c.lookups(),
                hits: c.hits,
                hit_rate,
                meets_target: hit_rate >= cache_target.target,
                grade: Grade::from_ratio(c.hits, c.lookups()),
            })
        })
        .collect();
    caches.sort_by(|a, b| a.name.cmp(&b.name));
    ComplianceReport {
        kinds,
        caches,
        overall,
    }
}

impl ComplianceReport {
    /// Judges each kind against its objective (`objective(kind)`);
    /// [`compliance`] judges against
    /// [`DEFAULT_OBJECTIVE`](crate::objective::DEFAULT_OBJECTIVE).
    pub fn judge_objectives(&mut self, objective: impl Fn(&Kind) -> f64) {
        for k in &mut self.kinds {
            k.judge(objective(&k.kind));
        }
    }
}

/// Compliance of `ops` of `reg`, against its targets and objectives.
pub(crate) fn compliance_in(
    reg: &Registry,
    ops: &[OperationSnapshot],
    caches: &[CacheSnapshot],
) -> ComplianceReport {
    let mut report = compliance(ops, caches, |k| reg.target(k), reg.cache_target());
    report.judge_objectives(|k| reg.objective(k));
    report
}

pub(crate) fn compliance_of(reg: &Registry) -> ComplianceReport {
    compliance_in(reg, &reg.snapshots(), &reg.cache_snapshots())
}

#[cfg(test)]
mod tests;
