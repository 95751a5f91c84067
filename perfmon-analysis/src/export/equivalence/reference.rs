//! The first, plain exporter: every bucket read with `count_below`, every
//! label and number of every line sanitized, escaped and formatted anew.

use crate::export::escape::push_help;
use crate::export::{sanitize_label_name, sanitize_metric_name, Format};
use perfmon_core::{CacheSnapshot, Level, OperationSnapshot, Registry};

/// The settings of a `PrometheusExport`, as its builder filters them.
#[derive(Debug)]
pub struct Settings {
    pub prefix: String,
    pub buckets_ns: Vec<u64>,
    pub quantiles: Vec<f64>,
}

impl Settings {
    pub fn new(prefix: &str, buckets: &[f64], quantiles: &[f64]) -> Self {
        Settings {
            prefix: prefix.to_owned(),
            buckets_ns: buckets
                .iter()
                .filter(|s| s.is_finite() && **s > 0.0)
                .map(|s| (s * 1e9).round() as u64)
                .collect(),
            quantiles: quantiles
                .iter()
                .copied()
                .filter(|q| (0.0..=1.0).contains(q))
                .collect(),
        }
    }

    fn name(&self, family: &str) -> String {
        if self.prefix.is_empty() {
            family.to_owned()
        } else {
            format!("{}_{family}", self.prefix)
        }
    }
}

pub fn push_label_value(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

pub fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
        format!("{}", v as i64)
    } else {
        format!("{v:?}")
    }
}

pub fn push_sample(
    out: &mut String,
    name: &str,
    suffix: &str,
    labels: &[(&str, &str)],
    le: Option<&str>,
    value: &str,
) {
    out.push_str(name);
    out.push_str(suffix);
    let extra = le.map(|le| ("le", le));
    if !labels.is_empty() || extra.is_some() {
        out.push('{');
        for (i, (k, v)) in labels.iter().copied().chain(extra).enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&sanitize_label_name(k));
            out.push_str("=\"");
            push_label_value(out, v);
            out.push('"');
        }
        out.push('}');
    }
    out.push(' ');
    out.push_str(value);
    out.push('\n');
}

pub fn push_histogram(
    out: &mut String,
    name: &str,
    labels: &[(&str, &str)],
    buckets: &[(f64, u64)],
    sum: f64,
    count: u64,
) {
    for &(le, n) in buckets.iter().filter(|(le, _)| le.is_finite()) {
        let le = format!("{le:?}");
        push_sample(out, name, "_bucket", labels, Some(&le), &n.to_string());
    }
    let total = count.to_string();
    push_sample(out, name, "_bucket", labels, Some("+Inf"), &total);
    push_sample(out, name, "_sum", labels, None, &format_value(sum));
    push_sample(out, name, "_count", labels, None, &total);
}

fn buckets(settings: &Settings, s: &OperationSnapshot) -> Vec<(f64, u64)> {
    let mut bounds = settings.buckets_ns.clone();
    bounds.extend(s.level_bounds.as_nanos());
    bounds.sort_unstable();
    bounds.dedup();
    bounds
        .into_iter()
        .filter(|ns| *ns > 0)
        .map(|ns| {
            let n = s.histogram.count_below(ns.saturating_add(1));
            (ns as f64 / 1e9, n.min(s.count))
        })
        .collect()
}

/// Families in order: `(name, type, help, body)`.
#[derive(Default)]
pub struct Text(Vec<(String, &'static str, &'static str, String)>);

impl Text {
    /// The body of family `name`, added (with this type and help) if new.
    fn family(&mut self, name: &str, kind: &'static str, help: &'static str) -> &mut String {
        let i = match self.0.iter().position(|f| f.0 == name) {
            Some(i) => i,
            None => {
                self.0.push((name.to_owned(), kind, help, String::new()));
                self.0.len() - 1
            }
        };
        &mut self.0[i].3
    }

    /// A gauge or histogram family: its sample name and body.
    pub fn named(
        &mut self,
        name: &str,
        kind: &'static str,
        help: &'static str,
    ) -> (String, &mut String) {
        let name = sanitize_metric_name(name).into_owned();
        (name.clone(), self.family(&name, kind, help))
    }

    /// A counter family (named without `_total`): its sample name and body.
    pub fn counter(&mut self, name: &str, help: &'static str) -> (String, &mut String) {
        let name = sanitize_metric_name(name);
        let base = name.strip_suffix("_total").unwrap_or(&name).to_owned();
        (format!("{base}_total"), self.family(&base, "counter", help))
    }

