//! [`RegistryExt`]: the analysis read as methods of a registry.

use crate::export::Format;
use crate::{
    AlertEngine, Benchmark, BenchmarkReport, CacheTarget, ComplianceReport, Config, ConfigError,
    HealthReport, Recommendation, Report, ReportOptions, SlowOperation, Target, Trend, TrendRules,
};
use perfmon_core::{Kind, Registry, Window};
use std::collections::BTreeMap;
use std::time::SystemTime;

/// The analysis of a [`Registry`], as methods: `reg.compliance()`,
/// `reg.report(..)`, `reg.set_target(..)`, ...
///
/// The registry is the core's; this trait only reads its public data and
/// keeps the analysis state (targets, the cache target, the applied
/// [`Config`]) in a value of the analysis attached to that registry
/// ([`Registry::extension`]), so two registries are configured apart.
/// Implemented for [`Registry`] only.
///
/// ```
/// use perfmon_analysis::RegistryExt;
/// use perfmon_core::{Kind, Registry};
/// use std::time::Duration;
///
/// let reg = Registry::new();
/// reg.record("db.get_user", Kind::DatabaseQuery, Duration::from_millis(12));
/// assert!(reg.compliance().overall.is_some());
/// ```
pub trait RegistryExt: sealed::Sealed {
    /// [`compliance`](crate::compliance()) of this registry's operations and caches, against its
    /// targets ([`Registry::target`](crate::RegistryExt::target), [`Registry::cache_target`](crate::RegistryExt::cache_target)).
    ///
    /// ```
    /// # use perfmon_analysis::RegistryExt as _;
    /// use perfmon_analysis::{Grade, Target};
    /// use perfmon_core::{Kind, Registry};
    /// use std::time::Duration;
    ///
    /// let reg = Registry::new();
    /// reg.set_target(Kind::Authentication, Target::scaled(Duration::from_millis(30))).unwrap();
    /// reg.record("auth.login", Kind::Authentication, Duration::from_millis(28));
    /// reg.record("auth.login", Kind::Authentication, Duration::from_millis(45));
    /// let l1 = reg.cache("L1");
    /// (0..20).for_each(|i| l1.record(i != 0)); // 95 %
    /// let report = reg.compliance();
    /// assert_eq!(report.kinds[0].within_target, 1);
    /// assert_eq!(report.overall.unwrap().grade, Grade::F); // 50 %
    /// assert!(report.caches[0].meets_target);
    /// ```
    fn compliance(&self) -> ComplianceReport;

    /// [`health`](crate::health()) of this registry's operations and caches,
    /// against its targets, over its analysis window (the last
    /// [`Config::analysis_window_minutes`], 5 by default): a critical call
    /// makes the status critical while it is in the window, not for ever.
    /// Status and score come from the same snapshots and never contradict
    /// each other (a status caps the score: see the [`health`](mod@crate::health)
    /// module docs).
    ///
    /// ```
    /// # use perfmon_analysis::RegistryExt as _;
    /// use perfmon_analysis::{HealthStatus, ScoreBand};
    /// use perfmon_core::{Kind, Registry};
    /// use std::time::Duration;
    ///
    /// let reg = Registry::new();
    /// for ms in [10, 10, 10, 30] { // database_query: 30 ms is slow
    ///     reg.record("db.get_user", Kind::DatabaseQuery, Duration::from_millis(ms));
    /// }
    /// let h = reg.health();
    /// assert_eq!(h.status, HealthStatus::Warning); // 25 % slow
    /// let score = h.score.unwrap();
    /// assert_eq!(score.formula, 82); // (0.60 * 0.75 + 0.25 * 1.0) / 0.85
    /// assert_eq!(score.score, 79); // a warning allows 79 at most
    /// assert_eq!(score.band, ScoreBand::Good);
    /// ```
    fn health(&self) -> HealthReport;

