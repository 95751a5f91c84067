//! The engine of [perfmon](https://docs.rs/perfmon): what an annotated call
//! records, and how it is read back.
//!
//! Users depend on the `perfmon` facade, which re-exports this crate. The map:
//!
//! - [`clock`]: the calibrated TSC clock of the hot path.
//! - [`Kind`], [`Level`], [`LevelBounds`]: what an operation is and how each
//!   call's duration is classified.
//! - [`Registry`] / [`registry()`]: operation name to live statistics
//!   ([`Operation`]: striped atomic counters and an [`AtomicHistogram`]).
//! - [`OperationSnapshot`] (mergeable serde data) and [`OperationSummary`]
//!   (milliseconds and percentiles), read with [`summaries()`] and [`summary()`].
//! - [`Timer`], [`timer()`] and [`record()`]: manual timing of blocks.
//! - [`table`]: aligned plain-text tables ([`summary_table`]).
//! - [`Benchmark`] / [`validate_benchmarks()`]: per-operation thresholds
//!   checked into a [`BenchmarkReport`] a test asserts on; [`Benchmarks`]
//!   loads them from JSON or TOML.
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

mod benchmark;
mod callsite;
pub mod clock;
#[cfg(feature = "tracing")]
mod events;
mod histogram;
mod kind;
mod level;
mod operation;
mod recent;
mod registry;
mod serde_ms;
mod summary;
pub mod table;
mod timer;

pub use benchmark::{
    Benchmark, BenchmarkFileError, BenchmarkReport, BenchmarkRow, Benchmarks, Statistic, Verdict,
};
pub use histogram::{AtomicHistogram, Histogram};
pub use kind::Kind;
pub use level::{Level, LevelBounds, LevelCounts};
pub use operation::{Operation, STRIPES};
pub use recent::{
    CallRecord, CapturedParam, Outcome, ERROR_CAPACITY, PARAM_CAPACITY, RECENT_FAILURES,
    SLOWEST_CALLS,
};
pub use registry::{registry, Registry, DEFAULT_MAX_OPERATIONS, OVERFLOW_OPERATION};
pub use summary::{summary_table, OperationSnapshot, OperationSummary};
pub use timer::Timer;

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
pub fn timer(name: &str, kind: Kind) -> Timer {
    registry().timer(name, kind)
}

/// Records a finished duration (timed elsewhere) on the global registry.
pub fn record(name: &str, kind: Kind, duration: Duration) {
    registry().record(name, kind, duration)
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
        call_once, CallGuard, Callsite, CallsiteMeta, DescribeDisplay, DescribeFallback, ErrorRef,
        Instrumented, Params,
    };
    pub use crate::recent::BoundedText;
}
