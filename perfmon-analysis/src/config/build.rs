//! [`ConfigBuilder`] and the validation of a whole [`Config`].

use super::{AlertThresholds, Config, ConfigError, MAX_HISTORY_MINUTES, MAX_RETENTION_MINUTES};
use crate::settings::{check_cache_target, check_target};
use crate::target::{CacheTarget, Target};
use perfmon_core::Kind;
use perfmon_core::LevelBounds;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// Builds a [`Config`]: setters in code, `PERFMON_*` variables with
/// [`ConfigBuilder::from_env`] (or both: [`ConfigBuilder::with_env_vars`]
/// layers variables over what the code set), then [`ConfigBuilder::build`]
/// validates everything at once.
///
/// ```
/// use perfmon_analysis::Config;
/// use perfmon_core::Kind;
/// use std::time::Duration;
/// let err = Config::builder().retention_minutes(0).build().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     r#"retention_minutes: expected a whole number of minutes from 1 to 1440, got "0""#
/// );
/// let c = Config::builder()
///     .target_duration(Kind::Authentication, Duration::from_millis(40))
///     .latency_critical_factor(3.0)
///     .build()
///     .unwrap();
/// assert_eq!(c.target(&Kind::Authentication).critical, Duration::from_millis(120));
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct ConfigBuilder {
    pub(super) config: Config,
    /// Targets given as one duration: warning and critical come from the
    /// latency factors at build time.
    pub(super) durations: BTreeMap<Kind, Duration>,
    /// Field path -> environment variable that set it, so that errors found
    /// at build time name the variable.
    pub(super) sources: HashMap<String, String>,
}

macro_rules! alert_setters {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        pub fn $name(mut self, value: f64) -> Self {
            self.config.alerts.$name = value;
            self
        }
    )*};
}

impl ConfigBuilder {
    /// Turns recording on or off (applied by [`ConfigBuilder::install`]).
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.config.enabled = enabled;
        self
    }

    /// The cap on distinct operations (at least 1).
    pub fn max_operations(mut self, max: usize) -> Self {
        self.config.max_operations = max;
        self
    }

    /// How far back time windows reach, in minutes (1..=1440).
    pub fn retention_minutes(mut self, minutes: u32) -> Self {
        self.config.retention_minutes = minutes;
        self
    }

    /// Minutes of history kept in all (0..=10080; a day unless set): per
    /// minute for the retention, then in 10-minute buckets.
    pub fn history_minutes(mut self, minutes: u32) -> Self {
        self.config.history_minutes = minutes;
        self
    }

    /// The minutes health and alerts judge (1..=1440; default 5).
    pub fn analysis_window_minutes(mut self, minutes: u32) -> Self {
        self.config.analysis_window_minutes = minutes;
        self
    }

    /// The `slow` level bound of kinds without a table of their own (above
    /// their 1000 ms `acceptable` bound).
    pub fn slow_threshold(mut self, threshold: Duration) -> Self {
        self.config.slow_threshold = threshold;
        self
    }

    /// The latency target of `kind`, with its own warning and critical values.
    pub fn target(mut self, kind: Kind, target: Target) -> Self {
        self.durations.remove(&kind);
        self.config.targets.insert(kind, target);
        self
    }

    /// The latency target of `kind`; its warning and critical values are the
    /// target times the latency factors (1.5 and 2.0 unless set).
    pub fn target_duration(mut self, kind: Kind, target: Duration) -> Self {
        self.config.targets.remove(&kind);
        self.durations.insert(kind, target);
        self
    }

    /// The level bounds of `kind` (strictly increasing).
    pub fn level_bounds(mut self, kind: Kind, bounds: LevelBounds) -> Self {
        self.config.level_bounds.insert(kind, bounds);
        self
    }

    /// The objective of `kind`: the share of its calls that must be within
    /// its target (above 0, below 1; 0.99 unless set).
    pub fn objective(mut self, kind: Kind, objective: f64) -> Self {
        self.config.objectives.insert(kind, objective);
        self
    }

    /// The hit-rate target of caches.
    pub fn cache_target(mut self, target: CacheTarget) -> Self {
        self.config.cache_target = target;
        self
    }

    /// All alert thresholds at once.
    pub fn alerts(mut self, alerts: AlertThresholds) -> Self {
        self.config.alerts = alerts;
        self
    }

    alert_setters! {
        /// Share of failed calls that raises a warning (above 0, at most 1).
        error_rate_high;
        /// Share of failed calls that is critical (above 0, at most 1).
        error_rate_critical;
        /// Latency over target factor that raises a warning (>= 1).
        latency_warning_factor;
        /// Latency over target factor that is critical (>= 1).
        latency_critical_factor;
        /// p95 over target factor that raises a warning (>= 1; default 2).
        p95_warning_factor;
        /// p95 over target factor that is critical (>= 1; default 3).
        p95_critical_factor;
        /// Items per second below which an operation reporting items raises
        /// a throughput alert (0: off, the default).
        min_items_per_second;
        /// Fraction of a threshold a figure must come back past before an
        /// active alert resolves (0 to 0.5; default 0.1).
        hysteresis;
        /// Relative slow-down that counts as a degradation (above 0).
        degradation;
        /// CPU percentage that counts as pressure (above 0, at most 100).
        cpu_percent;
        /// Memory percentage that counts as pressure (above 0, at most 100).
        memory_percent;
    }

    /// Validates everything and returns the configuration. An error names the
    /// environment variable that set the refused value, else the field.
    pub fn build(self) -> Result<Config, ConfigError> {
        let name = |field: &str| {
            self.sources
                .get(field)
                .cloned()
                .unwrap_or_else(|| field.to_owned())
        };
        validate(&self.config, &name)?;
        let mut config = self.config.clone();
        // One cache target: the one alerts judge hit rates by is the configured one.
        config.alerts.cache = config.cache_target;
        let a = config.alerts;
        for (kind, d) in &self.durations {
            let key = name(&format!("targets.{kind}"));
            let scale = |f: f64| {
                Duration::try_from_secs_f64(d.as_secs_f64() * f).map_err(|_| {
                    ConfigError::invalid(&key, ms(*d), "a target that fits when multiplied")
                })
            };
            let target = Target {
                target: *d,
                warning: scale(a.latency_warning_factor)?,
                critical: scale(a.latency_critical_factor)?,
            };
            check_target(&key, &target)?;
            config.targets.insert(kind.clone(), target);
        }
        Ok(config)
    }

    /// Builds, then installs on the global registry ([`Config::install`]).
    pub fn install(self) -> Result<Config, ConfigError> {
        let config = self.build()?;
        config.install()?;
        Ok(config)
    }
}

