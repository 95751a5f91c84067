use super::*;
use crate::alert::{AlertThresholds, Degradation};
use crate::system::SystemMetrics;
use perfmon_core::CacheSnapshot;
use perfmon_core::Kind;
use perfmon_core::OperationSnapshot;
use perfmon_core::Outcome;
use perfmon_core::Registry;
use perfmon_core::RequestPattern;
use std::time::{Duration, SystemTime};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn snapshots(f: impl FnOnce(&Registry)) -> Vec<OperationSnapshot> {
    let reg = Registry::new();
    f(&reg);
    reg.snapshots()
}

fn summary(found: &[Condition]) -> Vec<(Rule, &str, Severity)> {
    found
        .iter()
        .map(|c| (c.rule, c.subject.as_str(), c.severity))
        .collect()
}

#[test]
fn latency_warns_above_1_5x_and_is_critical_above_2x_the_target() {
    let ops = snapshots(|r| {
        r.record("auth.ok", Kind::Authentication, ms(70)); // target 50: below 75
        r.record("auth.slow", Kind::Authentication, ms(80)); // above 75
        r.record("auth.down", Kind::Authentication, ms(101)); // above 100
    });
    let found: Vec<_> = evaluate_rules(&AlertInput::new(&ops))
        .into_iter()
        .filter(|c| c.rule == Rule::Latency)
        .collect();
    assert_eq!(
        summary(&found),
        [
            (Rule::Latency, "auth.down", Severity::Critical),
            (Rule::Latency, "auth.slow", Severity::Medium)
        ]
    );
    assert_eq!(
        found[1].message,
        "auth.slow averaging 80.0 ms (target < 50 ms)"
    );
    assert_eq!((found[1].value, found[1].threshold), (80.0, 75.0));
    assert_eq!(found[0].threshold, 100.0);
}

#[test]
fn kind_latency_uses_the_call_weighted_mean() {
    let ops = snapshots(|r| {
        // 3 calls at 160 ms + 1 call at 10 ms: weighted mean 122.5 ms (above
        // the 112.5 ms warning), while the mean of the two means is 85 ms.
        for _ in 0..3 {
            r.record("authz.slow", Kind::Authorization, ms(160));
        }
        r.record("authz.fast", Kind::Authorization, ms(10));
        r.record("db.alone", Kind::DatabaseQuery, ms(60)); // one op: no kind alert
    });
    let found: Vec<_> = evaluate_rules(&AlertInput::new(&ops))
        .into_iter()
        .filter(|c| c.rule == Rule::KindLatency)
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].subject, "authorization");
    assert_eq!(found[0].severity, Severity::Medium); // above 112.5, below 150
    assert_eq!(
        found[0].message,
        "authorization averaging 122.5 ms (target < 75 ms)"
    );
    assert_eq!(found[0].id(), "kind_latency:authorization");
}

#[test]
fn target_overrides_replace_the_kind_default() {
    let ops = snapshots(|r| r.record("db.q", Kind::DatabaseQuery, ms(30)));
    assert!(evaluate_rules(&AlertInput::new(&ops)).is_empty());
    let tight = [(Kind::DatabaseQuery, crate::Target::scaled(ms(10)))];
    let found = evaluate_rules(&AlertInput::new(&ops).targets(&tight));
    assert_eq!(
        summary(&found),
        [(Rule::Latency, "db.q", Severity::Critical)]
    );
    assert_eq!(found[0].message, "db.q averaging 30.0 ms (target < 10 ms)");
}

fn failing(name: &str, calls: u64, errors: u64, panics: u64) -> impl FnOnce(&Registry) + '_ {
    move |r| {
        for i in 0..calls {
            let outcome = if i < errors {
                Outcome::Error
            } else if i < errors + panics {
                Outcome::Panicked
            } else {
                Outcome::Ok
            };
            r.record_outcome(name, Kind::DatabaseQuery, ms(1), outcome, None);
        }
    }
}

#[test]
fn error_rate_is_high_above_5_and_critical_above_20_percent() {
    let mut ops = snapshots(failing("parts.get_part", 40, 4, 1)); // 12.5 %
    ops.extend(snapshots(failing("parts.list", 10, 1, 2))); // 30 %
    ops.extend(snapshots(failing("parts.ok", 100, 5, 0))); // 5 %: not above
    let found = evaluate_rules(&AlertInput::new(&ops));
    assert_eq!(
        summary(&found),
        [
            (Rule::ErrorRate, "parts.get_part", Severity::High),
            (Rule::ErrorRate, "parts.list", Severity::Critical)
        ]
    );
    assert_eq!(
        found[0].message,
        "parts.get_part failing 12.5 % of calls (threshold 5 %)"
    );
    assert_eq!((found[0].value, found[0].threshold), (12.5, 5.0));
}

