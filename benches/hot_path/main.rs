//! The hot path: nanoseconds per call of an empty function, bare and
//! instrumented by perfmon and by its peers, measured side by side in one run
//! so every figure can be read as a ratio to the bare call of the same run
//! (the machine is shared and noisy; absolute figures drift between runs).
//!
//! Run: `cargo bench -j2 --bench hot_path -- --warm-up-time 1 --measurement-time 1 --sample-size 200`
//!
//! Samples are short (flat sampling) and a sample during which another
//! process took the CPU is taken again (see [`undisturbed`]), so medians
//! measure the calls rather than the other builds on the shared cores.
//!
//! After the benchmarks the binary prints a markdown table of medians, ratios
//! to `bare`, perfmon against each peer and the 2-thread/1-thread ratios,
//! read back from criterion's `estimates.json` files of this run, followed by
//! a check that every instrumented row really recorded what it claims.
//!
//! What each peer does per call, so the comparison is like for like (each one
//! records a duration that a user can read back):
//! - `tracing_instrument`: `#[tracing::instrument]` under a global
//!   `tracing_subscriber::Registry` plus [`SpanTimingLayer`], which stamps an
//!   `Instant` on enter and adds the elapsed time to an atomic on exit.
//! - `fastrace_trace`: `#[fastrace::trace]` with a counting reporter set, each
//!   call under a local parent root span. A new root is made every
//!   [`FASTRACE_SPANS_PER_ROOT`] calls (creating and submitting it is inside
//!   the timed region); the collector is flushed every
//!   [`FASTRACE_FLUSH_EVERY`] roots outside the timed region, so memory stays
//!   bounded and the collector's work is not in the figure (in an application
//!   it runs on a background thread); `fastrace_trace_collect` times the
//!   flushes too (span collection and the reporter call).
//! - `metrics_histogram`: `Instant` pair around the body and
//!   `metrics::histogram!(name).record(elapsed)` into the
//!   `metrics-exporter-prometheus` recorder. Its histograms buffer raw samples
//!   until upkeep drains them; `metrics_histogram` runs the upkeep every
//!   [`METRICS_UPKEEP_EVERY`] calls outside the timed region (as the exporter's
//!   background upkeep would), `metrics_histogram_upkeep` times it too.
//! - `autometrics`: `#[autometrics]` with the `prometheus-client` backend.
//! - perfmon: `perfmon_macro`, `perfmon_macro_params` and
//!   `perfmon_macro_async` are `#[monitor_performance]` functions (the async
//!   one polled once with a no-op waker, read against `async_bare`);
//!   `perfmon_timer` is the manual guard (name lookup per call);
//!   `perfmon_cached_operation` is what an annotated call does by hand (an
//!   operation handle cached in a `static`, two raw clock reads,
//!   `Operation::record_nanos`); `perfmon_macro_scoped` is the annotated
//!   call inside `Registry::scope` (a map lookup per call), and
//!   `perfmon_macro_after_scope` the annotated call outside any scope once
//!   a scope has been entered in the process (one more thread-local read);
//!   both run last, since entering a scope is a process-wide switch.

mod harness;
mod peers;
mod report;

use criterion::{criterion_group, BenchmarkId, Criterion, SamplingMode};
use harness::*;
use peers::*;
use perfmon::Kind;
use report::*;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::*};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// Calls made under one fastrace root span before a new root is made
/// (fastrace keeps at most 10240 spans per local span line).
const FASTRACE_SPANS_PER_ROOT: u64 = 1_000;
/// Roots submitted between two synchronous collector flushes.
const FASTRACE_FLUSH_EVERY: u64 = 64;
/// Calls between two upkeeps of the prometheus recorder.
const METRICS_UPKEEP_EVERY: u64 = 1 << 16;

// ---------------------------------------------------------------------------
// The functions under test. Every one wraps the same empty body.

/// The empty function: takes and returns a u64 through `black_box`.
#[inline(never)]
fn bare(x: u64) -> u64 {
    black_box(x)
}

#[inline(never)]
async fn bare_async(x: u64) -> u64 {
    black_box(x)
}

#[perfmon::monitor_performance]
#[inline(never)]
fn annotated(x: u64) -> u64 {
    black_box(x)
}

#[perfmon::monitor_performance(params(a, b))]
#[inline(never)]
fn annotated_params(a: u64, b: u64) -> u64 {
    black_box(a) ^ black_box(b)
}

#[perfmon::monitor_performance]
#[inline(never)]
async fn annotated_async(x: u64) -> u64 {
    black_box(x)
}

/// The annotated function of the contention rows (its own operation).
#[perfmon::monitor_performance]
#[inline(never)]
fn annotated_contended(x: u64) -> u64 {
    black_box(x)
}

