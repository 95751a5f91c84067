//! An operation's history: per-minute buckets for the retention (the last
//! hour by default), then [`COARSE_MINUTES`]-minute buckets up to the
//! history (a day by default), as round-robin databases keep them.
//!
//! No per-minute counter is written on the hot path. Instead each operation
//! keeps a *marker*, a copy of its cumulative counts taken by the first call
//! of each minute (the call compares its end tick with the next minute
//! boundary: one relaxed load). When a new minute starts, the counts since
//! the marker are closed into that minute's bucket. Because any call in a
//! later minute would have rotated first, every closed bucket holds exactly
//! the calls of its minute, and minutes without calls hold nothing.
//!
//! A minute older than the retention leaves the per-minute tier at a
//! rotation and is added into the 10-minute bucket of its slot (minutes
//! `10k..10k + 9`): each minute's calls are in exactly one tier at any time,
//! so no window counts a call twice.
//!
//! Memory: buckets are stored encoded (`data/compact.rs`): a minute of 20
//! calls takes about 60 bytes, a 10-minute bucket of 200 calls about 100
//! (coarse: 16 histogram buckets per power of two, percentiles within
//! 3.7 %), the marker about 1 byte per histogram bucket used. Each tier is
//! one shared buffer: a reader clones four handles under the lock the first
//! call of a minute takes, and decodes after releasing it.

use super::compact::{self, Resolution};
use super::window::{Counts, WindowSpan, COARSE_MINUTES};
use std::sync::Arc;

const COARSE: u64 = COARSE_MINUTES as u64;

/// How much history an operation keeps (its registry's settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tiers {
    /// Minutes kept one by one, the open one included (the retention).
    pub fine: u32,
    /// Minutes kept in all; older than `fine`, in 10-minute buckets (none
    /// when `history <= fine`).
    pub history: u32,
}

/// Entries `(minute, encoded counts)`, oldest first, packed in one shared
/// buffer: per entry, the minute's distance from the previous entry's and
/// the length of its bytes (varints), then the bytes.
#[derive(Debug, Clone, Default)]
struct Log(Arc<[u8]>);

impl Log {
    fn from_entries<'a>(entries: impl IntoIterator<Item = (u64, &'a [u8])>) -> Log {
        let mut out = Vec::new();
        let mut last = 0;
        for (minute, bytes) in entries {
            compact::put(&mut out, u128::from(minute - last));
            compact::put(&mut out, bytes.len() as u128);
            out.extend_from_slice(bytes);
            last = minute;
        }
        Log(out.into())
    }

    fn one(minute: u64, counts: &Counts, resolution: Resolution) -> Log {
        let mut bytes = Vec::new();
        compact::encode(counts, resolution, &mut bytes);
        Log::from_entries([(minute, &bytes[..])])
    }

    fn iter(&self) -> LogIter<'_> {
        LogIter {
            bytes: &self.0,
            at: 0,
            minute: 0,
        }
    }

    fn first_minute(&self) -> Option<u64> {
        self.iter().next().map(|(m, _)| m)
    }

    fn bytes(&self) -> usize {
        ARC_HEADER + self.0.len()
    }
}

/// The reference counts an `Arc` keeps next to its value.
const ARC_HEADER: usize = 2 * std::mem::size_of::<usize>();

struct LogIter<'a> {
    bytes: &'a [u8],
    at: usize,
    minute: u64,
}

impl<'a> Iterator for LogIter<'a> {
    type Item = (u64, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.at >= self.bytes.len() {
            return None;
        }
        let delta = compact::take(self.bytes, &mut self.at);
        let len = usize::try_from(compact::take(self.bytes, &mut self.at)).ok()?;
        self.minute += u64::try_from(delta).ok()?;
        let body = self.bytes.get(self.at..self.at.checked_add(len)?)?;
        self.at += len;
        Some((self.minute, body))
    }
}

