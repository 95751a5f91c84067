//! Windowed reads of the registry: snapshots of the last N minutes and
//! per-minute time series for charts.

use crate::data::{Counts, Window};
use crate::data::{OperationHistory, OperationSnapshot};
use crate::registry::Registry;
use crate::units::{nanos_to_ms, unix_minute, MINUTE_MS};
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

impl Registry {
    /// Snapshots of every operation over `window`, ending now (on the
    /// anchored wall clock, [`crate::clock::wall_now`]).
    pub fn snapshots_in(&self, window: Window) -> Vec<OperationSnapshot> {
        self.snapshots_at(window, crate::clock::wall_now())
    }

    /// Snapshots of every operation over `window`, ending at `now`
    /// (operations without calls in the window are left out).
    pub fn snapshots_at(&self, window: Window, now: SystemTime) -> Vec<OperationSnapshot> {
        match self.minute_range(window, now) {
            None => self.snapshots(),
            Some((from, to)) => self
                .operations_sorted()
                .iter()
                .map(|op| op.window_snapshot(from, to))
                .filter(|s| s.count > 0)
                .collect(),
        }
    }

    /// Every operation with calls in the last `minutes` minutes ending at
    /// `now`, read once each, so an evaluation can take several windows
    /// (the ranges of [`Registry::minute_range`]) from one read: each
    /// operation's live counters are added up once and its minutes copied
    /// out once, instead of once per window.
    ///
    /// ```
    /// use perfmon_core::{Kind, Outcome, Registry, Window};
    /// use std::time::{Duration, SystemTime};
    /// let reg = Registry::new();
    /// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    /// for (ago, ms) in [(7, 50), (0, 10), (0, 12)] { // in time order
    ///     let at = now - Duration::from_secs(60 * ago);
    ///     reg.record_at("db.q", Kind::DatabaseQuery, Duration::from_millis(ms), Outcome::Ok, None, at);
    /// }
    /// let h = &reg.histories_at(10, now)[0];
    /// let (from, to) = reg.minute_range(Window::LastMinutes(5), now).unwrap();
    /// assert_eq!(h.window(from, to).count, 2);
    /// assert_eq!(h.count(from - 5, to), 3);
    /// // Within the 25 ms bound: the two recent calls and not the old one.
    /// assert_eq!(h.count_within(from - 5, to, 25_000_000), (3, 2));
    /// ```
    pub fn histories_at(&self, minutes: u32, now: SystemTime) -> Vec<OperationHistory> {
        let Some((from, to)) = self.minute_range(Window::LastMinutes(minutes), now) else {
            return Vec::new();
        };
        self.operations_sorted()
            .iter()
            .map(|op| op.history(from, to))
            .filter(|h| h.count(from, to) > 0)
            .collect()
    }

    /// The inclusive range of minutes (since the Unix epoch) of `window`
    /// ending at `now` (`None`: all time). `LastMinutes(n)` is clamped to
    /// 1..=retention.
    pub fn minute_range(&self, window: Window, now: SystemTime) -> Option<(u64, u64)> {
        match window {
            Window::All => None,
            Window::LastMinutes(n) => {
                let n = n.clamp(1, self.retention_minutes()) as u64;
                let to = unix_minute(now);
                Some((to.saturating_sub(n - 1), to))
            }
        }
    }

    /// One point per minute for the last `minutes` minutes ending at `now`
    /// (idle minutes included with zero calls), or `None` for an unknown
    /// operation.
    pub fn time_series(
        &self,
        name: &str,
        minutes: u32,
        now: SystemTime,
    ) -> Option<Vec<MinutePoint>> {
        let op = self.get(name)?;
        let (from, to) = self.minute_range(Window::LastMinutes(minutes), now)?;
        let mut per_minute = op.minute_counts(from, to).into_iter().peekable();
        let mut out = Vec::with_capacity((to - from + 1) as usize);
        for minute in from..=to {
            let counts = match per_minute.peek() {
                Some((m, _)) if *m == minute => per_minute.next().map(|(_, c)| c),
                _ => None,
            };
            out.push(MinutePoint::new(
                minute,
                counts.as_deref().unwrap_or(&Counts::default()),
            ));
        }
        Some(out)
    }
}

/// One minute of an operation, for charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinutePoint {
    /// Start of the minute, in milliseconds since the Unix epoch.
    pub minute_start_unix_ms: u64,
    /// Calls in the minute.
    pub count: u64,
    /// Failed calls in the minute (errors and panics).
    pub errors: u64,
    /// Calls cancelled in the minute (not failures).
    #[serde(default)]
    pub cancelled: u64,
    /// Mean duration (0 without calls).
    pub mean_ms: f64,
    /// 95th percentile (0 without calls).
    pub p95_ms: f64,
}

impl MinutePoint {
    fn new(minute: u64, c: &Counts) -> Self {
        let count = c.count();
        MinutePoint {
            minute_start_unix_ms: minute * MINUTE_MS,
            count,
            errors: c.failed(),
            cancelled: c.cancelled,
            mean_ms: if count == 0 {
                0.0
            } else {
                nanos_to_ms(c.sum_ns as f64 / count as f64)
            },
            p95_ms: c
                .histogram
                .quantile(0.95)
                .map_or(0.0, |ns| nanos_to_ms(ns as f64)),
        }
    }
}

impl Registry {
    /// Snapshots of every operation over the inclusive minute range
    /// `from..=to` (minutes since the Unix epoch), operations without calls
    /// included, sorted by name: the raw material of trends and other
    /// window comparisons.
    pub fn snapshots_between(&self, from: u64, to: u64) -> Vec<OperationSnapshot> {
        self.operations_sorted()
            .iter()
            .map(|op| op.window_snapshot(from, to))
            .collect()
    }
}
