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
//!   `Operation::record_nanos`).

use criterion::{criterion_group, BenchmarkId, Criterion, SamplingMode};
use perfmon::Kind;
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
// Peers' setup.

/// Spans timed by [`SpanTimingLayer`]: count and total nanoseconds.
static TRACING_SPANS: AtomicU64 = AtomicU64::new(0);
static TRACING_NANOS: AtomicU64 = AtomicU64::new(0);

/// A minimal timing layer: the start of each entry is kept in the span's
/// extensions and the elapsed time added up on exit.
struct SpanTimingLayer;

struct Entered(Instant);

impl<S> tracing_subscriber::Layer<S> for SpanTimingLayer
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_enter(&self, id: &tracing::span::Id, ctx: tracing_subscriber::layer::Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().replace(Entered(Instant::now()));
        }
    }

    fn on_exit(&self, id: &tracing::span::Id, ctx: tracing_subscriber::layer::Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(Entered(at)) = span.extensions_mut().remove::<Entered>() {
                TRACING_NANOS.fetch_add(at.elapsed().as_nanos() as u64, Relaxed);
                TRACING_SPANS.fetch_add(1, Relaxed);
            }
        }
    }
}

/// Spans handed to the fastrace reporter.
static FASTRACE_REPORTED: AtomicU64 = AtomicU64::new(0);

struct CountingReporter;

impl fastrace::collector::Reporter for CountingReporter {
    fn report(&mut self, spans: Vec<fastrace::collector::SpanRecord>) {
        FASTRACE_REPORTED.fetch_add(spans.len() as u64, Relaxed);
    }
}

fn metrics_handle() -> &'static metrics_exporter_prometheus::PrometheusHandle {
    static HANDLE: OnceLock<metrics_exporter_prometheus::PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        metrics::set_global_recorder(recorder).expect("no other metrics recorder");
        handle
    })
}

fn autometrics_settings() -> &'static autometrics::settings::AutometricsSettings {
    static SETTINGS: OnceLock<&'static autometrics::settings::AutometricsSettings> =
        OnceLock::new();
    SETTINGS.get_or_init(|| autometrics::settings::AutometricsSettings::builder().init())
}

fn install_peers() {
    use tracing_subscriber::layer::SubscriberExt;
    tracing::subscriber::set_global_default(
        tracing_subscriber::Registry::default().with(SpanTimingLayer),
    )
    .expect("no other tracing subscriber");
    // The benchmark flushes the collector itself; the background collector's
    // own period is made long so the collection work happens in those flushes.
    fastrace::set_reporter(
        CountingReporter,
        fastrace::collector::Config::default().report_interval(Duration::from_secs(3600)),
    );
    metrics_handle();
    autometrics_settings();
}

// ---------------------------------------------------------------------------
// Samples undisturbed by other processes.
//
// The 2 cores are shared with other builds. A sample during which another
// process took the CPU measures the scheduler, not the call, and with two
// threads it may not even have run them at the same time. So a sample (up to
// `RETRY_BELOW` long) is taken again, up to `MAX_ATTEMPTS` times, unless the
// process had the CPU for `CLEAN_SHARE` of its wall time on each thread (for
// 2 threads: each thread's CPU time over the slower one's wall time); the
// report prints how many samples were retried and how many were kept
// disturbed all the same. The figure itself is wall-clock time.

/// Share of a sample's wall time the process must have run, per thread.
const CLEAN_SHARE: f64 = 0.95;
/// Longer samples (criterion's warm-up) are never retried.
const RETRY_BELOW: Duration = Duration::from_millis(25);
/// Attempts per sample before a disturbed one is kept.
const MAX_ATTEMPTS: u32 = 200;

/// Per row: (row, samples, retries, kept disturbed).
type Disturbances = Vec<(String, u64, u64, u64)>;
static DISTURBED: Mutex<Disturbances> = Mutex::new(Vec::new());

fn cpu_time(clock: libc::clockid_t) -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    assert_eq!(rc, 0, "CPU-time clocks are available on Linux");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// One sample: the duration it reports, its whole wall time, and whether our
/// threads had the CPU throughout.
struct Sample {
    timed: Duration,
    wall: Duration,
    clean: bool,
}

/// Runs `body` (which returns its timed duration) on this thread and judges
/// it by the process's CPU time: nothing else of ours runs meanwhile, except
/// what `body` waits for (fastrace's flush thread).
fn on_cpu(body: impl FnOnce() -> Duration) -> Sample {
    let cpu = cpu_time(libc::CLOCK_PROCESS_CPUTIME_ID);
    let start = Instant::now();
    let timed = body();
    let wall = start.elapsed();
    let cpu = cpu_time(libc::CLOCK_PROCESS_CPUTIME_ID) - cpu;
    Sample {
        timed,
        wall,
        clean: cpu.as_secs_f64() >= CLEAN_SHARE * wall.as_secs_f64(),
    }
}

/// Takes samples until one is undisturbed, as above, and returns its duration.
fn undisturbed(row: &str, mut sample: impl FnMut() -> Sample) -> Duration {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let s = sample();
        if s.clean || s.wall > RETRY_BELOW || attempts >= MAX_ATTEMPTS {
            if s.wall <= RETRY_BELOW {
                let mut d = DISTURBED.lock().unwrap_or_else(|p| p.into_inner());
                let i = match d.iter().position(|e| e.0 == row) {
                    Some(i) => i,
                    None => {
                        d.push((row.to_owned(), 0, 0, 0));
                        d.len() - 1
                    }
                };
                d[i].1 += 1;
                d[i].2 += u64::from(attempts - 1);
                d[i].3 += u64::from(!s.clean);
            }
            return s.timed;
        }
    }
}

