#![cfg(feature = "axum")]
//! The monitoring router through `perfmon::axum`: every route's status and
//! JSON shape, access (token, guard, public health), JSON 400s naming the
//! parameter, Prometheus text, benchmark validation, and odd input.

#[path = "axum_router/access.rs"]
mod access;
#[path = "prometheus/exposition.rs"]
mod exposition;
#[path = "axum_router/support.rs"]
mod support;
#[path = "axum_router/two_apps.rs"]
mod two_apps;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use perfmon::axum::{prometheus_router, router, RouterOptions};
use perfmon::export::Format;
use serde_json::Value;
use support::*;
use tower::ServiceExt;

#[tokio::test]
async fn every_route_answers_json_of_its_shape() {
    let app = app();
    for (method, path, keys) in PROTECTED {
        let r = send(&app, method, &format!("/performance{path}"), bearer(), "").await;
        assert_eq!(r.status, StatusCode::OK, "{method} {path}: {}", r.text());
        assert!(r.marked, "{method} {path} carries MonitoringResponse");
        assert_eq!(r.headers[header::CACHE_CONTROL], "no-store", "{path}");
        assert!(r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let body = r.json();
        for key in *keys {
            assert!(
                body.get(key).is_some(),
                "{method} {path} lacks {key}: {body}"
            );
        }
    }
}

#[tokio::test]
async fn report_full_is_the_runtime_report_serialized() {
    let r = send(
        &app(),
        "GET",
        "/performance/report?format=full",
        bearer(),
        "",
    )
    .await;
    let report: perfmon::Report = serde_json::from_slice(&r.body).expect("a Report");
    assert!(report.operations.iter().any(|o| o.name == DB_OP));
    let expected = serde_json::to_value(perfmon::report(&Default::default())).unwrap();
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&r.json()), keys(&expected));
}

#[tokio::test]
async fn endpoints_list_routes_by_requests_with_latency_and_series() {
    let body = send(
        &app(),
        "GET",
        "/performance/endpoints?top_n=1000",
        bearer(),
        "",
    )
    .await
    .json();
    let routes = body["routes"].as_array().unwrap();
    let requests: Vec<u64> = routes
        .iter()
        .map(|r| r["requests"].as_u64().unwrap())
        .collect();
    assert!(
        requests.windows(2).all(|w| w[0] >= w[1]),
        "sorted by requests"
    );
    let row = routes.iter().find(|r| r["operation"] == ROUTE_OP).unwrap();
    for key in [
        "operation",
        "method",
        "route",
        "requests",
        "client_errors",
        "server_errors",
        "queries",
        "query_ms",
        "queries_per_request",
        "p50_ms",
        "p95_ms",
        "mean_ms",
        "series",
    ] {
        assert!(row.get(key).is_some(), "route row lacks {key}: {row}");
    }
    assert!(row["client_errors"].as_u64().unwrap() >= 1);
    assert_eq!(row["series"].as_array().unwrap().len(), 60);
    assert!(row["p50_ms"].as_f64().unwrap() > 0.0);
}

