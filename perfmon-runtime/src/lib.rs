//! The engine of [perfmon](https://docs.rs/perfmon): what an annotated call
//! records, and how it is read back.
//!
//! Users depend on the `perfmon` facade, which re-exports this crate. The map:
//!
//! - [`clock`]: the calibrated TSC clock of the hot path.
//! - [`Kind`], [`Level`], [`LevelBounds`], [`Target`]: what an operation is,
//!   how each call's duration is classified, and what it promised.
//! - [`Registry`] / [`registry()`]: operation name to live statistics
//!   ([`Operation`]: striped atomic counters and an [`AtomicHistogram`]).
//! - [`OperationSnapshot`] (mergeable serde data) and [`OperationSummary`]
//!   (milliseconds and percentiles), read with [`summaries()`] and [`summary()`].
//! - [`Window`], [`Trend`], [`MinutePoint`]: the last N minutes from
//!   per-minute buckets, trends against the window before, time series.
//! - [`report()`] / [`analyze()`] ([`mod@report`]): the whole analysis in
//!   one [`Report`] (serde, plain text, Prometheus); `analyze` also
//!   evaluates alerts now. [`request::RequestContext`] counts a request's
//!   database queries; [`Registry::record_request_calls`] feeds N+1
//!   detection.
//! - [`Timer`], [`timer()`] and [`record()`]: manual timing of blocks;
//!   [`record_items()`] (throughput) and [`record_value()`] (custom metrics).
//! - [`cache()`] / [`CacheStats`]: hit rates of named caches.
//! - [`table`]: aligned plain-text tables ([`summary_table`]).
//! - [`export`]: Prometheus and OpenMetrics text ([`Registry::prometheus`]).
//! - [`compliance()`] / [`Registry::compliance`]: the share of calls within
//!   target per kind ([`KindCompliance`]), cache hit rates against theirs
//!   ([`CacheCompliance`]) and overall, graded A-F ([`Grade`]), in a
//!   [`ComplianceReport`]; the rules are in [`mod@compliance`].
//! - [`health()`] / [`Registry::health`]: a [`HealthStatus`] per kind
//!   ([`ComponentHealth`]) and overall, and a 0-100 [`HealthScore`] in a
//!   [`ScoreBand`], in a [`HealthReport`]; the formula is in [`mod@health`].
//! - [`Config`] / [`ConfigBuilder`] ([`config`]): every setting, from code
//!   or `PERFMON_*` variables, validated into a [`ConfigError`] that names
//!   the key; [`AlertThresholds`] are the numbers alerts read from
//!   [`Registry::config`]. Targets live in the registry:
//!   [`Registry::set_target`], [`Registry::target`], [`Registry::set_cache_target`].
//! - [`Benchmark`] / [`validate_benchmarks()`]: per-operation thresholds
//!   checked into a [`BenchmarkReport`] a test asserts on; [`Benchmarks`]
//!   loads them from JSON or TOML.
//! - [`AlertInput`] / [`evaluate_rules`]: pure alert rules over snapshots
//!   ([`AlertThresholds`], [`Degradation`], [`RequestPattern`]) giving
//!   [`Condition`]s of a [`Rule`] and a [`Severity`].
//! - [`AlertEngine`] / [`alerts()`] / [`on_alert()`]: [`Alert`]s that open,
//!   escalate, resolve and can be suppressed ([`Suppression`]), delivered to
//!   callbacks as [`AlertEvent`]s.
//! - [`recommend()`]: [`Recommendation`]s (a [`Category`], a [`Priority`],
//!   [`Scale`]s of impact and effort, [`Evidence`]) from the same input.
//! - [`SystemSampler`] / [`system_sampler()`]: machine and process
//!   [`SystemMetrics`] via `sysinfo`; [`spawn_system_sampler`] (feature
//!   `tokio`) and [`spawn_system_sampler_thread`] sample in the background.
//! - [`__private`]: what `#[monitor_performance]` expands to. Not an API.
//!
//! ```
//! use perfmon_runtime::{Kind, Registry};
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

mod alert;
mod benchmark;
mod cache;
mod callsite;
pub mod clock;
pub mod compliance;
pub mod config;
#[cfg(feature = "tracing")]
mod events;
pub mod export;
pub mod health;
mod histogram;
mod kind;
mod level;
mod operation;
mod recent;
mod recommend;
mod registry;
pub mod report;
pub mod request;
mod requests;
mod serde_ms;
mod serde_unix_ms;
mod settings;
mod summary;
mod system;
pub mod table;
mod target;
mod timer;
mod trend;
mod values;
mod window;

