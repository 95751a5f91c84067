//! Prometheus and OpenMetrics text as a scraper reads it: every line parsed,
//! every family declared once and contiguous, histograms cumulative.

#[path = "prometheus/exposition.rs"]
mod exposition;

use exposition::{parse, value};
use perfmon::export::{Format, PrometheusExport, PrometheusWriter};
use perfmon::RegistryExt;
use perfmon::{monitor_performance, Kind, Level, Outcome, Registry};
use std::time::Duration;

const WEIRD: &str = "weird \"name\"\nwith\\slashes";

fn busy_registry() -> Registry {
    let reg = Registry::new();
    for ms in [3, 12, 18, 30, 80] {
        reg.record(
            "db.get_user",
            Kind::DatabaseQuery,
            Duration::from_millis(ms),
        );
    }
    reg.record_outcome(
        "auth.login",
        Kind::Authentication,
        Duration::from_millis(45),
        Outcome::Error,
        Some("bad password"),
    );
    reg.record(WEIRD, Kind::parse("odd kind"), Duration::from_micros(700));
    reg.operation("idle", Kind::Processing);
    reg.cache("L1").hit();
    reg.cache("L1").miss();
    reg.cache("cold");
    reg
}

#[test]
fn registry_text_parses_in_both_formats() {
    let reg = busy_registry();
    for format in [Format::Prometheus, Format::OpenMetrics] {
        let families = parse(&reg.prometheus(format), format);
        let names: Vec<&str> = families.iter().map(|f| f.name.as_str()).collect();
        assert!(names.contains(&"perfmon_operation_duration_seconds"));
        assert!(names.contains(&"perfmon_operations"));
        assert_eq!(value(&families, "perfmon_operations", &[]), 4.0);
        assert_eq!(
            value(&families, "perfmon_cache_hit_ratio", &[("cache", "L1")]),
            0.5
        );
    }
}

#[test]
fn weird_operation_name_round_trips_through_the_label_unescaper() {
    let families = parse(
        &busy_registry().prometheus(Format::Prometheus),
        Format::Prometheus,
    );
    let calls = value(
        &families,
        "perfmon_operation_calls_total",
        &[("operation", WEIRD), ("kind", "odd kind")],
    );
    assert_eq!(calls, 1.0);
}

#[test]
fn buckets_and_level_counters_match_the_recorded_calls() {
    let reg = busy_registry();
    let families = parse(&reg.prometheus(Format::Prometheus), Format::Prometheus);
    let op = [("operation", "db.get_user"), ("kind", "database_query")];
    let bucket = |le: &str| {
        let mut labels = op.to_vec();
        labels.push(("le", le));
        value(
            &families,
            "perfmon_operation_duration_seconds_bucket",
            &labels,
        )
    };
    // 3, 12, 18, 30, 80 ms; database_query levels at 15 / 20 / 25 / 50 ms.
    for (le, n) in [
        ("0.0025", 0.0),
        ("0.005", 1.0),
        ("0.015", 2.0),
        ("0.02", 3.0),
        ("0.025", 3.0),
        ("0.05", 4.0),
        ("0.1", 5.0),
        ("+Inf", 5.0),
    ] {
        assert_eq!(bucket(le), n, "le={le}");
    }
    let snap = reg.snapshot("db.get_user").unwrap();
    for level in Level::ALL {
        let mut labels = op.to_vec();
        labels.push(("level", level.name()));
        let n = value(&families, "perfmon_operation_level_calls_total", &labels);
        assert_eq!(n, snap.levels.get(level) as f64, "{level}");
    }
    let sum = value(&families, "perfmon_operation_duration_seconds_sum", &op);
    assert!((sum - 0.143).abs() < 1e-3, "sum {sum}");
}

/// A counter's `_sum` never goes backwards: a call of `Duration::MAX`
/// (saturated to `u64::MAX` ns) and more calls after it keep adding up
/// instead of wrapping the sum.
#[test]
fn the_duration_sum_never_goes_backwards() {
    let reg = Registry::new();
    let op = [("operation", "stream.long"), ("kind", "processing")];
    let sum = |reg: &Registry| {
        let families = parse(&reg.prometheus(Format::Prometheus), Format::Prometheus);
        value(&families, "perfmon_operation_duration_seconds_sum", &op)
    };
    reg.record(
        "stream.long",
        perfmon::Kind::Processing,
        std::time::Duration::from_secs(60),
    );
    let mut last = sum(&reg);
    for _ in 0..3 {
        reg.record(
            "stream.long",
            perfmon::Kind::Processing,
            std::time::Duration::MAX,
        );
        let now = sum(&reg);
        assert!(now > last, "_sum went from {last} to {now}");
        last = now;
    }
    let expected = (3.0 * u64::MAX as f64 + 60e9) / 1e9;
    assert!(
        (last - expected).abs() / expected < 1e-9,
        "{last} vs {expected}"
    );
}