/// Times `iters` calls of `f`, undisturbed.
fn calls<R>(row: &str, iters: u64, f: impl Fn(u64) -> R) -> Duration {
    undisturbed(row, || {
        on_cpu(|| {
            let start = Instant::now();
            for i in 0..iters {
                black_box(f(black_box(i)));
            }
            start.elapsed()
        })
    })
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
// Contention: the same function on 1 and on 2 threads, ns per call.
//
// With 2 threads both make `iters` calls, started together, and a sample is
// the slower thread's time; a sample counts only if both threads had a core
// throughout (see `undisturbed`), so the ratio measures the threads' effect
// on each other, not the scheduler's.

/// A function under test, called through a pointer by the contention rows.
type Call = fn(u64) -> u64;

/// What one thread measured: wall and CPU time of its calls.
#[derive(Clone, Copy)]
struct Times {
    wall: Duration,
    cpu: Duration,
}

#[inline(never)]
fn call_loop(f: Call, iters: u64) -> Times {
    let cpu = cpu_time(libc::CLOCK_THREAD_CPUTIME_ID);
    let start = Instant::now();
    for i in 0..iters {
        black_box(f(black_box(i)));
    }
    let wall = start.elapsed();
    Times {
        wall,
        cpu: cpu_time(libc::CLOCK_THREAD_CPUTIME_ID) - cpu,
    }
}

/// Judges the calls of one or two threads, started together.
fn judge(times: &[Times]) -> Sample {
    let wall = times.iter().map(|t| t.wall).max().unwrap_or_default();
    Sample {
        timed: wall,
        wall,
        clean: times
            .iter()
            .all(|t| t.cpu.as_secs_f64() >= CLEAN_SHARE * wall.as_secs_f64()),
    }
}

/// A thread parked between samples (no thread is spawned, and no stripe
/// handed out, inside a measurement). Within a sample both threads spin on a
/// flag so they start within about a cache-line transfer of each other.
struct Helper {
    jobs: mpsc::Sender<(Call, u64)>,
    done: mpsc::Receiver<Times>,
    ready: Arc<AtomicBool>,
    go: Arc<AtomicBool>,
}

fn spin_until(flag: &AtomicBool) {
    let mut spins = 0u32;
    while !flag.load(Acquire) {
        spins += 1;
        if spins.is_multiple_of(1024) {
            std::thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
}

impl Helper {
    fn spawn() -> Helper {
        let (jobs, job_rx) = mpsc::channel::<(Call, u64)>();
        let (done_tx, done) = mpsc::channel();
        let (ready, go) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let (their_ready, their_go) = (ready.clone(), go.clone());
        std::thread::Builder::new()
            .name("bench-helper".into())
            .spawn(move || {
                while let Ok((f, iters)) = job_rx.recv() {
                    their_ready.store(true, Release);
                    spin_until(&their_go);
                    their_go.store(false, Relaxed);
                    if done_tx.send(call_loop(f, iters)).is_err() {
                        break;
                    }
                }
            })
            .expect("spawn the helper thread");
        Helper {
            jobs,
            done,
            ready,
            go,
        }
    }

    /// Runs `iters` calls of `f` on this thread and on the helper at once.
    fn run_pair(&self, f: Call, iters: u64) -> [Times; 2] {
        self.jobs.send((f, iters)).expect("helper alive");
        spin_until(&self.ready);
        self.ready.store(false, Relaxed);
        self.go.store(true, Release);
        let mine = call_loop(f, iters);
        [mine, self.done.recv().expect("helper alive")]
    }
}

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
// The report printed after the run.

/// The median (ns per call) of `group/id` measured by this run, if any.
fn median_ns(dir: &std::path::Path, since: std::time::SystemTime, id: &str) -> Option<f64> {
    let path = dir.join(id).join("new").join("estimates.json");
    let meta = std::fs::metadata(&path).ok()?;
    if meta.modified().ok()? < since {
        return None; // left by an earlier run
    }
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
    json["median"]["point_estimate"].as_f64()
}

fn criterion_dir() -> std::path::PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").unwrap_or_else(|| "target".into());
    std::path::PathBuf::from(target).join("criterion")
}

/// Rows of the single-thread table: (criterion id, label). Rows whose id
/// ends in `_async` are read against `async_bare`, all others against `bare`.
const ROWS: &[(&str, &str)] = &[
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
    ("instant_pair", "`Instant::now()` pair"),
    ("quanta_raw_pair", "`quanta::Clock::raw()` pair"),
];

/// The perfmon rows compared with the peers, and the peers.
const PERFMON_ROWS: &[&str] = &[
    "perfmon_macro",
    "perfmon_macro_params",
    "perfmon_cached_operation",
    "perfmon_timer",
];
const PEER_ROWS: &[&str] = &[
    "tracing_instrument",
    "fastrace_trace",
    "fastrace_trace_collect",
    "metrics_histogram",
    "metrics_histogram_upkeep",
    "autometrics",
];

fn report(since: std::time::SystemTime) {
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
fn check_recorded() {
    println!("\nrecorded during this run:");
    for s in perfmon::summaries() {
        if s.name.starts_with("bench.") || s.name.starts_with("hot_path::") {
            println!("  perfmon {}: {} calls", s.name, s.count);
        }
    }
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

criterion_group!(benches, single_thread, contention);

fn main() {
    let since = std::time::SystemTime::now();
    install_peers();
    benches();
    Criterion::default().configure_from_args().final_summary();
    report(since);
    check_recorded();
}
