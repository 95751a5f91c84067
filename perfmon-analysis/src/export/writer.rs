//! [`PrometheusWriter`]: families and samples in the text exposition formats.

use super::escape::{
    format_bound, push_count, push_help, push_value, sanitize_metric_name, Labels,
};
use super::Format;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MetricType {
    Counter,
    Gauge,
    Histogram,
}

impl MetricType {
    fn as_str(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
        }
    }
}

/// A family and its place in the text.
#[derive(Debug)]
struct FamilyText {
    /// The family name (a counter's without `_total`).
    name: String,
    kind: MetricType,
    help: String,
    /// Where the family's header and samples end in the text; before its
    /// first sample, where they will go.
    end: usize,
    /// Whether the header is written (the family has samples).
    started: bool,
}

impl FamilyText {
    /// Appends the `# HELP` and `# TYPE` lines.
    fn push_header(&self, out: &mut String, format: Format) {
        let total = match (self.kind, format) {
            (MetricType::Counter, Format::Prometheus) => "_total",
            _ => "",
        };
        out.push_str("# HELP ");
        out.push_str(&self.name);
        out.push_str(total);
        out.push(' ');
        push_help(out, &self.help, format);
        out.push_str("\n# TYPE ");
        out.push_str(&self.name);
        out.push_str(total);
        out.push(' ');
        out.push_str(self.kind.as_str());
        out.push('\n');
    }
}

/// Writes metric families in the Prometheus 0.0.4 or OpenMetrics 1.0 text
/// format.
///
/// Each family's `# HELP` and `# TYPE` lines are written once, before its
/// first sample, and a family's samples stay together even when the family
/// is opened again after others (its new samples are inserted after its
/// earlier ones, so families come in the order they were first opened).
/// Names are sanitized ([`sanitize_metric_name`], [`sanitize_label_name`]),
/// label values and help text escaped. Families without samples are left
/// out.
///
/// Counters are named without `_total` (a trailing `_total` is dropped): the
/// samples get it, and so does the Prometheus family name, while the
/// OpenMetrics family name does not. Opening a family again with another type
/// is a bug: it panics in debug builds, and its samples are dropped in
/// release builds. The writer does not check that label sets are unique
/// within a family.
///
/// [`sanitize_metric_name`]: super::sanitize_metric_name
/// [`sanitize_label_name`]: super::sanitize_label_name
///
/// ```
/// use perfmon_analysis::export::{Format, PrometheusWriter};
///
/// let mut w = PrometheusWriter::new(Format::OpenMetrics);
/// w.counter("jobs_total", "Jobs run.").sample(&[("queue", "mail")], 3.0);
/// w.gauge("queue_depth", "Jobs waiting.").sample(&[], 7.0);
/// w.histogram("job_seconds", "Job durations.")
///     .sample(&[], &[(0.1, 2), (1.0, 3)], 1.25, 3);
/// let text = w.finish();
/// assert!(text.starts_with("# HELP jobs Jobs run.\n# TYPE jobs counter\n"));
/// assert!(text.contains("jobs_total{queue=\"mail\"} 3\n"));
/// assert!(text.contains("job_seconds_bucket{le=\"+Inf\"} 3\n"));
/// assert!(text.ends_with("# EOF\n"));
/// ```
#[derive(Debug)]
pub struct PrometheusWriter {
    format: Format,
    /// The families with samples, each its header and sample lines.
    text: String,
    families: Vec<FamilyText>,
    index: HashMap<String, usize>,
    /// The lines of a family opened again after others, before they are
    /// inserted; the dropped samples of a family opened with another type.
    scratch: String,
}

impl PrometheusWriter {
    /// An empty writer for `format`.
    pub fn new(format: Format) -> Self {
        PrometheusWriter {
            format,
            text: String::new(),
            families: Vec::new(),
            index: HashMap::new(),
            scratch: String::new(),
        }
    }

