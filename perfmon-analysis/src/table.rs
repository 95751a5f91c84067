//! Aligned plain-text tables for the human-readable outputs.

use perfmon_core::OperationSummary;
use std::fmt;

/// Column alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text columns.
    Left,
    /// Number columns.
    Right,
}

/// A plain-text table whose columns are padded to their widest cell.
///
/// ```
/// use perfmon_analysis::table::{Align, Table};
/// let mut t = Table::new([("operation", Align::Left), ("p95 ms", Align::Right)]);
/// t.row(["db.get_user", "12.40"]);
/// t.row(["auth.login", "3.10"]);
/// assert_eq!(
///     t.to_string(),
///     "operation    p95 ms\n\
///      db.get_user   12.40\n\
///      auth.login     3.10\n"
/// );
/// ```
#[derive(Debug, Clone)]
pub struct Table {
    columns: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers.
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = (S, Align)>) -> Self {
        Table {
            columns: columns.into_iter().map(|(h, a)| (h.into(), a)).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are blank, extra cells are dropped.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) -> &mut Self {
        let mut row: Vec<String> = cells.into_iter().map(Into::into).collect();
        row.resize(self.columns.len(), String::new());
        self.rows.push(row);
        self
    }

    /// Number of rows (the header not counted).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let widths: Vec<usize> = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, (h, _))| {
                self.rows
                    .iter()
                    .map(|r| r[i].chars().count())
                    .chain([h.chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let header: Vec<String> = self.columns.iter().map(|(h, _)| h.clone()).collect();
        for cells in std::iter::once(&header).chain(&self.rows) {
            let mut line = String::new();
            for (i, cell) in cells.iter().enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                let pad = widths[i] - cell.chars().count();
                match self.columns[i].1 {
                    Align::Left => {
                        line.push_str(cell);
                        line.extend(std::iter::repeat_n(' ', pad));
                    }
                    Align::Right => {
                        line.extend(std::iter::repeat_n(' ', pad));
                        line.push_str(cell);
                    }
                }
            }
            writeln!(f, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// The summaries as an aligned plain-text table, one row per operation.
///
/// ```
/// use perfmon_analysis::table::summary_table;
/// use perfmon_core::{Kind, Registry};
/// use std::time::Duration;
/// let reg = Registry::new();
/// reg.record("db.get_user", Kind::DatabaseQuery, Duration::from_millis(12));
/// let text = summary_table(&reg.summaries()).to_string();
/// assert!(text.starts_with("operation"));
/// assert!(text.contains("db.get_user"));
/// ```
pub fn summary_table(summaries: &[OperationSummary]) -> Table {
    let mut t = Table::new([
        ("operation", Align::Left),
        ("kind", Align::Left),
        ("calls", Align::Right),
        ("failed", Align::Right),
        ("cancelled", Align::Right),
        ("mean ms", Align::Right),
        ("p50 ms", Align::Right),
        ("p95 ms", Align::Right),
        ("p99 ms", Align::Right),
        ("max ms", Align::Right),
        ("level (p95)", Align::Left),
    ]);
    for s in summaries {
        t.row([
            s.name.clone(),
            s.kind.to_string(),
            s.count.to_string(),
            s.failed().to_string(),
            s.cancelled.to_string(),
            format!("{:.3}", s.mean_ms),
            format!("{:.3}", s.p50_ms),
            format!("{:.3}", s.p95_ms),
            format!("{:.3}", s.p99_ms),
            format!("{:.3}", s.max_ms),
            s.level.to_string(),
        ]);
    }
    t
}
