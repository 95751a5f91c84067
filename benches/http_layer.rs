//! Requests per second of a hello-world axum service: bare, with
//! `perfmon::axum::PerfmonLayer`, and with the peer middleware
//! `axum-prometheus`, side by side in one run, loaded by `wrk` on loopback.
//!
//! ```text
//! scripts/bench_http.sh            # installs wrk if missing, then runs this
//! cargo bench --features axum --bench http_layer
//! ```
//!
//! The services run in this process on one tokio worker thread (one
//! core); `wrk` gets the other core. Each variant's run sits between two
//! runs of the bare service (A B A), variants rotating from round to round.
//! Reported per variant: the median requests/s, and the median over rounds
//! of its cost against the mean of its two bare brackets, counted only when
//! those agree: this machine switches between speeds (bare ~130k to ~170k
//! requests/s) within seconds, by more than the effect measured. The
//! server and wrk are pinned to a CPU each where `taskset` allows.
//!
//! A fourth row is a reference, not a peer: tower's `Identity` layer, which
//! does nothing, given to `Router::layer`. It shows what axum itself adds
//! for any layer (one more boxed future and a clone of the inner route per
//! request).

use axum::{routing::get, Router};
use std::process::Command;
use std::time::Duration;

async fn hello() -> &'static str {
    "hello, world"
}

fn app() -> Router {
    Router::new().route("/hello/{name}", get(hello))
}

