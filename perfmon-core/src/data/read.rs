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

use super::history::MinuteView;
use super::window::{Counts, WindowSpan};
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

/// One operation's statistics over a span of minutes, read in one go
/// ([`Registry::histories_at`](crate::Registry::histories_at)): the
/// history's handles (minutes, 10-minute buckets) and the open minute's
/// calls, decoded only when a window asks for them.
#[derive(Debug)]
pub struct OperationHistory {
    pub(crate) name: Arc<str>,
    pub(crate) kind: Kind,
    pub(crate) level_bounds: LevelBounds,
    /// The all-time extremes, to clamp a window's bucket edges.
    pub(crate) all_min_ns: u64,
    pub(crate) all_max_ns: u64,
    pub(crate) view: MinuteView,
    /// The open minute's calls, if it is in the span.
    pub(crate) open: Option<(u64, Counts)>,
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

    /// Whether minutes `from..=to` hold any call (nothing decoded).
    pub fn has_calls(&self, from: u64, to: u64) -> bool {
        self.view.has_calls(from, to, self.open.as_ref())
    }

    /// Calls in minutes `from..=to` (a 10-minute bucket overlapping the
    /// range counts whole).
    pub fn count(&self, from: u64, to: u64) -> u64 {
        self.counts_within(&[(from, to)], 0)[0].0
    }

    /// Calls in minutes `from..=to`, and those of them that took at most
    /// `bound_ns`: exact from the level counts when `bound_ns` is one of the
    /// level bounds (exclusive there, as levels are), otherwise from each
    /// minute's histogram (a bucket counts when its midpoint is within).
    pub fn count_within(&self, from: u64, to: u64, bound_ns: u64) -> (u64, u64) {
        self.counts_within(&[(from, to)], bound_ns)[0]
    }

    /// [`OperationHistory::count_within`] for several ranges of minutes at
    /// once, each stored minute read once.
    pub fn counts_within(&self, ranges: &[(u64, u64)], bound_ns: u64) -> Vec<(u64, u64)> {
        let bounds = self.level_bounds.as_nanos();
        // Bound 0: only the calls are wanted; the first level bound answers
        // from the headers alone.
        let level = if bound_ns == 0 {
            Some(0)
        } else {
            bounds.iter().position(|b| *b == bound_ns)
        };
        self.view
            .count_within(ranges, self.open.as_ref(), level, bound_ns)
    }

    fn sum(&self, from: u64, to: u64) -> (Counts, WindowSpan) {
        self.view.sum(from, to, self.open.as_ref())
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

    /// The figures of minutes `from..=to` without building a snapshot (no
    /// name, no kept calls): what a comparison of two windows reads.
    pub fn figures(&self, from: u64, to: u64) -> WindowFigures {
        let (c, _) = self.sum(from, to);
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

    /// The statistics of minutes `from..=to`, as
    /// [`Operation::window_snapshot`](crate::Operation::window_snapshot)
    /// gives them.
    pub fn window(&self, from: u64, to: u64) -> OperationSnapshot {
        self.window_read(from, to).0
    }

    /// [`OperationHistory::window`], and the minutes it covered and how
    /// finely: min and max are the edges of the lowest and highest histogram
    /// bucket used (within 1/64), clamped to the all-time min and max; the
    /// kept failures and slowest calls are those that ended inside the
    /// minutes covered; 10-minute buckets overlapping the range are read
    /// whole.
    pub fn window_read(&self, from: u64, to: u64) -> (OperationSnapshot, WindowSpan) {
        let (c, span) = self.sum(from, to);
        let (min_ns, max_ns) = self.edges(&c);
        let covered = span.from_minute..=span.to_minute;
        let in_window = |r: &&CallRecord| covered.contains(&(r.at_unix_ms / MINUTE_MS));
        let snapshot = OperationSnapshot {
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
        };
        (snapshot, span)
    }
}
