//! The operation families against snapshots with known values.

use super::escape::unescape_label_value;
use super::*;
use perfmon_core::{
    CacheSnapshot, Histogram, Kind, Level, LevelBounds, LevelCounts, OperationSnapshot,
};
use std::time::Duration;

const MS: u64 = 1_000_000;

fn snapshot(name: &str, kind: Kind, values_ns: &[u64]) -> OperationSnapshot {
    let bounds = LevelBounds::for_kind(&kind);
    let mut levels = [0u64; 5];
    for v in values_ns {
        levels[bounds.classify(Duration::from_nanos(*v)) as usize] += 1;
    }
    OperationSnapshot {
        name: name.into(),
        kind,
        count: values_ns.len() as u64,
        errors: 2,
        panics: 1,
        cancelled: 0,
        sum_ns: values_ns.iter().map(|&v| u128::from(v)).sum(),
        items: 0,
        min_ns: values_ns.iter().copied().min().unwrap_or(0),
        max_ns: values_ns.iter().copied().max().unwrap_or(0),
        levels: LevelCounts::from_array(levels),
        level_bounds: bounds,
        histogram: Histogram::from_values(values_ns.iter().copied()),
        recent_failures: vec![],
        slowest: vec![],
    }
}

/// The value of the sample line starting with `head` (name and labels).
fn value(text: &str, head: &str) -> f64 {
    let line = text
        .lines()
        .find(|l| l.starts_with(head) && l[head.len()..].starts_with(' '))
        .unwrap_or_else(|| panic!("no sample `{head}` in\n{text}"));
    line[head.len() + 1..].parse().unwrap()
}

#[test]
fn bucket_counts_are_exact_away_from_the_bounds() {
    // 0.3, 0.7, 3, 7, 30, 70, 300, 700 ms, then 3 s and 20 s; ten of each.
    let values: Vec<u64> = [300_000, 700_000, 3 * MS, 7 * MS, 30 * MS, 70 * MS]
        .into_iter()
        .chain([300 * MS, 700 * MS, 3_000 * MS + 1, 20_000 * MS])
        .flat_map(|v| std::iter::repeat_n(v, 10))
        .collect();
    let s = snapshot("op", Kind::Processing, &values);
    let text = render_prometheus(&[s], &[], Format::Prometheus);
    let bucket = |le: &str| {
        value(
            &text,
            &format!(
                "perfmon_operation_duration_seconds_bucket{{operation=\"op\",kind=\"processing\",le=\"{le}\"}}"
            ),
        )
    };
    let expected = [
        ("0.0005", 10.0),
        ("0.001", 20.0),
        ("0.0025", 20.0),
        ("0.005", 30.0),
        ("0.01", 40.0),
        ("0.025", 40.0),
        ("0.05", 50.0),
        ("0.1", 60.0), // also the excellent bound of `processing`
        ("0.25", 60.0),
        ("0.5", 70.0), // good
        ("1.0", 80.0), // acceptable
        ("2.5", 80.0),
        ("3.0", 80.0), // slow: 3 s + 1 ns is above it
        ("5.0", 90.0),
        ("10.0", 90.0),
        ("+Inf", 100.0),
    ];
    for (le, n) in expected {
        assert_eq!(bucket(le), n, "le={le}");
    }
    let labels = "{operation=\"op\",kind=\"processing\"}";
    let sum = value(
        &text,
        &format!("perfmon_operation_duration_seconds_sum{labels}"),
    );
    let exact = values.iter().sum::<u64>() as f64 / 1e9;
    assert!((sum - exact).abs() < 1e-9, "{sum} vs {exact}");
    assert_eq!(
        value(
            &text,
            &format!("perfmon_operation_duration_seconds_count{labels}")
        ),
        100.0
    );
}

#[test]
fn level_bounds_join_the_default_bounds_once_and_in_order() {
    let s = snapshot("q", Kind::DatabaseQuery, &[12 * MS]);
    let les: Vec<f64> = PrometheusExport::new()
        .buckets(&s)
        .iter()
        .map(|b| b.0)
        .collect();
    assert_eq!(
        les,
        [
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            5.0, 10.0
        ]
    );
}