/// A duration as milliseconds, the unit of every setting.
pub(super) fn ms(d: Duration) -> f64 {
    perfmon_core::units::duration_ms(d)
}

pub(super) const EXPECT_MAX_OPERATIONS: &str = "a whole number >= 1";
pub(super) const EXPECT_RETENTION: &str = "a whole number of minutes from 1 to 1440";
pub(super) const EXPECT_HISTORY: &str = "a whole number of minutes from 0 to 10080";
pub(super) const EXPECT_SLOW: &str =
    "milliseconds above 1000 (the acceptable bound of kinds without a level table)";

/// One alert threshold: its field, environment variable and range.
pub(super) struct AlertField {
    pub field: &'static str,
    pub env: &'static str,
    pub expected: &'static str,
    pub ok: fn(f64) -> bool,
    pub get: fn(&mut AlertThresholds) -> &mut f64,
}

const RATE: &str = "a rate above 0, at most 1";
const FACTOR: &str = "a factor >= 1";
const PERCENT: &str = "a percentage above 0, at most 100";

fn rate(v: f64) -> bool {
    v > 0.0 && v <= 1.0
}

fn factor(v: f64) -> bool {
    v >= 1.0 && v.is_finite()
}

fn percent(v: f64) -> bool {
    v > 0.0 && v <= 100.0
}