#[test]
fn openmetrics_ends_with_eof_and_names_counter_families_without_total() {
    let text = busy_registry().prometheus(Format::OpenMetrics);
    assert!(text.ends_with("\n# EOF\n"));
    let families = parse(&text, Format::OpenMetrics);
    let calls = families
        .iter()
        .find(|f| f.name == "perfmon_operation_calls")
        .expect("counter family without _total");
    assert_eq!(calls.kind, "counter");
    assert!(calls
        .samples
        .iter()
        .all(|s| s.name == "perfmon_operation_calls_total"));
    let errors = value(
        &families,
        "perfmon_operation_errors_total",
        &[("operation", "auth.login")],
    );
    assert_eq!(errors, 1.0);
}

#[test]
fn merged_snapshots_export_counts_that_add() {
    let (a, b) = (Registry::new(), Registry::new());
    for ms in [1, 4, 9, 40, 400] {
        a.record("api.orders", Kind::ApiResponse, Duration::from_millis(ms));
    }
    for ms in [2, 70, 90, 700] {
        b.record("api.orders", Kind::ApiResponse, Duration::from_millis(ms));
    }
    let (sa, sb) = (a.snapshots(), b.snapshots());
    let mut merged = sa[0].clone();
    merged.merge(&sb[0]);
    let parsed = |s| {
        parse(
            &perfmon::render_prometheus(s, &[], Format::Prometheus),
            Format::Prometheus,
        )
    };
    let (pa, pb, pm) = (
        parsed(&sa),
        parsed(&sb),
        parsed(std::slice::from_ref(&merged)),
    );
    let mut compared = 0;
    for (fm, (fa, fb)) in pm.iter().zip(pa.iter().zip(&pb)) {
        if fm.kind == "gauge" {
            continue; // quantiles do not add
        }
        for (m, (x, y)) in fm.samples.iter().zip(fa.samples.iter().zip(&fb.samples)) {
            assert_eq!((&m.name, &m.labels), (&x.name, &x.labels));
            let expected = x.value + y.value;
            assert!(
                (m.value - expected).abs() < 1e-9,
                "{} {:?}",
                m.name,
                m.labels
            );
            compared += 1;
        }
    }
    assert!(compared > 20, "compared {compared} samples");
    assert_eq!(
        value(
            &pm,
            "perfmon_operation_calls_total",
            &[("operation", "api.orders")]
        ),
        9.0
    );
}

#[monitor_performance(kind = "processing", name = "prometheus_test.annotated")]
fn annotated(x: u64) -> u64 {
    x * 2
}

#[test]
fn global_registry_and_families_of_a_later_layer_share_one_text() {
    assert_eq!(annotated(21), 42);
    let text = perfmon::prometheus(Format::Prometheus);
    let families = parse(&text, Format::Prometheus);
    let calls = value(
        &families,
        "perfmon_operation_calls_total",
        &[("operation", "prometheus_test.annotated")],
    );
    assert!(calls >= 1.0);

    let mut w = PrometheusWriter::new(Format::OpenMetrics);
    PrometheusExport::new().write_registry(&mut w, &busy_registry());
    w.gauge("perfmon_http_in_flight", "Requests being served.")
        .sample(&[("route", "/orders/{id}")], 2.0);
    w.counter(
        "perfmon_operation_calls",
        "reopened: samples join the family",
    )
    .sample(&[("operation", "extra"), ("kind", "custom")], 1.0);
    let families = parse(&w.finish(), Format::OpenMetrics);
    assert_eq!(value(&families, "perfmon_http_in_flight", &[]), 2.0);
    assert_eq!(
        value(
            &families,
            "perfmon_operation_calls_total",
            &[("operation", "extra")]
        ),
        1.0
    );
}

#[test]
fn promtool_accepts_the_text() {
    exposition::promtool_check(&busy_registry().prometheus(Format::Prometheus));
}

#[test]
#[should_panic(expected = "outside its family")]
fn the_checker_rejects_interleaved_families() {
    parse(
        "# HELP a A.\n# TYPE a gauge\na 1\n# HELP b B.\n# TYPE b gauge\nb 1\na 2\n",
        Format::Prometheus,
    );
}

#[test]
#[should_panic(expected = "+Inf bucket equals _count")]
fn the_checker_rejects_an_inf_bucket_other_than_the_count() {
    parse(
        "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1.0\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",
        Format::Prometheus,
    );
}
