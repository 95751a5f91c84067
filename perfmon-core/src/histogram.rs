//! A log-linear histogram of nanosecond durations with atomic buckets.
//!
//! Values below 64 ns have a bucket each; above, every power of two is split
//! into 64 equal buckets. A value is reported as the midpoint of its bucket, so
//! a quantile read from the histogram is within **1/128 (0.79 %)** of a value
//! in the same bucket: the documented bound is 1 % relative error.
//!
//! Buckets live in pages of 64 (one per power of two), allocated the first
//! time a value lands in that range and never freed until the histogram is
//! dropped; an operation whose calls span three orders of magnitude touches
//! about ten pages (5 KiB). Recording is one acquire load and one relaxed
//! `fetch_add`: no lock, no allocation after the page exists.

use crate::sync::core::{AtomicPtr, AtomicU64};
use serde::{Deserialize, Serialize};
use std::ptr;
use std::sync::atomic::Ordering::*;

/// log2 of the number of buckets per power of two.
pub const SUB_BITS: u32 = 6;
const SUB: usize = 1 << SUB_BITS;
/// Pages: one for values below 64, then one per power of two from 2^6 to 2^63.
const PAGES: usize = 64 - SUB_BITS as usize + 1;

type Page = [AtomicU64; SUB];

/// Index of the bucket holding `v`.
#[inline(always)]
pub fn bucket_index(v: u64) -> usize {
    if v < SUB as u64 {
        v as usize
    } else {
        let exp = 63 - v.leading_zeros(); // >= SUB_BITS
        let shift = exp - SUB_BITS;
        (((exp - SUB_BITS + 1) as usize) << SUB_BITS) | ((v >> shift) as usize & (SUB - 1))
    }
}

/// The half-open range `[low, high)` of values in bucket `index`.
pub fn bucket_range(index: usize) -> (u64, u64) {
    let page = index >> SUB_BITS;
    let sub = (index & (SUB - 1)) as u64;
    if page == 0 {
        return (sub, sub + 1);
    }
    let exp = page as u32 - 1 + SUB_BITS;
    let width = 1u64 << (exp - SUB_BITS);
    let low = (1u64 << exp) + sub * width;
    (low, low.saturating_add(width))
}

/// The value reported for bucket `index`: its midpoint.
pub fn bucket_value(index: usize) -> u64 {
    let (low, high) = bucket_range(index);
    low + (high - low) / 2
}

/// The concurrent histogram (hot path).
pub struct AtomicHistogram {
    pages: [AtomicPtr<Page>; PAGES],
}

impl std::fmt::Debug for AtomicHistogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AtomicHistogram")
            .field("allocated_bytes", &self.allocated_bytes())
            .finish()
    }
}

impl Default for AtomicHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl AtomicHistogram {
    /// An empty histogram; no page is allocated yet.
    pub fn new() -> Self {
        AtomicHistogram {
            pages: std::array::from_fn(|_| AtomicPtr::new(ptr::null_mut())),
        }
    }

    /// Counts one value.
    #[inline(always)]
    pub fn record(&self, v: u64) {
        let i = bucket_index(v);
        self.page(i >> SUB_BITS)[i & (SUB - 1)].fetch_add(1, Relaxed);
    }

    #[inline(always)]
    fn page(&self, p: usize) -> &Page {
        let ptr = self.pages[p].load(Acquire);
        if ptr.is_null() {
            return self.install_page(p);
        }
        // SAFETY: a non-null pointer was installed by `install_page` from a
        // `Box` and is only freed in `drop`, which has `&mut self`.
        unsafe { &*ptr }
    }

    #[cold]
    fn install_page(&self, p: usize) -> &Page {
        let fresh = Box::into_raw(Box::new(std::array::from_fn::<AtomicU64, SUB, _>(|_| {
            AtomicU64::new(0)
        })));
        match self.pages[p].compare_exchange(ptr::null_mut(), fresh, AcqRel, Acquire) {
            // SAFETY: we just installed `fresh`; it lives until `drop`.
            Ok(_) => unsafe { &*fresh },
            Err(existing) => {
                // SAFETY: `fresh` was never shared; `existing` is installed and lives until `drop`.
                unsafe {
                    drop(Box::from_raw(fresh));
                    &*existing
                }
            }
        }
    }

