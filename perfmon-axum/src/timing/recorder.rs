//! [`Recorder`]: one request's measurements, recorded exactly once, when it
//! is dropped (by the body at its end, or by whatever drops it early).

use super::layer::UNSERVED_METHOD;
use super::route::{Route, Thresholds};
use super::sink::Sink;
use axum::extract::MatchedPath;
use perfmon_core::clock::{nanos_between, now_raw};
use perfmon_core::request::RequestContext;
use perfmon_core::units::nanos_to_ms;
use perfmon_core::Outcome;

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

/// What few requests need: a route not made yet, principals.
#[derive(Default)]
pub(crate) struct Rare {
    /// Set when the route did not exist when the request started: it is
    /// made when the request is recorded, so a monitoring response
    /// (disarmed) never makes one.
    pub(crate) pending: Option<PendingRoute>,
    pub(crate) user: Option<String>,
    pub(crate) tenant: Option<String>,
}

/// What it takes to make a route that did not exist yet.
pub(crate) struct PendingRoute {
    pub(crate) method: &'static str,
    pub(crate) thresholds: Thresholds,
    pub(crate) sink: &'static Sink,
    /// `None`: the request matched no route.
    pub(crate) template: Option<MatchedPath>,
}

/// One request in progress. Kept small (64 bytes; it travels by value in
/// the response future and then the body): the route, the start, the
/// request scope; the rest is boxed when there is any. Where it records
/// (the [`Sink`]) is the route's, or the pending route's.
pub(crate) struct Recorder {
    /// `None`: see [`Rare::pending`].
    route: Option<&'static Route>,
    rare: Option<Box<Rare>>,
    start: u64,
    /// Request scope: entered around every poll of the inner future and of
    /// the response body.
    pub(crate) context: RequestContext,
    /// Requests in flight when this one started (itself included).
    level: i64,
    pub(crate) stage: Stage,
    /// Recording is off (a monitoring response).
    disarmed: bool,
}

// The size the docs above and in `timing/mod.rs` and `service.rs` quote.
const _: () = assert!(std::mem::size_of::<Recorder>() <= 64);

impl Recorder {
    /// Starts timing a request and counts it in flight (in `sink`'s HTTP
    /// statistics) until dropped. `route` is `None` only if `rare` holds a
    /// pending route; `sink` is the route's (or the pending route's).
    pub(crate) fn start(
        route: Option<&'static Route>,
        rare: Option<Box<Rare>>,
        sink: &'static Sink,
    ) -> Self {
        Recorder {
            start: now_raw(),
            level: sink.http.enter(),
            route,
            rare,
            stage: Stage::Waiting,
            context: RequestContext::new(),
            disarmed: false,
        }
    }

    /// Leaves this request out of every statistic (the in-flight gauge still
    /// goes down on drop).
    pub(crate) fn disarm(&mut self) {
        self.disarmed = true;
    }

    /// Where this request records: its route's sink, or its pending
    /// route's (`start` is always given one or the other).
    fn sink(&self) -> &'static Sink {
        match (self.route, &self.rare) {
            (Some(route), _) => route.sink,
            (None, Some(rare)) => rare
                .pending
                .as_ref()
                .map_or_else(Sink::default_sink, |p| p.sink),
            (None, None) => Sink::default_sink(),
        }
    }

    fn record(&self) {
        let end = now_raw();
        let ns = nanos_between(self.start, end);
        let pending = self.rare.as_ref().and_then(|r| r.pending.as_ref());
        let mut text = StatusText::default();
        let (status, outcome, message): (u16, Outcome, Option<&str>) = match self.stage {
            Stage::Waiting => (0, Outcome::Cancelled, None),
            Stage::Responded(s) if s >= 500 => (s, Outcome::Error, Some(text.http(s))),
            Stage::Responded(s) => (s, Outcome::Ok, None),
            Stage::ServiceError => (500, Outcome::Error, Some("service error")),
            Stage::BodyError(s) => (s, Outcome::Error, Some("response body error")),
            Stage::Panicked => (500, Outcome::Panicked, Some("handler panicked")),
        };
        let unserved = matches!(status, 405 | 501);
        let route = match (self.route, pending) {
            (Some(route), _) if unserved => route.unserved(),
            (Some(route), _) => route,
            // A method the route does not serve never gets a route of its own.
            (None, Some(p)) if unserved => {
                Route::get_or_make(UNSERVED_METHOD, p.template.as_ref(), p.thresholds, p.sink)
            }
            (None, Some(p)) => {
                Route::get_or_make(p.method, p.template.as_ref(), p.thresholds, p.sink)
            }
            (None, None) => return, // not built: `start` gets one or the other
        };
        route
            .operation
            .record_outcome_ending(ns, end, outcome, message);
        let ctx = &self.context;
        let queries = ctx.queries();
        let query_ns = u64::try_from(ctx.query_time().as_nanos()).unwrap_or(u64::MAX);
        route.counters.record(status, queries, query_ns);
        if queries > 1 {
            ctx.report_to(&route.sink.registry, &route.name);
        }
        route.sink.http.record_concurrency(self.level, ns);
        if let Some(rare) = &self.rare {
            record_principals(route.sink, rare);
        }
        let t = route.thresholds;
        if ns >= t.warn_ns || ns >= t.error_ns {
            log_slow(route, status, ns, ns >= t.error_ns);
        }
    }
}

#[cold]
fn record_principals(sink: &Sink, p: &Rare) {
    let stats = &sink.http;
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
    let latency_ms = nanos_to_ms(ns as f64);
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
        /// The gauge goes down after everything else is recorded, and even
        /// if recording panics.
        struct Leave(&'static Sink);
        impl Drop for Leave {
            fn drop(&mut self) {
                self.0.http.leave();
            }
        }
        let _leave = Leave(self.sink());
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
