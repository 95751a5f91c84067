//! Trends: an operation's last window against the one before it.

use perfmon_core::units::nanos_to_ms;
use perfmon_core::units::unix_minute;
use perfmon_core::{Kind, OperationHistory, OperationSnapshot, Registry, WindowFigures};
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

/// Trends of every operation with calls in either window, using the
/// default [`TrendRules`].
pub fn trends(reg: &Registry, minutes: u32, now: SystemTime) -> Vec<Trend> {
    trends_with(reg, &TrendRules::default(), minutes, now)
}

/// Trends: the last `minutes` minutes ending at `now` against the
/// `minutes` minutes before them.
pub fn trends_with(
    reg: &Registry,
    rules: &TrendRules,
    minutes: u32,
    now: SystemTime,
) -> Vec<Trend> {
    let n = trend_minutes(reg, minutes);
    let histories = reg.histories_at(2 * n, now);
    trends_in(&histories, rules, n, now, None)
}

/// The length of each trend window for `minutes` asked: 1 to half the
/// retention (both windows must be kept).
pub(crate) fn trend_minutes(reg: &Registry, minutes: u32) -> u32 {
    minutes.clamp(1, (reg.retention_minutes() / 2).max(1))
}

/// Trends over windows of `n` minutes ending at `now`, from histories that
/// span at least `2 * n` minutes. `current`, when given, holds the
/// snapshots of the current window already taken (sorted by name, as
/// histories are), so it is not merged twice.
pub(crate) fn trends_in(
    histories: &[OperationHistory],
    rules: &TrendRules,
    n: u32,
    now: SystemTime,
    current: Option<&[OperationSnapshot]>,
) -> Vec<Trend> {
    let n = u64::from(n.max(1));
    let to = unix_minute(now);
    let (cur_from, prev_to) = (to.saturating_sub(n - 1), to.saturating_sub(n));
    let prev_from = prev_to.saturating_sub(n - 1);
    histories
        .iter()
        .filter_map(|h| {
            let stats = |from, to| {
                if !h.has_calls(from, to) {
                    WindowStats::default()
                } else {
                    WindowStats::of_figures(&h.figures(from, to), n)
                }
            };
            let cur = match current {
                Some(taken) => taken
                    .binary_search_by(|s| s.name.as_str().cmp(h.name()))
                    .map_or_else(
                        |_| WindowStats::default(),
                        |i| WindowStats::of(&taken[i], n),
                    ),
                None => stats(cur_from, to),
            };
            let prev = stats(prev_from, prev_to);
            (cur.calls + prev.calls > 0)
                .then(|| Trend::new(h.name(), h.kind(), n, cur, prev, rules))
        })
        .collect()
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
    fn of_figures(f: &WindowFigures, minutes: u64) -> Self {
        WindowStats {
            calls: f.count,
            mean_ms: nanos_to_ms(f.mean_ns()),
            p95_ms: f.quantile_ns(0.95).map_or(0.0, |ns| nanos_to_ms(ns as f64)),
            error_rate: if f.count == 0 {
                0.0
            } else {
                f.failed as f64 / f.count as f64
            },
            throughput_per_minute: f.count as f64 / minutes as f64,
        }
    }

    fn of(s: &OperationSnapshot, minutes: u64) -> Self {
        WindowStats {
            calls: s.count,
            mean_ms: nanos_to_ms(s.mean_ns()),
            p95_ms: s.quantile_ns(0.95).map_or(0.0, |ns| nanos_to_ms(ns as f64)),
            error_rate: s.failure_rate(),
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
