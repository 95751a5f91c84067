//! The operation, cache and registry families, written from snapshots.

use super::escape::Labels;
use super::ladder::{Ladder, Ladders};
use super::{Format, PrometheusWriter};
use perfmon_core::CacheSnapshot;
use perfmon_core::Level;
use perfmon_core::OperationSnapshot;
use perfmon_core::Registry;

/// The default `le` bounds of the duration histogram, in seconds. Each
/// operation adds its four level bounds to these.
pub const DEFAULT_BUCKETS_SECONDS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The quantiles exported by default in `<prefix>_operation_latency_seconds`.
pub const DEFAULT_QUANTILES: [f64; 3] = [0.5, 0.95, 0.99];

/// What [`render_prometheus`] and [`Registry::prometheus`](crate::RegistryExt::prometheus) write, and how.
///
/// Families (with the default prefix `perfmon`):
///
/// | family | type | labels |
/// |---|---|---|
/// | `perfmon_operation_duration_seconds` | histogram | `operation`, `kind`, `le` |
/// | `perfmon_operation_calls_total` | counter | `operation`, `kind` |
/// | `perfmon_operation_errors_total` | counter | `operation`, `kind` |
/// | `perfmon_operation_panics_total` | counter | `operation`, `kind` |
/// | `perfmon_operation_cancelled_total` | counter | `operation`, `kind` |
/// | `perfmon_operation_level_calls_total` | counter | `operation`, `kind`, `level` |
/// | `perfmon_operation_latency_seconds` | gauge | `operation`, `kind`, `quantile` |
/// | `perfmon_cache_hits_total` | counter | `cache` |
/// | `perfmon_cache_misses_total` | counter | `cache` |
/// | `perfmon_cache_hit_ratio` | gauge | `cache` |
/// | `perfmon_operations` | gauge | (registry only) |
/// | `perfmon_operations_refused_total` | counter | (registry only) |
///
/// **Buckets.** The `le` bounds are [`DEFAULT_BUCKETS_SECONDS`] (or
/// [`with_buckets`]) plus the operation's four level bounds, deduplicated and
/// sorted, so `rate(..._bucket{le="0.015"})` reads "calls faster than
/// excellent" directly. Counts come from the operation's log-linear
/// histogram: a bucket lying below `le` counts fully, one straddling `le`
/// counts when its midpoint is at most `le`. Only values within 1/128 of a
/// bound (relative) can land on the wrong side of it; the level counters are
/// exact. A snapshot taken during concurrent calls can hold a histogram a few
/// calls ahead of its count: bucket counts are capped at `_count`.
///
/// **Quantiles.** `perfmon_operation_latency_seconds{percentile="95"}` is a
/// gauge of the operation's p95 since start (or the last reset), within 1 %;
/// operations without calls have none. For quantiles over a time window or
/// across instances, use `histogram_quantile` on the histogram instead.
///
/// [`with_buckets`]: PrometheusExport::with_buckets
///
/// ```
/// use perfmon_analysis::export::{Format, PrometheusExport};
/// use perfmon_core::{Kind, Registry};
/// use std::time::Duration;
///
/// let reg = Registry::new();
/// reg.record("db.get_user", Kind::DatabaseQuery, Duration::from_millis(12));
/// let text = PrometheusExport::new()
///     .with_prefix("shop")
///     .with_quantiles(&[0.9])
///     .render_registry(&reg, Format::Prometheus);
/// assert!(text.contains(
///     "shop_operation_duration_seconds_bucket{operation=\"db.get_user\",kind=\"database_query\",le=\"0.015\"} 1\n"
/// ));
/// assert!(text.contains("shop_operation_latency_seconds{operation=\"db.get_user\",kind=\"database_query\",percentile=\"90\"} 0.012\n"));
/// assert!(text.contains("shop_operations 1\n"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PrometheusExport {
    prefix: String,
    buckets_ns: Vec<u64>,
    quantiles: Vec<f64>,
}

impl Default for PrometheusExport {
    fn default() -> Self {
        Self::new()
    }
}