    /// The format being written.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The counter family `name` (`_total` is added to its samples).
    pub fn counter(&mut self, name: &str, help: &str) -> Family<'_> {
        let name = sanitize_metric_name(name);
        let base = name.strip_suffix("_total").unwrap_or(&name);
        let sample_name = format!("{base}_total");
        Family {
            family: self.open(base, MetricType::Counter, help),
            writer: self,
            sample_name,
        }
    }

    /// The gauge family `name`.
    pub fn gauge(&mut self, name: &str, help: &str) -> Family<'_> {
        let name = sanitize_metric_name(name).into_owned();
        Family {
            family: self.open(&name, MetricType::Gauge, help),
            writer: self,
            sample_name: name,
        }
    }

    /// The histogram family `name` (samples `_bucket`, `_sum`, `_count`).
    pub fn histogram(&mut self, name: &str, help: &str) -> HistogramFamily<'_> {
        let name = sanitize_metric_name(name).into_owned();
        HistogramFamily {
            family: self.open(&name, MetricType::Histogram, help),
            writer: self,
            name,
            bucket_head: String::new(),
        }
    }

    /// The index of family `name`, added if new; `None` (its samples are
    /// dropped) when it exists with another type.
    fn open(&mut self, name: &str, kind: MetricType, help: &str) -> Option<usize> {
        let end = self.text.len();
        let i = *self.index.entry(name.to_owned()).or_insert_with(|| {
            self.families.push(FamilyText {
                name: name.to_owned(),
                kind,
                help: help.to_owned(),
                end,
                started: false,
            });
            self.families.len() - 1
        });
        if self.families[i].kind != kind {
            debug_assert!(
                false,
                "metric family `{name}` reopened as a {} (it is a {})",
                kind.as_str(),
                self.families[i].kind.as_str()
            );
            return None;
        }
        Some(i)
    }

    /// Adds the lines `write` appends to family `family` (its header first
    /// if they are its first), or drops them (`None`).
    fn write(&mut self, family: Option<usize>, write: impl FnOnce(&mut String)) {
        let Some(i) = family else {
            self.scratch.clear();
            write(&mut self.scratch);
            return;
        };
        let f = &self.families[i];
        let before = self.text.len();
        if f.end == before {
            // No family after this one has samples: append.
            if !f.started {
                f.push_header(&mut self.text, self.format);
            }
            write(&mut self.text);
        } else {
            // Opened again after others got samples: insert.
            self.scratch.clear();
            if !f.started {
                f.push_header(&mut self.scratch, self.format);
            }
            write(&mut self.scratch);
            self.text.insert_str(f.end, &self.scratch);
        }
        let added = self.text.len() - before;
        self.families[i].started = true;
        for later in &mut self.families[i..] {
            later.end += added;
        }
    }

    /// The exposition text; OpenMetrics text ends with `# EOF`.
    pub fn finish(mut self) -> String {
        if self.format == Format::OpenMetrics {
            self.text.push_str("# EOF\n");
        }
        self.text
    }
}

/// The `le` label of the last bucket.
const INF_BUCKET: &str = "le=\"+Inf\"";

/// Appends a sample line's name and label sets, up to the space before its
/// value: the non-empty sets of `labels` (each escaped, see [`Labels`])
/// joined with commas, in braces when there is one.
fn push_head(out: &mut String, name: &str, suffix: &str, labels: &[&str]) {
    out.push_str(name);
    out.push_str(suffix);
    let mut sets = labels.iter().filter(|l| !l.is_empty());
    if let Some(first) = sets.next() {
        out.push('{');
        out.push_str(first);
        for set in sets {
            out.push(',');
            out.push_str(set);
        }
        out.push('}');
    }
    out.push(' ');
}

/// A counter or gauge family being written: add samples with [`sample`].
///
/// [`sample`]: Family::sample
#[derive(Debug)]
pub struct Family<'a> {
    writer: &'a mut PrometheusWriter,
    family: Option<usize>,
    sample_name: String,
}

impl Family<'_> {
    /// Adds one sample: `labels` as `(name, value)` pairs, in order.
    pub fn sample(&mut self, labels: &[(&str, &str)], value: f64) -> &mut Self {
        self.sample_escaped(&[Labels::new(labels).as_str()], value)
    }

    /// Adds one sample whose label sets were escaped beforehand, for
    /// exporters that write many lines with the same labels.
    pub(crate) fn sample_escaped(&mut self, labels: &[&str], value: f64) -> &mut Self {
        let name = &self.sample_name;
        self.writer.write(self.family, |out| {
            push_head(out, name, "", labels);
            push_value(out, value);
            out.push('\n');
        });
        self
    }
}

/// A histogram family being written: add one histogram per label set with
/// [`sample`].
///
/// [`sample`]: HistogramFamily::sample
#[derive(Debug)]
pub struct HistogramFamily<'a> {
    writer: &'a mut PrometheusWriter,
    family: Option<usize>,
    name: String,
    /// The start of the current histogram's bucket lines, up to the `le`
    /// label (reused from one histogram to the next).
    bucket_head: String,
}

