//! The monitoring router: JSON endpoints over a registry, an alert engine
//! and the layer's HTTP statistics (the process-wide ones unless
//! [`RouterOptions`] gives others), behind a bearer token or a guard.
//!
//! | route | body |
//! |---|---|
//! | `GET /` | the dashboard page (public: the page holds no data and asks for the token) |
//! | `GET /health` | status and score (public unless [`RouterOptions::protect_health`], computed at most once a second); with credentials also health per kind and active alerts |
//! | `GET /metrics?minutes=N` | grade, compliance, stats per kind over the last N minutes (default: all) |
//! | `GET /summary?hours=N` | the report's headline figures, compliance and health: **live**, over the analysis window (the last 5 minutes) unless `hours` is given |
//! | `GET /report?hours=N&format=full\|summary\|dashboard` | the [`perfmon_analysis::Report`] as serialized, or a trimmed one: an account **since start** unless `hours` is given; `format=dashboard` is the dashboard's live view, over the analysis window |
//! | `GET /compliance` | compliance per kind and cache, the targets |
//! | `GET /operations`, `GET /operations/{name}` | operation summaries; one with its last 60 minutes |
//! | `GET /slow-operations` | operations over target or slow, worst first |
//! | `GET /endpoints?top_n=N` | per-route HTTP counters, latency and last 60 minutes |
//! | `GET /database?minutes=N` | database queries, slow ones, N+1 findings |
//! | `GET /alerts?hours=N&severity=S` | active alerts and recent history, from a severity up |
//! | `GET /recommendations?priority=P` | recommendations from a priority up |
//! | `GET /trends?minutes=N` | the last N minutes against the N before |
//! | `GET /benchmarks`, `POST /benchmarks/validate` | configured benchmarks; a validation report |
//! | `POST /analyze` | evaluates alerts now: headline figures and alert events |
//! | `GET /prometheus?format=prometheus\|openmetrics` | the registry as exposition text |
//!
//! **Live or since start.** The views that say how the service is doing now
//! judge the registry's analysis window (the last 5 minutes by default):
//! `/health`, `/summary`, `/alerts` (through the analyses that open them),
//! `/recommendations`, `POST /analyze` and the dashboard. The accounting views count every call
//! since start unless `hours` or `minutes` asks for a window: `/report`,
//! `/metrics`, `/compliance`, `/operations`, `/database`, `/prometheus`
//! (counters must only grow). Every body names the window it judged.
//!
//! Errors are JSON ([`ErrorBody`]); bad query values are a 400 naming the
//! parameter; unknown parameters are ignored. Every response carries the
//! [`MonitoringResponse`] extension and `Cache-Control: no-store`.

mod alerts;
mod benchmarks;
mod error;
mod health;
mod metrics;
mod operations;
mod params;
mod prometheus;

pub use error::{ApiError, ErrorBody};

use crate::auth::{self, Access, Gate, TokenError};
use crate::shared::Handle;
use crate::stats::{http_stats, HttpStats};
use crate::MonitoringResponse;
use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state, map_response, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use perfmon_analysis::{alerts, AlertEngine, Benchmarks};
use perfmon_core::{registry, Registry};
use std::sync::Arc;

/// How the router is built: who may read it (no default: choose
/// [`with_token`](Self::with_token), [`with_guard`](Self::with_guard) or
/// [`public`](Self::public)), what it serves, and what it reads: a
/// registry, an alert engine and HTTP statistics, the process-wide ones
/// unless given ([`registry`](Self::registry),
/// [`alert_engine`](Self::alert_engine), [`http_stats`](Self::http_stats)).
#[derive(Debug, Clone)]
pub struct RouterOptions {
    access: Access,
    protect_health: bool,
    benchmarks: Benchmarks,
    registry: Handle<Registry>,
    alerts: Handle<AlertEngine>,
    http: Handle<HttpStats>,
}

impl RouterOptions {
    fn new(access: Access) -> Self {
        RouterOptions {
            access,
            protect_health: false,
            benchmarks: Benchmarks::default(),
            registry: Handle::Default(registry()),
            alerts: Handle::Default(alerts()),
            http: Handle::Default(http_stats()),
        }
    }

