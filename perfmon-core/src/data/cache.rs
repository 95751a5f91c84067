//! Cache hit rates: one counter pair per named cache (L1, L2, L3 or any name).

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

#[repr(align(128))]
#[derive(Debug, Default)]
struct Padded(AtomicU64);

/// Hit and miss counters of one cache. Get it with [`Registry::cache`] (or
/// `perfmon::cache`) and keep the handle where lookups are hot: the name is
/// looked up once per `cache(...)` call.
///
/// [`Registry::cache`]: crate::Registry::cache
///
/// ```
/// let reg = perfmon_core::Registry::new();
/// let l1 = reg.cache("L1");
/// l1.hit();
/// l1.hit();
/// l1.miss();
/// let s = reg.cache_snapshot("L1").unwrap();
/// assert_eq!((s.hits, s.misses), (2, 1));
/// assert!((s.hit_rate().unwrap() - 2.0 / 3.0).abs() < 1e-12);
/// ```
#[derive(Debug, Default)]
pub struct CacheStats {
    hits: Padded,
    misses: Padded,
}

impl CacheStats {
    /// Counts a hit.
    #[inline]
    pub fn hit(&self) {
        self.hits.0.fetch_add(1, Relaxed);
    }

    /// Counts a miss.
    #[inline]
    pub fn miss(&self) {
        self.misses.0.fetch_add(1, Relaxed);
    }

    /// Counts a hit when `hit` is true, a miss otherwise.
    #[inline]
    pub fn record(&self, hit: bool) {
        if hit {
            self.hit()
        } else {
            self.miss()
        }
    }

    pub(crate) fn snapshot(&self, name: &str) -> CacheSnapshot {
        CacheSnapshot {
            name: name.to_owned(),
            hits: self.hits.0.load(Relaxed),
            misses: self.misses.0.load(Relaxed),
        }
    }

    pub(crate) fn reset(&self) {
        self.hits.0.store(0, Relaxed);
        self.misses.0.store(0, Relaxed);
    }
}

/// A shared handle to a cache's counters.
pub type CacheHandle = Arc<CacheStats>;

/// Hits and misses of one cache, as plain data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheSnapshot {
    /// The cache's name (`"L1"`, `"sessions"`, ...).
    pub name: String,
    /// Lookups that hit.
    pub hits: u64,
    /// Lookups that missed.
    pub misses: u64,
}

impl CacheSnapshot {
    /// Lookups counted.
    pub fn lookups(&self) -> u64 {
        self.hits + self.misses
    }

    /// Hits over lookups (0.0..=1.0); `None` before the first lookup.
    pub fn hit_rate(&self) -> Option<f64> {
        let n = self.lookups();
        (n > 0).then(|| self.hits as f64 / n as f64)
    }

    /// Adds another snapshot of the same cache.
    pub fn merge(&mut self, other: &CacheSnapshot) {
        self.hits += other.hits;
        self.misses += other.misses;
    }
}
