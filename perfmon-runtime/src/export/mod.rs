//! Exports for other systems: the Prometheus 0.0.4 and OpenMetrics 1.0 text
//! formats.
//!
//! - [`PrometheusWriter`]: families and samples with names sanitized and
//!   values escaped, for layers that add families of their own.

mod escape;
mod writer;

pub use escape::{sanitize_label_name, sanitize_metric_name};
pub use writer::{Family, HistogramFamily, PrometheusWriter};

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