/// Reads one counter of a snapshot.
type Count = fn(&OperationSnapshot) -> u64;

fn seconds_to_ns(s: f64) -> u64 {
    (s * 1e9).round() as u64
}

pub(super) fn ns_to_seconds(ns: impl Into<u128>) -> f64 {
    ns.into() as f64 / 1e9
}

impl PrometheusExport {
    /// Prefix `perfmon`, [`DEFAULT_BUCKETS_SECONDS`], [`DEFAULT_QUANTILES`].
    pub fn new() -> Self {
        PrometheusExport {
            prefix: "perfmon".to_owned(),
            buckets_ns: DEFAULT_BUCKETS_SECONDS.map(seconds_to_ns).to_vec(),
            quantiles: DEFAULT_QUANTILES.to_vec(),
        }
    }

    /// Family names start with `prefix` and `_` (none when `prefix` is empty).
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.to_owned();
        self
    }

    /// The `le` bounds in seconds (nanosecond resolution); values that are
    /// not finite and positive are ignored. Level bounds are still added.
    pub fn with_buckets(mut self, seconds: &[f64]) -> Self {
        self.buckets_ns = seconds
            .iter()
            .filter(|s| s.is_finite() && **s > 0.0)
            .map(|s| seconds_to_ns(*s))
            .collect();
        self
    }

    /// The quantiles (0.0..=1.0) of the latency gauge; others are ignored.
    pub fn with_quantiles(mut self, quantiles: &[f64]) -> Self {
        self.quantiles = quantiles
            .iter()
            .copied()
            .filter(|q| (0.0..=1.0).contains(q))
            .collect();
        self
    }

    fn name(&self, family: &str) -> String {
        if self.prefix.is_empty() {
            family.to_owned()
        } else {
            format!("{}_{family}", self.prefix)
        }
    }

    /// The `(le in seconds, cumulative count)` pairs of one operation.
    pub fn buckets(&self, s: &OperationSnapshot) -> Vec<(f64, u64)> {
        let ladder = Ladder::new(&self.buckets_ns, &s.level_bounds);
        ladder
            .seconds()
            .iter()
            .copied()
            .zip(ladder.counts(s))
            .collect()
    }

    /// Writes the operation families of `snapshots` (one series per snapshot:
    /// merge snapshots of the same operation first).
    ///
    /// Each operation's labels are escaped once for all of its lines, and
    /// the `le` bounds worked out and formatted once per set of level bounds.
    pub fn write_operations(&self, w: &mut PrometheusWriter, snapshots: &[OperationSnapshot]) {
        let labels: Vec<Labels> = snapshots.iter().map(|s| Labels::new(&labels(s))).collect();
        let operations = || snapshots.iter().zip(labels.iter().map(Labels::as_str));
        let mut ladders = Ladders::new(&self.buckets_ns);
        let mut h = w.histogram(
            &self.name("operation_duration_seconds"),
            "Duration of each call, by operation.",
        );
        // The quantiles are read with the buckets, while the histogram is
        // in cache, and written after the counters.
        let mut quantiles = Vec::with_capacity(snapshots.len() * self.quantiles.len());
        for (s, l) in operations() {
            let buckets = ladders.get(&s.level_bounds).buckets(s);
            h.sample_escaped(l, buckets, ns_to_seconds(s.sum_ns), s.count);
            // Within the observed range, as `OperationSnapshot::quantile_ns`
            // has it (the equivalence tests compare the two).
            let range = |ns: u64| ns.clamp(s.min_ns, s.max_ns.max(s.min_ns));
            quantiles.extend(s.histogram.quantiles(&self.quantiles).map(|q| q.map(range)));
        }
        let counters: [(&str, &str, Count); 4] = [
            ("operation_calls", "Calls recorded (every outcome).", |s| {
                s.count
            }),
            ("operation_errors", "Calls that returned an error.", |s| {
                s.errors
            }),
            ("operation_panics", "Calls that panicked.", |s| s.panics),
            (
                "operation_cancelled",
                "Async calls dropped before completion.",
                |s| s.cancelled,
            ),
        ];
        for (family, help, value) in counters {
            let mut c = w.counter(&self.name(family), help);
            for (s, l) in operations() {
                c.sample_escaped(&[l], value(s) as f64);
            }
        }
        let mut c = w.counter(
            &self.name("operation_level_calls"),
            "Calls per level (classified by the operation's kind's level bounds).",
        );
        let levels = Level::ALL.map(|level| (level, Labels::new(&[("level", level.name())])));
        for (s, l) in operations() {
            for (level, level_label) in &levels {
                c.sample_escaped(&[l, level_label.as_str()], s.levels.get(*level) as f64);
            }
        }
        let mut g = w.gauge(
            &self.name("operation_latency_seconds"),
            "Quantiles of call duration since start or reset (within 1 %).",
        );
        // Not `quantile`: Prometheus keeps that label for summaries.
        let percentiles: Vec<Labels> = self
            .quantiles
            .iter()
            .map(|q| {
                let p = ((q * 1000.0).round() / 10.0).to_string();
                Labels::new(&[("percentile", &p)])
            })
            .collect();
        // One chunk of quantiles per operation (none without quantiles).
        let per_operation = quantiles.chunks(self.quantiles.len().max(1));
        for ((_, l), quantiles) in operations().zip(per_operation) {
            for (percentile, ns) in percentiles.iter().zip(quantiles) {
                if let Some(ns) = ns {
                    g.sample_escaped(&[l, percentile.as_str()], ns_to_seconds(*ns));
                }
            }
        }
    }

    /// Writes the cache families; the hit ratio only for caches with lookups.
    pub fn write_caches(&self, w: &mut PrometheusWriter, caches: &[CacheSnapshot]) {
        let mut c = w.counter(&self.name("cache_hits"), "Cache lookups that hit.");
        for s in caches {
            c.sample(&[("cache", &s.name)], s.hits as f64);
        }
        let mut c = w.counter(&self.name("cache_misses"), "Cache lookups that missed.");
        for s in caches {
            c.sample(&[("cache", &s.name)], s.misses as f64);
        }
        let mut g = w.gauge(
            &self.name("cache_hit_ratio"),
            "Hits over lookups since start or reset.",
        );
        for s in caches {
            if let Some(r) = s.hit_rate() {
                g.sample(&[("cache", &s.name)], r);
            }
        }
    }

    /// Writes every family of `registry`: its operations and caches, the
    /// number of registered operations and the registrations refused by the cap.
    pub fn write_registry(&self, w: &mut PrometheusWriter, registry: &Registry) {
        self.write_operations(w, &registry.snapshots());
        self.write_caches(w, &registry.cache_snapshots());
        w.gauge(&self.name("operations"), "Operations registered.")
            .sample(&[], registry.len() as f64);
        w.counter(
            &self.name("operations_refused"),
            "Registrations refused by the cap on operations.",
        )
        .sample(&[], registry.refused() as f64);
    }

    /// The operation and cache families of these snapshots, as text.
    pub fn render(
        &self,
        snapshots: &[OperationSnapshot],
        caches: &[CacheSnapshot],
        format: Format,
    ) -> String {
        let mut w = PrometheusWriter::new(format);
        self.write_operations(&mut w, snapshots);
        self.write_caches(&mut w, caches);
        w.finish()
    }

    /// Every family of `registry`, as text.
    pub fn render_registry(&self, registry: &Registry, format: Format) -> String {
        let mut w = PrometheusWriter::new(format);
        self.write_registry(&mut w, registry);
        w.finish()
    }
}

fn labels(s: &OperationSnapshot) -> [(&'static str, &str); 2] {
    [("operation", &s.name), ("kind", s.kind.name())]
}

/// The operation and cache families of snapshots (for example merged from
/// several processes) with the default [`PrometheusExport`].
pub fn render_prometheus(
    snapshots: &[OperationSnapshot],
    caches: &[CacheSnapshot],
    format: Format,
) -> String {
    PrometheusExport::new().render(snapshots, caches, format)
}
