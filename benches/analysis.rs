//! The analysis layer at scale: building reports for 1,000 operations, the
//! memory of 1,000 operations with 60 minutes of per-minute windows, and of
//! 100 operations with a full day of history (per minute for the last hour,
//! then 10-minute buckets).
//!
//! ```text
//! cargo bench --bench analysis
//! ```
//!
//! Times are compared with `summaries()` of the same registry in the same
//! run (the cheapest full read), so the ratio survives a noisy machine.

use criterion::{black_box, Criterion};
use perfmon::RegistryExt;
use perfmon::{AlertEngine, Kind, Outcome, Registry, ReportOptions, Window};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const OPERATIONS: usize = 1_000;
const MINUTES: u64 = 60;
const CALLS_PER_MINUTE: u64 = 20;
const DAY_OPERATIONS: usize = 100;
const DAY_MINUTES: u64 = 24 * 60;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(29_500_000 * 60 + 30)
}

/// 1,000 operations of mixed kinds, each with 20 calls in each of the last
/// 60 minutes, durations spread over two orders of magnitude.
fn populated() -> Registry {
    populated_for(OPERATIONS, MINUTES)
}

/// `operations` operations of mixed kinds, each with 20 calls in each of
/// the last `minutes` minutes.
fn populated_for(operations: usize, minutes: u64) -> Registry {
    let reg = Registry::new();
    let kinds = [
        Kind::Authentication,
        Kind::Authorization,
        Kind::DatabaseQuery,
        Kind::ApiResponse,
        Kind::Processing,
    ];
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for minute in (0..minutes).rev() {
        let at = now() - Duration::from_secs(60 * minute);
        for op in 0..operations {
            let name = format!("service.op_{op:04}");
            let kind = kinds[op % kinds.len()].clone();
            for _ in 0..CALLS_PER_MINUTE {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let us = 500 + x % 80_000;
                let outcome = if x.is_multiple_of(97) {
                    Outcome::Error
                } else {
                    Outcome::Ok
                };
                reg.record_at(
                    &name,
                    kind.clone(),
                    Duration::from_micros(us),
                    outcome,
                    None,
                    at,
                );
            }
        }
    }
    reg
}

fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

fn main() {
    let rss_before = rss_bytes();
    let reg = populated();
    let rss_after = rss_bytes();
    let accounted = reg.memory_bytes();
    println!(
        "memory: {OPERATIONS} operations x {MINUTES} minutes x {CALLS_PER_MINUTE} calls/minute: \
         accounted {:.1} MiB ({:.1} KiB per operation)",
        accounted as f64 / 1048576.0,
        accounted as f64 / 1024.0 / OPERATIONS as f64,
    );
    if let (Some(a), Some(b)) = (rss_before, rss_after) {
        println!(
            "memory: process RSS grew by {:.1} MiB while filling the registry",
            b.saturating_sub(a) as f64 / 1048576.0
        );
    }

    // A day of history: 100 operations are enough for bytes per operation.
    let day = populated_for(DAY_OPERATIONS, DAY_MINUTES);
    let accounted = day.memory_bytes();
    println!(
        "memory: {DAY_OPERATIONS} operations x {DAY_MINUTES} minutes (24 h) x {CALLS_PER_MINUTE} \
         calls/minute: accounted {:.1} KiB per operation (per minute for the last {} minutes, \
         then {}-minute buckets)",
        accounted as f64 / 1024.0 / DAY_OPERATIONS as f64,
        day.retention_minutes(),
        perfmon::COARSE_MINUTES,
    );

    let engine = AlertEngine::new();
    // `PERFMON_BENCH_PROFILE=N`: N evaluations and nothing else, for a
    // profiler (`valgrind --tool=callgrind --toggle-collect='*build_report*'`).
    if let Some(n) = std::env::var("PERFMON_BENCH_PROFILE")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
    {
        let evaluation = ReportOptions {
            window: reg.analysis_window(),
            max_operations: 0,
            ..ReportOptions::default()
        };
        for _ in 0..n {
            black_box(reg.summaries());
            black_box(reg.analyze_with(&engine, &evaluation, now()));
        }
        return;
    }
    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    let mut g = c.benchmark_group("analysis_1000_operations");
    g.bench_function("summaries (baseline)", |b| {
        b.iter(|| black_box(reg.summaries()))
    });
    g.bench_function("report all time", |b| {
        b.iter(|| black_box(reg.report_at(&engine, &ReportOptions::default(), now())))
    });
    g.bench_function("report last 5 minutes", |b| {
        b.iter(|| black_box(reg.report_at(&engine, &ReportOptions::last_minutes(5), now())))
    });
    g.bench_function("analyze (rules + alerts) last 5 minutes", |b| {
        b.iter(|| black_box(reg.analyze_with(&engine, &ReportOptions::last_minutes(5), now())))
    });
    // What `spawn_analyzer` runs each interval: rules, engine, health and
    // the report's headline, over the analysis window; no per-operation table.
    let evaluation = ReportOptions {
        window: reg.analysis_window(),
        max_operations: 0,
        ..ReportOptions::default()
    };
    g.bench_function(
        "windowed evaluation (rules, engine, health, headline)",
        |b| b.iter(|| black_box(reg.analyze_with(&engine, &evaluation, now()))),
    );
    g.bench_function("report to text", |b| {
        let r = reg.report_at(&engine, &ReportOptions::default(), now());
        b.iter(|| black_box(r.to_string()))
    });
    g.bench_function("report to prometheus", |b| {
        let r = reg.report_at(&engine, &ReportOptions::default(), now());
        b.iter(|| black_box(r.to_prometheus(perfmon::export::Format::Prometheus)))
    });
    g.finish();
    let mut g = c.benchmark_group("history_100_operations_24h");
    g.bench_function("snapshots last 60 minutes", |b| {
        b.iter(|| black_box(day.window_snapshots(Window::LastMinutes(60), now())))
    });
    g.bench_function("snapshots last 24 hours", |b| {
        b.iter(|| black_box(day.window_snapshots(Window::LastMinutes(24 * 60), now())))
    });
    g.finish();
    c.final_summary();
}
