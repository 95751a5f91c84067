//! The registry as a user sees it: manual timers, direct recording, the cap,
//! isolation between tests, and exact counts under concurrency.

use perfmon::{Kind, Level, Outcome, Registry, OVERFLOW_OPERATION};
use std::sync::Arc;
use std::time::Duration;

const CALLS: u64 = 100_000;

#[test]
fn counts_are_exact_with_eight_threads_on_one_operation() {
    let reg = Arc::new(Registry::new());
    let op = reg.operation("hot.shared", Kind::Processing);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let op = op.clone();
            std::thread::spawn(move || {
                for i in 0..CALLS {
                    op.record_nanos(1_000 + (i * 7 + t) % 5_000_000);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let s = reg.snapshot("hot.shared").unwrap();
    assert_eq!(s.count, 8 * CALLS);
    assert_eq!(s.levels.total(), 8 * CALLS);
    assert_eq!(s.histogram.count(), 8 * CALLS);
    let expected_sum: u64 = (0..8u64)
        .map(|t| {
            (0..CALLS)
                .map(|i| 1_000 + (i * 7 + t) % 5_000_000)
                .sum::<u64>()
        })
        .sum();
    assert_eq!(
        s.sum_ns,
        u128::from(expected_sum),
        "no lost update in the sum either"
    );
}

/// 16 threads x 100k calls into one operation while another thread takes
/// snapshots of it and a third resets a different operation: at the end,
/// count, level counts, histogram total and sum agree exactly. Snapshots
/// taken meanwhile are not one instant (each counter is exact when read,
/// and calls land between reads): the test checks that every figure only
/// grows and never passes the final total.
#[test]
fn counts_are_exact_under_contention_with_snapshots_and_resets() {
    const THREADS: u64 = 16;
    let reg = Arc::new(Registry::new());
    let op = reg.operation("contended.shared", Kind::Processing);
    let other = reg.operation("contended.other", Kind::Processing);
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (reg, done) = (reg.clone(), done.clone());
        std::thread::spawn(move || {
            let mut last = (0, 0, 0, 0u128);
            let mut snapshots = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let s = reg.snapshot("contended.shared").unwrap();
                let now = (s.count, s.levels.total(), s.histogram.count(), s.sum_ns);
                assert!(
                    now.0 >= last.0 && now.1 >= last.1 && now.2 >= last.2 && now.3 >= last.3,
                    "a figure went backwards: {last:?} -> {now:?}"
                );
                assert!(now.0 <= THREADS * CALLS && now.2 <= THREADS * CALLS);
                last = now;
                snapshots += 1;
            }
            snapshots
        })
    };
    let resetter = {
        let (other, done) = (other.clone(), done.clone());
        std::thread::spawn(move || {
            let mut resets = 0u64;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                other.record_nanos(5);
                other.reset();
                resets += 1;
            }
            resets
        })
    };
    let writers: Vec<_> = (0..THREADS)
        .map(|t| {
            let op = op.clone();
            std::thread::spawn(move || {
                for i in 0..CALLS {
                    op.record_nanos(1_000 + (i * 13 + t) % 9_000_000);
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0);
    assert!(resetter.join().unwrap() > 0);
    let s = reg.snapshot("contended.shared").unwrap();
    assert_eq!(s.count, THREADS * CALLS);
    assert_eq!(s.levels.total(), THREADS * CALLS);
    assert_eq!(s.histogram.count(), THREADS * CALLS);
    let expected: u128 = (0..THREADS)
        .flat_map(|t| (0..CALLS).map(move |i| u128::from(1_000 + (i * 13 + t) % 9_000_000)))
        .sum();
    assert_eq!(s.sum_ns, expected);
}

/// Resets racing with calls on the same operation (what the loom model
/// cannot check, see perfmon-core's loom_tests.rs): no figure ever exceeds
/// the calls made or wraps, and once the racing stops a reset zeroes all and
/// later calls count exactly.
#[test]
fn resets_racing_with_calls_never_overcount_and_settle_exactly() {
    const WRITERS: u64 = 4;
    let reg = Arc::new(Registry::new());
    let op = reg.operation("contended.reset", Kind::Processing);
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let resetter = {
        let (op, done) = (op.clone(), done.clone());
        std::thread::spawn(move || {
            let mut resets = 0u64;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                op.reset();
                resets += 1;
            }
            resets
        })
    };
    let writers: Vec<_> = (0..WRITERS)
        .map(|_| {
            let op = op.clone();
            std::thread::spawn(move || {
                for _ in 0..CALLS {
                    op.record_nanos(1_000);
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(resetter.join().unwrap() > 0);
    let s = op.snapshot();
    let total = WRITERS * CALLS;
    assert!(
        s.count <= total && s.histogram.count() <= total,
        "{} / {}",
        s.count,
        s.histogram.count()
    );
    assert!(s.sum_ns <= u128::from(total) * 1_000, "{}", s.sum_ns);
    op.reset();
    for _ in 0..10 {
        op.record_nanos(1_000);
    }
    let s = op.snapshot();
    assert_eq!((s.count, s.histogram.count(), s.sum_ns), (10, 10, 10_000));
}

#[test]
fn counts_are_exact_with_eight_tasks_on_a_multi_thread_runtime() {
    let reg = Arc::new(Registry::new());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    rt.block_on(async {
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let reg = reg.clone();
                tokio::spawn(async move {
                    for i in 0..CALLS {
                        let t = reg.timer("tasks.shared", Kind::Processing);
                        if i.is_multiple_of(1000) {
                            tokio::task::yield_now().await;
                        }
                        drop(t);
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    let s = reg.summary("tasks.shared").unwrap();
    assert_eq!(s.count, 8 * CALLS);
    assert_eq!(s.errors + s.panics + s.cancelled, 0);
}

#[test]
fn timer_records_on_drop_and_can_be_marked_as_error() {
    let reg = Registry::new();
    {
        let _t = reg.timer("checkout.total", Kind::Processing);
    }
    let mut t = reg.timer("checkout.total", Kind::Processing);
    t.error("card declined: insufficient funds");
    let took = t.finish();
    assert!(took < Duration::from_secs(60));
    let s = reg.summary("checkout.total").unwrap();
    assert_eq!((s.count, s.errors), (2, 1));
    assert_eq!(
        s.recent_failures[0].error.as_deref(),
        Some("card declined: insufficient funds")
    );
    assert_eq!(s.recent_failures[0].outcome, Outcome::Error);
}

#[test]
fn timer_dropped_by_a_panic_records_a_panic() {
    let reg = Registry::new();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _t = reg.timer("panicky.block", Kind::Processing);
        panic!("boom");
    }));
    assert!(result.is_err());
    let s = reg.summary("panicky.block").unwrap();
    assert_eq!((s.count, s.panics), (1, 1));
}

#[test]
fn recorded_durations_are_classified_by_kind() {
    let reg = Registry::new();
    for ms in [10, 18, 22, 40, 80] {
        reg.record("db.find", Kind::DatabaseQuery, Duration::from_millis(ms));
    }
    let s = reg.summary("db.find").unwrap();
    assert_eq!(s.levels.to_array(), [1, 1, 1, 1, 1]);
    assert_eq!(s.min_ms, 10.0);
    assert_eq!(s.max_ms, 80.0);
    assert_eq!(s.mean_ms, 34.0);
    assert_eq!(s.level, Level::Critical, "p95 is 80 ms, above 50 ms");
}

#[test]
fn failures_keep_their_message_cut_to_a_bound() {
    let reg = Registry::new();
    let long = "x".repeat(10_000);
    reg.record_outcome(
        "imports.run",
        Kind::Processing,
        Duration::from_millis(3),
        Outcome::Error,
        Some(&long),
    );
    let s = reg.summary("imports.run").unwrap();
    let kept = s.recent_failures[0].error.as_deref().unwrap();
    assert!(kept.len() <= perfmon::ERROR_CAPACITY + '…'.len_utf8());
    assert!(kept.ends_with('…'));
}

#[test]
fn operations_past_the_cap_go_to_one_overflow_entry() {
    let reg = Registry::new();
    reg.set_max_operations(3);
    for i in 0..10 {
        reg.record(
            &format!("op.{i}"),
            Kind::Processing,
            Duration::from_millis(1),
        );
    }
    assert_eq!(reg.len(), 3);
    assert_eq!(reg.refused(), 7);
    let overflow = reg.summary(OVERFLOW_OPERATION).unwrap();
    assert_eq!(overflow.count, 7);
    // Known names keep recording into their own entry.
    reg.record("op.0", Kind::Processing, Duration::from_millis(1));
    assert_eq!(reg.summary("op.0").unwrap().count, 2);
    assert!(reg.summary("op.9").is_none());
}

#[test]
fn reset_prefix_leaves_other_tests_operations_alone() {
    let reg = Registry::new();
    reg.record("mine.a", Kind::Processing, Duration::from_millis(1));
    reg.record("theirs.a", Kind::Processing, Duration::from_millis(1));
    reg.reset_prefix("mine.");
    assert_eq!(reg.summary("mine.a").unwrap().count, 0);
    assert_eq!(reg.summary("theirs.a").unwrap().count, 1);
    reg.reset();
    assert_eq!(reg.summary("theirs.a").unwrap().count, 0);
}

#[test]
fn configured_level_bounds_apply_to_existing_and_new_operations() {
    let reg = Registry::new();
    reg.record(
        "auth.login",
        Kind::Authentication,
        Duration::from_millis(35),
    );
    reg.set_level_bounds(
        Kind::Authentication,
        perfmon::LevelBounds::from_millis(40, 50, 60, 70),
    )
    .unwrap();
    reg.record(
        "auth.login",
        Kind::Authentication,
        Duration::from_millis(35),
    );
    reg.record(
        "auth.logout",
        Kind::Authentication,
        Duration::from_millis(35),
    );
    let login = reg.summary("auth.login").unwrap();
    assert_eq!((login.levels.good, login.levels.excellent), (1, 1));
    assert_eq!(reg.summary("auth.logout").unwrap().levels.excellent, 1);
    let err = reg
        .set_level_bounds(
            Kind::Authentication,
            perfmon::LevelBounds::from_millis(5, 4, 3, 2),
        )
        .unwrap_err();
    assert!(
        err.contains("authentication") && err.contains("strictly increase"),
        "{err}"
    );
}

#[test]
fn memory_per_operation_is_bounded_and_documented() {
    let reg = Registry::new();
    let op = reg.operation("mem.one", Kind::Processing);
    let fixed = op.memory_bytes();
    // Durations spanning 1 us .. 10 s touch at most 24 pages per stripe used.
    for i in 0..10_000u64 {
        op.record_nanos(1_000 + i * 1_000_000);
    }
    let used = op.memory_bytes();
    assert!(fixed < 16 * 1024, "fixed part {fixed} bytes");
    assert!(used - fixed <= 24 * 512, "pages {} bytes", used - fixed);
}

#[test]
fn global_timer_and_record_count_exactly_from_many_threads() {
    let threads: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| {
                for _ in 0..10_000 {
                    drop(perfmon::timer(
                        "registry_test.global_timer",
                        Kind::Processing,
                    ));
                    perfmon::record(
                        "registry_test.global_record",
                        Kind::Processing,
                        Duration::from_micros(3),
                    );
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(
        perfmon::summary("registry_test.global_timer")
            .unwrap()
            .count,
        40_000
    );
    let r = perfmon::summary("registry_test.global_record").unwrap();
    assert_eq!(r.count, 40_000);
    assert_eq!(r.mean_ms, 0.003);
}
