//! `GET /operations`, `/operations/{name}`, `/slow-operations`,
//! `/endpoints` and `/database`.

use super::error::{ApiError, ApiQuery, PathName};
use super::params::{window_of_minutes, TopN, MAX_TOP_N};
use super::Shared;
use crate::stats::{ConcurrencyBucket, RouteSnapshot};
use axum::extract::State;
use axum::Json;
use perfmon_analysis::RegistryExt;
use perfmon_analysis::{RequestPattern, SlowOperation};
use perfmon_core::{Kind, MinutePoint, OperationSummary, Window};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Minutes of per-minute points in `/operations/{name}` and `/endpoints`.
const SERIES_MINUTES: u32 = 60;
/// Routes listed by `/endpoints` without `top_n`.
const DEFAULT_TOP_N: usize = 50;

/// The body of `GET /operations`.
#[derive(Debug, Serialize)]
pub(crate) struct OperationsBody {
    /// Operations recorded.
    count: usize,
    /// Whether `operations` was cut to the first 1000 (by name).
    truncated: bool,
    operations: Vec<OperationSummary>,
}

pub(crate) async fn list(State(shared): State<Arc<Shared>>) -> Json<OperationsBody> {
    let mut operations = shared.registry.summaries();
    let count = operations.len();
    operations.truncate(MAX_TOP_N);
    Json(OperationsBody {
        count,
        truncated: count > MAX_TOP_N,
        operations,
    })
}

/// The body of `GET /operations/{name}`.
#[derive(Debug, Serialize)]
pub(crate) struct OperationBody {
    operation: OperationSummary,
    /// One point per minute, the last 60 minutes.
    series: Vec<MinutePoint>,
}

pub(crate) async fn one(
    State(shared): State<Arc<Shared>>,
    PathName(name): PathName,
) -> Result<Json<OperationBody>, ApiError> {
    let reg = &shared.registry;
    let operation = reg
        .summary(&name)
        .ok_or_else(|| ApiError::not_found(format!("no operation named {name:?}")))?;
    let series = reg
        .time_series(&name, SERIES_MINUTES, perfmon_core::clock::wall_now())
        .unwrap_or_default();
    Ok(Json(OperationBody { operation, series }))
}

/// The body of `GET /slow-operations`.
#[derive(Debug, Serialize)]
pub(crate) struct SlowBody {
    /// Operations whose p95 is over their kind's target or whose level is
    /// slow or critical, worst first (at most 1000).
    operations: Vec<SlowOperation>,
}

pub(crate) async fn slow(State(shared): State<Arc<Shared>>) -> Json<SlowBody> {
    Json(SlowBody {
        operations: slow_operations(&shared, Window::All),
    })
}

fn slow_operations(shared: &Shared, window: Window) -> Vec<SlowOperation> {
    let mut slow = shared
        .registry
        .slow_operations(window, perfmon_core::clock::wall_now());
    slow.truncate(MAX_TOP_N);
    slow
}

/// Query of `/endpoints`.
#[derive(Debug, Deserialize)]
pub(crate) struct TopNQuery {
    top_n: Option<TopN>,
}

/// One route of `/endpoints`: its counters, latency and recent minutes.
#[derive(Debug, Serialize)]
pub(crate) struct EndpointRow {
    #[serde(flatten)]
    route: RouteSnapshot,
    p50_ms: f64,
    p95_ms: f64,
    mean_ms: f64,
    /// One point per minute, the last 60 minutes.
    series: Vec<MinutePoint>,
}

/// The body of `GET /endpoints`.
#[derive(Debug, Serialize)]
pub(crate) struct EndpointsBody {
    /// Requests to the monitoring routes refused for missing or wrong
    /// credentials (401), since the router was built.
    auth_failures: u64,
    in_flight: i64,
    peak_in_flight: i64,
    concurrency: Vec<ConcurrencyBucket>,
    /// Most requested first, at most `top_n` (default 50, at most 1000).
    routes: Vec<EndpointRow>,
}

pub(crate) async fn endpoints(
    State(shared): State<Arc<Shared>>,
    ApiQuery(q): ApiQuery<TopNQuery>,
) -> Json<EndpointsBody> {
    let snapshot = shared.http.snapshot();
    let mut routes = snapshot.routes;
    routes.sort_by(|a, b| {
        b.requests
            .cmp(&a.requests)
            .then_with(|| a.operation.cmp(&b.operation))
    });
    routes.truncate(q.top_n.map_or(DEFAULT_TOP_N, |t| t.0));
    let reg = &shared.registry;
    let now = perfmon_core::clock::wall_now();
    let routes = routes
        .into_iter()
        .map(|route| {
            let s = reg.summary(&route.operation);
            let series = reg
                .time_series(&route.operation, SERIES_MINUTES, now)
                .unwrap_or_default();
            EndpointRow {
                p50_ms: s.as_ref().map_or(0.0, |s| s.p50_ms),
                p95_ms: s.as_ref().map_or(0.0, |s| s.p95_ms),
                mean_ms: s.as_ref().map_or(0.0, |s| s.mean_ms),
                route,
                series,
            }
        })
        .collect();
    Json(EndpointsBody {
        auth_failures: shared.gate.refused(),
        in_flight: snapshot.in_flight,
        peak_in_flight: snapshot.peak_in_flight,
        concurrency: snapshot.concurrency,
        routes,
    })
}

/// The body of `GET /database`.
#[derive(Debug, Serialize)]
pub(crate) struct DatabaseBody {
    window: Window,
    /// Every `database_query` operation with calls in the window (at most 1000).
    queries: Vec<OperationSummary>,
    /// Those over target or slow, worst first.
    slow_queries: Vec<SlowOperation>,
    /// Calls in one request at or above which a repeated query is an N+1.
    n_plus_one_threshold: u64,
    /// Repeated database calls within one request at or above the threshold.
    n_plus_one: Vec<RequestPattern>,
}

pub(crate) async fn database(
    State(shared): State<Arc<Shared>>,
    ApiQuery(q): ApiQuery<super::metrics::MinutesQuery>,
) -> Result<Json<DatabaseBody>, ApiError> {
    let reg = &shared.registry;
    let window = window_of_minutes(q.minutes, reg.reach_minutes())?;
    let mut queries: Vec<OperationSummary> = reg
        .snapshots_in(window)
        .iter()
        .filter(|o| o.kind == Kind::DatabaseQuery && o.count > 0)
        .map(|o| o.summary())
        .collect();
    queries.truncate(MAX_TOP_N);
    let slow_queries = slow_operations(&shared, window)
        .into_iter()
        .filter(|s| s.kind == Kind::DatabaseQuery)
        .collect();
    let n_plus_one_threshold = reg.config().alerts.n_plus_one_calls;
    let mut n_plus_one: Vec<RequestPattern> = reg
        .request_patterns_at(window, perfmon_core::clock::wall_now())
        .into_iter()
        .filter(|p| p.kind == Kind::DatabaseQuery && p.calls_in_one_request >= n_plus_one_threshold)
        .collect();
    n_plus_one.sort_by_key(|p| std::cmp::Reverse(p.calls_in_one_request));
    n_plus_one.truncate(MAX_TOP_N);
    Ok(Json(DatabaseBody {
        window,
        queries,
        slow_queries,
        n_plus_one_threshold,
        n_plus_one,
    }))
}
