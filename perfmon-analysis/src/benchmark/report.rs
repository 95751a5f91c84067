//! The result of validating benchmarks: rows, a verdict, and a plain-text
//! table for people (and for the panic of [`BenchmarkReport::assert_passed`]).

use super::Statistic;
use crate::table::{Align, Table};
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
    /// Every row under a header, each column as wide as its widest cell
    /// (numbers right-aligned), then "N passed, M failed".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rows.is_empty() {
            writeln!(f, "no benchmarks were given, so nothing was validated")?;
        } else {
            let mut table = Table::new([
                ("operation", Align::Left),
                ("statistic", Align::Left),
                ("threshold", Align::Right),
                ("observed", Align::Right),
                ("samples", Align::Right),
                ("verdict", Align::Left),
                ("reason", Align::Left),
            ]);
            for row in &self.rows {
                table.row(row.cells());
            }
            write!(f, "{table}")?;
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

    /// Where each cell of `line` starts and ends, found in order.
    fn spans(line: &str, cells: &[&str]) -> Vec<(usize, usize)> {
        let mut from = 0;
        cells
            .iter()
            .map(|cell| {
                let start = from
                    + line[from..]
                        .find(cell)
                        .unwrap_or_else(|| panic!("{cell:?} in {line:?}"));
                from = start + cell.len();
                (start, from)
            })
            .collect()
    }

    #[test]
    fn every_line_aligns_its_columns() {
        let text = report().to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        let rows: [[&str; 6]; 4] = [
            [
                "operation",
                "statistic",
                "threshold",
                "observed",
                "samples",
                "verdict",
            ],
            ["a", "p95", "100.000 ms", "5.000 ms", "1234", "passed"],
            [
                "parts.create_part_in_bulk",
                "p95",
                "100.000 ms",
                "12345.678 ms",
                "1234",
                "failed",
            ],
            ["x.y", "p95", "100.000 ms", "-", "0", "no_data"],
        ];
        let spans: Vec<_> = lines[..4]
            .iter()
            .zip(&rows)
            .map(|(l, r)| spans(l, r))
            .collect();
        // Text columns line up on their left edge, number columns on their right.
        for (c, right) in [false, false, true, true, true, false]
            .into_iter()
            .enumerate()
        {
            let edge = |s: &Vec<(usize, usize)>| if right { s[c].1 } else { s[c].0 };
            assert!(
                spans.iter().all(|s| edge(s) == edge(&spans[0])),
                "column {c}:\n{text}"
            );
        }
        assert!(
            lines[2].ends_with("parts.create_part_in_bulk went wrong"),
            "{text}"
        );
        assert!(lines.iter().all(|l| !l.ends_with(' ')), "{text}");
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
