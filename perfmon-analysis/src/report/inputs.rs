//! What the rules, the recommendations and the report read, gathered once
//! from a registry: snapshots over a window, caches, trends and the
//! degradations they show, request patterns, the last system sample, the
//! targets and the alert thresholds.

use super::{slow_operations, SlowOperation};
use crate::alert::{AlertInput, Degradation};
use crate::recommend::{recommend, Recommendation};
use crate::system::{last_sample, SystemMetrics};
use crate::trend::{Trend, TrendDirection, TrendRules};
use crate::{RegistryExt, Target};
use perfmon_core::{CacheSnapshot, Kind, OperationSnapshot, Registry, RequestPattern, Window};
use std::time::SystemTime;

/// The inputs of one evaluation, owned; [`Inputs::input`] borrows them.
pub(crate) struct Inputs {
    pub(crate) ops: Vec<OperationSnapshot>,
    pub(crate) caches: Vec<CacheSnapshot>,
    pub(crate) trends: Vec<Trend>,
    pub(crate) degradations: Vec<Degradation>,
    pub(crate) requests: Vec<RequestPattern>,
    pub(crate) budgets: Vec<crate::objective::BudgetBurn>,
    pub(crate) system: Option<SystemMetrics>,
    pub(crate) targets: Vec<(Kind, Target)>,
    pub(crate) thresholds: crate::AlertThresholds,
}

impl Inputs {
    /// Everything read from `reg` for `window` ending at `now`, with trends
    /// over `trend_minutes`.
    pub(crate) fn gather(
        reg: &Registry,
        window: Window,
        trend_minutes: u32,
        now: SystemTime,
    ) -> Inputs {
        let config = reg.config();
        // One read of each operation, as wide as the widest window judged:
        // the windows are then merges of its minutes.
        let trend_n = crate::trend::trend_minutes(reg, trend_minutes);
        let window_span = match window {
            Window::All => 1,
            Window::LastMinutes(m) => m,
        };
        let span = window_span
            .max(2 * trend_n)
            .max(crate::objective::burn_span(reg));
        let histories = reg.histories_at(span, now);
        let ops = match reg.minute_range(window, now) {
            None => reg.snapshots(),
            Some((from, to)) => histories
                .iter()
                .map(|h| h.window(from, to))
                .filter(|s| s.count > 0)
                .collect(),
        };
        let caches = reg.cache_snapshots();
        let rules = TrendRules {
            degraded_above: config.alerts.degradation,
            ..Default::default()
        };
        // The trend's current window is often the analysis window: reuse it.
        let trend_window = Window::LastMinutes(trend_n);
        let same = reg.minute_range(trend_window, now) == reg.minute_range(window, now);
        let current = same.then_some(ops.as_slice());
        let trends = crate::trend::trends_in(&histories, &rules, trend_n, now, current);
        let degradations = degradations(&trends);
        let requests = reg.request_patterns_at(window, now);
        let budgets = crate::objective::budget_burns_in(reg, &histories, now);
        let system = last_sample();
        // One entry per kind (rules look a kind up in this list).
        let kinds: std::collections::BTreeSet<Kind> = ops
            .iter()
            .map(|o| o.kind.clone())
            .chain(reg.configured_targets().into_keys())
            .collect();
        let targets: Vec<(Kind, Target)> = kinds
            .into_iter()
            .map(|k| {
                let t = reg.target(&k);
                (k, t)
            })
            .collect();
        Inputs {
            ops,
            caches,
            trends,
            degradations,
            requests,
            budgets,
            system,
            targets,
            thresholds: config.alerts,
        }
    }

    /// The rules' view of these inputs.
    pub(crate) fn input(&self) -> AlertInput<'_> {
        let mut input = AlertInput::new(&self.ops)
            .caches(&self.caches)
            .degradations(&self.degradations)
            .requests(&self.requests)
            .budgets(&self.budgets)
            .targets(&self.targets)
            .thresholds(self.thresholds);
        if let Some(s) = &self.system {
            input = input.system(s);
        }
        input
    }
}

/// Degradation findings for the alert rules, from trends (p95 and mean).
fn degradations(trends: &[Trend]) -> Vec<Degradation> {
    let mut out = Vec::new();
    for t in trends
        .iter()
        .filter(|t| t.direction == TrendDirection::Degraded)
    {
        for (metric, prev, cur) in [
            ("p95", t.previous.p95_ms, t.current.p95_ms),
            ("mean", t.previous.mean_ms, t.current.mean_ms),
        ] {
            out.push(Degradation {
                operation: t.operation.clone(),
                kind: t.kind.clone(),
                metric: metric.to_owned(),
                previous_ms: prev,
                current_ms: cur,
            });
        }
    }
    out
}

/// [`RegistryExt::recommendations`]: the report's recommendations alone.
pub(crate) fn recommendations_of(
    reg: &Registry,
    window: Window,
    trend_minutes: u32,
    now: SystemTime,
) -> Vec<Recommendation> {
    recommend(&Inputs::gather(reg, window, trend_minutes, now).input())
}

/// [`RegistryExt::slow_operations`]: the report's slow operations alone.
pub(crate) fn slow_operations_of(
    reg: &Registry,
    window: Window,
    now: SystemTime,
) -> Vec<SlowOperation> {
    let ops = reg.snapshots_at(window, now);
    slow_operations(&ops, |k| reg.target(k).target)
}
