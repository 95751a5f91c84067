//! What a registry is configured with beyond its operations: latency targets
//! per kind, the cache hit-rate target, the level bounds of kinds without a
//! table of their own, and the last [`Config`] applied.

use crate::config::{Config, ConfigError};
use crate::kind::Kind;
use crate::level::LevelBounds;
use crate::registry::Registry;
use crate::target::{CacheTarget, Target};
use std::collections::{BTreeMap, HashMap};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Configured values of one registry (cold path: read when an operation is
/// registered or a report is built, never per call).
#[derive(Debug)]
pub(crate) struct Settings {
    targets: RwLock<HashMap<Kind, Target>>,
    cache_target: RwLock<CacheTarget>,
    fallback_bounds: RwLock<LevelBounds>,
    config: RwLock<Option<Config>>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            targets: RwLock::new(HashMap::new()),
            cache_target: RwLock::new(CacheTarget::DEFAULT),
            fallback_bounds: RwLock::new(LevelBounds::DEFAULT),
            config: RwLock::new(None),
        }
    }
}

// A poisoned lock only means another thread panicked while holding it; the
// data (plain values, written whole) is still consistent.
pub(crate) fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|p| p.into_inner())
}

/// Whether `kind` has a level table of its own (see [`LevelBounds::for_kind`]);
/// the others share the fallback bounds, whose `slow` bound
/// [`Config::slow_threshold`] sets.
pub(crate) fn has_own_bounds(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::Authentication | Kind::Authorization | Kind::DatabaseQuery | Kind::ApiResponse
    )
}

impl Settings {
    pub(crate) fn fallback_bounds(&self) -> LevelBounds {
        *read(&self.fallback_bounds)
    }

    pub(crate) fn set_fallback_bounds(&self, bounds: LevelBounds) {
        *write(&self.fallback_bounds) = bounds;
    }
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

impl Registry {
    /// Sets the latency target of `kind` (used by compliance, grades and
    /// health). Fails, changing nothing, when the target is zero or not
    /// `target <= warning <= critical`.
    ///
    /// ```
    /// use perfmon_runtime::{Kind, Registry, Target};
    /// use std::time::Duration;
    /// let reg = Registry::new();
    /// reg.set_target(Kind::DatabaseQuery, Target::scaled(Duration::from_millis(10))).unwrap();
    /// assert_eq!(reg.target(&Kind::DatabaseQuery).target, Duration::from_millis(10));
    /// assert_eq!(reg.target(&Kind::Authentication), Target::for_kind(&Kind::Authentication));
    /// ```
    pub fn set_target(&self, kind: Kind, target: Target) -> Result<(), ConfigError> {
        check_target(&format!("targets.{kind}"), &target)?;
        write(&self.settings().targets).insert(kind, target);
        Ok(())
    }

    /// The target of `kind`: the configured one, else [`Target::for_kind`].
    pub fn target(&self, kind: &Kind) -> Target {
        read(&self.settings().targets)
            .get(kind)
            .copied()
            .unwrap_or_else(|| Target::for_kind(kind))
    }

    /// The targets set with [`Registry::set_target`] (or a [`Config`]), by kind.
    pub fn configured_targets(&self) -> BTreeMap<Kind, Target> {
        read(&self.settings().targets)
            .iter()
            .map(|(k, t)| (k.clone(), *t))
            .collect()
    }

    /// Sets the hit-rate target of caches. Fails, changing nothing, when a
    /// rate is outside 0..=1 or not `target >= warning >= critical`.
    pub fn set_cache_target(&self, target: CacheTarget) -> Result<(), ConfigError> {
        check_cache_target("cache_target", &target)?;
        *write(&self.settings().cache_target) = target;
        Ok(())
    }

    /// The hit-rate target of caches ([`CacheTarget::DEFAULT`] unless set).
    pub fn cache_target(&self) -> CacheTarget {
        *read(&self.settings().cache_target)
    }

    /// The active configuration: the last [`Config`] applied to this
    /// registry (else [`Config::default`]), with the values that can change
    /// on their own read live: `enabled`, `max_operations`, targets, level
    /// bounds and the cache target.
    ///
    /// ```
    /// let reg = perfmon_runtime::Registry::new();
    /// assert_eq!(reg.config().alerts.error_rate_high, 0.05);
    /// ```
    pub fn config(&self) -> Config {
        let mut c = read(&self.settings().config).clone().unwrap_or_default();
        c.enabled = crate::is_enabled();
        c.max_operations = self.max_operations();
        c.targets = self.configured_targets();
        c.level_bounds = self.configured_level_bounds();
        c.cache_target = self.cache_target();
        c.slow_threshold = self.settings().fallback_bounds().slow;
        c
    }

    pub(crate) fn store_config(&self, config: Config) {
        *write(&self.settings().config) = Some(config);
    }
}
