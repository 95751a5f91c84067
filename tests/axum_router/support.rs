//! The harness of `tests/axum_router.rs`: synthetic data, the app, and a
//! request helper that keeps status, headers, the MonitoringResponse mark
//! and the body.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use perfmon::axum::{http_stats, router, MonitoringResponse, RouterOptions};
use perfmon::{Benchmark, Benchmarks, Kind, Outcome};
use serde_json::Value;
use std::sync::Once;
use std::time::{Duration, SystemTime};
use tower::ServiceExt;

pub const TOKEN: &str = "axum-router-test-token";
pub const DB_OP: &str = "axum_router_test.db_item";
pub const ROUTE: &str = "/axum-router-test/{id}";
pub const ROUTE_OP: &str = "GET /axum-router-test/{id}";

/// Every route but `/health`: method, path (under `/performance`) and keys
/// its JSON body must have.
pub const PROTECTED: &[(&str, &str, &[&str])] = &[
    (
        "GET",
        "/metrics",
        &["window", "grade", "kinds", "compliance"],
    ),
    ("GET", "/metrics?minutes=5", &["window", "kinds"]),
    ("GET", "/summary", &["summary", "compliance", "health"]),
    ("GET", "/summary?hours=2", &["window", "summary"]),
    (
        "GET",
        "/report?format=dashboard",
        &[
            "summary",
            "compliance",
            "alerts",
            "slow_operations",
            "recommendations",
        ],
    ),
    (
        "GET",
        "/report",
        &[
            "summary",
            "operations",
            "alerts",
            "recommendations",
            "trends",
        ],
    ),
    (
        "GET",
        "/report?format=summary&hours=1",
        &["summary", "slow_operations", "active_alerts"],
    ),
    (
        "GET",
        "/compliance",
        &["compliance", "targets", "cache_target"],
    ),
    ("GET", "/operations", &["count", "truncated", "operations"]),
    (
        "GET",
        "/operations/axum_router_test.db_item",
        &["operation", "series"],
    ),
    ("GET", "/slow-operations", &["operations"]),
    (
        "GET",
        "/endpoints?top_n=5",
        &["in_flight", "peak_in_flight", "concurrency", "routes"],
    ),
    (
        "GET",
        "/database?minutes=10",
        &["window", "queries", "slow_queries", "n_plus_one"],
    ),
    (
        "GET",
        "/alerts?hours=1&severity=low",
        &[
            "hours",
            "min_severity",
            "active",
            "count",
            "by_severity",
            "history",
        ],
    ),
    (
        "GET",
        "/recommendations?priority=medium",
        &["min_priority", "recommendations", "count", "by_priority"],
    ),
    ("GET", "/trends", &["minutes", "trends"]),
    ("GET", "/benchmarks", &["count", "benchmarks"]),
    (
        "POST",
        "/benchmarks/validate",
        &["passed", "passed_count", "failed_count", "rows"],
    ),
    ("POST", "/analyze", &["summary", "events"]),
];

/// Synthetic data under names only this file uses (tests share the global
/// registry and HTTP stats).
pub fn seed() {
    static SEED: Once = Once::new();
    SEED.call_once(|| {
        for ms in [5, 8, 12, 70, 90] {
            perfmon::record(DB_OP, Kind::DatabaseQuery, Duration::from_millis(ms));
        }
        let reg = perfmon::registry();
        reg.record_at(
            "axum_router_test.timed",
            Kind::Processing,
            Duration::from_millis(3),
            Outcome::Ok,
            None,
            SystemTime::now(),
        );
        perfmon::record(ROUTE_OP, Kind::ApiResponse, Duration::from_millis(40));
        let counters = http_stats().route("GET", ROUTE);
        counters.record(200, 25, 3_000_000);
        counters.record(404, 0, 0);
        reg.record_request_calls(Some(ROUTE_OP), DB_OP, Kind::DatabaseQuery, 25);
    });
}

pub fn benchmarks() -> Benchmarks {
    Benchmarks::new(vec![Benchmark::new(DB_OP, Duration::from_secs(10))])
}

pub fn app() -> Router {
    seed();
    let options = RouterOptions::with_token(TOKEN)
        .unwrap()
        .benchmarks(benchmarks());
    Router::new().nest("/performance", router(options))
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub marked: bool,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
}

pub async fn send(app: &Router, method: &str, uri: &str, auth: Option<&str>, body: &str) -> Reply {
    let mut req = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).unwrap())
        .uri(uri);
    if let Some(auth) = auth {
        req = req.header(header::AUTHORIZATION, auth);
    }
    let response = app
        .clone()
        .oneshot(req.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let marked = response.extensions().get::<MonitoringResponse>().is_some();
    let (parts, body) = response.into_parts();
    Reply {
        status: parts.status,
        headers: parts.headers,
        marked,
        body: body.collect().await.unwrap().to_bytes().to_vec(),
    }
}

pub fn bearer() -> Option<&'static str> {
    Some("Bearer axum-router-test-token")
}

pub fn assert_unauthorized(r: &Reply, what: &str) {
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}");
    assert_eq!(
        r.headers[header::WWW_AUTHENTICATE],
        r#"Bearer realm="perfmon""#,
        "{what}"
    );
    assert!(r.json()["error"].is_string(), "{what}");
    assert!(r.marked, "{what}: 401 marked as monitoring traffic");
}
