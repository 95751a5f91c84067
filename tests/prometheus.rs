//! Prometheus and OpenMetrics text as a scraper reads it: every line parsed,
//! every family declared once and contiguous, histograms cumulative.

use perfmon::export::{Format, PrometheusExport, PrometheusWriter};
use perfmon::{monitor_performance, Kind, Level, Outcome, Registry};
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

type Labels = BTreeMap<String, String>;

#[derive(Debug)]
struct Sample {
    name: String,
    labels: Labels,
    value: f64,
}

#[derive(Debug)]
struct Family {
    name: String,
    kind: String,
    samples: Vec<Sample>,
}

fn valid_metric_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_' || f == ':')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_' || x == ':')
}

fn valid_label_name(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|x| x.is_ascii_alphanumeric() || x == '_')
}

fn parse_value(s: &str) -> f64 {
    match s {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        _ => s
            .parse()
            .unwrap_or_else(|_| panic!("value `{s}` is not a float")),
    }
}

/// Parses `{a="x",b="y"}` (the braces included), unescaping values;
/// returns the labels and the rest of the line.
fn parse_labels(s: &str) -> (Labels, &str) {
    let mut labels = Labels::new();
    let mut rest = s.strip_prefix('{').unwrap();
    loop {
        if let Some(r) = rest.strip_prefix('}') {
            return (labels, r);
        }
        let (name, r) = rest.split_once("=\"").expect("label name then =\"");
        assert!(valid_label_name(name), "label name `{name}`");
        let mut value = String::new();
        let mut chars = r.char_indices();
        let end = loop {
            match chars.next().expect("unterminated label value") {
                (_, '\\') => match chars.next().expect("dangling backslash").1 {
                    '\\' => value.push('\\'),
                    '"' => value.push('"'),
                    'n' => value.push('\n'),
                    c => panic!("unknown escape \\{c}"),
                },
                (i, '"') => break i,
                (_, '\n') => panic!("raw newline in label value"),
                (_, c) => value.push(c),
            }
        };
        assert!(
            labels.insert(name.to_owned(), value).is_none(),
            "label `{name}` twice"
        );
        rest = &r[end + 1..];
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
}

/// The family a sample named `sample` belongs to, given the family's type.
fn belongs(sample: &str, family: &str, kind: &str, format: Format) -> bool {
    match (kind, format) {
        ("counter", Format::OpenMetrics) => sample == format!("{family}_total"),
        ("histogram", _) => ["_bucket", "_sum", "_count"]
            .iter()
            .any(|s| sample == format!("{family}{s}")),
        _ => sample == family,
    }
}

/// Parses and checks the whole text; returns the families in order.
fn parse(text: &str, format: Format) -> Vec<Family> {
    assert!(text.ends_with('\n'), "text ends with a newline");
    let mut lines: Vec<&str> = text.lines().collect();
    if format == Format::OpenMetrics {
        assert_eq!(lines.pop(), Some("# EOF"), "OpenMetrics ends with # EOF");
    }
    let mut families: Vec<Family> = Vec::new();
    let mut declared = HashSet::new();
    let mut help: Option<String> = None;
    for line in lines {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, _) = rest.split_once(' ').expect("HELP name text");
            assert!(help.is_none(), "two HELP lines in a row: {line}");
            help = Some(name.to_owned());
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name type");
            assert!(valid_metric_name(name), "family name `{name}`");
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            assert_eq!(help.take().as_deref(), Some(name), "HELP before TYPE");
            assert!(
                declared.insert(name.to_owned()),
                "family `{name}` declared twice"
            );
            if format == Format::OpenMetrics && kind == "counter" {
                assert!(
                    !name.ends_with("_total"),
                    "OpenMetrics counter family {name}"
                );
            }
            if format == Format::Prometheus && kind == "counter" {
                assert!(name.ends_with("_total"), "Prometheus counter family {name}");
            }
            families.push(Family {
                name: name.to_owned(),
                kind: kind.to_owned(),
                samples: Vec::new(),
            });
        } else {
            assert!(!line.starts_with('#'), "unexpected comment `{line}`");
            assert!(help.is_none(), "HELP without TYPE");
            let end = line.find(['{', ' ']).expect("sample name");
            let name = &line[..end];
            assert!(valid_metric_name(name), "sample name `{name}`");
            let (labels, rest) = if line[end..].starts_with('{') {
                parse_labels(&line[end..])
            } else {
                (Labels::new(), &line[end..])
            };
            let value = parse_value(rest.strip_prefix(' ').expect("space before value"));
            let family = families.last_mut().expect("a sample before any TYPE");
            assert!(
                belongs(name, &family.name, &family.kind, format),
                "sample `{name}` outside its family (current: {} {})",
                family.kind,
                family.name
            );
            if family.kind == "counter" {
                assert!(value >= 0.0, "counter {name} = {value}");
            }
            family.samples.push(Sample {
                name: name.to_owned(),
                labels,
                value,
            });
        }
    }
    for f in families.iter().filter(|f| f.kind == "histogram") {
        check_histogram(f);
    }
    families
}

/// One histogram's `(le, cumulative count)` buckets, `_sum` and `_count`.
type Series = (Vec<(f64, f64)>, Option<f64>, Option<f64>);

fn check_histogram(f: &Family) {
    let mut series: BTreeMap<Labels, Series> = BTreeMap::new();
    for s in &f.samples {
        let mut labels = s.labels.clone();
        let le = labels.remove("le");
        let entry = series.entry(labels).or_default();
        match s.name.strip_prefix(f.name.as_str()).unwrap() {
            "_bucket" => entry.0.push((parse_value(&le.expect("le")), s.value)),
            "_sum" => entry.1 = Some(s.value),
            "_count" => entry.2 = Some(s.value),
            other => panic!("histogram sample suffix {other}"),
        }
    }
    for (labels, (buckets, sum, count)) in series {
        assert!(sum.is_some(), "{labels:?} has a _sum");
        let count = count.expect("a _count");
        for w in buckets.windows(2) {
            assert!(w[0].0 < w[1].0, "le increases: {labels:?}");
            assert!(w[0].1 <= w[1].1, "buckets are cumulative: {labels:?}");
        }
        let last = buckets.last().expect("buckets");
        assert_eq!(last.0, f64::INFINITY, "last bucket is +Inf");
        assert_eq!(last.1, count, "+Inf bucket equals _count: {labels:?}");
    }
}

/// The value of the sample `name` whose labels include `labels`.
fn value(families: &[Family], name: &str, labels: &[(&str, &str)]) -> f64 {
    families
        .iter()
        .flat_map(|f| &f.samples)
        .find(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .unwrap_or_else(|| panic!("no sample {name} {labels:?}"))
        .value
}

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
    let Ok(out) = std::process::Command::new("promtool")
        .arg("--version")
        .output()
    else {
        println!("SKIPPED: promtool is not installed; the Rust parser above still ran");
        return;
    };
    assert!(out.status.success());
    let path = std::env::temp_dir().join(format!("perfmon-prometheus-{}.txt", std::process::id()));
    std::fs::write(&path, busy_registry().prometheus(Format::Prometheus)).unwrap();
    let out = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(&path).unwrap())
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "promtool check metrics:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
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
