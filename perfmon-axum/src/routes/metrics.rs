//! `GET /metrics`, `/summary`, `/report`, `/compliance` and `/trends`.

use super::error::{ApiError, ApiQuery};
use super::params::{
    check_minutes, window_of_hours, window_of_minutes, Hours, Minutes, ReportFormat,
};
use super::Shared;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use perfmon_analysis::group::{by_kind, KindGroup};
use perfmon_analysis::RegistryExt;
use perfmon_analysis::{
    Alert, AlertsSection, ComplianceReport, ExecutiveSummary, Grade, HealthReport, Recommendation,
    ReportOptions, SlowOperation, Trend,
};

/// Rows of each list in `GET /report?format=dashboard`.
const DASHBOARD_ROWS: usize = 20;
use perfmon_core::units::nanos_to_ms;
use perfmon_core::{Kind, LevelCounts, Registry, Window};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Query of `/metrics`: `minutes` (default: every call).
#[derive(Debug, Deserialize)]
pub(crate) struct MinutesQuery {
    pub(crate) minutes: Option<Minutes>,
}

/// Query of `/summary`: `hours` (default: every call).
#[derive(Debug, Deserialize)]
pub(crate) struct HoursQuery {
    hours: Option<Hours>,
}

/// Query of `/report`: `hours` (default: every call) and `format`.
#[derive(Debug, Deserialize)]
pub(crate) struct ReportQuery {
    hours: Option<Hours>,
    format: Option<ReportFormat>,
}

/// Calls of one kind over the window.
#[derive(Debug, Serialize)]
pub(crate) struct KindStats {
    kind: Kind,
    operations: usize,
    calls: u64,
    /// Failed calls (errors and panics).
    errors: u64,
    /// Cancelled calls (not failures).
    cancelled: u64,
    mean_ms: f64,
    p50_ms: f64,
    p95_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    levels: LevelCounts,
}

impl KindStats {
    fn of(g: &KindGroup<'_>) -> KindStats {
        // Bucket values can overshoot the largest call: clamp, as summaries do.
        let max = g.max_ns;
        let h = g.histogram();
        let ms = |ns: Option<u64>| ns.map_or(0.0, |ns| nanos_to_ms(ns.min(max) as f64));
        KindStats {
            kind: g.kind.clone(),
            operations: g.operations.len(),
            calls: g.calls,
            errors: g.failed,
            cancelled: g.cancelled,
            mean_ms: nanos_to_ms(g.mean_ns()),
            p50_ms: ms(h.quantile(0.5)),
            p95_ms: ms(h.quantile(0.95)),
            p99_ms: ms(h.quantile(0.99)),
            max_ms: nanos_to_ms(g.max_ns as f64),
            levels: g.levels,
        }
    }
}

/// The body of `GET /metrics`.
#[derive(Debug, Serialize)]
pub(crate) struct MetricsBody {
    window: Window,
    /// The coarsest resolution read, in minutes (absent for all time).
    #[serde(skip_serializing_if = "Option::is_none")]
    resolution_minutes: Option<u32>,
    /// Overall grade (`null` without calls).
    grade: Option<Grade>,
    /// Overall share of calls within target (`null` without calls).
    overall_compliance: Option<f64>,
    operations: usize,
    calls: u64,
    kinds: Vec<KindStats>,
    compliance: ComplianceReport,
}

pub(crate) async fn metrics(
    State(shared): State<Arc<Shared>>,
    ApiQuery(q): ApiQuery<MinutesQuery>,
) -> Result<Json<MetricsBody>, ApiError> {
    let reg = &shared.registry;
    let window = window_of_minutes(q.minutes, reg.reach_minutes())?;
    let ops = reg.snapshots_in(window);
    let caches = reg.cache_snapshots();
    let compliance =
        perfmon_analysis::compliance(&ops, &caches, |k| reg.target(k), reg.cache_target());
    let kinds = by_kind(&ops).iter().map(KindStats::of).collect();
    Ok(Json(MetricsBody {
        window,
        resolution_minutes: reg.resolution_minutes(window),
        grade: compliance.overall.as_ref().map(|o| o.grade),
        overall_compliance: compliance.overall.as_ref().map(|o| o.compliance),
        operations: ops.iter().filter(|o| o.count > 0).count(),
        calls: ops.iter().map(|o| o.count).sum(),
        kinds,
        compliance,
    }))
}

/// The body of `GET /summary`.
#[derive(Debug, Serialize)]
pub(crate) struct SummaryBody {
    generated_at_unix_ms: u64,
    window: Window,
    #[serde(skip_serializing_if = "Option::is_none")]
    resolution_minutes: Option<u32>,
    summary: ExecutiveSummary,
    compliance: ComplianceReport,
    health: HealthReport,
}

pub(crate) async fn summary(
    State(shared): State<Arc<Shared>>,
    ApiQuery(q): ApiQuery<HoursQuery>,
) -> Json<SummaryBody> {
    let r = shared.report(&live_options(&shared.registry, q.hours));
    Json(SummaryBody {
        generated_at_unix_ms: r.generated_at_unix_ms,
        window: r.window,
        resolution_minutes: r.resolution_minutes,
        summary: r.summary,
        compliance: r.compliance,
        health: r.health,
    })
}

