//! The alert state machine: open, deduplicate, escalate, resolve, suppress.

use super::{
    evaluate_rules, Alert, AlertEvent, AlertEventKind, AlertInput, AlertState, Condition,
    Suppression,
};
use perfmon_core::sync::{lock, read, write};
use std::collections::{BTreeMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::SystemTime;

/// Resolved alerts kept by default.
pub const DEFAULT_HISTORY: usize = 200;

type Callback = Arc<dyn Fn(&AlertEvent) + Send + Sync>;

#[derive(Default)]
struct State {
    active: BTreeMap<String, Alert>,
    history: VecDeque<Alert>,
    suppressions: Vec<Suppression>,
    /// The instant of the latest evaluation applied.
    last_applied: Option<SystemTime>,
}

/// Alerts over time. Time is an argument (`now`), so tests are
/// deterministic.
///
/// - A condition without an active alert opens one (event `opened`).
/// - The same condition again updates the alert's `last_seen`, message and
///   value (no second alert); a higher severity escalates it (`escalated`).
///   Severity never goes down while the alert is active.
/// - An active alert whose condition is absent resolves (`resolved`) and
///   moves to a bounded history (oldest dropped).
/// - A condition matched by an unexpired [`Suppression`] neither opens nor
///   escalates an alert (an active one stays active); expired suppressions
///   are dropped.
///
/// - Evaluations apply one at a time, in the order of their `now`: one made
///   for an instant earlier than the latest applied (a background analysis
///   that gathered its data before a `POST /analyze` that finished first)
///   changes nothing and is counted ([`AlertEngine::stale_evaluations`]), so
///   it never resolves an alert a later evaluation opened and `last_seen`
///   never moves backwards.
/// - Rules see which alerts are active ([`AlertInput::active`]), so an
///   active alert stays until its figure is back past the threshold by the
///   hysteresis margin.
///
/// Callbacks run after the state is updated and its lock released, in
/// registration order; a panicking callback is caught and counted
/// ([`AlertEngine::callback_panics`]), and the others still run.
///
/// ```
/// use perfmon_analysis::{AlertEngine, AlertEventKind, AlertInput};
/// use perfmon_core::{Kind, Registry};
/// use std::time::{Duration, SystemTime};
///
/// let engine = AlertEngine::new();
/// let reg = Registry::new();
/// reg.record("db.get_user", Kind::DatabaseQuery, Duration::from_millis(40));
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
///
/// let events = engine.evaluate(&AlertInput::new(&reg.snapshots()), now);
/// assert_eq!(events[0].event, AlertEventKind::Opened);
/// assert_eq!(engine.active()[0].id, "latency:db.get_user");
///
/// reg.reset(); // recovered
/// let events = engine.evaluate(&AlertInput::new(&reg.snapshots()), now + Duration::from_secs(60));
/// assert_eq!(events[0].event, AlertEventKind::Resolved);
/// assert_eq!(engine.history()[0].duration, Duration::from_secs(60));
/// ```
pub struct AlertEngine {
    state: Mutex<State>,
    callbacks: RwLock<Vec<Callback>>,
    history_capacity: usize,
    callback_panics: AtomicU64,
    stale: AtomicU64,
}

impl std::fmt::Debug for AlertEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.lock();
        f.debug_struct("AlertEngine")
            .field("active", &s.active.len())
            .field("history", &s.history.len())
            .field("suppressions", &s.suppressions.len())
            .field("history_capacity", &self.history_capacity)
            .finish()
    }
}

impl Default for AlertEngine {
    fn default() -> Self {
        AlertEngine::new()
    }
}

impl AlertEngine {
    /// An engine keeping [`DEFAULT_HISTORY`] resolved alerts.
    pub fn new() -> Self {
        AlertEngine::with_history(DEFAULT_HISTORY)
    }

