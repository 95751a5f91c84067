//! The text against the first, plain exporter, kept here as the reference:
//! on random snapshots, caches, registries and writer samples, the exporter
//! writes exactly the bytes the reference writes.
//!
//! The reference reads each bucket with [`Histogram::count_below`], each
//! quantile with [`OperationSnapshot::quantile_ns`], and sanitizes, escapes
//! and formats every label and number of every line anew. It is slow on
//! purpose: it is the definition the exporter is held to.
//!
//! [`Histogram::count_below`]: perfmon_core::Histogram::count_below

use super::*;
use perfmon_core::{CacheSnapshot, Histogram, Kind, LevelBounds, LevelCounts, OperationSnapshot};
use proptest::prelude::*;
use std::time::Duration;

mod reference;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Operation, kind, cache and label names, hostile ones included.
fn text() -> impl Strategy<Value = String> {
    "\\PC{0,12}|[\"\\\\\n{}=,# a-z._:-]{0,8}"
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        proptest::sample::select(Kind::BUILT_IN.to_vec()),
        text().prop_map(|k| Kind::parse(&k)),
    ]
}

/// Durations anywhere, often within a few nanoseconds of an `le` bound.
fn nanos() -> impl Strategy<Value = u64> {
    let bounds: Vec<u64> = DEFAULT_BUCKETS_SECONDS
        .iter()
        .map(|s| (s * 1e9).round() as u64)
        .chain([15, 20, 100, 200, 300, 1_000, 3_000].map(|ms| ms * 1_000_000))
        .collect();
    prop_oneof![
        0u64..200,
        1_000u64..20_000_000_000,
        (proptest::sample::select(bounds), -70_000i64..70_000)
            .prop_map(|(b, d)| b.saturating_add_signed(d)),
        any::<u64>(),
    ]
}

/// A counter: usually small, sometimes past 2^53 (written as a float).
fn counter() -> impl Strategy<Value = u64> {
    prop_oneof![0u64..1_000, any::<u64>()]
}

prop_compose! {
    fn snapshot()(
        name in text(),
        kind in kind(),
        custom_bounds in proptest::option::of([nanos(), nanos(), nanos(), nanos()]),
        values in proptest::collection::vec(nanos(), 0..40),
        racy in 0u64..3,
        [errors, panics, cancelled] in [counter(), counter(), counter()],
        levels in [counter(), counter(), counter(), counter(), counter()],
        extra_sum in prop_oneof![Just(0u128), any::<u128>()],
        // Merged or hand-made snapshots: any min and max, even crossed.
        range in proptest::option::of((nanos(), nanos())),
    ) -> OperationSnapshot {
        let level_bounds = custom_bounds.map_or_else(
            || LevelBounds::for_kind(&kind),
            |[a, b, c, d]| LevelBounds {
                excellent: Duration::from_nanos(a),
                good: Duration::from_nanos(b),
                acceptable: Duration::from_nanos(c),
                slow: Duration::from_nanos(d),
            },
        );
        OperationSnapshot {
            name,
            kind,
            count: (values.len() as u64).saturating_sub(racy),
            errors,
            panics,
            cancelled,
            sum_ns: values.iter().map(|&v| u128::from(v)).sum::<u128>().saturating_add(extra_sum),
            items: 0,
            min_ns: range.map_or_else(|| values.iter().copied().min().unwrap_or(0), |r| r.0),
            max_ns: range.map_or_else(|| values.iter().copied().max().unwrap_or(0), |r| r.1),
            levels: LevelCounts::from_array(levels),
            level_bounds,
            histogram: Histogram::from_values(values),
            recent_failures: vec![],
            slowest: vec![],
        }
    }
}

prop_compose! {
    fn cache()(name in text(), hits in 0u64..1 << 62, misses in 0u64..1 << 62) -> CacheSnapshot {
        CacheSnapshot { name, hits, misses }
    }
}

/// Prefix, `le` bounds and quantiles: `(export, reference settings)`.
fn settings() -> impl Strategy<Value = (PrometheusExport, reference::Settings)> {
    let prefix = prop_oneof![Just("perfmon".to_owned()), "[a-z_:]{0,6}", "\\PC{0,4}"];
    let bucket = prop_oneof![0.0..20.0f64, Just(0.015), Just(1e-10), any::<f64>()];
    let buckets = prop_oneof![
        Just(DEFAULT_BUCKETS_SECONDS.to_vec()),
        proptest::collection::vec(bucket, 0..20),
    ];
    let quantile = prop_oneof![
        -0.5..1.5f64,
        Just(0.0),
        Just(0.999),
        Just(1.0),
        any::<f64>()
    ];
    let quantiles = prop_oneof![
        Just(DEFAULT_QUANTILES.to_vec()),
        proptest::collection::vec(quantile, 0..5),
    ];
    (prefix, buckets, quantiles).prop_map(|(prefix, buckets, quantiles)| {
        let export = PrometheusExport::new()
            .with_prefix(&prefix)
            .with_buckets(&buckets)
            .with_quantiles(&quantiles);
        let settings = reference::Settings::new(&prefix, &buckets, &quantiles);
        (export, settings)
    })
}

