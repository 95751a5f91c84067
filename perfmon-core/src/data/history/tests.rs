//! Unit tests of `history.rs`.
use super::*;
use crate::histogram::Histogram;

/// A minute of 2023: real minute keys are large, far from the saturating
/// edges at zero.
const T0: u64 = 28_000_000;

const HOUR_ONLY: Tiers = Tiers {
    fine: 60,
    history: 60,
};
const DAY: Tiers = Tiers {
    fine: 60,
    history: 1440,
};

fn counts(values: &[u64]) -> Counts {
    Counts {
        levels: [values.len() as u64, 0, 0, 0, 0],
        sum_ns: values.iter().map(|&v| u128::from(v)).sum(),
        histogram: Histogram::from_values(values.iter().copied()),
        ..Counts::default()
    }
}

fn window(ring: &MinuteRing, from: u64, to: u64, live: &Counts) -> (Counts, WindowSpan) {
    ring.view(from, to).window(live)
}

fn minutes(ring: &MinuteRing, from: u64, to: u64, live: &Counts) -> Vec<(u64, u64)> {
    ring.view(from, to)
        .minutes(live)
        .iter()
        .map(|(m, c)| (*m, c.count()))
        .collect()
}

#[test]
fn each_closed_minute_holds_exactly_its_calls() {
    let mut ring = MinuteRing::default();
    let mut cumulative = Counts::default();
    ring.rotate(T0, cumulative.clone(), DAY);
    cumulative.add(&counts(&[1, 2, 3])); // minute T0
    ring.rotate(T0 + 3, cumulative.clone(), DAY);
    cumulative.add(&counts(&[10])); // minute T0 + 3
    assert_eq!(
        minutes(&ring, 0, u64::MAX, &cumulative),
        [(T0, 3), (T0 + 3, 1)]
    );
    assert_eq!(window(&ring, T0 + 1, T0 + 3, &cumulative).0.count(), 1);
    let (c, span) = window(&ring, T0, T0 + 2, &cumulative);
    assert_eq!(c.sum_ns, 6);
    assert_eq!(span, WindowSpan::per_minute(T0, T0 + 2));
}

#[test]
fn without_a_coarse_tier_old_minutes_fall_out_of_the_retention() {
    let mut ring = MinuteRing::default();
    let mut cumulative = Counts::default();
    for minute in T0..T0 + 200 {
        ring.rotate(minute, cumulative.clone(), HOUR_ONLY);
        cumulative.add(&counts(&[minute - T0 + 1]));
    }
    let kept = minutes(&ring, 0, u64::MAX, &cumulative);
    assert_eq!(kept.first().unwrap().0, T0 + 140);
    assert_eq!(kept.len(), 60);
    let (all, span) = window(&ring, 0, u64::MAX, &cumulative);
    assert_eq!((all.count(), span.resolution_minutes), (60, 1));
}

#[test]
fn a_clock_stepping_back_keeps_the_open_minute() {
    let mut ring = MinuteRing::default();
    ring.rotate(T0 + 50, Counts::default(), DAY);
    ring.rotate(T0 + 49, counts(&[1]), DAY);
    assert_eq!(ring.open_minute(), Some(T0 + 50));
    assert_eq!(window(&ring, T0 + 50, T0 + 50, &counts(&[1])).0.count(), 1);
}

/// Three hours of one call a minute (minute `T0 + k` takes `k + 1` us):
/// the last hour per minute, the two before in 10-minute buckets.
fn three_hours() -> (MinuteRing, Counts) {
    let mut ring = MinuteRing::default();
    let mut cumulative = Counts::default();
    for k in 0..180 {
        ring.rotate(T0 + k, cumulative.clone(), DAY);
        cumulative.add(&counts(&[(k + 1) * 1_000]));
    }
    (ring, cumulative)
}

#[test]
fn minutes_older_than_the_retention_move_into_ten_minute_buckets() {
    let (ring, live) = three_hours();
    // Per minute: the open minute T0 + 179 and the 59 before it.
    let per_minute = minutes(&ring, 0, u64::MAX, &live);
    assert_eq!(per_minute.len(), 60);
    assert_eq!(per_minute[0].0, T0 + 120);
    // The last hour is read minute by minute, exactly.
    let (hour, span) = window(&ring, T0 + 120, T0 + 179, &live);
    assert_eq!(span, WindowSpan::per_minute(T0 + 120, T0 + 179));
    assert_eq!(hour.count(), 60);
    assert_eq!(hour.sum_ns, (121..=180u128).sum::<u128>() * 1_000);
    // Everything: every call once, the older ones at 10-minute resolution.
    let (all, span) = window(&ring, 0, u64::MAX, &live);
    assert_eq!(all.count(), 180);
    assert_eq!(all.sum_ns, (1..=180u128).sum::<u128>() * 1_000);
    assert_eq!(all.histogram.count(), 180);
    assert_eq!(span.resolution_minutes, COARSE_MINUTES);
    // A window starting inside a 10-minute bucket covers the whole bucket.
    let (part, span) = window(&ring, T0 + 15, T0 + 179, &live);
    assert_eq!(span.from_minute, T0 + 10);
    assert_eq!(part.count(), 170);
    // Percentiles of the coarse part stay within 3.7 %.
    let (old, _) = window(&ring, T0, T0 + 119, &live);
    let p50 = old.histogram.quantile(0.5).unwrap() as f64;
    assert!((p50 - 60_000.0).abs() / 60_000.0 < 0.037, "{p50}");
}

