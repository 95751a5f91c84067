//! Reading `PERFMON_*` variables into a [`ConfigBuilder`] (the table is in
//! the [module docs](super)).

use super::build::{
    alert_fields, EXPECT_HISTORY, EXPECT_MAX_OPERATIONS, EXPECT_RETENTION, EXPECT_SLOW,
};
use super::{ConfigBuilder, ConfigError, MAX_RETENTION_MINUTES};
use perfmon_core::Kind;
use perfmon_core::LevelBounds;
use std::ffi::OsString;
use std::time::Duration;

const PREFIX: &str = "PERFMON_";

/// The variables with a fixed name (for "did you mean" suggestions).
const FIXED: [&str; 7] = [
    "PERFMON_ENABLED",
    "PERFMON_MAX_OPERATIONS",
    "PERFMON_RETENTION_MINUTES",
    "PERFMON_HISTORY_MINUTES",
    "PERFMON_ANALYSIS_WINDOW_MINUTES",
    "PERFMON_SLOW_THRESHOLD_MS",
    "PERFMON_CACHE_TARGET",
];

const EXPECT_BOOL: &str = "true/false, 1/0, yes/no or on/off";
const EXPECT_TARGET: &str = "milliseconds above 0";
const EXPECT_LEVELS: &str = "four increasing milliseconds: excellent,good,acceptable,slow";
const EXPECT_CACHE: &str = "a hit rate from 0 to 1";

impl ConfigBuilder {
    /// A builder from the process environment: the defaults, with every
    /// `PERFMON_*` variable applied. A variable whose value is not UTF-8 is
    /// an error too (never a panic, never skipped).
    pub fn from_env() -> Result<ConfigBuilder, ConfigError> {
        ConfigBuilder::from_os_vars(std::env::vars_os())
    }

    /// [`ConfigBuilder::from_env`] on given pairs (`std::env::vars` would
    /// panic on a value that is not UTF-8; this reports it).
    pub(crate) fn from_os_vars(
        vars: impl IntoIterator<Item = (OsString, OsString)>,
    ) -> Result<ConfigBuilder, ConfigError> {
        let mut utf8 = Vec::new();
        let mut legacy = Vec::new();
        for (k, v) in vars {
            let key = k.to_string_lossy().into_owned();
            if !key.starts_with(PREFIX) {
                if key.starts_with("PERFORMANCE_") {
                    legacy.push(key);
                }
                continue;
            }
            match v.into_string() {
                Ok(v) => utf8.push((key, v)),
                Err(v) => {
                    let value = v.to_string_lossy();
                    return Err(ConfigError::invalid(key, value, "UTF-8 text"));
                }
            }
        }
        super::legacy::announce(legacy.iter().map(String::as_str));
        ConfigBuilder::from_env_vars(utf8)
    }

