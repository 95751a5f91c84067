//! [`Counts`] in a few bytes, for the per-minute history an operation keeps.
//!
//! A stored minute holds tens of calls and a stored 10-minute bucket a few
//! hundred, so most figures are small numbers: each is written as a LEB128
//! varint (one byte below 128). The histogram is written as runs of
//! consecutive buckets: one token (`gap * 8 + run length - 1`, the gap
//! counted from the bucket after the previous run) and the run's counts.
//! An isolated bucket costs two bytes, a dense run one byte a bucket plus
//! one: a minute of 20 calls takes about 50 bytes where its [`Counts`]
//! takes about 450.
//!
//! Two resolutions ([`Resolution`]):
//! - [`Resolution::Full`] keeps every bucket: decoding gives the very
//!   counts encoded.
//! - [`Resolution::Coarse`] keeps 16 buckets per power of two instead of 64
//!   (values below 64 ns keep a bucket each). A value is then reported as the
//!   midpoint of the second of the four full buckets its coarse bucket
//!   spans, **within 3.7 % of the value** (the full histogram's bound is
//!   0.79 %). Counts, levels, errors and sums stay exact.
//!
//! Coarsening is additive: the coarse encoding of a sum is the sum of the
//! coarse encodings, so coarse buckets can be filled a minute at a time.

use super::window::Counts;
use crate::histogram::{Histogram, SUB_BITS};

/// How finely a histogram is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resolution {
    /// Every bucket (64 per power of two).
    Full,
    /// 16 buckets per power of two (under 3.7 % error).
    Coarse,
}

/// Full buckets below this index (values under 64 ns) are kept as they are.
const EXACT: u32 = 1 << SUB_BITS;
/// log2 of how many full buckets a coarse bucket spans.
const MERGE_BITS: u32 = 2;
/// Coarse buckets per power of two.
const COARSE_SUB: u32 = (1 << SUB_BITS) >> MERGE_BITS;

/// The coarse bucket of full bucket `i`.
fn to_coarse(i: u32) -> u32 {
    if i < EXACT {
        return i;
    }
    let page = i >> SUB_BITS;
    let sub = i & (EXACT - 1);
    EXACT + (page - 1) * COARSE_SUB + (sub >> MERGE_BITS)
}

/// The full bucket that stands for coarse bucket `c`: the second of the
/// four it spans (its midpoint is within 1.5 full buckets of the span's
/// low edge and 2.5 of its high edge, at least 64 buckets above zero).
fn from_coarse(c: u32) -> u32 {
    if c < EXACT {
        return c;
    }
    let k = c - EXACT;
    let page = k / COARSE_SUB + 1;
    let sub = (k % COARSE_SUB) << MERGE_BITS | 1;
    page << SUB_BITS | sub
}

impl Resolution {
    fn encode_index(self, i: u32) -> u32 {
        match self {
            Resolution::Full => i,
            Resolution::Coarse => to_coarse(i),
        }
    }

    fn decode_index(self, i: u32) -> u32 {
        match self {
            Resolution::Full => i,
            Resolution::Coarse => from_coarse(i),
        }
    }
}

pub(crate) fn put(out: &mut Vec<u8>, mut v: u128) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads a varint at `*at`, advancing it; 0 past the end (never written so).
pub(crate) fn take(bytes: &[u8], at: &mut usize) -> u128 {
    let mut v: u128 = 0;
    let mut shift = 0;
    while let Some(&b) = bytes.get(*at) {
        *at += 1;
        if shift < 128 {
            v |= u128::from(b & 0x7f) << shift;
        }
        shift += 7;
        if b < 0x80 {
            break;
        }
    }
    v
}

/// [`take`] for a value that fits in 64 bits (every figure but the sum):
/// one byte in the common case, no 128-bit arithmetic.
fn take_u64(bytes: &[u8], at: &mut usize) -> u64 {
    match bytes.get(*at) {
        Some(&b) if b < 0x80 => {
            *at += 1;
            u64::from(b)
        }
        _ => u64::try_from(take(bytes, at)).unwrap_or(u64::MAX),
    }
}

/// The buckets of an encoded histogram, in order, read as they are needed.
struct EncodedBuckets<'a> {
    bytes: &'a [u8],
    at: usize,
    resolution: Resolution,
    /// The next index of the current run, and how many of it are left.
    index: u64,
    left: u64,
}

impl Iterator for EncodedBuckets<'_> {
    type Item = (u32, u64);

    fn next(&mut self) -> Option<(u32, u64)> {
        if self.left == 0 {
            if self.at >= self.bytes.len() {
                return None;
            }
            let token = take_u64(self.bytes, &mut self.at);
            self.index += token / 8;
            self.left = token % 8 + 1;
        }
        let index = u32::try_from(self.index).unwrap_or(u32::MAX);
        self.index += 1;
        self.left -= 1;
        let n = take_u64(self.bytes, &mut self.at);
        Some((self.resolution.decode_index(index), n))
    }
}

