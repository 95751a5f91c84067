//! Time windows: which calls a query covers, and what a window read
//! covered ([`WindowSpan`]). The per-minute storage behind them is
//! `data/history.rs`.

use crate::histogram::Histogram;
use crate::level::LevelCounts;
use serde::{Deserialize, Serialize};

/// Minutes of per-minute buckets kept by default (the last hour).
pub const DEFAULT_RETENTION_MINUTES: u32 = 60;

/// Minutes of history kept by default (a day): per minute for the
/// retention, then in [`COARSE_MINUTES`]-minute buckets.
pub const DEFAULT_HISTORY_MINUTES: u32 = 1440;

/// Minutes in a bucket of the history older than the retention.
pub const COARSE_MINUTES: u32 = 10;

/// Which calls a query covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// Every call since start (or the last reset).
    #[default]
    All,
    /// Calls of the current minute and the `n - 1` minutes before it
    /// (clamped to the history kept). Minutes older than the retention are
    /// read from [`COARSE_MINUTES`]-minute buckets; [`WindowSpan`] says
    /// what a read covered.
    LastMinutes(u32),
}

/// What a window read covered: the minutes whose calls it includes and how
/// finely they were kept.
///
/// Minutes within the retention (the last hour by default) are read one by
/// one. Older calls are kept in [`COARSE_MINUTES`]-minute buckets, each read
/// whole: a window reaching into one covers the whole bucket, so `from_minute`
/// (or `to_minute`) can lie outside the minutes asked for, and the
/// percentiles of those calls are within 3.7 % rather than 0.79 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowSpan {
    /// The first minute (since the Unix epoch) whose calls may be included.
    pub from_minute: u64,
    /// The last minute whose calls may be included.
    pub to_minute: u64,
    /// The coarsest bucket read, in minutes: 1 when every minute was read
    /// on its own, [`COARSE_MINUTES`] when older buckets were read.
    pub resolution_minutes: u32,
}

impl WindowSpan {
    /// A span of minutes `from..=to` read one by one.
    pub fn per_minute(from: u64, to: u64) -> Self {
        WindowSpan {
            from_minute: from,
            to_minute: to,
            resolution_minutes: 1,
        }
    }

    /// The smallest span covering both, at the coarser resolution.
    pub fn union(self, other: WindowSpan) -> Self {
        WindowSpan {
            from_minute: self.from_minute.min(other.from_minute),
            to_minute: self.to_minute.max(other.to_minute),
            resolution_minutes: self.resolution_minutes.max(other.resolution_minutes),
        }
    }
}

/// Counters of an operation over some span of time (cumulative or a delta).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Counts {
    pub levels: [u64; 5],
    pub errors: u64,
    pub panics: u64,
    pub cancelled: u64,
    pub sum_ns: u128,
    pub items: u64,
    pub histogram: Histogram,
}

impl Counts {
    /// Calls that failed (errors and panics; see `OperationSnapshot::failed`).
    pub fn failed(&self) -> u64 {
        self.errors.saturating_add(self.panics)
    }

    pub fn count(&self) -> u64 {
        self.levels.iter().sum()
    }

    /// What was recorded between `earlier` and `self` (both cumulative).
    #[cfg(test)]
    pub fn minus(&self, earlier: &Counts) -> Counts {
        let mut levels = self.levels;
        for (a, b) in levels.iter_mut().zip(earlier.levels) {
            *a = a.saturating_sub(b);
        }
        Counts {
            levels,
            errors: self.errors.saturating_sub(earlier.errors),
            panics: self.panics.saturating_sub(earlier.panics),
            cancelled: self.cancelled.saturating_sub(earlier.cancelled),
            sum_ns: self.sum_ns.saturating_sub(earlier.sum_ns),
            items: self.items.saturating_sub(earlier.items),
            histogram: self.histogram.minus(&earlier.histogram),
        }
    }

    /// Adds `other`'s figures, all but its histogram.
    pub fn add_figures(&mut self, other: &Counts) {
        for (a, b) in self.levels.iter_mut().zip(other.levels) {
            *a += b;
        }
        self.errors += other.errors;
        self.panics += other.panics;
        self.cancelled += other.cancelled;
        self.sum_ns = self.sum_ns.saturating_add(other.sum_ns);
        self.items += other.items;
    }

    pub fn add(&mut self, other: &Counts) {
        self.add_figures(other);
        self.histogram.merge(&other.histogram);
    }

    pub fn level_counts(&self) -> LevelCounts {
        LevelCounts::from_array(self.levels)
    }
}