#[tokio::test]
async fn database_lists_queries_and_n_plus_one() {
    let body = send(&app(), "GET", "/performance/database", bearer(), "")
        .await
        .json();
    assert!(body["queries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|q| q["name"] == DB_OP));
    let found = body["n_plus_one"].as_array().unwrap();
    assert!(found
        .iter()
        .any(|p| p["operation"] == DB_OP && p["endpoint"] == ROUTE_OP));
}

#[tokio::test]
async fn protected_routes_refuse_missing_wrong_and_other_scheme_credentials() {
    let app = app();
    for (method, path, _) in PROTECTED {
        let uri = format!("/performance{path}");
        for auth in [
            None,
            Some("Bearer wrong-token"),
            Some("Bearer axum-router-test-toke"),
            Some("Bearer axum-router-test-token-and-more"),
            Some("Basic YWRtaW46YWRtaW4="),
            Some("axum-router-test-token"),
            Some("Bearer "),
        ] {
            let r = send(&app, method, &uri, auth, "").await;
            assert_unauthorized(&r, &format!("{method} {path} with {auth:?}"));
        }
    }
    // The scheme is case-insensitive.
    let r = send(
        &app,
        "GET",
        "/performance/metrics",
        Some("bearer axum-router-test-token"),
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn health_is_public_unless_protected() {
    let app = app();
    // Without credentials: status and score only, naming nothing.
    let r = send(&app, "GET", "/performance/health", None, "").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.marked);
    let body = r.json();
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["score", "score_band", "status", "window"], "{body}");
    assert_eq!(
        body["window"],
        serde_json::json!({"last_minutes": 5}),
        "{body}"
    );
    assert!(!r.text().contains("axum_router_test"), "{}", r.text());
    // With credentials: health per kind and the active alerts too.
    let r = send(&app, "GET", "/performance/health", bearer(), "").await;
    let body = r.json();
    for key in [
        "status",
        "score",
        "components",
        "active_alerts",
        "active_alert_count",
    ] {
        assert!(body.get(key).is_some(), "health lacks {key}: {body}");
    }
    let options = RouterOptions::with_token(TOKEN).unwrap().protect_health();
    let protected = Router::new().nest("/p", router(options));
    assert_unauthorized(
        &send(&protected, "GET", "/p/health", None, "").await,
        "health",
    );
    let r = send(&protected, "GET", "/p/health", bearer(), "").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json().get("components").is_some());
}

/// `/alerts` and `/recommendations` say how many they list, per severity or
/// priority (every level named).
#[tokio::test]
async fn alert_and_recommendation_bodies_count_what_they_list() {
    let app = app();
    // An evaluation first, so alerts exist (the support app records slow
    // database calls).
    send(&app, "POST", "/performance/analyze", bearer(), "").await;
    for (path, list, by) in [
        ("/alerts", "active", "by_severity"),
        ("/recommendations", "recommendations", "by_priority"),
    ] {
        let body = send(&app, "GET", &format!("/performance{path}"), bearer(), "")
            .await
            .json();
        let items = body[list].as_array().unwrap();
        assert!(!items.is_empty(), "{path}: nothing to count: {body}");
        assert_eq!(body["count"], items.len(), "{path}: {body}");
        let by = body[by].as_object().unwrap();
        let keys: Vec<&str> = by.keys().map(String::as_str).collect();
        assert_eq!(keys, ["critical", "high", "low", "medium"], "{path}");
        let field = if path == "/alerts" {
            "severity"
        } else {
            "priority"
        };
        for (level, n) in by {
            let listed = items.iter().filter(|i| i[field] == level.as_str()).count();
            assert_eq!(n, listed, "{path} {level}: {body}");
        }
        let total: u64 = by.values().map(|n| n.as_u64().unwrap()).sum();
        assert_eq!(total as usize, items.len());
    }
    let alerts = send(&app, "GET", "/performance/alerts", bearer(), "")
        .await
        .json();
    assert_eq!(
        alerts["history_count"],
        alerts["history"].as_array().unwrap().len()
    );
}

/// Live views judge the analysis window; accounting views count since start.
#[tokio::test]
async fn live_views_judge_the_window_and_accounts_count_since_start() {
    let app = app();
    let window = |path: &'static str| {
        let app = app.clone();
        async move {
            let r = send(&app, "GET", &format!("/performance{path}"), bearer(), "").await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text());
            r.json()["window"].clone()
        }
    };
    let five = serde_json::json!({"last_minutes": 5});
    assert_eq!(window("/summary").await, five);
    assert_eq!(window("/recommendations").await, five);
    assert_eq!(window("/report?format=dashboard").await, five);
    // Beyond the hour of per-minute buckets, the day of 10-minute buckets
    // answers, and the body says at what resolution.
    assert_eq!(
        window("/summary?hours=2").await,
        serde_json::json!({"last_minutes": 120})
    );
    assert_eq!(window("/report").await, serde_json::json!("all"));
    let day = send(&app, "GET", "/performance/report?hours=24", bearer(), "").await;
    let day = day.json();
    assert_eq!(day["window"], serde_json::json!({"last_minutes": 1440}));
    assert_eq!(day["resolution_minutes"], 10);
    let hour = send(&app, "GET", "/performance/metrics?minutes=60", bearer(), "").await;
    assert_eq!(hour.json()["resolution_minutes"], 1);
    let past = send(
        &app,
        "GET",
        "/performance/metrics?minutes=1441",
        bearer(),
        "",
    )
    .await;
    assert_eq!(past.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        window("/report?format=summary").await,
        serde_json::json!("all")
    );
}