/// `live` minus the counts encoded in `earlier` (full resolution), as
/// [`Counts::minus`] gives it, without decoding `earlier` into a histogram
/// first: what the open minute holds.
pub(crate) fn minus_encoded(live: &Counts, earlier: &[u8]) -> Counts {
    let at = &mut 0;
    let mut levels = live.levels;
    for l in levels.iter_mut() {
        *l = l.saturating_sub(take_u64(earlier, at));
    }
    let errors = live.errors.saturating_sub(take_u64(earlier, at));
    let panics = live.panics.saturating_sub(take_u64(earlier, at));
    let cancelled = live.cancelled.saturating_sub(take_u64(earlier, at));
    let items = live.items.saturating_sub(take_u64(earlier, at));
    let sum_ns = live.sum_ns.saturating_sub(take(earlier, at));
    let mut before = EncodedBuckets {
        bytes: earlier,
        at: *at,
        resolution: Resolution::Full,
        index: 0,
        left: 0,
    }
    .peekable();
    let mut buckets = Vec::new();
    for &(i, c) in &live.histogram.buckets {
        while before.next_if(|(j, _)| *j < i).is_some() {}
        let sub = before.next_if(|(j, _)| *j == i).map_or(0, |(_, d)| d);
        if c > sub {
            buckets.push((i, c - sub));
        }
    }
    Counts {
        levels,
        errors,
        panics,
        cancelled,
        sum_ns,
        items,
        histogram: Histogram { buckets },
    }
}

/// Appends `c` to `out` at `resolution`.
pub(crate) fn encode(c: &Counts, resolution: Resolution, out: &mut Vec<u8>) {
    for v in c.levels {
        put(out, v.into());
    }
    for v in [c.errors, c.panics, c.cancelled, c.items] {
        put(out, v.into());
    }
    put(out, c.sum_ns);
    // Buckets in the resolution's index space, same indices added up.
    let mut buckets = c
        .histogram
        .buckets
        .iter()
        .map(|&(i, n)| (resolution.encode_index(i), n))
        .peekable();
    let mut next = 0u32; // the index after the previous run
    let mut run: Vec<u64> = Vec::with_capacity(8);
    while let Some((start, mut n)) = buckets.next() {
        run.clear();
        let mut index = start;
        loop {
            while let Some((_, more)) = buckets.next_if(|(j, _)| *j == index) {
                n += more;
            }
            run.push(n);
            match buckets.peek() {
                Some(&(j, m)) if j == index + 1 && run.len() < 8 => {
                    index = j;
                    n = m;
                    buckets.next();
                }
                _ => break,
            }
        }
        let token = u128::from(start - next) * 8 + (run.len() as u128 - 1);
        put(out, token);
        for &n in &run {
            put(out, n.into());
        }
        next = index + 1;
    }
}

/// The level counts encoded in `bytes` alone (they come first): what a
/// count within a level bound reads, without decoding the histogram.
pub(crate) fn decode_levels(bytes: &[u8]) -> [u64; 5] {
    let at = &mut 0;
    let mut levels = [0; 5];
    for l in levels.iter_mut() {
        *l = take_u64(bytes, at);
    }
    levels
}

/// Adds the counts encoded in `bytes` at `resolution` to `total`'s figures
/// and appends their buckets to `buckets` (unsorted across calls; see
/// `Histogram::from_pairs`): a sum of many entries without a histogram
/// allocated per entry. `total.histogram` is left as it is.
pub(crate) fn add_into(
    bytes: &[u8],
    resolution: Resolution,
    total: &mut Counts,
    buckets: &mut Vec<(u32, u64)>,
) {
    let at = &mut 0;
    for l in total.levels.iter_mut() {
        *l += take_u64(bytes, at);
    }
    total.errors += take_u64(bytes, at);
    total.panics += take_u64(bytes, at);
    total.cancelled += take_u64(bytes, at);
    total.items += take_u64(bytes, at);
    total.sum_ns = total.sum_ns.saturating_add(take(bytes, at));
    let mut next: u64 = 0;
    while *at < bytes.len() {
        let token = take_u64(bytes, at);
        let start = next + token / 8;
        let len = token % 8 + 1;
        for k in 0..len {
            let index = u32::try_from(start + k).unwrap_or(u32::MAX);
            buckets.push((resolution.decode_index(index), take_u64(bytes, at)));
        }
        next = start + len;
    }
}

