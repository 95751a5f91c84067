//! Request context findings: how often one operation ran within a single
//! request. The axum adapter (or any request-scoped code) reports each
//! request's per-operation call counts here; the analysis turns repeated
//! calls into N+1 alerts and recommendations.

use super::Registry;
use crate::kind::Kind;
use crate::request::RequestContext;
use crate::sync::lock;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

/// Per (endpoint, operation): the most calls seen in one request, and in
/// how many requests the operation ran more than once.
#[derive(Debug, Default)]
pub(crate) struct RequestPatterns(BTreeMap<(String, String), RequestPattern>);

impl Registry {
    /// Reports that `operation` ran `calls` times while serving one request
    /// to `endpoint` (`None` outside any endpoint). Only repeated calls
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
        if calls < 2 {
            return;
        }
        let mut patterns = lock(self.request_patterns_store());
        let key = (endpoint.unwrap_or("").to_owned(), operation.to_owned());
        if !patterns.0.contains_key(&key) && patterns.0.len() >= MAX_REQUEST_PATTERNS {
            return;
        }
        let p = patterns.0.entry(key).or_insert_with(|| RequestPattern {
            endpoint: endpoint.map(str::to_owned),
            operation: operation.to_owned(),
            kind,
            calls_in_one_request: 0,
            requests: 0,
        });
        p.calls_in_one_request = p.calls_in_one_request.max(calls);
        p.requests += 1;
    }

    /// The repeated-call patterns reported so far.
    pub fn request_patterns(&self) -> Vec<RequestPattern> {
        let patterns = lock(self.request_patterns_store());
        patterns.0.values().cloned().collect()
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
