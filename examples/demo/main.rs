//! The axum demo service: a small parts inventory instrumented with
//! `#[perfmon::monitor_performance]`, timed per request by
//! `perfmon::axum::PerfmonLayer`, with the monitoring routes and the live
//! dashboard under `/performance`. A built-in load generator drives traffic
//! for a while so that the dashboard has something to show, including a
//! deliberately slow endpoint, an N+1 query pattern, failed logins and cache
//! misses (and so alerts and recommendations).
//!
//! ```text
//! cargo run --features axum --example demo
//! ```
//!
//! Files: `app/mod.rs` is the service (errors, the `Session` extractor,
//! authentication, handlers, the router), `app/db.rs` its simulated database
//! and caches, `load.rs` the load generator, and this file the environment,
//! the token and `main`.
//!
//! Environment:
//!
//! - `PERFMON_DEMO_PORT`: port on 127.0.0.1 (default 3000; 0 = any free port).
//! - `PERFMON_DEMO_TOKEN`: bearer token of the monitoring routes (default: a
//!   fresh random token per run, printed).
//! - `PERFMON_DEMO_LOAD_SECONDS`: how long the load generator runs (default
//!   20; 0 = no load).
//! - `PERFMON_DEMO_EXIT_AFTER_SECONDS`: exit after this many seconds instead
//!   of serving until Ctrl-C (for tests).
//!
//! Routes of the service (sessions come from `POST /login`; send them as
//! `Authorization: Bearer sess-<user>`; `admin` may write, `viewer` only
//! read; every password is `"hunter2"` except that nobody may log in as
//! `mallory`):
//!
//! - `POST /login` `{"user": "admin", "password": "hunter2"}`
//! - `GET /parts`, `POST /parts` `{"name": "gear", "stock": 4}`
//! - `GET /parts/{id}` (an L1, then L2 cache in front of the database),
//!   `PUT /parts/{id}`, `DELETE /parts/{id}`
//! - `GET /inventory`: every part with its stock, one query per part (N+1)
//! - `GET /reports/monthly`: a deliberately slow aggregate query

mod app;
mod load;

use rand::rngs::OsRng;
use rand::RngCore;
use std::fmt::Write;
use std::time::Duration;
use tokio::net::TcpListener;

fn env_u64(name: &str) -> Result<Option<u64>, String> {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| format!("{name}={v:?} is not a whole number")),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(e) => Err(format!("{name}: {e}")),
    }
}

/// A fresh token per run: `pm-` and 128 bits from the operating system's
/// random source, in hex.
fn fresh_token() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().fold(String::from("pm-"), |mut token, b| {
        let _ = write!(token, "{b:02x}");
        token
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = env_u64("PERFMON_DEMO_PORT")?.unwrap_or(3000);
    let port =
        u16::try_from(port).map_err(|_| format!("PERFMON_DEMO_PORT={port} is not a port"))?;
    let exit_after = env_u64("PERFMON_DEMO_EXIT_AFTER_SECONDS")?;
    // The load stops a second before the service does.
    let load_seconds = env_u64("PERFMON_DEMO_LOAD_SECONDS")?
        .unwrap_or(20)
        .min(exit_after.map_or(u64::MAX, |s| s.saturating_sub(1)));
    let token = match std::env::var("PERFMON_DEMO_TOKEN") {
        Ok(t) => t,
        Err(_) => fresh_token(),
    };

    let db = app::AppState::default();
    app::seed(&db);
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let app = app::app(db, &token)?;

    // Evaluates alert rules every 5 s, so alerts open (and resolve) by themselves.
    let analyzer = perfmon::spawn_analyzer(Duration::from_secs(5))?;

    let base = format!("http://{addr}");
    println!("perfmon demo service on {base}");
    println!();
    println!("  dashboard:  {base}/performance#token={token}");
    println!();
    println!("  curl -H 'Authorization: Bearer {token}' {base}/performance/report");
    println!("  curl -H 'Authorization: Bearer {token}' {base}/performance/endpoints");
    println!("  curl -H 'Authorization: Bearer {token}' {base}/performance/prometheus");
    println!("  curl {base}/performance/health");
    println!("  curl -H 'Authorization: Bearer sess-viewer' {base}/parts/1");
    println!(
        "  curl -X POST -H 'Content-Type: application/json' -d '{{\"user\":\"admin\",\"password\":\"hunter2\"}}' {base}/login"
    );
    println!();

    let shutdown = async move {
        match exit_after {
            Some(s) => tokio::time::sleep(Duration::from_secs(s)).await,
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    };
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown)
            .await
    });

    if load_seconds > 0 {
        println!("driving load for {load_seconds} s (PERFMON_DEMO_LOAD_SECONDS)...");
        let sent = load::run(addr, load_seconds).await;
        let report = perfmon::analyze();
        let s = &report.summary;
        println!(
            "load done: {sent} requests; grade {}, status {}, {} active alerts, {} recommendations",
            s.grade.map_or("-".to_owned(), |g| g.to_string()),
            s.status,
            s.active_alerts,
            report.recommendations.len()
        );
    }
    match exit_after {
        Some(s) => println!("serving; exiting after {s} s (PERFMON_DEMO_EXIT_AFTER_SECONDS)"),
        None => println!("serving until Ctrl-C"),
    }
    server.await??;
    analyzer.abort();
    Ok(())
}
