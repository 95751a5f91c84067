//! A tour of perfmon in one program: annotated sync and async functions of
//! several kinds, some of them failing, driven in a loop; then the summary
//! table and a benchmark check against `examples/benchmarks.toml`.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use perfmon::{monitor_performance, summary_table, Benchmarks};
use std::fmt;
use std::time::Duration;

/// A tiny deterministic jitter source, so the demo needs no extra crate.
struct Jitter(u64);

impl Jitter {
    fn next(&mut self, max: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % max.max(1)
    }
}

#[derive(Debug)]
struct Part {
    id: u64,
    name: String,
}

#[derive(Debug)]
enum AppError {
    BadCredentials,
    NotFound(u64),
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::BadCredentials => f.write_str("bad credentials"),
            AppError::NotFound(id) => write!(f, "part {id} not found"),
        }
    }
}

fn work(d: Duration) {
    std::thread::sleep(d);
}

/// Authentication: fast, but fails for an unknown user.
#[monitor_performance(kind = "authentication", name = "auth.login", params(user))]
fn login(user: &str, delay_us: u64) -> Result<String, AppError> {
    work(Duration::from_micros(delay_us));
    if user == "mallory" {
        return Err(AppError::BadCredentials);
    }
    Ok(format!("session-for-{user}"))
}

/// A database read; every 40th id does not exist.
#[monitor_performance(kind = "database_query", name = "parts.get_part", params(id))]
fn get_part(id: u64, delay_us: u64) -> Result<Part, AppError> {
    work(Duration::from_micros(delay_us));
    if id % 40 == 39 {
        return Err(AppError::NotFound(id));
    }
    Ok(Part {
        id,
        name: format!("part-{id}"),
    })
}

/// A database write, async.
#[monitor_performance(kind = "database_query", name = "parts.create_part")]
async fn create_part(name: String, delay_us: u64) -> Part {
    tokio::time::sleep(Duration::from_micros(delay_us)).await;
    Part { id: 1000, name }
}

/// An API handler that calls the database several times.
#[monitor_performance(kind = "api_response", name = "api.search_parts", params(query))]
async fn search_parts(query: &str, jitter: &mut Jitter) -> Vec<Part> {
    let mut found = Vec::new();
    for id in 0..3 {
        if let Ok(part) = get_part(id * 13 + query.len() as u64, 300 + jitter.next(700)) {
            found.push(part);
        }
        tokio::task::yield_now().await;
    }
    found
}

/// CPU work that is occasionally slow.
#[monitor_performance(kind = "processing", name = "reports.render")]
fn render_report(rows: &[Part], slow: bool) -> usize {
    if slow {
        work(Duration::from_millis(120));
    }
    rows.iter().map(|p| p.name.len() + p.id as usize).sum()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut jitter = Jitter(0x9E37_79B9_7F4A_7C15);
    let users = ["alice", "bob", "carol", "mallory"];
    for i in 0..150u64 {
        let _ = login(users[(i % 4) as usize], 500 + jitter.next(1500));
        let _ = get_part(i, 200 + jitter.next(800));
        if i % 5 == 0 {
            create_part(format!("widget-{i}"), 1000 + jitter.next(3000)).await;
        }
        let found = search_parts("bolts", &mut jitter).await;
        render_report(&found, i % 50 == 49);
    }

    println!(
        "perfmon quickstart: {} operations\n",
        perfmon::summaries().len()
    );
    print!("{}", summary_table(&perfmon::summaries()));

    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/benchmarks.toml");
    match Benchmarks::load(path) {
        Ok(benchmarks) => {
            println!("\nbenchmarks from examples/benchmarks.toml:\n");
            println!("{}", benchmarks.validate());
        }
        Err(e) => eprintln!("could not load {path}: {e}"),
    }

    if let Some(login) = perfmon::summary("auth.login") {
        if let Some(failure) = login.recent_failures.last() {
            let params: Vec<String> = failure
                .params
                .iter()
                .map(|p| format!("{}={}", p.name, p.value))
                .collect();
            println!(
                "\nlast failed login: {} ({}), after {:.3} ms",
                failure.error.as_deref().unwrap_or("?"),
                params.join(", "),
                failure.duration_ms
            );
        }
    }
}
