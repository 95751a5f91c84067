//! [`PerfmonLayer`]: the configuration, and the per-route cache shared by
//! every service it builds.

use super::service::PerfmonService;
use crate::stats::{http_stats, RouteCounters};
use axum::extract::MatchedPath;
use dashmap::DashMap;
use http::request::Parts;
use http::Method;
use perfmon_runtime::{registry, Kind, Operation};
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

/// Latency from which a request is logged at `WARN` by default.
pub const DEFAULT_SLOW_REQUEST_WARN: Duration = Duration::from_secs(1);

/// Latency from which a request is logged at `ERROR` by default.
pub const DEFAULT_SLOW_REQUEST_ERROR: Duration = Duration::from_secs(5);

/// Extracts a principal (user or tenant) from a request's head.
pub(crate) type Extractor = Arc<dyn Fn(&Parts) -> Option<String> + Send + Sync>;

/// A layer that times every request of an axum router (or any tower service
/// of `http` requests and responses) into the perfmon registry and
/// [`http_stats()`]. See the [module docs](super) for what is recorded.
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
/// let op = perfmon_runtime::registry().snapshot("GET /parts/{id}").unwrap();
/// assert_eq!(op.count, 1);
/// ```
#[derive(Clone)]
pub struct PerfmonLayer {
    shared: Arc<Shared>,
}

/// What every service of one layer shares.
pub(crate) struct Shared {
    /// Distinguishes this layer's routes in the per-thread route cache.
    id: u64,
    pub(crate) excluded: Vec<Box<str>>,
    pub(crate) warn_ns: u64,
    pub(crate) error_ns: u64,
    pub(crate) user: Option<Extractor>,
    pub(crate) tenant: Option<Extractor>,
    /// Template → the routes of that template, one per method bucket.
    routes: DashMap<Box<str>, Vec<(&'static str, Arc<Route>)>>,
}

impl Clone for Shared {
    /// The settings, with no routes: routes copy the slow-request
    /// thresholds when they are made, so a changed copy starts afresh.
    fn clone(&self) -> Self {
        Shared {
            id: next_layer_id(),
            excluded: self.excluded.clone(),
            warn_ns: self.warn_ns,
            error_ns: self.error_ns,
            user: self.user.clone(),
            tenant: self.tenant.clone(),
            routes: DashMap::new(),
        }
    }
}

/// Routes remembered per thread by [`Shared::find`].
const ROUTE_CACHE_SIZE: usize = 16;

/// A route remembered by one thread, with the layer and method it is for
/// and the `MatchedPath` it was found with. That one is held, so its text
/// cannot be freed and its address reused: the same address is the same
/// template, and the text needs comparing only when the address differs
/// (axum makes a new `MatchedPath` per request for nested routers).
struct CachedRoute {
    layer: u64,
    method: &'static str,
    template: Option<MatchedPath>,
    route: Arc<Route>,
}

impl CachedRoute {
    fn is_for(&self, layer: u64, method: &'static str, template: Option<&MatchedPath>) -> bool {
        // Method buckets are the literals of `method_key`: mostly the same
        // address, compared by text only when not.
        self.layer == layer
            && (std::ptr::eq(self.method, method) || self.method == method)
            && match (&self.template, template) {
                (Some(a), Some(b)) => {
                    let (a, b) = (a.as_str(), b.as_str());
                    std::ptr::eq(a, b) || a == b
                }
                (None, None) => true,
                _ => false,
            }
    }
}

/// Gives each [`Shared`] its own id for the route cache (an address could
/// be reused by a later layer with other settings).
fn next_layer_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

thread_local! {
    static ROUTE_CACHE: std::cell::RefCell<Vec<CachedRoute>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// One route's handles, resolved once per (method, template).
#[derive(Debug)]
pub(crate) struct Route {
    /// `"GET /parts/{id}"`: the operation's name and the N+1 endpoint.
    pub(crate) name: Box<str>,
    /// Where the template starts in `name`.
    template_start: usize,
    pub(crate) operation: Arc<Operation>,
    pub(crate) counters: Arc<RouteCounters>,
    /// The layer's slow-request thresholds, copied here so that a request
    /// in flight needs its route alone.
    pub(crate) warn_ns: u64,
    pub(crate) error_ns: u64,
}

impl Route {
    /// The route template (`"/parts/{id}"`).
    pub(crate) fn template(&self) -> &str {
        &self.name[self.template_start..]
    }

    /// The method bucket (`"GET"`).
    pub(crate) fn method(&self) -> &str {
        &self.name[..self.template_start - 1]
    }
}

impl Default for PerfmonLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for PerfmonLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.shared;
        f.debug_struct("PerfmonLayer")
            .field("excluded", &s.excluded)
            .field("slow_request_warn", &Duration::from_nanos(s.warn_ns))
            .field("slow_request_error", &Duration::from_nanos(s.error_ns))
            .field("user", &s.user.is_some())
            .field("tenant", &s.tenant.is_some())
            .field("routes", &s.routes.len())
            .finish()
    }
}