#[test]
fn error_rate_ignores_operations_with_too_few_calls() {
    let ops = snapshots(failing("rare", 9, 9, 0));
    assert!(evaluate_rules(&AlertInput::new(&ops)).is_empty());
    let th = AlertThresholds {
        min_calls: 5,
        ..AlertThresholds::default()
    };
    let found = evaluate_rules(&AlertInput::new(&ops).thresholds(th));
    assert_eq!(
        summary(&found),
        [(Rule::ErrorRate, "rare", Severity::Critical)]
    );
}

#[test]
fn cancelled_calls_are_not_failures_for_the_error_rate() {
    let ops = snapshots(|r| {
        for _ in 0..20 {
            r.record_outcome("q", Kind::DatabaseQuery, ms(1), Outcome::Cancelled, None);
        }
    });
    assert!(evaluate_rules(&AlertInput::new(&ops)).is_empty());
}

fn cache(name: &str, hits: u64, misses: u64) -> CacheSnapshot {
    CacheSnapshot {
        name: name.into(),
        hits,
        misses,
    }
}

#[test]
fn cache_hit_rate_below_90_is_medium_and_below_85_high() {
    let caches = [
        cache("L1", 92, 8),  // 92 %: fine
        cache("L2", 88, 12), // 88 %
        cache("L3", 50, 50), // 50 %
        cache("cold", 1, 9), // 10 lookups: too few
    ];
    let found = evaluate_rules(&AlertInput::default().caches(&caches));
    assert_eq!(
        summary(&found),
        [
            (Rule::CacheHitRate, "L2", Severity::Medium),
            (Rule::CacheHitRate, "L3", Severity::High)
        ]
    );
    assert_eq!(
        found[0].message,
        "cache L2 hitting 88.0 % of lookups (threshold 90 %, target 95 %)"
    );
}

fn degradation(metric: &str, previous_ms: f64, current_ms: f64) -> Degradation {
    Degradation {
        operation: "db.search".into(),
        kind: Kind::DatabaseQuery,
        metric: metric.into(),
        previous_ms,
        current_ms,
    }
}

#[test]
fn degradation_above_50_percent_raises_and_doubling_is_high() {
    let found = [
        degradation("p95", 20.0, 29.0),  // +45 %
        degradation("p95", 20.0, 31.0),  // +55 %
        degradation("mean", 10.0, 25.0), // +150 %
        degradation("p95", 0.0, 25.0),   // nothing to compare with
    ];
    let found = evaluate_rules(&AlertInput::default().degradations(&found));
    assert_eq!(
        summary(&found),
        [
            (Rule::Degradation, "db.search p95", Severity::Medium),
            (Rule::Degradation, "db.search mean", Severity::High)
        ]
    );
    assert_eq!(
        found[0].message,
        "db.search p95 up 55 % (20.0 ms -> 31.0 ms; threshold 50 %)"
    );
}

#[test]
fn resources_above_thresholds_raise() {
    let m = SystemMetrics {
        cpu_percent: 81.0,
        memory_used_bytes: 0,
        memory_total_bytes: 1,
        memory_percent: 50.0,
        process_cpu_percent: 1.0,
        process_memory_bytes: 1,
        disk_percent: Some(97.0),
        at: SystemTime::UNIX_EPOCH,
    };
    let found = evaluate_rules(&AlertInput::default().system(&m));
    assert_eq!(
        summary(&found),
        [
            (Rule::Resource, "cpu", Severity::High),
            (Rule::Resource, "disk", Severity::Critical)
        ]
    );
    assert_eq!(found[0].message, "CPU at 81.0 % (threshold 80 %)");
}

