//! Custom metrics: named values (queue depth, batch size, pool usage...)
//! with current, mean, min and max over windows.
//!
//! Recording takes one short, per-metric lock: values are not the hot path
//! of an instrumented call. Per-minute aggregates are kept for the
//! registry's retention (40 bytes a minute).

use crate::data::Window;
use crate::registry::Registry;
use crate::sync::lock;
use crate::units::unix_minute;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

#[derive(Debug, Clone, Copy)]
struct Agg {
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
}

// The "40 bytes a minute" of the module docs: one aggregate and its minute.
const _: () = assert!(std::mem::size_of::<(u64, Agg)>() <= 40);

impl Agg {
    fn new(v: f64) -> Self {
        Agg {
            count: 1,
            sum: v,
            min: v,
            max: v,
        }
    }

    fn add(&mut self, other: &Agg) {
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }
}

#[derive(Debug)]
struct Series {
    unit: String,
    current: f64,
    total: Agg,
    minutes: VecDeque<(u64, Agg)>,
}

/// A named custom value.
#[derive(Debug)]
pub(crate) struct ValueMetric(Mutex<Series>);

/// Current, mean, min and max of a custom value over a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueSummary {
    /// The metric's name.
    pub name: String,
    /// Its unit, as given when recorded (`"items"`, `"bytes"`, `"%"`...).
    pub unit: String,
    /// The last value recorded.
    pub current: f64,
    /// Values recorded in the window.
    pub count: u64,
    /// Mean over the window.
    pub mean: f64,
    /// Smallest value in the window.
    pub min: f64,
    /// Largest value in the window.
    pub max: f64,
}

impl Registry {
    /// Records one value of the custom metric `name` (non-finite values are
    /// ignored and reported as `false`). The first unit given sticks.
    ///
    /// ```
    /// use perfmon_core::{Registry, Window};
    /// let reg = Registry::new();
    /// reg.record_value("queue.depth", 12.0, "jobs");
    /// reg.record_value("queue.depth", 4.0, "jobs");
    /// let v = reg.value_summary("queue.depth", Window::All).unwrap();
    /// assert_eq!((v.current, v.mean, v.min, v.max), (4.0, 8.0, 4.0, 12.0));
    /// ```
    pub fn record_value(&self, name: &str, value: f64, unit: &str) -> bool {
        self.record_value_at(name, value, unit, crate::clock::wall_now())
    }

    /// Like [`Registry::record_value`], for a value observed at `at`.
    pub fn record_value_at(&self, name: &str, value: f64, unit: &str, at: SystemTime) -> bool {
        if !value.is_finite() || !crate::switch::is_enabled() {
            return false;
        }
        let metric = self.value_metric(name, unit);
        let mut s = lock(&metric.0);
        let minute = unix_minute(at);
        s.current = value;
        s.total.add(&Agg::new(value));
        match s.minutes.back_mut() {
            Some((m, agg)) if *m >= minute => agg.add(&Agg::new(value)),
            _ => s.minutes.push_back((minute, Agg::new(value))),
        }
        let oldest = minute.saturating_sub(self.retention_minutes() as u64);
        while s.minutes.front().is_some_and(|(m, _)| *m <= oldest) {
            s.minutes.pop_front();
        }
        true
    }

    fn value_metric(&self, name: &str, unit: &str) -> Arc<ValueMetric> {
        self.values_map()
            .entry(Arc::from(name))
            .or_insert_with(|| {
                Arc::new(ValueMetric(Mutex::new(Series {
                    unit: unit.to_owned(),
                    current: 0.0,
                    total: Agg {
                        count: 0,
                        sum: 0.0,
                        min: f64::INFINITY,
                        max: f64::NEG_INFINITY,
                    },
                    minutes: VecDeque::new(),
                })))
            })
            .clone()
    }

    /// The summary of one custom value over `window` ending now.
    pub fn value_summary(&self, name: &str, window: Window) -> Option<ValueSummary> {
        self.value_summary_at(name, window, crate::clock::wall_now())
    }

    /// The summary of one custom value over `window` ending at `now`; `None`
    /// when unknown or without values in the window.
    pub fn value_summary_at(
        &self,
        name: &str,
        window: Window,
        now: SystemTime,
    ) -> Option<ValueSummary> {
        let metric = self.values_map().get(name)?.clone();
        let s = lock(&metric.0);
        let agg = match self.minute_range(window, now) {
            None => s.total,
            Some((from, to)) => s
                .minutes
                .iter()
                .filter(|(m, _)| (from..=to).contains(m))
                .map(|(_, a)| *a)
                .reduce(|mut a, b| {
                    a.add(&b);
                    a
                })?,
        };
        (agg.count > 0).then(|| ValueSummary {
            name: name.to_owned(),
            unit: s.unit.clone(),
            current: s.current,
            count: agg.count,
            mean: agg.sum / agg.count as f64,
            min: agg.min,
            max: agg.max,
        })
    }

    /// Summaries of every custom value over `window` ending at `now`, by name.
    pub fn value_summaries_at(&self, window: Window, now: SystemTime) -> Vec<ValueSummary> {
        let mut names: Vec<String> = self
            .values_map()
            .iter()
            .map(|e| e.key().to_string())
            .collect();
        names.sort();
        names
            .iter()
            .filter_map(|n| self.value_summary_at(n, window, now))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn windows_of_values_cover_only_their_minutes() {
        let reg = Registry::new();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_000_000 * 60);
        reg.record_value_at("pool.used", 10.0, "conns", t0);
        reg.record_value_at("pool.used", 30.0, "conns", t0 + Duration::from_secs(600));
        reg.record_value_at("pool.used", 20.0, "conns", t0 + Duration::from_secs(610));
        let now = t0 + Duration::from_secs(620);
        let last5 = reg
            .value_summary_at("pool.used", Window::LastMinutes(5), now)
            .unwrap();
        assert_eq!(
            (last5.count, last5.mean, last5.min, last5.max, last5.current),
            (2, 25.0, 20.0, 30.0, 20.0)
        );
        let all = reg.value_summary_at("pool.used", Window::All, now).unwrap();
        assert_eq!((all.count, all.min, all.unit.as_str()), (3, 10.0, "conns"));
        assert!(reg
            .value_summary_at(
                "pool.used",
                Window::LastMinutes(1),
                now + Duration::from_secs(3600)
            )
            .is_none());
        assert!(!reg.record_value("pool.used", f64::NAN, "conns"));
    }
}
