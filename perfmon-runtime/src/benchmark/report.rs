//! The result of validating benchmarks: rows, a verdict, and a plain-text
//! table for people (and for the panic of [`BenchmarkReport::assert_passed`]).

use super::Statistic;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How one benchmark fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The statistic was at most the threshold, over enough calls.
    Passed,
    /// The statistic was over the threshold, or too few calls were recorded.
    Failed,
    /// The operation recorded no calls (unknown name, or none since a
    /// reset). Counts as a failure.
    NoData,
}

impl Verdict {
    /// The snake_case name (`"passed"`, `"failed"`, `"no_data"`).
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::NoData => "no_data",
        }
    }

    /// Whether this verdict passes.
    pub fn is_pass(self) -> bool {
        self == Verdict::Passed
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// One benchmark's line of a [`BenchmarkReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkRow {
    /// The operation's name.
    pub operation: String,
    /// The statistic compared with the threshold.
    pub statistic: Statistic,
    /// The threshold, in milliseconds.
    pub threshold_ms: f64,
    /// The statistic's value, in milliseconds (`None` without data).
    pub observed_ms: Option<f64>,
    /// Calls recorded for the operation.
    pub samples: u64,
    /// The benchmark's minimum number of calls, if it has one.
    pub min_samples: Option<u64>,
    /// Passed, failed or no data.
    pub verdict: Verdict,
    /// Why the benchmark did not pass (`None` when it passed).
    pub reason: Option<String>,
}

/// The outcome of validating a list of benchmarks: one row per benchmark, in
/// the order given.
///
/// It passes when there is at least one row and every row passed: an empty
/// list of benchmarks validates nothing, and a check that checks nothing
/// must not look green. `Display` prints an aligned table of every row and
/// a line "N passed, M failed" (rows without data count as failed).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BenchmarkReport {
    /// One row per benchmark, in the order given.
    pub rows: Vec<BenchmarkRow>,
}

impl BenchmarkReport {
    /// Whether there was at least one benchmark and every one passed.
    pub fn passed(&self) -> bool {
        !self.rows.is_empty() && self.rows.iter().all(|r| r.verdict.is_pass())
    }

    /// The rows that did not pass (failed, or without data), in order.
    pub fn failures(&self) -> Vec<&BenchmarkRow> {
        self.rows.iter().filter(|r| !r.verdict.is_pass()).collect()
    }

    /// Number of rows that passed.
    pub fn passed_count(&self) -> usize {
        self.rows.iter().filter(|r| r.verdict.is_pass()).count()
    }

    /// Number of rows that did not pass (no-data rows included).
    pub fn failed_count(&self) -> usize {
        self.rows.len() - self.passed_count()
    }

    /// Panics, printing the table of every row, unless the report
    /// [passed](BenchmarkReport::passed). Meant for the end of a `#[test]`.
    #[track_caller]
    pub fn assert_passed(&self) {
        if !self.passed() {
            panic!("benchmarks did not pass:\n{self}");
        }
    }
}

/// Milliseconds as the table and the reasons show them.
pub(crate) fn fmt_ms(ms: f64) -> String {
    format!("{ms:.3} ms")
}

const HEADER: [&str; 7] = [
    "operation",
    "statistic",
    "threshold",
    "observed",
    "samples",
    "verdict",
    "reason",
];

/// Between two columns.
const GAP: &str = "  ";

impl BenchmarkRow {
    fn cells(&self) -> [String; 7] {
        [
            self.operation.clone(),
            self.statistic.to_string(),
            fmt_ms(self.threshold_ms),
            self.observed_ms.map_or_else(|| "-".to_string(), fmt_ms),
            self.samples.to_string(),
            self.verdict.to_string(),
            self.reason.clone().unwrap_or_default(),
        ]
    }
}

