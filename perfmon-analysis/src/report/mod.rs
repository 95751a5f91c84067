//! Analysis and reports: everything the registry knows, in one answer to
//! "are we meeting our targets, what is getting worse, and what should we
//! fix first?".
//!
//! [`Registry::analyze_with`](crate::RegistryExt::analyze_with) evaluates the alert rules now (opening, escalating
//! and resolving alerts, calling `on_alert` callbacks) and returns a
//! [`Report`]; [`Registry::report`](crate::RegistryExt::report) builds the same report without touching
//! alerts. A report is serde data ([`Report::to_json`]), an aligned
//! plain-text report (`Display`), and Prometheus/OpenMetrics text
//! ([`Report::to_prometheus`]).

mod inputs;
mod prometheus;
mod text;

use inputs::Inputs;
pub(crate) use inputs::{recommendations_of, slow_operations_of};

use crate::alert::{alerts, Alert, AlertEngine, AlertEvent};
use crate::compliance::{ComplianceReport, Grade};
use crate::health::{health_from, HealthReport, HealthStatus, ScoreBand};
use crate::recommend::recommend;
use crate::recommend::Recommendation;
use crate::system::SystemMetrics;
use crate::trend::{Trend, TrendDirection};
use crate::RegistryExt;
use perfmon_core::units::{duration_ms, nanos_to_ms};
use perfmon_core::CacheSnapshot;
use perfmon_core::Histogram;
use perfmon_core::Kind;
use perfmon_core::Level;
use perfmon_core::Registry;
use perfmon_core::ValueSummary;
use perfmon_core::Window;
use perfmon_core::{OperationSnapshot, OperationSummary};
use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime};

/// What a report covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportOptions {
    /// Calls counted: all time (default: a report is an account since
    /// start) or the last N minutes ([`analyze()`] uses the registry's
    /// analysis window: the live view).
    pub window: Window,
    /// Length of each window that trends compare (the last N minutes against
    /// the N before). Default 5.
    pub trend_minutes: u32,
    /// At most this many slow operations, trends and recommendations. Default 20.
    pub top_n: usize,
    /// At most this many operations in the per-operation table. Default 500.
    pub max_operations: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            window: Window::All,
            trend_minutes: 5,
            top_n: 20,
            max_operations: 500,
        }
    }
}

impl ReportOptions {
    /// Options for the last `minutes` minutes (trends over the same length).
    pub fn last_minutes(minutes: u32) -> Self {
        ReportOptions {
            window: Window::LastMinutes(minutes),
            trend_minutes: minutes.max(1),
            ..ReportOptions::default()
        }
    }
}

/// The headline figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutiveSummary {
    /// Overall grade from call-weighted compliance (`None` without calls).
    pub grade: Option<Grade>,
    /// Overall compliance, 0.0..=1.0 (`None` without calls).
    pub compliance: Option<f64>,
    /// Worst status of any kind.
    pub status: HealthStatus,
    /// Health score 0-100 (`None` without data).
    pub score: Option<u8>,
    /// The score's band.
    pub score_band: Option<ScoreBand>,
    /// Operations with calls in the window.
    pub operations: usize,
    /// Calls in the window.
    pub calls: u64,
    /// Failed calls (errors and panics; see `OperationSnapshot::failed`).
    pub failures: u64,
    /// Cancelled calls: not failures, their own figure.
    #[serde(default)]
    pub cancelled: u64,
    /// Failed calls over calls.
    pub error_rate: f64,
    /// Mean duration over all calls.
    pub mean_ms: f64,
    /// p95 over all calls (from the merged histograms).
    pub p95_ms: f64,
    /// Alerts active now.
    pub active_alerts: usize,
}

/// An operation slower than its target or classified slow or critical.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlowOperation {
    /// Operation name.
    pub name: String,
    /// Operation kind.
    pub kind: Kind,
    /// Calls in the window.
    pub calls: u64,
    /// Mean duration.
    pub mean_ms: f64,
    /// p95 duration.
    pub p95_ms: f64,
    /// The kind's target.
    pub target_ms: f64,
    /// p95 over target (1.0 = exactly on target).
    pub p95_over_target: f64,
    /// The level of the p95.
    pub level: Level,
    /// Calls classified slow or critical.
    pub slow_calls: u64,
}

/// Alerts active now and those resolved recently.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AlertsSection {
    /// Alerts active now, most severe first.
    pub active: Vec<Alert>,
    /// Recently resolved alerts, newest first.
    pub recent: Vec<Alert>,
}

