use super::*;
use perfmon_core::{Histogram, LevelBounds, LevelCounts, Outcome};

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

fn record(reg: &Registry, name: &str, kind: Kind, millis: &[u64]) {
    for m in millis {
        reg.record(name, kind.clone(), ms(*m));
    }
}

fn report(reg: &Registry) -> ComplianceReport {
    reg.compliance()
}

#[test]
fn default_database_target_is_counted_exactly_from_levels() {
    let reg = Registry::new();
    record(
        &reg,
        "db",
        Kind::DatabaseQuery,
        &[1, 10, 16, 24, 26, 40, 60],
    );
    let k = &report(&reg).kinds[0];
    assert_eq!(k.kind, Kind::DatabaseQuery);
    assert_eq!(k.target_ms, 25.0);
    assert_eq!((k.calls, k.within_target, k.exact), (7, 4, true));
    assert!((k.compliance - 4.0 / 7.0).abs() < 1e-12);
    assert_eq!(k.grade, Grade::F);
}

#[test]
fn a_call_of_exactly_the_target_counts_as_over_on_the_level_path() {
    // 25 ms is database_query's `acceptable` bound: a 25 ms call is `slow`
    // (bounds are exclusive), so the level counts cannot tell it met the
    // target, although `Target::is_met` says it did.
    let reg = Registry::new();
    record(&reg, "db", Kind::DatabaseQuery, &[10, 25, 30]);
    assert!(Target::for_kind(&Kind::DatabaseQuery).is_met(ms(25)));
    let k = &report(&reg).kinds[0];
    assert_eq!((k.within_target, k.exact), (1, true));
    // Other kinds: 500 ms is their `good` bound.
    let reg = Registry::new();
    record(&reg, "job", Kind::Processing, &[499, 500, 501]);
    let k = &report(&reg).kinds[0];
    assert_eq!((k.target_ms, k.within_target, k.exact), (500.0, 1, true));
}

#[test]
fn when_every_call_is_within_or_none_is_the_count_is_exact_and_inclusive() {
    let reg = Registry::new();
    reg.set_target(Kind::DatabaseQuery, Target::scaled(ms(30)))
        .unwrap();
    record(&reg, "db.fast", Kind::DatabaseQuery, &[10, 30]); // max == target: within
    record(&reg, "db.slow", Kind::Authentication, &[60, 70]); // target 50 ms: none
    let r = report(&reg);
    let auth = &r.kinds[0];
    let db = &r.kinds[1];
    assert_eq!((db.within_target, db.exact), (2, true));
    assert_eq!(
        (auth.kind.clone(), auth.within_target, auth.exact),
        (Kind::Authentication, 0, true)
    );
}

#[test]
fn other_targets_are_estimated_from_the_histogram() {
    let reg = Registry::new();
    reg.set_target(Kind::DatabaseQuery, Target::scaled(ms(30)))
        .unwrap();
    record(&reg, "db", Kind::DatabaseQuery, &[5, 10, 29, 31, 45]);
    let k = &report(&reg).kinds[0];
    assert_eq!((k.within_target, k.exact), (3, false));
}

#[test]
fn operations_of_one_kind_add_up_and_exact_needs_all_of_them() {
    let reg = Registry::new();
    reg.set_target(Kind::parse("billing"), Target::scaled(ms(200)))
        .unwrap();
    record(&reg, "bill.a", Kind::parse("billing"), &[100, 150]); // all within: exact
    record(&reg, "bill.b", Kind::parse("billing"), &[100, 300]); // 200 ms is no bound
    let k = &report(&reg).kinds[0];
    assert_eq!((k.calls, k.within_target, k.exact), (4, 3, false));
}