impl fmt::Display for BenchmarkReport {
    /// Every row under a header, each column as wide as its widest cell and
    /// separated by two spaces, then "N passed, M failed".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rows.is_empty() {
            writeln!(f, "no benchmarks were given, so nothing was validated")?;
        } else {
            let header = HEADER.map(String::from);
            let rows: Vec<[String; 7]> = self.rows.iter().map(BenchmarkRow::cells).collect();
            let mut widths = [0usize; 7];
            for cells in std::iter::once(&header).chain(&rows) {
                for (w, cell) in widths.iter_mut().zip(cells) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            for cells in std::iter::once(&header).chain(&rows) {
                let mut line = String::new();
                for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                    if i > 0 {
                        line.push_str(GAP);
                    }
                    line.push_str(cell);
                    let pad = w - cell.chars().count();
                    line.extend(std::iter::repeat_n(' ', pad));
                }
                writeln!(f, "{}", line.trim_end())?;
            }
        }
        write!(
            f,
            "{} passed, {} failed",
            self.passed_count(),
            self.failed_count()
        )?;
        let no_data = self
            .rows
            .iter()
            .filter(|r| r.verdict == Verdict::NoData)
            .count();
        if no_data > 0 {
            write!(f, " ({no_data} without data)")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(operation: &str, observed: Option<f64>, verdict: Verdict) -> BenchmarkRow {
        BenchmarkRow {
            operation: operation.into(),
            statistic: Statistic::P95,
            threshold_ms: 100.0,
            observed_ms: observed,
            samples: if observed.is_some() { 1234 } else { 0 },
            min_samples: None,
            verdict,
            reason: (!verdict.is_pass()).then(|| format!("{operation} went wrong")),
        }
    }

    fn report() -> BenchmarkReport {
        BenchmarkReport {
            rows: vec![
                row("a", Some(5.0), Verdict::Passed),
                row(
                    "parts.create_part_in_bulk",
                    Some(12345.678),
                    Verdict::Failed,
                ),
                row("x.y", None, Verdict::NoData),
            ],
        }
    }

    /// Start offsets of the columns, read from the header (its cells are
    /// single words).
    fn column_starts(header: &str) -> Vec<usize> {
        let b = header.as_bytes();
        (0..b.len())
            .filter(|&i| b[i] != b' ' && (i == 0 || b[i - 1] == b' '))
            .collect()
    }

    #[test]
    fn every_line_separates_its_columns_at_the_same_positions() {
        let text = report().to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        let starts = column_starts(lines[0]);
        assert_eq!(starts.len(), HEADER.len(), "{text}");
        let expected = [
            ["a", "p95", "100.000 ms", "5.000 ms", "1234", "passed", ""],
            [
                "parts.create_part_in_bulk",
                "p95",
                "100.000 ms",
                "12345.678 ms",
                "1234",
                "failed",
                "parts.create_part_in_bulk went wrong",
            ],
            [
                "x.y",
                "p95",
                "100.000 ms",
                "-",
                "0",
                "no_data",
                "x.y went wrong",
            ],
        ];
        for (line, cells) in lines[1..4].iter().zip(expected) {
            for (c, &start) in starts.iter().enumerate().skip(1) {
                if line.len() > start {
                    assert_eq!(&line[start - GAP.len()..start], GAP, "col {c}:\n{text}");
                }
            }
            for (c, want) in cells.iter().enumerate() {
                let from = starts[c].min(line.len());
                let to = starts.get(c + 1).map_or(line.len(), |&s| s.min(line.len()));
                let cell = line[from..to].trim_end();
                assert_eq!(cell, *want, "column {c} of {line:?}:\n{text}");
                assert!(!line[from..to].starts_with(' '), "{text}");
            }
        }
        assert_eq!(lines[4], "1 passed, 2 failed (1 without data)");
    }

    #[test]
    fn lines_have_no_trailing_spaces() {
        for line in report().to_string().lines() {
            assert_eq!(line, line.trim_end());
        }
    }

    #[test]
    fn an_empty_report_does_not_pass_and_says_why() {
        let empty = BenchmarkReport::default();
        assert!(!empty.passed());
        assert!(empty.failures().is_empty());
        assert_eq!(
            empty.to_string(),
            "no benchmarks were given, so nothing was validated\n0 passed, 0 failed"
        );
        let panic = std::panic::catch_unwind(|| empty.assert_passed()).unwrap_err();
        let msg = panic.downcast_ref::<String>().unwrap();
        assert!(msg.contains("nothing was validated"), "{msg}");
    }

    #[test]
    fn failures_are_the_rows_that_did_not_pass() {
        let r = report();
        let failed: Vec<&str> = r.failures().iter().map(|r| r.operation.as_str()).collect();
        assert_eq!(failed, ["parts.create_part_in_bulk", "x.y"]);
        assert_eq!((r.passed_count(), r.failed_count()), (1, 2));
        assert!(!r.passed());
    }

    #[test]
    fn assert_passed_panics_with_the_table() {
        let r = report();
        let panic = std::panic::catch_unwind(|| r.assert_passed()).unwrap_err();
        let msg = panic.downcast_ref::<String>().unwrap();
        assert!(msg.contains(&r.to_string()), "{msg}");
        assert!(msg.contains("operation"), "{msg}");
    }

    #[test]
    fn assert_passed_is_quiet_when_every_row_passed() {
        BenchmarkReport {
            rows: vec![row("a", Some(5.0), Verdict::Passed)],
        }
        .assert_passed();
    }

    #[test]
    fn report_round_trips_through_json_with_snake_case_names() {
        let r = report();
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["rows"][2]["verdict"], "no_data");
        assert_eq!(json["rows"][2]["observed_ms"], serde_json::Value::Null);
        assert_eq!(json["rows"][0]["statistic"], "p95");
        let back: BenchmarkReport = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
    }
}
