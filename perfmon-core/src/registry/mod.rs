//! The registry: operation name -> live statistics.
//!
//! A call site looks its operation up once and caches it; only the manual
//! APIs ([`Registry::timer`], [`Registry::record`]) look names up per call.
//! The number of operations is capped ([`DEFAULT_MAX_OPERATIONS`]); past the
//! cap, new names record into the [`OVERFLOW_OPERATION`] and are counted in
//! [`Registry::refused`].

mod bounds;
mod extensions;
mod patterns;
mod scope;
mod series;
mod values;

pub use patterns::{RequestPattern, MAX_REQUEST_PATTERNS};
pub(crate) use scope::{ever_entered, with_scoped};
pub use scope::{with_registry, InScope};
pub use series::{MinutePoint, WindowSnapshots};
pub use values::ValueSummary;

use crate::data::{BoundedText, Outcome, ERROR_CAPACITY};
use crate::data::{CacheHandle, CacheSnapshot, CacheStats};
use crate::data::{OperationSnapshot, OperationSummary};
use crate::kind::Kind;
use crate::level::LevelBounds;
use crate::record::Timer;
use crate::record::{CallDetails, OpRef, Operation};
use dashmap::DashMap;
use once_cell::sync::Lazy;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, SystemTime};

/// Operations a registry holds before new names go to the overflow entry.
pub const DEFAULT_MAX_OPERATIONS: usize = 2048;

/// Name of the operation that receives calls of names refused by the cap.
pub const OVERFLOW_OPERATION: &str = "perfmon.overflow";

static GLOBAL: Lazy<Registry> = Lazy::new(|| {
    crate::clock::calibrate();
    Registry::new()
});

/// The process-wide registry that annotated functions record into. Created
/// on first use; no setup call is needed.
pub fn registry() -> &'static Registry {
    &GLOBAL
}

