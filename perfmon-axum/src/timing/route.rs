//! [`Route`]: what a request records into, made once per process for each
//! (method bucket, template, slow-request thresholds, [`Sink`]) and found
//! per request through a small per-thread cache.
//!
//! Routes are never freed, like the registry's operations they point to:
//! their number is bounded by the application's routes (templates, not raw
//! paths) times the method buckets, once per distinct pair of thresholds.
//! In exchange a request holds a plain `&'static Route`: no reference count
//! to raise and lower per request.

use super::layer::{OTHER_ROUTES, UNMATCHED_ROUTE, UNSERVED_METHOD};
use super::sink::Sink;
use crate::stats::RouteCounters;
use axum::extract::MatchedPath;
use dashmap::DashMap;
use once_cell::sync::Lazy;
use perfmon_core::{Kind, Operation};
use std::cell::RefCell;
use std::sync::Arc;

/// One route's handles.
#[derive(Debug)]
pub(crate) struct Route {
    /// `"GET /parts/{id}"`: the operation's name and the N+1 endpoint.
    pub(crate) name: Box<str>,
    /// Where the template starts in `name`.
    template_start: usize,
    pub(crate) operation: Arc<Operation>,
    pub(crate) counters: Arc<RouteCounters>,
    pub(crate) thresholds: Thresholds,
    /// Where the route's operation and counters live.
    pub(crate) sink: &'static Sink,
}

/// A layer's slow-request thresholds, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Thresholds {
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

    /// Whether this is the route of `method`, `thresholds` and `sink` (its
    /// template being known from where it was found).
    fn is_for(&self, method: &str, thresholds: Thresholds, sink: &'static Sink) -> bool {
        self.method() == method && self.thresholds == thresholds && std::ptr::eq(self.sink, sink)
    }

    /// The route of (`method`, `template`, `thresholds`, `sink`) if it was made: a
    /// few compares against a per-thread cache, else a read-locked map
    /// lookup (whose hit is then cached). Never makes a route, so that a
    /// request whose response turns out to be a monitoring one leaves
    /// nothing behind. `method` is a bucket from
    /// [`method_key`](super::layer::method_key); `template` `None` is
    /// [`UNMATCHED_ROUTE`].
    #[inline]
    pub(crate) fn find(
        method: &'static str,
        template: Option<&MatchedPath>,
        thresholds: Thresholds,
        sink: &'static Sink,
    ) -> Option<&'static Route> {
        let hit = CACHE.try_with(|cache| {
            let cache = cache.borrow();
            let entry = cache
                .iter()
                .find(|e| e.is_for(method, template, thresholds, sink));
            entry.map(|e| e.route)
        });
        match hit {
            Ok(Some(route)) => Some(route),
            _ => Self::find_uncached(method, template, thresholds, sink),
        }
    }

    /// [`find`](Self::find) past the per-thread cache: kept out of line,
    /// so that the cache hit, inlined into the request path, stays small.
    #[cold]
    #[inline(never)]
    fn find_uncached(
        method: &'static str,
        template: Option<&MatchedPath>,
        thresholds: Thresholds,
        sink: &'static Sink,
    ) -> Option<&'static Route> {
        let text = template.map_or(UNMATCHED_ROUTE, MatchedPath::as_str);
        let route = *ROUTES
            .get(text)?
            .iter()
            .find(|r| r.is_for(method, thresholds, sink))?;
        let _ = CACHE.try_with(|cache| {
            let mut cache = cache.borrow_mut();
            if cache.len() == CACHE_SIZE {
                cache.remove(0);
            }
            cache.push(CachedRoute {
                method,
                template: template.cloned(),
                route,
            });
        });
        Some(route)
    }

    /// The route of (`method`, `template`, `thresholds`, `sink`), made on
    /// first use: the operation name is built and the registry consulted
    /// only then.
    pub(crate) fn get_or_make(
        method: &'static str,
        template: Option<&MatchedPath>,
        thresholds: Thresholds,
        sink: &'static Sink,
    ) -> &'static Route {
        match Self::find(method, template, thresholds, sink) {
            Some(route) => route,
            None => Self::make(
                method,
                template.map_or(UNMATCHED_ROUTE, MatchedPath::as_str),
                thresholds,
                sink,
            ),
        }
    }

    /// The route that records this route's requests answered 405 or 501
    /// ([`UNSERVED_METHOD`]), made on first use.
    #[cold]
    pub(crate) fn unserved(&self) -> &'static Route {
        let template = self.template();
        let found = ROUTES.get(template).and_then(|routes| {
            routes
                .iter()
                .find(|r| r.is_for(UNSERVED_METHOD, self.thresholds, self.sink))
                .copied()
        });
        found.unwrap_or_else(|| Self::make(UNSERVED_METHOD, template, self.thresholds, self.sink))
    }

    #[cold]
    fn make(
        method: &'static str,
        template: &str,
        thresholds: Thresholds,
        sink: &'static Sink,
    ) -> &'static Route {
        // Past the HTTP statistics' cap, new routes share one bucket per
        // method (made once, so the cap is exceeded by those buckets only).
        let template = if template != OTHER_ROUTES && sink.http.is_full_of_routes() {
            if let Some(route) = ROUTES.get(OTHER_ROUTES).and_then(|routes| {
                routes
                    .iter()
                    .find(|r| r.is_for(method, thresholds, sink))
                    .copied()
            }) {
                return route;
            }
            OTHER_ROUTES
        } else {
            template
        };
        let mut routes = ROUTES.entry(template.into()).or_default();
        let made = routes.iter().find(|r| r.is_for(method, thresholds, sink));
        if let Some(route) = made {
            return route;
        }
        let name = format!("{method} {template}");
        let route: &'static Route = Box::leak(Box::new(Route {
            template_start: method.len() + 1,
            operation: sink.registry.operation(&name, Kind::ApiResponse),
            counters: sink.http.route(method, template),
            name: name.into_boxed_str(),
            thresholds,
            sink,
        }));
        routes.push(route);
        route
    }
}

