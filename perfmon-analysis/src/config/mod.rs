//! Configuration: one [`Config`] built in code ([`Config::builder`]) or read
//! from `PERFMON_*` environment variables ([`Config::from_env`]), validated
//! whole, then applied to a registry ([`Config::apply_to`], or
//! [`ConfigBuilder::install`] for the global one).
//!
//! # Environment variables
//!
//! Values are trimmed; every `PERFMON_*` variable not listed is an error
//! naming it (a typo is never ignored), and so is every bad value.
//!
//! | variable | accepts | sets |
//! |---|---|---|
//! | `PERFMON_ENABLED` | `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off` (any case) | [`Config::enabled`] |
//! | `PERFMON_MAX_OPERATIONS` | a whole number >= 1 | [`Config::max_operations`] |
//! | `PERFMON_RETENTION_MINUTES` | a whole number from 1 to 1440 | [`Config::retention_minutes`] |
//! | `PERFMON_HISTORY_MINUTES` | a whole number from 0 to 10080 | [`Config::history_minutes`] |
//! | `PERFMON_ANALYSIS_WINDOW_MINUTES` | a whole number from 1 to 1440 | [`Config::analysis_window_minutes`] |
//! | `PERFMON_SLOW_THRESHOLD_MS` | milliseconds above 1000 | [`Config::slow_threshold`] |
//! | `PERFMON_TARGET_<KIND>_MS` | milliseconds above 0 | the target of `<kind>` (lowercased: `DATABASE_QUERY` is `database_query`, `BILLING` the custom kind `billing`); its warning and critical thresholds are the target times the latency factors below |
//! | `PERFMON_LEVELS_<KIND>_MS` | four increasing milliseconds, `excellent,good,acceptable,slow` | the level bounds of `<kind>` |
//! | `PERFMON_OBJECTIVE_<KIND>` | a share above 0 and below 1, such as 0.99 | the objective of `<kind>` ([`Config::objectives`]; see [`objective`](crate::objective)) |
//! | `PERFMON_CACHE_TARGET` | a hit rate from 0 to 1 | [`CacheTarget::target`]; warning and critical become 0.05 and 0.10 below it (not below 0) |
//! | `PERFMON_ALERT_ERROR_RATE_HIGH` | a rate above 0, at most 1 | [`AlertThresholds::error_rate_high`] (0.05) |
//! | `PERFMON_ALERT_ERROR_RATE_CRITICAL` | a rate above 0, at most 1 | [`AlertThresholds::error_rate_critical`] (0.20) |
//! | `PERFMON_ALERT_LATENCY_WARNING_FACTOR` | a factor >= 1 | [`AlertThresholds::latency_warning_factor`] (1.5) |
//! | `PERFMON_ALERT_LATENCY_CRITICAL_FACTOR` | a factor >= 1 | [`AlertThresholds::latency_critical_factor`] (2.0) |
//! | `PERFMON_ALERT_P95_WARNING_FACTOR` | a factor >= 1 | [`AlertThresholds::p95_warning_factor`] (2.0) |
//! | `PERFMON_ALERT_P95_CRITICAL_FACTOR` | a factor >= 1 | [`AlertThresholds::p95_critical_factor`] (3.0) |
//! | `PERFMON_ALERT_HYSTERESIS` | a fraction from 0 to 0.5 | [`AlertThresholds::hysteresis`] (0.1) |
//! | `PERFMON_ALERT_MIN_ITEMS_PER_SECOND` | items per second, 0 (off) or more | [`AlertThresholds::min_items_per_second`] (0) |
//! | `PERFMON_ALERT_DEGRADATION` | a number above 0 | [`AlertThresholds::degradation`] (0.5) |
//! | `PERFMON_ALERT_CPU_PERCENT` | a percentage above 0, at most 100 | [`AlertThresholds::cpu_percent`] (80) |
//! | `PERFMON_ALERT_MEMORY_PERCENT` | a percentage above 0, at most 100 | [`AlertThresholds::memory_percent`] (85) |
//!
//! The variables of the systems perfmon replaces (`PERFORMANCE_*`) are not
//! read; when one is set, [`Config::from_env`] says once which `PERFMON_*`
//! variable to use instead ([`LEGACY_VARIABLES`]).
//!
//! Besides each value's own range, [`ConfigBuilder::build`] checks that the
//! warning values do not exceed the critical ones (`error_rate_high <=
//! error_rate_critical`, `latency_warning_factor <= latency_critical_factor`,
//! `p95_warning_factor <= p95_critical_factor`),
//! naming the variable that set the refused value.

