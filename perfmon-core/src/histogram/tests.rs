//! Unit tests of the histogram: bucket layout, quantile error bounds,
//! merge and minus (against a naive reference).
use super::*;
use rand::{rngs::SmallRng, Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal};

#[test]
fn buckets_cover_every_value_without_gaps() {
    let mut prev_high = 0;
    for i in 0..(PAGES * SUB) {
        let (low, high) = bucket_range(i);
        assert_eq!(low, prev_high, "gap before bucket {i}");
        assert!(high > low || high == u64::MAX);
        assert_eq!(bucket_index(low), i);
        assert_eq!(bucket_index(high - 1), i);
        prev_high = high;
    }
    assert_eq!(bucket_index(u64::MAX), PAGES * SUB - 1);
}

#[test]
fn every_bucket_is_within_a_128th_of_its_values() {
    for v in (1..200_000u64).chain([1 << 40, (1 << 40) + 12345, u64::MAX / 3]) {
        let m = bucket_value(bucket_index(v)) as f64;
        let err = (m - v as f64).abs() / v as f64;
        assert!(err <= 1.0 / 128.0, "value {v}: midpoint {m}, error {err}");
    }
}

fn exact_quantile(sorted: &[u64], q: f64) -> u64 {
    let n = sorted.len() as u64;
    let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
    sorted[(rank - 1) as usize]
}

fn check_quantiles(name: &str, mut values: Vec<u64>) {
    let atomic = AtomicHistogram::new();
    for &v in &values {
        atomic.record(v);
    }
    let mut dense = Vec::new();
    atomic.add_to(&mut dense);
    let h = Histogram::from_dense(&dense);
    assert_eq!(h.count(), values.len() as u64);
    values.sort_unstable();
    for q in [0.5, 0.9, 0.95, 0.99, 0.999] {
        let exact = exact_quantile(&values, q) as f64;
        let got = h.quantile(q).unwrap() as f64;
        let err = (got - exact).abs() / exact;
        assert!(
            err <= 0.01,
            "{name} q{q}: exact {exact}, histogram {got}, error {err:.4}"
        );
    }
}

#[test]
fn quantiles_within_one_percent_uniform() {
    let mut rng = SmallRng::seed_from_u64(1);
    check_quantiles(
        "uniform",
        (0..100_000)
            .map(|_| rng.gen_range(1_000..50_000_000))
            .collect(),
    );
}

#[test]
fn quantiles_within_one_percent_lognormal() {
    let mut rng = SmallRng::seed_from_u64(2);
    let d = LogNormal::new(13.0, 1.2).unwrap(); // median ~0.44 ms, long tail
    check_quantiles(
        "lognormal",
        (0..100_000)
            .map(|_| d.sample(&mut rng) as u64 + 1)
            .collect(),
    );
}

#[test]
fn quantiles_within_one_percent_bimodal() {
    let mut rng = SmallRng::seed_from_u64(3);
    let fast = LogNormal::new(11.0, 0.3).unwrap(); // ~60 us (cache hit)
    let slow = LogNormal::new(17.5, 0.4).unwrap(); // ~40 ms (miss)
    let values = (0..100_000)
        .map(|_| {
            let d = if rng.gen_bool(0.85) { &fast } else { &slow };
            d.sample(&mut rng) as u64 + 1
        })
        .collect();
    check_quantiles("bimodal", values);
}

#[test]
fn merged_histograms_equal_one_histogram_of_all_values() {
    let a: Vec<u64> = (1..5000).map(|i| i * 977).collect();
    let b: Vec<u64> = (1..3000).map(|i| i * 1_313 + 7).collect();
    let mut merged = Histogram::from_values(a.iter().copied());
    merged.merge(&Histogram::from_values(b.iter().copied()));
    assert_eq!(merged, Histogram::from_values(a.into_iter().chain(b)));
}

#[test]
fn minus_gives_the_values_recorded_in_between() {
    let early = Histogram::from_values([10, 2_000, 2_000]);
    let mut late = early.clone();
    late.merge(&Histogram::from_values([2_000, 5_000_000]));
    assert_eq!(
        late.minus(&early),
        Histogram::from_values([2_000, 5_000_000])
    );
    assert_eq!(early.minus(&late), Histogram::default());
    assert_eq!(Histogram::from_values([7, 900]).range(), Some((7, 903)));
}

