//! The dashboard page in a real browser: Debian's headless Chromium loads it
//! from an in-process server with recorded data, runs its script, and the
//! rendered DOM must show that data (grade, a route, an alert). A screenshot
//! is saved as `target/dashboard-browser/dashboard.png` for a human to look
//! at.
//!
//! Without `/usr/bin/chromium` (or `PERFMON_CHROMIUM`) the test prints a note
//! and passes, unless `PERFMON_REQUIRE_CHROMIUM=1` (set by
//! `scripts/test.sh`, which installs it), where it fails.
#![cfg(feature = "axum")]

use axum::routing::get;
use axum::Router;
use perfmon::axum::{dashboard, RouterOptions};
use perfmon::{Kind, Outcome, ReportOptions};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const TOKEN: &str = "s3cret+token/4242";
const BROWSER_TIMEOUT: Duration = Duration::from_secs(90);

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PERFMON_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    path.exists().then_some(path)
}

/// Operations, HTTP counters, a cache and a critical alert in the global
/// registry, as a service under load would have them.
fn record_data() {
    let reg = perfmon::registry();
    let now = SystemTime::now();
    let at = |name: &str, kind: Kind, ms: u64, outcome: Outcome, at: SystemTime| {
        let message = (outcome != Outcome::Ok).then_some("upstream timeout");
        reg.record_at(name, kind, Duration::from_millis(ms), outcome, message, at);
    };
    for minute in 0..5u64 {
        let t = now - Duration::from_secs(60 * (4 - minute));
        for i in 0..40u64 {
            let ms = 8 + (i * 7 + minute * 11) % 30;
            at("GET /parts/{id}", Kind::ApiResponse, ms, Outcome::Ok, t);
            at(
                "parts.get_part",
                Kind::DatabaseQuery,
                ms / 2,
                Outcome::Ok,
                t,
            );
        }
        for i in 0..12u64 {
            let outcome = if i == 0 { Outcome::Error } else { Outcome::Ok };
            let ms = 900 + i * 40 + minute * 60;
            at("GET /reports/slow", Kind::ApiResponse, ms, outcome, t);
        }
    }
    for _ in 0..30 {
        reg.record(
            "reports.aggregate",
            Kind::DatabaseQuery,
            Duration::from_millis(180),
        );
    }
    for i in 0..50 {
        let l1 = perfmon::cache("L1");
        if i % 5 == 0 {
            l1.miss()
        } else {
            l1.hit()
        }
    }
    let stats = perfmon::axum::http_stats();
    let parts = stats.route("GET", "/parts/{id}");
    for i in 0..200 {
        parts.record(if i % 50 == 0 { 404 } else { 200 }, 1, 3_000_000);
    }
    let slow = stats.route("GET", "/reports/slow");
    for _ in 0..60 {
        slow.record(200, 3, 540_000_000);
    }
    let report = perfmon::analyze(); // opens the alerts
    assert!(
        !report.alerts.active.is_empty(),
        "the data should open an alert"
    );
}

/// The monitoring router behind the bearer token, with the dashboard page
/// at its `/` (public: the data it reads is not).
fn monitoring() -> Router {
    let options = RouterOptions::with_token(TOKEN).expect("a usable token");
    perfmon::axum::router(options)
}