const FORMATS: [Format; 2] = [Format::Prometheus, Format::OpenMetrics];

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn snapshots_render_as_the_reference_renders_them(
        (export, settings) in settings(),
        snapshots in proptest::collection::vec(snapshot(), 0..8),
        caches in proptest::collection::vec(cache(), 0..4),
    ) {
        for format in FORMATS {
            let mut expected = reference::Text::default();
            reference::operations(&settings, &mut expected, &snapshots);
            reference::caches(&settings, &mut expected, &caches);
            let expected = expected.finish(format);
            prop_assert_eq!(export.render(&snapshots, &caches, format), expected);
        }
    }

    #[test]
    fn writer_samples_are_written_as_the_reference_writes_them(
        labels in proptest::collection::vec((text(), text()), 0..4),
        value in prop_oneof![any::<f64>(), (0u64..1 << 60).prop_map(|n| n as f64), Just(-0.0)],
        les in proptest::collection::vec((prop_oneof![0.0..100.0f64, any::<f64>()], 0u64..1_000), 0..6),
        (sum, count) in (any::<f64>(), any::<u64>()),
    ) {
        // Histogram buckets: increasing finite `le`, cumulative counts, and
        // sometimes an infinite `le` (skipped: `+Inf` is written from `count`).
        let mut buckets: Vec<(f64, u64)> = les.into_iter().filter(|(le, _)| !le.is_nan()).collect();
        buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
        buckets.dedup_by(|a, b| a.0 == b.0);
        let mut seen = 0;
        for b in &mut buckets {
            seen += b.1;
            b.1 = seen;
        }
        let histogram_labels: Vec<(&str, &str)> = labels
            .iter()
            .filter(|(k, _)| k != "le")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let labels: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();

        let mut w = PrometheusWriter::new(Format::Prometheus);
        w.gauge("g", "G.").sample(&labels, value).sample(&[], value);
        w.counter("c", "C.").sample(&labels, value);
        w.histogram("h", "H.").sample(&histogram_labels, &buckets, sum, count);

        let value_text = reference::format_value(value);
        let mut expected = "# HELP g G.\n# TYPE g gauge\n".to_owned();
        reference::push_sample(&mut expected, "g", "", &labels, None, &value_text);
        reference::push_sample(&mut expected, "g", "", &[], None, &value_text);
        expected.push_str("# HELP c_total C.\n# TYPE c_total counter\n");
        reference::push_sample(&mut expected, "c_total", "", &labels, None, &value_text);
        expected.push_str("# HELP h H.\n# TYPE h histogram\n");
        reference::push_histogram(&mut expected, "h", &histogram_labels, &buckets, sum, count);
        prop_assert_eq!(w.finish(), expected);
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// Families opened in any order, again after others, some never given
    /// a sample: each family's samples together, families in the order of
    /// their first opening, help from the first opening.
    #[test]
    fn interleaved_families_are_grouped_as_the_reference_groups_them(
        steps in proptest::collection::vec(
            (0usize..5, any::<bool>(), proptest::collection::vec((text(), text()), 0..3), any::<f64>()),
            0..30,
        ),
    ) {
        const HELP: [&str; 2] = ["First \"help\".", "Later help\\."];
        for format in FORMATS {
            let mut w = PrometheusWriter::new(format);
            let mut expected = reference::Text::default();
            let mut opened = [false; 5];
            for (family, sample, labels, value) in &steps {
                let help = HELP[usize::from(opened[*family])];
                opened[*family] = true;
                let labels: Vec<(&str, &str)> = labels
                    .iter()
                    .filter(|(k, _)| k != "le")
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let value_text = reference::format_value(*value);
                match family {
                    0 | 1 => {
                        let name = ["a", "b_total"][*family];
                        let mut c = w.counter(name, help);
                        let (sample_name, body) = expected.counter(name, help);
                        if *sample {
                            c.sample(&labels, *value);
                            reference::push_sample(body, &sample_name, "", &labels, None, &value_text);
                        }
                    }
                    2 | 3 => {
                        let name = ["c", "d:e"][*family - 2];
                        let mut g = w.gauge(name, help);
                        let (sample_name, body) = expected.named(name, "gauge", help);
                        if *sample {
                            g.sample(&labels, *value);
                            reference::push_sample(body, &sample_name, "", &labels, None, &value_text);
                        }
                    }
                    _ => {
                        let mut h = w.histogram("h", help);
                        let (name, body) = expected.named("h", "histogram", help);
                        if *sample {
                            let buckets = [(0.5, 1), (1.0, 2)];
                            h.sample(&labels, &buckets, *value, 3);
                            reference::push_histogram(body, &name, &labels, &buckets, *value, 3);
                        }
                    }
                }
            }
            prop_assert_eq!(w.finish(), expected.finish(format));
        }
    }
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn registries_render_as_the_reference_renders_them(
        (export, settings) in settings(),
        calls in proptest::collection::vec((0usize..6, kind(), nanos()), 0..60),
        names in proptest::collection::vec(text(), 6),
        cap in proptest::option::of(1usize..5),
        lookups in proptest::collection::vec((text(), any::<bool>()), 0..6),
    ) {
        let reg = perfmon_core::Registry::new();
        if let Some(cap) = cap {
            reg.set_max_operations(cap);
        }
        for (name, kind, ns) in calls {
            reg.record(&names[name], kind, Duration::from_nanos(ns));
        }
        for (cache, hit) in lookups {
            if hit {
                reg.cache(&cache).hit();
            } else {
                reg.cache(&cache).miss();
            }
        }
        for format in FORMATS {
            let mut expected = reference::Text::default();
            reference::registry(&settings, &mut expected, &reg);
            let expected = expected.finish(format);
            prop_assert_eq!(export.render_registry(&reg, format), expected);
        }
        let mut expected = reference::Text::default();
        reference::registry(&reference::Settings::new("perfmon", &DEFAULT_BUCKETS_SECONDS, &DEFAULT_QUANTILES), &mut expected, &reg);
        prop_assert_eq!(crate::RegistryExt::prometheus(&reg, Format::Prometheus), expected.finish(Format::Prometheus));
    }
}
