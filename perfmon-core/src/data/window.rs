//! Time windows: per-minute buckets of every operation's statistics.
//!
//! No per-minute counter is written on the hot path. Instead each operation
//! keeps a *marker*, a copy of its cumulative counts taken by the first call
//! of each minute (the call compares its end tick with the next minute
//! boundary: one relaxed load). When a new minute starts, the counts since
//! the marker are closed into that minute's bucket. Because any call in a
//! later minute would have rotated first, every closed bucket holds exactly
//! the calls of its minute, and minutes without calls hold nothing.
//!
//! Readers never merge under the lock the first call of a minute takes:
//! they copy out shared handles and add them up after releasing it (see
//! [`MinuteRing`]).
//!
//! Buckets are kept for the registry's retention (60 minutes by default).
//! Memory per operation: one [`Counts`] per minute that had calls, whose
//! histogram holds only non-zero buckets (16 bytes each): about 1-3 KiB per
//! minute for a typical operation whose calls span two or three powers of
//! two, at most 59 KiB per minute in the worst case (every bucket used).

use crate::histogram::Histogram;
use crate::level::LevelCounts;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::Arc;

/// Minutes of per-minute buckets kept by default.
pub const DEFAULT_RETENTION_MINUTES: u32 = 60;

/// Which calls a query covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// Every call since start (or the last reset).
    #[default]
    All,
    /// Calls of the current minute and the `n - 1` minutes before it
    /// (clamped to the retention).
    LastMinutes(u32),
}

/// Counters of an operation over some span of time (cumulative or a delta).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Counts {
    pub levels: [u64; 5],
    pub errors: u64,
    pub panics: u64,
    pub cancelled: u64,
    pub sum_ns: u128,
    pub items: u64,
    pub histogram: Histogram,
}

impl Counts {
    /// Calls that failed (errors and panics; see `OperationSnapshot::failed`).
    pub fn failed(&self) -> u64 {
        self.errors.saturating_add(self.panics)
    }

    pub fn count(&self) -> u64 {
        self.levels.iter().sum()
    }

    /// What was recorded between `earlier` and `self` (both cumulative).
    pub fn minus(&self, earlier: &Counts) -> Counts {
        let mut levels = self.levels;
        for (a, b) in levels.iter_mut().zip(earlier.levels) {
            *a = a.saturating_sub(b);
        }
        Counts {
            levels,
            errors: self.errors.saturating_sub(earlier.errors),
            panics: self.panics.saturating_sub(earlier.panics),
            cancelled: self.cancelled.saturating_sub(earlier.cancelled),
            sum_ns: self.sum_ns.saturating_sub(earlier.sum_ns),
            items: self.items.saturating_sub(earlier.items),
            histogram: self.histogram.minus(&earlier.histogram),
        }
    }

    /// The sum of several counts, their histograms added in one allocation.
    pub fn sum_of(parts: &[&Counts]) -> Counts {
        let mut total = Counts {
            histogram: Histogram::sum_of(parts.iter().map(|c| &c.histogram)),
            ..Counts::default()
        };
        for c in parts {
            for (a, b) in total.levels.iter_mut().zip(c.levels) {
                *a += b;
            }
            total.errors += c.errors;
            total.panics += c.panics;
            total.cancelled += c.cancelled;
            total.sum_ns = total.sum_ns.saturating_add(c.sum_ns);
            total.items += c.items;
        }
        total
    }

    #[cfg(test)]
    pub fn add(&mut self, other: &Counts) {
        for (a, b) in self.levels.iter_mut().zip(other.levels) {
            *a += b;
        }
        self.errors += other.errors;
        self.panics += other.panics;
        self.cancelled += other.cancelled;
        self.sum_ns = self.sum_ns.saturating_add(other.sum_ns);
        self.items += other.items;
        self.histogram.merge(&other.histogram);
    }

    pub fn level_counts(&self) -> LevelCounts {
        LevelCounts::from_array(self.levels)
    }

    /// Bytes held, counting the histogram's allocation (not only its used
    /// part).
    fn bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.histogram.buckets.capacity() * std::mem::size_of::<(u32, u64)>()
    }
}

/// The per-minute buckets of one operation.
///
/// It lives behind the operation's window lock, which the hot path takes
/// once a minute (to rotate). Closed minutes and the marker are shared
/// (`Arc`), so a reader copies out handles under the lock ([`MinuteRing::view`])
/// and merges them after releasing it ([`MinuteView`]): a reader of a wide
/// window never holds up the first call of a minute.
#[derive(Debug, Default)]
pub(crate) struct MinuteRing {
    /// The minute (since the Unix epoch) now open, if any call was seen.
    open: Option<u64>,
    /// Cumulative counts when the open minute started.
    marker: Arc<Counts>,
    /// Closed minutes with calls, oldest first.
    closed: VecDeque<(u64, Arc<Counts>)>,
}

impl MinuteRing {
    pub fn open_minute(&self) -> Option<u64> {
        self.open
    }

    /// Closes the open minute (if `minute` is later) and opens `minute`.
    /// `now` is the cumulative count before the first call of `minute`.
    pub fn rotate(&mut self, minute: u64, now: Counts, retention: u32) {
        match self.open {
            Some(open) if minute <= open => return, // same minute, or the wall clock stepped back
            Some(open) => {
                let delta = now.minus(&self.marker);
                if delta.count() > 0 {
                    self.closed.push_back((open, Arc::new(delta)));
                }
            }
            None => {}
        }
        self.open = Some(minute);
        self.marker = Arc::new(now);
        let oldest = minute.saturating_sub(retention as u64);
        while self.closed.front().is_some_and(|(m, _)| *m <= oldest) {
            self.closed.pop_front();
        }
    }