fn saturating_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl PerfmonLayer {
    /// A layer with the defaults: nothing excluded (monitoring routes are
    /// left out by their [`MonitoringResponse`](crate::MonitoringResponse)
    /// marker), slow requests logged at `WARN` from 1 s and at `ERROR` from
    /// 5 s, no user or tenant extraction.
    pub fn new() -> Self {
        PerfmonLayer {
            shared: Arc::new(Shared {
                id: next_layer_id(),
                excluded: Vec::new(),
                warn_ns: saturating_nanos(DEFAULT_SLOW_REQUEST_WARN),
                error_ns: saturating_nanos(DEFAULT_SLOW_REQUEST_ERROR),
                user: None,
                tenant: None,
                routes: DashMap::new(),
            }),
        }
    }

    fn shared_mut(&mut self) -> &mut Shared {
        Arc::make_mut(&mut self.shared)
    }

    /// Leaves out requests whose path starts with `prefix` (a plain string
    /// prefix: `"/health"` also excludes `"/healthz"`). They pass through
    /// untouched: no timing, no in-flight count, no request scope.
    pub fn exclude_path(mut self, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into().into_boxed_str();
        self.shared_mut().excluded.push(prefix);
        self
    }

    /// Requests that take at least `threshold` (until their body finished)
    /// are logged as a `tracing` event at `WARN` (target `perfmon::axum`,
    /// fields `method`, `route`, `status`, `latency_ms`). Default 1 s.
    pub fn slow_request_warn(mut self, threshold: Duration) -> Self {
        self.shared_mut().warn_ns = saturating_nanos(threshold);
        self
    }

    /// Requests that take at least `threshold` are logged at `ERROR`
    /// instead of `WARN`. Default 5 s.
    pub fn slow_request_error(mut self, threshold: Duration) -> Self {
        self.shared_mut().error_ns = saturating_nanos(threshold);
        self
    }

    /// Counts each request under the user `extract` returns (`None`: not
    /// counted), in [`http_stats()`] with its cardinality cap. Runs on the
    /// request head before the inner service sees it, so it can read
    /// headers and extensions set by outer layers (e.g. authentication).
    pub fn user<F>(mut self, extract: F) -> Self
    where
        F: Fn(&Parts) -> Option<String> + Send + Sync + 'static,
    {
        self.shared_mut().user = Some(Arc::new(extract));
        self
    }

    /// Counts each request under the tenant `extract` returns, like
    /// [`user`](Self::user).
    pub fn tenant<F>(mut self, extract: F) -> Self
    where
        F: Fn(&Parts) -> Option<String> + Send + Sync + 'static,
    {
        self.shared_mut().tenant = Some(Arc::new(extract));
        self
    }

    /// Sets how many distinct users (and, separately, tenants) are counted
    /// by name before the rest go to one "other" count. This is a setting of
    /// the process-wide [`http_stats()`], applied when called (default
    /// [`DEFAULT_MAX_PRINCIPALS`](crate::stats::DEFAULT_MAX_PRINCIPALS));
    /// names already counted stay.
    pub fn max_principals(self, max: usize) -> Self {
        http_stats().set_max_principals(max);
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

impl Shared {
    /// Whether requests to `path` are left out.
    #[inline]
    pub(crate) fn is_excluded(&self, path: &str) -> bool {
        self.excluded.iter().any(|p| path.starts_with(&**p))
    }

    /// The route of (`method`, `template`) if it exists: a few compares
    /// against a per-thread cache, else a read-locked map lookup (whose hit
    /// is then cached). Never creates a route, so that a request whose
    /// response turns out to be a monitoring one leaves nothing behind.
    /// `method` is a bucket from [`method_key`]; `template` `None` is
    /// [`UNMATCHED_ROUTE`].
    pub(crate) fn find(
        &self,
        method: &'static str,
        template: Option<&MatchedPath>,
    ) -> Option<Arc<Route>> {
        let hit = ROUTE_CACHE.try_with(|cache| {
            let cache = cache.borrow();
            cache
                .iter()
                .find(|e| e.is_for(self.id, method, template))
                .map(|e| e.route.clone())
        });
        if let Ok(Some(route)) = hit {
            return Some(route);
        }
        let text = template.map_or(UNMATCHED_ROUTE, MatchedPath::as_str);
        let route = self
            .routes
            .get(text)?
            .iter()
            .find(|(m, _)| *m == method)?
            .1
            .clone();
        let _ = ROUTE_CACHE.try_with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.len() == ROUTE_CACHE_SIZE {
                cache.remove(0);
            }
            cache.push(CachedRoute {
                layer: self.id,
                method,
                template: template.cloned(),
                route: route.clone(),
            });
        });
        Some(route)
    }

    /// The route of (`method`, `template`), made on first use: the
    /// operation name is built and the registry consulted only then.
    pub(crate) fn route(&self, method: &'static str, template: Option<&MatchedPath>) -> Arc<Route> {
        match self.find(method, template) {
            Some(route) => route,
            None => self.new_route(
                method,
                template.map_or(UNMATCHED_ROUTE, MatchedPath::as_str),
            ),
        }
    }

    #[cold]
    fn new_route(&self, method: &'static str, template: &str) -> Arc<Route> {
        let mut routes = self.routes.entry(template.into()).or_default();
        if let Some((_, route)) = routes.iter().find(|(m, _)| *m == method) {
            return route.clone();
        }
        let name = format!("{method} {template}");
        let route = Arc::new(Route {
            template_start: method.len() + 1,
            operation: registry().operation(&name, Kind::ApiResponse),
            counters: http_stats().route(method, template),
            name: name.into_boxed_str(),
            warn_ns: self.warn_ns,
            error_ns: self.error_ns,
        });
        routes.push((method, route.clone()));
        route
    }
}

