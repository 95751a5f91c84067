//! What the analysis keeps per registry: latency targets per kind, the
//! cache hit-rate target and the last [`Config`] applied. The core's
//! [`Registry`] holds it as an opaque extension ([`Registry::extension`])
//! and never reads it.

use crate::config::{Config, ConfigError};
use crate::target::{CacheTarget, Target};
use crate::RegistryExt;
use perfmon_core::sync::{read, write};
use perfmon_core::{Kind, Registry};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

/// The analysis state of one registry (cold path: read when a report is
/// built, never per call).
#[derive(Debug)]
pub(crate) struct Settings {
    targets: RwLock<HashMap<Kind, Target>>,
    cache_target: RwLock<CacheTarget>,
    config: RwLock<Option<Config>>,
    objectives: RwLock<HashMap<Kind, f64>>,
    operation_objectives: RwLock<BTreeMap<String, f64>>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            targets: RwLock::new(HashMap::new()),
            cache_target: RwLock::new(CacheTarget::DEFAULT),
            config: RwLock::new(None),
            objectives: RwLock::new(HashMap::new()),
            operation_objectives: RwLock::new(BTreeMap::new()),
        }
    }
}

/// The analysis state attached to `reg`.
fn settings(reg: &Registry) -> Arc<Settings> {
    reg.extension::<Settings>()
}

/// Checks a latency target: above zero, and target <= warning <= critical.
pub(crate) fn check_target(key: &str, t: &Target) -> Result<(), ConfigError> {
    if t.target.is_zero() {
        return Err(ConfigError::invalid(
            key,
            format!("{:?}", t.target),
            "a target above zero",
        ));
    }
    t.validate().map_err(|e| ConfigError::inconsistent(key, e))
}

/// Checks a cache target: each rate in 0..=1, and target >= warning >= critical.
pub(crate) fn check_cache_target(key: &str, t: &CacheTarget) -> Result<(), ConfigError> {
    for v in [t.target, t.warning, t.critical] {
        if !(0.0..=1.0).contains(&v) {
            return Err(ConfigError::invalid(key, v, "hit rates from 0 to 1"));
        }
    }
    if t.target >= t.warning && t.warning >= t.critical {
        Ok(())
    } else {
        Err(ConfigError::inconsistent(
            key,
            format!(
                "a cache target must satisfy target >= warning >= critical, got {} / {} / {}",
                t.target, t.warning, t.critical
            ),
        ))
    }
}

pub(crate) fn set_target_of(reg: &Registry, kind: Kind, target: Target) -> Result<(), ConfigError> {
    check_target(&format!("targets.{kind}"), &target)?;
    write(&settings(reg).targets).insert(kind, target);
    Ok(())
}

pub(crate) fn target_of(reg: &Registry, kind: &Kind) -> Target {
    read(&settings(reg).targets)
        .get(kind)
        .copied()
        .unwrap_or_else(|| Target::for_kind(kind))
}

pub(crate) fn configured_targets_of(reg: &Registry) -> BTreeMap<Kind, Target> {
    read(&settings(reg).targets)
        .iter()
        .map(|(k, t)| (k.clone(), *t))
        .collect()
}

pub(crate) fn set_cache_target_of(reg: &Registry, target: CacheTarget) -> Result<(), ConfigError> {
    check_cache_target("cache_target", &target)?;
    *write(&settings(reg).cache_target) = target;
    Ok(())
}

pub(crate) fn cache_target_of(reg: &Registry) -> CacheTarget {
    *read(&settings(reg).cache_target)
}

pub(crate) fn config_of(reg: &Registry) -> Config {
    let mut c = read(&settings(reg).config).clone().unwrap_or_default();
    c.enabled = perfmon_core::is_enabled();
    c.max_operations = reg.max_operations();
    c.targets = reg.configured_targets();
    c.level_bounds = reg.configured_level_bounds();
    c.cache_target = reg.cache_target();
    c.history_minutes = reg.history_minutes();
    c.objectives = configured_objectives_of(reg);
    c.slow_threshold = reg.fallback_level_bounds().slow;
    c
}

pub(crate) fn store_config(reg: &Registry, config: Config) {
    *write(&settings(reg).config) = Some(config);
}

/// Checks an objective: a share above 0 and below 1.
pub(crate) fn check_objective(key: &str, objective: f64) -> Result<(), ConfigError> {
    if crate::objective::valid_objective(objective) {
        Ok(())
    } else {
        Err(ConfigError::invalid(
            key,
            objective,
            crate::objective::EXPECT_OBJECTIVE,
        ))
    }
}

pub(crate) fn set_objective_of(
    reg: &Registry,
    kind: Kind,
    objective: f64,
) -> Result<(), ConfigError> {
    check_objective(&format!("objectives.{kind}"), objective)?;
    write(&settings(reg).objectives).insert(kind, objective);
    Ok(())
}

pub(crate) fn objective_of(reg: &Registry, kind: &Kind) -> f64 {
    read(&settings(reg).objectives)
        .get(kind)
        .copied()
        .unwrap_or(crate::objective::DEFAULT_OBJECTIVE)
}

pub(crate) fn configured_objectives_of(reg: &Registry) -> BTreeMap<Kind, f64> {
    read(&settings(reg).objectives)
        .iter()
        .map(|(k, o)| (k.clone(), *o))
        .collect()
}

pub(crate) fn set_operation_objective_of(
    reg: &Registry,
    operation: &str,
    objective: f64,
) -> Result<(), ConfigError> {
    check_objective(&format!("operation objective of {operation}"), objective)?;
    write(&settings(reg).operation_objectives).insert(operation.to_owned(), objective);
    Ok(())
}

pub(crate) fn operation_objectives_of(reg: &Registry) -> BTreeMap<String, f64> {
    read(&settings(reg).operation_objectives).clone()
}