/// The history of one operation. It lives behind the operation's window
/// lock, which the hot path takes once a minute (to rotate); readers copy
/// out handles ([`MinuteRing::view`]) and decode after releasing it.
#[derive(Debug, Default)]
pub(crate) struct MinuteRing {
    /// The minute (since the Unix epoch) now open, if any call was seen.
    open: Option<u64>,
    /// Cumulative counts when the open minute started (full resolution).
    marker: Arc<[u8]>,
    /// Closed minutes with calls, within the retention (full resolution).
    fine: Log,
    /// The 10-minute bucket being filled, keyed by its first minute (at
    /// most one entry; coarse).
    filling: Log,
    /// Complete 10-minute buckets with calls, within the history (coarse).
    coarse: Log,
    /// The last minute that left the per-minute tier: a 10-minute bucket
    /// holds its minutes up to this one (the later ones are per minute).
    aged_through: u64,
}

impl MinuteRing {
    pub fn open_minute(&self) -> Option<u64> {
        self.open
    }

    /// Closes the open minute (if `minute` is later) and opens `minute`.
    /// `now` is the cumulative count before the first call of `minute`.
    pub fn rotate(&mut self, minute: u64, now: Counts, tiers: Tiers) {
        let closed = match self.open {
            Some(open) if minute <= open => return, // same minute, or the wall clock stepped back
            Some(open) => {
                let delta = compact::minus_encoded(&now, &self.marker);
                (delta.count() > 0).then_some((open, delta))
            }
            None => None,
        };
        self.open = Some(minute);
        let mut marker = Vec::new();
        compact::encode(&now, Resolution::Full, &mut marker);
        self.marker = marker.into();
        self.age(minute, closed, tiers);
    }

    /// Appends the minute just closed and moves the minutes older than the
    /// retention into 10-minute buckets (dropping those older than the
    /// history).
    fn age(&mut self, minute: u64, closed: Option<(u64, Counts)>, tiers: Tiers) {
        let oldest_fine = minute.saturating_sub(u64::from(tiers.fine));
        self.aged_through = oldest_fine;
        let coarse_on = tiers.history > tiers.fine;
        let encoded = closed.map(|(m, c)| {
            let mut bytes = Vec::new();
            compact::encode(&c, Resolution::Full, &mut bytes);
            (m, bytes)
        });
        let closed = encoded.as_ref().map(|(m, bytes)| (*m, &bytes[..]));
        let aging = self.fine.first_minute().is_some_and(|m| m <= oldest_fine)
            || closed.is_some_and(|(m, _)| m <= oldest_fine);
        if !aging {
            if let Some(entry) = closed {
                self.fine = Log::from_entries(self.fine.iter().chain([entry]));
            }
        } else {
            let mut aged = Vec::new();
            let fine = Log::from_entries(self.fine.iter().chain(closed).filter(|&(m, bytes)| {
                if m > oldest_fine {
                    return true;
                }
                if coarse_on {
                    aged.push((m, compact::decode(bytes, Resolution::Full)));
                }
                false
            }));
            self.fine = fine;
            for (m, c) in aged {
                self.add_coarse(m, &c);
            }
        }
        self.drop_before(minute.saturating_sub(u64::from(tiers.history.max(tiers.fine))));
    }

    /// Adds minute `m`'s counts into the 10-minute bucket of its slot
    /// (minutes arrive in increasing order).
    fn add_coarse(&mut self, m: u64, c: &Counts) {
        let slot = m - m % COARSE;
        match self.filling.iter().next() {
            Some((s, bytes)) if s == slot => {
                let mut sum = compact::decode(bytes, Resolution::Coarse);
                sum.add(c);
                self.filling = Log::one(slot, &sum, Resolution::Coarse);
            }
            Some(complete) => {
                self.coarse = Log::from_entries(self.coarse.iter().chain([complete]));
                self.filling = Log::one(slot, c, Resolution::Coarse);
            }
            None => self.filling = Log::one(slot, c, Resolution::Coarse),
        }
    }

