//! The sampler (feature `system`): machine and process figures read with
//! `sysinfo`.

use super::{check, IntervalTooShort, SystemMetrics};
use perfmon_core::sync::{lock, read, write};
use std::path::Path;
use std::sync::{Mutex, RwLock};
use std::time::Duration;
use sysinfo::{Disks, Pid, ProcessRefreshKind, ProcessesToUpdate, System};

struct Probe {
    system: System,
    disks: Disks,
    pid: Option<Pid>,
}

/// Samples [`SystemMetrics`] and keeps the last sample. CPU figures are
/// differences between consecutive samples, so keep one sampler and sample
/// it periodically (see [`spawn_system_sampler`] and
/// [`spawn_system_sampler_thread`]).
///
/// ```
/// use perfmon_analysis::SystemSampler;
/// let sampler = SystemSampler::new();
/// let m = sampler.sample();
/// assert!(m.memory_total_bytes > 0);
/// assert!((0.0..=100.0).contains(&m.memory_percent));
/// assert_eq!(sampler.last(), Some(m));
/// ```
pub struct SystemSampler {
    probe: Mutex<Probe>,
    last: RwLock<Option<SystemMetrics>>,
}

impl std::fmt::Debug for SystemSampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemSampler")
            .field("last", &self.last())
            .finish_non_exhaustive()
    }
}

impl Default for SystemSampler {
    fn default() -> Self {
        SystemSampler::new()
    }
}

fn percent(part: f64, whole: f64) -> f64 {
    if whole > 0.0 && part.is_finite() {
        (part / whole * 100.0).clamp(0.0, 100.0)
    } else {
        0.0
    }
}

impl SystemSampler {
    /// A sampler with no sample yet.
    pub fn new() -> Self {
        SystemSampler {
            probe: Mutex::new(Probe {
                system: System::new(),
                disks: Disks::new_with_refreshed_list(),
                pid: sysinfo::get_current_pid().ok(),
            }),
            last: RwLock::new(None),
        }
    }

    /// Takes a sample now, keeps it as the last one and returns it.
    pub fn sample(&self) -> SystemMetrics {
        let m = {
            let mut p = lock(&self.probe);
            let Probe { system, disks, pid } = &mut *p;
            system.refresh_cpu_usage();
            system.refresh_memory();
            let cores = system.cpus().len().max(1) as f64;
            let (process_cpu, process_memory) = match *pid {
                Some(pid) => {
                    system.refresh_processes_specifics(
                        ProcessesToUpdate::Some(&[pid]),
                        true,
                        ProcessRefreshKind::nothing().with_cpu().with_memory(),
                    );
                    system
                        .process(pid)
                        .map(|p| (f64::from(p.cpu_usage()) / cores, p.memory()))
                        .unwrap_or((0.0, 0))
                }
                None => (0.0, 0),
            };
            disks.refresh(true);
            let total = system.total_memory();
            let used = system.used_memory();
            SystemMetrics {
                cpu_percent: f64::from(system.global_cpu_usage()).clamp(0.0, 100.0),
                memory_used_bytes: used,
                memory_total_bytes: total,
                memory_percent: percent(used as f64, total as f64),
                process_cpu_percent: process_cpu.clamp(0.0, 100.0),
                process_memory_bytes: process_memory,
                disk_percent: disk_percent(disks),
                at: perfmon_core::clock::wall_now(),
            }
        };
        *write(&self.last) = Some(m.clone());
        m
    }

    /// The last sample, if any.
    pub fn last(&self) -> Option<SystemMetrics> {
        read(&self.last).clone()
    }
}

/// Use of the disk whose mount point is the longest prefix of the working
/// directory (the root when the directory is unknown).
fn disk_percent(disks: &Disks) -> Option<f64> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| "/".into());
    disks
        .list()
        .iter()
        .filter(|d| d.total_space() > 0 && cwd.starts_with(d.mount_point()))
        .max_by_key(|d| d.mount_point().components().count())
        .or_else(|| {
            disks
                .list()
                .iter()
                .find(|d| d.mount_point() == Path::new("/") && d.total_space() > 0)
        })
        .map(|d| {
            let used = d.total_space().saturating_sub(d.available_space());
            percent(used as f64, d.total_space() as f64)
        })
}

static SAMPLER: once_cell::sync::Lazy<SystemSampler> =
    once_cell::sync::Lazy::new(SystemSampler::new);

