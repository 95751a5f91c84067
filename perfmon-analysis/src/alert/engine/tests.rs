use super::*;
use crate::alert::{AlertEventKind, Rule, Severity};
use std::sync::atomic::AtomicUsize;
use std::sync::Mutex as StdMutex;
use std::time::Duration;

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + secs)
}

fn cond(rule: Rule, subject: &str, severity: Severity, value: f64) -> Condition {
    Condition {
        rule,
        subject: subject.into(),
        severity,
        message: format!("{subject} at {value}"),
        value,
        threshold: 1.0,
    }
}

fn kinds(events: &[AlertEvent]) -> Vec<(AlertEventKind, &str, Severity)> {
    events
        .iter()
        .map(|e| (e.event, e.alert.id.as_str(), e.alert.severity))
        .collect()
}

#[test]
fn the_same_condition_does_not_open_a_second_alert() {
    let engine = AlertEngine::new();
    let c = cond(Rule::Latency, "auth.login", Severity::Medium, 80.0);
    let first = engine.apply(vec![c.clone()], at(0));
    assert_eq!(
        kinds(&first),
        [(
            AlertEventKind::Opened,
            "latency:auth.login",
            Severity::Medium
        )]
    );
    let mut again = c.clone();
    again.value = 85.0;
    again.message = "newer".into();
    assert!(engine.apply(vec![again, c], at(30)).is_empty());
    let active = engine.active();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].first_seen, at(0));
    assert_eq!(active[0].last_seen, at(30));
    assert_eq!(active[0].duration, Duration::from_secs(30));
    assert_eq!(active[0].state, AlertState::Active);
}

#[test]
fn a_worsening_condition_escalates_and_an_improving_one_keeps_the_peak() {
    let engine = AlertEngine::new();
    engine.apply(vec![cond(Rule::ErrorRate, "q", Severity::High, 8.0)], at(0));
    let events = engine.apply(
        vec![cond(Rule::ErrorRate, "q", Severity::Critical, 30.0)],
        at(10),
    );
    assert_eq!(
        kinds(&events),
        [(
            AlertEventKind::Escalated,
            "error_rate:q",
            Severity::Critical
        )]
    );
    assert_eq!(events[0].previous_severity, Some(Severity::High));
    let events = engine.apply(
        vec![cond(Rule::ErrorRate, "q", Severity::High, 9.0)],
        at(20),
    );
    assert!(events.is_empty());
    assert_eq!(engine.active()[0].severity, Severity::Critical);
    assert_eq!(engine.active()[0].value, 9.0);
}

#[test]
fn an_absent_condition_resolves_into_a_bounded_history() {
    let engine = AlertEngine::with_history(2);
    for (i, subject) in ["a", "b", "c"].iter().enumerate() {
        let t = i as u64 * 100;
        engine.apply(
            vec![cond(Rule::Resource, subject, Severity::High, 90.0)],
            at(t),
        );
        let events = engine.apply(vec![], at(t + 5));
        assert_eq!(events[0].event, AlertEventKind::Resolved);
        assert_eq!(events[0].alert.resolved_at, Some(at(t + 5)));
        assert_eq!(events[0].alert.duration, Duration::from_secs(5));
    }
    let history = engine.history();
    let ids: Vec<_> = history.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["resource:b", "resource:c"]); // oldest dropped
    assert!(history.iter().all(|a| a.state == AlertState::Resolved));
    assert!(engine.active().is_empty());
    // the condition coming back opens a new alert under the same id
    let events = engine.apply(
        vec![cond(Rule::Resource, "c", Severity::High, 90.0)],
        at(999),
    );
    assert_eq!(events[0].event, AlertEventKind::Opened);
    assert_eq!(events[0].alert.first_seen, at(999));
}

#[test]
fn suppressed_conditions_neither_open_nor_escalate_until_expiry() {
    let engine = AlertEngine::new();
    engine.apply(vec![cond(Rule::Latency, "x", Severity::Medium, 1.0)], at(0));
    engine.suppress(Suppression {
        rule: Some(Rule::Latency),
        subject: None,
        until: at(100),
    });
    let during = vec![
        cond(Rule::Latency, "x", Severity::Critical, 2.0), // would escalate
        cond(Rule::Latency, "y", Severity::Medium, 1.0),   // would open
        cond(Rule::ErrorRate, "y", Severity::High, 9.0),   // other rule: opens
    ];
    let events = engine.apply(during.clone(), at(50));
    assert_eq!(
        kinds(&events),
        [(AlertEventKind::Opened, "error_rate:y", Severity::High)]
    );
    assert_eq!(engine.active().len(), 2); // x stays active, not escalated
    assert_eq!(engine.suppressions().len(), 1);
    // at `until` the suppression has expired: dropped, conditions count again
    let events = engine.apply(during, at(100));
    assert_eq!(
        kinds(&events),
        [
            (AlertEventKind::Escalated, "latency:x", Severity::Critical),
            (AlertEventKind::Opened, "latency:y", Severity::Medium)
        ]
    );
    assert!(engine.suppressions().is_empty());
}

#[test]
fn suppression_by_subject_matches_only_that_subject() {
    let s = Suppression {
        rule: None,
        subject: Some("cpu".into()),
        until: at(1),
    };
    assert!(s.matches(&cond(Rule::Resource, "cpu", Severity::High, 90.0)));
    assert!(!s.matches(&cond(Rule::Resource, "memory", Severity::High, 90.0)));
}

