use super::*;
use crate::RegistryExt;
use perfmon_core::Outcome;
use std::time::Duration;

fn record(reg: &Registry, name: &str, kind: Kind, millis: &[u64]) {
    for m in millis {
        reg.record(name, kind.clone(), Duration::from_millis(*m));
    }
}

fn repeat(ms: u64, n: usize) -> Vec<u64> {
    vec![ms; n]
}

// database_query bounds: 15 / 20 / 25 / 50 ms, so 30 ms is slow, 60 ms critical.
fn db_status(fast: usize, slow: usize, critical: usize) -> HealthStatus {
    let reg = Registry::new();
    let calls: Vec<u64> = [repeat(10, fast), repeat(30, slow), repeat(60, critical)].concat();
    record(&reg, "db", Kind::DatabaseQuery, &calls);
    let h = reg.health();
    assert_eq!(h.components[0].status, h.status);
    h.status
}

#[test]
fn status_follows_the_rules_in_order() {
    assert_eq!(db_status(10, 0, 0), HealthStatus::Healthy);
    assert_eq!(db_status(9, 1, 0), HealthStatus::Degraded);
    assert_eq!(db_status(8, 2, 0), HealthStatus::Degraded); // exactly 20 %
    assert_eq!(db_status(79, 21, 0), HealthStatus::Warning); // 21 %
    assert_eq!(db_status(999, 0, 1), HealthStatus::Critical);
    assert_eq!(db_status(0, 10, 1), HealthStatus::Critical);
}

#[test]
fn overall_status_is_the_worst_component() {
    let reg = Registry::new();
    record(&reg, "auth", Kind::Authentication, &repeat(10, 1000));
    record(
        &reg,
        "db",
        Kind::DatabaseQuery,
        &[[10; 7].as_slice(), &[30; 3]].concat(),
    );
    let h = reg.health();
    // 3 slow calls in 1010 would be `degraded` if counted together.
    assert_eq!(h.status, HealthStatus::Warning);
    assert_eq!(h.components.len(), 2);
    assert_eq!(h.components[0].status, HealthStatus::Healthy);
    assert_eq!((h.components[1].calls, h.components[1].slow), (10, 3));
    record(&reg, "auth", Kind::Authentication, &[500]);
    assert_eq!(reg.health().status, HealthStatus::Critical);
}

#[test]
fn score_matches_the_documented_formula() {
    let reg = Registry::new();
    // L: 90 of 100 within 25 ms. E: 1 % errors -> 1 - 0.01 / 0.05 = 0.8.
    record(
        &reg,
        "db",
        Kind::DatabaseQuery,
        &[repeat(10, 89), repeat(30, 10)].concat(),
    );
    reg.record_outcome(
        "db",
        Kind::DatabaseQuery,
        Duration::from_millis(10),
        Outcome::Error,
        None,
    );
    let h = reg.health();
    assert_eq!((h.calls, h.error_rate), (100, 0.01));
    let s = h.score.unwrap();
    assert_eq!(s.latency, Some(0.9));
    assert!((s.errors.unwrap() - 0.8).abs() < 1e-12);
    assert_eq!(s.caches, None);
    // (0.60 * 0.9 + 0.25 * 0.8) / 0.85 = 0.8706
    assert_eq!((s.score, s.band), (87, ScoreBand::Excellent));
    // C: a 76 % hit rate against 95 % -> 0.8.
    let l1 = reg.cache("L1");
    (0..100).for_each(|i| l1.record(i < 76));
    let s = reg.health().score.unwrap();
    assert!((s.caches.unwrap() - 0.8).abs() < 1e-12);
    // 0.60 * 0.9 + 0.25 * 0.8 + 0.15 * 0.8 = 0.86
    assert_eq!((s.score, s.band), (86, ScoreBand::Excellent));
}

#[test]
fn missing_parts_renormalize_the_weights() {
    let s = |l, e, c| health_score(l, e, c).map(|s| s.score);
    assert_eq!(s(None, None, None), None);
    assert_eq!(s(None, None, Some(0.8)), Some(80));
    assert_eq!(s(Some(0.5), Some(0.5), None), Some(50));
    assert_eq!(s(Some(0.7), Some(0.0), Some(1.0)), Some(57)); // 42 + 0 + 15
    assert_eq!(s(Some(1.0), Some(1.0), Some(1.0)), Some(100));
    assert_eq!(s(Some(0.0), Some(0.0), Some(0.0)), Some(0));
    assert_eq!(Registry::new().health().score, None);
}

