//! Windows, time series, trends and throughput, driven by synthetic
//! timestamps (`record_at`), never by sleeping.

use perfmon::RegistryExt;
use perfmon::{Kind, Outcome, Registry, TrendDirection, Window};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const MINUTE: Duration = Duration::from_secs(60);

/// A fixed "now", aligned to the start of a minute plus 30 s.
fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(29_000_000 * 60 + 30)
}

fn ago(minutes: u32) -> SystemTime {
    now() - MINUTE * minutes
}

fn record(reg: &Registry, name: &str, ms: u64, at: SystemTime) {
    reg.record_at(
        name,
        Kind::Processing,
        Duration::from_millis(ms),
        Outcome::Ok,
        None,
        at,
    );
}

#[test]
fn a_window_counts_only_the_last_n_minutes() {
    let reg = Registry::new();
    for _ in 0..5 {
        record(&reg, "w.op", 100, ago(10));
    }
    for _ in 0..3 {
        record(&reg, "w.op", 200, ago(3));
    }
    record(&reg, "w.op", 300, ago(0));
    reg.record_at(
        "w.op",
        Kind::Processing,
        Duration::from_millis(400),
        Outcome::Error,
        Some("x"),
        ago(0),
    );

    let count_in = |w| {
        reg.snapshots_at(w, now())
            .iter()
            .map(|s| s.count)
            .sum::<u64>()
    };
    assert_eq!(count_in(Window::LastMinutes(1)), 2);
    assert_eq!(count_in(Window::LastMinutes(4)), 5);
    assert_eq!(count_in(Window::LastMinutes(15)), 10);
    assert_eq!(count_in(Window::All), 10);

    let last4 = &reg.snapshots_at(Window::LastMinutes(4), now())[0];
    assert_eq!(last4.errors, 1);
    assert_eq!(last4.sum_ns, (3 * 200 + 300 + 400) * 1_000_000);
    // Window min/max come from histogram bucket edges: within 1/64.
    assert!(
        (last4.min_ns as f64 / 200e6 - 1.0).abs() < 1.0 / 64.0,
        "{}",
        last4.min_ns
    );
    assert!(
        (last4.max_ns as f64 / 400e6 - 1.0).abs() < 1.0 / 64.0,
        "{}",
        last4.max_ns
    );
    assert_eq!(last4.recent_failures.len(), 1);
    assert!(reg.snapshots_at(Window::LastMinutes(2), ago(20)).is_empty());
}

#[test]
fn without_history_minutes_older_than_the_retention_are_dropped() {
    let reg = Registry::new();
    reg.set_retention_minutes(5);
    reg.set_history_minutes(0);
    for m in (0..20).rev() {
        record(&reg, "w.retained", 10, ago(m));
    }
    let s = &reg.snapshots_at(Window::LastMinutes(60), now())[0];
    assert_eq!(s.count, 5, "clamped to the 5-minute retention");
    assert_eq!(reg.snapshots_at(Window::All, now())[0].count, 20);
}

#[test]
fn minutes_older_than_the_retention_are_read_from_ten_minute_buckets() {
    let reg = Registry::new();
    reg.set_retention_minutes(5);
    for m in (0..40).rev() {
        record(&reg, "w.history", 10 + u64::from(m), ago(m));
    }
    let this_minute = 29_000_000;
    // Within the retention: minute by minute.
    let recent = reg.window_snapshots(Window::LastMinutes(5), now());
    assert_eq!(recent.operations[0].count, 5);
    let span = recent.span.unwrap();
    assert_eq!(span.resolution_minutes, 1);
    assert_eq!(
        (span.from_minute, span.to_minute),
        (this_minute - 4, this_minute)
    );
    // Past it: 10-minute buckets, read whole, so the span can start earlier
    // than the minutes asked for, and says so.
    let older = reg.window_snapshots(Window::LastMinutes(25), now());
    let span = older.span.unwrap();
    assert_eq!(span.resolution_minutes, perfmon::COARSE_MINUTES);
    assert_eq!(span.from_minute % 10, 0);
    assert!(span.from_minute <= this_minute - 24);
    assert_eq!(
        older.operations[0].count,
        this_minute - span.from_minute + 1,
        "one call a minute, each counted once"
    );
    let all = &reg.snapshots_at(Window::LastMinutes(60), now())[0];
    assert_eq!(all.count, 40);
}

#[test]
fn time_series_has_one_point_per_minute_with_idle_minutes_at_zero() {
    let reg = Registry::new();
    record(&reg, "w.series", 10, ago(4));
    record(&reg, "w.series", 30, ago(4));
    record(&reg, "w.series", 50, ago(1));
    let series = reg.time_series("w.series", 5, now()).unwrap();
    let counts: Vec<u64> = series.iter().map(|p| p.count).collect();
    assert_eq!(counts, vec![2, 0, 0, 1, 0]);
    assert_eq!(series[0].mean_ms, 20.0);
    assert_eq!(series[4].minute_start_unix_ms, 29_000_000 * 60_000);
    assert!(reg.time_series("w.unknown", 5, now()).is_none());
}

fn trend_of(prev_ms: u64, cur_ms: u64) -> perfmon::Trend {
    let reg = Registry::new();
    for m in (5..10).rev() {
        record(&reg, "w.trend", prev_ms, ago(m));
    }
    for m in (0..5).rev() {
        record(&reg, "w.trend", cur_ms, ago(m));
    }
    reg.trends(5, now()).remove(0)
}

#[test]
fn p95_growth_above_half_is_a_degradation() {
    let t = trend_of(10, 16);
    assert_eq!(t.direction, TrendDirection::Degraded);
    assert!((t.p95_change.unwrap() - 0.6).abs() < 0.02, "{t:?}");
    assert_eq!((t.current.calls, t.previous.calls), (5, 5));
    assert_eq!(t.current.throughput_per_minute, 1.0);
}

#[test]
fn a_fall_above_thirty_percent_is_an_improvement_and_small_moves_are_stable() {
    assert_eq!(trend_of(10, 6).direction, TrendDirection::Improved);
    assert_eq!(trend_of(10, 14).direction, TrendDirection::Stable);
    assert_eq!(trend_of(10, 8).direction, TrendDirection::Stable);
}

#[test]
fn no_previous_calls_means_no_baseline() {
    let reg = Registry::new();
    record(&reg, "w.new", 10, ago(0));
    let t = reg.trends(5, now()).remove(0);
    assert_eq!(t.direction, TrendDirection::NoBaseline);
    assert_eq!(t.p95_change, None);
}

#[test]
fn calls_timed_now_land_in_the_current_window() {
    let reg = Registry::new();
    let op = reg.operation("w.live", Kind::Processing);
    for _ in 0..100 {
        op.record_nanos(5_000);
    }
    // Two minutes, in case the test runs across a minute boundary.
    let s = &reg.snapshots_in(Window::LastMinutes(2))[0];
    assert_eq!(s.count, 100);
}

#[test]
fn throughput_is_items_per_second_of_processing_time() {
    let reg = Registry::new();
    reg.record_items("import.batch", 500, Duration::from_millis(250));
    reg.record_items("import.batch", 1500, Duration::from_millis(750));
    let s = reg.summary("import.batch").unwrap();
    assert_eq!(s.count, 2);
    assert!((s.items_per_second.unwrap() - 2000.0).abs() < 1e-6);
    assert_eq!(reg.summary("import.batch").unwrap().kind, Kind::Processing);
}