mod build;
mod env;
mod error;
mod legacy;
#[cfg(test)]
mod tests;

pub use build::ConfigBuilder;
pub use error::ConfigError;
pub use legacy::{legacy_notices, LEGACY_VARIABLES};

pub use crate::alert::AlertThresholds;
use crate::target::{CacheTarget, Target};
use crate::RegistryExt;
use perfmon_core::Kind;
use perfmon_core::LevelBounds;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// The longest retention, one day: `retention_minutes` accepts 1..=1440.
pub const MAX_RETENTION_MINUTES: u32 = 24 * 60;

/// The longest history, a week: `history_minutes` accepts 0..=10080.
pub const MAX_HISTORY_MINUTES: u32 = 7 * 24 * 60;

/// The minutes the production views judge by default: health status and
/// score, and [`analyze`](crate::analyze()) (alerts).
pub const DEFAULT_ANALYSIS_WINDOW_MINUTES: u32 = 5;

/// Everything perfmon can be configured with. Fields are public; a `Config`
/// built by hand is checked by [`Config::validate`] (and by
/// [`Config::apply_to`], which refuses an invalid one).
///
/// ```
/// # use perfmon_analysis::RegistryExt as _;
/// use perfmon_analysis::{Config, Target};
/// use perfmon_core::{Kind, Registry};
/// use std::time::Duration;
///
/// let config = Config::builder()
///     .max_operations(500)
///     .target(Kind::DatabaseQuery, Target::scaled(Duration::from_millis(10)))
///     .error_rate_high(0.02)
///     .build()
///     .unwrap();
/// let reg = Registry::new(); // `.install()` applies to the global registry
/// config.apply_to(&reg).unwrap();
/// assert_eq!(reg.max_operations(), 500);
/// assert_eq!(reg.target(&Kind::DatabaseQuery).target, Duration::from_millis(10));
/// assert_eq!(reg.config().alerts.error_rate_high, 0.02);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Whether recording is on (process-wide, see [`perfmon_core::set_enabled`]).
    pub enabled: bool,
    /// The cap on distinct operations ([`perfmon_core::DEFAULT_MAX_OPERATIONS`]).
    pub max_operations: usize,
    /// How far back time windows reach, in minutes (60; 1..=1440).
    pub retention_minutes: u32,
    /// Minutes of history kept in all (1440, a day; 0..=10080): per minute
    /// for the retention, then in 10-minute buckets (whose percentiles are
    /// within 3.7 %); at most the retention means no 10-minute buckets.
    pub history_minutes: u32,
    /// The window the production views judge (5 minutes; 1..=1440, read
    /// within the retention): health status and score, and the alerts of
    /// [`analyze`](crate::analyze()), judge the last N minutes, not every
    /// call since the process started. `Window::All` stays available where
    /// asked for explicitly.
    pub analysis_window_minutes: u32,
    /// The `slow` level bound of kinds without a level table of their own
    /// (processing, cache and custom kinds): 3000 ms by default; must exceed
    /// their `acceptable` bound, 1000 ms. Serialized in milliseconds.
    #[serde(with = "perfmon_core::units::serde_ms")]
    pub slow_threshold: Duration,
    /// Latency targets that replace the defaults of [`Target::for_kind`].
    pub targets: BTreeMap<Kind, Target>,
    /// Level bounds that replace the defaults of [`LevelBounds::for_kind`].
    pub level_bounds: BTreeMap<Kind, LevelBounds>,
    /// The hit-rate target of caches.
    pub cache_target: CacheTarget,
    /// Objectives per kind (the share of calls within target) that replace
    /// [`DEFAULT_OBJECTIVE`](crate::objective::DEFAULT_OBJECTIVE), 0.99.
    pub objectives: BTreeMap<Kind, f64>,
    /// Thresholds alerts are raised at.
    pub alerts: AlertThresholds,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            max_operations: perfmon_core::DEFAULT_MAX_OPERATIONS,
            retention_minutes: 60,
            history_minutes: perfmon_core::DEFAULT_HISTORY_MINUTES,
            analysis_window_minutes: DEFAULT_ANALYSIS_WINDOW_MINUTES,
            slow_threshold: LevelBounds::DEFAULT.slow,
            targets: BTreeMap::new(),
            level_bounds: BTreeMap::new(),
            cache_target: CacheTarget::DEFAULT,
            objectives: BTreeMap::new(),
            alerts: AlertThresholds::default(),
        }
    }
}

