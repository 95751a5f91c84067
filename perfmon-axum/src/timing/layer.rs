//! [`PerfmonLayer`]: the configuration shared by every service it builds.

use super::route::Thresholds;
use super::service::PerfmonService;
use super::sink::Sink;
use crate::stats::HttpStats;
use http::request::Parts;
use http::Method;
use perfmon_core::units::saturating_nanos;
use perfmon_core::Registry;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tower_layer::Layer;

/// Route of requests that matched no route (no `MatchedPath`): they all
/// share one bucket per method, whatever their raw path.
pub const UNMATCHED_ROUTE: &str = "<unmatched>";

/// Method bucket of requests with a non-standard method (so that clients
/// cannot create operations by inventing methods).
pub const OTHER_METHOD: &str = "OTHER";

/// Method bucket of requests answered 405 (Method Not Allowed) or 501 (Not
/// Implemented), whatever their method: one operation per route
/// (`"UNSERVED /parts/{id}"`), so that strangers sending `DELETE`, `PUT`,
/// `OPTIONS`, `TRACE`, ... to a `GET` route cannot multiply operations.
pub const UNSERVED_METHOD: &str = "UNSERVED";

/// Route of requests past the HTTP statistics' cap on routes
/// ([`HttpStats::max_routes`](crate::HttpStats::max_routes)): they share
/// one bucket per method, so HTTP traffic can never fill the registry's
/// cap that the application's own operations also draw on.
pub const OTHER_ROUTES: &str = "<other routes>";

/// Latency from which a request is logged at `WARN` by default.
pub const DEFAULT_SLOW_REQUEST_WARN: Duration = Duration::from_secs(1);

/// Latency from which a request is logged at `ERROR` by default.
pub const DEFAULT_SLOW_REQUEST_ERROR: Duration = Duration::from_secs(5);

/// Extracts a principal (user or tenant) from a request's head.
pub(crate) type Extractor = Arc<dyn Fn(&Parts) -> Option<String> + Send + Sync>;

/// A layer that times every request of an axum router (or any tower service
/// of `http` requests and responses) into a perfmon registry and HTTP
/// statistics: the process-wide [`registry()`](perfmon_core::registry) and
/// [`http_stats()`](crate::http_stats) unless given others
/// ([`registry`](Self::registry), [`http_stats`](Self::http_stats),
/// [`pair`](Self::pair)). See the [module docs](super) for what is recorded.
///
/// ```
/// use axum::{body::Body, http::Request, routing::get, Router};
/// use perfmon_axum::PerfmonLayer;
/// use std::time::Duration;
/// use tower::ServiceExt;
///
/// let app = Router::new()
///     .route("/parts/{id}", get(|| async { "a part" }))
///     .layer(
///         PerfmonLayer::new()
///             .exclude_path("/internal")
///             .slow_request_warn(Duration::from_millis(500))
///             .user(|parts| {
///                 let user = parts.headers.get("x-user")?.to_str().ok()?;
///                 Some(user.to_owned())
///             }),
///     );
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let request = Request::get("/parts/7").body(Body::empty()).unwrap();
/// let response = app.oneshot(request).await.unwrap();
/// // Recorded once the body is finished (here: read, or dropped).
/// drop(response);
/// # });
/// let op = perfmon_core::registry().snapshot("GET /parts/{id}").unwrap();
/// assert_eq!(op.count, 1);
/// ```
#[derive(Clone)]
pub struct PerfmonLayer {
    settings: Settings,
}

/// A layer's settings, copied into every service it builds, and so into
/// the clone of the service axum makes for each request: two numbers, a
/// pointer and, only if the layer has exclusions or extractors, one `Arc`.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) thresholds: Thresholds,
    pub(crate) sink: &'static Sink,
    pub(crate) extra: Option<Arc<Extra>>,
}

/// Exclusions and extractors.
#[derive(Clone, Default)]
pub(crate) struct Extra {
    pub(crate) excluded: Vec<Box<str>>,
    pub(crate) user: Option<Extractor>,
    pub(crate) tenant: Option<Extractor>,
}

