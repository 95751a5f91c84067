//! The plain-text form of a report: sections of aligned tables.

use super::Report;
use crate::table::summary_table;
use crate::table::{Align, Table};
use std::fmt;

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

fn ms(x: f64) -> String {
    format!("{x:.3}")
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.summary;
        writeln!(f, "perfmon report ({})", window_name(&self.window))?;
        writeln!(f)?;
        let mut head = Table::new([("", Align::Left), ("", Align::Left)]);
        head.row([
            "grade",
            &s.grade.map_or("-".to_owned(), |g| g.letter().to_owned()),
        ]);
        head.row(["compliance", &s.compliance.map_or("-".to_owned(), pct)]);
        head.row(["status", s.status.name()]);
        head.row([
            "score".to_owned(),
            match (s.score, s.score_band) {
                (Some(score), Some(band)) => format!("{score} ({band:?})").to_lowercase(),
                _ => "-".to_owned(),
            },
        ]);
        head.row(["calls", &s.calls.to_string()]);
        head.row(["error rate", &pct(s.error_rate)]);
        head.row([
            "mean / p95 ms",
            &format!("{} / {}", ms(s.mean_ms), ms(s.p95_ms)),
        ]);
        head.row(["active alerts", &s.active_alerts.to_string()]);
        // The header row of this two-column table is empty: skip it.
        for line in head.to_string().lines().skip(1) {
            writeln!(f, "{line}")?;
        }

        section(f, "compliance by kind")?;
        let mut t = Table::new([
            ("kind", Align::Left),
            ("target ms", Align::Right),
            ("calls", Align::Right),
            ("within", Align::Right),
            ("compliance", Align::Right),
            ("grade", Align::Left),
        ]);
        for k in &self.compliance.kinds {
            t.row([
                k.kind.to_string(),
                ms(k.target_ms),
                k.calls.to_string(),
                k.within_target.to_string(),
                pct(k.compliance),
                k.grade.letter().to_owned(),
            ]);
        }
        for c in &self.compliance.caches {
            t.row([
                format!("cache {}", c.name),
                format!(">= {}", pct(c.target)),
                String::new(),
                String::new(),
                pct(c.hit_rate),
                c.grade.letter().to_owned(),
            ]);
        }
        write_table(f, &t)?;

        section(f, "operations")?;
        write_table(f, &summary_table(&self.operations))?;

        section(f, "slow operations")?;
        let mut t = Table::new([
            ("operation", Align::Left),
            ("p95 ms", Align::Right),
            ("target ms", Align::Right),
            ("p95/target", Align::Right),
            ("level", Align::Left),
        ]);
        for o in &self.slow_operations {
            t.row([
                o.name.clone(),
                ms(o.p95_ms),
                ms(o.target_ms),
                format!("{:.2}x", o.p95_over_target),
                o.level.to_string(),
            ]);
        }
        write_table(f, &t)?;

        section(f, "trends")?;
        let mut t = Table::new([
            ("operation", Align::Left),
            ("direction", Align::Left),
            ("p95 before", Align::Right),
            ("p95 now", Align::Right),
            ("mean before", Align::Right),
            ("mean now", Align::Right),
        ]);
        for tr in &self.trends {
            t.row([
                tr.operation.clone(),
                format!("{:?}", tr.direction).to_lowercase(),
                ms(tr.previous.p95_ms),
                ms(tr.current.p95_ms),
                ms(tr.previous.mean_ms),
                ms(tr.current.mean_ms),
            ]);
        }
        write_table(f, &t)?;

        section(f, "alerts")?;
        let mut t = Table::new([
            ("severity", Align::Left),
            ("state", Align::Left),
            ("alert", Align::Left),
            ("message", Align::Left),
        ]);
        for a in self.alerts.active.iter().chain(&self.alerts.recent) {
            t.row([
                a.severity.name().to_owned(),
                format!("{:?}", a.state).to_lowercase(),
                a.id.clone(),
                a.message.clone(),
            ]);
        }
        write_table(f, &t)?;

        section(f, "recommendations")?;
        let mut t = Table::new([
            ("priority", Align::Left),
            ("title", Align::Left),
            ("operation", Align::Left),
        ]);
        for r in &self.recommendations {
            t.row([
                r.priority.name().to_owned(),
                r.title.clone(),
                r.evidence.operation.clone().unwrap_or_default(),
            ]);
        }
        write_table(f, &t)?;

        if let Some(sys) = &self.system {
            section(f, "system")?;
            writeln!(
                f,
                "cpu {:.1} %, memory {:.1} % ({} MiB of {} MiB), process {} MiB{}",
                sys.cpu_percent,
                sys.memory_percent,
                sys.memory_used_bytes >> 20,
                sys.memory_total_bytes >> 20,
                sys.process_memory_bytes >> 20,
                sys.disk_percent
                    .map_or(String::new(), |d| format!(", disk {d:.1} %")),
            )?;
        }
        Ok(())
    }
}

fn window_name(w: &perfmon_core::Window) -> String {
    match w {
        perfmon_core::Window::All => "all time".to_owned(),
        perfmon_core::Window::LastMinutes(n) => format!("last {n} minutes"),
    }
}

fn section(f: &mut fmt::Formatter<'_>, title: &str) -> fmt::Result {
    writeln!(f)?;
    writeln!(f, "== {title} ==")
}

fn write_table(f: &mut fmt::Formatter<'_>, t: &Table) -> fmt::Result {
    if t.is_empty() {
        writeln!(f, "(none)")
    } else {
        write!(f, "{t}")
    }
}
