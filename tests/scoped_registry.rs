//! Registries made current for a scope: parallel tests each see only their
//! own calls, with no name prefixes; the scope follows a thread (a closure)
//! and a task (a future, whatever thread polls it).

use perfmon::{monitor_performance, Benchmark, Kind, Registry};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

#[monitor_performance(name = "scoped.sync_op", kind = "database_query")]
fn sync_op(fail: bool) -> Result<u32, String> {
    if fail {
        Err("no".into())
    } else {
        Ok(1)
    }
}

#[monitor_performance(name = "scoped.async_op")]
async fn async_op(n: u32) -> u32 {
    tokio::task::yield_now().await;
    n + 1
}

#[monitor_performance(name = "scoped.cached_lookup", cache = "scoped.cache")]
fn cached_lookup(hit: bool) -> Option<u32> {
    hit.then_some(7)
}

/// Calls `sync_op` `n` times (one failure in ten) in a fresh scope and
/// checks the exact counts, several times over on this thread.
fn exact_counts_in_own_scope(n: u64) {
    for _ in 0..5 {
        let reg = Registry::new();
        reg.scope(|| {
            for i in 0..n {
                let _ = sync_op(i % 10 == 0);
            }
        });
        let s = reg
            .summary("scoped.sync_op")
            .expect("recorded in the scope");
        assert_eq!((s.count, s.errors), (n, n.div_ceil(10)));
        assert_eq!(reg.len(), 1, "{:?}", reg.names());
    }
}

// Four tests that run in parallel (the default test harness), each on the
// same operation name, each with its own count: none sees another's calls.
#[test]
fn parallel_test_a_sees_only_its_calls() {
    exact_counts_in_own_scope(1_000);
}

#[test]
fn parallel_test_b_sees_only_its_calls() {
    exact_counts_in_own_scope(2_000);
}

#[test]
fn parallel_test_c_sees_only_its_calls() {
    exact_counts_in_own_scope(3_000);
}

#[test]
fn parallel_test_d_sees_only_its_calls() {
    exact_counts_in_own_scope(4_000);
}

#[test]
fn threads_each_entering_the_scope_of_one_registry_add_up_exactly() {
    let reg = Arc::new(Registry::new());
    std::thread::scope(|s| {
        for _ in 0..8 {
            let reg = reg.clone();
            s.spawn(move || {
                reg.scope(|| {
                    for _ in 0..10_000 {
                        let _ = sync_op(false);
                    }
                })
            });
        }
    });
    assert_eq!(reg.summary("scoped.sync_op").unwrap().count, 80_000);
}

#[test]
fn a_thread_spawned_inside_a_scope_does_not_inherit_it() {
    let reg = Registry::new();
    reg.scope(|| {
        std::thread::spawn(|| perfmon::record("scoped.spawned", Kind::Processing, Duration::ZERO))
            .join()
            .unwrap();
        perfmon::record("scoped.in_scope", Kind::Processing, Duration::ZERO);
    });
    assert!(reg.summary("scoped.spawned").is_none());
    assert_eq!(reg.summary("scoped.in_scope").unwrap().count, 1);
    assert_eq!(
        perfmon::registry().summary("scoped.spawned").unwrap().count,
        1
    );
}

#[test]
fn the_scope_follows_tokio_tasks_across_worker_threads() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (a, b) = (Arc::new(Registry::new()), Arc::new(Registry::new()));
    rt.block_on(async {
        let mut tasks = Vec::new();
        for (reg, calls) in [(&a, 300u32), (&b, 500u32)] {
            for _ in 0..4 {
                // Each task yields at every call, so it moves between the
                // runtime's threads; the scope is entered at every poll.
                tasks.push(tokio::spawn(reg.clone().in_scope(async move {
                    let mut sum = 0;
                    for i in 0..calls {
                        sum += async_op(i).await;
                    }
                    sum
                })));
            }
        }
        for t in tasks {
            t.await.unwrap();
        }
    });
    assert_eq!(a.summary("scoped.async_op").unwrap().count, 1_200);
    assert_eq!(b.summary("scoped.async_op").unwrap().count, 2_000);
}

#[test]
fn scopes_nest_and_the_innermost_wins() {
    let (outer, inner) = (Registry::new(), Registry::new());
    outer.scope(|| {
        let _ = sync_op(false);
        inner.scope(|| {
            let _ = sync_op(false);
            let _ = sync_op(false);
        });
        let _ = sync_op(false);
    });
    assert_eq!(outer.summary("scoped.sync_op").unwrap().count, 2);
    assert_eq!(inner.summary("scoped.sync_op").unwrap().count, 2);
}

#[test]
fn a_panic_inside_a_scope_restores_the_outer_one() {
    let (outer, inner) = (Registry::new(), Registry::new());
    outer.scope(|| {
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            inner.scope(|| panic!("inside the inner scope"))
        }));
        assert!(caught.is_err());
        let _ = sync_op(false);
    });
    assert_eq!(outer.summary("scoped.sync_op").unwrap().count, 1);
    assert!(inner.summary("scoped.sync_op").is_none());
}

#[test]
fn a_call_that_outlives_its_scope_and_registry_records_safely() {
    let reg = Arc::new(Registry::new());
    // The future's call starts inside the scope (first poll) and ends after
    // the scope, the registry handle and the future's own scope are gone.
    let mut fut = Box::pin(async_op(1));
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    reg.scope(|| assert!(fut.as_mut().poll(&mut cx).is_pending()));
    let weak = Arc::downgrade(&reg);
    drop(reg);
    assert!(weak.upgrade().is_none(), "the registry is gone");
    assert_eq!(fut.as_mut().poll(&mut cx), std::task::Poll::Ready(2));
}

#[test]
fn timers_caches_values_and_benchmarks_use_the_current_registry() {
    let reg = Registry::new();
    let report = reg.scope(|| {
        {
            let _t = perfmon::timer("scoped.timer", Kind::Processing);
        }
        perfmon::record_items("scoped.items", 10, Duration::from_millis(1));
        perfmon::record_value("scoped.depth", 3.0, "items");
        cached_lookup(true);
        cached_lookup(false);
        perfmon::cache("scoped.manual").hit();
        let _ = sync_op(false);
        assert_eq!(perfmon::summaries().len(), 4);
        perfmon::validate_benchmarks(&[Benchmark::new("scoped.sync_op", Duration::from_secs(1))])
    });
    report.assert_passed();
    assert_eq!(reg.summary("scoped.timer").unwrap().count, 1);
    assert_eq!(reg.summary("scoped.items").unwrap().count, 1);
    assert!(reg
        .value_summary("scoped.depth", perfmon::Window::All)
        .is_some());
    let cache = reg.cache_snapshot("scoped.cache").unwrap();
    assert_eq!((cache.hits, cache.misses), (1, 1));
    assert_eq!(reg.cache_snapshot("scoped.manual").unwrap().hits, 1);
    // None of it reached the global registry.
    for name in ["scoped.timer", "scoped.items", "scoped.cached_lookup"] {
        assert!(perfmon::registry().summary(name).is_none(), "{name}");
    }
    assert!(perfmon::registry().cache_snapshot("scoped.cache").is_none());
}

#[test]
fn outside_any_scope_calls_go_to_the_global_registry() {
    let reg = Registry::new();
    reg.scope(|| ());
    perfmon::record("scoped.global_after", Kind::Processing, Duration::ZERO);
    assert!(reg.summary("scoped.global_after").is_none());
    assert_eq!(
        perfmon::registry()
            .summary("scoped.global_after")
            .unwrap()
            .count,
        1
    );
}