    /// [`health`](crate::health()) over `window` ending at `now`
    /// (`Window::All`: every call since the start).
    ///
    /// ```
    /// # use perfmon_analysis::RegistryExt as _;
    /// use perfmon_analysis::HealthStatus;
    /// use perfmon_core::{Kind, Outcome, Registry, Window};
    /// use std::time::{Duration, SystemTime};
    ///
    /// let reg = Registry::new();
    /// let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    /// let at = |min: u64| t0 + Duration::from_secs(min * 60);
    /// let db = |ms, when| reg.record_at("db.q", Kind::DatabaseQuery, Duration::from_millis(ms), Outcome::Ok, None, when);
    /// db(900, at(0)); // one critical call
    /// for m in 1..=10 { db(5, at(m)); }
    /// let window = reg.analysis_window(); // the last 5 minutes
    /// assert_eq!(reg.health_at(window, at(2)).status, HealthStatus::Critical);
    /// assert_eq!(reg.health_at(window, at(10)).status, HealthStatus::Healthy); // recovered
    /// assert_eq!(reg.health_at(Window::All, at(10)).status, HealthStatus::Critical);
    /// ```
    fn health_at(&self, window: Window, now: SystemTime) -> HealthReport;

    /// The window the production views judge: the last
    /// [`Config::analysis_window_minutes`] of this registry's configuration.
    fn analysis_window(&self) -> Window;

    /// The report for `options`, ending now. Reads the global alert engine's
    /// state but does not evaluate rules.
    fn report(&self, options: &ReportOptions) -> Report;

    /// Evaluates the alert rules on `engine` at `now` (deduplicating,
    /// escalating, resolving; callbacks run) and returns the report, with
    /// this evaluation's events.
    fn analyze_with(
        &self,
        engine: &AlertEngine,
        options: &ReportOptions,
        now: SystemTime,
    ) -> Report;

    /// The report at `now` against `engine`, without evaluating alerts.
    fn report_at(&self, engine: &AlertEngine, options: &ReportOptions, now: SystemTime) -> Report;

    /// Every family of this registry in `format`, with the default
    /// [`PrometheusExport`](crate::export::PrometheusExport) (prefix `perfmon`): see there for the families.
    ///
    /// ```
    /// # use perfmon_analysis::RegistryExt as _;
    /// use perfmon_analysis::export::Format;
    /// use perfmon_core::{Kind, Registry};
    /// use std::time::Duration;
    ///
    /// let reg = Registry::new();
    /// reg.record("db.get_user", Kind::DatabaseQuery, Duration::from_millis(12));
    /// reg.cache("L1").hit();
    /// let text = reg.prometheus(Format::Prometheus);
    /// assert!(text.contains(
    ///     "perfmon_operation_calls_total{operation=\"db.get_user\",kind=\"database_query\"} 1\n"
    /// ));
    /// assert!(text.contains("perfmon_cache_hit_ratio{cache=\"L1\"} 1\n"));
    /// assert!(text.contains("perfmon_operations_refused_total 0\n"));
    /// ```
    fn prometheus(&self, format: Format) -> String;

    /// Validates `benchmarks` against the calls recorded in this registry:
    /// one [`BenchmarkRow`](crate::BenchmarkRow) per benchmark, in order.
    ///
    /// A benchmark passes when its statistic is at most the threshold
    /// (`observed <= threshold`) and, if `min_samples` is set, at least that
    /// many calls were recorded (calls of every outcome count). An operation
    /// with no calls is [`Verdict::NoData`](crate::Verdict::NoData), a failure whose reason names the
    /// closest recorded operations. An empty `benchmarks` gives a report
    /// with no rows that does not pass.
    ///
    /// ```
    /// # use perfmon_analysis::RegistryExt as _;
    /// use perfmon_analysis::{Benchmark, Verdict};
    /// use perfmon_core::{Kind, Registry};
    /// use std::time::Duration;
    ///
    /// let reg = Registry::new();
    /// for ms in [20, 30, 40] {
    ///     reg.record("parts.get_part", Kind::DatabaseQuery, Duration::from_millis(ms));
    /// }
    /// let report = reg.validate_benchmarks(&[Benchmark::new("parts.get_part", Duration::from_millis(50)).max()]);
    /// assert!(report.passed());
    /// assert_eq!(report.rows[0].observed_ms, Some(40.0));
    /// ```
    fn validate_benchmarks(&self, benchmarks: &[Benchmark]) -> BenchmarkReport;

