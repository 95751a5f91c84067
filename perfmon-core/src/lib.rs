//! The recording core of [perfmon](https://docs.rs/perfmon): what an
//! annotated call records, and the plain data read back out of it.
//!
//! Users depend on the `perfmon` facade, which re-exports this crate. The
//! core knows nothing of targets, grades, alerts or HTTP: those live in
//! `perfmon-analysis` and `perfmon-axum`, which read it through the public
//! data below. Its dependencies are what recording needs: a TSC clock
//! (`quanta`), a concurrent map (`dashmap`), `once_cell` and `serde`.
//!
//! # Per call (the hot path)
//!
//! - [`clock`]: the calibrated TSC clock, and the wall clock that
//!   never runs backwards ([`clock::wall_now`]).
//! - `#[monitor_performance]` expands to a static call site (`__private`)
//!   that resolves its [`Operation`] once; each call records into the
//!   operation's per-thread stripe: atomics only, no lock, no allocation.
//! - [`Kind`], [`Level`], [`LevelBounds`]: what an operation is and how each
//!   call's duration is classified; [`AtomicHistogram`] keeps percentiles.
//! - [`Timer`] / [`timer()`] and [`record()`]: manual timing of blocks;
//!   [`record_items()`] (throughput), [`record_value()`] (custom values),
//!   [`cache()`] / [`CacheStats`] (hit rates).
//! - [`request::RequestContext`]: one request's database queries, reported
//!   as [`RequestPattern`]s (N+1 material).
//!
//! # The registry
//!
//! - [`Registry`] / [`registry()`]: operation name to live statistics, with
//!   a cap ([`DEFAULT_MAX_OPERATIONS`]) and an overflow entry; level bounds
//!   per kind; history per minute for the retention, then in 10-minute
//!   buckets up to a day; [`Registry::extension`] for the state layers
//!   above attach to it.
//!
//! # Reading (on demand)
//!
//! - [`OperationSnapshot`] (mergeable serde data) and [`OperationSummary`]
//!   (milliseconds and percentiles): [`summaries()`], [`summary()`],
//!   [`Registry::snapshots_in`] over a [`Window`] ([`Registry::window_snapshots`]
//!   with the [`WindowSpan`] read), [`MinutePoint`] series.
//! - [`units`]: every time-unit conversion and its serde form, once.
//!
//! # The tree
//!
//! `clock`, `kind`, `level`, `histogram`, `switch`, `sync`, `units` are
//! leaves; `data/` is the plain data; `record/` what a call does
//! (operations, timers, events) and `request` the request scope; `registry/`
//! names operations and holds what is kept per registry (bounds, request
//! patterns, custom values, per-minute reads, scopes, extensions);
//! `callsite` is what the macro expands to. Imports go one way, in that
//! order (`tests/layering.rs` checks there is no cycle).
//!
//! ```
//! use perfmon_core::{Kind, Registry};
//! use std::time::Duration;
//!
//! let reg = Registry::new();
//! reg.record("db.get_user", Kind::DatabaseQuery, Duration::from_millis(12));
//! reg.record("db.get_user", Kind::DatabaseQuery, Duration::from_millis(60));
//! let s = reg.summary("db.get_user").unwrap();
//! assert_eq!(s.count, 2);
//! assert_eq!(s.levels.excellent, 1); // < 15 ms for database queries
//! assert_eq!(s.levels.critical, 1); // >= 50 ms
//! ```
#![deny(missing_docs)]

// Leaves: time, kinds and levels, histograms, the on/off switch, the
// lock-poison policy.
pub mod clock;
mod histogram;
mod kind;
mod level;
mod switch;
pub mod sync;
pub mod units;

// The plain data read out (snapshots, summaries, kept calls, windows).
mod data;
// Per call: operations, timers, events; the request scope.
mod record;
pub mod request;
// Name -> operation, and everything kept per registry.
mod registry;
// What `#[monitor_performance]` expands to: static call sites.
mod callsite;

