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
mod timer;

pub use histogram::{AtomicHistogram, Histogram};
pub use kind::Kind;
pub use level::{Level, LevelBounds, LevelCounts};
pub use operation::{Operation, STRIPES};
pub use recent::{
    CallRecord, CapturedParam, Outcome, ERROR_CAPACITY, PARAM_CAPACITY, RECENT_FAILURES,
    SLOWEST_CALLS,
};
pub use registry::{registry, Registry, DEFAULT_MAX_OPERATIONS, OVERFLOW_OPERATION};
pub use summary::{OperationSnapshot, OperationSummary};
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
