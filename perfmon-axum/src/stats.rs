//! What the layer counts about HTTP traffic beyond each route's operation
//! (which lives in the perfmon registry as `"GET /parts/{id}"`, kind
//! `api_response`): requests in flight and their peak, 4xx and 5xx per
//! route, database queries per request, latency by concurrency level, and
//! requests per user and tenant (with a cardinality cap).

use dashmap::DashMap;
use once_cell::sync::Lazy;
use perfmon_core::units::nanos_to_ms;
use perfmon_core::{AtomicHistogram, Histogram};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

/// Users (and, separately, tenants) counted by name before the rest go to
/// one `"other"` entry.
pub const DEFAULT_MAX_PRINCIPALS: usize = 1000;

/// Routes (method bucket and template) counted by name before new ones go
/// to [`OTHER_ROUTES`](crate::timing::OTHER_ROUTES).
pub const DEFAULT_MAX_ROUTES: usize = 512;

/// Upper bounds (inclusive) of the concurrency buckets; the last is open.
const CONCURRENCY_BOUNDS: [i64; 6] = [1, 2, 4, 8, 16, 32];

/// The index of the first bound of [`CONCURRENCY_BOUNDS`] at or above
/// `level` (the last bucket if none): since the bounds are the powers of
/// two, the bit length of `level - 1`, with no search.
#[inline]
fn concurrency_bucket(level: i64) -> usize {
    let above_one = level.max(1).abs_diff(1);
    let bits = (u64::BITS - above_one.leading_zeros()) as usize;
    bits.min(CONCURRENCY_BOUNDS.len())
}

static STATS: Lazy<HttpStats> = Lazy::new(HttpStats::new);

/// The process-wide HTTP statistics the layer records into and the router
/// reads.
pub fn http_stats() -> &'static HttpStats {
    &STATS
}

/// Counters of one route (method and template).
#[derive(Debug, Default)]
pub struct RouteCounters {
    requests: AtomicU64,
    client_errors: AtomicU64,
    server_errors: AtomicU64,
    queries: AtomicU64,
    query_ns: AtomicU64,
}

impl RouteCounters {
    /// Counts a finished request with its status and database work.
    pub fn record(&self, status: u16, queries: u64, query_ns: u64) {
        self.requests.fetch_add(1, Relaxed);
        if (400..500).contains(&status) {
            self.client_errors.fetch_add(1, Relaxed);
        } else if status >= 500 {
            self.server_errors.fetch_add(1, Relaxed);
        }
        if queries > 0 {
            self.queries.fetch_add(queries, Relaxed);
            self.query_ns.fetch_add(query_ns, Relaxed);
        }
    }
}

/// HTTP statistics (see the [module docs](self)).
#[derive(Debug)]
pub struct HttpStats {
    in_flight: AtomicI64,
    peak_in_flight: AtomicI64,
    routes: DashMap<(String, String), Arc<RouteCounters>>,
    max_routes: AtomicUsize,
    concurrency: Vec<AtomicHistogram>,
    users: Principals,
    tenants: Principals,
}

impl Default for HttpStats {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpStats {
    /// Empty statistics (the layer uses [`http_stats()`]).
    pub fn new() -> Self {
        HttpStats {
            in_flight: AtomicI64::new(0),
            peak_in_flight: AtomicI64::new(0),
            routes: DashMap::new(),
            max_routes: AtomicUsize::new(DEFAULT_MAX_ROUTES),
            concurrency: (0..=CONCURRENCY_BOUNDS.len())
                .map(|_| AtomicHistogram::new())
                .collect(),
            users: Principals::new(DEFAULT_MAX_PRINCIPALS),
            tenants: Principals::new(DEFAULT_MAX_PRINCIPALS),
        }
    }

    /// Counts a request in flight; returns the level it started at. Each
    /// call must be matched by one [`leave`](Self::leave).
    #[inline]
    pub(crate) fn enter(&self) -> i64 {
        let level = self.in_flight.fetch_add(1, Relaxed) + 1;
        if level > self.peak_in_flight.load(Relaxed) {
            self.peak_in_flight.fetch_max(level, Relaxed);
        }
        level
    }