    /// Sets the latency target of `kind` (used by compliance, grades and
    /// health). Fails, changing nothing, when the target is zero or not
    /// `target <= warning <= critical`.
    ///
    /// ```
    /// # use perfmon_analysis::RegistryExt as _;
    /// use perfmon_analysis::Target;
    /// use perfmon_core::{Kind, Registry};
    /// use std::time::Duration;
    /// let reg = Registry::new();
    /// reg.set_target(Kind::DatabaseQuery, Target::scaled(Duration::from_millis(10))).unwrap();
    /// assert_eq!(reg.target(&Kind::DatabaseQuery).target, Duration::from_millis(10));
    /// assert_eq!(reg.target(&Kind::Authentication), Target::for_kind(&Kind::Authentication));
    /// ```
    fn set_target(&self, kind: Kind, target: Target) -> Result<(), ConfigError>;

    /// The target of `kind`: the configured one, else [`Target::for_kind`].
    fn target(&self, kind: &Kind) -> Target;

    /// The targets set with [`Registry::set_target`](crate::RegistryExt::set_target) (or a [`Config`]), by kind.
    fn configured_targets(&self) -> BTreeMap<Kind, Target>;

    /// Sets the hit-rate target of caches. Fails, changing nothing, when a
    /// rate is outside 0..=1 or not `target >= warning >= critical`.
    fn set_cache_target(&self, target: CacheTarget) -> Result<(), ConfigError>;

    /// The hit-rate target of caches ([`CacheTarget::DEFAULT`] unless set).
    fn cache_target(&self) -> CacheTarget;

    /// Sets the objective of `kind`: the share of its calls that must be
    /// within its target (see [`objective`](crate::objective)). Fails,
    /// changing nothing, unless above 0 and below 1.
    ///
    /// ```
    /// # use perfmon_analysis::RegistryExt as _;
    /// use perfmon_core::{Kind, Registry};
    /// let reg = Registry::new();
    /// assert_eq!(reg.objective(&Kind::DatabaseQuery), 0.99);
    /// reg.set_objective(Kind::DatabaseQuery, 0.995).unwrap();
    /// assert_eq!(reg.objective(&Kind::DatabaseQuery), 0.995);
    /// assert!(reg.set_objective(Kind::DatabaseQuery, 1.0).is_err());
    /// ```
    fn set_objective(&self, kind: Kind, objective: f64) -> Result<(), ConfigError>;

    /// The objective of `kind` ([`DEFAULT_OBJECTIVE`](crate::objective::DEFAULT_OBJECTIVE), 0.99, unless set).
    fn objective(&self, kind: &Kind) -> f64;

    /// Gives `operation` an objective of its own: its error budget is then
    /// judged apart (its calls still count in its kind's). Fails, changing
    /// nothing, unless above 0 and below 1.
    fn set_operation_objective(&self, operation: &str, objective: f64) -> Result<(), ConfigError>;

    /// How fast each objective's error budget burns at `now`: per kind with
    /// calls, and per operation with an objective of its own, over the fast
    /// and slow pairs of windows (see [`objective`](crate::objective)).
    ///
    /// ```
    /// # use perfmon_analysis::RegistryExt as _;
    /// use perfmon_core::{Kind, Outcome, Registry};
    /// use std::time::{Duration, SystemTime};
    /// let reg = Registry::new();
    /// let now = SystemTime::now();
    /// for i in 0..100 {
    ///     let ms = if i < 30 { 80 } else { 5 }; // 30 % above the 25 ms target
    ///     reg.record_at("db.q", Kind::DatabaseQuery, Duration::from_millis(ms), Outcome::Ok, None, now);
    /// }
    /// let burn = &reg.budget_burns(now)[0];
    /// assert_eq!(burn.subject, "database_query");
    /// assert!((burn.readings[0].short_burn - 30.0).abs() < 1e-9); // 30 % over a 1 % budget
    /// ```
    fn budget_burns(&self, now: SystemTime) -> Vec<crate::objective::BudgetBurn>;

    /// The active configuration: the last [`Config`] applied to this
    /// registry (else [`Config::default`]), with the values that can change
    /// on their own read live: `enabled`, `max_operations`, targets, level
    /// bounds and the cache target.
    ///
    /// ```
    /// # use perfmon_analysis::RegistryExt as _;
    /// let reg = perfmon_core::Registry::new();
    /// assert_eq!(reg.config().alerts.error_rate_high, 0.05);
    /// ```
    fn config(&self) -> Config;

    /// Trends of every operation with calls in either window, using the
    /// default [`TrendRules`](crate::TrendRules).
    fn trends(&self, minutes: u32, now: SystemTime) -> Vec<Trend>;