/// A full report. See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// When the report was built, in milliseconds since the Unix epoch.
    pub generated_at_unix_ms: u64,
    /// The window the figures cover.
    pub window: Window,
    /// The coarsest resolution the window was read at, in minutes: 1 within
    /// the retention, 10 when it reaches into the 10-minute buckets of the
    /// day of history (percentiles within 3.7 % there); `None` for every
    /// call since start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_minutes: Option<u32>,
    /// Headline figures.
    pub summary: ExecutiveSummary,
    /// Compliance and grades per kind, per cache and overall.
    pub compliance: ComplianceReport,
    /// Health per kind and overall, and the score.
    pub health: HealthReport,
    /// Every operation with calls in the window, by name.
    pub operations: Vec<OperationSummary>,
    /// Slow operations, worst first.
    pub slow_operations: Vec<SlowOperation>,
    /// Operations that degraded or improved, degraded first.
    pub trends: Vec<Trend>,
    /// Alerts.
    pub alerts: AlertsSection,
    /// How fast each objective's error budget burns (see
    /// [`objective`](crate::objective)).
    #[serde(default)]
    pub error_budgets: Vec<crate::objective::BudgetBurn>,
    /// What to fix first.
    pub recommendations: Vec<Recommendation>,
    /// Cache hit rates (all time).
    pub caches: Vec<CacheSnapshot>,
    /// Custom values over the window.
    pub values: Vec<ValueSummary>,
    /// The latest system sample, if a sampler runs.
    pub system: Option<SystemMetrics>,
    /// Alert events of this analysis (empty for a plain report).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<AlertEvent>,
    /// The snapshots behind the figures (not serialized; used by the
    /// Prometheus output).
    #[serde(skip)]
    pub snapshots: Vec<OperationSnapshot>,
}

impl Report {
    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

/// Builds the report of the current registry (the scope's, else the
/// global one: [`with_registry`](perfmon_core::with_registry); see [`Registry::report`](crate::RegistryExt::report)).
pub fn report(options: &ReportOptions) -> Report {
    perfmon_core::with_registry(|reg| reg.report(options))
}

/// Evaluates alerts on the current registry and the global engine now, over
/// the registry's analysis window (the last
/// [`Config::analysis_window_minutes`](crate::Config::analysis_window_minutes),
/// 5 by default: alerts judge the present, not every call since the start),
/// and returns the report, whose `window` says so (see
/// [`Registry::analyze_with`](crate::RegistryExt::analyze_with)).
pub fn analyze() -> Report {
    perfmon_core::with_registry(|reg| {
        let options = ReportOptions {
            window: reg.analysis_window(),
            ..ReportOptions::default()
        };
        reg.analyze_with(alerts(), &options, perfmon_core::clock::wall_now())
    })
}

/// Runs [`analyze()`] every `interval` on a tokio task (feature `tokio`;
/// call inside a runtime with the time driver), so alerts open, escalate and
/// resolve (and `on_alert` callbacks run) without anyone asking. Abort the
/// handle to stop. Intervals below 100 ms are refused.
///
/// ```
/// # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
/// # rt.block_on(async {
/// use std::time::Duration;
/// let task = perfmon_analysis::spawn_analyzer(Duration::from_secs(30)).unwrap();
/// task.abort();
/// assert!(perfmon_analysis::spawn_analyzer(Duration::ZERO).is_err());
/// # });
/// ```
#[cfg(feature = "tokio")]
pub fn spawn_analyzer(
    interval: Duration,
) -> Result<tokio::task::JoinHandle<()>, crate::system::IntervalTooShort> {
    crate::system::check(interval)?;
    Ok(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await; // the first tick is immediate: skip it
        loop {
            ticks.tick().await;
            // Reads snapshots and evaluates rules: milliseconds for
            // thousands of operations (BENCHMARKS.md), so in place. Nobody
            // reads the report: no per-operation table.
            perfmon_core::with_registry(|reg| {
                let options = ReportOptions {
                    window: reg.analysis_window(),
                    max_operations: 0,
                    ..ReportOptions::default()
                };
                let now = perfmon_core::clock::wall_now();
                drop(reg.analyze_with(alerts(), &options, now));
            });
        }
    }))
}

pub(crate) fn report_of(reg: &Registry, options: &ReportOptions) -> Report {
    build_report(
        reg,
        alerts(),
        options,
        perfmon_core::clock::wall_now(),
        false,
    )
}

pub(crate) fn analyze_with_of(
    reg: &Registry,
    engine: &AlertEngine,
    options: &ReportOptions,
    now: SystemTime,
) -> Report {
    build_report(reg, engine, options, now, true)
}

pub(crate) fn report_at_of(
    reg: &Registry,
    engine: &AlertEngine,
    options: &ReportOptions,
    now: SystemTime,
) -> Report {
    build_report(reg, engine, options, now, false)
}

