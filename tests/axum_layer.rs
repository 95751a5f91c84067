//! The axum request layer: each request is recorded once, under its route
//! template, with its status, latency (body included), queries and user.
//!
//! Every test uses its own route paths (the registry and `http_stats()` are
//! process-wide). Tests that assert the global in-flight gauge hold the
//! write side of `GAUGE`; all others hold its read side.
#![cfg(feature = "axum")]

use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use http_body::Frame;
use http_body_util::BodyExt;
use perfmon::axum::stats::RouteSnapshot;
use perfmon::axum::{http_stats, MonitoringResponse, PerfmonLayer};
use perfmon::OperationSnapshot;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;
use tower::ServiceExt;

static GAUGE: RwLock<()> = RwLock::new(());

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

/// Runs `f` alongside the other tests that do not assert the gauge.
fn run<F: Future>(f: F) -> F::Output {
    let _shared = GAUGE.read().unwrap_or_else(|p| p.into_inner());
    runtime().block_on(f)
}

/// Runs `f` with no other test of this file in flight.
fn run_alone<F: Future>(f: F) -> F::Output {
    let _alone = GAUGE.write().unwrap_or_else(|p| p.into_inner());
    runtime().block_on(f)
}

fn get_request(uri: &str) -> Request<Body> {
    Request::builder().uri(uri).body(Body::empty()).unwrap()
}

/// Sends a GET and reads the whole body; returns the status.
async fn send(app: &Router, uri: &str) -> StatusCode {
    send_request(app, get_request(uri)).await
}

async fn send_request(app: &Router, req: Request<Body>) -> StatusCode {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    res.into_body().collect().await.unwrap();
    status
}

fn operation(name: &str) -> OperationSnapshot {
    perfmon::registry()
        .snapshot(name)
        .unwrap_or_else(|| panic!("no operation {name:?}"))
}

fn route(operation: &str) -> RouteSnapshot {
    http_stats()
        .snapshot()
        .routes
        .into_iter()
        .find(|r| r.operation == operation)
        .unwrap_or_else(|| panic!("no route {operation:?}"))
}

fn names_starting_with(prefix: &str) -> Vec<String> {
    perfmon::registry()
        .names()
        .into_iter()
        .filter(|n| n.starts_with(prefix))
        .collect()
}

#[test]
fn route_template_names_the_operation() {
    let app = Router::new()
        .route("/layer_tpl/parts/{id}", get(|| async { "part" }))
        .layer(PerfmonLayer::new());
    run(async {
        assert_eq!(send(&app, "/layer_tpl/parts/7").await, StatusCode::OK);
    });
    let op = operation("GET /layer_tpl/parts/{id}");
    assert_eq!((op.count, op.kind.name()), (1, "api_response"));
    assert!(perfmon::registry().get("GET /layer_tpl/parts/7").is_none());
}

#[test]
fn distinct_raw_paths_share_one_operation() {
    let app = Router::new()
        .route("/layer_card/{id}", get(|| async { "part" }))
        .layer(PerfmonLayer::new());
    run(async {
        for i in 0..100_000 {
            let res = app
                .clone()
                .oneshot(get_request(&format!("/layer_card/{i}")))
                .await
                .unwrap();
            drop(res);
        }
    });
    assert_eq!(operation("GET /layer_card/{id}").count, 100_000);
    assert_eq!(
        names_starting_with("GET /layer_card"),
        ["GET /layer_card/{id}"]
    );
    assert_eq!(route("GET /layer_card/{id}").requests, 100_000);
}

#[test]
fn unmatched_paths_share_one_bucket() {
    let app = Router::new()
        .route("/layer_unm/known", get(|| async { "known" }))
        .layer(PerfmonLayer::new());
    run(async {
        for i in 0..1_000 {
            let status = send(&app, &format!("/layer_unm/nothing/{i}")).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
        }
    });
    // No other test of this file sends unmatched requests.
    let op = operation("GET <unmatched>");
    assert_eq!(op.count, 1_000);
    assert!(names_starting_with("GET /layer_unm").is_empty());
    assert_eq!(route("GET <unmatched>").client_errors, 1_000);
}