#[inline(never)]
#[tracing::instrument]
fn traced(x: u64) -> u64 {
    black_box(x)
}

#[inline(never)]
#[fastrace::trace]
fn fastraced(x: u64) -> u64 {
    black_box(x)
}

#[inline(never)]
#[autometrics::autometrics]
fn autometered(x: u64) -> u64 {
    black_box(x)
}

#[inline(never)]
fn metered(x: u64) -> u64 {
    let start = Instant::now();
    let r = black_box(x);
    metrics::histogram!("bench_metrics_histogram").record(start.elapsed());
    r
}

#[inline(never)]
fn perfmon_timer(x: u64) -> u64 {
    let _t = perfmon::timer("bench.perfmon_timer", Kind::Processing);
    black_box(x)
}

/// What `#[monitor_performance]` does per call, written by hand: the
/// operation handle is resolved once and cached in a `static`.
#[inline(never)]
fn perfmon_cached(x: u64) -> u64 {
    static OP: OnceLock<Arc<perfmon::Operation>> = OnceLock::new();
    let op = OP.get_or_init(|| {
        perfmon::registry().operation("bench.perfmon_cached_operation", Kind::Processing)
    });
    let start = perfmon::clock::now_raw();
    let r = black_box(x);
    op.record_nanos(perfmon::clock::nanos_between(
        start,
        perfmon::clock::now_raw(),
    ));
    r
}

/// The same, recording into its own operation (the contention rows).
#[inline(never)]
fn perfmon_cached_contended(x: u64) -> u64 {
    static OP: OnceLock<Arc<perfmon::Operation>> = OnceLock::new();
    let op = OP.get_or_init(|| {
        perfmon::registry().operation("bench.contended.cached_operation", Kind::Processing)
    });
    let start = perfmon::clock::now_raw();
    let r = black_box(x);
    op.record_nanos(perfmon::clock::nanos_between(
        start,
        perfmon::clock::now_raw(),
    ));
    r
}

#[inline(never)]
fn perfmon_timer_contended(x: u64) -> u64 {
    let _t = perfmon::timer("bench.contended.timer", Kind::Processing);
    black_box(x)
}

/// Polls a future once with a no-op waker; every future here is ready at once.
#[inline(always)]
fn poll_ready<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => unreachable!("the benchmarked futures never wait"),
    }
}

// ---------------------------------------------------------------------------
// Single-thread rows.

fn single_thread(c: &mut Criterion) {
    let mut g = c.benchmark_group("hot_path");
    g.sampling_mode(SamplingMode::Flat);
    let mut row = |id: &'static str, f: fn(u64) -> u64| {
        g.bench_function(id, |b| b.iter_custom(|iters| calls(id, iters, f)));
    };

    row("bare", bare);
    row("async_bare", |x| poll_ready(bare_async(x)));
    row("perfmon_macro", annotated);
    row("perfmon_macro_params", |x| {
        annotated_params(x, black_box(11))
    });
    row("perfmon_macro_async", |x| poll_ready(annotated_async(x)));
    row("perfmon_cached_operation", perfmon_cached);
    row("perfmon_timer", perfmon_timer);
    row("tracing_instrument", traced);
    row("autometrics", autometered);
    row("instant_pair", |x| {
        let start = Instant::now();
        let r = bare(x);
        black_box(start.elapsed());
        r
    });
    row("quanta_raw_pair", |x| {
        static CLOCK: OnceLock<quanta::Clock> = OnceLock::new();
        let clock = CLOCK.get_or_init(quanta::Clock::new);
        let start = clock.raw();
        let r = bare(x);
        black_box(clock.raw().wrapping_sub(start));
        r
    });

    for with_collect in [false, true] {
        let id = if with_collect {
            "fastrace_trace_collect"
        } else {
            "fastrace_trace"
        };
        g.bench_function(id, |b| {
            b.iter_custom(|iters| {
                undisturbed(id, || on_cpu(|| fastrace_sample(iters, with_collect)))
            })
        });
    }
    for with_upkeep in [false, true] {
        let id = if with_upkeep {
            "metrics_histogram_upkeep"
        } else {
            "metrics_histogram"
        };
        g.bench_function(id, |b| {
            b.iter_custom(|iters| undisturbed(id, || on_cpu(|| metrics_sample(iters, with_upkeep))))
        });
    }
    g.finish();
}