/// The counts encoded in `bytes` at `resolution` (coarse buckets come back
/// as the full bucket that stands for them).
pub(crate) fn decode(bytes: &[u8], resolution: Resolution) -> Counts {
    let at = &mut 0;
    let mut c = Counts::default();
    for l in c.levels.iter_mut() {
        *l = take_u64(bytes, at);
    }
    c.errors = take_u64(bytes, at);
    c.panics = take_u64(bytes, at);
    c.cancelled = take_u64(bytes, at);
    c.items = take_u64(bytes, at);
    c.sum_ns = take(bytes, at);
    let mut buckets = Vec::new();
    let mut next: u64 = 0;
    while *at < bytes.len() {
        let token = take_u64(bytes, at);
        let start = next + token / 8;
        let len = token % 8 + 1;
        for k in 0..len {
            let index = u32::try_from(start + k).unwrap_or(u32::MAX);
            buckets.push((resolution.decode_index(index), take_u64(bytes, at)));
        }
        next = start + len;
    }
    c.histogram = Histogram { buckets };
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::histogram::{bucket_index, bucket_range, bucket_value};
    use proptest::prelude::*;

    fn counts(values: &[u64]) -> Counts {
        Counts {
            levels: [values.len() as u64, 3, 0, 1, 200],
            errors: 2,
            panics: 1,
            cancelled: 0,
            sum_ns: values.iter().map(|&v| u128::from(v)).sum::<u128>() + (1 << 70),
            items: 12_345,
            histogram: Histogram::from_values(values.iter().copied()),
        }
    }

    fn round_trip(c: &Counts, resolution: Resolution) -> (Counts, usize) {
        let mut bytes = Vec::new();
        encode(c, resolution, &mut bytes);
        (decode(&bytes, resolution), bytes.len())
    }

    #[test]
    fn full_resolution_gives_back_the_counts_encoded() {
        let c = counts(&[1, 2, 2, 63, 64, 65, 1_000, 1_001, 5_000_000, u64::MAX]);
        assert_eq!(round_trip(&c, Resolution::Full).0, c);
        let empty = Counts::default();
        let (back, len) = round_trip(&empty, Resolution::Full);
        assert_eq!((back, len), (empty, 10));
    }

    #[test]
    fn a_minute_of_twenty_calls_takes_tens_of_bytes() {
        let values: Vec<u64> = (0..20).map(|i| 500_000 + i * 4_000_000).collect();
        let c = Counts {
            levels: [20, 0, 0, 0, 0],
            sum_ns: values.iter().map(|&v| u128::from(v)).sum(),
            histogram: Histogram::from_values(values.iter().copied()),
            ..Counts::default()
        };
        let (back, len) = round_trip(&c, Resolution::Full);
        assert_eq!(back, c);
        assert!(len <= 60, "{len} bytes");
    }

    #[test]
    fn coarse_buckets_stand_for_their_values_within_3_7_percent() {
        for i in 0..(64 * 59) as u32 {
            let stand_in = bucket_value(from_coarse(to_coarse(i)) as usize) as f64;
            let (low, high) = bucket_range(i as usize);
            for v in [low, high - 1] {
                let err = (stand_in - v as f64).abs() / v.max(1) as f64;
                let bound = if v < 64 { 0.0 } else { 0.037 };
                assert!(err <= bound, "bucket {i}, value {v}: {stand_in} ({err:.4})");
            }
        }
        assert_eq!(to_coarse(bucket_index(u64::MAX) as u32), 64 + 58 * 16 - 1);
    }

    proptest! {
        #[test]
        fn minus_encoded_is_minus_of_the_decoded(
            earlier in proptest::collection::vec(1u64..1 << 40, 0..300),
            later in proptest::collection::vec(1u64..1 << 40, 0..300),
            add_up in any::<bool>(),
        ) {
            let before = counts(&earlier);
            // `live` is usually `before` plus more calls; any pair must agree.
            let mut live = counts(&later);
            if add_up {
                live.add(&before);
            }
            let mut bytes = Vec::new();
            encode(&before, Resolution::Full, &mut bytes);
            prop_assert_eq!(minus_encoded(&live, &bytes), live.minus(&before));
        }

        #[test]
        fn coarse_encoding_keeps_every_figure_but_bucket_detail(
            values in proptest::collection::vec(any::<u64>(), 0..200),
        ) {
            let c = counts(&values);
            prop_assert_eq!(round_trip(&c, Resolution::Full).0, c.clone());
            let (coarse, _) = round_trip(&c, Resolution::Coarse);
            prop_assert_eq!(coarse.histogram.count(), c.histogram.count());
            let expected = Histogram::from_values(
                values.iter().map(|&v| bucket_range(from_coarse(to_coarse(bucket_index(v) as u32)) as usize).0),
            );
            prop_assert_eq!(&coarse.histogram, &expected);
            prop_assert_eq!(
                (coarse.levels, coarse.errors, coarse.panics, coarse.items, coarse.sum_ns),
                (c.levels, c.errors, c.panics, c.items, c.sum_ns)
            );
        }

        #[test]
        fn coarsening_adds_up(
            a in proptest::collection::vec(1u64..1 << 40, 0..100),
            b in proptest::collection::vec(1u64..1 << 40, 0..100),
        ) {
            let (ca, cb) = (counts(&a), counts(&b));
            let mut sum = ca.clone();
            sum.add(&cb);
            let mut parts = round_trip(&ca, Resolution::Coarse).0;
            parts.add(&round_trip(&cb, Resolution::Coarse).0);
            prop_assert_eq!(round_trip(&sum, Resolution::Coarse).0, parts);
        }
    }
}
