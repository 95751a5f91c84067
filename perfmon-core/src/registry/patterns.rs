//! Request context findings: how often one operation ran within a single
//! request. The axum adapter (or any request-scoped code) reports each
//! request's per-operation call counts here; the analysis turns repeated
//! calls into N+1 alerts and recommendations.
//!
//! Each pattern keeps, per minute it was seen in (for the registry's
//! retention), the most calls in one request and the requests, so a window
//! can be judged: a pattern that stopped repeating leaves the window and its
//! N+1 alert resolves.

use super::Registry;
use crate::data::Window;
use crate::kind::Kind;
use crate::request::RequestContext;
use crate::sync::lock;
use crate::units::{unix_ms, MINUTE_MS};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::time::SystemTime;

/// Distinct (endpoint, operation) pairs kept; further pairs are not kept.
pub const MAX_REQUEST_PATTERNS: usize = 1024;

/// How often one operation runs inside a single request (found by the
/// request scope; the analysis rules take it as data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestPattern {
    /// The request's route (`"GET /orders/{id}"`), when known.
    pub endpoint: Option<String>,
    /// The operation called repeatedly.
    pub operation: String,
    /// Its kind.
    pub kind: Kind,
    /// The most calls of `operation` seen in one request.
    pub calls_in_one_request: u64,
    /// Requests in which the pattern was seen.
    pub requests: u64,
    /// When it was first seen, in milliseconds since the Unix epoch.
    #[serde(default)]
    pub first_seen_unix_ms: u64,
    /// When it was last seen, in milliseconds since the Unix epoch.
    #[serde(default)]
    pub last_seen_unix_ms: u64,
}

impl RequestPattern {
    /// The subject alerts and recommendations name: `"GET /orders: db.get_item"`
    /// or just the operation.
    pub fn subject(&self) -> String {
        match &self.endpoint {
            Some(e) => format!("{e}: {}", self.operation),
            None => self.operation.clone(),
        }
    }
}

/// One minute of a pattern: the most calls in one request, and requests.
#[derive(Debug, Clone, Copy)]
struct PatternMinute {
    minute: u64,
    most_calls: u64,
    requests: u64,
}

/// A pattern since start, and its minutes within the retention.
#[derive(Debug)]
struct PatternEntry {
    all_time: RequestPattern,
    /// Oldest first.
    minutes: VecDeque<PatternMinute>,
}

impl PatternEntry {
    fn note(&mut self, calls: u64, at_ms: u64, retention: u32) {
        let p = &mut self.all_time;
        p.calls_in_one_request = p.calls_in_one_request.max(calls);
        p.requests += 1;
        p.first_seen_unix_ms = p.first_seen_unix_ms.min(at_ms);
        p.last_seen_unix_ms = p.last_seen_unix_ms.max(at_ms);
        let minute = at_ms / MINUTE_MS;
        // Minutes come in order, but a late report may name an earlier one.
        let pos = self.minutes.partition_point(|m| m.minute < minute);
        match self.minutes.get_mut(pos) {
            Some(m) if m.minute == minute => {
                m.most_calls = m.most_calls.max(calls);
                m.requests += 1;
            }
            _ => self.minutes.insert(
                pos,
                PatternMinute {
                    minute,
                    most_calls: calls,
                    requests: 1,
                },
            ),
        }
        let newest = self.minutes.back().map_or(minute, |m| m.minute);
        let oldest = newest.saturating_sub(u64::from(retention.max(1)));
        while self.minutes.front().is_some_and(|m| m.minute <= oldest) {
            self.minutes.pop_front();
        }
    }

    /// The pattern over minutes `from..=to`, if it was seen in them.
    fn within(&self, from: u64, to: u64) -> Option<RequestPattern> {
        let mut seen = self
            .minutes
            .iter()
            .filter(|m| (from..=to).contains(&m.minute))
            .peekable();
        seen.peek()?;
        let mut p = self.all_time.clone();
        p.calls_in_one_request = 0;
        p.requests = 0;
        for m in seen {
            p.calls_in_one_request = p.calls_in_one_request.max(m.most_calls);
            p.requests += m.requests;
        }
        Some(p)
    }
}

/// Per (endpoint, operation): the most calls seen in one request, and in
/// how many requests the operation ran more than once.
#[derive(Debug, Default)]
pub(crate) struct RequestPatterns(BTreeMap<(String, String), PatternEntry>);

