//! Recommendations: what to change, derived from the same [`AlertInput`] as
//! the alerts, as a pure function.

use crate::alert::{AlertInput, Severity};
use perfmon_core::units::{duration_ms, nanos_to_ms};
use perfmon_core::OVERFLOW_OPERATION;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod advice;
use advice::slow_advice;

/// How urgent a recommendation is: the alert [`Severity`] scale.
pub type Priority = Severity;

/// What area a recommendation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Latency of code paths (processing, API responses, auth).
    Performance,
    /// Queries: indexes, plans, N+1 patterns.
    Database,
    /// Cache hit rates and results worth caching.
    Caching,
    /// Failing calls.
    Reliability,
    /// Slower than an earlier window.
    Regression,
    /// CPU, memory, disk.
    Resources,
}

/// A low / medium / high estimate (impact and effort).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Small.
    Low,
    /// Moderate.
    Medium,
    /// Large.
    High,
}

/// The figures a recommendation rests on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The operation (or cache, endpoint, resource) concerned.
    pub operation: Option<String>,
    /// Named figures (`mean_ms`, `p95_ms`, `error_rate_percent`, ...).
    pub figures: BTreeMap<String, f64>,
}

/// One thing to change, why, and what it is worth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    /// The area.
    pub category: Category,
    /// How urgent.
    pub priority: Priority,
    /// One line: `Index or rewrite db.search`.
    pub title: String,
    /// What was seen and what to do, in sentences.
    pub description: String,
    /// What fixing it is worth.
    pub impact: Scale,
    /// What fixing it costs.
    pub effort: Scale,
    /// The figures behind it.
    pub evidence: Evidence,
}

fn evidence(subject: &str, figures: &[(&str, f64)]) -> Evidence {
    Evidence {
        operation: Some(subject.to_owned()),
        figures: figures.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
    }
}

/// Recommendations for `input`, most urgent first (priority, then impact,
/// then title).
///
/// Rules: slow operations (advice by kind), high error rates, low cache hit
/// rates, degradations, resource pressure and N+1 patterns, on the
/// thresholds of [`AlertInput::thresholds`]; an operation counts as slow as
/// soon as its mean misses its target (priority low), medium above the
/// kind's warning, high above critical.
///
/// ```
/// use perfmon_analysis::{recommend, AlertInput, Category};
/// use perfmon_core::{Kind, Registry};
/// use std::time::Duration;
///
/// let reg = Registry::new();
/// reg.record("db.search", Kind::DatabaseQuery, Duration::from_millis(80));
/// let ops = reg.snapshots();
/// let recs = recommend(&AlertInput::new(&ops));
/// assert_eq!(recs[0].category, Category::Database);
/// assert_eq!(recs[0].title, "Index or rewrite db.search");
/// assert_eq!(recs[0].evidence.figures["mean_ms"], 80.0);
/// ```
pub fn recommend(input: &AlertInput<'_>) -> Vec<Recommendation> {
    let mut out = Vec::new();
    slow_operations(input, &mut out);
    error_rates(input, &mut out);
    cache_hit_rates(input, &mut out);
    degradations(input, &mut out);
    resources(input, &mut out);
    n_plus_one(input, &mut out);
    throughput(input, &mut out);
    out.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then(b.impact.cmp(&a.impact))
            .then_with(|| a.title.cmp(&b.title))
    });
    out
}

fn slow_operations(input: &AlertInput<'_>, out: &mut Vec<Recommendation>) {
    let ops = input
        .operations
        .iter()
        .filter(|op| op.count > 0 && op.name != OVERFLOW_OPERATION);
    let total_ns: f64 = ops.clone().map(|op| op.sum_ns as f64).sum();
    for op in ops {
        let t = input.target_for(&op.kind);
        let mean_ms = nanos_to_ms(op.mean_ns());
        let ms = duration_ms;
        let priority = if mean_ms > ms(t.critical) {
            Priority::High
        } else if mean_ms > ms(t.warning) {
            Priority::Medium
        } else if mean_ms > ms(t.target) {
            Priority::Low
        } else {
            continue;
        };
        let share = if total_ns > 0.0 {
            op.sum_ns as f64 / total_ns
        } else {
            0.0
        };
        let impact = if share >= 0.25 {
            Scale::High
        } else if share >= 0.05 {
            Scale::Medium
        } else {
            Scale::Low
        };
        let (category, title, advice, effort) = slow_advice(op);
        let p95_ms = nanos_to_ms(op.quantile_ns(0.95).unwrap_or(0) as f64);
        out.push(Recommendation {
            category,
            priority,
            title,
            description: format!(
                "{} ({}) averages {mean_ms:.1} ms against a {:.0} ms target over {} calls ({:.0} % of all recorded time). {advice}",
                op.name,
                op.kind,
                ms(t.target),
                op.count,
                share * 100.0
            ),
            impact,
            effort,
            evidence: evidence(
                &op.name,
                &[
                    ("mean_ms", mean_ms),
                    ("p95_ms", p95_ms),
                    ("target_ms", ms(t.target)),
                    ("calls", op.count as f64),
                    ("share_of_time_percent", share * 100.0),
                ],
            ),
        });
    }
}