pub(crate) fn build_report(
    reg: &Registry,
    engine: &AlertEngine,
    options: &ReportOptions,
    now: SystemTime,
    evaluate: bool,
) -> Report {
    let gathered = Inputs::gather(reg, options.window, options.trend_minutes, now);
    let input = gathered.input();
    let events = if evaluate {
        engine.evaluate(&input, now)
    } else {
        Vec::new()
    };
    let mut recommendations = recommend(&input);
    recommendations.truncate(options.top_n);
    let Inputs {
        ops,
        caches,
        trends,
        system,
        budgets,
        ..
    } = gathered;
    let compliance = crate::compliance::compliance_in(reg, &ops, &caches);
    let health = health_from(&ops, &compliance);
    let mut active = engine.active();
    active.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(&b.id)));
    let mut recent = engine.history();
    recent.reverse();
    recent.truncate(options.top_n);
    let summary = executive_summary(&ops, &compliance, &health, active.len());
    let mut slow = slow_operations(&ops, |k| reg.target(k).target);
    slow.truncate(options.top_n);
    let mut moving: Vec<Trend> = trends
        .into_iter()
        .filter(|t| {
            matches!(
                t.direction,
                TrendDirection::Degraded | TrendDirection::Improved
            )
        })
        .collect();
    moving.sort_by_key(|t| t.direction != TrendDirection::Degraded);
    moving.truncate(options.top_n);
    Report {
        generated_at_unix_ms: perfmon_core::units::unix_ms(now),
        window: options.window,
        resolution_minutes: reg.resolution_minutes(options.window),
        summary,
        compliance,
        health,
        operations: ops
            .iter()
            .take(options.max_operations)
            .map(OperationSnapshot::summary)
            .collect(),
        slow_operations: slow,
        trends: moving,
        alerts: AlertsSection { active, recent },
        error_budgets: budgets,
        recommendations,
        caches,
        values: reg.value_summaries_at(options.window, now),
        system,
        events,
        snapshots: ops,
    }
}

fn executive_summary(
    ops: &[OperationSnapshot],
    compliance: &ComplianceReport,
    health: &HealthReport,
    active_alerts: usize,
) -> ExecutiveSummary {
    let calls: u64 = ops.iter().map(|o| o.count).sum();
    let failures: u64 = ops.iter().map(OperationSnapshot::failed).sum();
    let cancelled: u64 = ops.iter().map(|o| o.cancelled).sum();
    let sum_ns: u128 = ops.iter().map(|o| o.sum_ns).fold(0, u128::saturating_add);
    let all = Histogram::sum_of(ops.iter().map(|o| &o.histogram));
    ExecutiveSummary {
        grade: compliance.overall.as_ref().map(|o| o.grade),
        compliance: compliance.overall.as_ref().map(|o| o.compliance),
        status: health.status,
        score: health.score.as_ref().map(|s| s.score),
        score_band: health.score.as_ref().map(|s| s.band),
        operations: ops.len(),
        calls,
        failures,
        cancelled,
        error_rate: if calls == 0 {
            0.0
        } else {
            failures as f64 / calls as f64
        },
        mean_ms: if calls == 0 {
            0.0
        } else {
            nanos_to_ms(sum_ns as f64 / calls as f64)
        },
        p95_ms: all.quantile(0.95).map_or(0.0, |ns| nanos_to_ms(ns as f64)),
        active_alerts,
    }
}

/// Operations whose p95 is over target or at the slow or critical level,
/// worst (p95 over target) first.
pub(crate) fn slow_operations(
    ops: &[OperationSnapshot],
    target: impl Fn(&Kind) -> Duration,
) -> Vec<SlowOperation> {
    let mut out: Vec<SlowOperation> = ops
        .iter()
        .filter_map(|o| {
            // The figures of `OperationSnapshot::summary` this table shows,
            // without its other quantiles and copies.
            let p95_ns = o.quantile_ns(0.95).unwrap_or(0);
            let p95_ms = nanos_to_ms(p95_ns as f64);
            let level = o.level_bounds.classify(Duration::from_nanos(p95_ns));
            let target_ms = duration_ms(target(&o.kind));
            let over = if target_ms > 0.0 {
                p95_ms / target_ms
            } else {
                0.0
            };
            (over > 1.0 || level >= Level::Slow).then(|| SlowOperation {
                name: o.name.clone(),
                kind: o.kind.clone(),
                calls: o.count,
                mean_ms: nanos_to_ms(o.mean_ns()),
                p95_ms,
                target_ms,
                p95_over_target: over,
                level,
                slow_calls: o.levels.slow + o.levels.critical,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.p95_over_target
            .total_cmp(&a.p95_over_target)
            .then(a.name.cmp(&b.name))
    });
    out
}