impl Registry {
    /// Reports that `operation` ran `calls` times while serving one request
    /// to `endpoint` (`None` outside any endpoint), now. Only repeated calls
    /// (`calls > 1`) are kept, for at most [`MAX_REQUEST_PATTERNS`] pairs.
    ///
    /// ```
    /// use perfmon_core::{Kind, Registry};
    /// let reg = Registry::new();
    /// reg.record_request_calls(Some("GET /orders"), "db.get_item", Kind::DatabaseQuery, 42);
    /// let p = &reg.request_patterns()[0];
    /// assert_eq!((p.calls_in_one_request, p.requests), (42, 1));
    /// ```
    pub fn record_request_calls(
        &self,
        endpoint: Option<&str>,
        operation: &str,
        kind: Kind,
        calls: u64,
    ) {
        let now = crate::units::unix_ms_now();
        self.note_request_calls(endpoint, operation, kind, calls, now);
    }

    /// [`Registry::record_request_calls`] for a request served at `at`
    /// (for tests and replays).
    pub fn record_request_calls_at(
        &self,
        endpoint: Option<&str>,
        operation: &str,
        kind: Kind,
        calls: u64,
        at: SystemTime,
    ) {
        self.note_request_calls(endpoint, operation, kind, calls, unix_ms(at));
    }

    fn note_request_calls(
        &self,
        endpoint: Option<&str>,
        operation: &str,
        kind: Kind,
        calls: u64,
        at_ms: u64,
    ) {
        if calls < 2 {
            return;
        }
        let retention = self.retention_minutes();
        let mut patterns = lock(self.request_patterns_store());
        let key = (endpoint.unwrap_or("").to_owned(), operation.to_owned());
        if !patterns.0.contains_key(&key) && patterns.0.len() >= MAX_REQUEST_PATTERNS {
            return;
        }
        let entry = patterns.0.entry(key).or_insert_with(|| PatternEntry {
            all_time: RequestPattern {
                endpoint: endpoint.map(str::to_owned),
                operation: operation.to_owned(),
                kind,
                calls_in_one_request: 0,
                requests: 0,
                first_seen_unix_ms: u64::MAX,
                last_seen_unix_ms: 0,
            },
            minutes: VecDeque::new(),
        });
        entry.note(calls, at_ms, retention);
    }

    /// The repeated-call patterns reported since start (or the last reset).
    pub fn request_patterns(&self) -> Vec<RequestPattern> {
        let patterns = lock(self.request_patterns_store());
        patterns.0.values().map(|e| e.all_time.clone()).collect()
    }

    /// The patterns seen in `window` ending at `now`, with the most calls in
    /// one request and the requests counted over that window only
    /// (`first_seen_unix_ms` and `last_seen_unix_ms` stay those since
    /// start). A pattern that stopped repeating drops out once its last
    /// minute leaves the window. [`Window::All`] is
    /// [`Registry::request_patterns`].
    ///
    /// ```
    /// use perfmon_core::{Kind, Registry, Window};
    /// use std::time::{Duration, SystemTime};
    /// let reg = Registry::new();
    /// let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    /// reg.record_request_calls_at(Some("GET /orders"), "db.item", Kind::DatabaseQuery, 40, t0);
    /// let later = t0 + Duration::from_secs(10 * 60);
    /// assert_eq!(reg.request_patterns_at(Window::LastMinutes(15), later).len(), 1);
    /// assert!(reg.request_patterns_at(Window::LastMinutes(5), later).is_empty());
    /// ```
    pub fn request_patterns_at(&self, window: Window, now: SystemTime) -> Vec<RequestPattern> {
        let Some((from, to)) = self.minute_range(window, now) else {
            return self.request_patterns();
        };
        let patterns = lock(self.request_patterns_store());
        patterns
            .0
            .values()
            .filter_map(|e| e.within(from, to))
            .collect()
    }

    pub(crate) fn clear_request_patterns(&self) {
        lock(self.request_patterns_store()).0.clear();
    }
}

impl RequestContext {
    /// Reports this request's repeated operations to `registry` under
    /// `endpoint`, where the analysis turns them into N+1 findings.
    pub fn report_to(&self, registry: &Registry, endpoint: &str) {
        for (name, kind, calls) in self.repeated() {
            registry.record_request_calls(Some(endpoint), &name, kind, calls);
        }
    }
}
