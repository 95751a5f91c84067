//! Objectives and error budgets: "99 % of calls within target", and how fast
//! the budget of the other 1 % is being spent.
//!
//! An objective is a share of calls that must be within their kind's target
//! ([`DEFAULT_OBJECTIVE`], 0.99, for every kind unless set: per kind with
//! [`RegistryExt::set_objective`], the
//! builder's `objective` or `PERFMON_OBJECTIVE_<KIND>`, and per operation with
//! [`RegistryExt::set_operation_objective`]).
//! The error budget is the share allowed to miss, `1 - objective`.
//!
//! # Burn rate
//!
//! Over a window, the **burn rate** is the share of calls that missed the
//! target divided by the budget: 1 spends the budget exactly at the
//! sustainable pace, 14.4 spends a 30-day budget in about two days. As in the
//! multi-window alerts of Google's SRE workbook, a burn is alerted only when
//! a long window *and* a short one both burn above a factor: the long one
//! says the spend is significant, the short one that it is still going on
//! (so the alert resolves soon after a fix).
//!
//! | pair | long | short | factor | severity |
//! |---|---|---|---|---|
//! | [`BurnWindow::FAST`] | 60 min | 5 min | 14.4 | critical |
//! | [`BurnWindow::SLOW`] | 360 min | 30 min | 6 | high |
//!
//! Windows are bounded by the registry's retention (60 minutes by default, so
//! the slow pair reads 60 and 30 minutes unless the retention is raised);
//! each [`BurnReading`] says the windows it read. A long window with fewer
//! than [`AlertThresholds::min_calls`](crate::AlertThresholds::min_calls)
//! calls is not judged.
//!
//! "Missed" is compliance's definition: a call whose duration is above the
//! target ([`calls_within`](crate::calls_within): exact when the target is a
//! level bound, as the default targets are; else from the histogram),
//! whatever its outcome.

use crate::alert::Severity;
use crate::RegistryExt;
use perfmon_core::units::saturating_nanos;
use perfmon_core::{Kind, OperationHistory, Registry, Window};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::SystemTime;

/// The objective of every kind without one of its own: 99 % within target.
pub const DEFAULT_OBJECTIVE: f64 = 0.99;

/// Whether `objective` is usable: above 0 and below 1.
pub(crate) fn valid_objective(objective: f64) -> bool {
    objective > 0.0 && objective < 1.0
}

/// What an objective must be, for error messages.
pub(crate) const EXPECT_OBJECTIVE: &str = "a share above 0 and below 1, such as 0.99";

/// A pair of windows that must both burn above `factor` for an alert.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BurnWindow {
    /// The long window, in minutes.
    pub long_minutes: u32,
    /// The short window, in minutes.
    pub short_minutes: u32,
    /// The burn rate both must exceed.
    pub factor: f64,
}

impl BurnWindow {
    /// The fast burn: 1 hour and 5 minutes above 14.4 (2 % of a 30-day
    /// budget in an hour). Raises a critical alert.
    pub const FAST: BurnWindow = BurnWindow {
        long_minutes: 60,
        short_minutes: 5,
        factor: 14.4,
    };
    /// The slow burn: 6 hours and 30 minutes above 6 (5 % of a 30-day budget
    /// in six hours). Raises a high alert.
    pub const SLOW: BurnWindow = BurnWindow {
        long_minutes: 360,
        short_minutes: 30,
        factor: 6.0,
    };

    /// Both windows clamped to `retention` minutes (the short one also to
    /// the long one).
    pub fn within(self, retention: u32) -> BurnWindow {
        let long = self.long_minutes.clamp(1, retention.max(1));
        BurnWindow {
            long_minutes: long,
            short_minutes: self.short_minutes.clamp(1, long),
            factor: self.factor,
        }
    }

    /// A description of what is wrong, if anything.
    pub(crate) fn problem(&self) -> Option<String> {
        if self.short_minutes == 0 || self.short_minutes > self.long_minutes {
            return Some(format!(
                "short_minutes must be from 1 to long_minutes ({}), got {}",
                self.long_minutes, self.short_minutes
            ));
        }
        if !(self.factor.is_finite() && self.factor >= 1.0) {
            return Some(format!("factor must be a number >= 1, got {}", self.factor));
        }
        None
    }
}

/// The burn rate of `missed` calls out of `calls` against `objective`: the
/// share missed over the budget (`1 - objective`); 0 without calls.
///
/// ```
/// use perfmon_analysis::burn_rate;
/// assert!((burn_rate(1, 100, 0.99) - 1.0).abs() < 1e-9); // the sustainable pace
/// assert!((burn_rate(30, 100, 0.99) - 30.0).abs() < 1e-9);
/// assert_eq!(burn_rate(0, 0, 0.99), 0.0);
/// ```
pub fn burn_rate(missed: u64, calls: u64, objective: f64) -> f64 {
    if calls == 0 {
        return 0.0;
    }
    (missed as f64 / calls as f64) / (1.0 - objective).max(f64::MIN_POSITIVE)
}