/// The dashboard's body holds what the page renders: its size does not grow
/// with the number of operations, while the full report's does.
#[tokio::test]
async fn the_dashboard_body_is_sized_to_what_it_renders() {
    use perfmon::{Kind, Registry};
    use std::sync::Arc;
    use std::time::Duration;
    let registry = Arc::new(Registry::new());
    let options = RouterOptions::with_token(TOKEN)
        .unwrap()
        .registry(registry.clone());
    let app = Router::new().nest("/p", router(options));
    let size = |ops: usize| {
        for i in 0..ops {
            let name = format!("dashboard_size.operation_with_a_longish_name_{i}");
            for ms in [1, 5, 900] {
                registry.record(&name, Kind::DatabaseQuery, Duration::from_millis(ms));
            }
        }
    };
    size(10);
    let small = send(&app, "GET", "/p/report?format=dashboard", bearer(), "").await;
    size(400);
    let large = send(&app, "GET", "/p/report?format=dashboard", bearer(), "").await;
    let full = send(&app, "GET", "/p/report", bearer(), "").await;
    let body = large.json();
    assert!(body.get("operations").is_none() && body.get("snapshots").is_none());
    // The live view judges the analysis window (5 minutes by default).
    assert_eq!(body["window"], serde_json::json!({"last_minutes": 5}));
    let hours = send(
        &app,
        "GET",
        "/p/report?format=dashboard&hours=2",
        bearer(),
        "",
    )
    .await;
    assert_eq!(
        hours.json()["window"],
        serde_json::json!({"last_minutes": 120})
    );
    assert_eq!(body["slow_operations"].as_array().unwrap().len(), 20);
    assert!(
        large.body.len() < 2 * small.body.len() + 16 * 1024,
        "dashboard body {} bytes for 410 operations, {} for 10",
        large.body.len(),
        small.body.len()
    );
    assert!(
        full.body.len() > 10 * large.body.len(),
        "full {}",
        full.body.len()
    );
}

