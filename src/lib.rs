//! perfmon: know how fast each operation is against the target it promised.
//!
//! One attribute on a function, a recording core that costs nanoseconds per
//! call, an analysis layer that turns the recent past into levels, grades,
//! alerts and advice, and an optional axum adapter that serves it over HTTP.
//!
//! # The map, by layer
//!
//! Dependencies point down only; each layer is its own crate, re-exported
//! here.
//!
//! **Recording, per call** (`perfmon-core`, always on; the hot path: atomics
//! only, no lock, no allocation)
//! - [`monitor_performance`]: the attribute; [`timer()`], [`record()`],
//!   [`record_items()`], [`record_value()`], [`cache()`]: manual recording.
//! - [`Registry`] / [`registry()`]: operation name to live [`Operation`]
//!   statistics, with a cap and an overflow entry; [`Kind`], [`Level`],
//!   [`LevelBounds`]; [`request::RequestContext`] for a request's queries.
//! - [`clock`]: the calibrated TSC clock, and the wall clock that
//!   never runs backwards ([`clock::wall_now`]).
//!
//! **Reading, on demand** (`perfmon-core`)
//! - [`summaries()`], [`summary()`]: [`OperationSummary`] in milliseconds;
//!   [`OperationSnapshot`]: mergeable serde data; [`Window`] and
//!   [`MinutePoint`] for the last minutes; [`units`] for every conversion.
//!
//! **Analysis, on demand** (`perfmon-analysis`, feature `analysis`, default)
//! - Targets, [`compliance()`] and grades, [`health()`], trends, alert rules
//!   and the [`AlertEngine`], [`recommend()`], [`report()`] / [`analyze()`],
//!   [`validate_benchmarks()`], [`Config`] from code or `PERFMON_*`
//!   variables, system metrics. [`RegistryExt`] reads them as methods of a
//!   registry (`reg.compliance()`, `reg.report(..)`).
//!
//! **Export** (`perfmon-analysis`)
//! - [`export`]: Prometheus and OpenMetrics text; [`Report`] as JSON and text.
//!
//! **HTTP** (`perfmon-axum`, feature `axum`)
//! - `perfmon::axum`: a layer that times every request, a router with the
//!   monitoring API, Prometheus text and a dashboard.
//!
//! A library that only annotates its functions depends on perfmon with
//! `default-features = false`: the attribute and the core alone.
//!
//! ```
//! use perfmon::{monitor_performance, Benchmark, RegistryExt};
//! use std::time::Duration;
//!
//! #[monitor_performance(kind = "database_query", name = "map.get_user")]
//! fn get_user(id: u32) -> Option<u32> {
//!     (id < 10).then_some(id)
//! }
//!
//! // Recording: every call is timed.
//! for id in 0..20 {
//!     get_user(id);
//! }
//!
//! // Reading: a summary in milliseconds.
//! let s = perfmon::summary("map.get_user").unwrap();
//! assert_eq!(s.count, 20);
//!
//! // Analysis: the same calls judged against a benchmark and the kind's target.
//! let report = perfmon::validate_benchmarks(&[
//!     Benchmark::new("map.get_user", Duration::from_millis(100)),
//! ]);
//! assert!(report.passed());
//! let grades = perfmon::registry().compliance();
//! assert!(grades.kinds.iter().any(|k| k.kind == perfmon::Kind::DatabaseQuery));
//!
//! // Export: Prometheus text.
//! let text = perfmon::registry().prometheus(perfmon::export::Format::Prometheus);
//! assert!(text.contains("map.get_user"));
//! ```
#![deny(missing_docs)]

pub use perfmon_core::*;

#[cfg(feature = "analysis")]
pub use perfmon_analysis::*;

/// Times every call of a function: one attribute, read back with
/// [`summary()`] or [`summaries()`].
///
/// ```
/// use perfmon::monitor_performance;
///
/// #[derive(Debug)]
/// struct NotFound(u32);
///
/// impl std::fmt::Display for NotFound {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         write!(f, "part {} not found", self.0)
///     }
/// }
///
/// #[monitor_performance(kind = "database_query", name = "parts.get_part", params(part_id))]
/// fn get_part(part_id: u32) -> Result<&'static str, NotFound> {
///     match part_id {
///         7 => Ok("gear"),
///         other => Err(NotFound(other)),
///     }
/// }
///
/// assert_eq!(get_part(7).unwrap(), "gear");
/// assert!(get_part(3).is_err());
///
/// let summary = perfmon::summary("parts.get_part").unwrap();
/// assert_eq!((summary.count, summary.errors), (2, 1));
/// let failure = &summary.recent_failures[0];
/// assert_eq!(failure.error.as_deref(), Some("part 3 not found"));
/// assert_eq!(failure.params[0].name, "part_id");
/// assert_eq!(failure.params[0].value, "3");
/// ```
///
/// The reference of every argument follows.
pub use perfmon_macros::monitor_performance;

/// The axum adapter (feature `axum`): [`axum::PerfmonLayer`] times every
/// request, [`axum::router`] serves the monitoring endpoints.
#[cfg(feature = "axum")]
pub use perfmon_axum as axum;