/// The reference `merge` and `minus` were once written as: through an
/// ordered map.
fn naive(buckets: &[(u32, u64)]) -> std::collections::BTreeMap<u32, u64> {
    buckets.iter().copied().collect()
}

fn naive_merge(a: &[(u32, u64)], b: &[(u32, u64)]) -> Vec<(u32, u64)> {
    let mut all = naive(a);
    for &(i, c) in b {
        *all.entry(i).or_default() += c;
    }
    all.into_iter().collect()
}

fn naive_minus(a: &[(u32, u64)], b: &[(u32, u64)]) -> Vec<(u32, u64)> {
    let before = naive(b);
    a.iter()
        .map(|&(i, c)| (i, c.saturating_sub(before.get(&i).copied().unwrap_or(0))))
        .filter(|&(_, c)| c > 0)
        .collect()
}

/// Sorted, distinct, non-zero buckets, as a `Histogram` holds them
/// (indices drawn from a small range so that lists overlap often).
fn buckets() -> impl proptest::strategy::Strategy<Value = Vec<(u32, u64)>> {
    proptest::collection::btree_map(0u32..96, 1u64..1 << 40, 0..48)
        .prop_map(|m| m.into_iter().collect())
}

use proptest::prelude::*;

proptest! {
    #[test]
    fn sum_of_matches_merging_one_by_one(
        // Overlapping buckets: the dense array.
        parts in proptest::collection::vec(buckets(), 0..14),
        // Few buckets far apart, many parts: the sorting path.
        wide in proptest::collection::vec(
            proptest::collection::btree_map(0u32..3776, 1u64..1 << 40, 0..4)
                .prop_map(|m| m.into_iter().collect::<Vec<_>>()),
            0..14,
        ),
    ) {
        for parts in [parts, wide] {
            let hs: Vec<Histogram> =
                parts.into_iter().map(|buckets| Histogram { buckets }).collect();
            let mut merged = Histogram::default();
            for h in &hs {
                merged.merge(h);
            }
            prop_assert_eq!(Histogram::sum_of(&hs), merged);
        }
    }

    #[test]
    fn merge_matches_a_naive_reference(
        a in buckets(),
        b in buckets(),
        keep in proptest::collection::vec(any::<bool>(), 48),
    ) {
        let mut merged = Histogram { buckets: a.clone() };
        merged.merge(&Histogram { buckets: b.clone() });
        prop_assert_eq!(&merged.buckets, &naive_merge(&a, &b));
        // A subset of `a`'s buckets: the in-place path.
        let sub: Vec<(u32, u64)> = a
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(&(i, _), _)| (i, u64::from(i) + 1))
            .collect();
        let mut merged = Histogram { buckets: a.clone() };
        merged.merge(&Histogram { buckets: sub.clone() });
        prop_assert_eq!(&merged.buckets, &naive_merge(&a, &sub));
    }

    #[test]
    fn minus_matches_a_naive_reference(a in buckets(), b in buckets()) {
        let (ha, hb) = (Histogram { buckets: a.clone() }, Histogram { buckets: b.clone() });
        prop_assert_eq!(ha.minus(&hb).buckets, naive_minus(&a, &b));
        prop_assert_eq!(hb.minus(&ha).buckets, naive_minus(&b, &a));
        // What was recorded in between comes back exactly.
        let mut later = ha.clone();
        later.merge(&hb);
        prop_assert_eq!(later.minus(&ha), hb);
    }
}

/// A merge or a difference may be kept for an hour (a minute's
/// calls): it holds no spare capacity.
#[test]
fn merged_and_subtracted_histograms_hold_no_spare_capacity() {
    let all = Histogram::from_values((1..3_000).map(|i| i * 1_000));
    let mut later = all.clone();
    later.merge(&Histogram::from_values([5, 7_777_777]));
    let delta = later.minus(&all);
    assert_eq!(delta, Histogram::from_values([5, 7_777_777]));
    assert_eq!(delta.buckets.capacity(), 2);
    let mut merged = Histogram::from_values([1, 2, 3]);
    merged.merge(&Histogram::from_values([3, 4]));
    assert_eq!(merged.buckets.capacity(), merged.buckets.len());
}