/// The answer without credentials is computed once per second at most:
/// a flood of strangers costs one health computation a second, not one a
/// request. Checked on a registry of its own, whose state changes between
/// two requests that arrive within the second.
#[tokio::test]
async fn public_health_is_computed_once_a_second() {
    use perfmon::{Kind, Registry};
    use std::sync::Arc;
    use std::time::Duration;
    let registry = Arc::new(Registry::new());
    let options = RouterOptions::with_token(TOKEN)
        .unwrap()
        .registry(registry.clone());
    let app = Router::new().nest("/p", router(options));
    let first = send(&app, "GET", "/p/health", None, "").await.json();
    assert_eq!(first["status"], "healthy");
    for _ in 0..10 {
        registry.record(
            "health.slow_db",
            Kind::DatabaseQuery,
            Duration::from_millis(900),
        );
    }
    let cached = send(&app, "GET", "/p/health", None, "").await.json();
    assert_eq!(cached, first, "reused within the second");
    let fresh = send(&app, "GET", "/p/health", bearer(), "").await.json();
    assert_eq!(
        fresh["status"], "critical",
        "credentials always get a fresh answer"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let later = send(&app, "GET", "/p/health", None, "").await.json();
    assert_eq!(later["status"], "critical", "recomputed after the second");
}

#[tokio::test]
async fn guard_decides_from_the_request_head() {
    let options =
        RouterOptions::with_guard(|parts| parts.headers.get("x-role").is_some_and(|v| v == "ops"));
    let app = Router::new().nest("/p", router(options));
    let allowed = app
        .clone()
        .oneshot(
            Request::get("/p/metrics")
                .header("x-role", "ops")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    let denied = send(&app, "GET", "/p/metrics", bearer(), "").await;
    assert_unauthorized(&denied, "guard said no");
    let panicking =
        Router::new().nest("/p", router(RouterOptions::with_guard(|_| panic!("guard"))));
    let r = send(&panicking, "GET", "/p/metrics", bearer(), "").await;
    assert_unauthorized(&r, "a panicking guard denies");
}

#[tokio::test]
async fn public_router_needs_no_credentials_and_empty_tokens_are_refused() {
    let app = Router::new().nest("/p", router(RouterOptions::public()));
    assert_eq!(
        send(&app, "GET", "/p/compliance", None, "").await.status,
        StatusCode::OK
    );
    assert!(RouterOptions::with_token("").is_err());
    assert!(RouterOptions::with_token("two words").is_err());
}

#[tokio::test]
async fn bad_parameters_are_json_400s_naming_them() {
    let cases: &[(&str, &str)] = &[
        ("/metrics?minutes=-5", "minutes"),
        ("/metrics?minutes=0", "minutes"),
        ("/metrics?minutes=1441", "minutes"),
        ("/metrics?minutes=abc", "minutes"),
        ("/metrics?minutes=99999999999999999999999", "minutes"),
        ("/metrics?minutes=5&minutes=6", "minutes"),
        ("/database?minutes=1.5", "minutes"),
        ("/trends?minutes=", "minutes"),
        ("/summary?hours=-1", "hours"),
        ("/summary?hours=100000", "hours"),
        ("/report?hours=169", "hours"),
        ("/report?format=xml", "format"),
        ("/alerts?hours=0", "hours"),
        ("/alerts?severity=urgent", "severity"),
        ("/recommendations?priority=now", "priority"),
        ("/endpoints?top_n=ten", "top_n"),
        ("/endpoints?top_n=0", "top_n"),
        ("/endpoints?top_n=1001", "top_n"),
        ("/prometheus?format=json", "format"),
    ];
    let app = app();
    for (path, parameter) in cases {
        let r = send(&app, "GET", &format!("/performance{path}"), bearer(), "").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.text());
        assert!(r.marked, "{path}");
        let body = r.json();
        assert_eq!(body["parameter"], *parameter, "{path}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains(parameter),
            "{path}: {body}"
        );
    }
    let body = send(&app, "GET", "/performance/metrics?minutes=-5", bearer(), "")
        .await
        .json();
    assert_eq!(
        body["error"],
        "minutes must be a whole number from 1 to 1440"
    );
    assert_eq!(body["value"], "-5");
}

#[tokio::test]
async fn unknown_parameters_are_ignored_and_unknown_operations_are_404() {
    let app = app();
    let r = send(
        &app,
        "GET",
        "/performance/metrics?_=1700000000&x=y",
        bearer(),
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = send(
        &app,
        "GET",
        "/performance/operations/axum_router_test.nope",
        bearer(),
        "",
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.marked);
    assert!(r.json()["error"]
        .as_str()
        .unwrap()
        .contains("axum_router_test.nope"));
    // Names with spaces, slashes and braces travel percent-encoded.
    let uri = "/performance/operations/GET%20%2Faxum-router-test%2F%7Bid%7D";
    let r = send(&app, "GET", uri, bearer(), "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["operation"]["name"], ROUTE_OP);
    let r = send(&app, "GET", "/performance/no-such-route", bearer(), "").await;
    assert_eq!((r.status, r.marked), (StatusCode::NOT_FOUND, true));
}

#[tokio::test]
async fn prometheus_text_parses_and_passes_promtool() {
    let app = app();
    for (query, format) in [
        ("", Format::Prometheus),
        ("?format=openmetrics", Format::OpenMetrics),
    ] {
        let r = send(
            &app,
            "GET",
            &format!("/performance/prometheus{query}"),
            bearer(),
            "",
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.headers[header::CONTENT_TYPE], format.content_type());
        let text = r.text();
        assert!(text.contains(DB_OP));
        let families = exposition::parse(&text, format);
        let calls = exposition::value(
            &families,
            "perfmon_operation_calls_total",
            &[("operation", DB_OP)],
        );
        assert!(calls >= 5.0, "{calls}");
        if format == Format::Prometheus {
            exposition::promtool_check(&text);
        }
    }
    let scrape = prometheus_router(RouterOptions::with_token(TOKEN).unwrap());
    assert_unauthorized(&send(&scrape, "GET", "/metrics", None, "").await, "scrape");
    let r = send(&scrape, "GET", "/metrics", bearer(), "").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.marked);
    exposition::parse(&r.text(), Format::Prometheus);
}

#[tokio::test]
async fn benchmarks_validate_bodies_and_refuse_malformed_ones() {
    let app = app();
    let uri = "/performance/benchmarks/validate";
    let body = format!(
        r#"{{ "benchmarks": [
            {{ "operation": "{DB_OP}", "threshold_ms": 10000 }},
            {{ "operation": "{DB_OP}", "threshold_ms": 1, "statistic": "max" }}
        ] }}"#
    );
    let v = send(&app, "POST", uri, bearer(), &body).await.json();
    assert_eq!(
        (v["passed"].as_bool(), v["passed_count"].as_u64()),
        (Some(false), Some(1))
    );
    assert_eq!(v["rows"][0]["verdict"], "passed");
    assert_eq!(v["rows"][1]["verdict"], "failed");
    // An empty body validates the configured benchmarks.
    let v = send(&app, "POST", uri, bearer(), "  ").await.json();
    assert_eq!(v["passed"], true, "{v}");
    let listed = send(&app, "GET", "/performance/benchmarks", bearer(), "")
        .await
        .json();
    assert_eq!(listed["benchmarks"][0]["operation"], DB_OP);
    for bad in [
        "{",
        "[]",
        r#"{"benchmarks": [{"operation": 3}]}"#,
        "\u{0}\u{1}",
    ] {
        let r = send(&app, "POST", uri, bearer(), bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad:?}: {}", r.text());
        assert_eq!(r.json()["parameter"], "body");
    }
}

