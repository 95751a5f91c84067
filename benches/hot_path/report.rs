//! The report printed after the run: medians read back from criterion's
//! files of this run, ratios to bare and to the peers, and evidence that
//! every row recorded its calls.

use super::*;

/// The median (ns per call) of `group/id` measured by this run, if any.
pub(crate) fn median_ns(
    dir: &std::path::Path,
    since: std::time::SystemTime,
    id: &str,
) -> Option<f64> {
    let path = dir.join(id).join("new").join("estimates.json");
    let meta = std::fs::metadata(&path).ok()?;
    if meta.modified().ok()? < since {
        return None; // left by an earlier run
    }
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

pub(crate) fn criterion_dir() -> std::path::PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").unwrap_or_else(|| "target".into());
    std::path::PathBuf::from(target).join("criterion")
}

/// Rows of the single-thread table: (criterion id, label). Rows whose id
/// ends in `_async` are read against `async_bare`, all others against `bare`.
pub(crate) const ROWS: &[(&str, &str)] = &[
    ("bare", "bare (baseline)"),
    ("async_bare", "bare async fn, polled once"),
    ("perfmon_macro", "`#[perfmon::monitor_performance]`"),
    (
        "perfmon_macro_params",
        "`#[monitor_performance(params(a, b))]`, two u64",
    ),
    (
        "perfmon_macro_async",
        "`#[monitor_performance]` async fn, polled once",
    ),
    (
        "perfmon_cached_operation",
        "perfmon by hand: cached `Operation`, raw clock pair, `record_nanos`",
    ),
    (
        "perfmon_timer",
        "`perfmon::timer(..)` guard (name lookup per call)",
    ),
    (
        "tracing_instrument",
        "`#[tracing::instrument]` + timing layer",
    ),
    ("fastrace_trace", "`#[fastrace::trace]`, caller thread only"),
    (
        "fastrace_trace_collect",
        "`#[fastrace::trace]`, collector flushes timed too",
    ),
    (
        "metrics_histogram",
        "`metrics::histogram!` + `Instant` pair, caller thread only",
    ),
    (
        "metrics_histogram_upkeep",
        "`metrics::histogram!` + `Instant` pair, upkeep timed too",
    ),
    (
        "autometrics",
        "`#[autometrics]` (prometheus-client backend)",
    ),
    (
        "perfmon_macro_scoped",
        "`#[monitor_performance]` inside `Registry::scope`",
    ),
    (
        "perfmon_macro_after_scope",
        "`#[monitor_performance]` outside, once a scope was entered",
    ),
    ("instant_pair", "`Instant::now()` pair"),
    ("quanta_raw_pair", "`quanta::Clock::raw()` pair"),
];

/// The perfmon rows compared with the peers, and the peers.
pub(crate) const PERFMON_ROWS: &[&str] = &[
    "perfmon_macro",
    "perfmon_macro_params",
    "perfmon_cached_operation",
    "perfmon_timer",
];
pub(crate) const PEER_ROWS: &[&str] = &[
    "tracing_instrument",
    "fastrace_trace",
    "fastrace_trace_collect",
    "metrics_histogram",
    "metrics_histogram_upkeep",
    "autometrics",
];

pub(crate) fn report(since: std::time::SystemTime) {
    let dir = criterion_dir();
    let group = dir.join("hot_path");
    let medians: Vec<(&str, &str, f64)> = ROWS
        .iter()
        .filter_map(|(id, label)| median_ns(&group, since, id).map(|m| (*id, *label, m)))
        .collect();
    let get = |id: &str| medians.iter().find(|r| r.0 == id).map(|r| r.2);
    if let Some(bare_ns) = get("bare") {
        println!("\n| row | median ns/call | x bare | ns above bare |");
        println!("| --- | ---: | ---: | ---: |");
        for (id, label, m) in &medians {
            let (base, base_id) = match get("async_bare") {
                Some(a) if id.ends_with("_async") => (a, " (vs async_bare)"),
                _ => (bare_ns, ""),
            };
            println!(
                "| {label} | {m:.2} | {:.2}{base_id} | {:.2} |",
                m / base,
                m - base
            );
        }
        println!("\n| perfmon row | peer | peer ns / perfmon ns |");
        println!("| --- | --- | ---: |");
        for p in PERFMON_ROWS {
            let Some(pm) = get(p) else { continue };
            for peer in PEER_ROWS {
                if let Some(pe) = get(peer) {
                    println!("| {p} | {peer} | {:.2} |", pe / pm);
                }
            }
        }
    } else {
        println!("(no `hot_path/bare` median from this run under {dir:?})");
    }

    let cgroup = dir.join("contention");
    println!("\n| contention row | 1 thread ns/call | 2 threads ns/call | 2t / 1t |");
    println!("| --- | ---: | ---: | ---: |");
    for (name, _) in contended_functions() {
        let one = median_ns(&cgroup, since, &format!("{name}/1_thread"));
        let two = median_ns(&cgroup, since, &format!("{name}/2_threads"));
        if let (Some(one), Some(two)) = (one, two) {
            println!("| {name} | {one:.2} | {two:.2} | {:.2} |", two / one);
        }
    }

    let d = DISTURBED.lock().unwrap_or_else(|p| p.into_inner()).clone();
    println!("\nsamples disturbed by other processes (retried / kept anyway, of samples):");
    for (row, samples, retries, kept) in d {
        println!("  {row}: {retries} retried, {kept} kept disturbed, of {samples}");
    }
}

/// Evidence that each instrumented row recorded its calls.
pub(crate) fn check_recorded() {
    println!("\nrecorded during this run:");
    for s in perfmon::summaries() {
        if s.name.starts_with("bench.") || s.name.starts_with("hot_path::") {
            println!("  perfmon {}: {} calls", s.name, s.count);
        }
    }
    println!(
        "  perfmon scoped registry hot_path::annotated: {} calls",
        SCOPED_CALLS.load(Relaxed)
    );
    let spans = TRACING_SPANS.load(Relaxed);
    let nanos = TRACING_NANOS.load(Relaxed);
    println!(
        "  tracing spans timed by the layer: {spans} (mean {:.1} ns inside)",
        nanos as f64 / spans.max(1) as f64
    );
    fastrace::flush();
    println!(
        "  fastrace spans reported: {}",
        FASTRACE_REPORTED.load(Relaxed)
    );
    let rendered = metrics_handle().render();
    if let Some(line) = rendered
        .lines()
        .find(|l| l.starts_with("bench_metrics_histogram_count"))
    {
        println!("  metrics: {line}");
    }
    let mut text = String::new();
    let registry = autometrics_settings().prometheus_client_registry();
    if prometheus_client::encoding::text::encode(&mut text, registry).is_ok() {
        if let Some(line) = text
            .lines()
            .find(|l| l.starts_with("function_calls_total") && l.contains("autometered"))
        {
            println!("  autometrics: {line}");
        }
    }
}
