//! The rules: pure functions from an [`AlertInput`] to [`Condition`]s.

use super::{AlertInput, Condition, Rule, Severity};
use crate::target::Target;
use perfmon_core::units::{duration_ms, nanos_to_ms};
use perfmon_core::OVERFLOW_OPERATION;

/// Every condition the rules find in `input`, in rule order (latency, p95
/// latency, kind latency, error rate, cache hit rate, degradation, resource,
/// N+1).
///
/// The rules judge whatever window the snapshots cover: the analysis window
/// (the last 5 minutes by default) when the report or `analyze` gathers
/// them. An alert already active ([`AlertInput::active`]) is kept until its
/// figure is back past the threshold by the
/// [`hysteresis`](crate::AlertThresholds::hysteresis) margin (10 % by
/// default), so a figure hovering at a threshold does not flap.
///
/// - latency: an operation whose mean is above its kind's `warning`
///   threshold is medium, above `critical` critical (value and threshold in
///   ms). The overflow operation, which mixes operations, is skipped.
/// - p95 latency: an operation with at least `min_calls` calls whose p95 is
///   above `p95_warning_factor` times its kind's target is medium, above
///   `p95_critical_factor` times critical (ms).
/// - kind latency: the same on the call-weighted mean of a kind's
///   operations, for kinds with at least two operations with calls.
/// - error rate: errors + panics over calls above `error_rate_high` is high,
///   above `error_rate_critical` critical, for operations with at least
///   `min_calls` calls (value and threshold in percent).
/// - cache hit rate: below `cache.warning` medium, below `cache.critical`
///   high, for caches with at least `min_cache_lookups` lookups (percent).
/// - degradation: growth above `degradation` medium, above
///   `degradation_high` high (percent).
/// - resource: CPU, memory or disk use above its threshold high, above
///   `resource_critical_percent` critical (percent).
/// - N+1: more than `n_plus_one_calls` calls in one request medium, more
///   than five times that high (calls).
/// - throughput: with `min_items_per_second` set (above 0), an operation
///   that reports items and processes fewer per second of call time is
///   medium, below half of it high (items per second; an active alert holds
///   until the rate is back above the minimum by the hysteresis margin).
/// - burn rate: an objective whose error budget burns above a pair's factor
///   in both its long and its short window, with at least `min_calls` calls
///   in the long one: critical for the fast pair (subject `"{kind} fast"`),
///   high for the slow one (`"{kind} slow"`), each its own alert, so a page
///   resolves soon after a fix while the slower spend stays visible (value:
///   the lower of the two burn rates; see [`objective`](crate::objective)).
///
/// ```
/// use perfmon_analysis::{evaluate_rules, AlertInput, Rule, Severity};
/// use perfmon_core::{Kind, Registry};
/// use std::time::Duration;
///
/// let reg = Registry::new();
/// reg.record("auth.login", Kind::Authentication, Duration::from_millis(120));
/// let ops = reg.snapshots();
/// let found = evaluate_rules(&AlertInput::new(&ops));
/// assert_eq!(found[0].rule, Rule::Latency);
/// assert_eq!(found[0].severity, Severity::Critical); // above 2x the 50 ms target
/// assert_eq!(found[0].message, "auth.login averaging 120.0 ms (target < 50 ms)");
/// ```
pub fn evaluate_rules(input: &AlertInput<'_>) -> Vec<Condition> {
    let mut out = Vec::new();
    latency(input, &mut out);
    latency_p95(input, &mut out);
    kind_latency(input, &mut out);
    error_rate(input, &mut out);
    cache_hit_rate(input, &mut out);
    degradation(input, &mut out);
    resource(input, &mut out);
    n_plus_one(input, &mut out);
    burn_rate(input, &mut out);
    throughput(input, &mut out);
    out
}

/// Milliseconds of a target duration, printed without a trailing `.0`.
fn ms_text(d: std::time::Duration) -> String {
    let ms = duration_ms(d);
    format!("{}", (ms * 1000.0).round() / 1000.0)
}

fn plain_number(p: f64) -> String {
    format!("{}", (p * 1000.0).round() / 1000.0)
}

/// The severity of a figure that grows worse upwards: `high` above
/// `high_threshold`, else `low` above `low_threshold` (or within the
/// hysteresis margin below it while the alert is active); with the
/// threshold crossed.
fn grade_above(
    input: &AlertInput<'_>,
    active: bool,
    value: f64,
    (low, low_threshold): (Severity, f64),
    (high, high_threshold): (Severity, f64),
) -> Option<(Severity, f64)> {
    if value > high_threshold {
        Some((high, high_threshold))
    } else if input.exceeds(active, value, low_threshold) {
        Some((low, low_threshold))
    } else {
        None
    }
}

fn latency_condition(
    input: &AlertInput<'_>,
    rule: Rule,
    subject: &str,
    mean_ms: f64,
    t: &Target,
) -> Option<Condition> {
    let active = input.is_active(rule, subject);
    let (severity, threshold) = grade_above(
        input,
        active,
        mean_ms,
        (Severity::Medium, duration_ms(t.warning)),
        (Severity::Critical, duration_ms(t.critical)),
    )?;
    Some(Condition {
        rule,
        subject: subject.to_owned(),
        severity,
        message: format!(
            "{subject} averaging {mean_ms:.1} ms (target < {} ms)",
            ms_text(t.target)
        ),
        value: mean_ms,
        threshold,
    })
}