impl<S> Layer<S> for PerfmonLayer {
    type Service = PerfmonService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        PerfmonService::new(inner, self.shared.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `MatchedPath` as axum makes it (it cannot be built outside axum):
    /// a request to `uri` through a router with the one route `template`.
    fn matched(template: &str, uri: &str) -> MatchedPath {
        use axum::{body::Body, routing::get, Router};
        use tower::ServiceExt;
        let seen = Arc::new(std::sync::Mutex::new(None));
        let store = seen.clone();
        let app = Router::new().route(
            template,
            get(move |m: MatchedPath| {
                *store.lock().unwrap() = Some(m);
                async {}
            }),
        );
        let request = http::Request::get(uri).body(Body::empty()).unwrap();
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(app.oneshot(request))
            .unwrap();
        let m = seen.lock().unwrap().take();
        m.expect("the route matched")
    }

    #[test]
    fn routes_are_cached_per_method_and_template() {
        let layer = PerfmonLayer::new();
        let s = &layer.shared;
        let m = matched("/layer_unit/{id}", "/layer_unit/7");
        // Another `MatchedPath` of the same template: equal text, other address.
        let other = matched("/layer_unit/{id}", "/layer_unit/8");
        let a = s.route("GET", Some(&m));
        let b = s.route("GET", Some(&m));
        let b2 = s.route("GET", Some(&other));
        let c = s.route("POST", Some(&m));
        assert!(Arc::ptr_eq(&a, &b2));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(&*a.name, "GET /layer_unit/{id}");
        assert_eq!(a.operation.name(), "GET /layer_unit/{id}");
        assert_eq!(a.operation.kind(), &Kind::ApiResponse);
        assert_eq!((a.method(), a.template()), ("GET", "/layer_unit/{id}"));
    }

    #[test]
    fn find_never_creates_a_route() {
        let layer = PerfmonLayer::new();
        let s = &layer.shared;
        let m = matched("/layer_unit/find", "/layer_unit/find");
        assert!(s.find("GET", Some(&m)).is_none());
        assert!(s.find("GET", None).is_none());
        assert!(s.routes.is_empty());
        let made = s.route("GET", Some(&m));
        let found = s.find("GET", Some(&m)).unwrap();
        assert!(Arc::ptr_eq(&made, &found));
        assert!(s.find("GET", None).is_none());
        let unmatched = s.route("GET", None);
        assert_eq!(unmatched.template(), UNMATCHED_ROUTE);
        assert!(Arc::ptr_eq(&unmatched, &s.find("GET", None).unwrap()));
    }

    #[test]
    fn changed_copies_start_without_routes() {
        let layer = PerfmonLayer::new();
        let m = matched("/layer_unit/copy", "/layer_unit/copy");
        let before = layer.shared.route("GET", Some(&m));
        assert_eq!(before.warn_ns, 1_000_000_000);
        let changed = layer.clone().slow_request_warn(Duration::from_millis(7));
        let after = changed.shared.route("GET", Some(&m));
        assert_eq!(after.warn_ns, 7_000_000);
        assert_eq!(layer.shared.route("GET", Some(&m)).warn_ns, 1_000_000_000);
    }

    #[test]
    fn a_later_layer_never_sees_an_earlier_ones_routes() {
        // Layers made and dropped one after another on one thread may share
        // an address; the per-thread route cache must tell them apart.
        let m = matched("/layer_unit/later", "/layer_unit/later");
        for warn_ms in 1..=20 {
            let layer = PerfmonLayer::new().slow_request_warn(Duration::from_millis(warn_ms));
            // The second lookup is served by the cache.
            for _ in 0..2 {
                let route = layer.shared.route("GET", Some(&m));
                assert_eq!(route.warn_ns, warn_ms * 1_000_000);
            }
        }
    }

    #[test]
    fn invented_methods_share_one_bucket() {
        let layer = PerfmonLayer::new();
        let a = Method::from_bytes(b"FROB").unwrap();
        let b = Method::from_bytes(b"TWIDDLE").unwrap();
        let m = matched("/layer_unit/m", "/layer_unit/m");
        let (ra, rb) = (
            layer.shared.route(method_key(&a), Some(&m)),
            layer.shared.route(method_key(&b), Some(&m)),
        );
        assert!(Arc::ptr_eq(&ra, &rb));
        assert_eq!(&*ra.name, "OTHER /layer_unit/m");
    }

    #[test]
    fn exclusion_is_a_path_prefix() {
        let layer = PerfmonLayer::new().exclude_path("/internal");
        assert!(layer.shared.is_excluded("/internal/x"));
        assert!(!layer.shared.is_excluded("/api/internal"));
    }

    #[test]
    fn builder_keeps_earlier_settings() {
        let layer = PerfmonLayer::new()
            .slow_request_warn(Duration::from_millis(20))
            .slow_request_error(Duration::from_millis(30))
            .exclude_path("/a")
            .exclude_path("/b");
        let s = &layer.shared;
        assert_eq!((s.warn_ns, s.error_ns), (20_000_000, 30_000_000));
        assert_eq!(s.excluded.len(), 2);
    }
}
