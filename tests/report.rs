//! Reports and analysis, driven by synthetic durations at synthetic times:
//! the executive summary, slow operations, alerts opened, deduplicated and
//! resolved, degradations, N+1 findings, and the three output forms.

#[path = "prometheus/exposition.rs"]
mod exposition;

use perfmon::export::Format;
use perfmon::RegistryExt;
use perfmon::{AlertEngine, AlertEventKind, Rule, Severity};
use perfmon::{
    Grade, HealthStatus, Kind, Outcome, Registry, Report, ReportOptions, TrendDirection,
};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn at(minute: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs((28_000_000 + minute) * 60 + 5)
}

fn record(reg: &Registry, name: &str, kind: Kind, ms: u64, minute: u64) {
    reg.record_at(
        name,
        kind,
        Duration::from_millis(ms),
        Outcome::Ok,
        None,
        at(minute),
    );
}

/// Authorization averaging 120 ms (target 75 ms: critical above 150, warning above 112.5),
/// a healthy database query, and a failing import.
fn busy(reg: &Registry, minute: u64) {
    for _ in 0..20 {
        record(reg, "authz.check", Kind::Authorization, 120, minute);
        record(reg, "db.get_part", Kind::DatabaseQuery, 5, minute);
    }
    for i in 0..20 {
        let outcome = if i < 5 { Outcome::Error } else { Outcome::Ok };
        reg.record_at(
            "import.run",
            Kind::Processing,
            Duration::from_millis(50),
            outcome,
            Some("bad row"),
            at(minute),
        );
    }
}

#[test]
fn the_executive_summary_grades_compliance_and_counts_failures() {
    let reg = Registry::new();
    busy(&reg, 0);
    let r = reg.report_at(&AlertEngine::new(), &ReportOptions::default(), at(0));
    let s = &r.summary;
    assert_eq!(s.calls, 60);
    assert_eq!(s.failures, 5);
    assert!((s.error_rate - 5.0 / 60.0).abs() < 1e-12);
    // 40 of 60 calls within target (authz all over 75 ms).
    assert!((s.compliance.unwrap() - 40.0 / 60.0).abs() < 1e-12);
    assert_eq!(s.grade, Some(Grade::D));
    assert_eq!(s.operations, 3);
    assert_eq!(
        s.status,
        HealthStatus::Warning,
        "all authz calls are slow (75..150 ms)"
    );
    assert_eq!(r.operations.len(), 3);
    assert_eq!(r.slow_operations.len(), 1);
    let slow = &r.slow_operations[0];
    assert_eq!(slow.name, "authz.check");
    assert!(
        (slow.p95_over_target - 120.0 / 75.0).abs() < 0.02,
        "{slow:?}"
    );
    assert!(r.events.is_empty(), "a plain report evaluates no alert");
}

/// `slow_operations` and `recommendations` give what the report gives,
/// without building the rest of it (the routes that show only them use
/// these).
#[test]
fn slow_operations_and_recommendations_alone_equal_the_reports() {
    let reg = Registry::new();
    busy(&reg, 0);
    let options = ReportOptions::default();
    let r = reg.report_at(&AlertEngine::new(), &options, at(0));
    assert!(!r.slow_operations.is_empty() && !r.recommendations.is_empty());
    assert_eq!(
        reg.slow_operations(options.window, at(0)),
        r.slow_operations
    );
    assert_eq!(
        reg.recommendations(options.window, options.trend_minutes, at(0)),
        r.recommendations
    );
}

/// `analyze()` judges the present: the registry's analysis window (5
/// minutes unless configured), and the report says so.
#[test]
fn analyze_judges_the_analysis_window() {
    let reg = Registry::new();
    let report = reg.scope(perfmon::analyze);
    assert_eq!(report.window, perfmon::Window::LastMinutes(5));
    perfmon::Config::builder()
        .analysis_window_minutes(12)
        .build()
        .unwrap()
        .apply_to(&reg)
        .unwrap();
    assert_eq!(
        reg.scope(perfmon::analyze).window,
        perfmon::Window::LastMinutes(12)
    );
    assert_eq!(reg.analysis_window(), perfmon::Window::LastMinutes(12));
}