/// Every route made, by template.
static ROUTES: Lazy<DashMap<Box<str>, Vec<&'static Route>>> = Lazy::new(DashMap::new);

/// Routes remembered per thread by [`Route::find`].
const CACHE_SIZE: usize = 16;

thread_local! {
    static CACHE: RefCell<Vec<CachedRoute>> = const { RefCell::new(Vec::new()) };
}

/// A route remembered by one thread, with the `MatchedPath` it was found
/// with. That one is held, so its text cannot be freed and its address
/// reused: the same address is the same template, and the text needs
/// comparing only when the address differs (axum makes a new `MatchedPath`
/// per request for nested routers).
struct CachedRoute {
    method: &'static str,
    template: Option<MatchedPath>,
    route: &'static Route,
}

impl CachedRoute {
    fn is_for(
        &self,
        method: &'static str,
        template: Option<&MatchedPath>,
        thresholds: Thresholds,
        sink: &'static Sink,
    ) -> bool {
        // Method buckets are the literals of `method_key`: mostly the same
        // address, compared by text only when not.
        (std::ptr::eq(self.method, method) || self.method == method)
            && self.route.thresholds == thresholds
            && std::ptr::eq(self.route.sink, sink)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timing::layer::method_key;
    use http::Method;

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

    const T: Thresholds = Thresholds {
        warn_ns: 1_000_000_000,
        error_ns: 5_000_000_000,
    };

    #[test]
    fn routes_are_made_once_per_method_and_template() {
        let m = matched("/route_unit/{id}", "/route_unit/7");
        // Another `MatchedPath` of the same template: equal text, other address.
        let other = matched("/route_unit/{id}", "/route_unit/8");
        let a = Route::get_or_make("GET", Some(&m), T, Sink::default_sink());
        let b = Route::get_or_make("GET", Some(&m), T, Sink::default_sink());
        let b2 = Route::get_or_make("GET", Some(&other), T, Sink::default_sink());
        let c = Route::get_or_make("POST", Some(&m), T, Sink::default_sink());
        assert!(std::ptr::eq(a, b) && std::ptr::eq(a, b2));
        assert!(!std::ptr::eq(a, c));
        assert_eq!(&*a.name, "GET /route_unit/{id}");
        assert_eq!(a.operation.name(), "GET /route_unit/{id}");
        assert_eq!(a.operation.kind(), &Kind::ApiResponse);
        assert_eq!((a.method(), a.template()), ("GET", "/route_unit/{id}"));
    }

    #[test]
    fn find_never_makes_a_route() {
        let m = matched("/route_unit/find", "/route_unit/find");
        let t = Thresholds { warn_ns: 11, ..T };
        assert!(Route::find("GET", Some(&m), t, Sink::default_sink()).is_none());
        assert!(!ROUTES.contains_key("/route_unit/find"));
        let made = Route::get_or_make("GET", Some(&m), t, Sink::default_sink());
        let found = Route::find("GET", Some(&m), t, Sink::default_sink()).unwrap();
        assert!(std::ptr::eq(made, found));
        assert!(Route::find("GET", None, t, Sink::default_sink()).is_none());
        let unmatched = Route::get_or_make("GET", None, t, Sink::default_sink());
        assert_eq!(unmatched.template(), UNMATCHED_ROUTE);
        assert!(std::ptr::eq(
            unmatched,
            Route::find("GET", None, t, Sink::default_sink()).unwrap()
        ));
    }

    #[test]
    fn other_thresholds_get_their_own_route_even_from_the_cache() {
        let m = matched("/route_unit/later", "/route_unit/later");
        for warn_ms in 1..=20 {
            let t = Thresholds {
                warn_ns: warn_ms * 1_000_000,
                ..T
            };
            // The second lookup is served by the cache.
            for _ in 0..2 {
                let route = Route::get_or_make("GET", Some(&m), t, Sink::default_sink());
                assert_eq!(route.thresholds, t);
            }
        }
    }

    #[test]
    fn invented_methods_share_one_bucket() {
        let a = Method::from_bytes(b"FROB").unwrap();
        let b = Method::from_bytes(b"TWIDDLE").unwrap();
        let m = matched("/route_unit/m", "/route_unit/m");
        let ra = Route::get_or_make(method_key(&a), Some(&m), T, Sink::default_sink());
        let rb = Route::get_or_make(method_key(&b), Some(&m), T, Sink::default_sink());
        assert!(std::ptr::eq(ra, rb));
        assert_eq!(&*ra.name, "OTHER /route_unit/m");
    }
}
