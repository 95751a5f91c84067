//! What rules read: plain slices of snapshots and findings, and thresholds.

use crate::objective::{BudgetBurn, BurnWindow};
use crate::system::SystemMetrics;
use crate::target::{CacheTarget, Target};
use perfmon_core::CacheSnapshot;
use perfmon_core::Kind;
use perfmon_core::{OperationSnapshot, RequestPattern};
use serde::{Deserialize, Serialize};

/// The thresholds of the alert rules (and of the recommendations that share
/// them). `Default` holds the documented numbers.
///
/// Latency thresholds are not here: they are the `warning` and `critical`
/// durations of each kind's [`Target`] (1.5x and 2x the target for the
/// built-in kinds), overridable per kind with [`AlertInput::targets`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlertThresholds {
    /// Failures (errors + panics) over calls above which an operation is
    /// failing: severity high. Default 0.05.
    pub error_rate_high: f64,
    /// The same, severity critical. Default 0.20.
    pub error_rate_critical: f64,
    /// A target set from a single duration (`PERFMON_TARGET_<KIND>_MS`,
    /// `ConfigBuilder::target_duration`) gets its `warning` at this multiple
    /// of the target. Default 1.5.
    pub latency_warning_factor: f64,
    /// ... and its `critical` at this multiple. Default 2.0.
    pub latency_critical_factor: f64,
    /// An operation whose p95 over the window is above this multiple of its
    /// kind's target raises a `latency_p95` alert, severity medium (the
    /// `max_p95_latency_ms` of the systems perfmon replaces, per kind).
    /// Default 2.0.
    pub p95_warning_factor: f64,
    /// ... and above this multiple, critical. Default 3.0.
    pub p95_critical_factor: f64,
    /// Operations with fewer calls in the window are not judged on their
    /// error rate or their p95. Default 10.
    pub min_calls: u64,
    /// Hit-rate thresholds of caches: below `warning` medium, below
    /// `critical` high. Default 0.95 / 0.90 / 0.85.
    pub cache: CacheTarget,
    /// Caches with fewer lookups are not judged. Default 20.
    pub min_cache_lookups: u64,
    /// Relative growth of a metric (current over previous, minus one) above
    /// which a degradation is raised: severity medium. Default 0.50.
    pub degradation: f64,
    /// The same, severity high. Default 1.0 (the metric doubled).
    pub degradation_high: f64,
    /// Machine CPU use in percent above which severity high. Default 80.
    pub cpu_percent: f64,
    /// Machine memory use in percent above which severity high. Default 85.
    pub memory_percent: f64,
    /// Disk use in percent above which severity high. Default 90.
    pub disk_percent: f64,
    /// Any resource above this percent is critical. Default 95.
    pub resource_critical_percent: f64,
    /// An operation that reports items (`record_items`) processing fewer
    /// per second of call time than this raises a `throughput` alert,
    /// severity medium (high below half of it). Default 0: off.
    pub min_items_per_second: f64,
    /// More calls of one operation in one request than this is an N+1
    /// pattern: severity medium (high above 5x). Default 10.
    pub n_plus_one_calls: u64,
    /// How far back past its threshold a figure must come before an active
    /// alert resolves, as a fraction of the threshold: with 0.1, a latency
    /// alert opened above 37.5 ms stays active until the mean is at most
    /// 33.75 ms, so a figure hovering at a threshold does not open and
    /// resolve an alert at every evaluation (for hit rates, the miss rate
    /// is judged this way). Default 0.1; 0 turns hysteresis off.
    pub hysteresis: f64,
    /// The fast pair of error-budget burn windows: both above its factor is
    /// critical. Default [`BurnWindow::FAST`] (60 and 5 minutes, 14.4).
    pub fast_burn: BurnWindow,
    /// The slow pair: both above its factor is high. Default
    /// [`BurnWindow::SLOW`] (360 and 30 minutes, 6; windows are bounded by
    /// the retention).
    pub slow_burn: BurnWindow,
}

