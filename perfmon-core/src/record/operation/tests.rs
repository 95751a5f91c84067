//! Unit tests of `operation.rs`.
use super::*;

fn op() -> Operation {
    Operation::new("t".into(), Kind::DEFAULT, LevelBounds::DEFAULT)
}

#[test]
fn count_is_the_sum_of_levels_and_min_max_track() {
    let o = op();
    for ms in [50u64, 150, 700, 2000, 4000] {
        o.record_nanos(ms * 1_000_000);
    }
    let s = o.snapshot();
    assert_eq!(s.count, 5);
    assert_eq!(s.levels, crate::LevelCounts::from_array([1, 1, 1, 1, 1]));
    assert_eq!(s.min_ns, 50_000_000);
    assert_eq!(s.max_ns, 4_000_000_000);
    assert_eq!(s.sum_ns, 6_900_000_000);
    assert_eq!(s.histogram.count(), 5);
}

#[test]
fn failures_are_counted_and_kept_with_details() {
    let o = op();
    o.record(1_000, 0, Outcome::Error, || CallDetails {
        error: Some("boom".into()),
        params: vec![CapturedParam {
            name: "id".into(),
            value: "7".into(),
        }],
        at_unix_ms: None,
    });
    o.record(2_000, 0, Outcome::Panicked, CallDetails::default);
    o.record(3_000, 0, Outcome::Cancelled, CallDetails::default);
    let s = o.snapshot();
    assert_eq!((s.count, s.errors, s.panics, s.cancelled), (3, 1, 1, 1));
    // The cancellation is counted, not kept as a failure.
    assert_eq!(s.recent_failures.len(), 2);
    assert_eq!(s.recent_failures[0].error.as_deref(), Some("boom"));
    assert_eq!(s.recent_failures[0].params[0].value, "7");
}

#[test]
fn reset_zeroes_everything() {
    let o = op();
    o.record(5, 0, Outcome::Error, CallDetails::default);
    o.reset();
    let s = o.snapshot();
    assert_eq!((s.count, s.errors, s.min_ns, s.max_ns), (0, 0, 0, 0));
    assert!(s.recent_failures.is_empty() && s.slowest.is_empty());
}

#[test]
fn stripes_do_not_share_a_cache_line() {
    assert!(std::mem::align_of::<Stripe>() >= 128);
}

/// The per-stripe sum carries into a second word instead of wrapping:
/// three calls of `u64::MAX` ns (what `Duration::MAX` saturates to) and one
/// more give the exact total, so the mean does not collapse.
#[test]
fn sums_never_wrap() {
    let o = op();
    for _ in 0..3 {
        o.record_nanos(u64::MAX);
    }
    o.record_nanos(5);
    let s = o.snapshot();
    assert_eq!(s.sum_ns, 3 * u128::from(u64::MAX) + 5);
    let mean = (3.0 * u64::MAX as f64 + 5.0) / 4.0;
    assert!((s.mean_ns() - mean).abs() / mean < 1e-12, "{}", s.mean_ns());
    o.reset();
    assert_eq!(o.snapshot().sum_ns, 0, "the carry is reset too");
}