#[test]
fn server_errors_are_recorded_as_errors() {
    let app = Router::new()
        .route(
            "/layer_5xx",
            get(|| async { StatusCode::SERVICE_UNAVAILABLE }),
        )
        .layer(PerfmonLayer::new());
    run(async {
        assert_eq!(
            send(&app, "/layer_5xx").await,
            StatusCode::SERVICE_UNAVAILABLE
        );
    });
    let op = operation("GET /layer_5xx");
    assert_eq!((op.count, op.errors), (1, 1));
    assert_eq!(op.recent_failures[0].error.as_deref(), Some("HTTP 503"));
    assert_eq!(route("GET /layer_5xx").server_errors, 1);
}

#[test]
fn client_errors_are_counted_apart_from_errors() {
    let app = Router::new()
        .route("/layer_4xx", get(|| async { StatusCode::NOT_FOUND }))
        .layer(PerfmonLayer::new());
    run(async {
        assert_eq!(send(&app, "/layer_4xx").await, StatusCode::NOT_FOUND);
    });
    let op = operation("GET /layer_4xx");
    assert_eq!((op.count, op.errors), (1, 0));
    let r = route("GET /layer_4xx");
    assert_eq!((r.requests, r.client_errors, r.server_errors), (1, 1, 0));
}

/// A body that sends one frame after a delay.
struct SlowBody {
    delay: Pin<Box<tokio::time::Sleep>>,
    sent: bool,
}

impl http_body::Body for SlowBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.sent {
            return Poll::Ready(None);
        }
        std::task::ready!(self.delay.as_mut().poll(cx));
        self.sent = true;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"done")))))
    }
}

#[test]
fn latency_includes_streaming_the_body() {
    let app = Router::new()
        .route(
            "/layer_body",
            get(|| async {
                Response::new(Body::new(SlowBody {
                    delay: Box::pin(tokio::time::sleep(Duration::from_millis(50))),
                    sent: false,
                }))
            }),
        )
        .layer(PerfmonLayer::new());
    run(async {
        send(&app, "/layer_body").await;
    });
    let op = operation("GET /layer_body");
    assert_eq!(op.count, 1);
    assert!(op.max_ns >= 50_000_000, "recorded {} ns", op.max_ns);
}

#[test]
fn in_flight_counts_concurrent_requests_and_returns_to_zero() {
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let handler = {
        let (barrier, seen) = (barrier.clone(), seen.clone());
        move || async move {
            barrier.wait().await;
            seen.lock().unwrap().push(http_stats().in_flight());
            tokio::time::sleep(Duration::from_millis(20)).await;
            "slow"
        }
    };
    let app = Router::new()
        .route("/layer_inflight", get(handler))
        .layer(PerfmonLayer::new());
    // The gauge is read while no other test of this file can be in flight
    // (after `run_alone` returns, others may be).
    let snap = run_alone(async {
        let (a, b) = tokio::join!(send(&app, "/layer_inflight"), send(&app, "/layer_inflight"));
        assert_eq!((a, b), (StatusCode::OK, StatusCode::OK));
        http_stats().snapshot()
    });
    assert_eq!(*seen.lock().unwrap(), [2, 2]);
    assert!(snap.peak_in_flight >= 2);
    assert_eq!(snap.in_flight, 0);
}

#[test]
fn in_flight_lasts_until_the_body_is_finished() {
    let app = Router::new()
        .route("/layer_inflight_body", get(|| async { "body" }))
        .layer(PerfmonLayer::new());
    run_alone(async {
        let res = app
            .clone()
            .oneshot(get_request("/layer_inflight_body"))
            .await
            .unwrap();
        assert_eq!(http_stats().in_flight(), 1);
        assert!(perfmon::registry()
            .get("GET /layer_inflight_body")
            .is_none());
        res.into_body().collect().await.unwrap();
        assert_eq!(http_stats().in_flight(), 0);
        assert_eq!(operation("GET /layer_inflight_body").count, 1);
    });
}

