//! perfmon: know how fast each operation is against the target it promised.
#![deny(missing_docs)]

pub use perfmon_runtime::*;

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