pub use alert::{
    alerts, evaluate_rules, on_alert, Alert, AlertEngine, AlertEvent, AlertEventKind, AlertInput,
    AlertState, AlertThresholds, Condition, Degradation, RequestPattern, Rule, Severity,
    Suppression, DEFAULT_HISTORY,
};
pub use benchmark::{
    Benchmark, BenchmarkFileError, BenchmarkReport, BenchmarkRow, Benchmarks, Statistic, Verdict,
};
pub use cache::{CacheHandle, CacheSnapshot, CacheStats};
pub use compliance::{
    calls_within, compliance, CacheCompliance, ComplianceReport, Grade, KindCompliance,
    OverallCompliance,
};
pub use config::{Config, ConfigBuilder, ConfigError};
pub use export::{prometheus, render_prometheus};
pub use health::{
    health, health_from, health_score, ComponentHealth, HealthReport, HealthScore, HealthStatus,
    ScoreBand, CACHE_WEIGHT, ERROR_RATE_FOR_ZERO, ERROR_WEIGHT, LATENCY_WEIGHT,
};
pub use histogram::{AtomicHistogram, Histogram};
pub use kind::Kind;
pub use level::{Level, LevelBounds, LevelCounts};
pub use operation::{Operation, STRIPES};
pub use recent::{
    CallRecord, CapturedParam, Outcome, ERROR_CAPACITY, PARAM_CAPACITY, RECENT_FAILURES,
    SLOWEST_CALLS,
};
pub use recommend::{recommend, Category, Evidence, Priority, Recommendation, Scale};
pub use registry::{registry, Registry, DEFAULT_MAX_OPERATIONS, OVERFLOW_OPERATION};
#[cfg(feature = "tokio")]
pub use report::spawn_analyzer;
pub use report::{
    analyze, report, AlertsSection, ExecutiveSummary, Report, ReportOptions, SlowOperation,
};
pub use requests::MAX_REQUEST_PATTERNS;
pub use summary::{summary_table, OperationSnapshot, OperationSummary};
#[cfg(feature = "tokio")]
pub use system::spawn_system_sampler;
pub use system::{
    spawn_system_sampler_thread, system_sampler, IntervalTooShort, SystemMetrics, SystemSampler,
    MIN_SAMPLE_INTERVAL,
};
pub use target::{CacheTarget, Target};
pub use timer::Timer;
pub use trend::{MinutePoint, Trend, TrendDirection, TrendRules, WindowStats};
pub use values::ValueSummary;
pub use window::{Window, DEFAULT_RETENTION_MINUTES};

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

static ENABLED: AtomicBool = AtomicBool::new(true);

/// Whether recording is on (it is by default).
#[inline(always)]
pub fn is_enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Turns recording on or off for the whole process. While off, an annotated
/// call costs one relaxed load.
pub fn set_enabled(enabled: bool) {
    ENABLED.store(enabled, Ordering::Relaxed);
}

/// Summaries of every operation in the global registry, sorted by name.
pub fn summaries() -> Vec<OperationSummary> {
    registry().summaries()
}

/// The summary of one operation in the global registry.
pub fn summary(name: &str) -> Option<OperationSummary> {
    registry().summary(name)
}

/// Starts a [`Timer`] on the global registry; it records when dropped.
///
/// ```
/// use perfmon_runtime::{timer, Kind};
/// let _t = timer("checkout.total", Kind::Processing);
/// ```
pub fn timer(name: &str, kind: Kind) -> Timer<'static> {
    if !is_enabled() {
        return Timer::start(None);
    }
    Timer::start(Some(global_operation(name, kind)))
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

/// The hit/miss counters of a named cache on the global registry.
///
/// ```
/// perfmon_runtime::cache("L1").hit();
/// perfmon_runtime::cache("L1").miss();
/// ```
pub fn cache(name: &str) -> CacheHandle {
    registry().cache(name)
}

/// Records items processed by one step that took `duration`, on the global
/// registry (reported as items per second).
pub fn record_items(name: &str, items: u64, duration: Duration) {
    registry().record_items(name, items, duration)
}

/// Records one value of a custom metric on the global registry.
pub fn record_value(name: &str, value: f64, unit: &str) -> bool {
    registry().record_value(name, value, unit)
}

/// Records a finished duration (timed elsewhere) on the global registry.
pub fn record(name: &str, kind: Kind, duration: Duration) {
    if is_enabled() {
        global_operation(name, kind).record_nanos(level::saturating_nanos(duration));
    }
}

/// Validates `benchmarks` against the global [`registry()`]: one row per
/// benchmark, passed when its statistic is at most its threshold.
///
/// An operation without calls fails (naming the closest recorded operations,
/// so a misspelled name never passes), and so does an empty list. See
/// [`Registry::validate_benchmarks`] for the rules. The example runs on an
/// isolated registry so that its numbers are exact; in a test of your own
/// code, call this function after exercising it.
///
/// ```
/// use perfmon_runtime::{Benchmark, Kind, Registry, Verdict};
/// use std::time::Duration;
///
/// let reg = Registry::new(); // `validate_benchmarks` uses `registry()`
/// for ms in [20, 30, 40, 250] {
///     reg.record("parts.get_part", Kind::DatabaseQuery, Duration::from_millis(ms));
/// }
/// let report = reg.validate_benchmarks(&[
///     Benchmark::new("parts.get_part", Duration::from_millis(100)).mean(),
///     Benchmark::new("parts.get_part", Duration::from_millis(100)), // p95
///     Benchmark::new("parts.get_prat", Duration::from_millis(100)),
/// ]);
/// assert_eq!(report.rows[0].observed_ms, Some(85.0));
/// assert_eq!(report.rows[0].verdict, Verdict::Passed);
/// assert_eq!(report.rows[1].verdict, Verdict::Failed);
/// assert_eq!(report.rows[2].verdict, Verdict::NoData);
/// assert!(report.rows[2].reason.as_deref().unwrap().contains("did you mean `parts.get_part`?"));
/// assert!(!report.passed());
/// println!("{report}"); // an aligned table; `report.assert_passed()` panics with it
/// ```
pub fn validate_benchmarks(benchmarks: &[Benchmark]) -> BenchmarkReport {
    registry().validate_benchmarks(benchmarks)
}

/// What `#[monitor_performance]` expands to. Not a public API: it changes
/// without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::callsite::{
        call_once, CacheSite, CallGuard, Callsite, CallsiteMeta, DescribeDisplay, DescribeFallback,
        ErrorRef, Instrumented, Params,
    };
    pub use crate::recent::BoundedText;
}
