//! The axum adapter of perfmon: a tower layer that times every request and
//! a router that serves the monitoring endpoints.
//!
//! - [`stats`]: HTTP counters beyond each route's perfmon operation
//!   (in flight, 4xx/5xx, queries per request, concurrency, users, tenants).
//! - [`dashboard`]: the live HTML dashboard page ([`dashboard::page`]).
#![deny(missing_docs)]

pub mod dashboard;
pub mod stats;

pub use stats::{http_stats, HttpSnapshot, HttpStats};

/// A response extension set by every monitoring route: the request layer
/// leaves such requests out of its statistics, wherever the router is
/// mounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MonitoringResponse;