    /// A request counted by [`enter`](Self::enter) is no longer in flight.
    #[inline]
    pub(crate) fn leave(&self) {
        self.in_flight.fetch_sub(1, Relaxed);
    }

    /// The counters of a route (created on first use; routes are templates,
    /// so their number is bounded by the application's router).
    pub fn route(&self, method: &str, route: &str) -> Arc<RouteCounters> {
        let key = (method.to_owned(), route.to_owned());
        if let Some(r) = self.routes.get(&key) {
            return r.clone();
        }
        self.routes.entry(key).or_default().clone()
    }

    /// How many routes are counted by name before new ones share
    /// [`OTHER_ROUTES`](crate::timing::OTHER_ROUTES) (default
    /// [`DEFAULT_MAX_ROUTES`]).
    pub fn max_routes(&self) -> usize {
        self.max_routes.load(Relaxed)
    }

    /// Changes the cap on routes; routes already counted stay.
    pub fn set_max_routes(&self, max: usize) {
        self.max_routes.store(max, Relaxed);
    }

    /// Whether the cap on routes is reached.
    pub(crate) fn is_full_of_routes(&self) -> bool {
        self.routes.len() >= self.max_routes()
    }

    /// Records a request's latency under the concurrency level it started at.
    pub fn record_concurrency(&self, level: i64, ns: u64) {
        self.concurrency[concurrency_bucket(level)].record(ns);
    }

    /// Counts a request of `user`.
    pub fn record_user(&self, user: &str) {
        self.users.record(user);
    }

    /// Counts a request of `tenant`.
    pub fn record_tenant(&self, tenant: &str) {
        self.tenants.record(tenant);
    }

    /// Sets how many distinct users (and, separately, tenants) are counted
    /// by name; names already counted stay.
    pub fn set_max_principals(&self, max: usize) {
        self.users.max.store(max, Relaxed);
        self.tenants.max.store(max, Relaxed);
    }

    /// Requests in flight now.
    pub fn in_flight(&self) -> i64 {
        self.in_flight.load(Relaxed)
    }

    /// A plain copy of everything.
    pub fn snapshot(&self) -> HttpSnapshot {
        let mut routes: Vec<RouteSnapshot> = self
            .routes
            .iter()
            .map(|e| {
                let ((method, route), c) = (e.key(), e.value());
                let requests = c.requests.load(Relaxed);
                let queries = c.queries.load(Relaxed);
                RouteSnapshot {
                    operation: format!("{method} {route}"),
                    method: method.clone(),
                    route: route.clone(),
                    requests,
                    client_errors: c.client_errors.load(Relaxed),
                    server_errors: c.server_errors.load(Relaxed),
                    queries,
                    query_ms: nanos_to_ms(c.query_ns.load(Relaxed) as f64),
                    queries_per_request: if requests == 0 {
                        0.0
                    } else {
                        queries as f64 / requests as f64
                    },
                }
            })
            .collect();
        routes.sort_by(|a, b| a.operation.cmp(&b.operation));
        let concurrency = self
            .concurrency
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let mut dense = Vec::new();
                h.add_to(&mut dense);
                let hist = Histogram::from_dense(&dense);
                let low = if i == 0 {
                    1
                } else {
                    CONCURRENCY_BOUNDS[i - 1] + 1
                };
                let label = match CONCURRENCY_BOUNDS.get(i) {
                    Some(&high) if high == low => format!("{low}"),
                    Some(&high) => format!("{low}-{high}"),
                    None => format!("{low}+"),
                };
                let q = |p: f64| hist.quantile(p).map_or(0.0, |ns| nanos_to_ms(ns as f64));
                ConcurrencyBucket {
                    in_flight: label,
                    requests: hist.count(),
                    p50_ms: q(0.5),
                    p95_ms: q(0.95),
                }
            })
            .collect();
        HttpSnapshot {
            in_flight: self.in_flight(),
            peak_in_flight: self.peak_in_flight.load(Relaxed),
            routes,
            concurrency,
            users: self.users.snapshot(),
            tenants: self.tenants.snapshot(),
        }
    }
}

/// The longest principal name kept as given, in bytes; longer names are
/// kept as their first 40 bytes, `…#` and a hash of
/// the whole name (so distinct long names stay apart, and each costs a
/// bounded number of bytes).
pub const MAX_PRINCIPAL_BYTES: usize = 64;
const PRINCIPAL_PREFIX_BYTES: usize = 40;