impl HistogramFamily<'_> {
    /// Adds one histogram: `buckets` as `(le, cumulative count)` pairs with
    /// finite, increasing `le`; the `le="+Inf"` bucket is written from
    /// `count` (an infinite `le` in `buckets` is skipped). Then `_sum` and
    /// `_count`.
    pub fn sample(
        &mut self,
        labels: &[(&str, &str)],
        buckets: &[(f64, u64)],
        sum: f64,
        count: u64,
    ) -> &mut Self {
        debug_assert!(
            buckets
                .windows(2)
                .all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1),
            "histogram buckets must have increasing le and cumulative counts"
        );
        debug_assert!(
            !labels.iter().any(|(k, _)| *k == "le"),
            "`le` is the bucket label"
        );
        let bounds: Vec<(Labels, u64)> = buckets
            .iter()
            .filter(|(le, _)| le.is_finite())
            .map(|&(le, n)| (Labels::new(&[("le", &format_bound(le))]), n))
            .collect();
        self.sample_escaped(
            Labels::new(labels).as_str(),
            bounds.iter().map(|(le, n)| (le.as_str(), *n)),
            sum,
            count,
        )
    }

    /// Adds one histogram whose label sets were escaped beforehand:
    /// `buckets` as `(le label, cumulative count)`, the `le="+Inf"` bucket
    /// from `count`, then `_sum` and `_count`.
    pub(crate) fn sample_escaped<'l>(
        &mut self,
        labels: &str,
        buckets: impl IntoIterator<Item = (&'l str, u64)>,
        sum: f64,
        count: u64,
    ) -> &mut Self {
        let head = &mut self.bucket_head;
        head.clear();
        head.push_str(&self.name);
        head.push_str("_bucket{");
        if !labels.is_empty() {
            head.push_str(labels);
            head.push(',');
        }
        let name = &self.name;
        self.writer.write(self.family, |out| {
            for (le, n) in buckets.into_iter().chain([(INF_BUCKET, count)]) {
                out.push_str(head);
                out.push_str(le);
                out.push_str("} ");
                push_count(out, n);
                out.push('\n');
            }
            push_head(out, name, "_sum", &[labels]);
            push_value(out, sum);
            out.push('\n');
            push_head(out, name, "_count", &[labels]);
            push_count(out, count);
            out.push('\n');
        });
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_counter_family_has_the_total_suffix() {
        let mut w = PrometheusWriter::new(Format::Prometheus);
        w.counter("calls", "Calls.").sample(&[("op", "a")], 2.0);
        assert_eq!(
            w.finish(),
            "# HELP calls_total Calls.\n# TYPE calls_total counter\ncalls_total{op=\"a\"} 2\n"
        );
    }

    #[test]
    fn openmetrics_counter_family_drops_the_total_suffix() {
        let mut w = PrometheusWriter::new(Format::OpenMetrics);
        w.counter("calls_total", "Calls.").sample(&[], 2.0);
        assert_eq!(
            w.finish(),
            "# HELP calls Calls.\n# TYPE calls counter\ncalls_total 2\n# EOF\n"
        );
    }

    #[test]
    fn reopened_family_keeps_its_samples_together_and_one_header() {
        let mut w = PrometheusWriter::new(Format::Prometheus);
        w.gauge("a", "A.").sample(&[("x", "1")], 1.0);
        w.gauge("b", "B.").sample(&[], 2.0);
        w.gauge("a", "ignored").sample(&[("x", "2")], 3.0);
        let text = w.finish();
        assert_eq!(
            text,
            "# HELP a A.\n# TYPE a gauge\na{x=\"1\"} 1\na{x=\"2\"} 3\n\
             # HELP b B.\n# TYPE b gauge\nb 2\n"
        );
    }

    #[test]
    fn families_without_samples_are_left_out() {
        let mut w = PrometheusWriter::new(Format::OpenMetrics);
        w.gauge("empty", "Nothing.");
        assert_eq!(w.finish(), "# EOF\n");
    }

    #[test]
    fn names_and_label_names_are_sanitized_and_values_escaped() {
        let mut w = PrometheusWriter::new(Format::Prometheus);
        w.gauge("1 bad.name", "Help with \\ and\nnewline.")
            .sample(&[("label-name", "say \"hi\"\n")], 0.5);
        assert_eq!(
            w.finish(),
            "# HELP _1_bad_name Help with \\\\ and\\nnewline.\n# TYPE _1_bad_name gauge\n\
             _1_bad_name{label_name=\"say \\\"hi\\\"\\n\"} 0.5\n"
        );
    }

    #[test]
    fn histogram_ends_with_inf_bucket_sum_and_count() {
        let mut w = PrometheusWriter::new(Format::Prometheus);
        w.histogram("d", "D.").sample(
            &[("op", "x")],
            &[(0.5, 1), (1.0, 2), (f64::INFINITY, 9)],
            2.5,
            4,
        );
        assert_eq!(
            w.finish(),
            "# HELP d D.\n# TYPE d histogram\n\
             d_bucket{op=\"x\",le=\"0.5\"} 1\nd_bucket{op=\"x\",le=\"1.0\"} 2\n\
             d_bucket{op=\"x\",le=\"+Inf\"} 4\nd_sum{op=\"x\"} 2.5\nd_count{op=\"x\"} 4\n"
        );
    }

    #[test]
    #[should_panic(expected = "reopened as a gauge")]
    #[cfg(debug_assertions)]
    fn reopening_with_another_type_is_a_bug() {
        let mut w = PrometheusWriter::new(Format::Prometheus);
        w.counter("x", "X.").sample(&[], 1.0);
        w.gauge("x", "X.").sample(&[], 1.0);
    }
}