impl Default for AlertThresholds {
    fn default() -> Self {
        AlertThresholds {
            error_rate_high: 0.05,
            error_rate_critical: 0.20,
            latency_warning_factor: 1.5,
            latency_critical_factor: 2.0,
            p95_warning_factor: 2.0,
            p95_critical_factor: 3.0,
            min_calls: 10,
            cache: CacheTarget::DEFAULT,
            min_cache_lookups: 20,
            degradation: 0.50,
            degradation_high: 1.0,
            cpu_percent: 80.0,
            memory_percent: 85.0,
            disk_percent: 90.0,
            resource_critical_percent: 95.0,
            min_items_per_second: 0.0,
            n_plus_one_calls: 10,
            hysteresis: 0.1,
            fast_burn: BurnWindow::FAST,
            slow_burn: BurnWindow::SLOW,
        }
    }
}

impl AlertThresholds {
    /// Checks that each pair is ordered (high <= critical, warning >=
    /// critical for hit rates, ...), rates lie in 0..=1 and percentages in
    /// 0..=100, so a configuration mistake is an error, not silent alerts.
    ///
    /// ```
    /// use perfmon_analysis::AlertThresholds;
    /// assert!(AlertThresholds::default().validate().is_ok());
    /// let bad = AlertThresholds { error_rate_high: 0.3, ..AlertThresholds::default() };
    /// assert!(bad.validate().unwrap_err().contains("error_rate_high"));
    /// ```
    pub fn validate(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        let mut ordered = |low: f64, high: f64, what: &str| {
            if !(low.is_finite() && high.is_finite() && low <= high) {
                problems.push(format!("{what} (got {low} and {high})"));
            }
        };
        ordered(
            self.error_rate_high,
            self.error_rate_critical,
            "error_rate_high must be at most error_rate_critical",
        );
        ordered(
            0.0,
            self.error_rate_high,
            "error_rate_high must be at least 0",
        );
        ordered(
            self.error_rate_critical,
            1.0,
            "error_rate_critical must be at most 1",
        );
        ordered(
            self.cache.critical,
            self.cache.warning,
            "cache.critical must be at most cache.warning",
        );
        ordered(
            self.cache.warning,
            self.cache.target,
            "cache.warning must be at most cache.target",
        );
        ordered(
            0.0,
            self.cache.critical,
            "cache.critical must be at least 0",
        );
        ordered(self.cache.target, 1.0, "cache.target must be at most 1");
        ordered(
            self.p95_warning_factor,
            self.p95_critical_factor,
            "p95_warning_factor must be at most p95_critical_factor",
        );
        ordered(
            1.0,
            self.p95_warning_factor,
            "p95_warning_factor must be at least 1",
        );
        ordered(0.0, self.hysteresis, "hysteresis must be at least 0");
        ordered(self.hysteresis, 0.5, "hysteresis must be at most 0.5");
        ordered(0.0, self.degradation, "degradation must be at least 0");
        ordered(
            self.degradation,
            self.degradation_high,
            "degradation must be at most degradation_high",
        );
        for (name, p) in [
            ("cpu_percent", self.cpu_percent),
            ("memory_percent", self.memory_percent),
            ("disk_percent", self.disk_percent),
        ] {
            ordered(0.0, p, &format!("{name} must be at least 0"));
            ordered(
                p,
                self.resource_critical_percent,
                &format!("{name} must be at most resource_critical_percent"),
            );
        }
        ordered(
            self.resource_critical_percent,
            100.0,
            "resource_critical_percent must be at most 100",
        );
        for (name, w) in [("fast_burn", self.fast_burn), ("slow_burn", self.slow_burn)] {
            if let Some(p) = w.problem() {
                problems.push(format!("{name}: {p}"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("invalid alert thresholds: {}", problems.join("; ")))
        }
    }
}

/// A metric of an operation that grew between two windows (found by the
/// trend analysis; rules take it as data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Degradation {
    /// Operation name.
    pub operation: String,
    /// Operation kind.
    pub kind: Kind,
    /// Which statistic: `"p95"`, `"mean"`, ...
    pub metric: String,
    /// Its value in the earlier window, in milliseconds.
    pub previous_ms: f64,
    /// Its value in the current window, in milliseconds.
    pub current_ms: f64,
}

impl Degradation {
    /// Relative growth (`0.5` = 50 % slower); `None` when there was no
    /// earlier value to compare with.
    pub fn growth(&self) -> Option<f64> {
        (self.previous_ms > 0.0 && self.current_ms.is_finite())
            .then(|| self.current_ms / self.previous_ms - 1.0)
    }
}

/// Everything the alert rules and the recommendations read: slices of plain
/// data, never the registry, so evaluation is a pure function.
///
/// ```
/// use perfmon_analysis::AlertInput;
/// use perfmon_core::{Kind, Registry};
/// use std::time::Duration;
///
/// let reg = Registry::new();
/// reg.record("auth.login", Kind::Authentication, Duration::from_millis(120));
/// let ops = reg.snapshots();
/// let caches = reg.cache_snapshots();
/// let input = AlertInput::new(&ops).caches(&caches);
/// assert_eq!(input.operations.len(), 1);
/// ```
#[derive(Debug, Clone, Default)]
pub struct AlertInput<'a> {
    /// Operations over the window.
    pub operations: &'a [OperationSnapshot],
    /// Caches over the window.
    pub caches: &'a [CacheSnapshot],
    /// Metrics that grew against an earlier window.
    pub degradations: &'a [Degradation],
    /// Repeated calls inside single requests.
    pub requests: &'a [RequestPattern],
    /// How fast the objectives' error budgets burn.
    pub budgets: &'a [BudgetBurn],
    /// The latest machine and process sample.
    pub system: Option<&'a SystemMetrics>,
    /// Per-kind targets overriding [`Target::for_kind`].
    pub targets: &'a [(Kind, Target)],
    /// Rule thresholds.
    pub thresholds: AlertThresholds,
    /// Ids of the alerts active before this evaluation, sorted: a rule keeps
    /// their conditions until the figure is back past the threshold by the
    /// [`hysteresis`](AlertThresholds::hysteresis) margin.
    /// [`AlertEngine::evaluate`](crate::AlertEngine::evaluate) fills it.
    pub active: &'a [String],
}