    /// Adds every bucket into `counts` (indexed by bucket).
    pub fn add_to(&self, counts: &mut Vec<u64>) {
        for (p, slot) in self.pages.iter().enumerate() {
            let ptr = slot.load(Acquire);
            if ptr.is_null() {
                continue;
            }
            // SAFETY: see `page`.
            let page = unsafe { &*ptr };
            let base = p << SUB_BITS;
            if counts.len() < base + SUB {
                counts.resize(base + SUB, 0);
            }
            for (j, b) in page.iter().enumerate() {
                counts[base + j] += b.load(Relaxed);
            }
        }
    }

    /// Sets every bucket to zero (pages stay allocated).
    pub fn clear(&self) {
        for slot in &self.pages {
            let ptr = slot.load(Acquire);
            if !ptr.is_null() {
                // SAFETY: see `page`.
                for b in unsafe { &*ptr } {
                    b.store(0, Relaxed);
                }
            }
        }
    }

    /// Bytes allocated for pages so far.
    pub fn allocated_bytes(&self) -> usize {
        self.pages
            .iter()
            .filter(|p| !p.load(Relaxed).is_null())
            .count()
            * std::mem::size_of::<Page>()
    }
}

impl Drop for AtomicHistogram {
    fn drop(&mut self) {
        for slot in &mut self.pages {
            // `swap` rather than `get_mut`: the same code runs on loom's
            // atomics under the model checker.
            let ptr = slot.swap(ptr::null_mut(), Relaxed);
            if !ptr.is_null() {
                // SAFETY: installed from a Box; we have exclusive access.
                drop(unsafe { Box::from_raw(ptr) });
            }
        }
    }
}

/// A plain, mergeable copy of a histogram: `(bucket index, count)` pairs in
/// increasing bucket order, zero buckets left out.
///
/// ```
/// use perfmon_core::Histogram;
/// let mut a = Histogram::from_values([1_000, 2_000, 3_000]);
/// a.merge(&Histogram::from_values([4_000]));
/// assert_eq!(a.count(), 4);
/// let p50 = a.quantile(0.5).unwrap();
/// assert!((p50 as f64 - 2_000.0).abs() / 2_000.0 < 0.01);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Histogram {
    /// Non-zero buckets as `(index, count)`, sorted by index.
    pub buckets: Vec<(u32, u64)>,
}

impl Histogram {
    /// A histogram of the given nanosecond values (for tests and merging).
    pub fn from_values(values: impl IntoIterator<Item = u64>) -> Self {
        let mut dense = Vec::new();
        for v in values {
            let i = bucket_index(v);
            if dense.len() <= i {
                dense.resize(i + 1, 0);
            }
            dense[i] += 1;
        }
        Self::from_dense(&dense)
    }