/// One meaning of "failed" everywhere: errors and panics. Cancellations are
/// their own figure in every view that shows failures.
#[test]
fn cancellations_are_their_own_figure_not_failures() {
    let reg = Registry::new();
    for (i, outcome) in [
        Outcome::Ok,
        Outcome::Error,
        Outcome::Panicked,
        Outcome::Cancelled,
        Outcome::Cancelled,
        Outcome::Cancelled,
        Outcome::Ok,
        Outcome::Ok,
        Outcome::Ok,
        Outcome::Ok,
    ]
    .into_iter()
    .enumerate()
    {
        reg.record_at(
            "fetch.page",
            Kind::ApiResponse,
            Duration::from_millis(10 + i as u64),
            outcome,
            None,
            at(0),
        );
    }
    let snap = reg.snapshot("fetch.page").unwrap();
    assert_eq!((snap.failed(), snap.cancelled), (2, 3));
    assert!((snap.failure_rate() - 0.2).abs() < 1e-12);
    let summary = reg.summary("fetch.page").unwrap();
    assert_eq!((summary.failed(), summary.cancelled), (2, 3));
    assert!((summary.failure_rate() - 0.2).abs() < 1e-12);

    let r = reg.report_at(&AlertEngine::new(), &ReportOptions::default(), at(0));
    assert_eq!((r.summary.failures, r.summary.cancelled), (2, 3));
    assert!((r.summary.error_rate - 0.2).abs() < 1e-12);
    assert_eq!(r.health.components[0].errors, 2);

    let series = reg.time_series("fetch.page", 1, at(0)).unwrap();
    assert_eq!((series[0].errors, series[0].cancelled), (2, 3));

    let trend = &reg.trends(1, at(1))[0];
    assert!((trend.previous.error_rate - 0.2).abs() < 1e-12, "{trend:?}");

    let table = perfmon::summary_table(&reg.summaries()).to_string();
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    let row: Vec<&str> = table.lines().nth(1).unwrap().split_whitespace().collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    assert_eq!(row[col("failed")], "2", "{table}");
    assert_eq!(row[col("cancelled")], "3", "{table}");
}

#[test]
fn analysis_opens_deduplicates_and_resolves_alerts() {
    let reg = Registry::new();
    let engine = AlertEngine::new();
    let opts = ReportOptions::last_minutes(1);
    busy(&reg, 0);
    let r = reg.analyze_with(&engine, &opts, at(0));
    let opened: Vec<_> = r
        .events
        .iter()
        .filter(|e| e.event == AlertEventKind::Opened)
        .collect();
    let latency = opened
        .iter()
        .find(|e| e.alert.id == "latency:authz.check")
        .expect("latency alert");
    assert_eq!(latency.alert.severity, Severity::Medium);
    assert_eq!(
        latency.alert.message,
        "authz.check averaging 120.0 ms (target < 75 ms)"
    );
    let errors = opened
        .iter()
        .find(|e| e.alert.rule == Rule::ErrorRate)
        .expect("error-rate alert");
    assert_eq!(errors.alert.subject, "import.run");
    assert_eq!(r.summary.active_alerts, r.alerts.active.len());

    // Same condition a minute later: no second alert.
    busy(&reg, 1);
    let again = reg.analyze_with(&engine, &opts, at(1));
    assert!(
        again
            .events
            .iter()
            .all(|e| e.event != AlertEventKind::Opened),
        "{:?}",
        again.events
    );

    // Recovery: only fast, clean calls in the window.
    for _ in 0..20 {
        record(&reg, "authz.check", Kind::Authorization, 10, 3);
        record(&reg, "import.run", Kind::Processing, 10, 3);
    }
    let later = reg.analyze_with(&engine, &opts, at(3));
    let resolved: Vec<&str> = later
        .events
        .iter()
        .filter(|e| e.event == AlertEventKind::Resolved)
        .map(|e| e.alert.id.as_str())
        .collect();
    assert!(resolved.contains(&"latency:authz.check"), "{resolved:?}");
    // The error budget's burn alerts judge the last hour and 5 minutes,
    // which still hold the slow calls: only they stay.
    assert!(
        later.alerts.active.iter().all(|a| a.rule == Rule::BurnRate),
        "{:?}",
        later.alerts.active
    );
    assert!(later
        .alerts
        .recent
        .iter()
        .any(|a| a.id == "latency:authz.check"));
}

