//! The request layer: [`PerfmonLayer`] times every request into the perfmon
//! registry and [`http_stats()`](crate::http_stats).
//!
//! # What is recorded
//!
//! Per request, under its route: the template from axum's
//! [`MatchedPath`](axum::extract::MatchedPath) (never the raw path, so
//! `/parts/7` and `/parts/8` are both `/parts/{id}`); requests that matched
//! no route share one bucket, [`UNMATCHED_ROUTE`]; non-standard methods
//! share [`OTHER_METHOD`]. Each route is a perfmon operation named
//! `"GET /parts/{id}"` of kind `api_response`, plus its
//! [`RouteCounters`](crate::stats::RouteCounters).
//!
//! The request is recorded once, when its response body ends:
//!
//! | how it ended | operation outcome | route counters status |
//! |---|---|---|
//! | body returned its end, or was dropped (also mid-stream) | `Ok`, or `Error` (`"HTTP 503"`) for a 5xx | the status (4xx count as client errors, not operation errors) |
//! | body returned an error | `Error` (`"response body error"`) | the status |
//! | inner service returned an error | `Error` (`"service error"`) | 500 |
//! | inner service panicked (the panic propagates) | `Panicked` | 500 |
//! | future dropped before a response (client gone, timeout) | `Cancelled` | none (counted as a request only) |
//!
//! Latency runs from the call of the service until that moment, so it
//! includes streaming the body; a body dropped early counts the time until
//! the drop. With it: the in-flight gauge (up when the request starts, down
//! when it is recorded, also on panic), the latency by the concurrency
//! level the request started at, the database queries made inside the
//! request scope (count and time into the route counters; repeated ones
//! reported to the registry as N+1 patterns of the endpoint
//! `"GET /parts/{id}"`), the user and tenant if extractors are configured,
//! and a `tracing` event (target `perfmon::axum`) for slow requests.
//!
//! Left out: paths under [`PerfmonLayer::exclude_path`] (not timed at all),
//! and responses carrying [`MonitoringResponse`](crate::MonitoringResponse)
//! (timed, then dropped; they do show in the in-flight gauge while in
//! flight).
//!
//! # Request scope
//!
//! A [`RequestContext`](perfmon_core::request::RequestContext) is entered
//! around the inner service's `call`, every poll of its future and every
//! poll of the response body, on whatever thread polls them. Work spawned
//! onto other tasks is not in the scope.
//!
//! # Cost per request
//!
//! With a known route and no extractors, nothing is allocated and no
//! reference count moves: one prefix check per excluded path, the route
//! found in a small per-thread cache (compared by address; a read-locked
//! map lookup on a miss), two clock reads, the in-flight gauge (one atomic
//! add, one more when recorded, a load for the peak), one operation record
//! (a few relaxed atomics), one or two relaxed adds on the route counters,
//! one histogram record for the concurrency level, and one extension
//! lookup on the response. The request's measurements (64 bytes) travel by
//! value in the response future and then the body.
//!
//! Routes are made once per process for each (method bucket, template,
//! slow-request thresholds) and never freed, like the registry operations
//! they record into; the first request of a route builds its name and
//! consults the registry (when it is recorded, so monitoring responses
//! leave no empty operation behind). User and tenant extractors cost what
//! they do, plus one box, one `String` each and a map lookup to count it; a
//! request with two or more queries takes the request context's lock to
//! report its repeats.
//!
//! axum itself adds to every layer given to `Router::layer`: one more boxed
//! future and a clone of the inner route per request, and (for any layer
//! that wraps the response body, as this one must to time until the body
//! ends) one more boxed body.
//!
//! # Where to apply it
//!
//! With `Router::layer` (routes and fallback: unmatched requests land in
//! [`UNMATCHED_ROUTE`]) or `Router::route_layer` (matched routes only). The
//! layer wraps each route separately; every wrapped service shares one
//! route cache. Wrapped around a whole `Router` from outside (e.g.
//! `PerfmonLayer::new().layer(router)` or a `ServiceBuilder` in front of it),
//! it runs before routing, sees no `MatchedPath`, and records every request
//! as unmatched.

mod body;
mod future;
mod layer;
mod recorder;
mod route;
mod service;
mod sink;

pub use body::PerfmonBody;
pub use future::ResponseFuture;
pub use layer::{
    PerfmonLayer, DEFAULT_SLOW_REQUEST_ERROR, DEFAULT_SLOW_REQUEST_WARN, OTHER_METHOD,
    OTHER_ROUTES, UNMATCHED_ROUTE, UNSERVED_METHOD,
};
pub use service::PerfmonService;
