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
        let ops = reg.snapshots_at(window, now);
        let caches = reg.cache_snapshots();
        let config = reg.config();
        let trends = reg.trends_with(
            &TrendRules {
                degraded_above: config.alerts.degradation,
                ..Default::default()
            },
            trend_minutes,
            now,
        );
        let degradations = degradations(&trends);
        let requests = reg.request_patterns_at(window, now);
        let budgets = reg.budget_burns(now);
        let system = last_sample();
        let targets: Vec<(Kind, Target)> = ops
            .iter()
            .map(|o| o.kind.clone())
            .chain(reg.configured_targets().into_keys())
            .map(|k| (k.clone(), reg.target(&k)))
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
