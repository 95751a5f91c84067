//! Exports for other systems: the Prometheus 0.0.4 and OpenMetrics 1.0 text
//! formats.
//!
//! - [`Registry::prometheus`](crate::RegistryExt::prometheus) / [`prometheus()`]: every family of a registry
//!   (or the global one) as text, ready to serve on `/metrics`.
//! - [`render_prometheus`]: the same families from snapshots, for example
//!   merged from several processes.
//! - [`PrometheusExport`]: the prefix, buckets and quantiles, and the table
//!   of families; its `write_*` methods add them to a [`PrometheusWriter`].
//! - [`PrometheusWriter`]: families and samples with names sanitized and
//!   values escaped, for layers that add families of their own.
//!
//! ```
//! # use perfmon_analysis::RegistryExt as _;
//! use perfmon_analysis::export::Format;
//! use perfmon_core::{Kind, Registry};
//! use std::time::Duration;
//!
//! let reg = Registry::new();
//! reg.record("auth.login", Kind::Authentication, Duration::from_millis(20));
//! reg.record("auth.login", Kind::Authentication, Duration::from_millis(70));
//! let text = reg.prometheus(Format::Prometheus);
//! let labels = r#"operation="auth.login",kind="authentication""#;
//! assert!(text.contains("# TYPE perfmon_operation_duration_seconds histogram\n"));
//! assert!(text.contains(&format!("perfmon_operation_duration_seconds_bucket{{{labels},le=\"0.03\"}} 1\n")));
//! assert!(text.contains(&format!("perfmon_operation_duration_seconds_count{{{labels}}} 2\n")));
//! assert!(text.contains(&format!("perfmon_operation_level_calls_total{{{labels},level=\"slow\"}} 1\n")));
//!
//! let om = reg.prometheus(Format::OpenMetrics);
//! assert!(om.contains("# TYPE perfmon_operation_calls counter\n"));
//! assert!(om.ends_with("# EOF\n"));
//! ```

#[cfg(test)]
mod equivalence;
mod escape;
mod ladder;
mod prometheus;
#[cfg(test)]
mod tests;
mod writer;

pub use escape::{sanitize_label_name, sanitize_metric_name};
pub use prometheus::{
    render_prometheus, PrometheusExport, DEFAULT_BUCKETS_SECONDS, DEFAULT_QUANTILES,
};
pub use writer::{Family, HistogramFamily, PrometheusWriter};

use crate::RegistryExt;
use perfmon_core::Registry;

/// A text exposition format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// The Prometheus text format, version 0.0.4.
    #[default]
    Prometheus,
    /// The OpenMetrics text format, version 1.0.0 (ends with `# EOF`).
    OpenMetrics,
}

impl Format {
    /// The `Content-Type` to serve the text with.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

pub(crate) fn prometheus_of(reg: &Registry, format: Format) -> String {
    PrometheusExport::new().render_registry(reg, format)
}

/// Every family of the current registry (the scope's, else the global
/// [`registry()`](perfmon_core::registry())) in `format`.
pub fn prometheus(format: Format) -> String {
    perfmon_core::with_registry(|reg| reg.prometheus(format))
}
