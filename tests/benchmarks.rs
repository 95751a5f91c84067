//! Benchmark validation as a user writes it: time the code, then assert that
//! each operation meets its threshold.
//!
//! Every test records into the global registry under its own operation names
//! (tests run in parallel), with synthetic durations so that verdicts never
//! depend on how fast this machine is.

use perfmon::{Benchmark, Benchmarks, Kind, Statistic, Verdict};
use std::path::Path;
use std::time::Duration;

/// Stands in for an instrumented function: records a call of `name` that
/// took `ms` milliseconds.
fn call(name: &str, ms: u64) {
    perfmon::record(name, Kind::DatabaseQuery, Duration::from_millis(ms));
}

fn get_part(id: u64) {
    call("parts.get_part", 5 + id % 40);
}

fn create_part(id: u64) {
    call("parts.create_part", 100 + id % 50);
}

#[test]
fn parts_meet_their_benchmarks() {
    for id in 0..200 {
        get_part(id);
        create_part(id);
    }
    perfmon::validate_benchmarks(&[
        Benchmark::new("parts.get_part", Duration::from_millis(100)), // p95 by default
        Benchmark::new("parts.create_part", Duration::from_millis(300)).mean(),
    ])
    .assert_passed();
}

#[test]
fn a_regression_fails_the_test_with_a_readable_table() {
    for _ in 0..20 {
        call("orders.slow_checkout", 450);
    }
    let report = perfmon::validate_benchmarks(&[Benchmark::new(
        "orders.slow_checkout",
        Duration::from_millis(300),
    )]);
    assert!(!report.passed());
    let panic = std::panic::catch_unwind(|| report.assert_passed()).unwrap_err();
    let message = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(message.contains("operation"), "{message}");
    assert!(
        message.contains("p95 450.000 ms is over the 300.000 ms threshold"),
        "{message}"
    );
    assert!(message.contains("0 passed, 1 failed"), "{message}");
}

#[test]
fn a_misspelled_operation_never_passes_silently() {
    call("inventory.count_stock", 3);
    let report = perfmon::validate_benchmarks(&[Benchmark::new(
        "inventory.cuont_stock",
        Duration::from_secs(60),
    )]);
    let row = &report.rows[0];
    assert_eq!(row.verdict, Verdict::NoData);
    assert!(
        row.reason
            .as_deref()
            .unwrap()
            .contains("did you mean `inventory.count_stock`"),
        "{report}"
    );
    assert!(!report.passed());
}

#[test]
#[should_panic(expected = "nothing was validated")]
fn an_empty_benchmark_list_fails() {
    perfmon::validate_benchmarks(&[]).assert_passed();
}

fn example(file: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(file)
}

#[test]
fn the_example_benchmark_files_agree_and_hold_the_seed_thresholds() {
    let toml = Benchmarks::load(example("benchmarks.toml")).unwrap();
    let json = Benchmarks::load(example("benchmarks.json")).unwrap();
    assert_eq!(toml, json);
    let seeds: Vec<(&str, u64, Statistic)> = toml
        .iter()
        .map(|b| {
            (
                b.operation.as_str(),
                b.threshold.as_millis() as u64,
                b.statistic,
            )
        })
        .collect();
    assert_eq!(
        seeds,
        [
            ("parts.get_part", 100, Statistic::P95),
            ("parts.create_part", 300, Statistic::Mean),
            ("api.search_parts", 1000, Statistic::P95),
        ]
    );
}

#[test]
fn benchmarks_from_a_file_validate_against_recorded_calls() {
    let file = Benchmarks::from_toml_str(
        r#"
        [[benchmarks]]
        operation = "files.read_manifest"
        threshold_ms = 50
        min_samples = 10

        [[benchmarks]]
        operation = "files.write_manifest"
        threshold_ms = 50
        statistic = "max"
        "#,
    )
    .unwrap();
    for _ in 0..10 {
        call("files.read_manifest", 20);
    }
    call("files.write_manifest", 80);
    let report = file.validate();
    let verdicts: Vec<Verdict> = report.rows.iter().map(|r| r.verdict).collect();
    assert_eq!(verdicts, [Verdict::Passed, Verdict::Failed], "{report}");
    assert_eq!(report.failures()[0].operation, "files.write_manifest");
}

#[test]
fn a_report_can_be_saved_and_read_back() {
    call("reports.render", 12);
    let report = perfmon::validate_benchmarks(&[Benchmark::new(
        "reports.render",
        Duration::from_millis(20),
    )
    .p99()]);
    let json = serde_json::to_string_pretty(&report).unwrap();
    let back: perfmon::BenchmarkReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);
    assert!(back.passed());
}
