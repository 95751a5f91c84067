//! perfmon: know how fast each operation is against the target it promised.
#![deny(missing_docs)]

pub use perfmon_runtime::*;

/// Times every call of a function (placeholder).
pub use perfmon_macros::monitor_performance;
