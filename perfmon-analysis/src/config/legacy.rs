//! The variables of the monitoring systems perfmon replaces. perfmon does not
//! read them (their units and meanings differ), but when one is set it says,
//! once per variable and process, which `PERFMON_*` variable to use instead,
//! or that there is none: a setting that silently stopped working is worse
//! than an error.

use std::collections::BTreeSet;
use std::sync::Mutex;

/// Each replaced variable, and what to use instead (`None`: perfmon has no
/// such setting, and why).
pub const LEGACY_VARIABLES: [(&str, &str); 14] = [
    ("PERFORMANCE_MONITORING_ENABLED", "use PERFMON_ENABLED"),
    (
        "PERFORMANCE_METRICS_RETENTION",
        "use PERFMON_RETENTION_MINUTES (minutes of per-minute buckets) and PERFMON_HISTORY_MINUTES (minutes of history in all)",
    ),
    (
        "PERFORMANCE_SLOW_REQUEST_THRESHOLD_MS",
        "use PERFMON_TARGET_API_RESPONSE_MS (the target of requests; slow levels follow the kind's level bounds, PERFMON_LEVELS_API_RESPONSE_MS)",
    ),
    (
        "PERFORMANCE_COLLECT_DETAILED_METRICS",
        "perfmon has no such setting: per-call detail is always kept, bounded (PERFMON_ENABLED=false turns recording off)",
    ),
    (
        "PERFORMANCE_MAX_AVG_LATENCY_MS",
        "use PERFMON_TARGET_<KIND>_MS (per kind; the mean alerts at PERFMON_ALERT_LATENCY_WARNING_FACTOR times it)",
    ),
    (
        "PERFORMANCE_MAX_P95_LATENCY_MS",
        "use PERFMON_ALERT_P95_WARNING_FACTOR (the p95 threshold as a multiple of each kind's target)",
    ),
    (
        "PERFORMANCE_MAX_ERROR_RATE_PERCENT",
        "use PERFMON_ALERT_ERROR_RATE_HIGH (a rate from 0 to 1, not a percentage)",
    ),
    (
        "PERFORMANCE_MAX_QUERY_TIME_MS",
        "use PERFMON_TARGET_DATABASE_QUERY_MS",
    ),
    ("PERFORMANCE_MAX_CPU_PERCENT", "use PERFMON_ALERT_CPU_PERCENT"),
    (
        "PERFORMANCE_MAX_MEMORY_PERCENT",
        "use PERFMON_ALERT_MEMORY_PERCENT",
    ),
    (
        "PERFORMANCE_MONITORING_INTERVAL",
        "perfmon has no such variable: the interval is the argument of spawn_analyzer and spawn_system_sampler",
    ),
    (
        "PERFORMANCE_ALERT_THRESHOLDS",
        "perfmon has no such variable: each threshold has its own PERFMON_ALERT_* variable",
    ),
    (
        "PERFORMANCE_MAX_METRIC_HISTORY",
        "use PERFMON_HISTORY_MINUTES (minutes of history, not a number of entries)",
    ),
    (
        "PERFORMANCE_CLEANUP_INTERVAL_MINUTES",
        "perfmon has no such setting: old minutes leave the history as new ones arrive",
    ),
];

/// The notices for the replaced variables among `names`, in table order:
/// `"PERFORMANCE_MAX_CPU_PERCENT is not read by perfmon: use PERFMON_ALERT_CPU_PERCENT"`.
///
/// ```
/// let notices = perfmon_analysis::config::legacy_notices(["HOME", "PERFORMANCE_MAX_CPU_PERCENT"]);
/// assert_eq!(
///     notices,
///     ["PERFORMANCE_MAX_CPU_PERCENT is not read by perfmon: use PERFMON_ALERT_CPU_PERCENT"]
/// );
/// ```
pub fn legacy_notices<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let set: BTreeSet<&str> = names.into_iter().collect();
    LEGACY_VARIABLES
        .iter()
        .filter(|(name, _)| set.contains(name))
        .map(|(name, instead)| format!("{name} is not read by perfmon: {instead}"))
        .collect()
}

/// The replaced variables already announced in this process.
static ANNOUNCED: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());

/// Announces each replaced variable among `names` once per process (as a
/// `tracing` warning with the `tracing` feature, else on standard error);
/// returns the notices given now.
pub(crate) fn announce<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let set: BTreeSet<&str> = names.into_iter().collect();
    let mut announced = perfmon_core::sync::lock(&ANNOUNCED);
    let mut out = Vec::new();
    for (name, instead) in LEGACY_VARIABLES {
        if set.contains(name) && announced.insert(name) {
            let notice = format!("{name} is not read by perfmon: {instead}");
            #[cfg(feature = "tracing")]
            tracing::warn!(target: "perfmon", "{notice}");
            #[cfg(not(feature = "tracing"))]
            eprintln!("perfmon: {notice}");
            out.push(notice);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_replaced_variable_is_named_once_with_what_to_do() {
        let names: Vec<&str> = LEGACY_VARIABLES.iter().map(|(n, _)| *n).collect();
        let notices = legacy_notices(names.iter().copied());
        assert_eq!(notices.len(), 14);
        for (notice, name) in notices.iter().zip(&names) {
            assert!(notice.starts_with(name), "{notice}");
            assert!(
                notice.contains("use PERFMON_") || notice.contains("perfmon has no such"),
                "{notice}"
            );
        }
        assert!(legacy_notices(["PERFMON_ENABLED", "PATH"]).is_empty());
    }

    #[test]
    fn each_variable_is_announced_once_per_process() {
        let first = announce(["PERFORMANCE_MAX_MEMORY_PERCENT", "HOME"]);
        assert_eq!(
            first,
            ["PERFORMANCE_MAX_MEMORY_PERCENT is not read by perfmon: use PERFMON_ALERT_MEMORY_PERCENT"]
        );
        assert!(announce(["PERFORMANCE_MAX_MEMORY_PERCENT"]).is_empty());
    }

    #[test]
    fn reading_the_environment_announces_replaced_variables() {
        let vars = [
            ("PERFORMANCE_MONITORING_INTERVAL", "30"),
            ("PERFMON_ENABLED", "true"),
        ]
        .map(|(k, v)| (k.into(), v.into()));
        let built = crate::config::ConfigBuilder::from_os_vars(vars);
        assert!(built.is_ok(), "a replaced variable is not an error");
        // Already announced by the read above.
        assert!(announce(["PERFORMANCE_MONITORING_INTERVAL"]).is_empty());
    }
}
