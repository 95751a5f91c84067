//! The Prometheus/OpenMetrics form of a report: the operation and cache
//! families of [`crate::export`], plus gauges for compliance, grades, health
//! and alerts.

use super::Report;
use crate::export::{Format, PrometheusExport, PrometheusWriter};

impl Report {
    /// The report in the Prometheus text format (or OpenMetrics): operation
    /// histograms and counters over the report's window, cache counters, and
    /// `perfmon_compliance_ratio{kind}`, `perfmon_compliance_grade{kind}`
    /// (A = 4 ... F = 0), `perfmon_health_status{kind}` (healthy = 0 ...
    /// critical = 3), `perfmon_health_score` and `perfmon_alerts_active{severity}`;
    /// `kind="overall"` carries the overall figures.
    pub fn to_prometheus(&self, format: Format) -> String {
        let export = PrometheusExport::new();
        let mut w = PrometheusWriter::new(format);
        export.write_operations(&mut w, &self.snapshots);
        export.write_caches(&mut w, &self.caches);
        self.write_gauges(&mut w);
        w.finish()
    }

    fn write_gauges(&self, w: &mut PrometheusWriter) {
        let overall = self.compliance.overall.as_ref();
        let mut g = w.gauge(
            "perfmon_compliance_ratio",
            "Share of calls within the kind's target (kind=\"overall\": call-weighted).",
        );
        for k in &self.compliance.kinds {
            g.sample(&[("kind", k.kind.name())], k.compliance);
        }
        if let Some(o) = overall {
            g.sample(&[("kind", "overall")], o.compliance);
        }
        let mut g = w.gauge(
            "perfmon_compliance_grade",
            "Compliance grade: A = 4, B = 3, C = 2, D = 1, F = 0.",
        );
        for k in &self.compliance.kinds {
            g.sample(&[("kind", k.kind.name())], k.grade.gauge_value());
        }
        if let Some(o) = overall {
            g.sample(&[("kind", "overall")], o.grade.gauge_value());
        }
        let mut g = w.gauge(
            "perfmon_health_status",
            "Health: healthy = 0, degraded = 1, warning = 2, critical = 3.",
        );
        for c in &self.health.components {
            g.sample(&[("kind", c.kind.name())], c.status.gauge_value());
        }
        g.sample(&[("kind", "overall")], self.health.status.gauge_value());
        if let Some(score) = &self.health.score {
            w.gauge("perfmon_health_score", "Health score, 0-100.")
                .sample(&[], f64::from(score.score));
        }
        let mut g = w.gauge("perfmon_alerts_active", "Active alerts by severity.");
        for sev in crate::alert::Severity::ALL {
            let n = self
                .alerts
                .active
                .iter()
                .filter(|a| a.severity == sev)
                .count();
            g.sample(&[("severity", sev.name())], n as f64);
        }
    }
}