    /// Handles on minutes `from..=to`, to merge after the lock is released:
    /// reference counts and one vector of at most retention-many pairs (put
    /// in `spare`, reserved by the caller before it took the lock).
    pub fn view(&self, from: u64, to: u64, mut spare: Vec<(u64, Arc<Counts>)>) -> MinuteView {
        spare.clear();
        let range = from..=to;
        spare.extend(
            self.closed
                .iter()
                .filter(|(m, _)| range.contains(m))
                .map(|(m, c)| (*m, Arc::clone(c))),
        );
        MinuteView {
            closed: spare,
            open: self
                .open
                .filter(|m| range.contains(m))
                .map(|m| (m, Arc::clone(&self.marker))),
        }
    }

    /// Per-minute counts for minutes `from..=to`; `live` is the cumulative
    /// count now (it gives the open minute's calls).
    #[cfg(test)]
    pub fn minutes(&self, from: u64, to: u64, live: &Counts) -> Vec<(u64, Arc<Counts>)> {
        self.view(from, to, Vec::new()).minutes(live)
    }

    /// The sum of minutes `from..=to`.
    #[cfg(test)]
    pub fn window(&self, from: u64, to: u64, live: &Counts) -> Counts {
        self.view(from, to, Vec::new()).window(live)
    }

    pub fn clear(&mut self) {
        *self = MinuteRing::default();
    }

    pub fn memory_bytes(&self) -> usize {
        // An `Arc` adds two reference counts to what it holds.
        const ARC: usize = 2 * std::mem::size_of::<usize>();
        self.marker.bytes()
            + ARC
            + self
                .closed
                .iter()
                .map(|(_, c)| c.bytes() + ARC + std::mem::size_of::<(u64, Arc<Counts>)>())
                .sum::<usize>()
    }
}

/// Minutes copied out of a [`MinuteRing`] (handles only), merged by the
/// reader outside the window lock.
#[derive(Debug)]
pub(crate) struct MinuteView {
    /// Closed minutes of the range, oldest first.
    closed: Vec<(u64, Arc<Counts>)>,
    /// The open minute, if in the range, and the marker it started at.
    open: Option<(u64, Arc<Counts>)>,
}

impl MinuteView {
    /// The calls of the open minute: `live` (cumulative, read before the
    /// view was taken) minus the marker. Should the minute have rotated in
    /// between, the marker is the later one and the difference is empty:
    /// the calls are then in the closed minute, never in both.
    fn open_delta(&self, live: &Counts) -> Option<(u64, Counts)> {
        let (minute, marker) = self.open.as_ref()?;
        let delta = live.minus(marker);
        (delta.count() > 0).then_some((*minute, delta))
    }

    /// Per-minute counts that had calls, oldest first.
    pub fn minutes(self, live: &Counts) -> Vec<(u64, Arc<Counts>)> {
        let open = self.open_delta(live);
        let mut out = self.closed;
        out.extend(open.map(|(m, c)| (m, Arc::new(c))));
        out
    }

    /// The sum of the minutes.
    #[cfg(test)]
    pub fn window(&self, live: &Counts) -> Counts {
        let mut total = Counts::default();
        for (_, c) in &self.closed {
            total.add(c);
        }
        if let Some((_, c)) = self.open_delta(live) {
            total.add(&c);
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(values: &[u64]) -> Counts {
        Counts {
            levels: [values.len() as u64, 0, 0, 0, 0],
            sum_ns: values.iter().map(|&v| u128::from(v)).sum(),
            histogram: Histogram::from_values(values.iter().copied()),
            ..Counts::default()
        }
    }

    #[test]
    fn each_closed_minute_holds_exactly_its_calls() {
        let mut ring = MinuteRing::default();
        let mut cumulative = Counts::default();
        ring.rotate(100, cumulative.clone(), 60);
        cumulative.add(&counts(&[1, 2, 3])); // minute 100
        ring.rotate(103, cumulative.clone(), 60);
        cumulative.add(&counts(&[10])); // minute 103
        let minutes = ring.minutes(0, u64::MAX, &cumulative);
        assert_eq!(minutes.len(), 2);
        assert_eq!((minutes[0].0, minutes[0].1.count()), (100, 3));
        assert_eq!((minutes[1].0, minutes[1].1.count()), (103, 1));
        assert_eq!(ring.window(101, 103, &cumulative).count(), 1);
        assert_eq!(ring.window(100, 102, &cumulative).sum_ns, 6);
    }

    #[test]
    fn old_minutes_fall_out_of_the_retention() {
        let mut ring = MinuteRing::default();
        let mut cumulative = Counts::default();
        for minute in 0..200u64 {
            ring.rotate(minute, cumulative.clone(), 60);
            cumulative.add(&counts(&[minute + 1]));
        }
        let kept = ring.minutes(0, u64::MAX, &cumulative);
        assert_eq!(kept.first().unwrap().0, 140);
        assert_eq!(kept.len(), 60);
    }

    #[test]
    fn a_clock_stepping_back_keeps_the_open_minute() {
        let mut ring = MinuteRing::default();
        ring.rotate(50, Counts::default(), 60);
        ring.rotate(49, counts(&[1]), 60);
        assert_eq!(ring.open_minute(), Some(50));
        assert_eq!(ring.window(50, 50, &counts(&[1])).count(), 1);
    }
}