#[test]
fn a_p95_that_grows_by_more_than_half_is_a_degradation_alert_and_trend() {
    let reg = Registry::new();
    for m in 0..5 {
        for _ in 0..10 {
            record(&reg, "search.run", Kind::Processing, 100, m);
        }
    }
    for m in 5..10 {
        for _ in 0..10 {
            record(&reg, "search.run", Kind::Processing, 180, m);
        }
    }
    let opts = ReportOptions {
        trend_minutes: 5,
        ..ReportOptions::default()
    };
    let r = reg.analyze_with(&AlertEngine::new(), &opts, at(9));
    assert_eq!(r.trends.len(), 1);
    assert_eq!(r.trends[0].direction, TrendDirection::Degraded);
    assert!(
        r.alerts
            .active
            .iter()
            .any(|a| a.rule == Rule::Degradation && a.subject.starts_with("search.run")),
        "{:?}",
        r.alerts.active
    );
    assert!(r
        .recommendations
        .iter()
        .any(|rec| rec.evidence.operation.as_deref() == Some("search.run")));
}

#[test]
fn repeated_queries_in_one_request_are_an_n_plus_one_finding() {
    let reg = Registry::new();
    record(&reg, "db.get_item", Kind::DatabaseQuery, 2, 0);
    reg.record_request_calls(Some("GET /orders"), "db.get_item", Kind::DatabaseQuery, 42);
    reg.record_request_calls(Some("GET /orders"), "db.get_item", Kind::DatabaseQuery, 12);
    reg.record_request_calls(Some("GET /orders"), "db.get_item", Kind::DatabaseQuery, 1);
    let p = &reg.request_patterns()[0];
    assert_eq!((p.calls_in_one_request, p.requests), (42, 2));
    let r = reg.analyze_with(&AlertEngine::new(), &ReportOptions::default(), at(0));
    assert!(
        r.alerts.active.iter().any(|a| a.rule == Rule::NPlusOne),
        "{:?}",
        r.alerts.active
    );
    assert!(
        r.recommendations
            .iter()
            .any(|rec| rec.title.to_lowercase().contains("n+1")),
        "{:?}",
        r.recommendations
    );
}

#[test]
fn a_report_is_json_text_and_prometheus() {
    let reg = Registry::new();
    busy(&reg, 0);
    reg.cache("L1").hit();
    reg.record_value_at("queue.depth", 7.0, "jobs", at(0));
    let r = reg.analyze_with(&AlertEngine::new(), &ReportOptions::default(), at(0));

    let back: Report = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(back.summary, r.summary);
    assert_eq!(back.operations, r.operations);

    let text = r.to_string();
    for heading in [
        "perfmon report",
        "== compliance by kind ==",
        "== operations ==",
        "== slow operations ==",
        "== alerts ==",
        "== recommendations ==",
    ] {
        assert!(text.contains(heading), "missing {heading}:\n{text}");
    }
    assert!(text.contains("authz.check"), "{text}");

    exposition::promtool_check(&r.to_prometheus(Format::Prometheus));
    for format in [Format::Prometheus, Format::OpenMetrics] {
        let families = exposition::parse(&r.to_prometheus(format), format);
        let grade = exposition::value(
            &families,
            "perfmon_compliance_grade",
            &[("kind", "overall")],
        );
        assert_eq!(grade, 1.0, "D = 1");
        let ratio = exposition::value(
            &families,
            "perfmon_compliance_ratio",
            &[("kind", "authorization")],
        );
        assert_eq!(ratio, 0.0);
        // import.run fails 25 % of its calls: critical; authz.check is a
        // medium latency alert, and every authorization call misses its
        // target, so its error budget burns fast (critical) and slow (high).
        let active =
            |sev| exposition::value(&families, "perfmon_alerts_active", &[("severity", sev)]);
        assert_eq!(
            (active("critical"), active("high"), active("medium")),
            (2.0, 1.0, 1.0)
        );
    }
}

#[test]
fn an_empty_registry_reports_without_panicking() {
    let reg = Registry::new();
    let r = reg.analyze_with(&AlertEngine::new(), &ReportOptions::last_minutes(5), at(0));
    assert_eq!(r.summary.calls, 0);
    assert_eq!(r.summary.grade, None);
    assert!(r.to_string().contains("(none)"));
    exposition::parse(&r.to_prometheus(Format::Prometheus), Format::Prometheus);
}