#[test]
fn n_plus_one_above_10_calls_per_request() {
    let pattern = |calls| RequestPattern {
        endpoint: Some("GET /orders".into()),
        operation: "db.get_item".into(),
        kind: Kind::DatabaseQuery,
        calls_in_one_request: calls,
        requests: 17,
        first_seen_unix_ms: 0,
        last_seen_unix_ms: 0,
    };
    let found = evaluate_rules(&AlertInput::default().requests(&[pattern(10)]));
    assert!(found.is_empty());
    let found = evaluate_rules(&AlertInput::default().requests(&[pattern(42)]));
    assert_eq!(
        summary(&found),
        [(Rule::NPlusOne, "GET /orders: db.get_item", Severity::Medium)]
    );
    assert_eq!(
        found[0].message,
        "GET /orders: db.get_item called 42 times in one request, in 17 requests (threshold 10): likely an N+1 pattern"
    );
    let found = evaluate_rules(&AlertInput::default().requests(&[pattern(51)]));
    assert_eq!(found[0].severity, Severity::High);
}

#[test]
fn empty_and_overflow_operations_raise_nothing() {
    let ops = snapshots(|r| {
        r.set_max_operations(1);
        r.record("first", Kind::Processing, ms(1));
        r.record("second", Kind::DatabaseQuery, ms(900)); // into the overflow
    });
    assert!(ops
        .iter()
        .any(|o| o.name == perfmon_core::OVERFLOW_OPERATION));
    assert!(evaluate_rules(&AlertInput::new(&ops)).is_empty());
    assert!(evaluate_rules(&AlertInput::default()).is_empty());
}

#[test]
fn severities_are_ordered_and_serialize_snake_case() {
    assert!(Severity::Low < Severity::Medium);
    assert!(Severity::High < Severity::Critical);
    assert_eq!(
        serde_json::to_string(&Severity::Critical).unwrap(),
        "\"critical\""
    );
    assert_eq!(
        serde_json::to_string(&Rule::NPlusOne).unwrap(),
        "\"n_plus_one\""
    );
}