    /// A builder from the given `(name, value)` pairs, read as environment
    /// variables: the defaults, with every `PERFMON_*` pair applied (other
    /// names are skipped).
    pub fn from_env_vars(
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<ConfigBuilder, ConfigError> {
        ConfigBuilder::default().with_env_vars(vars)
    }

    /// Applies `PERFMON_*` pairs over what this builder holds (so that the
    /// environment overrides the code).
    pub fn with_env_vars(
        mut self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<ConfigBuilder, ConfigError> {
        for (key, value) in vars {
            if key.starts_with(PREFIX) {
                self.apply_var(&key, value.trim())?;
            }
        }
        Ok(self)
    }

    fn apply_var(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        let bad = |expected: &str| ConfigError::invalid(key, value, expected);
        let field = match key {
            "PERFMON_ENABLED" => {
                self.config.enabled = parse_bool(value).ok_or_else(|| bad(EXPECT_BOOL))?;
                "enabled".to_owned()
            }
            "PERFMON_MAX_OPERATIONS" => {
                let n = value.parse::<usize>().ok().filter(|n| *n >= 1);
                self.config.max_operations = n.ok_or_else(|| bad(EXPECT_MAX_OPERATIONS))?;
                "max_operations".to_owned()
            }
            "PERFMON_RETENTION_MINUTES" => {
                let n = value.parse::<u32>().ok();
                let n = n.filter(|n| (1..=MAX_RETENTION_MINUTES).contains(n));
                self.config.retention_minutes = n.ok_or_else(|| bad(EXPECT_RETENTION))?;
                "retention_minutes".to_owned()
            }
            "PERFMON_HISTORY_MINUTES" => {
                let n = value.parse::<u32>().ok();
                let n = n.filter(|n| *n <= super::MAX_HISTORY_MINUTES);
                self.config.history_minutes = n.ok_or_else(|| bad(EXPECT_HISTORY))?;
                "history_minutes".to_owned()
            }
            "PERFMON_ANALYSIS_WINDOW_MINUTES" => {
                let n = value.parse::<u32>().ok();
                let n = n.filter(|n| (1..=MAX_RETENTION_MINUTES).contains(n));
                self.config.analysis_window_minutes = n.ok_or_else(|| bad(EXPECT_RETENTION))?;
                "analysis_window_minutes".to_owned()
            }
            "PERFMON_SLOW_THRESHOLD_MS" => {
                let d = parse_ms(value).filter(|d| *d > LevelBounds::DEFAULT.acceptable);
                self.config.slow_threshold = d.ok_or_else(|| bad(EXPECT_SLOW))?;
                "slow_threshold".to_owned()
            }
            "PERFMON_CACHE_TARGET" => {
                let r = value
                    .parse::<f64>()
                    .ok()
                    .filter(|r| (0.0..=1.0).contains(r));
                let r = r.ok_or_else(|| bad(EXPECT_CACHE))?;
                let t = &mut self.config.cache_target;
                t.target = r;
                t.warning = (r - 0.05).max(0.0);
                t.critical = (r - 0.10).max(0.0);
                "cache_target".to_owned()
            }
            _ => {
                if let Some(f) = alert_fields().into_iter().find(|f| f.env == key) {
                    let v = value.parse::<f64>().ok().filter(|v| (f.ok)(*v));
                    *(f.get)(&mut self.config.alerts) = v.ok_or_else(|| bad(f.expected))?;
                    f.field.to_owned()
                } else if let Some(kind) = kind_in(key, "PERFMON_TARGET_") {
                    let d = parse_ms(value).filter(|d| !d.is_zero());
                    let d = d.ok_or_else(|| bad(EXPECT_TARGET))?;
                    self.config.targets.remove(&kind);
                    self.durations.insert(kind.clone(), d);
                    format!("targets.{kind}")
                } else if let Some(kind) = key
                    .strip_prefix("PERFMON_OBJECTIVE_")
                    .filter(|k| !k.is_empty())
                    .map(|k| Kind::parse(&k.to_ascii_lowercase()))
                {
                    let o = value.parse::<f64>().ok();
                    let o = o.filter(|o| crate::objective::valid_objective(*o));
                    let o = o.ok_or_else(|| bad(crate::objective::EXPECT_OBJECTIVE))?;
                    self.config.objectives.insert(kind.clone(), o);
                    format!("objectives.{kind}")
                } else if let Some(kind) = kind_in(key, "PERFMON_LEVELS_") {
                    let b = parse_levels(value).ok_or_else(|| bad(EXPECT_LEVELS))?;
                    self.config.level_bounds.insert(kind.clone(), b);
                    format!("level_bounds.{kind}")
                } else {
                    return Err(ConfigError::UnknownKey {
                        key: key.to_owned(),
                        suggestion: suggest(key),
                    });
                }
            }
        };
        self.sources.insert(field, key.to_owned());
        Ok(())
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// Milliseconds (decimals allowed) as a duration; `None` when not a finite,
/// non-negative number that fits.
fn parse_ms(v: &str) -> Option<Duration> {
    let ms = v.parse::<f64>().ok()?;
    perfmon_core::units::duration_from_ms(ms)
}

fn parse_levels(v: &str) -> Option<LevelBounds> {
    let parts: Vec<Duration> = v
        .split(',')
        .map(|p| parse_ms(p.trim()))
        .collect::<Option<_>>()?;
    let [excellent, good, acceptable, slow] = parts.try_into().ok()?;
    let b = LevelBounds {
        excellent,
        good,
        acceptable,
        slow,
    };
    b.validate().ok().map(|()| b)
}

/// The kind named between `prefix` and `_MS`, lowercased: `PERFMON_TARGET_DATABASE_QUERY_MS`
/// is `database_query`.
fn kind_in(key: &str, prefix: &str) -> Option<Kind> {
    let middle = key.strip_prefix(prefix)?.strip_suffix("_MS")?;
    (!middle.is_empty()).then(|| Kind::parse(&middle.to_ascii_lowercase()))
}

/// The closest known variable to a misspelled one.
fn suggest(key: &str) -> Option<String> {
    for prefix in ["PERFMON_TARGET_", "PERFMON_LEVELS_"] {
        if let Some(rest) = key.strip_prefix(prefix) {
            return Some(if rest.is_empty() || rest == "MS" {
                format!("{prefix}<KIND>_MS")
            } else {
                format!("{key}_MS")
            });
        }
    }
    let alerts = alert_fields().map(|f| f.env);
    let known = FIXED.iter().chain(alerts.iter()).copied();
    crate::suggest::closest(key, known)
        .first()
        .map(|k| (*k).to_owned())
}

#[cfg(test)]
mod tests;
