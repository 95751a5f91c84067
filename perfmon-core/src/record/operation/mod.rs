//! The statistics of one operation, updated by every call (the hot path).
//!
//! Counters are split into [`STRIPES`] cache-line-aligned stripes; a thread
//! always writes to the same stripe, so two threads timing one operation do
//! not bounce one cache line between cores. Readers add the stripes up.
//!
//! Per call: three relaxed `fetch_add`s (histogram bucket, sum, level) into
//! the thread's stripe, two relaxed loads for min/max (a CAS only when a new
//! extreme is seen), one load of the slowest-call floor. The call count is the
//! sum of the level counts, so it is exact without a counter of its own.
//! Failures additionally bump a failure counter and are kept in a bounded
//! buffer (that path locks with `try_lock` and may allocate).

use crate::clock;
use crate::data::OperationSnapshot;
use crate::data::{CallRecord, CapturedParam, Outcome, RecentCalls, ERROR_CAPACITY};
use crate::data::{Counts, MinuteRing, DEFAULT_HISTORY_MINUTES, DEFAULT_RETENTION_MINUTES};
use crate::histogram::{AtomicHistogram, Histogram};
use crate::kind::Kind;
use crate::level::{classify_nanos, LevelBounds};
use crate::sync::core::{lock, AtomicU32, AtomicU64, Mutex};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering::*};
use std::sync::Arc;

/// Number of stripes per operation.
#[cfg(not(loom))]
pub const STRIPES: usize = 8;
/// Number of stripes per operation (one under the model checker: every
/// thread of the model shares it, the most contended case, and a snapshot
/// or reset touches an eighth of the atomics).
#[cfg(loom)]
pub const STRIPES: usize = 1;

#[repr(align(128))]
#[derive(Default)]
struct Stripe {
    /// The low 64 bits of the stripe's total duration; `sum_carry` counts
    /// its wraps, so the sum is `carry * 2^64 + sum_ns` and never wraps.
    sum_ns: AtomicU64,
    sum_carry: AtomicU64,
    levels: [AtomicU64; 5],
    errors: AtomicU64,
    panics: AtomicU64,
    cancelled: AtomicU64,
    items: AtomicU64,
    histogram: AtomicHistogram,
}

/// Detail of a call that is only built if the call is kept.
#[derive(Debug, Default)]
pub(crate) struct CallDetails {
    /// When the call ended, if not now (`record_at`).
    pub at_unix_ms: Option<u64>,
    pub error: Option<String>,
    pub params: Vec<CapturedParam>,
}

/// An operation held by a guard for one call: borrowed (a call site's
/// cached operation of the global registry, or a registry's own timer) or
/// owned (looked up in a scoped registry, kept alive by the guard).
pub(crate) enum OpRef<'a> {
    Borrowed(&'a Operation),
    Owned(Arc<Operation>),
}

impl std::ops::Deref for OpRef<'_> {
    type Target = Operation;

    #[inline(always)]
    fn deref(&self) -> &Operation {
        match self {
            OpRef::Borrowed(op) => op,
            OpRef::Owned(op) => op,
        }
    }
}

/// One operation's live statistics. Obtained from the registry; cheap to
/// share (`Arc`), never removed while the registry lives.
pub struct Operation {
    name: Arc<str>,
    kind: Kind,
    bounds: [AtomicU64; 4],
    min_ns: AtomicU64,
    max_ns: AtomicU64,
    slowest_floor: AtomicU64,
    recent: Mutex<RecentCalls>,
    /// Raw tick at which the next minute starts (0: rotate on the next call;
    /// `u64::MAX`: minutes are driven by `record_at`).
    next_rotation: AtomicU64,
    retention_minutes: AtomicU32,
    history_minutes: AtomicU32,
    /// Database queries add themselves to the current request scope.
    in_request_scope: bool,
    window: Mutex<MinuteRing>,
    stripes: Box<[Stripe]>,
}

impl std::fmt::Debug for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operation")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// A stripe's sum wrapped: one more 2^64 ns (cold: once per 584 years of
/// recorded time per stripe, or a duration near `Duration::MAX`).
#[cold]
#[inline(never)]
fn carry(stripe: &Stripe) {
    stripe.sum_carry.fetch_add(1, Relaxed);
}

thread_local! {
    static STRIPE: Cell<usize> = const { Cell::new(usize::MAX) };
}
static NEXT_STRIPE: AtomicUsize = AtomicUsize::new(0);

#[cfg(feature = "tracing")]
#[inline(always)]
fn wants_event(level: usize) -> bool {
    super::events::wanted(level)
}

#[cfg(not(feature = "tracing"))]
#[inline(always)]
fn wants_event(_level: usize) -> bool {
    false
}

/// The calling thread's stripe: assigned round-robin on its first call.
#[inline(always)]
fn stripe_index() -> usize {
    STRIPE
        .try_with(|s| {
            let i = s.get();
            if i != usize::MAX {
                return i;
            }
            let i = NEXT_STRIPE.fetch_add(1, Relaxed) % STRIPES;
            s.set(i);
            i
        })
        .unwrap_or(0)
}