impl Default for PerfmonLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for PerfmonLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.settings.thresholds;
        let extra = self.settings.extra.as_deref();
        let no_exclusions: &[Box<str>] = &[];
        f.debug_struct("PerfmonLayer")
            .field(
                "excluded",
                &extra.map_or(no_exclusions, |e| &e.excluded[..]),
            )
            .field("slow_request_warn", &Duration::from_nanos(t.warn_ns))
            .field("slow_request_error", &Duration::from_nanos(t.error_ns))
            .field("user", &extra.is_some_and(|e| e.user.is_some()))
            .field("tenant", &extra.is_some_and(|e| e.tenant.is_some()))
            .field("registry", &self.settings.sink.registry)
            .field("http_stats", &self.settings.sink.http)
            .finish()
    }
}

impl PerfmonLayer {
    /// A layer with the defaults: nothing excluded (monitoring routes are
    /// left out by their [`MonitoringResponse`](crate::MonitoringResponse)
    /// marker), slow requests logged at `WARN` from 1 s and at `ERROR` from
    /// 5 s, no user or tenant extraction.
    pub fn new() -> Self {
        PerfmonLayer {
            settings: Settings {
                thresholds: Thresholds {
                    warn_ns: saturating_nanos(DEFAULT_SLOW_REQUEST_WARN),
                    error_ns: saturating_nanos(DEFAULT_SLOW_REQUEST_ERROR),
                },
                sink: Sink::default_sink(),
                extra: None,
            },
        }
    }

    /// A layer over HTTP statistics of its own, and the handle to read them:
    /// give it to the monitoring router
    /// ([`RouterOptions::http_stats`](crate::RouterOptions::http_stats)), as
    /// tower-http's `InFlightRequestsLayer::pair` does.
    ///
    /// ```
    /// use perfmon_axum::{PerfmonLayer, RouterOptions};
    /// use perfmon_core::Registry;
    /// use std::sync::Arc;
    ///
    /// let registry = Arc::new(Registry::new());
    /// let (layer, http) = PerfmonLayer::pair();
    /// let layer = layer.registry(registry.clone());
    /// let options = RouterOptions::public().registry(registry).http_stats(http);
    /// let app: axum::Router = axum::Router::new()
    ///     .route("/orders", axum::routing::get(|| async { "orders" }))
    ///     .layer(layer)
    ///     .nest("/performance", perfmon_axum::router(options));
    /// ```
    pub fn pair() -> (Self, Arc<HttpStats>) {
        let http = Arc::new(HttpStats::new());
        (Self::new().http_stats(http.clone()), http)
    }

    /// Records each route's operation (`"GET /parts/{id}"`) into `registry`
    /// instead of the process-wide one. Two apps in one process, each with
    /// its own registry, see only their own routes.
    pub fn registry(mut self, registry: Arc<Registry>) -> Self {
        self.settings.sink = self.settings.sink.with_registry(registry);
        self
    }

    /// Counts requests in flight, per-route statuses, concurrency and
    /// principals in `http` instead of the process-wide
    /// [`http_stats()`](crate::http_stats).
    pub fn http_stats(mut self, http: Arc<HttpStats>) -> Self {
        self.settings.sink = self.settings.sink.with_http(http);
        self
    }

    fn extra_mut(&mut self) -> &mut Extra {
        Arc::make_mut(self.settings.extra.get_or_insert_with(Arc::default))
    }

    /// Leaves out requests whose path starts with `prefix` (a plain string
    /// prefix: `"/health"` also excludes `"/healthz"`). They pass through
    /// untouched: no timing, no in-flight count, no request scope.
    pub fn exclude_path(mut self, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into().into_boxed_str();
        self.extra_mut().excluded.push(prefix);
        self
    }

    /// Requests that take at least `threshold` (until their body finished)
    /// are logged as a `tracing` event at `WARN` (target `perfmon::axum`,
    /// fields `method`, `route`, `status`, `latency_ms`). Default 1 s.
    pub fn slow_request_warn(mut self, threshold: Duration) -> Self {
        self.settings.thresholds.warn_ns = saturating_nanos(threshold);
        self
    }

