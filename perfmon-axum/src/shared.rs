//! Values the layer and the router are given: a registry, an alert engine,
//! HTTP statistics. Each is an `Arc` the application passes in
//! ([`RouterOptions::registry`](crate::RouterOptions::registry),
//! [`PerfmonLayer::registry`](crate::PerfmonLayer::registry), ...), or the
//! process-wide default when none is given.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// A value given as an `Arc`, or the process-wide default.
pub(crate) enum Handle<T: 'static> {
    /// The process-wide default (`registry()`, `alerts()`, `http_stats()`).
    Default(&'static T),
    /// A value the application gave.
    Given(Arc<T>),
}

impl<T> Clone for Handle<T> {
    fn clone(&self) -> Self {
        match self {
            Handle::Default(t) => Handle::Default(t),
            Handle::Given(t) => Handle::Given(t.clone()),
        }
    }
}

impl<T> Deref for Handle<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        match self {
            Handle::Default(t) => t,
            Handle::Given(t) => t,
        }
    }
}

impl<T> fmt::Debug for Handle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Handle::Default(_) => "process-wide default",
            Handle::Given(_) => "given",
        })
    }
}