fn unique_dir(tag: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!(
        "perfmon-chromium-{tag}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs headless Chromium with `args` then `url`; returns its stdout. Kills
/// it when it outlives [`BROWSER_TIMEOUT`].
fn run_chromium(chromium: &Path, args: &[&str], url: &str) -> String {
    let profile = unique_dir("profile");
    let log = profile.with_extension("log");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = stdout.read_to_string(&mut out);
        out
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = std::fs::read_to_string(&log).unwrap_or_default();
            panic!("chromium hung for {BROWSER_TIMEOUT:?} on {url}; killed. stderr:\n{stderr}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let out = reader.join().unwrap();
    let stderr = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&profile);
    let _ = std::fs::remove_file(&log);
    assert!(status.success(), "chromium failed ({status}):\n{stderr}");
    out
}

#[test]
fn dashboard_renders_the_service_data_in_chromium() {
    let Some(chromium) = chromium() else {
        if std::env::var("PERFMON_REQUIRE_CHROMIUM").as_deref() == Ok("1") {
            panic!("PERFMON_REQUIRE_CHROMIUM=1 but /usr/bin/chromium is missing (apt-get install chromium)");
        }
        eprintln!("note: skipping the dashboard browser test: /usr/bin/chromium is not installed");
        return;
    };

    record_data();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    // axum 0.8's `nest` serves the nested `/` at `/performance` only; the
    // page also works at `/performance/` (its base comes from the path).
    let app = Router::new()
        .route("/performance/", get(dashboard::page))
        .nest("/performance", monitoring())
        // The page without the router: its requests fail.
        .nest("/lonely", Router::new().route("/", get(dashboard::page)));
    rt.spawn(async move { axum::serve(listener, app).await.unwrap() });

    // No trailing slash: the page must find `report` under /performance/.
    let page = format!("http://{addr}/performance");
    let fragment_token: String = TOKEN.replace('+', "%2B").replace('/', "%2F");

    let dom = run_chromium(
        &chromium,
        &["--dump-dom"],
        &format!("{page}#token={fragment_token}"),
    );
    let grade = perfmon::report(&ReportOptions::default())
        .summary
        .grade
        .expect("a grade")
        .to_string();
    assert!(
        dom.contains(&format!(
            r#"<div id="grade" class="grade g-{grade}">{grade}</div>"#
        )),
        "grade {grade} missing:\n{dom}"
    );
    assert!(dom.contains("GET /parts/{id}"), "route missing:\n{dom}");
    assert!(dom.contains("GET /reports/slow"), "route missing:\n{dom}");
    let alert = perfmon::report(&ReportOptions::default()).alerts.active[0]
        .message
        .clone();
    assert!(
        dom.contains(
            &alert
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        ),
        "alert {alert:?} missing:\n{dom}"
    );
    assert!(dom.contains("reports.aggregate"), "slow operation missing");
    assert!(dom.contains("<svg"), "latency chart missing");
    // The live view says which window it judged (the analysis window).
    assert!(
        dom.contains("judging the last 5 minutes"),
        "window missing:\n{dom}"
    );
    // (The script's own text is in the DOM too: look at elements, not words.)
    assert!(
        dom.contains(r#"<div id="banner" class="banner" role="alert" hidden="">"#),
        "error banner shown:\n{dom}"
    );
    assert!(dom.contains(r#"<main id="content">"#), "content hidden");

    // A wrong token: the page asks for it again, and shows no data.
    let dom = run_chromium(&chromium, &["--dump-dom"], &format!("{page}#token=wrong"));
    assert!(
        dom.contains(r#"<section id="login" class="card login">"#)
            && dom.contains(r#"<p id="login-reason">The token was not accepted"#),
        "no token prompt:\n{dom}"
    );
    assert!(!dom.contains("GET /parts/{id}"));
    assert!(dom.contains(r#"<main id="content" hidden="">"#));

    // A server that does not answer the page's requests: a visible message.
    let dom = run_chromium(&chromium, &["--dump-dom"], &format!("http://{addr}/lonely"));
    assert!(
        dom.contains(
            r#"<div id="banner" class="banner" role="alert">The server answered HTTP 404 for report?format=dashboard."#
        ),
        "no error message:\n{dom}"
    );

    // The screenshot, for a human: target/dashboard-browser/dashboard.png.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/dashboard-browser");
    std::fs::create_dir_all(&dir).unwrap();
    let png = dir.join("dashboard.png");
    let _ = std::fs::remove_file(&png);
    run_chromium(
        &chromium,
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1280,1600",
        ],
        &format!("{page}/#token={fragment_token}"),
    );
    let bytes = std::fs::read(&png).expect("screenshot written");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(bytes.len() > 10_000, "screenshot suspiciously small");
    eprintln!("screenshot: {}", png.display());
}
