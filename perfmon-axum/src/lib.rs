//! The axum adapter of perfmon: a tower layer that times every request and
//! a router that serves the monitoring endpoints.
//!
//! - [`layer`]: [`PerfmonLayer`], the tower layer that times each request
//!   under its route template (`"GET /parts/{id}"`).
//! - [`stats`]: HTTP counters beyond each route's perfmon operation
//!   (in flight, 4xx/5xx, queries per request, concurrency, users, tenants).
#![deny(missing_docs)]

pub mod layer;
pub mod stats;

pub use layer::{PerfmonBody, PerfmonLayer, PerfmonService};
pub use stats::{http_stats, HttpSnapshot, HttpStats};

/// A response extension set by every monitoring route: the request layer
/// leaves such requests out of its statistics, wherever the router is
/// mounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MonitoringResponse;