/// Operation statistics by name.
///
/// [`registry()`] is the one annotated functions use. Other instances
/// ([`Registry::new`]) are independent: a test can record into its own with
/// [`Registry::record`] and [`Registry::timer`] and see nobody else's data.
pub struct Registry {
    operations: DashMap<Arc<str>, Arc<Operation>>,
    registered: AtomicUsize,
    max_operations: AtomicUsize,
    refused: AtomicU64,
    overflow: OnceLock<Arc<Operation>>,
    bounds: RwLock<HashMap<Kind, LevelBounds>>,
    caches: DashMap<Arc<str>, CacheHandle>,
    retention_minutes: AtomicU32,
    history_minutes: AtomicU32,
    values: DashMap<Arc<str>, Arc<values::ValueMetric>>,
    request_patterns: std::sync::Mutex<patterns::RequestPatterns>,
    fallback_bounds: RwLock<LevelBounds>,
    extensions: extensions::Extensions,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("operations", &self.len())
            .field("max_operations", &self.max_operations())
            .field("refused", &self.refused())
            .finish()
    }
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    /// An empty registry with the default cap.
    pub fn new() -> Self {
        Registry {
            operations: DashMap::new(),
            registered: AtomicUsize::new(0),
            max_operations: AtomicUsize::new(DEFAULT_MAX_OPERATIONS),
            refused: AtomicU64::new(0),
            overflow: OnceLock::new(),
            bounds: RwLock::new(HashMap::new()),
            caches: DashMap::new(),
            retention_minutes: AtomicU32::new(crate::data::DEFAULT_RETENTION_MINUTES),
            history_minutes: AtomicU32::new(crate::data::DEFAULT_HISTORY_MINUTES),
            values: DashMap::new(),
            request_patterns: Default::default(),
            fallback_bounds: RwLock::new(LevelBounds::DEFAULT),
            extensions: Default::default(),
        }
    }

    /// The operation called `name`, registered with `kind` if it is new.
    ///
    /// An existing operation keeps the kind it was registered with. Past the
    /// cap, returns the overflow operation and counts a refusal.
    pub fn operation(&self, name: &str, kind: Kind) -> Arc<Operation> {
        if let Some(op) = self.operations.get(name) {
            return op.clone();
        }
        match self.operations.entry(Arc::from(name)) {
            dashmap::Entry::Occupied(e) => e.get().clone(),
            dashmap::Entry::Vacant(e) => {
                let max = self.max_operations.load(Relaxed);
                let admitted = self
                    .registered
                    .fetch_update(Relaxed, Relaxed, |n| (n < max).then_some(n + 1))
                    .is_ok();
                if !admitted {
                    self.refused.fetch_add(1, Relaxed);
                    return self.overflow().clone();
                }
                let bounds = self.level_bounds(&kind);
                let op = Arc::new(Operation::new(e.key().clone(), kind, bounds));
                op.set_retention_minutes(self.retention_minutes());
                op.set_history_minutes(self.history_minutes());
                e.insert(op.clone());
                op
            }
        }
    }

    fn overflow(&self) -> &Arc<Operation> {
        self.overflow.get_or_init(|| {
            let kind = Kind::from_static("overflow");
            let bounds = self.level_bounds(&kind);
            Arc::new(Operation::new(OVERFLOW_OPERATION.into(), kind, bounds))
        })
    }

    /// The operation called `name`, if it was registered.
    pub fn get(&self, name: &str) -> Option<Arc<Operation>> {
        if name == OVERFLOW_OPERATION {
            return self.overflow.get().cloned();
        }
        self.operations.get(name).map(|op| op.clone())
    }

    /// Starts a [`Timer`] for `name` (one map lookup per call; cache
    /// [`Registry::operation`] and use [`Operation::record_nanos`] in tight loops).
    pub fn timer(&self, name: &str, kind: Kind) -> Timer<'_> {
        Timer::start(
            crate::switch::is_enabled().then(|| OpRef::Borrowed(self.operation_ref(name, kind))),
        )
    }

    /// Like [`Registry::operation`], borrowed for as long as the registry:
    /// no reference count is touched, so threads sharing an operation write
    /// to no common cache line.
    pub(crate) fn operation_ref(&self, name: &str, kind: Kind) -> &Operation {
        let op = self.operation(name, kind);
        // SAFETY: the registry holds an `Arc` to every operation it ever
        // handed out (in `operations` or `overflow`) and never removes one,
        // so the allocation lives as long as `self`.
        unsafe { &*Arc::as_ptr(&op) }
    }

    /// Records a finished, successful call that took `duration`.
    pub fn record(&self, name: &str, kind: Kind, duration: Duration) {
        self.record_outcome(name, kind, duration, Outcome::Ok, None);
    }

    /// Records a finished call with its outcome and, for failures, an optional
    /// message (cut to 256 bytes).
    pub fn record_outcome(
        &self,
        name: &str,
        kind: Kind,
        duration: Duration,
        outcome: Outcome,
        message: Option<&str>,
    ) {
        if !crate::switch::is_enabled() {
            return;
        }
        self.operation(name, kind).record_outcome(
            crate::units::saturating_nanos(duration),
            outcome,
            message,
        );
    }

    /// Records a finished call that ended at `at` (for durations timed
    /// elsewhere with their own timestamps, and for tests of windows and
    /// trends). Calls of one operation must come in non-decreasing time; an
    /// operation recorded this way takes its minutes only from `at`.
    pub fn record_at(
        &self,
        name: &str,
        kind: Kind,
        duration: Duration,
        outcome: Outcome,
        message: Option<&str>,
        at: SystemTime,
    ) {
        if !crate::switch::is_enabled() {
            return;
        }
        let ns = crate::units::saturating_nanos(duration);
        let minute = crate::units::unix_minute(at);
        let at_ms = crate::units::unix_ms(at);
        self.operation(name, kind)
            .record_in_minute(minute, ns, outcome, || CallDetails {
                at_unix_ms: Some(at_ms),
                ..failure_details(message)
            });
    }

    /// Records one processing step that handled `items` items in `duration`;
    /// summaries report throughput as items per second of processing time.
    pub fn record_items(&self, name: &str, items: u64, duration: Duration) {
        if !crate::switch::is_enabled() {
            return;
        }
        let ns = crate::units::saturating_nanos(duration);
        self.operation(name, Kind::Processing)
            .record_items(items, ns);
    }

    pub(crate) fn request_patterns_store(&self) -> &std::sync::Mutex<patterns::RequestPatterns> {
        &self.request_patterns
    }

    pub(crate) fn values_map(&self) -> &DashMap<Arc<str>, Arc<values::ValueMetric>> {
        &self.values
    }

    /// Minutes of per-minute buckets kept for windows and trends (the
    /// retention; older calls are kept in 10-minute buckets up to
    /// [`Registry::history_minutes`]).
    pub fn retention_minutes(&self) -> u32 {
        self.retention_minutes.load(Relaxed)
    }

    /// Minutes of history kept in all (a day by default): per minute for the
    /// retention, then in [`COARSE_MINUTES`](crate::COARSE_MINUTES)-minute buckets.
    /// At most the retention means no 10-minute buckets.
    pub fn history_minutes(&self) -> u32 {
        self.history_minutes.load(Relaxed)
    }

    /// Changes the history kept (0: per-minute buckets only), for existing
    /// and future operations. Older buckets go at their operation's next
    /// minute.
    pub fn set_history_minutes(&self, minutes: u32) {
        self.history_minutes.store(minutes, Relaxed);
        for e in self.operations.iter() {
            e.value().set_history_minutes(minutes);
        }
    }

    /// Changes the retention (at least 1 minute), for existing and future operations.
    pub fn set_retention_minutes(&self, minutes: u32) {
        let minutes = minutes.max(1);
        self.retention_minutes.store(minutes, Relaxed);
        for e in self.operations.iter() {
            e.value().set_retention_minutes(minutes);
        }
    }

    /// Every operation (the overflow entry too, once used), by name.
    pub(crate) fn operations_sorted(&self) -> Vec<Arc<Operation>> {
        let mut out: Vec<Arc<Operation>> =
            self.operations.iter().map(|e| e.value().clone()).collect();
        out.extend(self.overflow.get().cloned());
        out.sort_by(|a, b| a.name().cmp(b.name()));
        out
    }

    /// Snapshots of every operation (the overflow entry too, once used), by name.
    pub fn snapshots(&self) -> Vec<OperationSnapshot> {
        let mut out: Vec<OperationSnapshot> = self
            .operations
            .iter()
            .map(|e| e.value().snapshot())
            .collect();
        if let Some(o) = self.overflow.get() {
            out.push(o.snapshot());
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// The snapshot of one operation.
    pub fn snapshot(&self, name: &str) -> Option<OperationSnapshot> {
        self.get(name).map(|op| op.snapshot())
    }

    /// Summaries of every operation, by name.
    pub fn summaries(&self) -> Vec<OperationSummary> {
        self.snapshots()
            .iter()
            .map(OperationSnapshot::summary)
            .collect()
    }

    /// The summary of one operation.
    pub fn summary(&self, name: &str) -> Option<OperationSummary> {
        self.snapshot(name).map(|s| s.summary())
    }

    /// Names of the registered operations, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .operations
            .iter()
            .map(|e| e.key().to_string())
            .collect();
        names.sort();
        names
    }

    /// Number of registered operations (the overflow entry not included).
    pub fn len(&self) -> usize {
        self.operations.len()
    }

    /// Whether no operation is registered.
    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }

    /// Zeroes the statistics of every operation. Operations stay registered
    /// (call sites keep their handles), so a reset never loses a later call.
    pub fn reset(&self) {
        self.reset_matching(|_| true);
        self.clear_request_patterns();
        self.refused.store(0, Relaxed);
    }

    /// Zeroes the operations whose name starts with `prefix`: a test that
    /// names its operations under its own prefix can reset them without
    /// touching tests running in parallel.
    pub fn reset_prefix(&self, prefix: &str) {
        self.reset_matching(|name| name.starts_with(prefix));
    }

    fn reset_matching(&self, keep: impl Fn(&str) -> bool) {
        for e in self.caches.iter() {
            if keep(e.key()) {
                e.value().reset();
            }
        }
        for e in self.operations.iter() {
            if keep(e.key()) {
                e.value().reset();
            }
        }
        if let Some(o) = self.overflow.get() {
            if keep(OVERFLOW_OPERATION) {
                o.reset();
            }
        }
    }

    /// The cap on distinct operations.
    pub fn max_operations(&self) -> usize {
        self.max_operations.load(Relaxed)
    }

    /// Changes the cap. Operations already registered stay.
    pub fn set_max_operations(&self, max: usize) {
        self.max_operations.store(max, Relaxed);
    }

    /// How many registrations the cap refused (each refused name counts once
    /// per call site, or once per call of the name-based APIs).
    pub fn refused(&self) -> u64 {
        self.refused.load(Relaxed)
    }

    /// The hit/miss counters of the cache called `name` (created on first use).
    ///
    /// Caches are few and named by the program, so they are not capped.
    pub fn cache(&self, name: &str) -> CacheHandle {
        if let Some(c) = self.caches.get(name) {
            return c.clone();
        }
        self.caches
            .entry(Arc::from(name))
            .or_insert_with(|| Arc::new(CacheStats::default()))
            .clone()
    }

    /// Snapshots of every cache, by name.
    pub fn cache_snapshots(&self) -> Vec<CacheSnapshot> {
        let mut out: Vec<CacheSnapshot> = self
            .caches
            .iter()
            .map(|e| e.value().snapshot(e.key()))
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// The snapshot of one cache.
    pub fn cache_snapshot(&self, name: &str) -> Option<CacheSnapshot> {
        self.caches.get(name).map(|c| c.snapshot(name))
    }

    /// Bytes held by all operations now (fixed part plus histogram pages).
    pub fn memory_bytes(&self) -> usize {
        self.operations
            .iter()
            .map(|e| e.value().memory_bytes())
            .sum()
    }
}

fn failure_details(message: Option<&str>) -> CallDetails {
    CallDetails {
        error: message.map(|m| BoundedText::<ERROR_CAPACITY>::display(m).to_string_marked()),
        ..CallDetails::default()
    }
}
