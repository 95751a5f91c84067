//! Level bounds of a registry: configured per kind, the kinds' own tables,
//! and the fallback of kinds without one (cold path: read when an operation
//! is registered).

use super::Registry;
use crate::kind::Kind;
use crate::level::LevelBounds;
use crate::sync::{read, write};
use std::collections::BTreeMap;

/// Whether `kind` has a level table of its own (see [`LevelBounds::for_kind`]);
/// the others share the registry's fallback bounds.
pub(crate) fn has_own_bounds(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::Authentication | Kind::Authorization | Kind::DatabaseQuery | Kind::ApiResponse
    )
}

impl Registry {
    /// The level bounds used for `kind`: configured ones, else the kind's
    /// defaults ([`LevelBounds::for_kind`]; for kinds without a table of their
    /// own, [`Registry::fallback_level_bounds`]).
    pub fn level_bounds(&self, kind: &Kind) -> LevelBounds {
        read(&self.bounds)
            .get(kind)
            .copied()
            .unwrap_or_else(|| self.default_level_bounds(kind))
    }

    fn default_level_bounds(&self, kind: &Kind) -> LevelBounds {
        if has_own_bounds(kind) {
            LevelBounds::for_kind(kind)
        } else {
            *read(&self.fallback_bounds)
        }
    }

    /// The level bounds set with [`Registry::set_level_bounds`], by kind.
    pub fn configured_level_bounds(&self) -> BTreeMap<Kind, LevelBounds> {
        read(&self.bounds)
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    /// The bounds of kinds without a table of their own and without
    /// configured bounds ([`LevelBounds::DEFAULT`] unless set).
    pub fn fallback_level_bounds(&self) -> LevelBounds {
        *read(&self.fallback_bounds)
    }

    /// Sets the bounds of kinds without a table of their own and without
    /// configured bounds, for existing and future operations. Fails (and
    /// changes nothing) when the bounds do not strictly increase.
    pub fn set_fallback_level_bounds(&self, bounds: LevelBounds) {
        *write(&self.fallback_bounds) = bounds;
        let configured = self.configured_level_bounds();
        for e in self.operations.iter() {
            let kind = e.value().kind();
            if !has_own_bounds(kind) && !configured.contains_key(kind) {
                e.value().set_level_bounds(bounds);
            }
        }
        if let Some(o) = self.overflow.get() {
            if !configured.contains_key(o.kind()) {
                o.set_level_bounds(bounds);
            }
        }
    }

    /// Sets the level bounds of `kind`, for existing and future operations.
    ///
    /// Fails (and changes nothing) when the bounds do not strictly increase.
    pub fn set_level_bounds(&self, kind: Kind, bounds: LevelBounds) -> Result<(), String> {
        bounds
            .validate()
            .map_err(|e| format!("level bounds for kind `{kind}`: {e}"))?;
        for e in self.operations.iter() {
            if e.value().kind() == &kind {
                e.value().set_level_bounds(bounds);
            }
        }
        write(&self.bounds).insert(kind, bounds);
        Ok(())
    }
}
