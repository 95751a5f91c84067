//! [`Recorder`]: one request's measurements, recorded exactly once, when it
//! is dropped (by the body at its end, or by whatever drops it early).

use super::layer::{Route, Shared, UNMATCHED_ROUTE};
use crate::stats::{http_stats, InFlight};
use axum::extract::MatchedPath;
use perfmon_runtime::clock::{nanos_between, now_raw};
use perfmon_runtime::request::RequestContext;
use perfmon_runtime::{registry, Outcome};
use std::sync::Arc;

/// How the request ended, as far as the recorder knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// No response yet: dropped now, the request was cancelled.
    Waiting,
    /// The inner service returned this status.
    Responded(u16),
    /// The inner service returned an error (no response).
    ServiceError,
    /// The response body returned an error after this status.
    BodyError(u16),
    /// The inner service panicked.
    Panicked,
}

/// The route a request is recorded under.
pub(crate) enum RouteRef {
    /// Known when the request started (the usual case).
    Known(Arc<Route>),
    /// Not made yet: made when the request is recorded, so a monitoring
    /// response (disarmed) never makes one.
    Pending(Box<PendingRoute>),
}

/// What it takes to make a route that did not exist yet.
pub(crate) struct PendingRoute {
    pub(crate) shared: Arc<Shared>,
    pub(crate) method: &'static str,
    /// `None`: the request matched no route.
    pub(crate) template: Option<MatchedPath>,
}

/// The principals of a request, when the layer has extractors.
pub(crate) struct Principals {
    pub(crate) user: Option<String>,
    pub(crate) tenant: Option<String>,
}

/// One request in progress. Kept small (it travels inside the response
/// future and then the body): the route, the start, the request scope.
pub(crate) struct Recorder {
    route: RouteRef,
    start: u64,
    /// Request scope: entered around every poll of the inner future and of
    /// the response body.
    pub(crate) context: RequestContext,
    principals: Option<Box<Principals>>,
    pub(crate) stage: Stage,
    /// Recording is off (a monitoring response).
    disarmed: bool,
    // Last field: the gauge goes down after everything else is recorded.
    in_flight: InFlight<'static>,
}

impl Recorder {
    pub(crate) fn start(route: RouteRef, principals: Option<Box<Principals>>) -> Self {
        Recorder {
            start: now_raw(),
            in_flight: http_stats().start(),
            route,
            stage: Stage::Waiting,
            context: RequestContext::new(),
            principals,
            disarmed: false,
        }
    }

    /// Leaves this request out of every statistic (the in-flight gauge still
    /// goes down on drop).
    pub(crate) fn disarm(&mut self) {
        self.disarmed = true;
    }

    fn record(&self) {
        let end = now_raw();
        let ns = nanos_between(self.start, end);
        let made;
        let route = match &self.route {
            RouteRef::Known(route) => route,
            RouteRef::Pending(p) => {
                let template = p
                    .template
                    .as_ref()
                    .map_or(UNMATCHED_ROUTE, MatchedPath::as_str);
                made = p.shared.route(p.method, template);
                &made
            }
        };
        let mut text = StatusText::default();
        let (status, outcome, message): (u16, Outcome, Option<&str>) = match self.stage {
            Stage::Waiting => (0, Outcome::Cancelled, None),
            Stage::Responded(s) if s >= 500 => (s, Outcome::Error, Some(text.http(s))),
            Stage::Responded(s) => (s, Outcome::Ok, None),
            Stage::ServiceError => (500, Outcome::Error, Some("service error")),
            Stage::BodyError(s) => (s, Outcome::Error, Some("response body error")),
            Stage::Panicked => (500, Outcome::Panicked, Some("handler panicked")),
        };
        route
            .operation
            .record_outcome_ending(ns, end, outcome, message);
        let ctx = &self.context;
        let queries = ctx.queries();
        let query_ns = u64::try_from(ctx.query_time().as_nanos()).unwrap_or(u64::MAX);
        route.counters.record(status, queries, query_ns);
        if queries > 1 {
            ctx.report_to(registry(), &route.name);
        }
        let stats = http_stats();
        stats.record_concurrency(self.in_flight.level, ns);
        if let Some(p) = &self.principals {
            record_principals(p);
        }
        if ns >= route.warn_ns || ns >= route.error_ns {
            log_slow(route, status, ns, ns >= route.error_ns);
        }
    }
}

#[cold]
fn record_principals(p: &Principals) {
    let stats = http_stats();
    if let Some(user) = &p.user {
        stats.record_user(user);
    }
    if let Some(tenant) = &p.tenant {
        stats.record_tenant(tenant);
    }
}

#[cold]
fn log_slow(route: &Route, status: u16, ns: u64, error: bool) {
    let (method, template) = (route.method(), route.template());
    let latency_ms = ns as f64 / 1e6;
    if error {
        tracing::error!(
            target: "perfmon::axum",
            method, route = template, status, latency_ms,
            "very slow request"
        );
    } else {
        tracing::warn!(
            target: "perfmon::axum",
            method, route = template, status, latency_ms,
            "slow request"
        );
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        if !self.disarmed {
            self.record();
        }
    }
}

/// `"HTTP 503"` without allocating.
#[derive(Default)]
struct StatusText([u8; 8]);

impl StatusText {
    fn http(&mut self, status: u16) -> &str {
        // Status codes are three digits (http::StatusCode: 100..=999).
        let s = status.min(999);
        self.0 = [
            b'H',
            b'T',
            b'T',
            b'P',
            b' ',
            b'0' + (s / 100) as u8,
            b'0' + (s / 10 % 10) as u8,
            b'0' + (s % 10) as u8,
        ];
        std::str::from_utf8(&self.0).unwrap_or("HTTP 5xx")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_text_is_http_and_three_digits() {
        let mut t = StatusText::default();
        assert_eq!(t.http(503), "HTTP 503");
        assert_eq!(t.http(100), "HTTP 100");
    }
}