#[test]
fn a_bucket_straddling_a_bound_counts_by_its_midpoint() {
    // 15 ms is inside a bucket of width 2^17 ns starting at 14_942_208 ns.
    let (low, high) = (14_942_208, 14_942_208 + (1 << 17));
    assert!(low < 15 * MS && 15 * MS < high);
    let midpoint = low + (high - low) / 2; // 15_007_744: above 15 ms
    let below = snapshot("q", Kind::DatabaseQuery, &[low]);
    let above = snapshot("q", Kind::DatabaseQuery, &[midpoint]);
    let at = |s: &OperationSnapshot| {
        PrometheusExport::new()
            .buckets(s)
            .into_iter()
            .find(|b| b.0 == 0.015)
            .unwrap()
            .1
    };
    // Both values share a bucket whose midpoint is above 15 ms: neither counts
    // (the first is 0.4 % below the bound, within the documented 1/128).
    assert_eq!(at(&below), 0);
    assert_eq!(at(&above), 0);
    assert_eq!(below.levels.excellent, 1, "the level counter is exact");
}

#[test]
fn buckets_never_exceed_the_count_of_a_racy_snapshot() {
    let mut s = snapshot("op", Kind::Processing, &[MS, 2 * MS, 3 * MS]);
    s.count = 2; // histogram read after one more call landed
    assert!(PrometheusExport::new()
        .buckets(&s)
        .iter()
        .all(|&(_, n)| n <= 2));
}

#[test]
fn level_counters_equal_the_snapshot_level_counts() {
    let values: Vec<u64> = (1..=40).map(|i| i * 5 * MS).collect(); // 5..200 ms
    let s = snapshot("auth", Kind::Authentication, &values);
    let text = render_prometheus(std::slice::from_ref(&s), &[], Format::Prometheus);
    for level in Level::ALL {
        let head = format!(
            "perfmon_operation_level_calls_total{{operation=\"auth\",kind=\"authentication\",level=\"{level}\"}}"
        );
        assert_eq!(value(&text, &head), s.levels.get(level) as f64, "{level}");
    }
    let labels = "{operation=\"auth\",kind=\"authentication\"}";
    assert_eq!(
        value(&text, &format!("perfmon_operation_calls_total{labels}")),
        40.0
    );
    assert_eq!(
        value(&text, &format!("perfmon_operation_errors_total{labels}")),
        2.0
    );
    assert_eq!(
        value(&text, &format!("perfmon_operation_panics_total{labels}")),
        1.0
    );
    assert_eq!(
        value(&text, &format!("perfmon_operation_cancelled_total{labels}")),
        0.0
    );
    let p95 = value(
        &text,
        "perfmon_operation_latency_seconds{operation=\"auth\",kind=\"authentication\",percentile=\"95\"}",
    );
    assert!((p95 - 0.190).abs() / 0.190 < 0.01, "p95 {p95}");
}

#[test]
fn operations_without_calls_have_no_quantiles() {
    let s = snapshot("idle", Kind::Processing, &[]);
    let text = render_prometheus(&[s], &[], Format::Prometheus);
    assert!(!text.contains("perfmon_operation_latency_seconds"));
    assert!(
        text.contains("perfmon_operation_calls_total{operation=\"idle\",kind=\"processing\"} 0\n")
    );
}

#[test]
fn weird_operation_names_round_trip_through_label_values() {
    let name = "weird \"name\"\nwith\\slashes";
    let text = render_prometheus(
        &[snapshot(name, Kind::parse("odd kind"), &[MS])],
        &[],
        Format::OpenMetrics,
    );
    let line = text
        .lines()
        .find(|l| l.starts_with("perfmon_operation_calls_total{"))
        .unwrap();
    let escaped = line
        .strip_prefix("perfmon_operation_calls_total{operation=\"")
        .and_then(|rest| rest.split_once("\",kind=\""))
        .unwrap()
        .0;
    assert_eq!(unescape_label_value(escaped).as_deref(), Some(name));
    assert!(line.ends_with(",kind=\"odd kind\"} 1"), "{line}");
}

