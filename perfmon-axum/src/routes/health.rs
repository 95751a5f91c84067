//! `GET /health`: overall status and score for anyone; with credentials,
//! also health per kind and the active alerts.
//!
//! The answer without credentials is computed at most once per
//! [`PUBLIC_TTL`] and shared by every caller meanwhile, and names nothing
//! (no operation, route, kind or alert text): a load balancer or an uptime
//! checker needs the status, and strangers must not be able to make every
//! request snapshot every operation.

use super::Shared;
use axum::extract::State;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use perfmon_analysis::RegistryExt;
use perfmon_analysis::{Alert, ComponentHealth, HealthStatus, ScoreBand};
use perfmon_core::sync::lock;
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the answer without credentials is reused.
pub(crate) const PUBLIC_TTL: Duration = Duration::from_secs(1);

/// Active alerts listed at most (the count is always exact).
const MAX_ALERTS: usize = 100;

/// The body of `GET /health`. Always 200: the status is in the body, so a
/// `critical` service still answers (a load balancer wanting a failing
/// status code should read `status`).
#[derive(Debug, Serialize)]
pub(crate) struct HealthBody {
    /// What was judged: the registry's analysis window.
    window: perfmon_core::Window,
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

/// The body of `GET /health` without credentials: status and score only,
/// over the window it says.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct PublicHealth {
    /// What was judged: the registry's analysis window (the last 5 minutes
    /// by default).
    window: perfmon_core::Window,
    /// The worst status of the kinds (`healthy` without calls).
    status: HealthStatus,
    /// 0-100, `null` without calls.
    score: Option<u8>,
    /// The score's band.
    score_band: Option<ScoreBand>,
}

/// The last answer without credentials, and when it was computed.
#[derive(Debug, Default)]
pub(crate) struct PublicCache(Mutex<Option<(Instant, PublicHealth)>>);

pub(crate) async fn health(State(shared): State<Arc<Shared>>, parts: Parts) -> Response {
    if shared.gate.allows(&parts) {
        return axum::Json(full(&shared)).into_response();
    }
    // One computation per PUBLIC_TTL, whatever the request rate: callers
    // meanwhile wait on the lock and reuse it.
    let mut cache = lock(&shared.public_health.0);
    let now = Instant::now();
    let body = match *cache {
        Some((at, body)) if now.duration_since(at) < PUBLIC_TTL => body,
        _ => {
            let h = shared.registry.health();
            let body = PublicHealth {
                window: shared.registry.analysis_window(),
                status: h.status,
                score: h.score.as_ref().map(|s| s.score),
                score_band: h.score.as_ref().map(|s| s.band),
            };
            *cache = Some((now, body));
            body
        }
    };
    axum::Json(body).into_response()
}

fn full(shared: &Shared) -> HealthBody {
    let h = shared.registry.health();
    let mut active = shared.alerts.active();
    let active_alert_count = active.len();
    active.truncate(MAX_ALERTS);
    HealthBody {
        window: shared.registry.analysis_window(),
        status: h.status,
        score: h.score.as_ref().map(|s| s.score),
        score_band: h.score.as_ref().map(|s| s.band),
        calls: h.calls,
        error_rate: h.error_rate,
        components: h.components,
        active_alert_count,
        active_alerts: active,
    }
}