fn judged_operations<'a>(
    input: &'a AlertInput<'_>,
) -> impl Iterator<Item = &'a perfmon_core::OperationSnapshot> {
    input
        .operations
        .iter()
        .filter(|op| op.count > 0 && op.name != OVERFLOW_OPERATION)
}

fn latency(input: &AlertInput<'_>, out: &mut Vec<Condition>) {
    for op in judged_operations(input) {
        let t = input.target_for(&op.kind);
        out.extend(latency_condition(
            input,
            Rule::Latency,
            &op.name,
            nanos_to_ms(op.mean_ns()),
            &t,
        ));
    }
}

fn latency_p95(input: &AlertInput<'_>, out: &mut Vec<Condition>) {
    let th = &input.thresholds;
    for op in judged_operations(input).filter(|op| op.count >= th.min_calls) {
        let Some(p95_ns) = op.quantile_ns(0.95) else {
            continue;
        };
        let p95_ms = nanos_to_ms(p95_ns as f64);
        let target_ms = duration_ms(input.target_for(&op.kind).target);
        let active = input.is_active(Rule::LatencyP95, &op.name);
        let Some((severity, threshold)) = grade_above(
            input,
            active,
            p95_ms,
            (Severity::Medium, target_ms * th.p95_warning_factor),
            (Severity::Critical, target_ms * th.p95_critical_factor),
        ) else {
            continue;
        };
        out.push(Condition {
            rule: Rule::LatencyP95,
            subject: op.name.clone(),
            severity,
            message: format!(
                "{} p95 at {p95_ms:.1} ms (threshold {} ms, target < {} ms)",
                op.name,
                plain_number(threshold),
                plain_number(target_ms)
            ),
            value: p95_ms,
            threshold,
        });
    }
}

fn kind_latency(input: &AlertInput<'_>, out: &mut Vec<Condition>) {
    for group in crate::group::by_kind(judged_operations(input)) {
        if group.operations.len() < 2 {
            continue;
        }
        let mean_ms = nanos_to_ms(group.mean_ns());
        let kind = group.kind;
        let t = input.target_for(kind);
        out.extend(latency_condition(
            input,
            Rule::KindLatency,
            kind.name(),
            mean_ms,
            &t,
        ));
    }
}

fn error_rate(input: &AlertInput<'_>, out: &mut Vec<Condition>) {
    let th = &input.thresholds;
    for op in input.operations {
        if op.count == 0 || op.count < th.min_calls {
            continue;
        }
        let rate = op.failure_rate();
        let active = input.is_active(Rule::ErrorRate, &op.name);
        let Some((severity, threshold)) = grade_above(
            input,
            active,
            rate,
            (Severity::High, th.error_rate_high),
            (Severity::Critical, th.error_rate_critical),
        ) else {
            continue;
        };
        out.push(Condition {
            rule: Rule::ErrorRate,
            subject: op.name.clone(),
            severity,
            message: format!(
                "{} failing {:.1} % of calls (threshold {} %)",
                op.name,
                rate * 100.0,
                plain_number(threshold * 100.0)
            ),
            value: rate * 100.0,
            threshold: threshold * 100.0,
        });
    }
}

fn cache_hit_rate(input: &AlertInput<'_>, out: &mut Vec<Condition>) {
    let th = &input.thresholds;
    for c in input.caches {
        if c.lookups() < th.min_cache_lookups.max(1) {
            continue;
        }
        let Some(rate) = c.hit_rate() else { continue };
        // Judged on the miss rate, so the hysteresis margin has one meaning.
        let active = input.is_active(Rule::CacheHitRate, &c.name);
        let Some((severity, missed)) = grade_above(
            input,
            active,
            1.0 - rate,
            (Severity::Medium, 1.0 - th.cache.warning),
            (Severity::High, 1.0 - th.cache.critical),
        ) else {
            continue;
        };
        let threshold = 1.0 - missed;
        out.push(Condition {
            rule: Rule::CacheHitRate,
            subject: c.name.clone(),
            severity,
            message: format!(
                "cache {} hitting {:.1} % of lookups (threshold {} %, target {} %)",
                c.name,
                rate * 100.0,
                plain_number(threshold * 100.0),
                plain_number(th.cache.target * 100.0)
            ),
            value: rate * 100.0,
            threshold: threshold * 100.0,
        });
    }
}

fn degradation(input: &AlertInput<'_>, out: &mut Vec<Condition>) {
    let th = &input.thresholds;
    for d in input.degradations {
        let Some(growth) = d.growth() else { continue };
        let subject = format!("{} {}", d.operation, d.metric);
        let active = input.is_active(Rule::Degradation, &subject);
        let Some((severity, threshold)) = grade_above(
            input,
            active,
            growth,
            (Severity::Medium, th.degradation),
            (Severity::High, th.degradation_high),
        ) else {
            continue;
        };
        out.push(Condition {
            rule: Rule::Degradation,
            subject,
            severity,
            message: format!(
                "{} {} up {:.0} % ({:.1} ms -> {:.1} ms; threshold {} %)",
                d.operation,
                d.metric,
                growth * 100.0,
                d.previous_ms,
                d.current_ms,
                plain_number(threshold * 100.0)
            ),
            value: growth * 100.0,
            threshold: threshold * 100.0,
        });
    }
}

