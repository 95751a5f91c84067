//! Plain data read from the registry: snapshots (mergeable, full fidelity)
//! and summaries (what a person reads: milliseconds and percentiles).

use crate::data::{CallRecord, RECENT_FAILURES, SLOWEST_CALLS};
use crate::histogram::Histogram;
use crate::kind::Kind;
use crate::level::{Level, LevelBounds, LevelCounts};
use crate::units::nanos_to_ms;
use serde::{Deserialize, Serialize};

/// Everything recorded for one operation, as plain serde data.
///
/// Snapshots of the same operation taken in different processes [`merge`]:
/// counts add, the histograms merge (so percentiles of the merge are those of
/// all calls), min and max combine.
///
/// [`merge`]: OperationSnapshot::merge
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationSnapshot {
    /// Operation name.
    pub name: String,
    /// Operation kind.
    pub kind: Kind,
    /// Calls recorded (every outcome).
    pub count: u64,
    /// Calls that returned an error.
    pub errors: u64,
    /// Calls that panicked.
    pub panics: u64,
    /// Async calls dropped before completion.
    pub cancelled: u64,
    /// Sum of all durations, in nanoseconds.
    pub sum_ns: u128,
    /// Items processed (see `record_items`); 0 for most operations.
    #[serde(default)]
    pub items: u64,
    /// Shortest call in nanoseconds (0 when there is none).
    pub min_ns: u64,
    /// Longest call in nanoseconds.
    pub max_ns: u64,
    /// Calls per level.
    pub levels: LevelCounts,
    /// Bounds the calls were classified with.
    pub level_bounds: LevelBounds,
    /// Durations in nanoseconds.
    pub histogram: Histogram,
    /// The most recent failures, oldest first.
    pub recent_failures: Vec<CallRecord>,
    /// The slowest calls, slowest first.
    pub slowest: Vec<CallRecord>,
}

impl OperationSnapshot {
    /// Calls that failed: errors and panics. This is the one meaning of
    /// "failed" everywhere in perfmon (summaries, tables, trends, health,
    /// alerts, reports, Prometheus). Cancelled calls (a future dropped
    /// before it finished, often a client that went away) are not
    /// failures: they are their own figure, [`cancelled`](Self::cancelled).
    pub fn failed(&self) -> u64 {
        self.errors.saturating_add(self.panics)
    }

    /// [`failed`](Self::failed) calls over calls, 0.0..=1.0 (0 without calls).
    pub fn failure_rate(&self) -> f64 {
        ratio(self.failed(), self.count)
    }

    /// Items processed per second of call time (`items` over the total
    /// duration), for operations that report items; `None` otherwise.
    pub fn items_per_second(&self) -> Option<f64> {
        (self.items > 0 && self.sum_ns > 0).then(|| self.items as f64 / (self.sum_ns as f64 / 1e9))
    }

    /// Adds `other` (the same operation, seen elsewhere) into this snapshot.
    pub fn merge(&mut self, other: &OperationSnapshot) {
        if other.count > 0 {
            self.min_ns = if self.count == 0 {
                other.min_ns
            } else {
                self.min_ns.min(other.min_ns)
            };
        }
        self.max_ns = self.max_ns.max(other.max_ns);
        self.count += other.count;
        self.errors += other.errors;
        self.panics += other.panics;
        self.cancelled += other.cancelled;
        self.sum_ns = self.sum_ns.saturating_add(other.sum_ns);
        self.items += other.items;
        self.levels.merge(&other.levels);
        self.histogram.merge(&other.histogram);
        self.recent_failures
            .extend(other.recent_failures.iter().cloned());
        self.recent_failures.sort_by_key(|r| r.at_unix_ms);
        let excess = self.recent_failures.len().saturating_sub(RECENT_FAILURES);
        self.recent_failures.drain(..excess);
        self.slowest.extend(other.slowest.iter().cloned());
        self.slowest
            .sort_by(|a, b| b.duration_ms.total_cmp(&a.duration_ms));
        self.slowest.truncate(SLOWEST_CALLS);
    }

    /// A percentile in nanoseconds (`q` in 0.0..=1.0), clamped to the observed
    /// min and max.
    pub fn quantile_ns(&self, q: f64) -> Option<u64> {
        self.histogram
            .quantile(q)
            .map(|v| v.clamp(self.min_ns, self.max_ns.max(self.min_ns)))
    }

    /// Mean duration in nanoseconds (0 when there are no calls).
    pub fn mean_ns(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum_ns as f64 / self.count as f64
        }
    }

    /// The summary a person reads.
    pub fn summary(&self) -> OperationSummary {
        let ms = |ns: u64| nanos_to_ms(ns as f64);
        let q = |p: f64| self.quantile_ns(p).map(ms).unwrap_or(0.0);
        let p95_ns = self.quantile_ns(0.95).unwrap_or(0);
        OperationSummary {
            name: self.name.clone(),
            kind: self.kind.clone(),
            count: self.count,
            errors: self.errors,
            panics: self.panics,
            cancelled: self.cancelled,
            mean_ms: nanos_to_ms(self.mean_ns()),
            min_ms: ms(self.min_ns),
            max_ms: ms(self.max_ns),
            p50_ms: q(0.50),
            p90_ms: q(0.90),
            p95_ms: q(0.95),
            p99_ms: q(0.99),
            p999_ms: q(0.999),
            levels: self.levels,
            level: self
                .level_bounds
                .classify(std::time::Duration::from_nanos(p95_ns)),
            items_per_second: self.items_per_second(),
            recent_failures: self.recent_failures.clone(),
            slowest: self.slowest.clone(),
        }
    }
}

