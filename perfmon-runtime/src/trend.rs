//! Windowed reads of the registry: snapshots of the last N minutes,
//! per-minute time series for charts, and trends (this window against the
//! one before it).

use crate::kind::Kind;
use crate::registry::{minute_of, Registry};
use crate::summary::OperationSnapshot;
use crate::window::{Counts, Window};
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

impl Registry {
    /// Snapshots of every operation over `window`, ending now.
    pub fn snapshots_in(&self, window: Window) -> Vec<OperationSnapshot> {
        self.snapshots_at(window, SystemTime::now())
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

    /// The inclusive minute range of `window` ending at `now` (`None`: all time).
    /// `LastMinutes(n)` is clamped to 1..=retention.
    pub(crate) fn minute_range(&self, window: Window, now: SystemTime) -> Option<(u64, u64)> {
        match window {
            Window::All => None,
            Window::LastMinutes(n) => {
                let n = n.clamp(1, self.retention_minutes()) as u64;
                let to = minute_of(now);
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
            out.push(MinutePoint::new(minute, counts.unwrap_or_default()));
        }
        Some(out)
    }

    /// Trends of every operation with calls in either window, using the
    /// default [`TrendRules`].
    pub fn trends(&self, minutes: u32, now: SystemTime) -> Vec<Trend> {
        self.trends_with(&TrendRules::default(), minutes, now)
    }

    /// Trends: the last `minutes` minutes ending at `now` against the
    /// `minutes` minutes before them.
    pub fn trends_with(&self, rules: &TrendRules, minutes: u32, now: SystemTime) -> Vec<Trend> {
        let n = minutes.clamp(1, (self.retention_minutes() / 2).max(1)) as u64;
        let to = minute_of(now);
        let (cur_from, prev_to) = (to.saturating_sub(n - 1), to.saturating_sub(n));
        let prev_from = prev_to.saturating_sub(n - 1);
        self.operations_sorted()
            .iter()
            .filter_map(|op| {
                let cur = WindowStats::of(&op.window_snapshot(cur_from, to), n);
                let prev = WindowStats::of(&op.window_snapshot(prev_from, prev_to), n);
                (cur.calls + prev.calls > 0)
                    .then(|| Trend::new(op.name(), op.kind(), n, cur, prev, rules))
            })
            .collect()
    }
}

/// One minute of an operation, for charts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinutePoint {
    /// Start of the minute, in milliseconds since the Unix epoch.
    pub minute_start_unix_ms: u64,
    /// Calls in the minute.
    pub count: u64,
    /// Failed calls in the minute.
    pub errors: u64,
    /// Mean duration (0 without calls).
    pub mean_ms: f64,
    /// 95th percentile (0 without calls).
    pub p95_ms: f64,
}

impl MinutePoint {
    fn new(minute: u64, c: Counts) -> Self {
        let count = c.count();
        MinutePoint {
            minute_start_unix_ms: minute * 60_000,
            count,
            errors: c.errors + c.panics + c.cancelled,
            mean_ms: if count == 0 {
                0.0
            } else {
                c.sum_ns as f64 / count as f64 / 1e6
            },
            p95_ms: c.histogram.quantile(0.95).map_or(0.0, |ns| ns as f64 / 1e6),
        }
    }
}

/// The figures a trend compares.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct WindowStats {
    /// Calls in the window.
    pub calls: u64,
    /// Mean duration.
    pub mean_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// Failed calls over calls (0.0..=1.0).
    pub error_rate: f64,
    /// Calls per minute.
    pub throughput_per_minute: f64,
}

impl WindowStats {
    fn of(s: &OperationSnapshot, minutes: u64) -> Self {
        let failed = s.errors + s.panics + s.cancelled;
        WindowStats {
            calls: s.count,
            mean_ms: s.mean_ns() / 1e6,
            p95_ms: s.quantile_ns(0.95).map_or(0.0, |ns| ns as f64 / 1e6),
            error_rate: if s.count == 0 {
                0.0
            } else {
                failed as f64 / s.count as f64
            },
            throughput_per_minute: s.count as f64 / minutes as f64,
        }
    }
}

/// How an operation moved between two windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrendDirection {
    /// p95 or mean grew by more than the degradation threshold.
    Degraded,
    /// p95 or mean fell by more than the improvement threshold (and nothing degraded).
    Improved,
    /// Neither.
    Stable,
    /// One of the windows had no calls.
    NoBaseline,
}

/// When a change counts as a degradation or an improvement.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrendRules {
    /// Relative growth of p95 or mean above which the operation degraded (0.5 = +50 %).
    pub degraded_above: f64,
    /// Relative fall of p95 or mean above which it improved (0.3 = -30 %).
    pub improved_above: f64,
}

impl Default for TrendRules {
    fn default() -> Self {
        TrendRules {
            degraded_above: 0.5,
            improved_above: 0.3,
        }
    }
}

/// One operation's current window against the previous one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trend {
    /// Operation name.
    pub operation: String,
    /// Operation kind.
    pub kind: Kind,
    /// Length of each window in minutes.
    pub minutes: u64,
    /// The last `minutes` minutes.
    pub current: WindowStats,
    /// The `minutes` minutes before those.
    pub previous: WindowStats,
    /// Relative change of the mean (0.5 = +50 %); `None` without a baseline.
    pub mean_change: Option<f64>,
    /// Relative change of the p95; `None` without a baseline.
    pub p95_change: Option<f64>,
    /// Change of the error rate in percentage points (0.05 = +5 points).
    pub error_rate_change: f64,
    /// Relative change of calls per minute; `None` without a baseline.
    pub throughput_change: Option<f64>,
    /// The verdict.
    pub direction: TrendDirection,
}

fn relative(current: f64, previous: f64) -> Option<f64> {
    (previous > 0.0).then(|| (current - previous) / previous)
}

impl Trend {
    fn new(
        name: &str,
        kind: &Kind,
        minutes: u64,
        current: WindowStats,
        previous: WindowStats,
        rules: &TrendRules,
    ) -> Self {
        let baseline = current.calls > 0 && previous.calls > 0;
        let (mean_change, p95_change) = if baseline {
            (
                relative(current.mean_ms, previous.mean_ms),
                relative(current.p95_ms, previous.p95_ms),
            )
        } else {
            (None, None)
        };
        let changes = [mean_change, p95_change];
        let direction = if !baseline {
            TrendDirection::NoBaseline
        } else if changes.iter().flatten().any(|c| *c > rules.degraded_above) {
            TrendDirection::Degraded
        } else if changes.iter().flatten().any(|c| *c < -rules.improved_above) {
            TrendDirection::Improved
        } else {
            TrendDirection::Stable
        };
        Trend {
            operation: name.to_owned(),
            kind: kind.clone(),
            minutes,
            current,
            previous,
            mean_change,
            p95_change,
            error_rate_change: current.error_rate - previous.error_rate,
            throughput_change: relative(
                current.throughput_per_minute,
                previous.throughput_per_minute,
            ),
            direction,
        }
    }
}
