//! Two apps in one process, each over its own registry, alert engine and
//! HTTP statistics (given to the layer and the router as values): each
//! router sees only its own app's traffic, and neither touches the
//! process-wide defaults.

use super::support::send;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use perfmon::axum::{router, PerfmonLayer, RouterOptions};
use perfmon::{AlertEngine, Kind, Registry};
use std::sync::Arc;
use std::time::Duration;

struct App {
    router: Router,
    registry: Arc<Registry>,
    engine: Arc<AlertEngine>,
}

fn app(route: &'static str) -> App {
    let registry = Arc::new(Registry::new());
    let engine = Arc::new(AlertEngine::new());
    let (layer, http) = PerfmonLayer::pair();
    let layer = layer.registry(registry.clone()).max_principals(3);
    let options = RouterOptions::public()
        .registry(registry.clone())
        .alert_engine(engine.clone())
        .http_stats(http);
    let router = Router::new()
        .route(route, get(|| async { "ok" }))
        .layer(layer)
        .nest("/perf", router(options));
    App {
        router,
        registry,
        engine,
    }
}

fn names(body: &serde_json::Value, list: &str, field: &str) -> Vec<String> {
    body[list]
        .as_array()
        .unwrap_or_else(|| panic!("{list} in {body}"))
        .iter()
        .map(|o| o[field].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn two_apps_in_one_process_each_see_only_their_own_operations() {
    let a = app("/two-apps-a/orders");
    let b = app("/two-apps-b/items");
    for _ in 0..3 {
        let r = send(&a.router, "GET", "/two-apps-a/orders", None, "").await;
        assert_eq!(r.status, StatusCode::OK);
    }
    let r = send(&b.router, "GET", "/two-apps-b/items", None, "").await;
    assert_eq!(r.status, StatusCode::OK);

    // The registries: each has its own route's operation, with exact counts.
    let op_a = a.registry.summary("GET /two-apps-a/orders").unwrap();
    let op_b = b.registry.summary("GET /two-apps-b/items").unwrap();
    assert_eq!((op_a.count, op_b.count), (3, 1));
    assert!(a.registry.summary("GET /two-apps-b/items").is_none());
    assert!(b.registry.summary("GET /two-apps-a/orders").is_none());
    // The process-wide registry saw neither.
    for name in ["GET /two-apps-a/orders", "GET /two-apps-b/items"] {
        assert!(perfmon::registry().summary(name).is_none(), "{name}");
    }

    // The routers read their own registry...
    let ops_a = send(&a.router, "GET", "/perf/operations", None, "")
        .await
        .json();
    assert_eq!(
        names(&ops_a, "operations", "name"),
        ["GET /two-apps-a/orders"]
    );
    let ops_b = send(&b.router, "GET", "/perf/operations", None, "")
        .await
        .json();
    assert_eq!(
        names(&ops_b, "operations", "name"),
        ["GET /two-apps-b/items"]
    );
    let prom_a = send(&a.router, "GET", "/perf/prometheus", None, "")
        .await
        .text();
    assert!(prom_a.contains("two-apps-a") && !prom_a.contains("two-apps-b"));

    // ...and their own HTTP statistics.
    let ep_a = send(&a.router, "GET", "/perf/endpoints", None, "")
        .await
        .json();
    assert_eq!(
        names(&ep_a, "routes", "operation"),
        ["GET /two-apps-a/orders"]
    );
    assert_eq!(ep_a["routes"][0]["requests"], 3);
    let ep_b = send(&b.router, "GET", "/perf/endpoints", None, "")
        .await
        .json();
    assert_eq!(
        names(&ep_b, "routes", "operation"),
        ["GET /two-apps-b/items"]
    );
    let global = perfmon::axum::http_stats().snapshot();
    assert!(global
        .routes
        .iter()
        .all(|r| !r.operation.contains("two-apps")));

    // Benchmarks validate against the router's registry.
    let body = r#"{"benchmarks": [{"operation": "GET /two-apps-a/orders", "threshold_ms": 1000}]}"#;
    let v = send(&a.router, "POST", "/perf/benchmarks/validate", None, body).await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text());
    assert_eq!(v.json()["passed"], true, "{}", v.text());
    let v = send(&b.router, "POST", "/perf/benchmarks/validate", None, body).await;
    assert_eq!(v.json()["passed"], false, "app b has no such operation");
}

#[tokio::test]
async fn each_router_evaluates_into_its_own_alert_engine() {
    let a = app("/two-apps-alerts-a");
    let b = app("/two-apps-alerts-b");
    // App a's registry has a failing operation: every call an error.
    for _ in 0..100 {
        a.registry.record_outcome(
            "two_apps.failing",
            Kind::DatabaseQuery,
            Duration::from_millis(1),
            perfmon::Outcome::Error,
            Some("down"),
        );
    }
    let r = send(&a.router, "POST", "/perf/analyze", None, "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        !a.engine.active().is_empty(),
        "app a's engine has the alert"
    );
    assert!(b.engine.active().is_empty(), "app b's engine has none");
    let alerts_a = send(&a.router, "GET", "/perf/alerts", None, "")
        .await
        .json();
    assert!(!alerts_a["active"].as_array().unwrap().is_empty());
    let alerts_b = send(&b.router, "GET", "/perf/alerts", None, "")
        .await
        .json();
    assert!(alerts_b["active"].as_array().unwrap().is_empty());
    // The process-wide engine saw nothing of app a.
    assert!(perfmon::alerts()
        .active()
        .iter()
        .all(|alert| !alert.subject.contains("two_apps")));
}

#[tokio::test]
async fn minutes_beyond_the_routers_registry_reach_is_a_400() {
    let a = app("/two-apps-retention");
    // Per-minute buckets for 10 minutes and no 10-minute buckets: the
    // registry's windows reach 10 minutes back.
    a.registry.set_retention_minutes(10);
    a.registry.set_history_minutes(0);
    let r = send(&a.router, "GET", "/perf/metrics?minutes=11", None, "").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    let body = r.json();
    assert_eq!(body["parameter"], "minutes");
    assert_eq!(body["value"], "11");
    assert!(body["error"].as_str().unwrap().contains("from 1 to 10"));
    let ok = send(&a.router, "GET", "/perf/metrics?minutes=10", None, "").await;
    assert_eq!(ok.status, StatusCode::OK);
}
