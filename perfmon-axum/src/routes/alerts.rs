//! `GET /alerts`, `GET /recommendations` and `POST /analyze`.

use super::error::ApiQuery;
use super::params::{Hours, MinPriority, MinSeverity, MAX_TOP_N};
use super::Shared;
use axum::extract::State;
use axum::Json;
use perfmon_analysis::{
    Alert, AlertEvent, ExecutiveSummary, Recommendation, RegistryExt, ReportOptions, Severity,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Alerts listed at most in each of `active` and `history`.
const MAX_ALERTS: usize = 500;
/// History window of `/alerts` without `hours`.
const DEFAULT_HOURS: u32 = 24;

/// Query of `/alerts`.
#[derive(Debug, Deserialize)]
pub(crate) struct AlertsQuery {
    hours: Option<Hours>,
    severity: Option<MinSeverity>,
}

/// The body of `GET /alerts`.
#[derive(Debug, Serialize)]
pub(crate) struct AlertsBody {
    /// Resolved alerts are those resolved within this many hours.
    hours: u32,
    /// The least severity shown.
    min_severity: Severity,
    /// Active alerts at or above it, most severe first.
    active: Vec<Alert>,
    /// How many are listed in `active`.
    count: usize,
    /// Of those, how many per severity (every severity named, 0 included).
    by_severity: BTreeMap<Severity, usize>,
    /// Resolved ones, newest first.
    history: Vec<Alert>,
    /// How many are listed in `history`.
    history_count: usize,
}

/// How many of `items` have each severity, every severity named.
fn tally<T>(items: &[T], severity: impl Fn(&T) -> Severity) -> BTreeMap<Severity, usize> {
    let mut out: BTreeMap<Severity, usize> = Severity::ALL.iter().map(|s| (*s, 0)).collect();
    for item in items {
        *out.entry(severity(item)).or_default() += 1;
    }
    out
}

pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    ApiQuery(q): ApiQuery<AlertsQuery>,
) -> Json<AlertsBody> {
    let hours = q.hours.map_or(DEFAULT_HOURS, |h| h.0);
    let min_severity = q.severity.map_or(Severity::Low, |s| s.0);
    let since = perfmon_core::clock::wall_now()
        .checked_sub(Duration::from_secs(u64::from(hours) * 3600))
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let engine = &shared.alerts;
    let mut active: Vec<Alert> = engine
        .active()
        .into_iter()
        .filter(|a| a.severity >= min_severity)
        .collect();
    active.truncate(MAX_ALERTS);
    let history: Vec<Alert> = engine
        .history()
        .into_iter()
        .rev()
        .filter(|a| a.severity >= min_severity && a.resolved_at.unwrap_or(a.last_seen) >= since)
        .take(MAX_ALERTS)
        .collect();
    Json(AlertsBody {
        hours,
        min_severity,
        count: active.len(),
        by_severity: tally(&active, |a| a.severity),
        active,
        history_count: history.len(),
        history,
    })
}

/// Query of `/recommendations`.
#[derive(Debug, Deserialize)]
pub(crate) struct RecommendationsQuery {
    priority: Option<MinPriority>,
}

/// The body of `GET /recommendations`.
#[derive(Debug, Serialize)]
pub(crate) struct RecommendationsBody {
    /// What was judged: the registry's analysis window (what to fix now).
    window: perfmon_core::Window,
    /// The least priority shown.
    min_priority: Severity,
    /// Most urgent first.
    recommendations: Vec<Recommendation>,
    /// How many are listed.
    count: usize,
    /// Of those, how many per priority (every priority named, 0 included).
    by_priority: BTreeMap<Severity, usize>,
}

pub(crate) async fn recommendations(
    State(shared): State<Arc<Shared>>,
    ApiQuery(q): ApiQuery<RecommendationsQuery>,
) -> Json<RecommendationsBody> {
    let min_priority = q.priority.map_or(Severity::Low, |p| p.0);
    // Advice on what to fix now: the analysis window, as /summary and the
    // alerts judge it.
    let window = shared.registry.analysis_window();
    let recommendations = shared
        .registry
        .recommendations(
            window,
            ReportOptions::default().trend_minutes,
            perfmon_core::clock::wall_now(),
        )
        .into_iter()
        .filter(|r| r.priority >= min_priority)
        .take(MAX_TOP_N)
        .collect::<Vec<_>>();
    Json(RecommendationsBody {
        window,
        min_priority,
        count: recommendations.len(),
        by_priority: tally(&recommendations, |r| r.priority),
        recommendations,
    })
}

/// The body of `POST /analyze`.
#[derive(Debug, Serialize)]
pub(crate) struct AnalyzeBody {
    /// What was judged: the registry's analysis window.
    window: perfmon_core::Window,
    summary: ExecutiveSummary,
    /// Alerts this evaluation opened, escalated or resolved.
    events: Vec<AlertEvent>,
}

pub(crate) async fn analyze(State(shared): State<Arc<Shared>>) -> Json<AnalyzeBody> {
    // Alerts judge the present: the registry's analysis window.
    let options = ReportOptions {
        window: shared.registry.analysis_window(),
        ..ReportOptions::default()
    };
    let mut report =
        shared
            .registry
            .analyze_with(&shared.alerts, &options, perfmon_core::clock::wall_now());
    report.events.truncate(MAX_ALERTS);
    Json(AnalyzeBody {
        window: report.window,
        summary: report.summary,
        events: report.events,
    })
}