/// Which pair of windows a reading is of. Serializes in snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BurnPair {
    /// [`AlertThresholds::fast_burn`](crate::AlertThresholds::fast_burn): critical.
    Fast,
    /// [`AlertThresholds::slow_burn`](crate::AlertThresholds::slow_burn): high.
    Slow,
}

impl BurnPair {
    /// `"fast"` or `"slow"`: the end of the alert's subject
    /// (`burn_rate:database_query fast`).
    pub fn name(self) -> &'static str {
        match self {
            BurnPair::Fast => "fast",
            BurnPair::Slow => "slow",
        }
    }
}

/// One pair of windows read for one objective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BurnReading {
    /// Which pair.
    pub pair: BurnPair,
    /// The windows read (clamped to the retention) and the factor.
    pub window: BurnWindow,
    /// The severity raised when both burn above the factor.
    pub severity: Severity,
    /// Calls in the long window.
    pub long_calls: u64,
    /// The burn rate over the long window.
    pub long_burn: f64,
    /// Calls in the short window.
    pub short_calls: u64,
    /// The burn rate over the short window.
    pub short_burn: f64,
}

/// How fast one objective's error budget burns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetBurn {
    /// What alerts name: the kind, or the operation with its own objective.
    pub subject: String,
    /// The kind judged (the operation's kind for an operation objective).
    pub kind: Kind,
    /// The operation, for an operation objective.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// The share of calls that must be within target.
    pub objective: f64,
    /// The target, in milliseconds.
    pub target_ms: f64,
    /// One reading per pair of windows: fast, then slow.
    pub readings: Vec<BurnReading>,
}

/// Calls and missed calls, added up.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    calls: u64,
    missed: u64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.calls += other.calls;
        self.missed += other.missed;
    }
}

/// The pairs of windows of `reg`, bounded by its retention.
pub(crate) fn burn_pairs(reg: &Registry) -> [(BurnPair, BurnWindow, Severity); 2] {
    let thresholds = reg.config().alerts;
    let retention = reg.retention_minutes();
    [
        (
            BurnPair::Fast,
            thresholds.fast_burn.within(retention),
            Severity::Critical,
        ),
        (
            BurnPair::Slow,
            thresholds.slow_burn.within(retention),
            Severity::High,
        ),
    ]
}

/// The minutes an evaluation of `reg`'s burn rates reads.
pub(crate) fn burn_span(reg: &Registry) -> u32 {
    burn_pairs(reg)
        .iter()
        .map(|(_, w, _)| w.long_minutes)
        .max()
        .unwrap_or(1)
}

/// The budget burns of `reg` at `now`: one per kind with calls in the
/// longest window, and one per operation with an objective of its own.
pub(crate) fn budget_burns_of(reg: &Registry, now: SystemTime) -> Vec<BudgetBurn> {
    budget_burns_in(reg, &reg.histories_at(burn_span(reg), now), now)
}