fn resource(input: &AlertInput<'_>, out: &mut Vec<Condition>) {
    let Some(m) = input.system else { return };
    let th = &input.thresholds;
    let checks = [
        ("cpu", "CPU", Some(m.cpu_percent), th.cpu_percent),
        (
            "memory",
            "memory",
            Some(m.memory_percent),
            th.memory_percent,
        ),
        ("disk", "disk", m.disk_percent, th.disk_percent),
    ];
    for (subject, label, value, limit) in checks {
        let Some(value) = value.filter(|v| v.is_finite()) else {
            continue;
        };
        let active = input.is_active(Rule::Resource, subject);
        let Some((severity, threshold)) = grade_above(
            input,
            active,
            value,
            (Severity::High, limit),
            (Severity::Critical, th.resource_critical_percent),
        ) else {
            continue;
        };
        out.push(Condition {
            rule: Rule::Resource,
            subject: subject.to_owned(),
            severity,
            message: format!(
                "{label} at {value:.1} % (threshold {} %)",
                plain_number(threshold)
            ),
            value,
            threshold,
        });
    }
}

fn n_plus_one(input: &AlertInput<'_>, out: &mut Vec<Condition>) {
    let n = input.thresholds.n_plus_one_calls;
    for p in input.requests {
        let subject = p.subject();
        let active = input.is_active(Rule::NPlusOne, &subject);
        let Some((severity, threshold)) = grade_above(
            input,
            active,
            p.calls_in_one_request as f64,
            (Severity::Medium, n as f64),
            (Severity::High, n.saturating_mul(5) as f64),
        ) else {
            continue;
        };
        let threshold = threshold as u64;
        out.push(Condition {
            rule: Rule::NPlusOne,
            message: format!(
                "{subject} called {} times in one request, in {} request{} (threshold {threshold}): likely an N+1 pattern",
                p.calls_in_one_request,
                p.requests,
                if p.requests == 1 { "" } else { "s" }
            ),
            subject,
            severity,
            value: p.calls_in_one_request as f64,
            threshold: threshold as f64,
        });
    }
}

fn throughput(input: &AlertInput<'_>, out: &mut Vec<Condition>) {
    let min = input.thresholds.min_items_per_second;
    if !(min > 0.0 && min.is_finite()) {
        return;
    }
    for op in judged_operations(input) {
        let Some(rate) = op.items_per_second() else {
            continue;
        };
        let active = input.is_active(Rule::Throughput, &op.name);
        // Low is bad: judged on the shortfall below the minimum.
        let holds = if active {
            rate < min * (1.0 + input.thresholds.hysteresis)
        } else {
            rate < min
        };
        if !holds {
            continue;
        }
        let severity = if rate < min / 2.0 {
            Severity::High
        } else {
            Severity::Medium
        };
        out.push(Condition {
            rule: Rule::Throughput,
            subject: op.name.clone(),
            severity,
            message: format!(
                "{} processing {rate:.1} items/s (minimum {} items/s)",
                op.name,
                plain_number(min)
            ),
            value: rate,
            threshold: min,
        });
    }
}

fn minutes_text(m: u32) -> String {
    if m.is_multiple_of(60) {
        format!("{} h", m / 60)
    } else {
        format!("{m} min")
    }
}

fn burn_rate(input: &AlertInput<'_>, out: &mut Vec<Condition>) {
    let min_calls = input.thresholds.min_calls.max(1);
    for b in input.budgets {
        for r in &b.readings {
            let subject = format!("{} {}", b.subject, r.pair.name());
            let active = input.is_active(Rule::BurnRate, &subject);
            let f = r.window.factor;
            if r.long_calls < min_calls
                || !input.exceeds(active, r.long_burn, f)
                || !input.exceeds(active, r.short_burn, f)
            {
                continue;
            }
            out.push(burn_condition(b, r, subject));
        }
    }
}

fn burn_condition(
    b: &crate::objective::BudgetBurn,
    r: &crate::objective::BurnReading,
    subject: String,
) -> Condition {
    let w = r.window;
    Condition {
        rule: Rule::BurnRate,
        subject,
        severity: r.severity,
        message: format!(
            "{} burning its error budget at {:.1}x over {} and {:.1}x over {} \
             (threshold {}x; objective {} % within {} ms)",
            b.subject,
            r.long_burn,
            minutes_text(w.long_minutes),
            r.short_burn,
            minutes_text(w.short_minutes),
            plain_number(w.factor),
            plain_number(b.objective * 100.0),
            plain_number(b.target_ms),
        ),
        value: r.long_burn.min(r.short_burn),
        threshold: w.factor,
    }
}

#[cfg(test)]
mod tests;