#[test]
fn grades_follow_the_thresholds_exactly() {
    let cases = [
        (100, Grade::A),
        (95, Grade::A),
        (94, Grade::B),
        (85, Grade::B),
        (84, Grade::C),
        (75, Grade::C),
        (74, Grade::D),
        (60, Grade::D),
        (59, Grade::F),
        (0, Grade::F),
    ];
    for (pct, grade) in cases {
        assert_eq!(Grade::from_ratio(pct, 100), grade, "{pct}/100");
        assert_eq!(Grade::from_ratio(pct * 7, 700), grade, "{pct}*7/700");
        assert_eq!(Grade::from_compliance(pct as f64 / 100.0), grade, "{pct}%");
    }
    assert_eq!(Grade::from_ratio(0, 0), Grade::F);
    assert_eq!(Grade::from_compliance(f64::NAN), Grade::F);
    assert_eq!(Grade::from_ratio(19, 20), Grade::A);
    assert_eq!(serde_json::to_string(&Grade::A).unwrap(), r#""A""#);
    assert_eq!(serde_json::from_str::<Grade>(r#""F""#).unwrap(), Grade::F);
    assert_eq!(Grade::B.to_string(), "B");
    assert!(Grade::A < Grade::F);
}

#[test]
fn overall_is_weighted_by_calls_not_an_average_of_kinds() {
    let reg = Registry::new();
    record(&reg, "auth", Kind::Authentication, &[10; 10]); // 10 of 10 within
    let db: Vec<u64> = [10; 45].into_iter().chain([40; 45]).collect();
    record(&reg, "db", Kind::DatabaseQuery, &db); // 45 of 90
    let o = report(&reg).overall.unwrap();
    assert_eq!(o.calls, 100);
    assert!((o.compliance - 0.55).abs() < 1e-12); // not (1.0 + 0.5) / 2
    assert_eq!(o.grade, Grade::F);
}

#[test]
fn caches_are_graded_on_their_own_and_left_out_of_overall() {
    let reg = Registry::new();
    let (l1, l2) = (reg.cache("L1"), reg.cache("L2"));
    for i in 0..20 {
        l1.record(i < 19); // 95 %: meets the target
        l2.record(i < 18); // 90 %
    }
    reg.cache("unused");
    let r = report(&reg);
    assert_eq!(r.overall, None);
    assert!(r.kinds.is_empty());
    assert_eq!(r.caches.len(), 2);
    let (a, b) = (&r.caches[0], &r.caches[1]);
    assert_eq!((a.name.as_str(), a.hits, a.lookups), ("L1", 19, 20));
    assert!(a.meets_target && !b.meets_target);
    assert_eq!((a.grade, b.grade), (Grade::A, Grade::B));
    assert_eq!(a.target, 0.95);
    record(&reg, "db", Kind::DatabaseQuery, &[100]);
    let r = report(&reg);
    assert_eq!(r.overall.unwrap().calls, 1); // the 40 lookups do not count
}

#[test]
fn failed_calls_count_by_their_duration_and_empty_operations_are_skipped() {
    let reg = Registry::new();
    reg.record_outcome("db", Kind::DatabaseQuery, ms(5), Outcome::Error, None);
    reg.record("idle", Kind::Processing, ms(5));
    reg.reset_prefix("idle");
    let r = report(&reg);
    assert_eq!(r.kinds.len(), 1);
    assert_eq!(r.kinds[0].within_target, 1);
}

#[test]
fn works_on_snapshots_from_anywhere() {
    let values = [1_000_000u64, 20_000_000, 40_000_000];
    let bounds = LevelBounds::for_kind(&Kind::DatabaseQuery);
    let mut levels = [0; 5];
    for v in values {
        levels[bounds.classify(Duration::from_nanos(v)) as usize] += 1;
    }
    let snap = OperationSnapshot {
        name: "remote.db".into(),
        kind: Kind::DatabaseQuery,
        count: 3,
        errors: 0,
        panics: 0,
        cancelled: 0,
        sum_ns: values.iter().map(|&v| u128::from(v)).sum(),
        items: 0,
        min_ns: values[0],
        max_ns: values[2],
        levels: LevelCounts::from_array(levels),
        level_bounds: bounds,
        histogram: Histogram::from_values(values),
        recent_failures: vec![],
        slowest: vec![],
    };
    let tight = |_: &Kind| Target::scaled(ms(15)); // the `excellent` bound
    let r = compliance(&[snap], &[], tight, CacheTarget::DEFAULT);
    assert_eq!((r.kinds[0].within_target, r.kinds[0].exact), (1, true));
    assert_eq!(r.kinds[0].target_ms, 15.0);
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["kinds"][0]["kind"], "database_query");
    assert_eq!(v["kinds"][0]["grade"], "F");
    assert_eq!(v["overall"]["calls"], 3);
    assert!(v["caches"].as_array().unwrap().is_empty());
}