#[test]
fn a_panicking_handler_is_recorded_and_leaves_the_gauge() {
    let app = Router::new()
        .route(
            "/layer_panic",
            get(|| async {
                if true {
                    panic!("handler failure (expected by this test)");
                }
                "unreachable"
            }),
        )
        .layer(PerfmonLayer::new());
    run_alone(async {
        let task = tokio::spawn(app.oneshot(get_request("/layer_panic")));
        assert!(task.await.unwrap_err().is_panic());
        assert_eq!(http_stats().in_flight(), 0);
    });
    let op = operation("GET /layer_panic");
    assert_eq!((op.count, op.panics), (1, 1));
}

#[test]
fn a_request_dropped_before_its_response_is_cancelled() {
    let app = Router::new()
        .route(
            "/layer_cancel",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "late"
            }),
        )
        .layer(PerfmonLayer::new());
    run(async {
        let req = app.clone().oneshot(get_request("/layer_cancel"));
        let res = tokio::time::timeout(Duration::from_millis(10), req).await;
        assert!(res.is_err());
    });
    let op = operation("GET /layer_cancel");
    assert_eq!((op.count, op.cancelled), (1, 1));
}

#[test]
fn excluded_paths_are_not_recorded() {
    let app = Router::new()
        .route("/layer_excl/internal/{x}", get(|| async { "hidden" }))
        .route("/layer_excl/public", get(|| async { "shown" }))
        .layer(PerfmonLayer::new().exclude_path("/layer_excl/internal"));
    run(async {
        send(&app, "/layer_excl/internal/1").await;
        send(&app, "/layer_excl/public").await;
    });
    assert_eq!(
        names_starting_with("GET /layer_excl"),
        ["GET /layer_excl/public"]
    );
    let routes = http_stats().snapshot().routes;
    assert!(!routes
        .iter()
        .any(|r| r.route.starts_with("/layer_excl/internal")));
}

#[test]
fn monitoring_responses_are_not_recorded() {
    let app = Router::new()
        .route(
            "/layer_mon/metrics",
            get(|| async { (Extension(MonitoringResponse), "metrics").into_response() }),
        )
        .layer(PerfmonLayer::new());
    run(async {
        assert_eq!(send(&app, "/layer_mon/metrics").await, StatusCode::OK);
    });
    // Not even an empty operation or route is left behind.
    assert!(names_starting_with("GET /layer_mon").is_empty());
    let routes = http_stats().snapshot().routes;
    assert!(!routes.iter().any(|r| r.route.starts_with("/layer_mon")));
}

#[perfmon::monitor_performance(kind = "database_query")]
async fn layer_test_load_part(id: u64) -> u64 {
    tokio::task::yield_now().await;
    id
}

#[test]
fn database_queries_count_toward_the_route_and_find_n_plus_one() {
    let app = Router::new()
        .route(
            "/layer_db/orders/{id}",
            get(|Path(id): Path<u64>| async move {
                let mut sum = 0;
                for part in 0..12 {
                    sum += layer_test_load_part(id * 100 + part).await;
                }
                sum.to_string()
            }),
        )
        .layer(PerfmonLayer::new());
    run(async {
        assert_eq!(send(&app, "/layer_db/orders/3").await, StatusCode::OK);
    });
    let r = route("GET /layer_db/orders/{id}");
    assert_eq!((r.requests, r.queries), (1, 12));
    let pattern = perfmon::registry()
        .request_patterns()
        .into_iter()
        .find(|p| p.endpoint.as_deref() == Some("GET /layer_db/orders/{id}"))
        .expect("an N+1 pattern for the endpoint");
    assert_eq!(pattern.calls_in_one_request, 12);
    assert!(pattern.operation.contains("layer_test_load_part"));
}

