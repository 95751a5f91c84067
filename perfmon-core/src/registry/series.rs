//! Windowed reads of the registry: snapshots of the last N minutes and
//! per-minute time series for charts.

use crate::data::{Counts, Window, WindowSpan};
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
    /// (operations without calls in the window are left out). Windows older
    /// than the retention are read from 10-minute buckets:
    /// [`Registry::window_snapshots`] says what was covered.
    pub fn snapshots_at(&self, window: Window, now: SystemTime) -> Vec<OperationSnapshot> {
        self.window_snapshots(window, now).operations
    }

    /// Snapshots of every operation over `window`, ending at `now`
    /// (operations without calls in the window are left out), with the
    /// minutes the read covered and its resolution.
    ///
    /// ```
    /// use perfmon_core::{Kind, Outcome, Registry, Window};
    /// use std::time::{Duration, UNIX_EPOCH};
    ///
    /// let reg = Registry::new();
    /// let t0 = UNIX_EPOCH + Duration::from_secs(28_000_000 * 60);
    /// for minute in 0..180 {
    ///     let at = t0 + Duration::from_secs(60 * minute);
    ///     reg.record_at("db.q", Kind::DatabaseQuery, Duration::from_millis(5), Outcome::Ok, None, at);
    /// }
    /// let now = t0 + Duration::from_secs(60 * 179);
    /// // The last hour: minute by minute.
    /// let hour = reg.window_snapshots(Window::LastMinutes(60), now);
    /// assert_eq!(hour.span.unwrap().resolution_minutes, 1);
    /// assert_eq!(hour.operations[0].count, 60);
    /// // Three hours: the two older ones from 10-minute buckets.
    /// let three = reg.window_snapshots(Window::LastMinutes(180), now);
    /// assert_eq!(three.span.unwrap().resolution_minutes, 10);
    /// assert_eq!(three.operations[0].count, 180);
    /// ```
    pub fn window_snapshots(&self, window: Window, now: SystemTime) -> WindowSnapshots {
        let Some((from, to)) = self.minute_range(window, now) else {
            return WindowSnapshots {
                span: None,
                operations: self.snapshots(),
            };
        };
        let mut span = WindowSpan::per_minute(from, to);
        let mut operations = Vec::new();
        for op in self.operations_sorted() {
            let (snap, covered) = op.window_read(from, to);
            if snap.count > 0 {
                span = span.union(covered);
                operations.push(snap);
            }
        }
        WindowSnapshots {
            span: Some(span),
            operations,
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
            .filter(|h| h.has_calls(from, to))
            .collect()
    }

    /// How far back windows reach: the retention (per minute), or the
    /// history (10-minute buckets beyond the retention) when longer.
    pub fn reach_minutes(&self) -> u32 {
        self.retention_minutes().max(self.history_minutes())
    }

    /// The coarsest resolution, in minutes, a read of `window` uses: 1
    /// within the retention, [`COARSE_MINUTES`](crate::COARSE_MINUTES) when
    /// it reaches into the 10-minute buckets; `None` for
    /// [`Window::All`] (counted since start, no buckets at all).
    ///
    /// ```
    /// use perfmon_core::{Registry, Window};
    /// let reg = Registry::new(); // an hour per minute, a day in all
    /// assert_eq!(reg.resolution_minutes(Window::LastMinutes(60)), Some(1));
    /// assert_eq!(reg.resolution_minutes(Window::LastMinutes(24 * 60)), Some(10));
    /// assert_eq!(reg.resolution_minutes(Window::All), None);
    /// ```
    pub fn resolution_minutes(&self, window: Window) -> Option<u32> {
        match window {
            Window::All => None,
            Window::LastMinutes(n)
                if n > self.retention_minutes()
                    && self.history_minutes() > self.retention_minutes() =>
            {
                Some(crate::data::COARSE_MINUTES)
            }
            Window::LastMinutes(_) => Some(1),
        }
    }

    /// The inclusive range of minutes (since the Unix epoch) of `window`
    /// ending at `now` (`None`: all time). `LastMinutes(n)` is clamped to
    /// 1..=the history kept ([`Registry::history_minutes`], at least the
    /// retention).
    pub fn minute_range(&self, window: Window, now: SystemTime) -> Option<(u64, u64)> {
        let kept = self.history_minutes().max(self.retention_minutes());
        Self::last_minutes(window, now, kept)
    }

    fn last_minutes(window: Window, now: SystemTime, kept: u32) -> Option<(u64, u64)> {
        match window {
            Window::All => None,
            Window::LastMinutes(n) => {
                let n = n.clamp(1, kept) as u64;
                let to = unix_minute(now);
                Some((to.saturating_sub(n - 1), to))
            }
        }
    }

    /// One point per minute for the last `minutes` minutes ending at `now`
    /// (idle minutes included with zero calls; clamped to the retention,
    /// the minutes kept one by one), or `None` for an unknown operation.
    pub fn time_series(
        &self,
        name: &str,
        minutes: u32,
        now: SystemTime,
    ) -> Option<Vec<MinutePoint>> {
        let op = self.get(name)?;
        let window = Window::LastMinutes(minutes);
        let (from, to) = Self::last_minutes(window, now, self.retention_minutes())?;
        let mut per_minute = op.minute_counts(from, to).into_iter().peekable();
        let mut out = Vec::with_capacity((to - from + 1) as usize);
        for minute in from..=to {
            let counts = match per_minute.peek() {
                Some((m, _)) if *m == minute => per_minute.next().map(|(_, c)| c),
                _ => None,
            };
            out.push(MinutePoint::new(minute, &counts.unwrap_or_default()));
        }
        Some(out)
    }
}

/// Snapshots over a window, and what the window covered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WindowSnapshots {
    /// The minutes read and their resolution: the union over the
    /// operations read (`None` for [`Window::All`]).
    pub span: Option<WindowSpan>,
    /// Operations with calls in the window, sorted by name.
    pub operations: Vec<OperationSnapshot>,
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
    /// window comparisons. Minutes older than the retention come from
    /// 10-minute buckets, read whole ([`Operation::window_read`]).
    ///
    /// [`Operation::window_read`]: crate::Operation::window_read
    pub fn snapshots_between(&self, from: u64, to: u64) -> Vec<OperationSnapshot> {
        self.operations_sorted()
            .iter()
            .map(|op| op.window_snapshot(from, to))
            .collect()
    }
}
