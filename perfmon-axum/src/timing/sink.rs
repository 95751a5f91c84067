//! [`Sink`]: where a layer records, its registry and its HTTP statistics.

use crate::shared::Handle;
use crate::stats::{http_stats, HttpStats};
use once_cell::sync::Lazy;
use perfmon_core::{registry, Registry};
use std::sync::Arc;

/// A layer's registry and HTTP statistics. The defaults are one `static`;
/// a layer given values of its own makes one `Sink` when it is configured
/// ([`PerfmonLayer::registry`](super::PerfmonLayer::registry),
/// [`http_stats`](super::PerfmonLayer::http_stats)) and never frees it,
/// like the routes that point to it: their number is bounded by how often
/// the program configures layers, not by requests. In exchange a request
/// holds a plain `&'static Sink`.
#[derive(Debug)]
pub(crate) struct Sink {
    pub(crate) registry: Handle<Registry>,
    pub(crate) http: Handle<HttpStats>,
}

static DEFAULT: Lazy<Sink> = Lazy::new(|| Sink {
    registry: Handle::Default(registry()),
    http: Handle::Default(http_stats()),
});

impl Sink {
    /// The process-wide registry and HTTP statistics.
    pub(crate) fn default_sink() -> &'static Sink {
        &DEFAULT
    }

    /// `self` with another registry.
    pub(crate) fn with_registry(&self, registry: Arc<Registry>) -> &'static Sink {
        Self::leak(Handle::Given(registry), self.http.clone())
    }

    /// `self` with other HTTP statistics.
    pub(crate) fn with_http(&self, http: Arc<HttpStats>) -> &'static Sink {
        Self::leak(self.registry.clone(), Handle::Given(http))
    }

    fn leak(registry: Handle<Registry>, http: Handle<HttpStats>) -> &'static Sink {
        Box::leak(Box::new(Sink { registry, http }))
    }
}
