//! `GET /health`: overall status, score, health per kind and active alerts.

use super::Shared;
use axum::extract::State;
use perfmon_analysis::RegistryExt;
use perfmon_analysis::{Alert, ComponentHealth, HealthStatus, ScoreBand};
use serde::Serialize;
use std::sync::Arc;

/// Active alerts listed at most (the count is always exact).
const MAX_ALERTS: usize = 100;

/// The body of `GET /health`. Always 200: the status is in the body, so a
/// `critical` service still answers (a load balancer wanting a failing
/// status code should read `status`).
#[derive(Debug, Serialize)]
pub(crate) struct HealthBody {
    /// The worst status of the kinds (`healthy` without calls).
    status: HealthStatus,
    /// 0-100, `null` without calls.
    score: Option<u8>,
    /// The score's band.
    score_band: Option<ScoreBand>,
    /// Calls counted.
    calls: u64,
    /// Errors and panics over calls.
    error_rate: f64,
    /// One entry per kind with calls.
    components: Vec<ComponentHealth>,
    /// Number of active alerts.
    active_alert_count: usize,
    /// The most severe active alerts (at most 100).
    active_alerts: Vec<Alert>,
}

pub(crate) async fn health(State(shared): State<Arc<Shared>>) -> axum::Json<HealthBody> {
    let h = shared.registry.health();
    let mut active = shared.alerts.active();
    let active_alert_count = active.len();
    active.truncate(MAX_ALERTS);
    axum::Json(HealthBody {
        status: h.status,
        score: h.score.as_ref().map(|s| s.score),
        score_band: h.score.as_ref().map(|s| s.band),
        calls: h.calls,
        error_rate: h.error_rate,
        components: h.components,
        active_alert_count,
        active_alerts: active,
    })
}
