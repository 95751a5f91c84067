//! Validation against synthetic durations recorded into isolated registries.

use super::*;
use perfmon_core::Kind;

const OP: &str = "parts.get_part";

/// A registry where `OP` has 1000 calls whose statistics are all different:
/// 600 x 10 ms, 340 x 20 ms, 45 x 100 ms, 14 x 500 ms, 1 x 2000 ms, so
/// p50 = 10, mean = 26.3, p95 = 100, p99 = 500, max = 2000 (percentiles
/// within the histogram's 1 %).
fn spread() -> Registry {
    let reg = Registry::new();
    for (n, ms) in [(600, 10), (340, 20), (45, 100), (14, 500), (1, 2000)] {
        for _ in 0..n {
            reg.record(OP, Kind::DatabaseQuery, Duration::from_millis(ms));
        }
    }
    reg
}

fn ms(v: f64) -> Duration {
    Duration::from_secs_f64(v / 1e3)
}

fn one(reg: &Registry, b: Benchmark) -> BenchmarkRow {
    let mut report = reg.validate_benchmarks(&[b]);
    assert_eq!(report.rows.len(), 1);
    report.rows.remove(0)
}

#[test]
fn each_statistic_compares_its_own_value() {
    let reg = spread();
    let summary = reg.summary(OP).unwrap();
    let nominal = [
        (Statistic::Mean, 26.3),
        (Statistic::P50, 10.0),
        (Statistic::P95, 100.0),
        (Statistic::P99, 500.0),
        (Statistic::Max, 2000.0),
    ];
    for (stat, value) in nominal {
        let observed = stat.of(&summary);
        assert!(
            (observed - value).abs() <= value * 0.01,
            "{stat}: {observed}"
        );
        let pass = one(
            &reg,
            Benchmark::new(OP, ms(value * 1.05)).with_statistic(stat),
        );
        assert_eq!(pass.verdict, Verdict::Passed, "{stat}: {pass:?}");
        assert_eq!(pass.observed_ms, Some(observed));
        assert_eq!(pass.samples, 1000);
        assert_eq!(pass.reason, None);
        let fail = one(
            &reg,
            Benchmark::new(OP, ms(value * 0.95)).with_statistic(stat),
        );
        assert_eq!(fail.verdict, Verdict::Failed, "{stat}: {fail:?}");
        let reason = fail.reason.unwrap();
        assert!(
            reason.starts_with(&format!("{stat} ")) && reason.contains("over the"),
            "{reason}"
        );
    }
}

#[test]
fn builder_methods_pick_the_statistic() {
    let b = || Benchmark::new(OP, Duration::ZERO);
    assert_eq!(b().statistic, Statistic::P95);
    assert_eq!(b().mean().statistic, Statistic::Mean);
    assert_eq!(b().p50().statistic, Statistic::P50);
    assert_eq!(b().p99().p95().statistic, Statistic::P95);
    assert_eq!(b().p99().statistic, Statistic::P99);
    assert_eq!(b().max().statistic, Statistic::Max);
}

#[test]
fn an_observed_value_equal_to_the_threshold_passes() {
    let reg = Registry::new();
    for _ in 0..50 {
        reg.record(OP, Kind::DatabaseQuery, Duration::from_millis(100));
    }
    for stat in Statistic::ALL {
        let at = one(
            &reg,
            Benchmark::new(OP, Duration::from_millis(100)).with_statistic(stat),
        );
        assert_eq!(at.observed_ms, Some(100.0), "{stat}");
        assert_eq!(at.verdict, Verdict::Passed, "{stat}: {at:?}");
        let under = one(
            &reg,
            Benchmark::new(OP, Duration::from_nanos(99_999_999)).with_statistic(stat),
        );
        assert_eq!(under.verdict, Verdict::Failed, "{stat}: {under:?}");
    }
}