fn throughput(input: &AlertInput<'_>, out: &mut Vec<Recommendation>) {
    let min = input.thresholds.min_items_per_second;
    if !(min > 0.0 && min.is_finite()) {
        return;
    }
    for op in input.operations {
        let Some(rate) = op.items_per_second().filter(|r| *r < min) else {
            continue;
        };
        let (priority, impact) = if rate < min / 2.0 {
            (Priority::High, Scale::High)
        } else {
            (Priority::Medium, Scale::Medium)
        };
        out.push(Recommendation {
            category: Category::Performance,
            priority,
            title: format!("Speed up the processing of {}", op.name),
            description: format!(
                "{} processed {} items in {:.1} s of calls: {rate:.1} items/s, below the {} items/s required. Process in batches (one query or request per batch, not per item), move per-item work that does not need to be done now off the path, and profile the per-item step.",
                op.name,
                op.items,
                op.sum_ns as f64 / 1e9,
                (min * 1000.0).round() / 1000.0,
            ),
            impact,
            effort: Scale::Medium,
            evidence: evidence(
                &op.name,
                &[
                    ("items_per_second", rate),
                    ("min_items_per_second", min),
                    ("items", op.items as f64),
                ],
            ),
        });
    }
}

fn error_rates(input: &AlertInput<'_>, out: &mut Vec<Recommendation>) {
    let th = &input.thresholds;
    for op in input.operations {
        if op.count == 0 || op.count < th.min_calls {
            continue;
        }
        let failed = op.failed();
        let rate = failed as f64 / op.count as f64;
        let (priority, impact) = if rate > th.error_rate_critical {
            (Priority::Critical, Scale::High)
        } else if rate > th.error_rate_high {
            (Priority::High, Scale::Medium)
        } else {
            continue;
        };
        let last = op
            .recent_failures
            .last()
            .and_then(|f| f.error.as_deref())
            .map(|e| format!(" The latest error: \"{e}\"."))
            .unwrap_or_default();
        out.push(Recommendation {
            category: Category::Reliability,
            priority,
            title: format!("Fix the failures of {}", op.name),
            description: format!(
                "{} failed {failed} of {} calls ({:.1} %; {} panics).{last} Find the cause in the recent failures; retry only errors that are transient, with backoff, and fail fast on the rest.",
                op.name,
                op.count,
                rate * 100.0,
                op.panics
            ),
            impact,
            effort: Scale::Medium,
            evidence: evidence(
                &op.name,
                &[
                    ("error_rate_percent", rate * 100.0),
                    ("errors", op.errors as f64),
                    ("panics", op.panics as f64),
                    ("calls", op.count as f64),
                ],
            ),
        });
    }
}

fn cache_hit_rates(input: &AlertInput<'_>, out: &mut Vec<Recommendation>) {
    let th = &input.thresholds;
    for c in input.caches {
        if c.lookups() < th.min_cache_lookups.max(1) {
            continue;
        }
        let Some(rate) = c.hit_rate() else { continue };
        let (priority, impact) = if rate < th.cache.critical {
            (Priority::High, Scale::High)
        } else if rate < th.cache.warning {
            (Priority::Medium, Scale::Medium)
        } else if rate < th.cache.target {
            (Priority::Low, Scale::Low)
        } else {
            continue;
        };
        out.push(Recommendation {
            category: Category::Caching,
            priority,
            title: format!("Raise the hit rate of cache {}", c.name),
            description: format!(
                "Cache {} hits {:.1} % of {} lookups (target {:.0} %). Check that keys are stable (no timestamps or request ids in them), that the TTL is not shorter than the reuse interval, that the cache is large enough to hold the working set, and warm it at start-up.",
                c.name,
                rate * 100.0,
                c.lookups(),
                th.cache.target * 100.0
            ),
            impact,
            effort: Scale::Low,
            evidence: evidence(
                &c.name,
                &[
                    ("hit_rate_percent", rate * 100.0),
                    ("hits", c.hits as f64),
                    ("misses", c.misses as f64),
                ],
            ),
        });
    }
}