    /// Every route but `/health` requires `Authorization: Bearer <token>`.
    /// The token is compared in constant time (see [`crate::auth`]). An empty
    /// token, or one with spaces or non-ASCII characters, is refused.
    pub fn with_token(token: impl AsRef<str>) -> Result<Self, TokenError> {
        Access::token(token.as_ref()).map(Self::new)
    }

    /// Every route but `/health` requires `guard` to return `true` for the
    /// request head (a session cookie, a client certificate's header, an
    /// address); otherwise the answer is 401. A guard that panics denies.
    pub fn with_guard(
        guard: impl Fn(&http::request::Parts) -> bool + Send + Sync + 'static,
    ) -> Self {
        Self::new(Access::Guard(Arc::new(guard)))
    }

    /// Everyone may read every route: only for a listener nobody else
    /// reaches (localhost, a private network), since the routes name your
    /// operations, endpoints and users.
    pub fn public() -> Self {
        Self::new(Access::Public)
    }

    /// `/health` requires the same access as the other routes.
    pub fn protect_health(mut self) -> Self {
        self.protect_health = true;
        self
    }

    /// The benchmarks `GET /benchmarks` lists and an empty
    /// `POST /benchmarks/validate` validates.
    pub fn benchmarks(mut self, benchmarks: Benchmarks) -> Self {
        self.benchmarks = benchmarks;
        self
    }

    /// Reads (and validates benchmarks against) `registry` instead of the
    /// process-wide [`registry()`](perfmon_core::registry): give it the
    /// registry the application's [`PerfmonLayer`](crate::PerfmonLayer)
    /// and annotated code record into.
    pub fn registry(mut self, registry: Arc<Registry>) -> Self {
        self.registry = Handle::Given(registry);
        self
    }

    /// Reads alerts from, and `POST /analyze` evaluates into, `engine`
    /// instead of the process-wide [`alerts()`](perfmon_analysis::alerts).
    pub fn alert_engine(mut self, engine: Arc<AlertEngine>) -> Self {
        self.alerts = Handle::Given(engine);
        self
    }

    /// Reads the HTTP statistics of `/endpoints` from `http` (the handle
    /// [`PerfmonLayer::pair`](crate::PerfmonLayer::pair) returns) instead
    /// of the process-wide [`http_stats()`](crate::http_stats).
    pub fn http_stats(mut self, http: Arc<HttpStats>) -> Self {
        self.http = Handle::Given(http);
        self
    }
}

/// What handlers share: the values they read (axum `State`).
#[derive(Debug)]
pub(crate) struct Shared {
    benchmarks: Benchmarks,
    pub(crate) registry: Handle<Registry>,
    pub(crate) alerts: Handle<AlertEngine>,
    pub(crate) http: Handle<HttpStats>,
    /// The router's access, and the requests it refused.
    pub(crate) gate: Arc<Gate>,
    /// `/health`'s answer without credentials, reused for a second.
    pub(crate) public_health: health::PublicCache,
}

impl Shared {
    /// The report of the router's registry, with its alert engine's alerts.
    pub(crate) fn report(
        &self,
        options: &perfmon_analysis::ReportOptions,
    ) -> perfmon_analysis::Report {
        use perfmon_analysis::RegistryExt;
        self.registry
            .report_at(&self.alerts, options, perfmon_core::clock::wall_now())
    }

    fn new(options: &RouterOptions) -> Arc<Shared> {
        Arc::new(Shared {
            gate: Gate::new(options.access.clone()),
            public_health: Default::default(),
            benchmarks: options.benchmarks.clone(),
            registry: options.registry.clone(),
            alerts: options.alerts.clone(),
            http: options.http.clone(),
        })
    }
}

