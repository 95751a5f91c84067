//! Soak: bounded memory and bounded operations under long, hostile load.
//!
//! Run: `cargo bench --features axum --bench soak` (about a minute).
//!
//! 1. 10 M calls over 1,000 operations, spread over three hours of
//!    timestamps (`record_at`), so every operation rotates its per-minute
//!    ring well past the 60-minute retention. The process's resident memory
//!    is read (`/proc/self/statm`) after a first pass (every operation and
//!    its ring allocated) and at the end: the growth must stay under
//!    [`RSS_GROWTH_BOUND_MIB`].
//! 2. The axum layer under 1 M requests to random raw paths (matching the
//!    20 routes with random ids, or matching nothing) with random methods,
//!    standard and invented: the operation count must stay at the routes
//!    plus the stated buckets (one `UNSERVED` bucket per route, one
//!    `<unmatched>` bucket per method bucket).
//!
//! It prints the figures and panics when a bound is exceeded.

use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use axum::Router;
use perfmon::axum::PerfmonLayer;
use perfmon::{Kind, Outcome, Registry};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};
use tower::ServiceExt;

/// Resident memory may grow by at most this much between the end of the
/// first pass and the end of the soak.
const RSS_GROWTH_BOUND_MIB: f64 = 16.0;
const OPERATIONS: usize = 1_000;
const CALLS: u64 = 10_000_000;
const MINUTES: u64 = 180;
const ROUTES: usize = 20;
const REQUESTS: u64 = 1_000_000;

fn rss_mib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0.0);
    pages * 4096.0 / (1024.0 * 1024.0)
}

fn registry_soak() {
    let reg = Registry::new();
    let names: Vec<String> = (0..OPERATIONS).map(|i| format!("soak.op_{i:04}")).collect();
    let start = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let mut rng = SmallRng::seed_from_u64(7);
    let per_minute = CALLS / MINUTES;
    let mut calls = 0u64;
    let mut rss_after_first_pass = 0.0;
    let began = Instant::now();
    for minute in 0..MINUTES {
        let at = start + Duration::from_secs(minute * 60 + 1);
        for _ in 0..per_minute {
            let name = &names[rng.gen_range(0..OPERATIONS)];
            let outcome = if rng.gen_ratio(1, 100) {
                Outcome::Error
            } else {
                Outcome::Ok
            };
            let ns = rng.gen_range(1_000..50_000_000);
            reg.record_at(
                name,
                Kind::Processing,
                Duration::from_nanos(ns),
                outcome,
                Some("soak"),
                at,
            );
            calls += 1;
        }
        if minute == 60 {
            // Every operation exists and its 60-minute ring is full.
            rss_after_first_pass = rss_mib();
        }
    }
    let rss_end = rss_mib();
    let growth = rss_end - rss_after_first_pass;
    println!(
        "registry: {calls} calls over {OPERATIONS} operations and {MINUTES} minutes in {:.1} s; \
         RSS {rss_after_first_pass:.1} MiB after the first 60 minutes, {rss_end:.1} MiB at the end \
         (growth {growth:+.1} MiB, bound {RSS_GROWTH_BOUND_MIB} MiB); registry holds {:.1} MiB",
        began.elapsed().as_secs_f64(),
        reg.memory_bytes() as f64 / (1024.0 * 1024.0)
    );
    assert_eq!(reg.len(), OPERATIONS);
    assert!(growth < RSS_GROWTH_BOUND_MIB, "RSS grew by {growth:.1} MiB");
}

fn http_soak() {
    let registry = Arc::new(Registry::new());
    let (layer, http) = PerfmonLayer::pair();
    let mut app = Router::new();
    for r in 0..ROUTES {
        app = app.route(&format!("/r{r}/{{id}}"), get(|| async { "ok" }));
    }
    let app = app.layer(layer.registry(registry.clone()));
    let methods = [
        "GET", "GET", "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "HEAD",
    ];
    let mut rng = SmallRng::seed_from_u64(11);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let began = Instant::now();
    rt.block_on(async {
        for _ in 0..REQUESTS {
            let method: String = if rng.gen_ratio(1, 10) {
                (0..rng.gen_range(1..8))
                    .map(|_| rng.gen_range(b'A'..=b'Z') as char)
                    .collect()
            } else {
                methods[rng.gen_range(0..methods.len())].to_owned()
            };
            let path = if rng.gen_ratio(1, 2) {
                format!("/r{}/{}", rng.gen_range(0..ROUTES), rng.gen::<u32>())
            } else {
                format!("/{:x}/{:x}", rng.gen::<u64>(), rng.gen::<u32>())
            };
            let req = Request::builder()
                .method(method.as_str())
                .uri(path)
                .body(Body::empty())
                .unwrap();
            let _ = app.clone().oneshot(req).await;
        }
    });
    let names = registry.names();
    // Served: GET and HEAD per route (HEAD is served by GET routes);
    // unserved: one bucket per route; unmatched: one per method bucket.
    let method_buckets = 11; // the nine standard methods, OTHER, and UNSERVED
    let bound = ROUTES * 3 + method_buckets;
    println!(
        "http: {REQUESTS} requests with random paths and methods in {:.1} s: {} operations \
         (bound {bound}: {ROUTES} routes x GET/HEAD/UNSERVED + one <unmatched> per method bucket), \
         {} HTTP routes",
        began.elapsed().as_secs_f64(),
        names.len(),
        http.snapshot().routes.len()
    );
    assert!(
        names.len() <= bound,
        "{} operations: {names:?}",
        names.len()
    );
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    registry_soak();
    http_soak();
}