    /// Drops the 10-minute buckets whose minutes are all at or before `oldest`.
    fn drop_before(&mut self, oldest: u64) {
        let expired = |slot: u64| slot + COARSE - 1 <= oldest;
        if self.coarse.first_minute().is_some_and(expired) {
            self.coarse = Log::from_entries(self.coarse.iter().filter(|(s, _)| !expired(*s)));
        }
        if self.filling.first_minute().is_some_and(expired) {
            self.filling = Log::default();
        }
    }

    /// Handles on the history, for a read of minutes `from..=to` after the
    /// lock is released: four reference counts, no copy.
    pub fn view(&self, from: u64, to: u64) -> MinuteView {
        MinuteView {
            from,
            to,
            open: self
                .open
                .filter(|m| (from..=to).contains(m))
                .map(|m| (m, Arc::clone(&self.marker))),
            fine: self.fine.clone(),
            filling: self.filling.clone(),
            coarse: self.coarse.clone(),
            aged_through: self.aged_through,
        }
    }

    pub fn clear(&mut self) {
        *self = MinuteRing::default();
    }

    pub fn memory_bytes(&self) -> usize {
        ARC_HEADER
            + self.marker.len()
            + self.fine.bytes()
            + self.filling.bytes()
            + self.coarse.bytes()
    }
}

/// The history copied out of a [`MinuteRing`] (handles only), read outside
/// the window lock.
#[derive(Debug)]
pub(crate) struct MinuteView {
    from: u64,
    to: u64,
    /// The open minute, if in the range, and the marker it started at.
    open: Option<(u64, Arc<[u8]>)>,
    fine: Log,
    filling: Log,
    coarse: Log,
    aged_through: u64,
}

impl MinuteView {
    /// The calls of the open minute: `live` (cumulative, read before the
    /// view was taken) minus the marker. Should the minute have rotated in
    /// between, the marker is the later one and the difference is empty:
    /// the calls are then in the closed minute, never in both.
    pub fn open_delta(&self, live: &Counts) -> Option<(u64, Counts)> {
        let (minute, marker) = self.open.as_ref()?;
        let delta = compact::minus_encoded(live, marker);
        (delta.count() > 0).then_some((*minute, delta))
    }

    /// Per-minute counts of the range that had calls, oldest first (minutes
    /// older than the retention are only kept in 10-minute buckets, and left
    /// out).
    pub fn minutes(self, live: &Counts) -> Vec<(u64, Counts)> {
        let mut out: Vec<(u64, Counts)> = self
            .fine
            .iter()
            .take_while(|(m, _)| *m <= self.to)
            .filter(|(m, _)| *m >= self.from)
            .map(|(m, bytes)| (m, compact::decode(bytes, Resolution::Full)))
            .collect();
        out.extend(self.open_delta(live));
        out
    }

    /// The sum of the view's range, and what it covered (see
    /// [`MinuteView::sum`]).
    #[cfg(test)]
    pub fn window(&self, live: &Counts) -> (Counts, WindowSpan) {
        self.sum(self.from, self.to, self.open_delta(live).as_ref())
    }

    /// Whether minutes `from..=to` hold any call (no decoding).
    pub fn has_calls(&self, from: u64, to: u64, open: Option<&(u64, Counts)>) -> bool {
        self.entries(from, to).next().is_some()
            || open.is_some_and(|(m, _)| (from..=to).contains(m))
    }