#[perfmon::monitor_performance(kind = "database_query")]
fn layer_test_fetch_row(n: u64) -> u64 {
    n
}

/// A body that fetches one row per frame, like a streamed result set.
struct RowsBody {
    left: u64,
}

impl http_body::Body for RowsBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.left == 0 {
            return Poll::Ready(None);
        }
        self.left -= 1;
        layer_test_fetch_row(self.left);
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"row\n")))))
    }
}

#[test]
fn queries_made_while_streaming_the_body_count_toward_the_route() {
    let app = Router::new()
        .route(
            "/layer_db/rows",
            get(|| async { Response::new(Body::new(RowsBody { left: 5 })) }),
        )
        .layer(PerfmonLayer::new());
    run(async {
        send(&app, "/layer_db/rows").await;
    });
    assert_eq!(route("GET /layer_db/rows").queries, 5);
}

#[test]
fn queries_count_when_the_request_moves_between_threads() {
    let app = Router::new()
        .route(
            "/layer_db/threads",
            get(|| async {
                for part in 0..20 {
                    layer_test_load_part(part).await;
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                "done"
            }),
        )
        .layer(PerfmonLayer::new());
    let _shared = GAUGE.read().unwrap_or_else(|p| p.into_inner());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let requests: Vec<_> = (0..4)
            .map(|_| {
                let app = app.clone();
                tokio::spawn(async move { send(&app, "/layer_db/threads").await })
            })
            .collect();
        for r in requests {
            assert_eq!(r.await.unwrap(), StatusCode::OK);
        }
    });
    let r = route("GET /layer_db/threads");
    assert_eq!((r.requests, r.queries), (4, 80));
}

/// Captures the layer's events: (level, route field).
#[derive(Clone, Default)]
struct LayerEvents(Arc<Mutex<Vec<(tracing::Level, String)>>>);

struct RouteField(String);

impl tracing::field::Visit for RouteField {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "route" {
            self.0 = value.to_owned();
        }
    }
    fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for LayerEvents {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() != "perfmon::axum" {
            return;
        }
        let mut route = RouteField(String::new());
        event.record(&mut route);
        let level = *event.metadata().level();
        self.0.lock().unwrap().push((level, route.0));
    }
}

/// The levels of the layer's events about `route` while `f` runs.
fn slow_request_levels(layer: PerfmonLayer, route: &str) -> Vec<tracing::Level> {
    use tracing_subscriber::layer::SubscriberExt;
    let events = LayerEvents::default();
    let subscriber = tracing_subscriber::registry().with(events.clone());
    let _default = tracing::subscriber::set_default(subscriber);
    let app = Router::new()
        .route(
            route,
            get(|| async {
                tokio::time::sleep(Duration::from_millis(30)).await;
                "slow"
            }),
        )
        .layer(layer);
    run(async {
        send(&app, route).await;
    });
    let all = events.0.lock().unwrap();
    all.iter()
        .filter(|(_, r)| r == route)
        .map(|(l, _)| *l)
        .collect()
}

#[test]
fn slow_requests_are_logged_at_warn() {
    let layer = PerfmonLayer::new().slow_request_warn(Duration::from_millis(20));
    let levels = slow_request_levels(layer, "/layer_slow_warn");
    assert_eq!(levels, [tracing::Level::WARN]);
}

#[test]
fn very_slow_requests_are_logged_at_error() {
    let layer = PerfmonLayer::new()
        .slow_request_warn(Duration::from_millis(10))
        .slow_request_error(Duration::from_millis(20));
    let levels = slow_request_levels(layer, "/layer_slow_error");
    assert_eq!(levels, [tracing::Level::ERROR]);
}