/// `name`, or its bounded form when longer than [`MAX_PRINCIPAL_BYTES`].
fn bounded_principal(name: &str) -> std::borrow::Cow<'_, str> {
    use std::hash::{Hash, Hasher};
    if name.len() <= MAX_PRINCIPAL_BYTES {
        return name.into();
    }
    let cut = (0..=PRINCIPAL_PREFIX_BYTES)
        .rev()
        .find(|&i| name.is_char_boundary(i))
        .unwrap_or(0);
    // SipHash with fixed keys: the same name gets the same form in every
    // process, so snapshots from several processes still merge by name.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    name.hash(&mut h);
    format!("{}…#{:016x}", &name[..cut], h.finish()).into()
}

/// Request counts per principal (user or tenant), capped: at most `max`
/// names are ever admitted (under an atomic count, so concurrent new names
/// cannot overshoot it), each of bounded length.
#[derive(Debug)]
struct Principals {
    max: AtomicUsize,
    admitted: AtomicUsize,
    counts: DashMap<String, AtomicU64>,
    other: AtomicU64,
}

impl Principals {
    fn new(max: usize) -> Self {
        Principals {
            max: AtomicUsize::new(max),
            admitted: AtomicUsize::new(0),
            counts: DashMap::new(),
            other: AtomicU64::new(0),
        }
    }

    fn record(&self, name: &str) {
        let name = bounded_principal(name);
        if let Some(c) = self.counts.get(name.as_ref()) {
            c.fetch_add(1, Relaxed);
            return;
        }
        match self.counts.entry(name.into_owned()) {
            dashmap::Entry::Occupied(e) => drop(e.get().fetch_add(1, Relaxed)),
            dashmap::Entry::Vacant(e) => {
                let max = self.max.load(Relaxed);
                let admitted = self
                    .admitted
                    .fetch_update(Relaxed, Relaxed, |n| (n < max).then_some(n + 1))
                    .is_ok();
                if admitted {
                    e.insert(AtomicU64::new(1));
                } else {
                    self.other.fetch_add(1, Relaxed);
                }
            }
        }
    }

    fn snapshot(&self) -> PrincipalCounts {
        let mut top: Vec<(String, u64)> = self
            .counts
            .iter()
            .map(|e| (e.key().clone(), e.value().load(Relaxed)))
            .collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        PrincipalCounts {
            distinct: top.len(),
            other_requests: self.other.load(Relaxed),
            top,
        }
    }
}

/// Requests per user or tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrincipalCounts {
    /// Distinct names counted (at most the cap).
    pub distinct: usize,
    /// Requests of names past the cap.
    pub other_requests: u64,
    /// Requests per name, most first.
    pub top: Vec<(String, u64)>,
}

/// One route's HTTP counters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteSnapshot {
    /// The perfmon operation name: `"GET /parts/{id}"`.
    pub operation: String,
    /// HTTP method.
    pub method: String,
    /// Route template (`MatchedPath`), or the unmatched bucket.
    pub route: String,
    /// Finished requests.
    pub requests: u64,
    /// Responses with a 4xx status.
    pub client_errors: u64,
    /// Responses with a 5xx status.
    pub server_errors: u64,
    /// Database queries made while serving them.
    pub queries: u64,
    /// Time spent in those queries.
    pub query_ms: f64,
    /// Queries per request.
    pub queries_per_request: f64,
}

/// Latency of requests by how many were in flight when they started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConcurrencyBucket {
    /// In-flight level range, e.g. `"2-2"`, `"3-4"`, `"33+"`.
    pub in_flight: String,
    /// Requests that started at that level.
    pub requests: u64,
    /// Their median latency.
    pub p50_ms: f64,
    /// Their p95 latency.
    pub p95_ms: f64,
}