#[test]
fn too_few_samples_fail_even_under_the_threshold() {
    let reg = Registry::new();
    for _ in 0..3 {
        reg.record(OP, Kind::DatabaseQuery, Duration::from_millis(1));
    }
    let row = one(
        &reg,
        Benchmark::new(OP, Duration::from_millis(100)).min_samples(10),
    );
    assert_eq!(row.verdict, Verdict::Failed);
    assert_eq!((row.samples, row.min_samples), (3, Some(10)));
    assert_eq!(
        row.reason.as_deref(),
        Some("only 3 calls recorded, fewer than the 10 required (min_samples)")
    );
    let enough = one(
        &reg,
        Benchmark::new(OP, Duration::from_millis(100)).min_samples(3),
    );
    assert_eq!(enough.verdict, Verdict::Passed);
}

#[test]
fn both_reasons_are_given_when_slow_and_short_of_samples() {
    let reg = Registry::new();
    reg.record(OP, Kind::DatabaseQuery, Duration::from_millis(200));
    let row = one(
        &reg,
        Benchmark::new(OP, Duration::from_millis(100))
            .max()
            .min_samples(5),
    );
    assert_eq!(
        row.reason.as_deref(),
        Some(
            "max 200.000 ms is over the 100.000 ms threshold; \
             only 1 call recorded, fewer than the 5 required (min_samples)"
        )
    );
}

#[test]
fn a_misspelled_operation_fails_and_suggests_the_closest_name() {
    let reg = spread();
    reg.record(
        "parts.create_part",
        Kind::DatabaseQuery,
        Duration::from_millis(1),
    );
    reg.record("auth.login", Kind::Authentication, Duration::from_millis(1));
    let row = one(
        &reg,
        Benchmark::new("parts.get_prat", Duration::from_secs(3600)),
    );
    assert_eq!(row.verdict, Verdict::NoData);
    assert_eq!((row.observed_ms, row.samples), (None, 0));
    let reason = row.reason.unwrap();
    assert!(
        reason.starts_with("no calls recorded for `parts.get_prat`; did you mean `parts.get_part`"),
        "{reason}"
    );
    assert!(!reason.contains("auth.login"), "{reason}");
}

#[test]
fn no_data_in_an_empty_registry_says_nothing_was_recorded() {
    let row = one(&Registry::new(), Benchmark::new(OP, Duration::from_secs(1)));
    assert_eq!(row.verdict, Verdict::NoData);
    assert_eq!(
        row.reason.as_deref(),
        Some("no calls recorded for `parts.get_part`: no operations recorded yet")
    );
}

#[test]
fn no_data_without_a_similar_name_says_so() {
    let reg = Registry::new();
    reg.record("auth.login", Kind::Authentication, Duration::from_millis(1));
    let row = one(&reg, Benchmark::new(OP, Duration::from_secs(1)));
    assert_eq!(
        row.reason.as_deref(),
        Some("no calls recorded for `parts.get_part`; no recorded operation has a similar name (1 recorded)")
    );
}

#[test]
fn a_registered_operation_without_calls_is_no_data() {
    let reg = spread();
    reg.reset();
    let row = one(&reg, Benchmark::new(OP, Duration::from_secs(1)));
    assert_eq!(row.verdict, Verdict::NoData);
    assert!(row.reason.unwrap().contains("registered but has no calls"));
}

#[test]
fn no_data_mentions_names_refused_by_the_cap() {
    let reg = Registry::new();
    reg.set_max_operations(1);
    reg.record("auth.login", Kind::Authentication, Duration::from_millis(1));
    reg.record(OP, Kind::DatabaseQuery, Duration::from_millis(1));
    let row = one(&reg, Benchmark::new(OP, Duration::from_secs(1)));
    assert_eq!(row.verdict, Verdict::NoData);
    assert!(row
        .reason
        .unwrap()
        .contains("refused by the operation cap of 1"));
}

#[test]
fn an_empty_benchmark_list_does_not_pass() {
    let report = spread().validate_benchmarks(&[]);
    assert!(report.rows.is_empty());
    assert!(!report.passed());
}