#[test]
fn users_and_tenants_are_counted_from_headers() {
    let header = |name: &'static str| {
        move |parts: &axum::http::request::Parts| {
            let value = parts.headers.get(name)?.to_str().ok()?;
            Some(value.to_owned())
        }
    };
    let app = Router::new()
        .route("/layer_users", get(|| async { "hello" }))
        .layer(
            PerfmonLayer::new()
                .user(header("x-user"))
                .tenant(header("x-tenant")),
        );
    let request = |user: &str| {
        Request::builder()
            .uri("/layer_users")
            .header("x-user", user)
            .header("x-tenant", "layer-test-acme")
            .body(Body::empty())
            .unwrap()
    };
    run(async {
        for user in ["layer-test-ann", "layer-test-bob", "layer-test-ann"] {
            send_request(&app, request(user)).await;
        }
        // No header: not counted.
        send(&app, "/layer_users").await;
    });
    let snap = http_stats().snapshot();
    let count =
        |top: &[(String, u64)], name: &str| top.iter().find(|(n, _)| n == name).map(|(_, c)| *c);
    assert_eq!(count(&snap.users.top, "layer-test-ann"), Some(2));
    assert_eq!(count(&snap.users.top, "layer-test-bob"), Some(1));
    assert_eq!(count(&snap.tenants.top, "layer-test-acme"), Some(3));
}

/// Requests answered 405 (a method the route does not serve) share one
/// bucket per route, whatever the method: strangers cannot multiply
/// operations by inventing or cycling methods.
#[test]
fn methods_a_route_does_not_serve_share_one_bucket() {
    let registry = Arc::new(perfmon::Registry::new());
    let (layer, http) = PerfmonLayer::pair();
    let app = Router::new()
        .route("/layer_unserved/{id}", get(|| async { "part" }))
        .layer(layer.registry(registry.clone()));
    run(async {
        assert_eq!(send(&app, "/layer_unserved/1").await, StatusCode::OK);
        for method in ["DELETE", "PUT", "PATCH", "POST", "OPTIONS", "TRACE", "FROB"] {
            let req = Request::builder()
                .method(method)
                .uri("/layer_unserved/2")
                .body(Body::empty())
                .unwrap();
            assert_eq!(
                send_request(&app, req).await,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method}"
            );
        }
    });
    assert_eq!(
        registry.names(),
        ["GET /layer_unserved/{id}", "UNSERVED /layer_unserved/{id}"]
    );
    let unserved = registry.snapshot("UNSERVED /layer_unserved/{id}").unwrap();
    assert_eq!((unserved.count, unserved.failed()), (7, 0));
    let routes = http.snapshot().routes;
    assert_eq!(routes.len(), 2, "{routes:?}");
    let bucket = routes
        .iter()
        .find(|r| r.operation == "UNSERVED /layer_unserved/{id}")
        .unwrap();
    assert_eq!((bucket.requests, bucket.client_errors), (7, 7));
}

/// Routes made by HTTP traffic have a cap of their own (on the layer's HTTP
/// statistics): past it, new routes share one bucket per method, so they
/// never take the registry's room from the application's own operations.
#[test]
fn routes_past_the_http_cap_share_one_bucket() {
    let registry = Arc::new(perfmon::Registry::new());
    let (layer, http) = PerfmonLayer::pair();
    http.set_max_routes(2);
    let mut app = Router::new();
    for name in ["a", "b", "c", "d", "e"] {
        app = app.route(&format!("/layer_cap/{name}"), get(|| async { "ok" }));
    }
    let app = app.layer(layer.registry(registry.clone()));
    run(async {
        for name in ["a", "b", "c", "d", "e", "e"] {
            assert_eq!(
                send(&app, &format!("/layer_cap/{name}")).await,
                StatusCode::OK
            );
        }
    });
    assert_eq!(
        registry.names(),
        ["GET /layer_cap/a", "GET /layer_cap/b", "GET <other routes>"]
    );
    assert_eq!(registry.snapshot("GET <other routes>").unwrap().count, 4);
    assert_eq!(http.snapshot().routes.len(), 3);
}