/// [`budget_burns_of`] from histories spanning at least [`burn_span`].
pub(crate) fn budget_burns_in(
    reg: &Registry,
    histories: &[OperationHistory],
    now: SystemTime,
) -> Vec<BudgetBurn> {
    let pairs = burn_pairs(reg);
    let op_objectives = crate::settings::operation_objectives_of(reg);
    // Per pair: (long, short) tallies per kind, and per operation with an objective.
    let mut kinds: BTreeMap<Kind, [(Tally, Tally); 2]> = BTreeMap::new();
    let mut named: Vec<(&OperationHistory, [(Tally, Tally); 2])> = Vec::new();
    let mut targets: BTreeMap<Kind, u64> = BTreeMap::new();
    let ranges = pairs.map(|(_, w, _)| {
        let range = |m: u32| {
            reg.minute_range(Window::LastMinutes(m), now)
                .unwrap_or((0, 0))
        };
        (range(w.long_minutes), range(w.short_minutes))
    });
    for h in histories {
        let target = *targets
            .entry(h.kind().clone())
            .or_insert_with(|| saturating_nanos(reg.target(h.kind()).target));
        let flat = [ranges[0].0, ranges[0].1, ranges[1].0, ranges[1].1];
        let t = h.counts_within(&flat, target);
        let tally = |i: usize| Tally {
            calls: t[i].0,
            missed: t[i].0 - t[i].1,
        };
        let op = [(tally(0), tally(1)), (tally(2), tally(3))];
        let k = kinds.entry(h.kind().clone()).or_default();
        for (acc, t) in k.iter_mut().zip(op) {
            acc.0.add(t.0);
            acc.1.add(t.1);
        }
        if op_objectives.contains_key(h.name()) {
            named.push((h, op));
        }
    }
    let readings = |tallies: [(Tally, Tally); 2], objective: f64| {
        pairs
            .iter()
            .zip(tallies)
            .map(|((pair, w, severity), (long, short))| BurnReading {
                pair: *pair,
                window: *w,
                severity: *severity,
                long_calls: long.calls,
                long_burn: burn_rate(long.missed, long.calls, objective),
                short_calls: short.calls,
                short_burn: burn_rate(short.missed, short.calls, objective),
            })
            .collect::<Vec<_>>()
    };
    let mut out = Vec::new();
    for (kind, tallies) in kinds {
        let objective = reg.objective(&kind);
        out.push(BudgetBurn {
            subject: kind.name().to_owned(),
            target_ms: perfmon_core::units::duration_ms(reg.target(&kind).target),
            kind,
            operation: None,
            objective,
            readings: readings(tallies, objective),
        });
    }
    for (h, tallies) in named {
        let objective = op_objectives[h.name()];
        out.push(BudgetBurn {
            subject: h.name().to_owned(),
            kind: h.kind().clone(),
            operation: Some(h.name().to_owned()),
            objective,
            target_ms: perfmon_core::units::duration_ms(reg.target(h.kind()).target),
            readings: readings(tallies, objective),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use perfmon_core::Outcome;
    use std::time::{Duration, UNIX_EPOCH};

    const MINUTE: Duration = Duration::from_secs(60);

    fn minute(m: u32) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(29_000_000 * 60) + MINUTE * m
    }

    fn calls(reg: &Registry, name: &str, m: u32, fast: u64, slow: u64) {
        for i in 0..fast + slow {
            let ms = if i < slow { 80 } else { 5 };
            reg.record_at(
                name,
                Kind::DatabaseQuery,
                Duration::from_millis(ms),
                Outcome::Ok,
                None,
                minute(m),
            );
        }
    }

    #[test]
    fn windows_are_bounded_by_the_retention() {
        assert_eq!(BurnWindow::SLOW.within(60).long_minutes, 60);
        assert_eq!(BurnWindow::SLOW.within(60).short_minutes, 30);
        assert_eq!(BurnWindow::SLOW.within(20).short_minutes, 20);
        assert_eq!(BurnWindow::FAST.within(1440), BurnWindow::FAST);
        assert!(BurnWindow::FAST.problem().is_none());
        let bad = BurnWindow {
            short_minutes: 90,
            ..BurnWindow::FAST
        };
        assert!(bad.problem().unwrap().contains("short_minutes"));
    }

    #[test]
    fn burn_rates_are_read_per_kind_and_per_operation_over_each_window() {
        let reg = Registry::new();
        reg.set_operation_objective("db.b", 0.9).unwrap();
        // 55 minutes where 1 call in 100 misses (burn 1), then 5 minutes
        // where 30 in 100 miss, for db.a; db.b misses 30 % throughout.
        for m in 0..60 {
            let slow = if m < 55 { 1 } else { 30 };
            calls(&reg, "db.a", m, 100 - slow, slow);
            calls(&reg, "db.b", m, 70, 30);
        }
        let burns = budget_burns_of(&reg, minute(59) + Duration::from_secs(30));
        assert_eq!(burns.len(), 2, "{burns:?}");
        let kind = &burns[0];
        assert_eq!(
            (kind.subject.as_str(), kind.operation.as_deref()),
            ("database_query", None)
        );
        let fast = &kind.readings[0];
        assert_eq!(
            (fast.window.long_minutes, fast.window.short_minutes),
            (60, 5)
        );
        assert_eq!((fast.long_calls, fast.short_calls), (12_000, 1_000));
        // Short: (150 + 150) / 1000 = 30 % over 1 %; long: (55 + 150 + 1800) / 12000.
        assert!((fast.short_burn - 30.0).abs() < 1e-9, "{fast:?}");
        let long = (55.0 + 150.0 + 1800.0) / 12_000.0 / 0.01;
        assert!((fast.long_burn - long).abs() < 1e-9, "{fast:?}");
        let slow = &kind.readings[1];
        assert_eq!(
            (slow.window.long_minutes, slow.window.short_minutes),
            (60, 30)
        );
        assert_eq!(slow.severity, Severity::High);
        // The operation with its own objective: 30 % over a 10 % budget.
        let op = &burns[1];
        assert_eq!(op.operation.as_deref(), Some("db.b"));
        assert_eq!(op.objective, 0.9);
        assert!((op.readings[0].long_burn - 3.0).abs() < 1e-9);
        assert!(reg.set_operation_objective("db.c", 0.0).is_err());
    }

    #[test]
    fn compliance_is_judged_against_the_objective() {
        let reg = Registry::new();
        calls(&reg, "db.a", 0, 995, 5); // 99.5 % within
        let c = &reg.compliance().kinds[0];
        assert_eq!(c.objective, 0.99);
        assert!(c.meets_objective);
        assert!((c.budget_remaining - 0.5).abs() < 1e-9, "{c:?}");
        reg.set_objective(Kind::DatabaseQuery, 0.999).unwrap();
        let c = &reg.compliance().kinds[0];
        assert!(!c.meets_objective);
        assert!(
            (c.budget_remaining + 4.0).abs() < 1e-9,
            "overspent 5x: {c:?}"
        );
    }
}