    /// An engine keeping `capacity` resolved alerts.
    pub fn with_history(capacity: usize) -> Self {
        AlertEngine {
            state: Mutex::new(State::default()),
            callbacks: RwLock::new(Vec::new()),
            history_capacity: capacity,
            callback_panics: AtomicU64::new(0),
            stale: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is consistent after every statement that can panic, so a
        // poisoned lock is recovered rather than propagated.
        lock(&self.state)
    }

    /// Runs the rules on `input` (told which alerts are active, for the
    /// hysteresis) and applies the conditions at `now`; nothing happens when
    /// `now` is earlier than the latest evaluation applied.
    pub fn evaluate(&self, input: &AlertInput<'_>, now: SystemTime) -> Vec<AlertEvent> {
        let events = {
            let mut s = self.lock();
            if self.is_stale(&s, now) {
                return Vec::new();
            }
            let active: Vec<String> = s.active.keys().cloned().collect();
            let conditions = evaluate_rules(&input.clone().active(&active));
            self.apply_locked(&mut s, conditions, now)
        };
        self.deliver(&events);
        events
    }

    /// Applies conditions found elsewhere at `now` (the whole set present at
    /// this time: an active alert missing from it resolves). Of two
    /// conditions with the same id, the more severe counts. Nothing happens
    /// when `now` is earlier than the latest evaluation applied.
    pub fn apply(&self, conditions: Vec<Condition>, now: SystemTime) -> Vec<AlertEvent> {
        let events = {
            let mut s = self.lock();
            if self.is_stale(&s, now) {
                return Vec::new();
            }
            self.apply_locked(&mut s, conditions, now)
        }; // state lock released before any callback runs
        self.deliver(&events);
        events
    }

    /// Evaluations refused so far because they were made for an instant
    /// earlier than one already applied.
    pub fn stale_evaluations(&self) -> u64 {
        self.stale.load(Ordering::Relaxed)
    }

    /// The ids of the active alerts, sorted (what [`AlertInput::active`]
    /// takes).
    pub fn active_ids(&self) -> Vec<String> {
        self.lock().active.keys().cloned().collect()
    }

    fn is_stale(&self, s: &State, now: SystemTime) -> bool {
        let stale = s.last_applied.is_some_and(|last| now < last);
        if stale {
            self.stale.fetch_add(1, Ordering::Relaxed);
            #[cfg(feature = "tracing")]
            tracing::debug!(target: "perfmon", "alert evaluation for an earlier instant ignored");
        }
        stale
    }

    fn apply_locked(
        &self,
        s: &mut State,
        conditions: Vec<Condition>,
        now: SystemTime,
    ) -> Vec<AlertEvent> {
        s.last_applied = Some(now);
        let mut present: BTreeMap<String, Condition> = BTreeMap::new();
        for c in conditions {
            let id = c.id();
            match present.get(&id) {
                Some(prev) if prev.severity >= c.severity => {}
                _ => {
                    present.insert(id, c);
                }
            }
        }
        {
            s.suppressions.retain(|x| x.until > now);
            let mut events = Vec::new();
            let gone: Vec<String> = s
                .active
                .keys()
                .filter(|id| !present.contains_key(*id))
                .cloned()
                .collect();
            for id in gone {
                let Some(mut alert) = s.active.remove(&id) else {
                    continue;
                };
                alert.state = AlertState::Resolved;
                alert.resolved_at = Some(now);
                alert.duration = now.duration_since(alert.first_seen).unwrap_or_default();
                events.push(event(AlertEventKind::Resolved, None, &alert));
                if self.history_capacity > 0 {
                    if s.history.len() == self.history_capacity {
                        s.history.pop_front();
                    }
                    s.history.push_back(alert);
                }
            }
            for (id, c) in present {
                let muted = s.suppressions.iter().any(|x| x.matches(&c));
                match s.active.get_mut(&id) {
                    Some(alert) => {
                        alert.last_seen = now;
                        alert.duration = now.duration_since(alert.first_seen).unwrap_or_default();
                        alert.message = c.message;
                        alert.value = c.value;
                        alert.threshold = c.threshold;
                        if c.severity > alert.severity && !muted {
                            let from = alert.severity;
                            alert.severity = c.severity;
                            events.push(event(AlertEventKind::Escalated, Some(from), alert));
                        }
                    }
                    None if muted => {}
                    None => {
                        let alert = Alert {
                            id: id.clone(),
                            rule: c.rule,
                            subject: c.subject,
                            severity: c.severity,
                            message: c.message,
                            value: c.value,
                            threshold: c.threshold,
                            first_seen: now,
                            last_seen: now,
                            duration: Default::default(),
                            state: AlertState::Active,
                            resolved_at: None,
                        };
                        events.push(event(AlertEventKind::Opened, None, &alert));
                        s.active.insert(id, alert);
                    }
                }
            }
            events
        }
    }

    fn deliver(&self, events: &[AlertEvent]) {
        if events.is_empty() {
            return;
        }
        let callbacks: Vec<Callback> = read(&self.callbacks).clone();
        for e in events {
            for cb in &callbacks {
                if catch_unwind(AssertUnwindSafe(|| cb(e))).is_err() {
                    self.callback_panics.fetch_add(1, Ordering::Relaxed);
                    #[cfg(feature = "tracing")]
                    tracing::error!(target: "perfmon", alert = %e.alert.id, "alert callback panicked");
                }
            }
        }
    }

    /// Registers a callback for every opened, escalated and resolved alert.
    /// It may call back into the engine (no lock is held while it runs).
    pub fn on_alert(&self, f: impl Fn(&AlertEvent) + Send + Sync + 'static) {
        write(&self.callbacks).push(Arc::new(f));
    }

    /// Callbacks that panicked so far (each panic counted once).
    pub fn callback_panics(&self) -> u64 {
        self.callback_panics.load(Ordering::Relaxed)
    }

    /// Mutes matching conditions until `s.until`.
    pub fn suppress(&self, s: Suppression) {
        self.lock().suppressions.push(s);
    }

    /// Suppressions not yet dropped (an expired one goes at the next
    /// evaluation).
    pub fn suppressions(&self) -> Vec<Suppression> {
        self.lock().suppressions.clone()
    }

    /// Active alerts, most severe first, then by id.
    pub fn active(&self) -> Vec<Alert> {
        let mut v: Vec<Alert> = self.lock().active.values().cloned().collect();
        v.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
        v
    }

    /// Resolved alerts, oldest first.
    pub fn history(&self) -> Vec<Alert> {
        self.lock().history.iter().cloned().collect()
    }

    /// Forgets every alert and suppression (callbacks stay).
    pub fn clear(&self) {
        *self.lock() = State::default();
    }
}

fn event(kind: AlertEventKind, previous: Option<crate::alert::Severity>, a: &Alert) -> AlertEvent {
    AlertEvent {
        event: kind,
        previous_severity: previous,
        alert: a.clone(),
    }
}

#[cfg(test)]
mod tests;