fn degradations(input: &AlertInput<'_>, out: &mut Vec<Recommendation>) {
    let th = &input.thresholds;
    for d in input.degradations {
        let Some(growth) = d.growth() else { continue };
        let (priority, impact) = if growth > th.degradation_high {
            (Priority::High, Scale::High)
        } else if growth > th.degradation {
            (Priority::Medium, Scale::Medium)
        } else {
            continue;
        };
        out.push(Recommendation {
            category: Category::Regression,
            priority,
            title: format!("Find what slowed down {}", d.operation),
            description: format!(
                "The {} of {} ({}) went from {:.1} ms to {:.1} ms (+{:.0} %). Compare with recent deploys, configuration and data growth (a table that outgrew its index, a cache that stopped hitting).",
                d.metric, d.operation, d.kind, d.previous_ms, d.current_ms, growth * 100.0
            ),
            impact,
            effort: Scale::Medium,
            evidence: evidence(
                &d.operation,
                &[
                    ("previous_ms", d.previous_ms),
                    ("current_ms", d.current_ms),
                    ("growth_percent", growth * 100.0),
                ],
            ),
        });
    }
}

fn resources(input: &AlertInput<'_>, out: &mut Vec<Recommendation>) {
    let Some(m) = input.system else { return };
    let th = &input.thresholds;
    let checks = [
        ("cpu", Some(m.cpu_percent), th.cpu_percent, "CPU is saturated: find the hottest operations (by share of time), move batch work off peak, and add cores or instances.", Some(m.process_cpu_percent)),
        ("memory", Some(m.memory_percent), th.memory_percent, "Memory is nearly full: check this process's resident size for growth (caches without bounds, buffered results), bound caches, and add memory before swapping starts.", None),
        ("disk", m.disk_percent, th.disk_percent, "The disk is nearly full: rotate and compress logs, prune old data, or grow the volume.", None),
    ];
    for (subject, value, limit, advice, process) in checks {
        let Some(value) = value.filter(|v| v.is_finite() && *v > limit) else {
            continue;
        };
        let priority = if value > th.resource_critical_percent {
            Priority::Critical
        } else {
            Priority::High
        };
        let mut figures = vec![("used_percent", value), ("threshold_percent", limit)];
        figures.extend(process.map(|p| ("process_cpu_percent", p)));
        if subject == "memory" {
            figures.push(("process_memory_bytes", m.process_memory_bytes as f64));
        }
        out.push(Recommendation {
            category: Category::Resources,
            priority,
            title: format!("Relieve {subject} pressure"),
            description: format!(
                "{subject} use is {value:.1} % (threshold {limit:.0} %). {advice}"
            ),
            impact: Scale::High,
            effort: Scale::Medium,
            evidence: evidence(subject, &figures),
        });
    }
}

fn n_plus_one(input: &AlertInput<'_>, out: &mut Vec<Recommendation>) {
    let n = input.thresholds.n_plus_one_calls;
    for p in input.requests {
        let calls = p.calls_in_one_request;
        let (priority, impact) = if calls > n.saturating_mul(5) {
            (Priority::High, Scale::High)
        } else if calls > n {
            (Priority::Medium, Scale::Medium)
        } else {
            continue;
        };
        let subject = p.subject();
        out.push(Recommendation {
            category: Category::Database,
            priority,
            title: format!("Batch the calls of {} (N+1)", p.operation),
            description: format!(
                "{subject} ran up to {calls} times in one request, in {} requests: one call per item of a list. Load the items in one query (a join, or WHERE id IN (...)), or batch the lookups per request (a data loader).",
                p.requests
            ),
            impact,
            effort: Scale::Medium,
            evidence: evidence(
                &subject,
                &[
                    ("calls_in_one_request", calls as f64),
                    ("requests", p.requests as f64),
                    ("threshold", n as f64),
                ],
            ),
        });
    }
}

#[cfg(test)]
mod tests;
