//! An operation's minutes over a span, read once, for several windows.
//!
//! An evaluation judges one operation over several windows: the analysis
//! window, the two windows a trend compares, the long and short windows of
//! an error-budget burn. Reading each with
//! [`Operation::window_snapshot`](crate::Operation::window_snapshot) adds up
//! the live counters (eight stripes) and copies the minutes out once per
//! window. An [`OperationHistory`] does it once for the widest span; each
//! window is then a merge of the minutes it covers, and a count within a
//! bound needs no merge at all.

use super::window::Counts;
use super::{CallRecord, OperationSnapshot};
use crate::kind::Kind;
use crate::level::LevelBounds;
use crate::units::MINUTE_MS;
use std::sync::Arc;

/// The plain figures of one operation over a window
/// ([`OperationHistory::figures`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WindowFigures {
    /// Calls.
    pub count: u64,
    /// Failed calls (errors and panics).
    pub failed: u64,
    /// Total duration, in nanoseconds.
    pub sum_ns: u128,
    /// Durations.
    pub histogram: crate::histogram::Histogram,
    /// The lowest duration: the low edge of the lowest bucket used, clamped
    /// to the operation's all-time min and max (0 without calls).
    pub min_ns: u64,
    /// The highest duration: the high edge of the highest bucket used,
    /// clamped the same way (0 without calls).
    pub max_ns: u64,
}

impl WindowFigures {
    /// The `q`-quantile, as [`OperationSnapshot::quantile_ns`] reads it.
    pub fn quantile_ns(&self, q: f64) -> Option<u64> {
        self.histogram
            .quantile(q)
            .map(|v| v.clamp(self.min_ns, self.max_ns.max(self.min_ns)))
    }

    /// Mean duration in nanoseconds (0 without calls).
    pub fn mean_ns(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum_ns as f64 / self.count as f64
        }
    }
}

/// One operation's per-minute statistics over a span of minutes, read in one
/// go ([`Registry::histories_at`](crate::Registry::histories_at)).
#[derive(Debug, Clone)]
pub struct OperationHistory {
    pub(crate) name: Arc<str>,
    pub(crate) kind: Kind,
    pub(crate) level_bounds: LevelBounds,
    /// The all-time extremes, to clamp a window's bucket edges.
    pub(crate) all_min_ns: u64,
    pub(crate) all_max_ns: u64,
    /// Minutes with calls, oldest first.
    pub(crate) minutes: Vec<(u64, Arc<Counts>)>,
    pub(crate) recent_failures: Vec<CallRecord>,
    pub(crate) slowest: Vec<CallRecord>,
}

impl OperationHistory {
    /// The operation's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The operation's kind.
    pub fn kind(&self) -> &Kind {
        &self.kind
    }

    /// The level bounds its calls were classified with.
    pub fn level_bounds(&self) -> LevelBounds {
        self.level_bounds
    }

    fn in_range(&self, from: u64, to: u64) -> impl Iterator<Item = &Counts> {
        self.minutes
            .iter()
            .filter(move |(m, _)| (from..=to).contains(m))
            .map(|(_, c)| &**c)
    }

    /// Calls in minutes `from..=to`.
    pub fn count(&self, from: u64, to: u64) -> u64 {
        self.in_range(from, to).map(Counts::count).sum()
    }

    /// Calls in minutes `from..=to`, and those of them that took at most
    /// `bound_ns`: exact from the level counts when `bound_ns` is one of the
    /// level bounds (exclusive there, as levels are), otherwise from each
    /// minute's histogram (a bucket counts when its midpoint is within).
    pub fn count_within(&self, from: u64, to: u64, bound_ns: u64) -> (u64, u64) {
        self.counts_within(&[(from, to)], bound_ns)[0]
    }

    /// [`OperationHistory::count_within`] for several ranges of minutes at
    /// once, in one pass over the minutes (each minute judged once).
    pub fn counts_within(&self, ranges: &[(u64, u64)], bound_ns: u64) -> Vec<(u64, u64)> {
        let bounds = self.level_bounds.as_nanos();
        let level = bounds.iter().position(|b| *b == bound_ns);
        let mut out = vec![(0, 0); ranges.len()];
        for (m, c) in &self.minutes {
            if !ranges.iter().any(|(from, to)| (from..=to).contains(&m)) {
                continue;
            }
            let n = c.count();
            let within = match level {
                Some(i) => c.levels[..=i].iter().sum::<u64>(),
                None => c.histogram.count_below(bound_ns.saturating_add(1)),
            }
            .min(n);
            for ((from, to), acc) in ranges.iter().zip(&mut out) {
                if (from..=to).contains(&m) {
                    acc.0 += n;
                    acc.1 += within;
                }
            }
        }
        out
    }

    /// The figures of minutes `from..=to` without building a snapshot (no
    /// name, no kept calls): what a comparison of two windows reads.
    pub fn figures(&self, from: u64, to: u64) -> WindowFigures {
        let c = self.sum(from, to);
        let (min_ns, max_ns) = self.edges(&c);
        WindowFigures {
            count: c.count(),
            failed: c.failed(),
            sum_ns: c.sum_ns,
            histogram: c.histogram,
            min_ns,
            max_ns,
        }
    }

    fn sum(&self, from: u64, to: u64) -> Counts {
        let parts: Vec<&Counts> = self.in_range(from, to).collect();
        Counts::sum_of(&parts)
    }

    /// Min and max of a window: its bucket edges, clamped to the all-time
    /// extremes.
    fn edges(&self, c: &Counts) -> (u64, u64) {
        let (lo_all, hi_all) = (self.all_min_ns.min(self.all_max_ns), self.all_max_ns);
        c.histogram
            .range()
            .map(|(lo, hi)| (lo.clamp(lo_all, hi_all), hi.clamp(lo_all, hi_all)))
            .unwrap_or((0, 0))
    }

    /// The statistics of minutes `from..=to`, as
    /// [`Operation::window_snapshot`](crate::Operation::window_snapshot)
    /// gives them: min and max are the edges of the lowest and highest
    /// histogram bucket used (within 1/64), clamped to the all-time min and
    /// max; the kept failures and slowest calls are those that ended inside
    /// the window.
    pub fn window(&self, from: u64, to: u64) -> OperationSnapshot {
        let c = self.sum(from, to);
        let (min_ns, max_ns) = self.edges(&c);
        let in_window = |r: &&CallRecord| (from..=to).contains(&(r.at_unix_ms / MINUTE_MS));
        OperationSnapshot {
            name: self.name.to_string(),
            kind: self.kind.clone(),
            count: c.count(),
            errors: c.errors,
            panics: c.panics,
            cancelled: c.cancelled,
            sum_ns: c.sum_ns,
            items: c.items,
            min_ns,
            max_ns,
            levels: c.level_counts(),
            level_bounds: self.level_bounds,
            histogram: c.histogram,
            recent_failures: self
                .recent_failures
                .iter()
                .filter(in_window)
                .cloned()
                .collect(),
            slowest: self.slowest.iter().filter(in_window).cloned().collect(),
        }
    }
}