/// `iters` calls of the fastrace function under roots of
/// `FASTRACE_SPANS_PER_ROOT` calls; the collector is flushed every
/// `FASTRACE_FLUSH_EVERY` roots and at the end, timed only `with_collect`.
fn fastrace_sample(iters: u64, with_collect: bool) -> Duration {
    let mut timed = Duration::ZERO;
    let (mut done, mut roots) = (0, 0u64);
    while done < iters {
        let n = FASTRACE_SPANS_PER_ROOT.min(iters - done);
        let start = Instant::now();
        {
            let root = fastrace::Span::root(
                "bench.fastrace_root",
                fastrace::collector::SpanContext::random(),
            );
            let _parent = root.set_local_parent();
            for i in 0..n {
                black_box(fastraced(black_box(i)));
            }
        }
        done += n;
        roots += 1;
        let flush = roots.is_multiple_of(FASTRACE_FLUSH_EVERY) || done == iters;
        if flush && with_collect {
            fastrace::flush();
        }
        timed += start.elapsed();
        if flush && !with_collect {
            fastrace::flush();
        }
    }
    timed
}

/// `iters` calls of the `metrics` function; the recorder's upkeep runs every
/// `METRICS_UPKEEP_EVERY` calls and at the end, timed only `with_upkeep`.
fn metrics_sample(iters: u64, with_upkeep: bool) -> Duration {
    let handle = metrics_handle();
    let mut timed = Duration::ZERO;
    let mut done = 0;
    while done < iters {
        let n = METRICS_UPKEEP_EVERY.min(iters - done);
        let start = Instant::now();
        for i in 0..n {
            black_box(metered(black_box(i)));
        }
        if with_upkeep {
            handle.run_upkeep();
        }
        timed += start.elapsed();
        if !with_upkeep {
            handle.run_upkeep();
        }
        done += n;
    }
    timed
}

// ---------------------------------------------------------------------------
// Contention: the functions of the rows (the harness is in `harness.rs`).

/// A probe, not a candidate: one relaxed `fetch_add` on a counter both
/// threads share. Its 2t/1t ratio shows what sharing a written cache line
/// costs during this run: on this VM that depends on where the host places
/// the two vCPUs at the time, and it changes from run to run.
#[inline(never)]
fn shared_atomic_probe(x: u64) -> u64 {
    static SHARED: AtomicU64 = AtomicU64::new(0);
    SHARED.fetch_add(1, Relaxed);
    black_box(x)
}

/// The functions of the contention rows, by row name.
fn contended_functions() -> Vec<(&'static str, Call)> {
    vec![
        ("bare", bare as Call),
        ("shared_atomic_probe", shared_atomic_probe),
        ("perfmon_macro", annotated_contended),
        ("perfmon_cached_operation", perfmon_cached_contended),
        ("perfmon_timer", perfmon_timer_contended),
    ]
}

fn contention(c: &mut Criterion) {
    let helper = Helper::spawn();
    let mut g = c.benchmark_group("contention");
    g.sampling_mode(SamplingMode::Flat);
    for (name, f) in contended_functions() {
        let one = format!("contention/{name}/1_thread");
        g.bench_function(BenchmarkId::new(name, "1_thread"), |b| {
            b.iter_custom(|iters| undisturbed(&one, || judge(&[call_loop(f, iters)])))
        });
        let two = format!("contention/{name}/2_threads");
        g.bench_function(BenchmarkId::new(name, "2_threads"), |b| {
            b.iter_custom(|iters| undisturbed(&two, || judge(&helper.run_pair(f, iters))))
        });
    }
    g.finish();
}

// ---------------------------------------------------------------------------
// Scoped rows. They run last: entering a scope sets a process-wide flag for
// good, after which every annotated call also reads a thread-local (the
// `_after_scope` row measures that).

fn scoped(c: &mut Criterion) {
    let mut g = c.benchmark_group("hot_path");
    g.sampling_mode(SamplingMode::Flat);
    let reg = perfmon::Registry::new();
    g.bench_function("perfmon_macro_scoped", |b| {
        b.iter_custom(|iters| reg.scope(|| calls("perfmon_macro_scoped", iters, annotated)))
    });
    g.bench_function("perfmon_macro_after_scope", |b| {
        b.iter_custom(|iters| calls("perfmon_macro_after_scope", iters, annotated))
    });
    g.finish();
    let scoped = reg.summary("hot_path::annotated").map_or(0, |s| s.count);
    SCOPED_CALLS.store(scoped, Relaxed);
}

/// Calls the scoped row recorded into its own registry.
static SCOPED_CALLS: AtomicU64 = AtomicU64::new(0);

criterion_group!(benches, single_thread, contention, scoped);

fn main() {
    let since = std::time::SystemTime::now();
    install_peers();
    benches();
    Criterion::default().configure_from_args().final_summary();
    report(since);
    check_recorded();
}