    pub fn finish(self, format: Format) -> String {
        let mut out = String::new();
        for (name, kind, help, body) in self.0.iter().filter(|f| !f.3.is_empty()) {
            let name = match (*kind, format) {
                ("counter", Format::Prometheus) => format!("{name}_total"),
                _ => name.clone(),
            };
            out.push_str(&format!("# HELP {name} "));
            push_help(&mut out, help, format);
            out.push_str(&format!("\n# TYPE {name} {kind}\n{body}"));
        }
        if format == Format::OpenMetrics {
            out.push_str("# EOF\n");
        }
        out
    }
}

pub fn operations(settings: &Settings, text: &mut Text, snapshots: &[OperationSnapshot]) {
    let (name, body) = text.named(
        &settings.name("operation_duration_seconds"),
        "histogram",
        "Duration of each call, by operation.",
    );
    for s in snapshots {
        let labels = [("operation", s.name.as_str()), ("kind", s.kind.name())];
        let sum = s.sum_ns as f64 / 1e9;
        push_histogram(body, &name, &labels, &buckets(settings, s), sum, s.count);
    }
    type Count = fn(&OperationSnapshot) -> u64;
    let counters: [(&str, &'static str, Count); 4] = [
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
        let (name, body) = text.counter(&settings.name(family), help);
        for s in snapshots {
            let labels = [("operation", s.name.as_str()), ("kind", s.kind.name())];
            push_sample(
                body,
                &name,
                "",
                &labels,
                None,
                &format_value(value(s) as f64),
            );
        }
    }
    let (name, body) = text.counter(
        &settings.name("operation_level_calls"),
        "Calls per level (classified by the operation's kind's level bounds).",
    );
    for s in snapshots {
        for level in Level::ALL {
            let labels = [
                ("operation", s.name.as_str()),
                ("kind", s.kind.name()),
                ("level", level.name()),
            ];
            let value = format_value(s.levels.get(level) as f64);
            push_sample(body, &name, "", &labels, None, &value);
        }
    }
    let (name, body) = text.named(
        &settings.name("operation_latency_seconds"),
        "gauge",
        "Quantiles of call duration since start or reset (within 1 %).",
    );
    for s in snapshots {
        for &q in &settings.quantiles {
            if let Some(ns) = s.quantile_ns(q) {
                let p = ((q * 1000.0).round() / 10.0).to_string();
                let labels = [
                    ("operation", s.name.as_str()),
                    ("kind", s.kind.name()),
                    ("percentile", &p),
                ];
                let value = format_value(ns as f64 / 1e9);
                push_sample(body, &name, "", &labels, None, &value);
            }
        }
    }
}

pub fn caches(settings: &Settings, text: &mut Text, caches: &[CacheSnapshot]) {
    type Count = fn(&CacheSnapshot) -> u64;
    let families: [(&str, &'static str, Count); 2] = [
        ("cache_hits", "Cache lookups that hit.", |c| c.hits),
        ("cache_misses", "Cache lookups that missed.", |c| c.misses),
    ];
    for (family, help, value) in families {
        let (name, body) = text.counter(&settings.name(family), help);
        for c in caches {
            let v = format_value(value(c) as f64);
            push_sample(body, &name, "", &[("cache", &c.name)], None, &v);
        }
    }
    let (name, body) = text.named(
        &settings.name("cache_hit_ratio"),
        "gauge",
        "Hits over lookups since start or reset.",
    );
    for c in caches {
        if let Some(r) = c.hit_rate() {
            push_sample(
                body,
                &name,
                "",
                &[("cache", &c.name)],
                None,
                &format_value(r),
            );
        }
    }
}

pub fn registry(settings: &Settings, text: &mut Text, registry: &Registry) {
    operations(settings, text, &registry.snapshots());
    caches(settings, text, &registry.cache_snapshots());
    let (name, body) = text.named(
        &settings.name("operations"),
        "gauge",
        "Operations registered.",
    );
    push_sample(
        body,
        &name,
        "",
        &[],
        None,
        &format_value(registry.len() as f64),
    );
    let (name, body) = text.counter(
        &settings.name("operations_refused"),
        "Registrations refused by the cap on operations.",
    );
    let refused = format_value(registry.refused() as f64);
    push_sample(body, &name, "", &[], None, &refused);
}