/// The monitoring routes (see the [module docs](self)), to `nest` where you
/// like.
///
/// ```
/// use axum::body::Body;
/// use axum::http::{header, Request, StatusCode};
/// use axum::Router;
/// use perfmon_axum::RouterOptions;
/// use tower::ServiceExt; // oneshot
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let token = std::env::var("PERFMON_TOKEN").unwrap_or_else(|_| "change-me-to-a-random-token".into());
/// let app = Router::new()
///     .route("/parts", axum::routing::get(|| async { "parts" }))
///     .nest("/performance", perfmon_axum::router(RouterOptions::with_token(&token)?));
///
/// let get = |auth: Option<String>| {
///     let mut req = Request::get("/performance/metrics?minutes=5");
///     if let Some(auth) = auth {
///         req = req.header(header::AUTHORIZATION, auth);
///     }
///     req.body(Body::empty()).unwrap()
/// };
/// let denied = app.clone().oneshot(get(None)).await?;
/// assert_eq!(denied.status(), StatusCode::UNAUTHORIZED);
/// let ok = app.oneshot(get(Some(format!("Bearer {token}")))).await?;
/// assert_eq!(ok.status(), StatusCode::OK);
///
/// assert!(RouterOptions::with_token("").is_err()); // refused, not a panic
/// # Ok(())
/// # }
/// ```
pub fn router(options: RouterOptions) -> Router {
    let shared = Shared::new(&options);
    let health = Router::new().route("/health", get(health::health));
    let protected = Router::new()
        .route("/metrics", get(metrics::metrics))
        .route("/summary", get(metrics::summary))
        .route("/report", get(metrics::report))
        .route("/compliance", get(metrics::compliance))
        .route("/trends", get(metrics::trends))
        .route("/operations", get(operations::list))
        .route("/operations/{name}", get(operations::one))
        .route("/slow-operations", get(operations::slow))
        .route("/endpoints", get(operations::endpoints))
        .route("/database", get(operations::database))
        .route("/alerts", get(alerts::list))
        .route("/recommendations", get(alerts::recommendations))
        .route("/analyze", post(alerts::analyze))
        .route("/benchmarks", get(benchmarks::list))
        .route(
            "/benchmarks/validate",
            post(benchmarks::validate).layer(DefaultBodyLimit::max(benchmarks::MAX_BODY_BYTES)),
        )
        .route("/prometheus", get(prometheus::text));
    let (protected, public) = if options.protect_health {
        (protected.merge(health), Router::new())
    } else {
        (protected, health)
    };
    // The dashboard page is public: it holds no data, and asks for the token
    // before it fetches any (a browser cannot send a header with a page load).
    let public = public.route("/", get(crate::dashboard::page));
    // The 405 fallback goes in before the access check, so that a stranger
    // gets a 401 for a wrong method too and learns nothing of the routes.
    protected
        .method_not_allowed_fallback(method_not_allowed)
        .route_layer(from_fn(refuse_non_json_bodies))
        .route_layer(from_fn_with_state(shared.gate.clone(), auth::require))
        .merge(public.method_not_allowed_fallback(method_not_allowed))
        .fallback(not_found)
        .layer(map_response(mark))
        .with_state(shared)
}

/// `/metrics` at the root in the Prometheus text format (`?format=openmetrics`
/// for OpenMetrics), with the access of `options`, for a scraper's default
/// path: `app.merge(perfmon_axum::prometheus_router(options))`.
pub fn prometheus_router(options: RouterOptions) -> Router {
    let shared = Shared::new(&options);
    Router::new()
        .route("/metrics", get(prometheus::text))
        .method_not_allowed_fallback(method_not_allowed)
        .route_layer(from_fn_with_state(shared.gate.clone(), auth::require))
        .layer(map_response(mark))
        .with_state(shared)
}

/// Unknown paths under the router.
async fn not_found() -> ApiError {
    ApiError::not_found("no such monitoring route")
}

/// A route that exists, asked with a method it does not serve: a JSON 405
/// (axum's default is an empty body).
async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("this monitoring route does not answer {method}"),
    )
}

/// A request body declared as anything but JSON is refused with a JSON 415
/// before any handler runs: the POST routes read JSON (or nothing), and a
/// `text/plain` or form body is what a cross-site "simple request" sends
/// without a CORS preflight. A body without a `Content-Type` (most HTTP
/// clients' default) is read as JSON, as before.
async fn refuse_non_json_bodies(request: Request, next: Next) -> Response {
    let has_body = !http_body::Body::is_end_stream(request.body());
    let declared = request
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("").to_owned());
    let is_json = |t: &str| {
        let essence = t
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        essence == "application/json" || essence.ends_with("+json")
    };
    match declared {
        Some(t) if has_body && !is_json(&t) => {}
        _ => return next.run(request).await,
    }
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "a request body must be JSON: send Content-Type: application/json",
    )
    .into_response()
}

/// Marks every response as monitoring traffic (the request layer leaves it
/// out) and keeps it out of caches.
async fn mark(mut response: Response) -> Response {
    response.extensions_mut().insert(MonitoringResponse);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