#[test]
fn empty_histogram_has_no_quantile() {
    assert_eq!(Histogram::default().quantile(0.5), None);
}

#[test]
fn clear_keeps_pages_and_zeroes_counts() {
    let h = AtomicHistogram::new();
    h.record(1_000_000);
    let bytes = h.allocated_bytes();
    assert!(bytes > 0);
    h.clear();
    let mut dense = Vec::new();
    h.add_to(&mut dense);
    assert!(dense.iter().all(|c| *c == 0));
    assert_eq!(h.allocated_bytes(), bytes);
}

#[test]
fn counts_below_in_one_pass_equal_count_below_of_each_bound() {
    let mut rng = SmallRng::seed_from_u64(4);
    let d = LogNormal::new(14.0, 2.0).unwrap();
    for n in [0, 1, 10, 1_000] {
        // A third of the values below 200 ns, where buckets are 1 ns wide.
        let values: Vec<u64> = (0..n)
            .map(|i| match i % 3 {
                0 => rng.gen_range(0..200),
                _ => d.sample(&mut rng) as u64,
            })
            .collect();
        let h = Histogram::from_values(values.iter().copied());
        // Bounds on bucket edges, on midpoints, between them, repeated,
        // and at the ends of the range.
        let mut bounds: Vec<u64> = values
            .iter()
            .flat_map(|&v| {
                let (low, high) = bucket_range(bucket_index(v));
                [
                    v,
                    low,
                    high,
                    bucket_value(bucket_index(v)),
                    bucket_value(bucket_index(v)) + 1,
                    v.saturating_add(1),
                ]
            })
            .chain(0..300)
            .chain((0..100).map(|i| match i % 2 {
                0 => rng.gen_range(0..1 << 40),
                _ => rng.gen(),
            }))
            .chain([0, 1, u64::MAX - 1, u64::MAX, u64::MAX])
            .collect();
        bounds.sort_unstable();
        let one_pass: Vec<u64> = h.counts_below(&bounds).collect();
        let each: Vec<u64> = bounds.iter().map(|&b| h.count_below(b)).collect();
        assert_eq!(one_pass, each, "{n} values");
    }
}

#[test]
fn counts_below_keeps_the_count_of_a_bound_out_of_order() {
    let h = Histogram::from_values([10, 20, 30]);
    let counts: Vec<u64> = h.counts_below(&[25, 15, 35]).collect();
    assert_eq!(counts, [2, 2, 3]);
    assert_eq!(Histogram::default().counts_below(&[1, 2]).sum::<u64>(), 0);
}

#[test]
fn quantiles_in_one_pass_equal_quantile_of_each() {
    let mut rng = SmallRng::seed_from_u64(5);
    let d = LogNormal::new(14.0, 2.0).unwrap();
    let mut qs: Vec<f64> = (0..=1000).map(|i| i as f64 / 1000.0).collect();
    qs.extend([
        -1.0,
        2.0,
        f64::NAN,
        f64::INFINITY,
        0.95,
        0.5,
        0.5,
        1e-9,
        0.0,
    ]);
    for n in [0, 1, 2, 10, 1_000] {
        let values: Vec<u64> = (0..n).map(|_| d.sample(&mut rng) as u64).collect();
        let h = Histogram::from_values(values);
        let each: Vec<Option<u64>> = qs.iter().map(|&q| h.quantile(q)).collect();
        assert_eq!(h.quantiles(&qs).collect::<Vec<_>>(), each, "{n} values");
        // In any order: shuffled, and decreasing.
        let mut shuffled: Vec<f64> = qs.clone();
        for i in (1..shuffled.len()).rev() {
            shuffled.swap(i, rng.gen_range(0..=i));
        }
        let each: Vec<Option<u64>> = shuffled.iter().map(|&q| h.quantile(q)).collect();
        assert_eq!(
            h.quantiles(&shuffled).collect::<Vec<_>>(),
            each,
            "{n} values"
        );
        let decreasing = [1.0, 0.99, 0.5, 0.0];
        let each: Vec<Option<u64>> = decreasing.iter().map(|&q| h.quantile(q)).collect();
        assert_eq!(h.quantiles(&decreasing).collect::<Vec<_>>(), each);
    }
}
