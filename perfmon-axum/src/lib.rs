//! The axum adapter of perfmon: a tower layer that times every request and
//! a router that serves the monitoring endpoints.
//!
//! - [`timing`]: [`PerfmonLayer`], the tower layer that times each request
//!   under its route template (`"GET /parts/{id}"`).
//! - [`stats`]: HTTP counters beyond each route's perfmon operation
//!   (in flight, 4xx/5xx, queries per request, concurrency, users, tenants).
//! - [`router`] / [`RouterOptions`]: JSON monitoring endpoints (health,
//!   metrics, reports, operations, endpoints, alerts, benchmarks,
//!   Prometheus text), and [`prometheus_router`] for `/metrics`.
//! - [`auth`]: bearer token (constant-time) or guard access.
//! - [`dashboard`]: the live HTML dashboard page ([`dashboard::page`]),
//!   for the router's `GET /`.
//!
//! ```
//! use axum::Router;
//! use perfmon_axum::RouterOptions;
//!
//! # fn main() -> Result<(), perfmon_axum::TokenError> {
//! let app: Router = Router::new()
//!     .nest("/performance", perfmon_axum::router(RouterOptions::with_token("s3cret-token-0123456789")?))
//!     .merge(perfmon_axum::prometheus_router(RouterOptions::with_token("scraper-token-0123456789")?));
//! # let _ = app;
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod auth;
pub mod dashboard;
pub mod timing;

/// The timing layer's old path (`perfmon::axum::layer`), kept as an alias of
/// [`timing`].
#[doc(hidden)]
pub use timing as layer;
pub mod routes;
mod shared;
pub mod stats;

pub use auth::TokenError;
pub use routes::{prometheus_router, router, ApiError, ErrorBody, RouterOptions};
pub use stats::{http_stats, HttpSnapshot, HttpStats};
pub use timing::{PerfmonBody, PerfmonLayer, PerfmonService};

/// A response extension set by every monitoring route: the request layer
/// leaves such requests out of its statistics, wherever the router is
/// mounted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MonitoringResponse;