fn env_or(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Requests/sec reported by one wrk run; on CPU 1 when `pinned`.
fn wrk(url: &str, seconds: u64, connections: u64, pinned: bool) -> Option<f64> {
    let args = [
        "-t1".to_owned(),
        format!("-c{connections}"),
        format!("-d{seconds}s"),
        "--latency".to_owned(),
        url.to_owned(),
    ];
    let out = if pinned {
        Command::new("taskset")
            .args(["-c", "1", "wrk"])
            .args(&args)
            .output()
    } else {
        Command::new("wrk").args(&args).output()
    }
    .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("Requests/sec:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The median (the upper one of an even count); NaN if `v` is empty.
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Nanoseconds per request through `router` in process (`oneshot`, body
/// read to the end): no sockets, so the layer's own cost stands out.
///
/// The router is first given its state, as `axum::serve` does for each
/// connection: that turns its handlers into routes once, where a router
/// called as is would do it again on every request.
fn in_process_ns(rt: &tokio::runtime::Runtime, router: &Router, requests: u32) -> f64 {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let router = router.clone().with_state(());
    rt.block_on(async {
        let start = std::time::Instant::now();
        for _ in 0..requests {
            let req = axum::http::Request::get("/hello/bench")
                .body(axum::body::Body::empty())
                .unwrap();
            let res = router.clone().oneshot(req).await.unwrap();
            let body = res.into_body().collect().await.unwrap();
            std::hint::black_box(body);
        }
        start.elapsed().as_nanos() as f64 / f64::from(requests)
    })
}

fn in_process(rt: &tokio::runtime::Runtime, variants: &[(&str, Router)], rounds: usize) {
    let mut results: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    for (_, router) in variants {
        in_process_ns(rt, router, 20_000); // warm up
    }
    for round in 0..rounds {
        for k in 0..variants.len() {
            let i = (round + k) % variants.len();
            results[i].push(in_process_ns(rt, &variants[i].1, 200_000));
        }
    }
    let bare = median(results[0].clone());
    println!("in process (oneshot, 200,000 requests x {rounds} rounds, rotating order):");
    println!();
    println!("| service | median ns/request | ns above bare |");
    println!("| --- | ---: | ---: |");
    for ((name, _), runs) in variants.iter().zip(&results) {
        let m = median(runs.clone());
        println!("| {name} | {m:.0} | {:.0} |", m - bare);
    }
    println!();
}

/// `PERFMON_HTTP_BENCH_PROFILE=<key>:<requests>`: only that many requests
/// in process through one variant (`bare`, `perfmon`, `prometheus` or
/// `noop`), then exit: a fixed workload for valgrind. BENCHMARKS.md shows
/// how to take two of them apart.
fn profile_only(rt: &tokio::runtime::Runtime, variants: &[(&str, &str, Router)]) -> bool {
    let Ok(spec) = std::env::var("PERFMON_HTTP_BENCH_PROFILE") else {
        return false;
    };
    let parsed = spec
        .split_once(':')
        .and_then(|(key, n)| Some((key, n.parse::<u32>().ok()?)));
    let Some((key, requests)) = parsed else {
        eprintln!("PERFMON_HTTP_BENCH_PROFILE={spec:?}: expected <key>:<requests>");
        std::process::exit(2);
    };
    let Some((_, _, router)) = variants.iter().find(|(k, _, _)| *k == key) else {
        let keys: Vec<&str> = variants.iter().map(|(k, _, _)| *k).collect();
        eprintln!("PERFMON_HTTP_BENCH_PROFILE: unknown variant {key:?}, expected one of {keys:?}");
        std::process::exit(2);
    };
    in_process_ns(rt, router, 1_000); // warm up: first-use work, clock calibration
    let ns = profiled_requests(rt, router, requests);
    println!("{key}: {requests} requests in process, {ns:.0} ns/request");
    true
}

/// The measured part of a profile run, by name, for callgrind's
/// `--toggle-collect=*profiled_requests*`.
#[inline(never)]
fn profiled_requests(rt: &tokio::runtime::Runtime, router: &Router, requests: u32) -> f64 {
    in_process_ns(rt, router, requests)
}

/// Bare and another variant differ by less than this machine's switches of
/// speed (bare ~130k to ~170k requests/s, within seconds), so
/// each variant's run is bracketed by two bare runs (A B A): its cost is
/// read against their mean, and only when the two agree within
/// [`STEADY`] (no switch in between). Variants rotate in each round.
fn under_load(
    urls: &[(String, String)],
    rounds: usize,
    seconds: u64,
    connections: u64,
    pinned: bool,
) {
    let others = urls.len() - 1;
    // rps[variant][round]; a failed wrk run is NaN and left out.
    let mut rps: Vec<Vec<f64>> = vec![Vec::new(); urls.len()];
    // cost[variant][round] (bare's stays empty), NaN when the brackets disagree.
    let mut cost: Vec<Vec<f64>> = vec![Vec::new(); urls.len()];
    let run = |i: usize| wrk(&urls[i].1, seconds, connections, pinned).unwrap_or(f64::NAN);
    let mut before = run(0);
    for round in 0..rounds {
        rps[0].push(before);
        for k in 0..others {
            let i = 1 + (round + k) % others;
            let r = run(i);
            let after = run(0);
            let steady = (before - after).abs() / before.max(after) <= STEADY;
            rps[i].push(r);
            cost[i].push(if steady {
                (1.0 - 2.0 * r / (before + after)) * 100.0
            } else {
                f64::NAN
            });
            before = after;
        }
    }
    let ok = |v: &[f64]| {
        v.iter()
            .copied()
            .filter(|x| x.is_finite())
            .collect::<Vec<f64>>()
    };
    let bare = median(ok(&rps[0]));
    println!();
    println!(
        "wrk -t1 -c{connections} -d{seconds}s, {rounds} rounds, each variant run between two bare runs \
         (server on 1 tokio worker; {})",
        if pinned {
            "server pinned to CPU 0, wrk to CPU 1"
        } else {
            "not pinned: taskset or a second CPU missing"
        }
    );
    println!();
    println!("| service | median requests/s | cost, ratio of medians | cost against its bare brackets: median (steady pairs) | 95 % interval of that median (bootstrap) | per round, % (- : brackets disagree) |");
    println!("| --- | ---: | ---: | ---: | ---: | --- |");
    for (i, (name, _)) in urls.iter().enumerate().skip(1) {
        let m = median(ok(&rps[i]));
        let kept = ok(&cost[i]);
        let all: Vec<String> = cost[i]
            .iter()
            .map(|c| {
                if c.is_finite() {
                    format!("{c:.1}")
                } else {
                    "-".into()
                }
            })
            .collect();
        let (low, high) = median_interval(&kept);
        println!(
            "| {name} | {m:.0} | {:.1} % | {:.1} % ({} of {rounds}) | {low:.1} - {high:.1} % | {} |",
            (1.0 - m / bare) * 100.0,
            median(kept.clone()),
            kept.len(),
            all.join(" / "),
        );
    }
    let brackets: Vec<String> = rps[0].iter().map(|r| format!("{r:.0}")).collect();
    println!();
    println!(
        "bare: median {bare:.0} requests/s; first bare run of each round: {}",
        brackets.join(" / ")
    );
}

/// Pins this process (and so the server's worker thread, made after this)
/// to CPU 0, for wrk to run on CPU 1: without it, the scheduler moves both
/// around and a round's spread grows several-fold. Needs `taskset` (Debian's
/// util-linux) and two CPUs; returns whether it pinned.
fn pin_server() -> bool {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let pid = std::process::id().to_string();
    cpus >= 2
        && Command::new("taskset")
            .args(["-p", "-c", "0", &pid])
            .output()
            .is_ok_and(|o| o.status.success())
}

/// A 95 % interval for the median of `v`: the 2.5th and 97.5th
/// percentiles of the medians of 10,000 resamples (with replacement), drawn
/// by a fixed-seed xorshift so that the same figures give the same interval.
fn median_interval(v: &[f64]) -> (f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut medians: Vec<f64> = (0..10_000)
        .map(|_| {
            let sample = (0..v.len())
                .map(|_| v[(next() % v.len() as u64) as usize])
                .collect();
            median(sample)
        })
        .collect();
    medians.sort_by(f64::total_cmp);
    (medians[250], medians[9_749])
}

/// Largest relative difference between a pair's two bare runs for the pair
/// to count.
const STEADY: f64 = 0.03;

fn main() {
    let rounds = env_or("PERFMON_HTTP_BENCH_ROUNDS", 30);
    let seconds = env_or("PERFMON_HTTP_BENCH_SECONDS", 2);
    let connections = env_or("PERFMON_HTTP_BENCH_CONNECTIONS", 32);
    // Before the runtime: its threads inherit the affinity.
    let pinned = std::env::var_os("PERFMON_HTTP_BENCH_PROFILE").is_none() && pin_server();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio runtime");
    // axum-prometheus spawns its upkeep task: build it inside the runtime.
    let (prometheus_layer, _handle) =
        rt.block_on(async { axum_prometheus::PrometheusMetricLayer::pair() });
    let keyed: Vec<(&str, &str, Router)> = vec![
        ("bare", "bare", app()),
        (
            "perfmon",
            "perfmon PerfmonLayer",
            app().layer(perfmon::axum::PerfmonLayer::new()),
        ),
        (
            "prometheus",
            "axum-prometheus",
            app().layer(prometheus_layer),
        ),
        (
            "noop",
            "reference: no-op layer (tower Identity)",
            app().layer(tower::layer::util::Identity::new()),
        ),
    ];
    if profile_only(&rt, &keyed) {
        return;
    }
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("wrk is not installed: run scripts/bench_http.sh (installs Debian's wrk), or install it and rerun");
        return;
    }
    let variants: Vec<(&str, Router)> = keyed
        .into_iter()
        .map(|(_, name, router)| (name, router))
        .collect();
    in_process(&rt, &variants, 5);
    let urls: Vec<(String, String)> = variants
        .into_iter()
        .map(|(name, router)| {
            let listener = rt
                .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
                .expect("bind");
            let addr = listener.local_addr().expect("address");
            rt.spawn(async move { axum::serve(listener, router).await });
            (name.to_owned(), format!("http://{addr}/hello/bench"))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    for (_, url) in &urls {
        wrk(url, 1, connections, pinned); // warm up
    }

    under_load(&urls, rounds as usize, seconds, connections, pinned);
    let calls = perfmon::summary("GET /hello/{name}").map_or(0, |s| s.count);
    println!();
    println!("perfmon recorded {calls} requests of GET /hello/{{name}} (evidence the layer did its work)");
}