#[test]
fn the_report_keeps_every_benchmark_in_order() {
    let reg = spread();
    let report = reg.validate_benchmarks(&[
        Benchmark::new(OP, Duration::from_secs(5)).max(),
        Benchmark::new("nope", Duration::from_secs(5)),
        Benchmark::new(OP, Duration::from_millis(1)).p50(),
    ]);
    let verdicts: Vec<Verdict> = report.rows.iter().map(|r| r.verdict).collect();
    assert_eq!(
        verdicts,
        [Verdict::Passed, Verdict::NoData, Verdict::Failed]
    );
    assert!(!report.passed());
    assert_eq!(report.failures().len(), 2);
    assert_eq!(report.rows[2].threshold_ms, 1.0);
}

#[test]
fn a_report_of_passing_benchmarks_passes_and_does_not_panic() {
    let reg = spread();
    let report = reg.validate_benchmarks(&[
        Benchmark::new(OP, Duration::from_secs(5)).max(),
        Benchmark::new(OP, Duration::from_millis(30)).mean(),
    ]);
    assert!(report.passed(), "{report}");
    report.assert_passed();
}

#[test]
#[should_panic(expected = "no calls recorded for `parts.get_prat`; did you mean `parts.get_part`?")]
fn assert_passed_panics_with_the_reason_in_the_table() {
    spread()
        .validate_benchmarks(&[Benchmark::new("parts.get_prat", Duration::from_secs(1))])
        .assert_passed();
}

#[test]
fn benchmarks_validate_as_a_slice_of_a_registry() {
    let list: Benchmarks = vec![Benchmark::new(OP, Duration::from_secs(5))].into();
    assert!(spread().validate_benchmarks(list.as_slice()).passed());
}

#[test]
fn statistics_serialize_as_their_snake_case_names() {
    for s in Statistic::ALL {
        assert_eq!(serde_json::to_value(s).unwrap(), s.name());
        assert_eq!(Statistic::parse(s.name()), Some(s));
        let back: Statistic = serde_json::from_value(serde_json::json!(s.name())).unwrap();
        assert_eq!(back, s);
    }
    assert_eq!(Statistic::parse("P95"), None);
}

#[test]
fn a_validated_report_round_trips_through_json() {
    let reg = spread();
    let report = reg.validate_benchmarks(&[
        Benchmark::new(OP, Duration::from_millis(150)).min_samples(2000),
        Benchmark::new("parts.get_prat", Duration::from_secs(1)),
        Benchmark::new(OP, Duration::from_millis(30)).mean(),
    ]);
    let json = serde_json::to_string(&report).unwrap();
    let back: BenchmarkReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, report);
    assert_eq!(back.to_string(), report.to_string());
}

/// "Did you mean" is computed for the first `MAX_SUGGESTED_ROWS` unknown
/// names of a validation only: the work is bounded by that, not by how many
/// names a request sends.
#[test]
fn suggestions_are_bounded_per_validation() {
    let reg = spread();
    let wanted: Vec<Benchmark> = (0..MAX_SUGGESTED_ROWS + 2)
        .map(|i| Benchmark::new(format!("parts.get_prat{i}"), ms(100.0)))
        .collect();
    let report = reg.validate_benchmarks(&wanted);
    for (i, row) in report.rows.iter().enumerate() {
        let reason = row.reason.as_deref().unwrap();
        if i < MAX_SUGGESTED_ROWS {
            assert!(
                reason.contains("did you mean `parts.get_part`?"),
                "{i}: {reason}"
            );
        } else {
            assert!(
                reason.contains("first 10 unknown operations only"),
                "{i}: {reason}"
            );
        }
    }
}

/// A name far longer than any registered one gets no suggestion (its
/// comparisons would cost the most), and names whose lengths differ too
/// much are not compared at all.
#[test]
fn long_names_are_not_compared() {
    let reg = Registry::new();
    for i in 0..2000 {
        reg.record(
            &format!("service.module.operation_number_{i:05}"),
            Kind::Processing,
            ms(1.0),
        );
    }
    let row = one(&reg, Benchmark::new("x".repeat(250_000), ms(1.0)));
    let reason = row.reason.unwrap();
    assert!(reason.contains("no recorded operation has a similar name (2000 recorded)"));
    assert!(crate::suggest::closest("abc", ["abcdefghijklmnop"]).is_empty());
}
