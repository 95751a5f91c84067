//! Benchmarks: per-operation thresholds, validated against what the registry
//! recorded into a [`BenchmarkReport`] that a test can assert on.
//!
//! A [`Benchmark`] names an operation, a threshold and the [`Statistic`]
//! compared with it (p95 unless told otherwise). Validation never lets a
//! benchmark pass without evidence: an operation with no recorded calls is a
//! failure (with the closest recorded names, so a typo shows up at once), and
//! so is an empty list of benchmarks, which would validate nothing.
//!
//! Benchmarks can also live in the repository as JSON or TOML
//! ([`Benchmarks::load`]).

mod file;
mod report;
mod suggest;
#[cfg(test)]
mod tests;

pub use file::{BenchmarkFileError, MAX_OPERATION_NAME_BYTES};
pub use report::{BenchmarkReport, BenchmarkRow, Verdict};

use crate::RegistryExt;
use perfmon_core::OperationSummary;
use perfmon_core::Registry;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// The statistic of an operation's durations that a benchmark compares with
/// its threshold. Serialized as its snake_case name (`"p95"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Statistic {
    /// The mean duration.
    Mean,
    /// The median.
    P50,
    /// The 95th percentile (the default).
    #[default]
    P95,
    /// The 99th percentile.
    P99,
    /// The longest call.
    Max,
}

impl Statistic {
    /// Every statistic, in the order they are listed in messages.
    pub const ALL: [Statistic; 5] = [
        Statistic::Mean,
        Statistic::P50,
        Statistic::P95,
        Statistic::P99,
        Statistic::Max,
    ];

    /// The name used in files, reports and serde (`"mean"`, `"p95"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Statistic::Mean => "mean",
            Statistic::P50 => "p50",
            Statistic::P95 => "p95",
            Statistic::P99 => "p99",
            Statistic::Max => "max",
        }
    }

    /// The statistic called `name` (exactly as [`Statistic::name`] spells it).
    pub fn parse(name: &str) -> Option<Statistic> {
        Statistic::ALL.into_iter().find(|s| s.name() == name)
    }

    /// This statistic of `summary`, in milliseconds.
    ///
    /// Percentiles carry the histogram's relative error (at most 1 %); the
    /// mean and the max are exact.
    pub fn of(self, summary: &OperationSummary) -> f64 {
        match self {
            Statistic::Mean => summary.mean_ms,
            Statistic::P50 => summary.p50_ms,
            Statistic::P95 => summary.p95_ms,
            Statistic::P99 => summary.p99_ms,
            Statistic::Max => summary.max_ms,
        }
    }
}

impl fmt::Display for Statistic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// A promise about one operation: its [`Statistic`] stays at or under a
/// threshold, over at least `min_samples` calls when that is set.
///
/// ```
/// use perfmon_analysis::{Benchmark, Statistic};
/// use std::time::Duration;
///
/// let b = Benchmark::new("parts.create_part", Duration::from_millis(300))
///     .mean()
///     .min_samples(20);
/// assert_eq!(b.statistic, Statistic::Mean);
/// assert_eq!(b.min_samples, Some(20));
/// ```
///
/// Serializes in the file format of [`Benchmarks`] (`operation`,
/// `threshold_ms`, `statistic`, and `min_samples` when set).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Benchmark {
    /// The operation's name, as recorded in the registry.
    pub operation: String,
    /// The largest value of the statistic that passes (inclusive).
    #[serde(
        rename = "threshold_ms",
        serialize_with = "perfmon_core::units::serde_ms::serialize"
    )]
    pub threshold: Duration,
    /// Which statistic is compared with the threshold.
    pub statistic: Statistic,
    /// Fewer recorded calls than this fails the benchmark (`None`: any
    /// number of calls, at least one, is enough).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_samples: Option<u64>,
}

impl Benchmark {
    /// A benchmark of the p95 of `operation` against `threshold`.
    pub fn new(operation: impl Into<String>, threshold: Duration) -> Self {
        Benchmark {
            operation: operation.into(),
            threshold,
            statistic: Statistic::default(),
            min_samples: None,
        }
    }

    /// Compares `statistic` with the threshold.
    pub fn with_statistic(mut self, statistic: Statistic) -> Self {
        self.statistic = statistic;
        self
    }

    /// Compares the mean with the threshold.
    pub fn mean(self) -> Self {
        self.with_statistic(Statistic::Mean)
    }

    /// Compares the median with the threshold.
    pub fn p50(self) -> Self {
        self.with_statistic(Statistic::P50)
    }

    /// Compares the 95th percentile with the threshold (the default).
    pub fn p95(self) -> Self {
        self.with_statistic(Statistic::P95)
    }

    /// Compares the 99th percentile with the threshold.
    pub fn p99(self) -> Self {
        self.with_statistic(Statistic::P99)
    }

    /// Compares the longest call with the threshold.
    pub fn max(self) -> Self {
        self.with_statistic(Statistic::Max)
    }

