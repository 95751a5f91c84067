//! Machine and process resource use, for the resource alert rule and
//! recommendations: [`SystemMetrics`] is plain data; the sampler that reads
//! it from the operating system (`sysinfo`) is behind the `system` feature.

#[cfg(feature = "system")]
mod sampler;

#[cfg(feature = "tokio")]
#[cfg(feature = "system")]
pub use sampler::spawn_system_sampler;
#[cfg(feature = "system")]
pub use sampler::{spawn_system_sampler_thread, system_sampler, SystemSampler};

use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime};

/// Shortest sampling interval accepted by the background samplers.
pub const MIN_SAMPLE_INTERVAL: Duration = Duration::from_millis(100);

/// One sample of the machine and of this process. Percentages are
/// 0.0..=100.0; `at` serializes as Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemMetrics {
    /// CPU use of the whole machine, all cores together. The first sample of
    /// a [`SystemSampler`] has no earlier one to compare with and reads 0.
    pub cpu_percent: f64,
    /// Memory in use, in bytes.
    pub memory_used_bytes: u64,
    /// Memory installed, in bytes.
    pub memory_total_bytes: u64,
    /// `memory_used_bytes` over `memory_total_bytes`.
    pub memory_percent: f64,
    /// CPU use of this process as a share of the whole machine (0 on the
    /// first sample).
    pub process_cpu_percent: f64,
    /// Resident memory of this process, in bytes.
    pub process_memory_bytes: u64,
    /// Use of the disk holding the working directory, when found.
    pub disk_percent: Option<f64>,
    /// When sampled.
    #[serde(with = "perfmon_core::units::serde_unix_ms")]
    pub at: SystemTime,
}

/// A sampling interval below [`MIN_SAMPLE_INTERVAL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IntervalTooShort(pub Duration);

impl std::fmt::Display for IntervalTooShort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a sampling or analysis interval must be at least {:?}, got {:?}",
            MIN_SAMPLE_INTERVAL, self.0
        )
    }
}

impl std::error::Error for IntervalTooShort {}

#[cfg(any(feature = "system", feature = "tokio"))]
pub(crate) fn check(interval: Duration) -> Result<(), IntervalTooShort> {
    if interval < MIN_SAMPLE_INTERVAL {
        Err(IntervalTooShort(interval))
    } else {
        Ok(())
    }
}

/// The last sample of the process-wide sampler (`None` before the first
/// sample, and always without the `system` feature).
pub(crate) fn last_sample() -> Option<SystemMetrics> {
    #[cfg(feature = "system")]
    {
        system_sampler().last()
    }
    #[cfg(not(feature = "system"))]
    {
        None
    }
}
