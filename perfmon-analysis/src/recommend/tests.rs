use super::*;
use crate::alert::Degradation;
use crate::system::SystemMetrics;
use perfmon_core::CacheSnapshot;
use perfmon_core::Kind;
use perfmon_core::Outcome;
use perfmon_core::Registry;
use perfmon_core::RequestPattern;
use std::time::{Duration, SystemTime};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn one(kind: Kind, name: &str, mean: u64) -> Vec<Recommendation> {
    let reg = Registry::new();
    reg.record(name, kind, ms(mean));
    recommend(&AlertInput::new(&reg.snapshots()))
}

#[test]
fn slow_operations_get_advice_by_kind() {
    let cases = [
        (
            Kind::DatabaseQuery,
            "db.search",
            80,
            Category::Database,
            "Index or rewrite db.search",
            "EXPLAIN",
        ),
        (
            Kind::Cache,
            "cache.get",
            900,
            Category::Caching,
            "Speed up cache lookups in cache.get",
            "in-process cache",
        ),
        (
            Kind::Processing,
            "report.build",
            900,
            Category::Performance,
            "Move report.build off the request path",
            "background",
        ),
        (
            Kind::Authentication,
            "auth.login",
            60,
            Category::Caching,
            "Cache sessions and permissions for auth.login",
            "sessions",
        ),
        (
            Kind::Authorization,
            "authz.check",
            80,
            Category::Caching,
            "Cache sessions and permissions for authz.check",
            "permissions",
        ),
        (
            Kind::ApiResponse,
            "GET /orders",
            150,
            Category::Performance,
            "Look at the downstream calls of GET /orders",
            "concurrently",
        ),
        (
            Kind::parse("inventory"),
            "inventory.get_stock",
            600,
            Category::Caching,
            "Cache the results of inventory.get_stock",
            "TTL",
        ),
        (
            Kind::parse("billing"),
            "billing.charge",
            600,
            Category::Performance,
            "Profile billing.charge",
            "flame graph",
        ),
    ];
    for (kind, name, mean, category, title, advice) in cases {
        let recs = one(kind, name, mean);
        assert_eq!(recs.len(), 1, "{name}: {recs:?}");
        assert_eq!(recs[0].category, category, "{name}");
        assert_eq!(recs[0].title, title);
        assert!(
            recs[0].description.contains(advice),
            "{name}: {}",
            recs[0].description
        );
        assert_eq!(recs[0].evidence.operation.as_deref(), Some(name));
        assert_eq!(recs[0].evidence.figures["mean_ms"], mean as f64);
    }
}

#[test]
fn slow_priority_follows_target_warning_and_critical() {
    // database_query: target 25, warning 37.5, critical 50
    assert!(one(Kind::DatabaseQuery, "q", 25).is_empty());
    assert_eq!(one(Kind::DatabaseQuery, "q", 30)[0].priority, Priority::Low);
    assert_eq!(
        one(Kind::DatabaseQuery, "q", 40)[0].priority,
        Priority::Medium
    );
    assert_eq!(
        one(Kind::DatabaseQuery, "q", 51)[0].priority,
        Priority::High
    );
}

#[test]
fn high_error_rates_recommend_fixing_failures() {
    let reg = Registry::new();
    for i in 0..20 {
        let outcome = if i < 5 { Outcome::Error } else { Outcome::Ok };
        reg.record_outcome(
            "pay.charge",
            Kind::parse("billing"),
            ms(1),
            outcome,
            Some("card declined"),
        );
    }
    let recs = recommend(&AlertInput::new(&reg.snapshots()));
    assert_eq!(recs.len(), 1);
    let r = &recs[0];
    assert_eq!(
        (r.category, r.priority),
        (Category::Reliability, Priority::Critical)
    );
    assert_eq!(r.title, "Fix the failures of pay.charge");
    assert!(
        r.description.contains("failed 5 of 20 calls (25.0 %"),
        "{}",
        r.description
    );
    assert!(
        r.description.contains("\"card declined\""),
        "{}",
        r.description
    );
    assert_eq!(r.evidence.figures["error_rate_percent"], 25.0);
}

#[test]
fn low_cache_hit_rates_recommend_cache_tuning() {
    let caches = [
        CacheSnapshot {
            name: "L1".into(),
            hits: 96,
            misses: 4,
        },
        CacheSnapshot {
            name: "L2".into(),
            hits: 93,
            misses: 7,
        },
        CacheSnapshot {
            name: "L3".into(),
            hits: 40,
            misses: 60,
        },
    ];
    let recs = recommend(&AlertInput::default().caches(&caches));
    let got: Vec<_> = recs
        .iter()
        .map(|r| (r.title.as_str(), r.priority))
        .collect();
    assert_eq!(
        got,
        [
            ("Raise the hit rate of cache L3", Priority::High),
            ("Raise the hit rate of cache L2", Priority::Low)
        ]
    );
    assert!(recs[0].description.contains("40.0 % of 100 lookups"));
}