    /// Fails the benchmark when fewer than `n` calls were recorded.
    pub fn min_samples(mut self, n: u64) -> Self {
        self.min_samples = Some(n);
        self
    }
}

/// A list of benchmarks, usually loaded from a file kept in the repository.
///
/// The format, in TOML (JSON has the same keys):
///
/// ```toml
/// [[benchmarks]]
/// operation = "parts.get_part"
/// threshold_ms = 100        # required: milliseconds, integer or decimal
/// statistic = "p95"         # optional: mean, p50, p95 (default), p99, max
/// min_samples = 10          # optional: fewer calls than this fail
/// ```
///
/// ```
/// use perfmon_analysis::{Benchmarks, Statistic};
///
/// let b = Benchmarks::from_json_str(
///     r#"{ "benchmarks": [ { "operation": "parts.get_part", "threshold_ms": 100 } ] }"#,
/// )?;
/// assert_eq!(b.as_slice()[0].statistic, Statistic::P95);
/// # Ok::<(), perfmon_analysis::BenchmarkFileError>(())
/// ```
/// # use perfmon_analysis::RegistryExt as _;
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Benchmarks {
    benchmarks: Vec<Benchmark>,
}

impl Benchmarks {
    /// A list of the given benchmarks.
    pub fn new(benchmarks: Vec<Benchmark>) -> Self {
        Benchmarks { benchmarks }
    }

    /// The benchmarks, in file order.
    pub fn as_slice(&self) -> &[Benchmark] {
        &self.benchmarks
    }

    /// The benchmarks, in file order.
    pub fn into_vec(self) -> Vec<Benchmark> {
        self.benchmarks
    }

    /// Iterates over the benchmarks.
    pub fn iter(&self) -> std::slice::Iter<'_, Benchmark> {
        self.benchmarks.iter()
    }

    /// Number of benchmarks.
    pub fn len(&self) -> usize {
        self.benchmarks.len()
    }

    /// Whether there is no benchmark (validating it fails: nothing is checked).
    pub fn is_empty(&self) -> bool {
        self.benchmarks.is_empty()
    }

    /// Validates the benchmarks against the current registry (the scope's,
    /// else the global [`registry()`](perfmon_core::registry())).
    pub fn validate(&self) -> BenchmarkReport {
        perfmon_core::with_registry(|reg| reg.validate_benchmarks(&self.benchmarks))
    }
}

impl From<Vec<Benchmark>> for Benchmarks {
    fn from(benchmarks: Vec<Benchmark>) -> Self {
        Benchmarks::new(benchmarks)
    }
}

impl FromIterator<Benchmark> for Benchmarks {
    fn from_iter<I: IntoIterator<Item = Benchmark>>(iter: I) -> Self {
        Benchmarks::new(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a Benchmarks {
    type Item = &'a Benchmark;
    type IntoIter = std::slice::Iter<'a, Benchmark>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Unknown operations of one validation that get "did you mean"
/// suggestions: each compares a name with every registered one, so the
/// work is bounded by this, not by the request.
pub const MAX_SUGGESTED_ROWS: usize = 10;

pub(crate) fn validate_benchmarks_of(reg: &Registry, benchmarks: &[Benchmark]) -> BenchmarkReport {
    let mut suggest = suggest::Suggestions::new(MAX_SUGGESTED_ROWS);
    BenchmarkReport {
        rows: benchmarks
            .iter()
            .map(|b| evaluate(reg, b, &mut suggest))
            .collect(),
    }
}

fn evaluate(reg: &Registry, b: &Benchmark, suggest: &mut suggest::Suggestions) -> BenchmarkRow {
    let mut row = BenchmarkRow {
        operation: b.operation.clone(),
        statistic: b.statistic,
        threshold_ms: perfmon_core::units::duration_ms(b.threshold),
        observed_ms: None,
        samples: 0,
        min_samples: b.min_samples,
        verdict: Verdict::NoData,
        reason: None,
    };
    let summary = match reg.summary(&b.operation) {
        Some(s) if s.count > 0 => s,
        known => {
            row.reason = Some(suggest.no_data_reason(reg, &b.operation, known.is_some()));
            return row;
        }
    };
    let observed = b.statistic.of(&summary);
    row.observed_ms = Some(observed);
    row.samples = summary.count;
    let mut reasons = Vec::new();
    if observed > row.threshold_ms {
        reasons.push(format!(
            "{} {} is over the {} threshold",
            b.statistic,
            report::fmt_ms(observed),
            report::fmt_ms(row.threshold_ms)
        ));
    }
    if let Some(min) = b.min_samples.filter(|&min| summary.count < min) {
        let calls = if summary.count == 1 { "call" } else { "calls" };
        reasons.push(format!(
            "only {} {calls} recorded, fewer than the {min} required (min_samples)",
            summary.count
        ));
    }
    if reasons.is_empty() {
        row.verdict = Verdict::Passed;
    } else {
        row.verdict = Verdict::Failed;
        row.reason = Some(reasons.join("; "));
    }
    row
}