    /// The stored entries overlapping minutes `from..=to` (within the
    /// view's range): `(first minute, last minute, bytes, resolution)`,
    /// 10-minute buckets first (whole: a bucket still being filled holds
    /// only the minutes that left the per-minute tier, and covers only
    /// those), then single minutes.
    fn entries(&self, from: u64, to: u64) -> impl Iterator<Item = (u64, u64, &[u8], Resolution)> {
        let (from, to) = (from.max(self.from), to.min(self.to));
        let aged_through = self.aged_through;
        let coarse = self
            .coarse
            .iter()
            .chain(self.filling.iter())
            .take_while(move |(slot, _)| *slot <= to)
            .map(move |(slot, bytes)| {
                let last = (slot + COARSE - 1).min(aged_through);
                (slot, last, bytes, Resolution::Coarse)
            })
            .filter(move |(_, last, _, _)| *last >= from);
        let fine = self
            .fine
            .iter()
            .take_while(move |(m, _)| *m <= to)
            .filter(move |(m, _)| *m >= from)
            .map(|(m, bytes)| (m, m, bytes, Resolution::Full));
        coarse.chain(fine)
    }

    /// The sum of minutes `from..=to`, with `open` (the open minute's calls,
    /// [`MinuteView::open_delta`]) when in range, and what it covered:
    /// 10-minute buckets that overlap the range are added whole.
    pub fn sum(&self, from: u64, to: u64, open: Option<&(u64, Counts)>) -> (Counts, WindowSpan) {
        let mut span = WindowSpan::per_minute(from, to);
        let mut total = Counts::default();
        // Room for a few minutes of a typical operation, grown if need be.
        let mut buckets = Vec::with_capacity(128);
        for (first, last, bytes, resolution) in self.entries(from, to) {
            if resolution == Resolution::Coarse {
                span = span.union(WindowSpan {
                    from_minute: first,
                    to_minute: last,
                    resolution_minutes: COARSE_MINUTES,
                });
            }
            compact::add_into(bytes, resolution, &mut total, &mut buckets);
        }
        if let Some((_, c)) = open.filter(|(m, _)| (from..=to).contains(m)) {
            total.add_figures(c);
            buckets.extend_from_slice(&c.histogram.buckets);
        }
        total.histogram = crate::histogram::Histogram::from_pairs(buckets);
        (total, span)
    }

    /// Per range of minutes: calls, and those within `bound_ns`: from the
    /// level counts alone when `level` names the level bound equal to it
    /// (only the entries' headers are decoded), else from each entry's
    /// histogram. Each stored entry is read once; a 10-minute bucket counts
    /// in every range it overlaps.
    pub fn count_within(
        &self,
        ranges: &[(u64, u64)],
        open: Option<&(u64, Counts)>,
        level: Option<usize>,
        bound_ns: u64,
    ) -> Vec<(u64, u64)> {
        let mut out = vec![(0, 0); ranges.len()];
        let lo = ranges.iter().map(|r| r.0).min().unwrap_or(0);
        let hi = ranges.iter().map(|r| r.1).max().unwrap_or(0);
        let judge = |levels: &[u64; 5], histogram: Option<&crate::histogram::Histogram>| {
            let n: u64 = levels.iter().sum();
            let within = match (level, histogram) {
                (Some(i), _) => levels[..=i].iter().sum::<u64>(),
                (None, Some(h)) => h.count_below(bound_ns.saturating_add(1)),
                (None, None) => 0,
            };
            (n, within.min(n))
        };
        let mut add = |first: u64, last: u64, (n, within): (u64, u64)| {
            for ((from, to), acc) in ranges.iter().zip(&mut out) {
                if first <= *to && last >= *from {
                    acc.0 += n;
                    acc.1 += within;
                }
            }
        };
        for (first, last, bytes, resolution) in self.entries(lo, hi) {
            let figures = match level {
                Some(_) => judge(&compact::decode_levels(bytes), None),
                None => {
                    let c = compact::decode(bytes, resolution);
                    judge(&c.levels, Some(&c.histogram))
                }
            };
            add(first, last, figures);
        }
        if let Some((m, c)) = open {
            add(*m, *m, judge(&c.levels, Some(&c.histogram)));
        }
        out
    }
}

#[cfg(test)]
mod tests;