#[test]
fn degradations_recommend_finding_the_regression() {
    let d = [Degradation {
        operation: "db.search".into(),
        kind: Kind::DatabaseQuery,
        metric: "p95".into(),
        previous_ms: 20.0,
        current_ms: 45.0,
    }];
    let recs = recommend(&AlertInput::default().degradations(&d));
    assert_eq!(recs.len(), 1);
    assert_eq!(
        (recs[0].category, recs[0].priority),
        (Category::Regression, Priority::High)
    );
    assert!(recs[0]
        .description
        .contains("from 20.0 ms to 45.0 ms (+125 %)"));
}

#[test]
fn resource_pressure_recommends_relief() {
    let m = SystemMetrics {
        cpu_percent: 97.0,
        memory_used_bytes: 0,
        memory_total_bytes: 1,
        memory_percent: 90.0,
        process_cpu_percent: 40.0,
        process_memory_bytes: 1 << 30,
        disk_percent: Some(20.0),
        at: SystemTime::UNIX_EPOCH,
    };
    let recs = recommend(&AlertInput::default().system(&m));
    let got: Vec<_> = recs
        .iter()
        .map(|r| (r.title.as_str(), r.priority))
        .collect();
    assert_eq!(
        got,
        [
            ("Relieve cpu pressure", Priority::Critical),
            ("Relieve memory pressure", Priority::High)
        ]
    );
    assert_eq!(recs[0].evidence.figures["process_cpu_percent"], 40.0);
    assert_eq!(
        recs[1].evidence.figures["process_memory_bytes"],
        (1u64 << 30) as f64
    );
}

#[test]
fn n_plus_one_recommends_batching() {
    let p = [RequestPattern {
        endpoint: None,
        operation: "db.get_item".into(),
        kind: Kind::DatabaseQuery,
        calls_in_one_request: 30,
        requests: 4,
        first_seen_unix_ms: 0,
        last_seen_unix_ms: 0,
    }];
    let recs = recommend(&AlertInput::default().requests(&p));
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].title, "Batch the calls of db.get_item (N+1)");
    assert_eq!(recs[0].category, Category::Database);
    assert!(recs[0].description.contains("WHERE id IN"));
}

#[test]
fn ordered_by_priority_then_impact() {
    let reg = Registry::new();
    // both high priority (above critical); big.q holds most of the time
    for _ in 0..100 {
        reg.record("big.q", Kind::DatabaseQuery, ms(60));
    }
    reg.record("small.q", Kind::DatabaseQuery, ms(60));
    reg.record("meh.q", Kind::DatabaseQuery, ms(30)); // low priority
    let p = [RequestPattern {
        endpoint: None,
        operation: "db.get_item".into(),
        kind: Kind::DatabaseQuery,
        calls_in_one_request: 11,
        requests: 1,
        first_seen_unix_ms: 0,
        last_seen_unix_ms: 0,
    }]; // medium
    let ops = reg.snapshots();
    let recs = recommend(&AlertInput::new(&ops).requests(&p));
    let got: Vec<_> = recs
        .iter()
        .map(|r| (r.title.as_str(), r.priority, r.impact))
        .collect();
    assert_eq!(
        got,
        [
            ("Index or rewrite big.q", Priority::High, Scale::High),
            ("Index or rewrite small.q", Priority::High, Scale::Low),
            (
                "Batch the calls of db.get_item (N+1)",
                Priority::Medium,
                Scale::Medium
            ),
            ("Index or rewrite meh.q", Priority::Low, Scale::Low),
        ]
    );
}

#[test]
fn nothing_to_recommend_for_a_healthy_input() {
    assert!(one(Kind::DatabaseQuery, "q", 1).is_empty());
    assert!(recommend(&AlertInput::default()).is_empty());
}

#[test]
fn recommendations_serialize_snake_case() {
    let v = serde_json::to_value(&one(Kind::DatabaseQuery, "q", 60)[0]).unwrap();
    assert_eq!(v["category"], "database");
    assert_eq!(v["priority"], "high");
    assert_eq!(v["effort"], "medium");
    assert_eq!(v["evidence"]["operation"], "q");
    assert_eq!(v["evidence"]["figures"]["calls"], 1.0);
}

#[test]
fn slow_processing_gets_advice_when_a_minimum_throughput_is_set() {
    let reg = Registry::new();
    // 250 items/s, in a call within the 500 ms target of processing.
    reg.operation("import.batch", Kind::Processing)
        .record_items(100, 400_000_000);
    let ops = reg.snapshots();
    assert!(
        recommend(&AlertInput::new(&ops)).is_empty(),
        "off by default"
    );
    let th = crate::AlertThresholds {
        min_items_per_second: 300.0,
        ..Default::default()
    };
    let recs = recommend(&AlertInput::new(&ops).thresholds(th));
    assert_eq!(recs.len(), 1, "{recs:?}");
    assert_eq!(recs[0].title, "Speed up the processing of import.batch");
    assert_eq!(recs[0].category, Category::Performance);
    assert_eq!(recs[0].priority, Priority::Medium);
    assert_eq!(recs[0].evidence.figures["items_per_second"], 250.0);
    assert!(recs[0]
        .description
        .contains("below the 300 items/s required"));
}
