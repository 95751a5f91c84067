//! Operations grouped by kind, written once: compliance, health, the kind
//! latency rule and the HTTP `/metrics` body all read these groups.

use perfmon_core::{Histogram, Kind, LevelCounts, OperationSnapshot};
use std::collections::BTreeMap;

/// The operations of one kind (those with calls) and their sums.
#[derive(Debug, Clone)]
pub struct KindGroup<'a> {
    /// The kind.
    pub kind: &'a Kind,
    /// Its operations with calls, in the order given.
    pub operations: Vec<&'a OperationSnapshot>,
    /// Calls of all of them.
    pub calls: u64,
    /// Failed calls (errors and panics, [`OperationSnapshot::failed`]).
    pub failed: u64,
    /// Cancelled calls (not failures).
    pub cancelled: u64,
    /// Total duration in nanoseconds.
    pub sum_ns: u128,
    /// The longest call.
    pub max_ns: u64,
    /// Calls per level.
    pub levels: LevelCounts,
}

impl KindGroup<'_> {
    /// Mean duration in nanoseconds (0 without calls).
    pub fn mean_ns(&self) -> f64 {
        if self.calls == 0 {
            0.0
        } else {
            self.sum_ns as f64 / self.calls as f64
        }
    }

    /// The operations' histograms merged (made on demand: most readers of a
    /// group need only its counts).
    pub fn histogram(&self) -> Histogram {
        Histogram::sum_of(self.operations.iter().map(|op| &op.histogram))
    }
}

/// `ops` with calls, grouped by kind, sorted by kind.
///
/// ```
/// use perfmon_analysis::group::by_kind;
/// use perfmon_core::{Kind, Registry};
/// use std::time::Duration;
///
/// let reg = Registry::new();
/// reg.record("db.a", Kind::DatabaseQuery, Duration::from_millis(10));
/// reg.record("db.b", Kind::DatabaseQuery, Duration::from_millis(30));
/// reg.record("auth", Kind::Authentication, Duration::from_millis(5));
/// let ops = reg.snapshots();
/// let groups = by_kind(&ops);
/// assert_eq!(groups.len(), 2);
/// let db = groups.iter().find(|g| *g.kind == Kind::DatabaseQuery).unwrap();
/// assert_eq!((db.operations.len(), db.calls), (2, 2));
/// assert_eq!(db.mean_ns(), 20_000_000.0);
/// ```
pub fn by_kind<'a>(ops: impl IntoIterator<Item = &'a OperationSnapshot>) -> Vec<KindGroup<'a>> {
    let mut groups: BTreeMap<&'a Kind, KindGroup<'a>> = BTreeMap::new();
    for op in ops.into_iter().filter(|op| op.count > 0) {
        let g = groups.entry(&op.kind).or_insert_with(|| KindGroup {
            kind: &op.kind,
            operations: Vec::new(),
            calls: 0,
            failed: 0,
            cancelled: 0,
            sum_ns: 0,
            max_ns: 0,
            levels: LevelCounts::default(),
        });
        g.operations.push(op);
        g.calls += op.count;
        g.failed += op.failed();
        g.cancelled += op.cancelled;
        g.sum_ns = g.sum_ns.saturating_add(op.sum_ns);
        g.max_ns = g.max_ns.max(op.max_ns);
        g.levels.merge(&op.levels);
    }
    groups.into_values().collect()
}