impl Operation {
    pub(crate) fn new(name: Arc<str>, kind: Kind, bounds: LevelBounds) -> Self {
        let in_request_scope = kind == Kind::DatabaseQuery;
        let b = bounds.as_nanos();
        Operation {
            name,
            kind,
            bounds: b.map(AtomicU64::new),
            min_ns: AtomicU64::new(u64::MAX),
            max_ns: AtomicU64::new(0),
            slowest_floor: AtomicU64::new(0),
            recent: Mutex::new(RecentCalls::default()),
            next_rotation: AtomicU64::new(0),
            retention_minutes: AtomicU32::new(DEFAULT_RETENTION_MINUTES),
            history_minutes: AtomicU32::new(DEFAULT_HISTORY_MINUTES),
            in_request_scope,
            window: Mutex::new(MinuteRing::default()),
            stripes: (0..STRIPES).map(|_| Stripe::default()).collect(),
        }
    }

    /// The operation's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The operation's kind.
    pub fn kind(&self) -> &Kind {
        &self.kind
    }

    /// The level bounds calls are classified with.
    pub fn level_bounds(&self) -> LevelBounds {
        let b = self.bounds.each_ref().map(|a| a.load(Relaxed));
        LevelBounds {
            excellent: std::time::Duration::from_nanos(b[0]),
            good: std::time::Duration::from_nanos(b[1]),
            acceptable: std::time::Duration::from_nanos(b[2]),
            slow: std::time::Duration::from_nanos(b[3]),
        }
    }

    pub(crate) fn set_level_bounds(&self, bounds: LevelBounds) {
        for (a, v) in self.bounds.iter().zip(bounds.as_nanos()) {
            a.store(v, Relaxed);
        }
    }

    /// Records one successful call of `ns` nanoseconds.
    #[inline]
    pub fn record_nanos(&self, ns: u64) {
        self.record(ns, clock::now_raw(), Outcome::Ok, CallDetails::default);
    }

    /// Records one call that ended at raw tick `end` (the hot path).
    /// `details` runs only if the call is kept.
    #[inline(always)]
    pub(crate) fn record(
        &self,
        ns: u64,
        end: u64,
        outcome: Outcome,
        details: impl FnOnce() -> CallDetails,
    ) {
        if end >= self.next_rotation.load(Relaxed) {
            self.rotate_at_tick(end);
        }
        if self.in_request_scope {
            let id = self as *const Operation as usize;
            crate::request::note_call(id, self.name(), self.kind(), ns);
        }
        self.record_counts(ns, outcome, details);
    }

    #[inline(always)]
    fn record_counts(&self, ns: u64, outcome: Outcome, details: impl FnOnce() -> CallDetails) {
        let stripe = &self.stripes[stripe_index()];
        stripe.histogram.record(ns);
        let before = stripe.sum_ns.fetch_add(ns, Relaxed);
        if before.checked_add(ns).is_none() {
            carry(stripe);
        }
        let bounds = [
            self.bounds[0].load(Relaxed),
            self.bounds[1].load(Relaxed),
            self.bounds[2].load(Relaxed),
            self.bounds[3].load(Relaxed),
        ];
        let level = classify_nanos(&bounds, ns);
        stripe.levels[level].fetch_add(1, Relaxed);
        if ns < self.min_ns.load(Relaxed) {
            self.min_ns.fetch_min(ns, Relaxed);
        }
        if ns > self.max_ns.load(Relaxed) {
            self.max_ns.fetch_max(ns, Relaxed);
        }
        let keep_slow = ns >= self.slowest_floor.load(Relaxed);
        // Errors, panics and cancellations are counted on the cold path.
        if outcome != Outcome::Ok || keep_slow || wants_event(level) {
            self.record_cold(stripe, ns, outcome, level, keep_slow, details);
        }
    }

    #[cold]
    #[inline(never)]
    fn record_cold(
        &self,
        stripe: &Stripe,
        ns: u64,
        outcome: Outcome,
        level: usize,
        keep_slow: bool,
        details: impl FnOnce() -> CallDetails,
    ) {
        match outcome {
            Outcome::Ok => {}
            Outcome::Error => drop(stripe.errors.fetch_add(1, Relaxed)),
            Outcome::Panicked => drop(stripe.panics.fetch_add(1, Relaxed)),
            Outcome::Cancelled => drop(stripe.cancelled.fetch_add(1, Relaxed)),
        }
        let details = details();
        #[cfg(feature = "tracing")]
        super::events::emit(
            self.name(),
            self.kind(),
            ns,
            outcome,
            crate::level::Level::from_index(level),
            details.error.as_deref(),
        );
        #[cfg(not(feature = "tracing"))]
        let _ = level;
        if !(outcome.is_failure() || keep_slow) {
            return;
        }
        // Counts above are exact; the kept records are best effort under
        // contention (a busy lock skips keeping this one).
        let Ok(mut recent) = self.recent.try_lock() else {
            return;
        };
        let record = CallRecord {
            at_unix_ms: details.at_unix_ms.unwrap_or_else(crate::units::unix_ms_now),
            duration_ms: crate::units::nanos_to_ms(ns as f64),
            outcome,
            error: details.error,
            params: details.params,
        };
        if keep_slow {
            let floor = recent.offer_slowest(record.clone(), ns);
            self.slowest_floor.store(floor, Relaxed);
        }
        if outcome.is_failure() {
            recent.push_failure(record);
        }
    }