#[test]
fn openmetrics_names_counter_families_without_total_and_ends_with_eof() {
    let text = render_prometheus(
        &[snapshot("op", Kind::Processing, &[MS])],
        &[CacheSnapshot {
            name: "L1".into(),
            hits: 3,
            misses: 1,
        }],
        Format::OpenMetrics,
    );
    assert!(text.contains("# TYPE perfmon_operation_calls counter\n"));
    assert!(text.contains("# TYPE perfmon_cache_hits counter\n"));
    assert!(text.contains("perfmon_cache_hits_total{cache=\"L1\"} 3\n"));
    assert!(!text.contains("# TYPE perfmon_operation_calls_total"));
    assert_eq!(text.lines().last(), Some("# EOF"));
    assert_eq!(text.matches("# EOF").count(), 1);
}

#[test]
fn cache_hit_ratio_only_for_caches_with_lookups() {
    let caches = [
        CacheSnapshot {
            name: "L1".into(),
            hits: 3,
            misses: 1,
        },
        CacheSnapshot {
            name: "L2".into(),
            hits: 0,
            misses: 0,
        },
    ];
    let text = render_prometheus(&[], &caches, Format::Prometheus);
    assert!(text.contains("perfmon_cache_hit_ratio{cache=\"L1\"} 0.75\n"));
    assert!(!text.contains("perfmon_cache_hit_ratio{cache=\"L2\"}"));
    assert!(text.contains("perfmon_cache_misses_total{cache=\"L2\"} 0\n"));
}

#[test]
fn prefix_and_registry_families() {
    let reg = perfmon_core::Registry::new();
    reg.set_max_operations(1);
    reg.record("a", Kind::Processing, Duration::from_millis(1));
    reg.record("b", Kind::Processing, Duration::from_millis(1)); // refused
    let text = PrometheusExport::new()
        .with_prefix("svc")
        .render_registry(&reg, Format::Prometheus);
    assert!(text.contains("# TYPE svc_operations gauge\nsvc_operations 1\n"));
    assert!(text.contains("svc_operations_refused_total 1\n"));
    assert!(text.contains(
        "svc_operation_calls_total{operation=\"perfmon.overflow\",kind=\"overflow\"} 1\n"
    ));
    assert!(!text.contains("perfmon_"));
    let bare = PrometheusExport::new()
        .with_prefix("")
        .render_registry(&reg, Format::Prometheus);
    assert!(bare.contains("\noperations 1\n"));
}

#[test]
fn merged_snapshots_export_counts_that_add() {
    let a = snapshot("op", Kind::Processing, &[MS, 30 * MS, 300 * MS]);
    let b = snapshot("op", Kind::Processing, &[2 * MS, 40 * MS]);
    let mut merged = a.clone();
    merged.merge(&b);
    let export = PrometheusExport::new();
    for ((le, m), ((_, x), (_, y))) in export
        .buckets(&merged)
        .into_iter()
        .zip(export.buckets(&a).into_iter().zip(export.buckets(&b)))
    {
        assert_eq!(m, x + y, "le={le}");
    }
    let text = render_prometheus(&[merged], &[], Format::Prometheus);
    let labels = "{operation=\"op\",kind=\"processing\"}";
    assert_eq!(
        value(&text, &format!("perfmon_operation_calls_total{labels}")),
        5.0
    );
    assert_eq!(
        value(&text, &format!("perfmon_operation_errors_total{labels}")),
        4.0
    );
}

#[test]
fn content_types_name_the_format_version() {
    assert!(Format::Prometheus.content_type().contains("version=0.0.4"));
    assert!(Format::OpenMetrics
        .content_type()
        .starts_with("application/openmetrics-text; version=1.0.0"));
}
