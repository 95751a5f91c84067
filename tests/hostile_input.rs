#![cfg(feature = "axum")]
//! Hostile text, as property tests: whatever a stranger or a careless caller
//! feeds perfmon, it answers with a value or a clear error, never a panic,
//! and its output stays well formed and bounded.
//!
//! - operation names (any Unicode, quotes, backslashes, newlines) render
//!   into Prometheus and OpenMetrics text that parses back, the name intact;
//! - snapshot JSON, benchmark files (JSON and TOML) and `PERFMON_*`
//!   variables: any input is parsed or refused, never a panic;
//! - every query parameter of every monitoring route: any value is a 200 or
//!   a JSON 400/404, never a 5xx.

#[path = "prometheus/exposition.rs"]
mod exposition;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use exposition::{parse, promtool_check};
use http_body_util::BodyExt;
use perfmon::axum::{router, RouterOptions};
use perfmon::export::Format;
use perfmon::{Benchmarks, Config, Kind, OperationSnapshot, Registry, RegistryExt};
use proptest::prelude::*;
use std::sync::Arc;
use std::time::Duration;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// Any operation name, rendered in either format, parses back with its
    /// label value unescaped to the name as recorded.
    #[test]
    fn any_operation_name_renders_into_text_that_parses_back(name in "\\PC{0,40}|[\"\\\\\n{}=,# ]{0,12}") {
        let reg = Registry::new();
        reg.record(&name, Kind::parse("hostile"), Duration::from_millis(3));
        for format in [Format::Prometheus, Format::OpenMetrics] {
            let text = reg.prometheus(format);
            let families = parse(&text, format);
            let found = families
                .iter()
                .flat_map(|f| &f.samples)
                .any(|s| s.labels.get("operation").map(String::as_str) == Some(name.as_str()));
            prop_assert!(found, "{name:?} not found in\n{text}");
            prop_assert!(text.len() < 64 * 1024, "{} bytes", text.len());
        }
    }

    /// Snapshot JSON from anywhere (another process, a file): any bytes are
    /// parsed or refused, never a panic.
    #[test]
    fn any_bytes_as_snapshot_json_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = serde_json::from_slice::<OperationSnapshot>(&bytes);
        let _ = serde_json::from_slice::<Vec<OperationSnapshot>>(&bytes);
    }

    /// Benchmark files: any text, as JSON or TOML, is read or refused with
    /// an error that names what is wrong, never a panic.
    #[test]
    fn any_benchmark_file_is_read_or_refused(text in "\\PC{0,200}") {
        for result in [Benchmarks::from_json_str(&text), Benchmarks::from_toml_str(&text)] {
            if let Err(e) = result {
                prop_assert!(!e.to_string().is_empty());
                prop_assert!(e.to_string().len() < 1024, "{} bytes", e.to_string().len());
            }
        }
    }

    /// Structured benchmark entries with hostile values: refused by name.
    #[test]
    fn hostile_benchmark_entries_are_refused_by_name(
        operation in "\\PC{0,300}",
        threshold in prop_oneof![Just("1".to_owned()), Just("-1".to_owned()), Just("1e999".to_owned()), "\\PC{0,10}"],
    ) {
        let json = format!(
            r#"{{"benchmarks":[{{"operation":{},"threshold_ms":{}}}]}}"#,
            serde_json::to_string(&operation).unwrap(),
            threshold
        );
        if let Err(e) = Benchmarks::from_json_str(&json) {
            prop_assert!(e.to_string().len() < 1024);
        }
    }

    /// `PERFMON_*` variables: any names and values are applied or refused
    /// with an error naming the variable, never a panic.
    #[test]
    fn any_environment_is_read_or_refused(
        vars in proptest::collection::vec(("PERFMON_[A-Z_]{0,30}|[A-Z]{1,8}", "\\PC{0,20}"), 0..6)
    ) {
        if let Err(e) = Config::from_env_vars(vars.clone()) {
            let msg = e.to_string();
            prop_assert!(
                vars.iter().any(|(k, _)| msg.contains(k.as_str())),
                "the error names no variable: {msg}"
            );
        }
    }
}

proptest! {
    // promtool is a process per case: fewer cases.
    #![proptest_config(ProptestConfig { cases: 24, ..config() })]

    /// Many hostile names in one registry: both formats pass `promtool check
    /// metrics`, Prometheus' own parser (installed by scripts/test.sh; the
    /// Rust parser above runs either way).
    #[test]
    fn hostile_names_pass_promtool(names in proptest::collection::vec("\\PC{1,30}|[\"\\\\\n{}=,# ]{1,8}", 1..40)) {
        let reg = Registry::new();
        for (i, name) in names.iter().enumerate() {
            reg.record(name, Kind::parse("hostile"), Duration::from_millis(1 + i as u64));
        }
        for format in [Format::Prometheus, Format::OpenMetrics] {
            let text = reg.prometheus(format);
            parse(&text, format);
            if format == Format::Prometheus {
                promtool_check(&text);
            }
        }
    }
}

/// Every route with a query parameter, and the parameter.
const QUERIES: &[(&str, &str)] = &[
    ("/metrics", "minutes"),
    ("/summary", "hours"),
    ("/report", "hours"),
    ("/report", "format"),
    ("/trends", "minutes"),
    ("/endpoints", "top_n"),
    ("/database", "minutes"),
    ("/alerts", "hours"),
    ("/alerts", "severity"),
    ("/recommendations", "priority"),
    ("/prometheus", "format"),
    ("/operations/x", "anything"),
];

fn app() -> Router {
    let registry = Arc::new(Registry::new());
    registry.record("hostile.op", Kind::DatabaseQuery, Duration::from_millis(2));
    let options = RouterOptions::public().registry(registry);
    Router::new().nest("/p", router(options))
}

fn percent_encode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..config() })]

    /// Any value of any query parameter of any route: a 200, or a JSON 4xx
    /// naming the parameter; never a 5xx or a dropped connection.
    #[test]
    fn any_query_value_is_answered_without_a_server_error(
        route in 0..QUERIES.len(),
        value in "\\PC{0,24}|[0-9-]{1,24}",
    ) {
        let (path, parameter) = QUERIES[route];
        let uri = format!("/p{path}?{parameter}={}", percent_encode(&value));
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let (status, content_type, body) = rt.block_on(async {
            let response = tower::ServiceExt::oneshot(
                app(),
                Request::get(&uri).body(Body::empty()).unwrap(),
            )
            .await
            .unwrap();
            let status = response.status();
            let content_type = response
                .headers()
                .get(header::CONTENT_TYPE)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            (status, content_type, body)
        });
        prop_assert!(!status.is_server_error(), "{uri}: {status}");
        if status.is_client_error() {
            prop_assert!(content_type.starts_with("application/json"), "{uri}: {content_type}");
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            prop_assert!(body["error"].is_string(), "{uri}: {body}");
            if status == StatusCode::BAD_REQUEST {
                prop_assert_eq!(&body["parameter"], parameter, "{}: {}", uri, body);
            }
        }
        prop_assert!(body.len() < 1024 * 1024, "{uri}: {} bytes", body.len());
    }
}