#[test]
fn a_bucket_being_filled_covers_only_the_minutes_it_holds() {
    let mut ring = MinuteRing::default();
    let mut cumulative = Counts::default();
    for k in 0..176 {
        ring.rotate(T0 + k, cumulative.clone(), DAY);
        cumulative.add(&counts(&[1_000]));
    }
    // Per minute: T0 + 116..=T0 + 175. The bucket of T0 + 110..=T0 + 119
    // holds T0 + 110..=T0 + 115 so far.
    let (hour, span) = window(&ring, T0 + 116, T0 + 175, &cumulative);
    assert_eq!(hour.count(), 60);
    assert_eq!(span, WindowSpan::per_minute(T0 + 116, T0 + 175));
    let (more, span) = window(&ring, T0 + 115, T0 + 175, &cumulative);
    assert_eq!(more.count(), 66);
    assert_eq!(
        span,
        WindowSpan {
            from_minute: T0 + 110,
            to_minute: T0 + 175,
            resolution_minutes: COARSE_MINUTES
        }
    );
}

/// At every rotation, whatever the gaps between minutes with calls, every
/// call recorded within the history is in exactly one tier: a read of
/// everything gives the calls made since the history's first bucket.
#[test]
fn every_call_is_in_exactly_one_tier() {
    let mut ring = MinuteRing::default();
    let mut cumulative = Counts::default();
    let mut calls: Vec<u64> = Vec::new(); // minute of each call
    let mut minute = T0;
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..600 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        minute += match x % 100 {
            0 => 2_000, // idle for more than the history
            1..=5 => 100 + x % 300,
            _ => 1 + x % 3,
        };
        ring.rotate(minute, cumulative.clone(), DAY);
        for _ in 0..(1 + x % 4) {
            cumulative.add(&counts(&[1_000 + x % 1_000_000]));
            calls.push(minute);
        }
        // What the history must still hold: calls of minutes whose
        // 10-minute bucket ends within the history, or within the retention.
        let oldest = minute - u64::from(DAY.history);
        let kept = calls
            .iter()
            .filter(|&&m| m - m % COARSE + COARSE - 1 > oldest)
            .count() as u64;
        let (all, _) = window(&ring, 0, u64::MAX, &cumulative);
        assert_eq!(all.count(), kept, "at minute {}", minute - T0);
        assert_eq!(all.histogram.count(), kept);
        let fine: u64 = minutes(&ring, 0, u64::MAX, &cumulative)
            .iter()
            .map(|(_, n)| n)
            .sum();
        let in_retention = calls
            .iter()
            .filter(|&&m| m > minute - u64::from(DAY.fine))
            .count() as u64;
        assert_eq!(fine, in_retention);
        // Any window: exactly the kept calls of the minutes its span says.
        let to = minute - x % 200;
        let from = to - (x >> 8) % 300;
        let (c, span) = window(&ring, from, to, &cumulative);
        let expected = calls
            .iter()
            .filter(|&&m| m - m % COARSE + COARSE - 1 > oldest)
            .filter(|&&m| (span.from_minute..=span.to_minute).contains(&m))
            .count() as u64;
        assert_eq!(c.count(), expected, "{span:?} for {from}..={to}");
        assert!(span.from_minute <= from && span.to_minute >= to);
    }
}

#[test]
fn a_shorter_history_drops_old_buckets() {
    let mut ring = MinuteRing::default();
    let mut cumulative = Counts::default();
    let tiers = Tiers {
        fine: 60,
        history: 120,
    };
    for k in 0..300 {
        ring.rotate(T0 + k, cumulative.clone(), tiers);
        cumulative.add(&counts(&[1_000]));
    }
    // Minutes T0 + 180..=T0 + 299: per minute from T0 + 240.
    assert_eq!(window(&ring, 0, u64::MAX, &cumulative).0.count(), 120);
    assert_eq!(window(&ring, 0, T0 + 179, &cumulative).0.count(), 0);
    let (first, span) = window(&ring, 0, T0 + 180, &cumulative);
    assert_eq!((first.count(), span.to_minute), (10, T0 + 189));
}