#[test]
fn each_band_starts_where_documented() {
    let cases = [
        (100, ScoreBand::Excellent),
        (80, ScoreBand::Excellent),
        (79, ScoreBand::Good),
        (60, ScoreBand::Good),
        (59, ScoreBand::Fair),
        (40, ScoreBand::Fair),
        (39, ScoreBand::Poor),
        (0, ScoreBand::Poor),
    ];
    for (value, band) in cases {
        assert_eq!(ScoreBand::from_score(value), band, "{value}");
        let s = health_score(None, None, Some(value as f64 / 100.0)).unwrap();
        assert_eq!((s.score, s.band), (value, band), "{value} through score()");
    }
}

#[test]
fn errors_and_panics_lower_the_score_cancellations_do_not() {
    let reg = Registry::new();
    let ms = Duration::from_millis(10);
    for _ in 0..18 {
        reg.record("db", Kind::DatabaseQuery, ms);
    }
    reg.record_outcome("db", Kind::DatabaseQuery, ms, Outcome::Panicked, None);
    reg.record_outcome("db", Kind::DatabaseQuery, ms, Outcome::Cancelled, None);
    let h = reg.health();
    assert_eq!(h.error_rate, 0.05); // 1 panic in 20 calls
    assert_eq!(h.score.as_ref().unwrap().errors, Some(0.0)); // 5 %: no points
    assert_eq!(h.score.unwrap().score, 71); // 0.60 / 0.85
    assert_eq!(h.components[0].errors, 1);
}

#[test]
fn statuses_serialize_in_snake_case_and_order_by_severity() {
    assert_eq!(
        serde_json::to_string(&HealthStatus::Degraded).unwrap(),
        r#""degraded""#
    );
    assert_eq!(
        serde_json::to_string(&ScoreBand::Excellent).unwrap(),
        r#""excellent""#
    );
    assert!(HealthStatus::Healthy < HealthStatus::Degraded);
    assert!(HealthStatus::Degraded < HealthStatus::Warning);
    assert!(HealthStatus::Warning < HealthStatus::Critical);
    assert_eq!(HealthStatus::Warning.to_string(), "warning");
    let reg = Registry::new();
    record(&reg, "db", Kind::DatabaseQuery, &[10]);
    let v = serde_json::to_value(reg.health()).unwrap();
    assert_eq!(v["status"], "healthy");
    assert_eq!(v["components"][0]["kind"], "database_query");
    assert_eq!(v["score"]["band"], "excellent");
}

#[test]
fn status_caps_the_score_and_a_low_score_raises_the_status() {
    let score = |v: u8| health_score(Some(f64::from(v) / 100.0), None, None);
    let check = |status, v: u8| {
        let (s, sc) = reconcile(status, score(v));
        let sc = sc.unwrap();
        assert_eq!(sc.formula, v);
        (s, sc.score, sc.band)
    };
    use HealthStatus::*;
    // The status caps the score...
    assert_eq!(check(Critical, 100), (Critical, 59, ScoreBand::Fair));
    assert_eq!(check(Warning, 95), (Warning, 79, ScoreBand::Good));
    assert_eq!(check(Degraded, 95), (Degraded, 95, ScoreBand::Excellent));
    assert_eq!(check(Critical, 30), (Critical, 30, ScoreBand::Poor));
    // ... and a score that says worse raises the status.
    assert_eq!(check(Healthy, 79), (Degraded, 79, ScoreBand::Good));
    assert_eq!(check(Healthy, 59), (Warning, 59, ScoreBand::Fair));
    assert_eq!(check(Degraded, 39), (Critical, 39, ScoreBand::Poor));
    assert_eq!(check(Healthy, 80), (Healthy, 80, ScoreBand::Excellent));
    assert_eq!(reconcile(Warning, None), (Warning, None));
    // Every pair agrees afterwards.
    for status in [Healthy, Degraded, Warning, Critical] {
        for v in 0..=100u8 {
            let (s, sc) = reconcile(status, score(v));
            let got = sc.unwrap().score;
            let allowed = match s {
                Healthy => 80..=100,
                Degraded => 60..=100,
                Warning => 40..=79,
                Critical => 0..=59,
            };
            assert!(allowed.contains(&got), "{s:?} with {got}");
        }
    }
}

#[test]
fn many_errors_make_fast_calls_unhealthy() {
    let reg = Registry::new();
    for i in 0..100 {
        let outcome = if i < 10 { Outcome::Error } else { Outcome::Ok };
        reg.record_outcome(
            "db",
            Kind::DatabaseQuery,
            Duration::from_millis(5),
            outcome,
            None,
        );
    }
    // L = 1, E = 0 (10 % errors): 0.60 / 0.85 = 71, "good", so degraded.
    let h = reg.health_at(perfmon_core::Window::All, std::time::SystemTime::now());
    assert_eq!(h.score.as_ref().unwrap().score, 71);
    assert_eq!(h.status, HealthStatus::Degraded);
    assert_eq!(h.components[0].status, HealthStatus::Healthy);
}
