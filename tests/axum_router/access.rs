//! Access to the monitoring router as an exposed service: tokens long
//! enough to resist guessing, refusals counted (never logged), a JSON 405
//! for a wrong method, and a JSON 415 for a body that is not JSON.

use super::support::{app, bearer, send};
use axum::http::StatusCode;
use axum::Router;
use perfmon::axum::auth::{TokenError, MIN_TOKEN_BYTES};
use perfmon::axum::{prometheus_router, router, RouterOptions};

#[test]
fn tokens_shorter_than_16_bytes_are_refused_with_a_clear_error() {
    assert_eq!(MIN_TOKEN_BYTES, 16);
    let err = RouterOptions::with_token("short-token").unwrap_err();
    assert_eq!(err, TokenError::TooShort { len: 11 });
    assert!(err.to_string().contains("at least 16"), "{err}");
    assert!(RouterOptions::with_token("0123456789abcdef").is_ok());
}

#[tokio::test]
async fn refused_requests_are_counted_in_json_and_prometheus() {
    let app = app();
    for auth in [
        None,
        Some("Bearer wrong-token-wrong-token"),
        Some("Basic abc"),
    ] {
        let r = send(&app, "GET", "/performance/metrics", auth, "").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let endpoints = send(&app, "GET", "/performance/endpoints", bearer(), "")
        .await
        .json();
    assert_eq!(endpoints["auth_failures"], 3, "{endpoints}");
    let text = send(&app, "GET", "/performance/prometheus", bearer(), "")
        .await
        .text();
    assert!(
        text.contains("perfmon_http_auth_failures_total 3\n"),
        "{text}"
    );
    assert!(!text.contains("wrong-token"), "no credential is echoed");

    // The scrape router counts its own refusals.
    let scrape = prometheus_router(RouterOptions::with_token(super::support::TOKEN).unwrap());
    let r = send(&scrape, "GET", "/metrics", None, "").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let text = send(&scrape, "GET", "/metrics", bearer(), "").await.text();
    assert!(
        text.contains("perfmon_http_auth_failures_total 1\n"),
        "{text}"
    );
}

#[tokio::test]
async fn a_wrong_method_is_a_json_405() {
    let app = app();
    for (method, path) in [
        ("DELETE", "/performance/metrics"),
        ("POST", "/performance/operations"),
        ("GET", "/performance/analyze"),
        ("PUT", "/performance/benchmarks/validate"),
    ] {
        let r = send(&app, method, path, bearer(), "").await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        assert!(r.marked, "{method} {path}");
        let body = r.json();
        assert!(
            body["error"].as_str().unwrap().contains(method),
            "{method} {path}: {body}"
        );
    }
    // Without credentials a wrong method is a 401 like any other request:
    // the router says nothing about its routes to strangers.
    let r = send(&app, "DELETE", "/performance/metrics", None, "").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // The public routes answer a JSON 405 too.
    let public = Router::new().nest("/p", router(RouterOptions::public()));
    let r = send(&public, "POST", "/p/health", None, "").await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.json()["error"].is_string());
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_json_415() {
    let app = app();
    let text_body = r#"{"benchmarks":[{"operation":"x","threshold_ms":1}]}"#;
    let r = send_typed(
        &app,
        "/performance/benchmarks/validate",
        Some("text/plain"),
        text_body,
    )
    .await;
    assert_eq!(r.0, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.1);
    assert!(r.1.contains("application/json"), "{}", r.1);
    let r = send_typed(
        &app,
        "/performance/analyze",
        Some("application/x-www-form-urlencoded"),
        "a=1",
    )
    .await;
    assert_eq!(r.0, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.1);
    // JSON bodies, bodies without a declared type and empty bodies pass.
    let r = send_typed(&app, "/performance/benchmarks/validate", None, text_body).await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);
    let r = send_typed(
        &app,
        "/performance/benchmarks/validate",
        Some("application/json; charset=utf-8"),
        text_body,
    )
    .await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);
    let r = send_typed(&app, "/performance/analyze", None, "").await;
    assert_eq!(r.0, StatusCode::OK, "{}", r.1);
}

/// A POST with an explicit content type (or none), with the test token.
async fn send_typed(
    app: &Router,
    uri: &str,
    content_type: Option<&str>,
    body: &str,
) -> (StatusCode, String) {
    use axum::body::Body;
    use axum::http::{header, Request};
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut req = Request::post(uri).header(header::AUTHORIZATION, bearer().unwrap());
    if let Some(t) = content_type {
        req = req.header(header::CONTENT_TYPE, t);
    }
    let response = app
        .clone()
        .oneshot(req.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}