impl Config {
    /// A builder starting from the defaults.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// The configuration from the process environment (see the table in the
    /// [module docs](self)); variables not set keep their defaults.
    pub fn from_env() -> Result<Config, ConfigError> {
        ConfigBuilder::from_env()?.build()
    }

    /// Like [`Config::from_env`], from the given `(name, value)` pairs instead
    /// of the process environment (names not starting with `PERFMON_` are
    /// skipped).
    ///
    /// ```
    /// use perfmon_analysis::Config;
    /// use perfmon_core::Kind;
    /// use std::time::Duration;
    /// let vars = [("PERFMON_TARGET_BILLING_MS", "40"), ("HOME", "/root")];
    /// let c = Config::from_env_vars(vars.map(|(k, v)| (k.to_owned(), v.to_owned()))).unwrap();
    /// assert_eq!(c.target(&Kind::parse("billing")).target, Duration::from_millis(40));
    /// assert_eq!(c.target(&Kind::parse("billing")).critical, Duration::from_millis(80));
    /// ```
    pub fn from_env_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        ConfigBuilder::from_env_vars(vars)?.build()
    }

    /// The target of `kind`: the configured one, else [`Target::for_kind`].
    pub fn target(&self, kind: &Kind) -> Target {
        self.targets
            .get(kind)
            .copied()
            .unwrap_or_else(|| Target::for_kind(kind))
    }

    /// Checks every value; the error names the field (`max_operations`,
    /// `targets.billing`, `alerts.cpu_percent`, ...).
    pub fn validate(&self) -> Result<(), ConfigError> {
        build::validate(self, &|field| field.to_owned())
    }

    /// Applies the configuration to `reg`: its cap, targets, level bounds
    /// (with [`Config::slow_threshold`] for kinds without a table), cache
    /// target, and the config itself (read back with [`Registry::config`](crate::RegistryExt::config)).
    ///
    /// Validates first and changes nothing when invalid. Targets and bounds
    /// configured earlier and not named here stay. `enabled` is process-wide,
    /// so it is applied by [`Config::install`], not here.
    ///
    /// [`Registry::config`](crate::RegistryExt::config): perfmon_core::Registry::config
    pub fn apply_to(&self, reg: &perfmon_core::Registry) -> Result<(), ConfigError> {
        self.validate()?;
        reg.set_max_operations(self.max_operations);
        reg.set_retention_minutes(self.retention_minutes);
        reg.set_history_minutes(self.history_minutes);
        let fallback = LevelBounds {
            slow: self.slow_threshold,
            ..LevelBounds::DEFAULT
        };
        for (kind, bounds) in &self.level_bounds {
            reg.set_level_bounds(kind.clone(), *bounds)
                .map_err(|e| ConfigError::inconsistent(format!("level_bounds.{kind}"), e))?;
        }
        reg.set_fallback_level_bounds(fallback);
        for (kind, target) in &self.targets {
            reg.set_target(kind.clone(), *target)?;
        }
        reg.set_cache_target(self.cache_target)?;
        for (kind, objective) in &self.objectives {
            reg.set_objective(kind.clone(), *objective)?;
        }
        crate::settings::store_config(reg, self.clone());
        Ok(())
    }

    /// Applies the configuration to the global [`registry()`](perfmon_core::registry())
    /// and turns recording on or off ([`perfmon_core::set_enabled`]).
    pub fn install(&self) -> Result<(), ConfigError> {
        self.apply_to(perfmon_core::registry())?;
        perfmon_core::set_enabled(self.enabled);
        Ok(())
    }
}