    /// A histogram from counts indexed by bucket (as [`AtomicHistogram::add_to`] fills them).
    pub fn from_dense(dense: &[u64]) -> Self {
        Histogram {
            buckets: dense
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(i, c)| (i as u32, *c))
                .collect(),
        }
    }

    /// Number of values counted.
    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|(_, c)| c).sum()
    }

    /// Adds another histogram's counts to this one.
    pub fn merge(&mut self, other: &Histogram) {
        let mut all: std::collections::BTreeMap<u32, u64> = self.buckets.iter().copied().collect();
        for &(i, c) in &other.buckets {
            *all.entry(i).or_default() += c;
        }
        self.buckets = all.into_iter().collect();
    }

    /// Counts of this histogram minus those of an `earlier` copy of the same
    /// histogram (bucket-wise, saturating): the values recorded in between.
    pub fn minus(&self, earlier: &Histogram) -> Histogram {
        let before: std::collections::BTreeMap<u32, u64> =
            earlier.buckets.iter().copied().collect();
        Histogram {
            buckets: self
                .buckets
                .iter()
                .map(|&(i, c)| (i, c.saturating_sub(before.get(&i).copied().unwrap_or(0))))
                .filter(|&(_, c)| c > 0)
                .collect(),
        }
    }

    /// The smallest and largest recorded value as bucket edges (`None` when
    /// empty): the low edge of the first bucket, the last value of the last.
    pub fn range(&self) -> Option<(u64, u64)> {
        let first = self.buckets.first()?.0 as usize;
        let last = self.buckets.last()?.0 as usize;
        Some((bucket_range(first).0, bucket_range(last).1 - 1))
    }

    /// The `q`-quantile (0.0..=1.0) by nearest rank, as its bucket's midpoint;
    /// `None` when empty. Relative error at most 1/128.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let q = if q.is_nan() { 0.0 } else { q.clamp(0.0, 1.0) };
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
        let mut seen = 0;
        for &(i, c) in &self.buckets {
            seen += c;
            if seen >= rank {
                return Some(bucket_value(i as usize));
            }
        }
        self.buckets.last().map(|&(i, _)| bucket_value(i as usize))
    }

    /// Number of values below `bound` (exact when `bound` is a bucket edge;
    /// otherwise the bucket containing `bound` counts as below when its
    /// midpoint is).
    pub fn count_below(&self, bound: u64) -> u64 {
        self.buckets
            .iter()
            .take_while(|(i, _)| bucket_value(*i as usize) < bound)
            .map(|(_, c)| c)
            .sum()
    }

    /// [`count_below`](Self::count_below) of each bound, in one pass over the
    /// buckets: the cumulative counts of a Prometheus histogram. `bounds`
    /// must be in increasing order; a bound below the one before it gets the
    /// earlier bound's count.
    ///
    /// ```
    /// use perfmon_core::Histogram;
    /// let h = Histogram::from_values([10, 20, 20, 30]);
    /// let counts: Vec<u64> = h.counts_below(&[15, 21, 1_000]).collect();
    /// assert_eq!(counts, [1, 3, 4]);
    /// ```
    pub fn counts_below<'a>(&'a self, bounds: &'a [u64]) -> impl Iterator<Item = u64> + 'a {
        let mut buckets = self.buckets.iter().peekable();
        let mut below = 0;
        bounds.iter().map(move |&bound| {
            // Midpoints increase with the index, and every bucket before the
            // one holding `bound` lies below it: the buckets counted are
            // those before `end`.
            let holding = bucket_index(bound);
            let end = holding + usize::from(bucket_value(holding) < bound);
            while let Some((_, c)) = buckets.next_if(|(i, _)| (*i as usize) < end) {
                below += c;
            }
            below
        })
    }

    /// [`quantile`](Self::quantile) of each of `qs`, counting the buckets
    /// once and reading them in one pass when the quantiles increase (a
    /// quantile below the one before it reads them again from the start).
    ///
    /// ```
    /// use perfmon_core::Histogram;
    /// let h = Histogram::from_values(1..=100);
    /// let each: Vec<Option<u64>> = h.quantiles(&[0.5, 0.99]).collect();
    /// assert_eq!(each, [h.quantile(0.5), h.quantile(0.99)]);
    /// ```
    pub fn quantiles<'a>(&'a self, qs: &'a [f64]) -> impl Iterator<Item = Option<u64>> + 'a {
        let n = self.count();
        // `seen` values lie in `buckets[..next]`.
        let (mut seen, mut next) = (0, 0);
        qs.iter().map(move |&q| {
            if n == 0 {
                return None;
            }
            // The nearest rank, as `quantile` computes it.
            let q = if q.is_nan() { 0.0 } else { q.clamp(0.0, 1.0) };
            let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
            if next > 0 && seen - self.buckets[next - 1].1 >= rank {
                (seen, next) = (0, 0);
            }
            while seen < rank && next < self.buckets.len() {
                seen += self.buckets[next].1;
                next += 1;
            }
            Some(bucket_value(self.buckets[next - 1].0 as usize))
        })
    }
}

#[cfg(test)]
mod tests {
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
}