#[test]
fn callbacks_get_every_event_and_run_outside_the_lock() {
    let engine = Arc::new(AlertEngine::new());
    let seen = Arc::new(StdMutex::new(Vec::new()));
    let (e2, s2) = (Arc::downgrade(&engine), seen.clone());
    engine.on_alert(move |e| {
        // Reading the engine from a callback would deadlock if the state lock
        // were held while callbacks run.
        let active = e2.upgrade().unwrap().active().len();
        s2.lock().unwrap().push((e.event, active));
    });
    engine.apply(vec![cond(Rule::Latency, "x", Severity::Medium, 1.0)], at(0));
    engine.apply(vec![cond(Rule::Latency, "x", Severity::High, 1.0)], at(1));
    engine.apply(vec![], at(2));
    assert_eq!(
        *seen.lock().unwrap(),
        [
            (AlertEventKind::Opened, 1),
            (AlertEventKind::Escalated, 1),
            (AlertEventKind::Resolved, 0)
        ]
    );
}

#[test]
fn a_panicking_callback_does_not_break_evaluation() {
    let engine = AlertEngine::new();
    let calls = Arc::new(AtomicUsize::new(0));
    engine.on_alert(|_| panic!("callback bug"));
    let c2 = calls.clone();
    engine.on_alert(move |_| {
        c2.fetch_add(1, Ordering::Relaxed);
    });
    let events = engine.apply(
        vec![
            cond(Rule::Latency, "a", Severity::Medium, 1.0),
            cond(Rule::Latency, "b", Severity::Medium, 1.0),
        ],
        at(0),
    );
    assert_eq!(events.len(), 2);
    assert_eq!(calls.load(Ordering::Relaxed), 2); // the later callback still ran
    assert_eq!(engine.callback_panics(), 2);
    assert_eq!(engine.active().len(), 2);
    // and the engine keeps working
    assert_eq!(engine.apply(vec![], at(1)).len(), 2);
}

#[test]
fn evaluate_runs_the_rules_on_snapshots() {
    let reg = perfmon_core::Registry::new();
    reg.record(
        "db.get_user",
        perfmon_core::Kind::DatabaseQuery,
        Duration::from_millis(60),
    );
    let engine = AlertEngine::new();
    let events = engine.evaluate(&AlertInput::new(&reg.snapshots()), at(0));
    assert_eq!(
        kinds(&events),
        [(
            AlertEventKind::Opened,
            "latency:db.get_user",
            Severity::Critical
        )]
    );
}

#[test]
fn alerts_serialize_times_as_unix_ms_and_states_snake_case() {
    let engine = AlertEngine::new();
    engine.apply(vec![cond(Rule::NPlusOne, "q", Severity::High, 40.0)], at(0));
    let events = engine.apply(vec![], at(2));
    let v = serde_json::to_value(&events[0]).unwrap();
    assert_eq!(v["event"], "resolved");
    assert_eq!(v["alert"]["id"], "n_plus_one:q");
    assert_eq!(v["alert"]["rule"], "n_plus_one");
    assert_eq!(v["alert"]["state"], "resolved");
    assert_eq!(v["alert"]["severity"], "high");
    assert_eq!(v["alert"]["first_seen"], 1_700_000_000_000u64);
    assert_eq!(v["alert"]["resolved_at"], 1_700_000_002_000u64);
    assert_eq!(v["alert"]["duration"], 2000.0);
    let back: AlertEvent = serde_json::from_value(v).unwrap();
    assert_eq!(back, events[0]);
}

#[test]
fn the_global_engine_is_one_instance() {
    assert!(std::ptr::eq(crate::alerts(), crate::alerts()));
}

#[test]
fn an_evaluation_for_an_earlier_instant_changes_nothing() {
    let engine = AlertEngine::new();
    let slow = cond(Rule::Latency, "db.q", Severity::Medium, 80.0);
    // The later evaluation (made at 120 s) applies first and opens an alert.
    let opened = engine.apply(vec![slow], at(120));
    assert_eq!(opened.len(), 1);
    // The earlier one (made at 60 s, before the regression) arrives late:
    // it must not resolve the alert, nor move last_seen back.
    let late = engine.apply(Vec::new(), at(60));
    assert!(late.is_empty(), "{late:?}");
    assert_eq!(engine.stale_evaluations(), 1);
    let active = engine.active();
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].last_seen, at(120));
    // The same through `evaluate`.
    assert!(engine
        .evaluate(&crate::alert::AlertInput::default(), at(90))
        .is_empty());
    assert_eq!(engine.stale_evaluations(), 2);
    assert_eq!(engine.active().len(), 1);
    // An evaluation at the same instant or later applies.
    let resolved = engine.apply(Vec::new(), at(120));
    assert_eq!(kinds(&resolved)[0].0, AlertEventKind::Resolved);
}

#[test]
fn concurrent_evaluations_apply_in_the_order_of_their_instants() {
    // Threads apply evaluations made at shuffled instants; whatever the
    // interleaving, the alert's last_seen only moves forward and the final
    // state is that of the latest instant.
    let engine = Arc::new(AlertEngine::new());
    let handles: Vec<_> = (0..4u64)
        .map(|t| {
            let engine = Arc::clone(&engine);
            std::thread::spawn(move || {
                let mut last = None;
                for i in 0..200u64 {
                    let secs = (i * 7919 + t * 104_729) % 1000;
                    let present = if secs % 2 == 0 {
                        vec![cond(Rule::Latency, "db.q", Severity::Medium, 80.0)]
                    } else {
                        Vec::new()
                    };
                    engine.apply(present, at(secs));
                    if let Some(a) = engine.active().first() {
                        if let Some(prev) = last {
                            assert!(a.last_seen >= prev, "last_seen moved back");
                        }
                        last = Some(a.last_seen);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    // 800 evaluations at 1000 distinct-ish instants: most arrive late.
    assert!(engine.stale_evaluations() > 0);
    assert!(engine.apply(Vec::new(), at(0)).is_empty(), "time went back");
}