    /// Trends: the last `minutes` minutes ending at `now` against the
    /// `minutes` minutes before them.
    fn trends_with(&self, rules: &TrendRules, minutes: u32, now: SystemTime) -> Vec<Trend>;

    /// The report's slow operations alone (over `window` ending at `now`):
    /// those whose p95 is over their kind's target or whose level is slow
    /// or critical, worst first, without building the rest of a report.
    fn slow_operations(&self, window: Window, now: SystemTime) -> Vec<SlowOperation>;

    /// The report's recommendations alone (the calls of `window` and the
    /// trends of the last `trend_minutes`, ending at `now`), most urgent
    /// first, without building the rest of a report.
    fn recommendations(
        &self,
        window: Window,
        trend_minutes: u32,
        now: SystemTime,
    ) -> Vec<Recommendation>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for perfmon_core::Registry {}
}

impl RegistryExt for Registry {
    fn compliance(&self) -> ComplianceReport {
        crate::compliance::compliance_of(self)
    }

    fn health_at(&self, window: Window, now: SystemTime) -> HealthReport {
        crate::health::health_at_of(self, window, now)
    }

    fn analysis_window(&self) -> Window {
        Window::LastMinutes(self.config().analysis_window_minutes)
    }

    fn health(&self) -> HealthReport {
        self.health_at(self.analysis_window(), perfmon_core::clock::wall_now())
    }

    fn report(&self, options: &ReportOptions) -> Report {
        crate::report::report_of(self, options)
    }

    fn analyze_with(
        &self,
        engine: &AlertEngine,
        options: &ReportOptions,
        now: SystemTime,
    ) -> Report {
        crate::report::analyze_with_of(self, engine, options, now)
    }

    fn report_at(&self, engine: &AlertEngine, options: &ReportOptions, now: SystemTime) -> Report {
        crate::report::report_at_of(self, engine, options, now)
    }

    fn prometheus(&self, format: Format) -> String {
        crate::export::prometheus_of(self, format)
    }

    fn validate_benchmarks(&self, benchmarks: &[Benchmark]) -> BenchmarkReport {
        crate::benchmark::validate_benchmarks_of(self, benchmarks)
    }

    fn set_target(&self, kind: Kind, target: Target) -> Result<(), ConfigError> {
        crate::settings::set_target_of(self, kind, target)
    }

    fn target(&self, kind: &Kind) -> Target {
        crate::settings::target_of(self, kind)
    }

    fn configured_targets(&self) -> BTreeMap<Kind, Target> {
        crate::settings::configured_targets_of(self)
    }

    fn set_cache_target(&self, target: CacheTarget) -> Result<(), ConfigError> {
        crate::settings::set_cache_target_of(self, target)
    }

    fn cache_target(&self) -> CacheTarget {
        crate::settings::cache_target_of(self)
    }

    fn set_objective(&self, kind: Kind, objective: f64) -> Result<(), ConfigError> {
        crate::settings::set_objective_of(self, kind, objective)
    }

    fn objective(&self, kind: &Kind) -> f64 {
        crate::settings::objective_of(self, kind)
    }

    fn set_operation_objective(&self, operation: &str, objective: f64) -> Result<(), ConfigError> {
        crate::settings::set_operation_objective_of(self, operation, objective)
    }

    fn budget_burns(&self, now: SystemTime) -> Vec<crate::objective::BudgetBurn> {
        crate::objective::budget_burns_of(self, now)
    }

    fn config(&self) -> Config {
        crate::settings::config_of(self)
    }

    fn trends(&self, minutes: u32, now: SystemTime) -> Vec<Trend> {
        crate::trend::trends(self, minutes, now)
    }

    fn trends_with(&self, rules: &TrendRules, minutes: u32, now: SystemTime) -> Vec<Trend> {
        crate::trend::trends_with(self, rules, minutes, now)
    }

    fn slow_operations(&self, window: Window, now: SystemTime) -> Vec<SlowOperation> {
        crate::report::slow_operations_of(self, window, now)
    }

    fn recommendations(
        &self,
        window: Window,
        trend_minutes: u32,
        now: SystemTime,
    ) -> Vec<Recommendation> {
        crate::report::recommendations_of(self, window, trend_minutes, now)
    }
}