    /// Requests that take at least `threshold` are logged at `ERROR`
    /// instead of `WARN`. Default 5 s.
    pub fn slow_request_error(mut self, threshold: Duration) -> Self {
        self.settings.thresholds.error_ns = saturating_nanos(threshold);
        self
    }

    /// Counts each request under the user `extract` returns (`None`: not
    /// counted), in the layer's HTTP statistics with their cardinality cap
    /// (names over 64 bytes are kept as a prefix and a hash). Runs on the
    /// request head before the inner service sees it, so it can read
    /// headers and extensions set by outer layers (e.g. authentication).
    ///
    /// Read an **authenticated** identity (an extension your authentication
    /// layer set, a verified token's subject), never a raw header a client
    /// chooses: strangers could otherwise fill the cap with invented names
    /// and push real users into "other".
    pub fn user<F>(mut self, extract: F) -> Self
    where
        F: Fn(&Parts) -> Option<String> + Send + Sync + 'static,
    {
        self.extra_mut().user = Some(Arc::new(extract));
        self
    }

    /// Counts each request under the tenant `extract` returns, like
    /// [`user`](Self::user).
    pub fn tenant<F>(mut self, extract: F) -> Self
    where
        F: Fn(&Parts) -> Option<String> + Send + Sync + 'static,
    {
        self.extra_mut().tenant = Some(Arc::new(extract));
        self
    }

    /// Sets how many distinct users (and, separately, tenants) are counted
    /// by name before the rest go to one "other" count. This is a setting of
    /// the layer's HTTP statistics, applied when called (default
    /// [`DEFAULT_MAX_PRINCIPALS`](crate::stats::DEFAULT_MAX_PRINCIPALS));
    /// names already counted stay. With the process-wide statistics (no
    /// [`pair`](Self::pair) or [`http_stats`](Self::http_stats)), that is
    /// the process-wide setting: give the layer statistics of its own to
    /// keep it to this layer.
    pub fn max_principals(self, max: usize) -> Self {
        self.settings.sink.http.set_max_principals(max);
        self
    }
}

/// The method bucket of `method`: its name if standard, else [`OTHER_METHOD`].
pub(crate) fn method_key(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => OTHER_METHOD,
    }
}

impl Extra {
    /// Whether requests to `path` are left out.
    #[inline]
    pub(crate) fn is_excluded(&self, path: &str) -> bool {
        self.excluded.iter().any(|p| path.starts_with(&**p))
    }
}

impl<S> Layer<S> for PerfmonLayer {
    type Service = PerfmonService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        PerfmonService::new(inner, self.settings.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusion_is_a_path_prefix() {
        let layer = PerfmonLayer::new().exclude_path("/internal");
        let extra = layer.settings.extra.unwrap();
        assert!(extra.is_excluded("/internal/x"));
        assert!(!extra.is_excluded("/api/internal"));
    }

    #[test]
    fn builder_keeps_earlier_settings() {
        let layer = PerfmonLayer::new()
            .slow_request_warn(Duration::from_millis(20))
            .slow_request_error(Duration::from_millis(30))
            .exclude_path("/a")
            .exclude_path("/b");
        let t = layer.settings.thresholds;
        assert_eq!((t.warn_ns, t.error_ns), (20_000_000, 30_000_000));
        assert_eq!(layer.settings.extra.unwrap().excluded.len(), 2);
    }

    #[test]
    fn a_default_layer_has_nothing_to_share() {
        // Services are cloned per request: without exclusions or
        // extractors, that clone copies two numbers, no `Arc`.
        assert!(PerfmonLayer::new().settings.extra.is_none());
        let slow = PerfmonLayer::new().slow_request_warn(Duration::from_millis(5));
        assert!(slow.settings.extra.is_none());
        assert!(PerfmonLayer::new().user(|_| None).settings.extra.is_some());
    }

    #[test]
    fn invented_methods_share_one_bucket() {
        let frob = Method::from_bytes(b"FROB").unwrap();
        assert_eq!(method_key(&frob), OTHER_METHOD);
        assert_eq!(method_key(&Method::GET), "GET");
    }
}