#[tokio::test]
async fn odd_query_strings_never_fail_the_server() {
    let app = app();
    let odd = [
        "minutes=&hours=&top_n=&severity=&priority=&format=",
        "minutes=%E2%9C%93&hours=%F0%9F%92%A5&severity=%C3%A9",
        "top_n=184467440737095516161844674407370955161&hours=1e3&minutes=0x10",
        "severity=high&severity=low&format=full&format=summary",
        "minutes",
        "&&&==&=",
        "%zz=%zz&minutes=%",
        "hours=+1&top_n=%2B5&minutes=%205",
        "severity=HIGH&priority=Critical&format=OpenMetrics",
    ];
    let long = format!("minutes={}&top_n={}", "9".repeat(5000), "1".repeat(5000));
    let gets: Vec<&str> = PROTECTED
        .iter()
        .filter(|(m, _, _)| *m == "GET")
        .map(|(_, p, _)| p.split('?').next().unwrap())
        .chain(["/health", "/prometheus", "/operations/%FF%FE"])
        .collect();
    for path in gets {
        for query in odd.iter().copied().chain([long.as_str()]) {
            let uri = format!("/performance{path}?{query}");
            let r = send(&app, "GET", &uri, bearer(), "").await;
            assert!(
                [
                    StatusCode::OK,
                    StatusCode::BAD_REQUEST,
                    StatusCode::NOT_FOUND
                ]
                .contains(&r.status),
                "{uri}: {} {}",
                r.status,
                r.text()
            );
            if r.status != StatusCode::OK || !path.starts_with("/prometheus") {
                r.json(); // JSON whatever the status
            }
        }
    }
}

#[tokio::test]
async fn the_dashboard_page_is_served_at_the_root_without_a_token() {
    let r = send(&app(), "GET", "/performance", None, "").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.marked, "the layer must leave the dashboard out");
    let ctype = r.headers.get("content-type").unwrap().to_str().unwrap();
    assert!(ctype.starts_with("text/html"), "{ctype}");
    assert!(r.text().contains("<html"), "not the page");
    // The data behind it still needs the token.
    let data = send(&app(), "GET", "/performance/report", None, "").await;
    assert_eq!(data.status, StatusCode::UNAUTHORIZED);
}