pub(super) fn alert_fields() -> [AlertField; 11] {
    [
        AlertField {
            field: "alerts.error_rate_high",
            env: "PERFMON_ALERT_ERROR_RATE_HIGH",
            expected: RATE,
            ok: rate,
            get: |a| &mut a.error_rate_high,
        },
        AlertField {
            field: "alerts.error_rate_critical",
            env: "PERFMON_ALERT_ERROR_RATE_CRITICAL",
            expected: RATE,
            ok: rate,
            get: |a| &mut a.error_rate_critical,
        },
        AlertField {
            field: "alerts.latency_warning_factor",
            env: "PERFMON_ALERT_LATENCY_WARNING_FACTOR",
            expected: FACTOR,
            ok: factor,
            get: |a| &mut a.latency_warning_factor,
        },
        AlertField {
            field: "alerts.latency_critical_factor",
            env: "PERFMON_ALERT_LATENCY_CRITICAL_FACTOR",
            expected: FACTOR,
            ok: factor,
            get: |a| &mut a.latency_critical_factor,
        },
        AlertField {
            field: "alerts.p95_warning_factor",
            env: "PERFMON_ALERT_P95_WARNING_FACTOR",
            expected: FACTOR,
            ok: factor,
            get: |a| &mut a.p95_warning_factor,
        },
        AlertField {
            field: "alerts.p95_critical_factor",
            env: "PERFMON_ALERT_P95_CRITICAL_FACTOR",
            expected: FACTOR,
            ok: factor,
            get: |a| &mut a.p95_critical_factor,
        },
        AlertField {
            field: "alerts.hysteresis",
            env: "PERFMON_ALERT_HYSTERESIS",
            expected: "a fraction from 0 to 0.5",
            ok: |v| (0.0..=0.5).contains(&v),
            get: |a| &mut a.hysteresis,
        },
        AlertField {
            field: "alerts.min_items_per_second",
            env: "PERFMON_ALERT_MIN_ITEMS_PER_SECOND",
            expected: "items per second, 0 (off) or more",
            ok: |v| v >= 0.0 && v.is_finite(),
            get: |a| &mut a.min_items_per_second,
        },
        AlertField {
            field: "alerts.degradation",
            env: "PERFMON_ALERT_DEGRADATION",
            expected: "a number above 0",
            ok: |v| v > 0.0 && v.is_finite(),
            get: |a| &mut a.degradation,
        },
        AlertField {
            field: "alerts.cpu_percent",
            env: "PERFMON_ALERT_CPU_PERCENT",
            expected: PERCENT,
            ok: percent,
            get: |a| &mut a.cpu_percent,
        },
        AlertField {
            field: "alerts.memory_percent",
            env: "PERFMON_ALERT_MEMORY_PERCENT",
            expected: PERCENT,
            ok: percent,
            get: |a| &mut a.memory_percent,
        },
    ]
}

/// Checks every value of `c`; `name` turns a field path into the key the
/// error names.
pub(super) fn validate(c: &Config, name: &dyn Fn(&str) -> String) -> Result<(), ConfigError> {
    if c.max_operations < 1 {
        let key = name("max_operations");
        return Err(ConfigError::invalid(
            key,
            c.max_operations,
            EXPECT_MAX_OPERATIONS,
        ));
    }
    if !(1..=MAX_RETENTION_MINUTES).contains(&c.retention_minutes) {
        let key = name("retention_minutes");
        return Err(ConfigError::invalid(
            key,
            c.retention_minutes,
            EXPECT_RETENTION,
        ));
    }
    if c.history_minutes > MAX_HISTORY_MINUTES {
        let key = name("history_minutes");
        return Err(ConfigError::invalid(key, c.history_minutes, EXPECT_HISTORY));
    }
    if !(1..=MAX_RETENTION_MINUTES).contains(&c.analysis_window_minutes) {
        let key = name("analysis_window_minutes");
        return Err(ConfigError::invalid(
            key,
            c.analysis_window_minutes,
            EXPECT_RETENTION,
        ));
    }
    if c.slow_threshold <= LevelBounds::DEFAULT.acceptable {
        let key = name("slow_threshold");
        return Err(ConfigError::invalid(key, ms(c.slow_threshold), EXPECT_SLOW));
    }
    for (kind, t) in &c.targets {
        check_target(&name(&format!("targets.{kind}")), t)?;
    }
    for (kind, b) in &c.level_bounds {
        b.validate()
            .map_err(|e| ConfigError::inconsistent(name(&format!("level_bounds.{kind}")), e))?;
    }
    check_cache_target(&name("cache_target"), &c.cache_target)?;
    for (kind, objective) in &c.objectives {
        crate::settings::check_objective(&name(&format!("objectives.{kind}")), *objective)?;
    }
    for (field, w) in [
        ("alerts.fast_burn", c.alerts.fast_burn),
        ("alerts.slow_burn", c.alerts.slow_burn),
    ] {
        if let Some(problem) = w.problem() {
            return Err(ConfigError::inconsistent(name(field), problem));
        }
    }
    let mut alerts = c.alerts;
    for f in alert_fields() {
        let v = *(f.get)(&mut alerts);
        if !(f.ok)(v) {
            return Err(ConfigError::invalid(name(f.field), v, f.expected));
        }
    }
    let a = &c.alerts;
    for (w, wv, cr, cv) in [
        (
            "alerts.error_rate_high",
            a.error_rate_high,
            "alerts.error_rate_critical",
            a.error_rate_critical,
        ),
        (
            "alerts.latency_warning_factor",
            a.latency_warning_factor,
            "alerts.latency_critical_factor",
            a.latency_critical_factor,
        ),
        (
            "alerts.p95_warning_factor",
            a.p95_warning_factor,
            "alerts.p95_critical_factor",
            a.p95_critical_factor,
        ),
    ] {
        if wv > cv {
            let message = format!("must not exceed {} ({cv}), got {wv}", name(cr));
            return Err(ConfigError::inconsistent(name(w), message));
        }
    }
    Ok(())
}
