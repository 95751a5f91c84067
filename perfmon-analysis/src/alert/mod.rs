//! Alerts: rules that turn snapshots into conditions, and an engine that
//! turns conditions into alerts that open, escalate and resolve.
//!
//! - [`AlertInput`]: what rules read (slices of snapshots and findings,
//!   [`AlertThresholds`]); [`evaluate_rules`] turns it into [`Condition`]s,
//!   a pure function.
//! - [`AlertEngine`]: the state over time. [`AlertEngine::evaluate`] opens an
//!   [`Alert`] per new condition, escalates a worsening one, resolves one
//!   whose condition is gone, honours [`Suppression`]s, and delivers
//!   [`AlertEvent`]s to callbacks registered with [`AlertEngine::on_alert`].
//! - [`alerts()`] / [`on_alert()`]: the process-wide engine.

mod engine;
mod input;
mod rules;

pub use engine::{AlertEngine, DEFAULT_HISTORY};
pub use input::{AlertInput, AlertThresholds, Degradation};
pub use rules::evaluate_rules;

use once_cell::sync::Lazy;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::{Duration, SystemTime};

/// How bad a condition is, from `Low` to `Critical` (ordered).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth a look.
    Low,
    /// Degraded.
    Medium,
    /// Users notice.
    High,
    /// Act now.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 4] = [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The rule that raised a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// An operation's mean above its kind's warning threshold.
    Latency,
    /// An operation's p95 above a multiple of its kind's target.
    LatencyP95,
    /// A kind's call-weighted mean above its warning threshold.
    KindLatency,
    /// Errors and panics over calls above the threshold.
    ErrorRate,
    /// A cache's hit rate below its warning threshold.
    CacheHitRate,
    /// A metric grew against an earlier window.
    Degradation,
    /// CPU, memory or disk use above its threshold.
    Resource,
    /// One operation called many times within one request.
    NPlusOne,
    /// An objective's error budget burning fast in a long and a short window.
    BurnRate,
    /// Items processed per second below the configured minimum.
    Throughput,
}

impl Rule {
    /// The snake_case name (the prefix of alert ids).
    pub fn name(self) -> &'static str {
        match self {
            Rule::Latency => "latency",
            Rule::LatencyP95 => "latency_p95",
            Rule::KindLatency => "kind_latency",
            Rule::ErrorRate => "error_rate",
            Rule::CacheHitRate => "cache_hit_rate",
            Rule::Degradation => "degradation",
            Rule::Resource => "resource",
            Rule::NPlusOne => "n_plus_one",
            Rule::BurnRate => "burn_rate",
            Rule::Throughput => "throughput",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a rule found at one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// The rule that found it.
    pub rule: Rule,
    /// What it is about: an operation, a kind, a cache, `"cpu"`, ...
    pub subject: String,
    /// How bad.
    pub severity: Severity,
    /// In words: `auth.login averaging 120.0 ms (target < 50 ms)`.
    pub message: String,
    /// The observed figure (milliseconds, percent or a count; see the rule).
    pub value: f64,
    /// The threshold it crossed, in the same unit.
    pub threshold: f64,
}

impl Condition {
    /// The id of the alert this condition opens: `"{rule}:{subject}"`, stable
    /// across evaluations (`latency:auth.login`).
    pub fn id(&self) -> String {
        format!("{}:{}", self.rule, self.subject)
    }
}

/// Whether an alert is still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    /// Its condition is present.
    Active,
    /// Its condition went away.
    Resolved,
}

/// An alert: a condition followed over time. Times serialize as Unix
/// milliseconds, `duration` as milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// `"{rule}:{subject}"`: the same for every alert of one condition, so a
    /// condition that comes back after resolving reuses its id.
    pub id: String,
    /// The rule.
    pub rule: Rule,
    /// The subject.
    pub subject: String,
    /// The highest severity seen while active (alerts escalate, they do not
    /// de-escalate).
    pub severity: Severity,
    /// The latest message.
    pub message: String,
    /// The latest observed figure.
    pub value: f64,
    /// The threshold the latest figure crossed.
    pub threshold: f64,
    /// When the alert opened.
    #[serde(with = "perfmon_core::units::serde_unix_ms")]
    pub first_seen: SystemTime,
    /// The latest evaluation that saw the condition.
    #[serde(with = "perfmon_core::units::serde_unix_ms")]
    pub last_seen: SystemTime,
    /// From `first_seen` to `resolved_at`, or to `last_seen` while active.
    #[serde(with = "perfmon_core::units::serde_ms")]
    pub duration: Duration,
    /// Active or resolved.
    pub state: AlertState,
    /// When the condition was found gone.
    #[serde(with = "perfmon_core::units::serde_unix_ms::option")]
    pub resolved_at: Option<SystemTime>,
}

/// What happened to an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertEventKind {
    /// A new alert.
    Opened,
    /// An active alert's severity rose.
    Escalated,
    /// An alert's condition went away.
    Resolved,
}

/// An alert that opened, escalated or resolved, as delivered to callbacks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertEvent {
    /// What happened.
    pub event: AlertEventKind,
    /// The severity before an escalation.
    pub previous_severity: Option<Severity>,
    /// The alert after the change.
    pub alert: Alert,
}

/// Mutes matching conditions until a time (maintenance): they neither open
/// nor escalate alerts. `None` matches anything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppression {
    /// Only this rule, or any.
    pub rule: Option<Rule>,
    /// Only this subject, or any.
    pub subject: Option<String>,
    /// Muted until this time (exclusive); dropped after it.
    #[serde(with = "perfmon_core::units::serde_unix_ms")]
    pub until: SystemTime,
}

impl Suppression {
    /// Whether it mutes `c`.
    pub fn matches(&self, c: &Condition) -> bool {
        self.rule.is_none_or(|r| r == c.rule)
            && self.subject.as_deref().is_none_or(|s| s == c.subject)
    }
}

static ALERTS: Lazy<AlertEngine> = Lazy::new(AlertEngine::new);

/// The process-wide alert engine.
///
/// ```
/// use perfmon_analysis::{alerts, AlertInput};
/// use std::time::SystemTime;
/// let events = alerts().evaluate(&AlertInput::default(), SystemTime::now());
/// assert!(events.is_empty());
/// ```
pub fn alerts() -> &'static AlertEngine {
    &ALERTS
}

/// Registers a callback on the process-wide engine, called on every opened,
/// escalated and resolved alert (outside the engine's lock; a panic in it is
/// caught and counted).
///
/// ```
/// perfmon_analysis::on_alert(|e| eprintln!("{:?} {}", e.event, e.alert.message));
/// ```
pub fn on_alert(f: impl Fn(&AlertEvent) + Send + Sync + 'static) {
    alerts().on_alert(f)
}
