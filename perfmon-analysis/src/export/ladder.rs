//! The `le` bounds of an operation's duration histogram: the exporter's
//! bounds plus the operation's four level bounds, deduplicated and sorted,
//! worked out and formatted once for all the operations that share level
//! bounds.

use super::escape::{format_bound, Labels};
use super::prometheus::ns_to_seconds;
use perfmon_core::{LevelBounds, OperationSnapshot};
use std::collections::HashMap;

/// The `le` bounds of the operations with one set of level bounds.
#[derive(Debug)]
pub(super) struct Ladder {
    /// Each bound in seconds.
    seconds: Vec<f64>,
    /// Each bound plus one nanosecond: the values `v <= le` are those below it.
    below: Vec<u64>,
    /// Each bound as its label, `le="0.0025"`.
    labels: Vec<Labels>,
}

impl Ladder {
    /// `buckets_ns` with `level_bounds` added; bounds of 0 are left out.
    pub(super) fn new(buckets_ns: &[u64], level_bounds: &LevelBounds) -> Self {
        let mut bounds = buckets_ns.to_vec();
        bounds.extend(level_bounds.as_nanos());
        bounds.sort_unstable();
        bounds.dedup();
        bounds.retain(|ns| *ns > 0);
        let seconds: Vec<f64> = bounds.iter().map(|&ns| ns_to_seconds(ns)).collect();
        Ladder {
            below: bounds.iter().map(|ns| ns.saturating_add(1)).collect(),
            labels: seconds
                .iter()
                .map(|&le| Labels::new(&[("le", &format_bound(le))]))
                .collect(),
            seconds,
        }
    }

    /// The bounds in seconds, increasing.
    pub(super) fn seconds(&self) -> &[f64] {
        &self.seconds
    }

    /// The cumulative count of `s` at each bound, at most its `count` (a
    /// snapshot taken during calls can hold a histogram a few calls ahead).
    pub(super) fn counts<'a>(&'a self, s: &'a OperationSnapshot) -> impl Iterator<Item = u64> + 'a {
        s.histogram
            .counts_below(&self.below)
            .map(move |n| n.min(s.count))
    }

    /// `(le label, cumulative count)` of `s` at each bound.
    pub(super) fn buckets<'a>(
        &'a self,
        s: &'a OperationSnapshot,
    ) -> impl Iterator<Item = (&'a str, u64)> + 'a {
        self.labels.iter().map(Labels::as_str).zip(self.counts(s))
    }
}

/// Ladders by level bounds, each built when an operation first needs it.
#[derive(Debug)]
pub(super) struct Ladders<'a> {
    buckets_ns: &'a [u64],
    built: HashMap<[u64; 4], Ladder>,
}

impl<'a> Ladders<'a> {
    /// No ladder yet; each will start from `buckets_ns`.
    pub(super) fn new(buckets_ns: &'a [u64]) -> Self {
        Ladders {
            buckets_ns,
            built: HashMap::new(),
        }
    }

    /// The ladder of operations classified with `level_bounds`.
    pub(super) fn get(&mut self, level_bounds: &LevelBounds) -> &Ladder {
        let buckets_ns = self.buckets_ns;
        self.built
            .entry(level_bounds.as_nanos())
            .or_insert_with(|| Ladder::new(buckets_ns, level_bounds))
    }
}