impl<'a> AlertInput<'a> {
    /// An input of operations only, with default thresholds.
    pub fn new(operations: &'a [OperationSnapshot]) -> Self {
        AlertInput {
            operations,
            ..AlertInput::default()
        }
    }

    /// With cache snapshots.
    pub fn caches(mut self, caches: &'a [CacheSnapshot]) -> Self {
        self.caches = caches;
        self
    }

    /// With degradation findings.
    pub fn degradations(mut self, degradations: &'a [Degradation]) -> Self {
        self.degradations = degradations;
        self
    }

    /// With per-request call patterns.
    pub fn requests(mut self, requests: &'a [RequestPattern]) -> Self {
        self.requests = requests;
        self
    }

    /// With error-budget burn rates.
    pub fn budgets(mut self, budgets: &'a [BudgetBurn]) -> Self {
        self.budgets = budgets;
        self
    }

    /// With a system sample.
    pub fn system(mut self, system: &'a SystemMetrics) -> Self {
        self.system = Some(system);
        self
    }

    /// With per-kind target overrides.
    pub fn targets(mut self, targets: &'a [(Kind, Target)]) -> Self {
        self.targets = targets;
        self
    }

    /// With thresholds other than the defaults.
    pub fn thresholds(mut self, thresholds: AlertThresholds) -> Self {
        self.thresholds = thresholds;
        self
    }

    /// With the ids of the alerts active now (sorted, as
    /// [`AlertEngine::active_ids`](crate::AlertEngine::active_ids) gives them).
    pub fn active(mut self, ids: &'a [String]) -> Self {
        self.active = ids;
        self
    }

    /// Whether the alert of `rule` on `subject` (id `"{rule}:{subject}"`)
    /// is active; no allocation.
    pub fn is_active(&self, rule: super::Rule, subject: &str) -> bool {
        let wanted = || rule.name().bytes().chain(*b":").chain(subject.bytes());
        self.active
            .binary_search_by(|id| id.bytes().cmp(wanted()))
            .is_ok()
    }

    /// Whether `value` is above `threshold` for a new alert, or above it
    /// less the hysteresis margin for an active one.
    pub(crate) fn exceeds(&self, active: bool, value: f64, threshold: f64) -> bool {
        if active {
            value > threshold * (1.0 - self.thresholds.hysteresis)
        } else {
            value > threshold
        }
    }

    /// The target of a kind: an override when given, else the default.
    pub fn target_for(&self, kind: &Kind) -> Target {
        self.targets
            .iter()
            .find(|(k, _)| k == kind)
            .map(|(_, t)| *t)
            .unwrap_or_else(|| Target::for_kind(kind))
    }
}