#[test]
fn thresholds_parse_partially_and_validate() {
    let th: AlertThresholds =
        serde_json::from_str(r#"{"min_calls": 5, "cpu_percent": 70}"#).unwrap();
    assert_eq!(th.min_calls, 5);
    assert_eq!(th.cpu_percent, 70.0);
    assert_eq!(th.memory_percent, 85.0);
    th.validate().unwrap();
    let bad = AlertThresholds {
        cpu_percent: 99.0,
        cache: crate::CacheTarget {
            target: 0.95,
            warning: 0.80,
            critical: 0.85,
        },
        ..AlertThresholds::default()
    };
    let err = bad.validate().unwrap_err();
    assert!(
        err.contains("cpu_percent must be at most resource_critical_percent"),
        "{err}"
    );
    assert!(
        err.contains("cache.critical must be at most cache.warning"),
        "{err}"
    );
    assert!(!err.contains("error_rate"), "{err}");
}

fn calls(r: &Registry, name: &str, kind: Kind, ms_each: &[u64]) {
    for &m in ms_each {
        r.record(name, kind.clone(), ms(m));
    }
}

#[test]
fn p95_above_2x_the_target_is_medium_and_above_3x_critical() {
    let ops = snapshots(|r| {
        // db target 25 ms: 18 fast calls and two slow ones put the p95
        // (nearest rank 19 of 20) on a slow one.
        let mut v = vec![10; 18];
        v.extend([60, 60]);
        calls(r, "db.tail", Kind::DatabaseQuery, &v); // p95 60 > 50
        v[18] = 80;
        v[19] = 80;
        calls(r, "db.worse", Kind::DatabaseQuery, &v); // p95 80 > 75
        calls(r, "db.fine", Kind::DatabaseQuery, &[10; 20]);
        calls(r, "db.few", Kind::DatabaseQuery, &[90; 5]); // under min_calls
    });
    let found: Vec<_> = evaluate_rules(&AlertInput::new(&ops))
        .into_iter()
        .filter(|c| c.rule == Rule::LatencyP95)
        .collect();
    assert_eq!(
        summary(&found),
        [
            (Rule::LatencyP95, "db.tail", Severity::Medium),
            (Rule::LatencyP95, "db.worse", Severity::Critical)
        ]
    );
    assert_eq!((found[0].threshold, found[1].threshold), (50.0, 75.0));
    assert!((found[0].value - 60.0).abs() < 0.6, "{}", found[0].value);
    assert!(
        found[0].message.starts_with("db.tail p95 at 60."),
        "{}",
        found[0].message
    );
    assert!(found[0]
        .message
        .ends_with("ms (threshold 50 ms, target < 25 ms)"));
    // The factors are thresholds like any other.
    let th = AlertThresholds {
        p95_warning_factor: 4.0,
        p95_critical_factor: 5.0,
        ..AlertThresholds::default()
    };
    let found = evaluate_rules(&AlertInput::new(&ops).thresholds(th));
    assert!(
        found.iter().all(|c| c.rule != Rule::LatencyP95),
        "{found:?}"
    );
}

#[test]
fn an_active_alert_holds_until_the_figure_is_back_past_the_margin() {
    // db target 25 ms: warning 37.5 ms, hysteresis 10 %: an active latency
    // alert holds down to 33.75 ms.
    let at = |mean: u64| snapshots(|r| r.record("db.q", Kind::DatabaseQuery, ms(mean)));
    let latency = |ops: &[OperationSnapshot], active: &[String]| {
        evaluate_rules(&AlertInput::new(ops).active(active))
            .into_iter()
            .find(|c| c.rule == Rule::Latency)
    };
    let none: Vec<String> = Vec::new();
    let active = vec!["latency:db.q".to_owned()];
    let (above, hovering, below) = (at(38), at(35), at(33));
    assert!(latency(&above, &none).is_some());
    assert!(
        latency(&hovering, &none).is_none(),
        "new alerts need the threshold"
    );
    let held = latency(&hovering, &active).expect("an active alert holds in the margin");
    assert_eq!((held.severity, held.threshold), (Severity::Medium, 37.5));
    assert!(
        latency(&below, &active).is_none(),
        "past the margin it resolves"
    );
    // Another subject's active alert does not hold this one.
    let other = vec!["latency:db.other".to_owned(), "latency_p95:db.q".to_owned()];
    assert!(latency(&hovering, &other).is_none());
    // Hysteresis 0: the threshold alone.
    let th = AlertThresholds {
        hysteresis: 0.0,
        ..AlertThresholds::default()
    };
    let found = evaluate_rules(&AlertInput::new(&hovering).active(&active).thresholds(th));
    assert!(found.iter().all(|c| c.rule != Rule::Latency));
}

#[test]
fn hit_rates_error_rates_and_n_plus_one_hold_by_the_same_margin() {
    let reg = Registry::new();
    // Hit rate 0.895: below the 0.90 warning, a new alert.
    let c = reg.cache("L1");
    for i in 0..1000 {
        if i < 895 {
            c.hit()
        } else {
            c.miss()
        }
    }
    let caches = reg.cache_snapshots();
    let new = evaluate_rules(&AlertInput::default().caches(&caches));
    assert_eq!(
        summary(&new),
        [(Rule::CacheHitRate, "L1", Severity::Medium)]
    );
    // 0.905: above the warning, so nothing new; the miss rate 9.5 % is
    // within the margin (above 9 %), so an active alert holds.
    let reg = Registry::new();
    let c = reg.cache("L1");
    for i in 0..1000 {
        if i < 905 {
            c.hit()
        } else {
            c.miss()
        }
    }
    let caches = reg.cache_snapshots();
    assert!(evaluate_rules(&AlertInput::default().caches(&caches)).is_empty());
    let active = vec!["cache_hit_rate:L1".to_owned()];
    let held = evaluate_rules(&AlertInput::default().caches(&caches).active(&active));
    assert_eq!(
        summary(&held),
        [(Rule::CacheHitRate, "L1", Severity::Medium)]
    );
    assert!((held[0].threshold - 90.0).abs() < 1e-9);

    // N+1: 10 calls is not above the threshold of 10, but holds an active alert.
    let p = RequestPattern {
        endpoint: None,
        operation: "db.item".into(),
        kind: Kind::DatabaseQuery,
        calls_in_one_request: 10,
        requests: 3,
        first_seen_unix_ms: 0,
        last_seen_unix_ms: 0,
    };
    let patterns = [p];
    assert!(evaluate_rules(&AlertInput::default().requests(&patterns)).is_empty());
    let active = vec!["n_plus_one:db.item".to_owned()];
    let held = evaluate_rules(&AlertInput::default().requests(&patterns).active(&active));
    assert_eq!(
        summary(&held),
        [(Rule::NPlusOne, "db.item", Severity::Medium)]
    );
}

fn burn(long_burn: f64, short_burn: f64, long_calls: u64) -> crate::objective::BudgetBurn {
    use crate::objective::{BudgetBurn, BurnPair, BurnReading, BurnWindow};
    let reading = |pair, window: BurnWindow, severity| BurnReading {
        pair,
        window,
        severity,
        long_calls,
        long_burn,
        short_calls: long_calls / 12,
        short_burn,
    };
    BudgetBurn {
        subject: "database_query".into(),
        kind: Kind::DatabaseQuery,
        operation: None,
        objective: 0.99,
        target_ms: 25.0,
        readings: vec![
            reading(BurnPair::Fast, BurnWindow::FAST, Severity::Critical),
            reading(BurnPair::Slow, BurnWindow::SLOW.within(60), Severity::High),
        ],
    }
}

#[test]
fn a_budget_burn_needs_the_long_and_the_short_window_to_burn() {
    let found = |b: crate::objective::BudgetBurn, active: &[String]| {
        let budgets = [b];
        summary(&evaluate_rules(
            &AlertInput::default().budgets(&budgets).active(active),
        ))
        .into_iter()
        .map(|(r, s, sev)| (r, s.to_owned(), sev))
        .collect::<Vec<_>>()
    };
    let none: Vec<String> = Vec::new();
    let fast = (
        Rule::BurnRate,
        "database_query fast".to_owned(),
        Severity::Critical,
    );
    let slow = (
        Rule::BurnRate,
        "database_query slow".to_owned(),
        Severity::High,
    );
    // Both pairs burn: two alerts, the page and the ticket.
    assert_eq!(
        found(burn(20.0, 30.0, 1000), &none),
        [fast.clone(), slow.clone()]
    );
    // Burning over the hour but recovered in the last minutes: nothing.
    assert_eq!(found(burn(20.0, 2.0, 1000), &none), []);
    // A short spike the hour does not confirm: nothing.
    assert_eq!(found(burn(3.0, 50.0, 1000), &none), []);
    // Above the slow factor only: high.
    assert_eq!(
        found(burn(8.0, 9.0, 1000), &none),
        std::slice::from_ref(&slow)
    );
    // Too few calls to judge.
    assert_eq!(found(burn(20.0, 30.0, 5), &none), []);
    // Hysteresis: 13.5 is within 10 % of 14.4, so an active alert holds.
    let active = vec!["burn_rate:database_query fast".to_owned()];
    assert_eq!(
        found(burn(13.5, 13.5, 1000), &none),
        std::slice::from_ref(&slow)
    );
    assert_eq!(found(burn(13.5, 13.5, 1000), &active), [fast, slow]);
    let budgets = [burn(20.0, 30.0, 1000)];
    let c = &evaluate_rules(&AlertInput::default().budgets(&budgets))[0];
    assert_eq!(
        c.message,
        "database_query burning its error budget at 20.0x over 1 h and 30.0x over 5 min \
         (threshold 14.4x; objective 99 % within 25 ms)"
    );
    assert_eq!((c.value, c.threshold), (20.0, 14.4));
}

#[test]
fn throughput_below_the_minimum_alerts_when_one_is_set() {
    let reg = Registry::new();
    // 1,000 items in 2 s of calls: 500 items/s; 100 items in 1 s: 100/s.
    reg.operation("import.fast", Kind::Processing)
        .record_items(1_000, 2_000_000_000);
    reg.operation("import.slow", Kind::Processing)
        .record_items(100, 1_000_000_000);
    reg.record("no.items", Kind::Processing, ms(5));
    let ops = reg.snapshots();
    let found = |th: AlertThresholds, active: &[String]| {
        evaluate_rules(&AlertInput::new(&ops).thresholds(th).active(active))
            .into_iter()
            .filter(|c| c.rule == Rule::Throughput)
            .collect::<Vec<_>>()
    };
    let none: Vec<String> = Vec::new();
    // Off by default.
    assert!(found(AlertThresholds::default(), &none).is_empty());
    let th = |min| AlertThresholds {
        min_items_per_second: min,
        ..AlertThresholds::default()
    };
    let c = found(th(150.0), &none);
    assert_eq!(
        summary(&c),
        [(Rule::Throughput, "import.slow", Severity::Medium)]
    );
    assert_eq!(
        c[0].message,
        "import.slow processing 100.0 items/s (minimum 150 items/s)"
    );
    assert_eq!((c[0].value, c[0].threshold), (100.0, 150.0));
    let c = found(th(250.0), &none);
    assert_eq!(
        summary(&c),
        [(Rule::Throughput, "import.slow", Severity::High)]
    );
    // 500 items/s against a minimum of 480: fine for a new alert, within
    // the 10 % margin for an active one.
    assert_eq!(found(th(480.0), &none).len(), 1);
    let active = vec!["throughput:import.fast".to_owned()];
    assert_eq!(found(th(480.0), &active).len(), 2);
}
