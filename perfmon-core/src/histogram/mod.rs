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

thread_local! {
    /// The dense buffer of [`Histogram::sum_of`] (cold path), all zeros
    /// between uses.
    static SCRATCH: std::cell::Cell<Vec<u64>> = const { std::cell::Cell::new(Vec::new()) };
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
    ///
    /// One pass over both sorted bucket lists to count the indices they
    /// share, one to add: in place when every bucket of `other` is already
    /// used here (the common case when a window adds its minutes up), else
    /// into a list of exactly the union's size (a merged histogram may be
    /// kept, so it holds no spare capacity).
    pub fn merge(&mut self, other: &Histogram) {
        if other.buckets.is_empty() {
            return;
        }
        if self.buckets.is_empty() {
            self.buckets.clone_from(&other.buckets);
            return;
        }
        let shared = Self::shared(&self.buckets, &other.buckets);
        if shared == other.buckets.len() {
            let mut mine = self.buckets.iter_mut();
            for &(i, c) in &other.buckets {
                // Every index of `other` is here, in order.
                if let Some(slot) = mine.find(|(j, _)| *j == i) {
                    slot.1 += c;
                }
            }
            return;
        }
        let (a, b) = (&self.buckets, &other.buckets);
        let mut out = Vec::with_capacity(a.len() + b.len() - shared);
        let (mut x, mut y) = (0, 0);
        while x < a.len() && y < b.len() {
            let ((i, c), (j, d)) = (a[x], b[y]);
            match i.cmp(&j) {
                std::cmp::Ordering::Less => {
                    out.push((i, c));
                    x += 1;
                }
                std::cmp::Ordering::Greater => {
                    out.push((j, d));
                    y += 1;
                }
                std::cmp::Ordering::Equal => {
                    out.push((i, c + d));
                    x += 1;
                    y += 1;
                }
            }
        }
        out.extend_from_slice(&a[x..]);
        out.extend_from_slice(&b[y..]);
        self.buckets = out;
    }

    /// The sum of several histograms, in one allocation: their buckets
    /// gathered, sorted by index and added up (cheaper than merging them one
    /// by one, which reallocates at each step).
    ///
    /// ```
    /// use perfmon_core::Histogram;
    /// let parts = [
    ///     Histogram::from_values([1_000, 5_000]),
    ///     Histogram::from_values([1_000, 9_000]),
    /// ];
    /// let sum = Histogram::sum_of(&parts);
    /// let mut merged = parts[0].clone();
    /// merged.merge(&parts[1]);
    /// assert_eq!(sum, merged);
    /// ```
    pub fn sum_of<'a>(parts: impl IntoIterator<Item = &'a Histogram>) -> Histogram {
        let mut all: Vec<(u32, u64)> = Vec::new();
        for h in parts {
            all.extend_from_slice(&h.buckets);
        }
        Histogram::from_pairs(all)
    }

    /// The histogram of `(bucket index, count)` pairs in any order, an index
    /// possibly repeated (counts added up): through a per-thread dense array
    /// when the indexes are close together, by sorting otherwise.
    pub(crate) fn from_pairs(mut all: Vec<(u32, u64)>) -> Histogram {
        let len = all.len();
        let first = all.iter().map(|b| b.0).min();
        let last = all.iter().map(|b| b.0).max();
        let (Some(first), Some(last)) = (first, last) else {
            return Histogram::default();
        };
        // Buckets of neighbouring minutes mostly overlap: add them up in a
        // dense array over the indexes they span when it is small enough.
        let span = (last - first) as usize + 1;
        if span <= 4 * len + 64 {
            return SCRATCH.with(|scratch| {
                // A per-thread buffer, left zeroed after each use: no
                // allocation and no clearing pass per sum.
                let mut dense = scratch.take();
                if dense.len() < span {
                    dense.resize(span, 0);
                }
                for &(i, c) in &all {
                    dense[(i - first) as usize] += c;
                }
                all.clear();
                for (i, slot) in (first..).zip(&mut dense[..span]) {
                    if *slot > 0 {
                        all.push((i, *slot));
                        *slot = 0;
                    }
                }
                scratch.set(dense);
                Histogram { buckets: all }
            });
        }
        all.sort_unstable_by_key(|(i, _)| *i);
        all.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 += later.1;
            }
            same
        });
        Histogram { buckets: all }
    }

    /// How many indices two sorted bucket lists have in common (one pass).
    fn shared(a: &[(u32, u64)], b: &[(u32, u64)]) -> usize {
        let (mut x, mut y, mut n) = (0, 0, 0);
        while x < a.len() && y < b.len() {
            match a[x].0.cmp(&b[y].0) {
                std::cmp::Ordering::Less => x += 1,
                std::cmp::Ordering::Greater => y += 1,
                std::cmp::Ordering::Equal => {
                    n += 1;
                    x += 1;
                    y += 1;
                }
            }
        }
        n
    }

    /// Counts of this histogram minus those of an `earlier` copy of the same
    /// histogram (bucket-wise, saturating): the values recorded in between.
    /// One pass over both sorted bucket lists to size the result exactly (a
    /// difference is often kept, and much smaller than either), one to fill it.
    pub fn minus(&self, earlier: &Histogram) -> Histogram {
        let difference = || {
            let mut before = earlier.buckets.iter().peekable();
            self.buckets.iter().filter_map(move |&(i, c)| {
                while before.next_if(|(j, _)| *j < i).is_some() {}
                let sub = before.next_if(|(j, _)| *j == i).map_or(0, |(_, d)| *d);
                let left = c.saturating_sub(sub);
                (left > 0).then_some((i, left))
            })
        };
        let mut buckets = Vec::with_capacity(difference().count());
        buckets.extend(difference());
        Histogram { buckets }
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
mod tests;