/// What one operation looks like now: counts, milliseconds, percentiles.
///
/// Percentiles come from the operation's histogram (relative error at most
/// 1 %), clamped to the observed min and max. Serialized field names are
/// exactly the field names below.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationSummary {
    /// Operation name.
    pub name: String,
    /// Operation kind.
    pub kind: Kind,
    /// Calls recorded (every outcome).
    pub count: u64,
    /// Calls that returned an error.
    pub errors: u64,
    /// Calls that panicked.
    pub panics: u64,
    /// Async calls dropped before completion.
    pub cancelled: u64,
    /// Mean duration.
    pub mean_ms: f64,
    /// Shortest call.
    pub min_ms: f64,
    /// Longest call.
    pub max_ms: f64,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
    /// Calls per level.
    pub levels: LevelCounts,
    /// The level of the p95.
    pub level: Level,
    /// Items processed per second of processing time, for operations fed
    /// with `record_items`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items_per_second: Option<f64>,
    /// The most recent failures, oldest first.
    pub recent_failures: Vec<CallRecord>,
    /// The slowest calls, slowest first.
    pub slowest: Vec<CallRecord>,
}

impl OperationSummary {
    /// Calls that failed: errors and panics, not cancellations (see
    /// [`OperationSnapshot::failed`]).
    pub fn failed(&self) -> u64 {
        self.errors.saturating_add(self.panics)
    }

    /// [`failed`](Self::failed) calls over calls, 0.0..=1.0 (0 without calls).
    pub fn failure_rate(&self) -> f64 {
        ratio(self.failed(), self.count)
    }
}

/// `part / whole`, 0 when `whole` is 0.
fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(name: &str, values: &[u64]) -> OperationSnapshot {
        let mut levels = [0u64; 5];
        for v in values {
            levels[LevelBounds::DEFAULT.classify(std::time::Duration::from_nanos(*v)) as usize] +=
                1;
        }
        OperationSnapshot {
            name: name.into(),
            kind: Kind::DEFAULT,
            count: values.len() as u64,
            errors: 1,
            panics: 0,
            cancelled: 0,
            sum_ns: values.iter().map(|&v| u128::from(v)).sum(),
            items: 0,
            min_ns: *values.iter().min().unwrap(),
            max_ns: *values.iter().max().unwrap(),
            levels: LevelCounts::from_array(levels),
            level_bounds: LevelBounds::DEFAULT,
            histogram: Histogram::from_values(values.iter().copied()),
            recent_failures: vec![],
            slowest: vec![],
        }
    }

    #[test]
    fn merged_snapshots_add_counts_and_merge_percentiles() {
        let a: Vec<u64> = (1..=100).map(|i| i * 1_000_000).collect(); // 1..100 ms
        let b: Vec<u64> = (101..=200).map(|i| i * 1_000_000).collect(); // 101..200 ms
        let mut m = snap("x", &a);
        m.merge(&snap("x", &b));
        let s = m.summary();
        assert_eq!(s.count, 200);
        assert_eq!(s.errors, 2);
        assert_eq!(s.min_ms, 1.0);
        assert_eq!(s.max_ms, 200.0);
        assert!((s.mean_ms - 100.5).abs() < 1e-9);
        assert!((s.p50_ms - 100.0).abs() / 100.0 < 0.01, "p50 {}", s.p50_ms);
        assert!((s.p95_ms - 190.0).abs() / 190.0 < 0.01, "p95 {}", s.p95_ms);
        assert_eq!(s.levels.total(), 200);
    }

    #[test]
    fn summary_serializes_with_the_documented_field_names() {
        let v = serde_json::to_value(snap("x", &[5_000_000]).summary()).unwrap();
        for key in [
            "name",
            "kind",
            "count",
            "errors",
            "panics",
            "cancelled",
            "mean_ms",
            "min_ms",
            "max_ms",
            "p50_ms",
            "p95_ms",
            "p99_ms",
            "levels",
            "level",
            "recent_failures",
            "slowest",
        ] {
            assert!(v.get(key).is_some(), "missing {key} in {v}");
        }
        assert_eq!(v["level"], "excellent");
        assert_eq!(v["levels"]["excellent"], 1);
    }

    #[test]
    fn snapshot_round_trips_through_json() {
        let s = snap("x", &[1, 2, 3_000_000_000]);
        let back: OperationSnapshot =
            serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
    }
}