pub use data::{
    CacheHandle, CacheSnapshot, CacheStats, CallRecord, CapturedParam, OperationHistory,
    OperationSnapshot, OperationSummary, Outcome, Window, WindowFigures, WindowSpan,
    COARSE_MINUTES, DEFAULT_HISTORY_MINUTES, DEFAULT_RETENTION_MINUTES, ERROR_CAPACITY,
    PARAM_CAPACITY, RECENT_FAILURES, SLOWEST_CALLS,
};
pub use histogram::{AtomicHistogram, Histogram};
pub use kind::Kind;
pub use level::{Level, LevelBounds, LevelCounts};
pub use record::{Operation, Timer, STRIPES};
pub use registry::{
    registry, with_registry, InScope, MinutePoint, Registry, RequestPattern, ValueSummary,
    WindowSnapshots, DEFAULT_MAX_OPERATIONS, MAX_REQUEST_PATTERNS, OVERFLOW_OPERATION,
};
pub use switch::{is_enabled, set_enabled};

use record::OpRef;
use std::time::Duration;

/// Summaries of every operation in the current registry (the scope's, else
/// the global one; see [`Registry::scope`]), sorted by name.
pub fn summaries() -> Vec<OperationSummary> {
    with_registry(Registry::summaries)
}

/// The summary of one operation in the current registry.
pub fn summary(name: &str) -> Option<OperationSummary> {
    with_registry(|reg| reg.summary(name))
}

/// Starts a [`Timer`] on the current registry; it records when dropped.
///
/// ```
/// use perfmon_core::{timer, Kind};
/// let _t = timer("checkout.total", Kind::Processing);
/// ```
pub fn timer(name: &str, kind: Kind) -> Timer<'static> {
    if !is_enabled() {
        return Timer::start(None);
    }
    Timer::start(Some(current_operation(name, kind)))
}

/// The current registry's operation for `name`: the scope's (one map
/// lookup), else the global one's through [`global_operation`].
fn current_operation(name: &str, kind: Kind) -> OpRef<'static> {
    if registry::ever_entered() {
        let scoped = registry::with_scoped(|s| s.map(|reg| reg.operation(name, kind.clone())));
        if let Some(op) = scoped {
            return OpRef::Owned(op);
        }
    }
    OpRef::Borrowed(global_operation(name, kind))
}

/// The global registry's operation for `name`, through a small per-thread
/// cache, so that the name-based APIs neither lock a map shard nor touch a
/// shared reference count on every call.
fn global_operation(name: &str, kind: Kind) -> &'static Operation {
    use std::cell::RefCell;
    use std::collections::HashMap;
    const MAX_CACHED: usize = 256;
    thread_local! {
        static CACHE: RefCell<HashMap<Box<str>, &'static Operation>> = RefCell::new(HashMap::new());
    }
    let lookup = |cache: &RefCell<HashMap<Box<str>, &'static Operation>>| {
        if let Some(op) = cache.borrow().get(name) {
            return *op;
        }
        let op = registry().operation_ref(name, kind.clone());
        let mut cache = cache.borrow_mut();
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(name.into(), op);
        op
    };
    CACHE
        .try_with(lookup)
        .unwrap_or_else(|_| registry().operation_ref(name, kind.clone()))
}

/// The hit/miss counters of a named cache on the current registry.
///
/// ```
/// perfmon_core::cache("L1").hit();
/// perfmon_core::cache("L1").miss();
/// ```
pub fn cache(name: &str) -> CacheHandle {
    with_registry(|reg| reg.cache(name))
}

/// Records items processed by one step that took `duration`, on the
/// current registry (reported as items per second).
pub fn record_items(name: &str, items: u64, duration: Duration) {
    with_registry(|reg| reg.record_items(name, items, duration))
}

/// Records one value of a custom metric on the current registry.
pub fn record_value(name: &str, value: f64, unit: &str) -> bool {
    with_registry(|reg| reg.record_value(name, value, unit))
}

/// Records a finished duration (timed elsewhere) on the current registry.
pub fn record(name: &str, kind: Kind, duration: Duration) {
    if is_enabled() {
        current_operation(name, kind).record_nanos(units::saturating_nanos(duration));
    }
}

// `__private{PATCH}`: the versioned name the expansion calls (written by
// build.rs from this crate's patch version).
include!(concat!(env!("OUT_DIR"), "/private.rs"));

/// What `#[monitor_performance]` expands to, under its versioned name
/// (`__private{PATCH}`). Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::callsite::{
        call_once, CacheSite, CallGuard, Callsite, CallsiteMeta, DescribeDisplay, DescribeFallback,
        ErrorRef, Instrumented, Params,
    };
    pub use crate::data::BoundedText;
}
