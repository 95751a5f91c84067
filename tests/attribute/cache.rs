//! Cache hit rates: the one-line API, and `cache = "..."` on functions
//! returning `Option` (a `Some` is a hit, a `None` a miss).

use perfmon::monitor_performance;

#[monitor_performance(kind = "cache", name = "cache_test.l1_get", cache = "cache_test.L1")]
fn l1_get(key: u32) -> Option<u32> {
    (!key.is_multiple_of(4)).then_some(key * 10)
}

#[monitor_performance(kind = "cache", name = "cache_test.l2_get", cache = "cache_test.L2")]
async fn l2_get(key: u32) -> Option<String> {
    if key < 3 {
        return None;
    }
    Some(key.to_string())
}

#[test]
fn some_counts_as_a_hit_and_none_as_a_miss() {
    for key in 0..100 {
        l1_get(key);
    }
    let l1 = perfmon::registry().cache_snapshot("cache_test.L1").unwrap();
    assert_eq!((l1.hits, l1.misses), (75, 25));
    assert_eq!(l1.hit_rate(), Some(0.75));
    // The call itself is timed as usual.
    assert_eq!(perfmon::summary("cache_test.l1_get").unwrap().count, 100);
}

#[test]
fn async_lookups_count_too() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        for key in 0..10 {
            l2_get(key).await;
        }
    });
    let l2 = perfmon::registry().cache_snapshot("cache_test.L2").unwrap();
    assert_eq!((l2.hits, l2.misses), (7, 3));
}

#[test]
fn the_one_line_api_counts_hits_and_misses() {
    let sessions = perfmon::cache("cache_test.sessions");
    sessions.hit();
    sessions.miss();
    perfmon::cache("cache_test.sessions").hit();
    let s = perfmon::registry()
        .cache_snapshot("cache_test.sessions")
        .unwrap();
    assert_eq!((s.hits, s.misses), (2, 1));
}