/// Everything [`HttpStats`] holds, as plain data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpSnapshot {
    /// Requests in flight now.
    pub in_flight: i64,
    /// The most requests in flight at once so far.
    pub peak_in_flight: i64,
    /// Per route.
    pub routes: Vec<RouteSnapshot>,
    /// Latency by concurrency level.
    pub concurrency: Vec<ConcurrencyBucket>,
    /// Requests per user.
    pub users: PrincipalCounts,
    /// Requests per tenant.
    pub tenants: PrincipalCounts,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_new_principals_never_overshoot_the_cap() {
        let s = HttpStats::new();
        s.set_max_principals(100);
        std::thread::scope(|scope| {
            for t in 0..8 {
                let s = &s;
                scope.spawn(move || {
                    for i in 0..1000 {
                        s.record_user(&format!("user-{t}-{i}"));
                    }
                });
            }
        });
        let users = s.snapshot().users;
        assert_eq!(users.distinct, 100);
        assert_eq!(users.other_requests, 8 * 1000 - 100);
        let counted: u64 = users.top.iter().map(|(_, n)| n).sum();
        assert_eq!(counted + users.other_requests, 8000, "no request lost");
    }

    #[test]
    fn long_principal_names_are_kept_bounded_and_apart() {
        let s = HttpStats::new();
        let (a, b) = ("é".repeat(5000) + "a", "é".repeat(5000) + "b");
        s.record_user(&a);
        s.record_user(&b);
        s.record_user(&a);
        let top = s.snapshot().users.top;
        assert_eq!(top.len(), 2, "{top:?}");
        for (name, _) in &top {
            assert!(name.len() <= MAX_PRINCIPAL_BYTES, "{} bytes", name.len());
            assert!(name.starts_with("éé") && name.contains("…#"), "{name}");
        }
        assert_eq!(top[0].1, 2);
        assert_eq!(bounded_principal("alice"), "alice");
    }

    #[test]
    fn concurrency_bucket_is_the_first_bound_at_or_above_the_level() {
        for level in -3..=100 {
            let searched = CONCURRENCY_BOUNDS
                .iter()
                .position(|b| level <= *b)
                .unwrap_or(CONCURRENCY_BOUNDS.len());
            assert_eq!(concurrency_bucket(level), searched, "level {level}");
        }
        assert_eq!(concurrency_bucket(i64::MAX), CONCURRENCY_BOUNDS.len());
        assert_eq!(concurrency_bucket(i64::MIN), 0);
    }

    #[test]
    fn in_flight_tracks_level_and_peak() {
        let s = HttpStats::new();
        let (a, b) = (s.enter(), s.enter());
        assert_eq!((a, b, s.in_flight()), (1, 2, 2));
        s.leave();
        s.leave();
        let snap = s.snapshot();
        assert_eq!((snap.in_flight, snap.peak_in_flight), (0, 2));
    }

    #[test]
    fn routes_count_client_and_server_errors_separately() {
        let s = HttpStats::new();
        let r = s.route("GET", "/parts/{id}");
        r.record(200, 3, 3_000_000);
        r.record(404, 0, 0);
        r.record(503, 1, 1_000_000);
        let snap = &s.snapshot().routes[0];
        assert_eq!(snap.operation, "GET /parts/{id}");
        assert_eq!(
            (snap.requests, snap.client_errors, snap.server_errors),
            (3, 1, 1)
        );
        assert_eq!((snap.queries, snap.query_ms), (4, 4.0));
    }

    #[test]
    fn concurrency_buckets_split_by_level() {
        let s = HttpStats::new();
        s.record_concurrency(1, 1_000_000);
        s.record_concurrency(3, 5_000_000);
        s.record_concurrency(100, 9_000_000);
        let c = s.snapshot().concurrency;
        let labels: Vec<&str> = c.iter().map(|b| b.in_flight.as_str()).collect();
        assert_eq!(labels, ["1", "2", "3-4", "5-8", "9-16", "17-32", "33+"]);
        assert_eq!((c[0].requests, c[2].requests, c[6].requests), (1, 1, 1));
    }

    #[test]
    fn principals_past_the_cap_go_to_other() {
        let p = Principals::new(2);
        for name in ["a", "b", "c", "a", "d"] {
            p.record(name);
        }
        let snap = p.snapshot();
        assert_eq!(snap.distinct, 2);
        assert_eq!(snap.other_requests, 2);
        assert_eq!(snap.top[0], ("a".to_owned(), 2));
    }
}
