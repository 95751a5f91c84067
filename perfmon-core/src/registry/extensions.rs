//! Typed values other layers attach to a registry.
//!
//! The recording core knows nothing of targets, configuration or alerts;
//! the analysis keeps those in types of its own and attaches one value of
//! each to the registry it judges, so that two registries in one process
//! (two apps, two tests) are configured apart. The core never reads them.
//! The model is `http::Extensions` and tracing-subscriber's span
//! extensions: one value per type, created on first use.

use super::Registry;
use crate::sync::{read, write};
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

type AnyValue = Arc<dyn Any + Send + Sync>;

/// One value per type (cold path: read when a layer above looks up its
/// state, never per call).
#[derive(Default)]
pub(crate) struct Extensions(RwLock<HashMap<TypeId, AnyValue>>);

impl Registry {
    /// The value of type `T` attached to this registry, created with
    /// `T::default()` on first use. Layers above the core (the analysis)
    /// keep their per-registry state here; the core never reads it.
    ///
    /// ```
    /// use perfmon_core::Registry;
    /// use std::sync::atomic::{AtomicU32, Ordering};
    ///
    /// #[derive(Default)]
    /// struct Evaluations(AtomicU32);
    ///
    /// let reg = Registry::new();
    /// reg.extension::<Evaluations>().0.fetch_add(1, Ordering::Relaxed);
    /// assert_eq!(reg.extension::<Evaluations>().0.load(Ordering::Relaxed), 1);
    /// assert_eq!(Registry::new().extension::<Evaluations>().0.load(Ordering::Relaxed), 0);
    /// ```
    pub fn extension<T: Any + Send + Sync + Default>(&self) -> Arc<T> {
        let id = TypeId::of::<T>();
        if let Some(v) = read(&self.extensions.0).get(&id) {
            return downcast(v.clone());
        }
        let v = write(&self.extensions.0)
            .entry(id)
            .or_insert_with(|| Arc::new(T::default()))
            .clone();
        downcast(v)
    }
}

fn downcast<T: Any + Send + Sync>(v: AnyValue) -> Arc<T> {
    match v.downcast::<T>() {
        Ok(t) => t,
        // The map is keyed by `TypeId::of::<T>()`, so the value is a `T`.
        Err(_) => unreachable!("extension stored under another type's id"),
    }
}
