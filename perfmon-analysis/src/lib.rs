//! The analysis layer of [perfmon](https://docs.rs/perfmon): what the
//! recorded data means against the targets a service promised.
//!
//! Users depend on the `perfmon` facade, which re-exports this crate under
//! its default `analysis` feature. Everything here runs on demand, never
//! per call: it reads the recording core (`perfmon-core`) only through its
//! public data (snapshots, per-minute data, request patterns) and keeps its
//! own state (targets, configuration, the alert engine) in its own types.
//! [`RegistryExt`] reads that analysis as methods of a registry.
//!
//! # Judging
//!
//! - [`Target`], [`CacheTarget`]: what each kind and cache promised.
//! - [`compliance()`] / [`RegistryExt::compliance`]: the share of calls
//!   within target per kind ([`KindCompliance`]), cache hit rates
//!   ([`CacheCompliance`]) and overall, graded A-F ([`Grade`]); the rules
//!   are in [`mod@compliance`].
//! - [`health()`] / [`RegistryExt::health`]: a [`HealthStatus`] per kind and
//!   overall, and a 0-100 [`HealthScore`]; the formula is in [`mod@health`].
//! - [`trends`](RegistryExt::trends): this window against the one before
//!   ([`Trend`], [`TrendRules`]).
//!
//! # Alerting and advice
//!
//! - [`AlertInput`] / [`evaluate_rules`]: pure alert rules over snapshots
//!   ([`AlertThresholds`], [`Degradation`], [`RequestPattern`]) giving
//!   [`Condition`]s of a [`Rule`] and a [`Severity`].
//! - [`AlertEngine`] / [`alerts()`] / [`on_alert()`]: [`Alert`]s that open,
//!   escalate, resolve and can be suppressed ([`Suppression`]), delivered to
//!   callbacks as [`AlertEvent`]s.
//! - [`recommend()`]: [`Recommendation`]s (a [`Category`], a [`Priority`],
//!   [`Scale`]s of impact and effort, [`Evidence`]).
//!
//! # Reports, benchmarks, configuration
//!
//! - [`report()`] / [`analyze()`] ([`mod@report`]): the whole analysis in
//!   one [`Report`] (serde, plain text, Prometheus); `analyze` also
//!   evaluates alerts now.
//! - [`Benchmark`] / [`validate_benchmarks()`]: per-operation thresholds
//!   checked into a [`BenchmarkReport`] a test asserts on; [`Benchmarks`]
//!   loads them from JSON or TOML.
//! - [`Config`] / [`ConfigBuilder`] ([`config`]): every setting, from code
//!   or `PERFMON_*` variables, validated into a [`ConfigError`] that names
//!   the key.
//! - [`table`]: aligned plain-text tables ([`summary_table`]).
//!
//! # Export and the machine
//!
//! - [`export`]: Prometheus and OpenMetrics text
//!   ([`RegistryExt::prometheus`]).
//! - [`SystemSampler`] / [`system_sampler()`]: machine and process
//!   [`SystemMetrics`] (feature `system`, through `sysinfo`);
//!   [`spawn_system_sampler`] (feature `tokio`) and
//!   [`spawn_system_sampler_thread`] sample in the background.
//!
//! ```
//! use perfmon_analysis::{Benchmark, RegistryExt, Verdict};
//! use perfmon_core::{Kind, Registry};
//! use std::time::Duration;
//!
//! let reg = Registry::new();
//! reg.record("db.get_user", Kind::DatabaseQuery, Duration::from_millis(12));
//! let report = reg.validate_benchmarks(&[Benchmark::new("db.get_user", Duration::from_millis(25))]);
//! assert_eq!(report.rows[0].verdict, Verdict::Passed);
//! assert!(reg.compliance().overall.is_some());
//! ```
#![deny(missing_docs)]

mod alert;
mod benchmark;
pub mod compliance;
pub mod config;
pub mod export;
mod ext;
pub mod group;
pub mod health;
pub mod objective;
mod recommend;
pub mod report;
mod settings;
mod suggest;
mod system;
pub mod table;
mod target;
mod trend;

pub use alert::{
    alerts, evaluate_rules, on_alert, Alert, AlertEngine, AlertEvent, AlertEventKind, AlertInput,
    AlertState, AlertThresholds, Condition, Degradation, Rule, Severity, Suppression,
    DEFAULT_HISTORY,
};
pub use benchmark::{
    Benchmark, BenchmarkFileError, BenchmarkReport, BenchmarkRow, Benchmarks, Statistic, Verdict,
    MAX_OPERATION_NAME_BYTES, MAX_SUGGESTED_ROWS,
};
pub use compliance::{
    calls_within, compliance, CacheCompliance, ComplianceReport, Grade, KindCompliance,
    OverallCompliance,
};
pub use config::{Config, ConfigBuilder, ConfigError};
pub use export::{prometheus, render_prometheus};
pub use ext::RegistryExt;
pub use health::{
    health, health_from, health_score, ComponentHealth, HealthReport, HealthScore, HealthStatus,
    ScoreBand, CACHE_WEIGHT, ERROR_RATE_FOR_ZERO, ERROR_WEIGHT, LATENCY_WEIGHT,
};
pub use objective::{burn_rate, BudgetBurn, BurnPair, BurnReading, BurnWindow, DEFAULT_OBJECTIVE};
/// The N+1 material the rules read, recorded by the core's request scope.
pub use perfmon_core::RequestPattern;
pub use recommend::{recommend, Category, Evidence, Priority, Recommendation, Scale};
#[cfg(feature = "tokio")]
pub use report::spawn_analyzer;
pub use report::{
    analyze, report, AlertsSection, ExecutiveSummary, Report, ReportOptions, SlowOperation,
};
#[cfg(all(feature = "tokio", feature = "system"))]
pub use system::spawn_system_sampler;
#[cfg(feature = "system")]
pub use system::{spawn_system_sampler_thread, system_sampler, SystemSampler};
pub use system::{IntervalTooShort, SystemMetrics, MIN_SAMPLE_INTERVAL};
pub use table::summary_table;
pub use target::{CacheTarget, Target};
pub use trend::{Trend, TrendDirection, TrendRules, WindowStats};

/// Validates `benchmarks` against the current registry (the test's scope,
/// [`Registry::scope`](perfmon_core::Registry::scope), else the global
/// [`registry()`](perfmon_core::registry())): one row per benchmark, passed
/// when its statistic is at most its threshold.
///
/// An operation without calls fails (naming the closest recorded operations,
/// so a misspelled name never passes), and so does an empty list. See
/// [`RegistryExt::validate_benchmarks`] for the rules. The example runs on an
/// isolated registry so that its numbers are exact; in a test of your own
/// code, call this function after exercising it.
///
/// ```
/// use perfmon_analysis::{Benchmark, RegistryExt, Verdict};
/// use perfmon_core::{Kind, Registry};
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
    perfmon_core::with_registry(|reg| reg.validate_benchmarks(benchmarks))
}