/// `GET /report?format=summary`: the report without per-operation tables.
#[derive(Debug, Serialize)]
pub(crate) struct TrimmedReport {
    generated_at_unix_ms: u64,
    window: Window,
    summary: ExecutiveSummary,
    slow_operations: Vec<SlowOperation>,
    active_alerts: Vec<Alert>,
    recommendations: Vec<Recommendation>,
}

/// `GET /report?format=dashboard`: what the dashboard page renders, and no
/// more (its size does not grow with the number of operations), over the
/// registry's analysis window unless `hours` is given.
#[derive(Debug, Serialize)]
pub(crate) struct DashboardReport {
    generated_at_unix_ms: u64,
    window: Window,
    summary: ExecutiveSummary,
    compliance: ComplianceReport,
    alerts: AlertsSection,
    slow_operations: Vec<SlowOperation>,
    recommendations: Vec<Recommendation>,
}

/// `GET /report`: the [`perfmon_analysis::Report`] as is (`format=full`, the
/// default), a [`TrimmedReport`], or a [`DashboardReport`].
pub(crate) async fn report(
    State(shared): State<Arc<Shared>>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Response {
    let format = q.format.unwrap_or_default();
    let mut options = options(&shared.registry, q.hours);
    if format == ReportFormat::Dashboard {
        // Rows the page shows at most; no per-operation summaries.
        options.top_n = DASHBOARD_ROWS;
        options.max_operations = 0;
        // The live view judges the present unless `hours` asks otherwise.
        options.window = live_options(&shared.registry, q.hours).window;
    }
    let r = shared.report(&options);
    match format {
        ReportFormat::Full => Json(r).into_response(),
        ReportFormat::Dashboard => {
            let mut alerts = r.alerts;
            alerts.active.truncate(DASHBOARD_ROWS);
            Json(DashboardReport {
                generated_at_unix_ms: r.generated_at_unix_ms,
                window: r.window,
                summary: r.summary,
                compliance: r.compliance,
                alerts,
                slow_operations: r.slow_operations,
                recommendations: r.recommendations,
            })
            .into_response()
        }
        ReportFormat::Summary => Json(TrimmedReport {
            generated_at_unix_ms: r.generated_at_unix_ms,
            window: r.window,
            summary: r.summary,
            slow_operations: r.slow_operations,
            active_alerts: r.alerts.active,
            recommendations: r.recommendations,
        })
        .into_response(),
    }
}

/// Options of a live view: the registry's analysis window, unless `hours`
/// asks for another span.
fn live_options(reg: &Registry, hours: Option<Hours>) -> ReportOptions {
    match hours {
        None => ReportOptions {
            window: reg.analysis_window(),
            ..ReportOptions::default()
        },
        Some(_) => options(reg, hours),
    }
}

/// Options of an accounting view: every call since start, unless `hours`
/// asks for the last hours.
fn options(reg: &Registry, hours: Option<Hours>) -> ReportOptions {
    match window_of_hours(hours, reg.reach_minutes()) {
        Window::LastMinutes(m) => ReportOptions::last_minutes(m),
        Window::All => ReportOptions::default(),
    }
}

/// A kind's target, in milliseconds.
#[derive(Debug, Serialize)]
pub(crate) struct TargetBody {
    kind: Kind,
    target_ms: f64,
    warning_ms: f64,
    critical_ms: f64,
}

/// The body of `GET /compliance`.
#[derive(Debug, Serialize)]
pub(crate) struct ComplianceBody {
    /// Per kind and cache with grades, and overall.
    compliance: ComplianceReport,
    /// The targets of the kinds seen or configured.
    targets: Vec<TargetBody>,
    /// The cache hit-rate target.
    cache_target: f64,
}

pub(crate) async fn compliance(State(shared): State<Arc<Shared>>) -> Json<ComplianceBody> {
    let reg = &shared.registry;
    let compliance = reg.compliance();
    let mut kinds: Vec<Kind> = compliance.kinds.iter().map(|k| k.kind.clone()).collect();
    kinds.extend(reg.configured_targets().into_keys());
    kinds.sort();
    kinds.dedup();
    let ms = perfmon_core::units::duration_ms;
    let targets = kinds
        .into_iter()
        .map(|kind| {
            let t = reg.target(&kind);
            TargetBody {
                kind,
                target_ms: ms(t.target),
                warning_ms: ms(t.warning),
                critical_ms: ms(t.critical),
            }
        })
        .collect();
    Json(ComplianceBody {
        compliance,
        targets,
        cache_target: reg.cache_target().target,
    })
}

/// The body of `GET /trends`.
#[derive(Debug, Serialize)]
pub(crate) struct TrendsBody {
    /// Length of each compared window.
    minutes: u32,
    trends: Vec<Trend>,
}

/// Trends listed at most.
const MAX_TRENDS: usize = 1000;

/// `GET /trends?minutes=N`: the last N minutes (default 5, at most half the
/// retention) against the N before.
pub(crate) async fn trends(
    State(shared): State<Arc<Shared>>,
    ApiQuery(q): ApiQuery<MinutesQuery>,
) -> Result<Json<TrendsBody>, ApiError> {
    let reg = &shared.registry;
    let retention = reg.retention_minutes();
    let half = (retention / 2).max(1);
    let minutes = match q.minutes {
        Some(m) => check_minutes(&m, retention)?.min(half),
        None => 5.min(half),
    };
    let mut trends = reg.trends(minutes, perfmon_core::clock::wall_now());
    trends.truncate(MAX_TRENDS);
    Ok(Json(TrendsBody { minutes, trends }))
}
