//! perfmon: know how fast each operation is against the target it promised.
#![deny(missing_docs)]

pub use perfmon_runtime::*;