    /// Records one call of `ns` nanoseconds that ended now with `outcome`;
    /// a failure keeps `message` (cut to 256 bytes) in the recent failures.
    pub fn record_outcome(&self, ns: u64, outcome: Outcome, message: Option<&str>) {
        self.record_outcome_ending(ns, clock::now_raw(), outcome, message);
    }

    /// Like [`Operation::record_outcome`], for a call that ended at raw
    /// clock reading `end` (from [`clock::now_raw`]), saving a clock read
    /// for callers that already took one.
    pub fn record_outcome_ending(
        &self,
        ns: u64,
        end: u64,
        outcome: Outcome,
        message: Option<&str>,
    ) {
        self.record(ns, end, outcome, || CallDetails {
            error: message
                .map(|m| crate::data::BoundedText::<ERROR_CAPACITY>::display(m).to_string_marked()),
            ..CallDetails::default()
        });
    }

    /// Records `items` processed by one successful call of `ns` nanoseconds
    /// (throughput of processing steps).
    pub fn record_items(&self, items: u64, ns: u64) {
        self.stripes[stripe_index()].items.fetch_add(items, Relaxed);
        self.record(ns, clock::now_raw(), Outcome::Ok, CallDetails::default);
    }

    /// Cumulative counters, added up over the stripes.
    pub(crate) fn counts(&self) -> Counts {
        let mut c = Counts::default();
        let mut dense = Vec::new();
        for s in self.stripes.iter() {
            for (acc, l) in c.levels.iter_mut().zip(&s.levels) {
                *acc += l.load(Relaxed);
            }
            // A reader between a wrap and its carry sees the sum 2^64 ns
            // short for that instant; sums are otherwise exact.
            let carry = u128::from(s.sum_carry.load(Relaxed)) << 64;
            c.sum_ns = c
                .sum_ns
                .saturating_add(carry | u128::from(s.sum_ns.load(Relaxed)));
            c.errors += s.errors.load(Relaxed);
            c.panics += s.panics.load(Relaxed);
            c.cancelled += s.cancelled.load(Relaxed);
            c.items += s.items.load(Relaxed);
            s.histogram.add_to(&mut dense);
        }
        c.histogram = Histogram::from_dense(&dense);
        c
    }

    pub(super) fn recent_records(&self) -> (Vec<CallRecord>, Vec<CallRecord>) {
        let r = lock(&self.recent);
        (r.failures.iter().cloned().collect(), r.slowest.clone())
    }

    fn snapshot_of(&self, c: Counts, min_ns: u64, max_ns: u64) -> OperationSnapshot {
        let (recent_failures, slowest) = self.recent_records();
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
            level_bounds: self.level_bounds(),
            histogram: c.histogram,
            recent_failures,
            slowest,
        }
    }

    /// A plain copy of the statistics as they are now.
    pub fn snapshot(&self) -> OperationSnapshot {
        let c = self.counts();
        let min = self.min_ns.load(Relaxed);
        let min = if c.count() == 0 || min == u64::MAX {
            0
        } else {
            min
        };
        self.snapshot_of(c, min, self.max_ns.load(Relaxed))
    }

    /// Zeroes every statistic (for tests). Calls racing with a reset may be
    /// partly counted.
    pub fn reset(&self) {
        for s in self.stripes.iter() {
            s.sum_ns.store(0, Relaxed);
            s.sum_carry.store(0, Relaxed);
            for l in &s.levels {
                l.store(0, Relaxed);
            }
            s.errors.store(0, Relaxed);
            s.panics.store(0, Relaxed);
            s.cancelled.store(0, Relaxed);
            s.items.store(0, Relaxed);
            s.histogram.clear();
        }
        self.min_ns.store(u64::MAX, Relaxed);
        self.max_ns.store(0, Relaxed);
        self.slowest_floor.store(0, Relaxed);
        lock(&self.recent).clear();
        self.lock_window().clear();
        if self.next_rotation.load(Relaxed) != u64::MAX {
            self.next_rotation.store(0, Relaxed);
        }
    }

    /// Bytes this operation uses now: the fixed part plus histogram pages.
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + STRIPES * std::mem::size_of::<Stripe>()
            + self
                .stripes
                .iter()
                .map(|s| s.histogram.allocated_bytes())
                .sum::<usize>()
            + self.name.len()
            + self.lock_window().memory_bytes()
    }
}

mod minutes;

#[cfg(test)]
mod tests;

#[cfg(all(test, loom))]
mod loom_tests;
