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
//! core); `wrk` gets the other core. Variants are measured in rotating
//! order, several rounds. Reported per variant: the median requests/s, and
//! the median over rounds of its cost against bare *in the same round*
//! (paired), which cancels the slow drifts of a shared machine that the
//! ratio of medians still carries.
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

/// Requests/sec reported by one wrk run.
fn wrk(url: &str, seconds: u64, connections: u64) -> Option<f64> {
    let out = Command::new("wrk")
        .args([
            "-t1",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--latency",
            url,
        ])
        .output()
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

fn main() {
    let rounds = env_or("PERFMON_HTTP_BENCH_ROUNDS", 15);
    let seconds = env_or("PERFMON_HTTP_BENCH_SECONDS", 3);
    let connections = env_or("PERFMON_HTTP_BENCH_CONNECTIONS", 32);

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
        wrk(url, 1, connections); // warm up
    }

    // results[variant][round]; a failed wrk run is NaN and left out.
    let mut results: Vec<Vec<f64>> = vec![Vec::new(); urls.len()];
    for round in 0..rounds as usize {
        let mut this_round = vec![f64::NAN; urls.len()];
        for k in 0..urls.len() {
            let i = (round + k) % urls.len();
            this_round[i] = wrk(&urls[i].1, seconds, connections).unwrap_or(f64::NAN);
        }
        for (runs, rps) in results.iter_mut().zip(this_round) {
            runs.push(rps);
        }
    }
    let ok = |v: &[f64]| {
        v.iter()
            .copied()
            .filter(|x| x.is_finite())
            .collect::<Vec<f64>>()
    };
    let bare = median(ok(&results[0]));
    println!();
    println!("wrk -t1 -c{connections} -d{seconds}s, {rounds} rounds in rotating order, server on 1 tokio worker");
    println!();
    println!("| service | median requests/s | requests/s per round | cost, median of medians | cost, median of per-round pairs |");
    println!("| --- | ---: | --- | ---: | ---: |");
    for ((name, _), runs) in urls.iter().zip(&results) {
        let m = median(ok(runs));
        let all: Vec<String> = runs.iter().map(|r| format!("{r:.0}")).collect();
        let paired: Vec<f64> = runs
            .iter()
            .zip(&results[0])
            .map(|(r, b)| (1.0 - r / b) * 100.0)
            .filter(|x| x.is_finite())
            .collect();
        println!(
            "| {name} | {m:.0} | {} | {:.1} % | {:.1} % |",
            all.join(" / "),
            (1.0 - m / bare) * 100.0,
            median(paired)
        );
    }
    let calls = perfmon::summary("GET /hello/{name}").map_or(0, |s| s.count);
    println!();
    println!("perfmon recorded {calls} requests of GET /hello/{{name}} (evidence the layer did its work)");
}