/// The process-wide sampler the background samplers feed.
///
/// ```
/// let m = perfmon_analysis::system_sampler().sample();
/// assert!(m.memory_total_bytes > 0);
/// ```
pub fn system_sampler() -> &'static SystemSampler {
    &SAMPLER
}

/// Samples [`system_sampler()`] every `interval` on a tokio task (feature
/// `tokio`; call inside a runtime with the time driver enabled). The first
/// sample is taken at once. Abort the handle to stop.
///
/// ```
/// # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
/// # rt.block_on(async {
/// use std::time::Duration;
/// let task = perfmon_analysis::spawn_system_sampler(Duration::from_secs(5)).unwrap();
/// task.abort();
/// assert!(perfmon_analysis::spawn_system_sampler(Duration::from_millis(10)).is_err());
/// # });
/// ```
#[cfg(feature = "tokio")]
pub fn spawn_system_sampler(
    interval: Duration,
) -> Result<tokio::task::JoinHandle<()>, IntervalTooShort> {
    check(interval)?;
    Ok(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            // Reading a few /proc files: short enough not to need a blocking
            // thread.
            system_sampler().sample();
        }
    }))
}

/// Samples [`system_sampler()`] every `interval` on a plain thread, for
/// programs without tokio. The first sample is taken at once. The thread
/// runs until the process ends.
///
/// ```
/// use std::time::Duration;
/// assert!(perfmon_analysis::spawn_system_sampler_thread(Duration::ZERO).is_err());
/// ```
pub fn spawn_system_sampler_thread(
    interval: Duration,
) -> Result<std::thread::JoinHandle<()>, IntervalTooShort> {
    check(interval)?;
    Ok(std::thread::Builder::new()
        .name("perfmon-system-sampler".into())
        .spawn(move || loop {
            system_sampler().sample();
            std::thread::sleep(interval);
        })
        .expect("spawning the system sampler thread"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::{evaluate_rules, AlertInput, Rule, Severity};
    use std::time::SystemTime;

    #[test]
    fn a_real_sample_has_sane_ranges() {
        let sampler = SystemSampler::new();
        assert_eq!(sampler.last(), None);
        let _ = sampler.sample();
        let m = sampler.sample();
        assert!(m.memory_total_bytes > 0);
        assert!(m.memory_used_bytes <= m.memory_total_bytes);
        for p in [m.cpu_percent, m.memory_percent, m.process_cpu_percent] {
            assert!((0.0..=100.0).contains(&p), "{p} in {m:?}");
        }
        if let Some(d) = m.disk_percent {
            assert!((0.0..=100.0).contains(&d), "{m:?}");
        }
        assert!(m.process_memory_bytes > 0, "{m:?}");
        assert_eq!(sampler.last(), Some(m));
    }

    #[test]
    fn short_intervals_are_refused() {
        let err = spawn_system_sampler_thread(Duration::from_millis(99)).unwrap_err();
        assert!(err.to_string().contains("at least 100ms"), "{err}");
    }

    #[test]
    fn metrics_serialize_time_as_unix_ms() {
        let m = SystemMetrics {
            cpu_percent: 1.0,
            memory_used_bytes: 1,
            memory_total_bytes: 2,
            memory_percent: 50.0,
            process_cpu_percent: 0.5,
            process_memory_bytes: 1,
            disk_percent: None,
            at: SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123),
        };
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(v["at"], 1_700_000_000_123u64);
        assert_eq!(serde_json::from_value::<SystemMetrics>(v).unwrap(), m);
    }

    #[test]
    fn sampled_metrics_feed_the_resource_rule() {
        let mut m = SystemSampler::new().sample();
        m.cpu_percent = 96.0;
        m.memory_percent = 86.0;
        m.disk_percent = Some(10.0);
        let found = evaluate_rules(&AlertInput::default().system(&m));
        let got: Vec<_> = found
            .iter()
            .map(|c| (c.rule, c.subject.as_str(), c.severity))
            .collect();
        assert_eq!(
            got,
            [
                (Rule::Resource, "cpu", Severity::Critical),
                (Rule::Resource, "memory", Severity::High)
            ]
        );
        assert_eq!(found[1].message, "memory at 86.0 % (threshold 85 %)");
    }

    #[cfg(feature = "tokio")]
    #[test]
    fn the_tokio_sampler_takes_a_first_sample_at_once() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            let task = spawn_system_sampler(Duration::from_secs(3600)).unwrap();
            while system_sampler().last().is_none() {
                tokio::task::yield_now().await;
            }
            task.abort();
        });
    }
}
