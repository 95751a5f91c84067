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
//! Environment:
//!
//! - `PERFMON_DEMO_PORT`: port on 127.0.0.1 (default 3000; 0 = any free port).
//! - `PERFMON_DEMO_TOKEN`: bearer token of the monitoring routes (default: a
//!   fresh random-ish token per run, printed).
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

use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use perfmon::axum::{dashboard, PerfmonLayer, RouterOptions};
use perfmon::monitor_performance;
use serde_json::{json, Value};
use std::collections::hash_map::RandomState;
use std::collections::BTreeMap;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

// ---- the application -------------------------------------------------------

#[derive(Debug, Clone)]
struct Part {
    id: u64,
    name: String,
    stock: u32,
}

impl Part {
    fn json(&self) -> Value {
        json!({ "id": self.id, "name": self.name, "stock": self.stock })
    }
}

/// The "database": a map behind a mutex, with latencies simulated by sleeps.
#[derive(Debug, Default)]
struct Db {
    parts: Mutex<BTreeMap<u64, Part>>,
    next_id: AtomicU64,
    /// L2 cache of part lookups (L1 is per-process and smaller below).
    l2: Mutex<BTreeMap<u64, Part>>,
    l1: Mutex<BTreeMap<u64, Part>>,
}

type AppState = Arc<Db>;

#[derive(Debug)]
enum AppError {
    BadCredentials,
    Unauthenticated,
    Forbidden(&'static str),
    NotFound(u64),
    BadRequest(String),
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::BadCredentials => f.write_str("bad credentials"),
            AppError::Unauthenticated => f.write_str("no session"),
            AppError::Forbidden(action) => write!(f, "not allowed to {action}"),
            AppError::NotFound(id) => write!(f, "part {id} not found"),
            AppError::BadRequest(why) => write!(f, "bad request: {why}"),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = match self {
            AppError::BadCredentials | AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
        };
        (status, Json(json!({ "error": self.to_string() }))).into_response()
    }
}

/// A small jitter without a random crate: the low bits of the clock.
fn jitter(max_ms: u64) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64);
    (nanos / 1000) % max_ms.max(1)
}

async fn sleep_ms(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

#[monitor_performance(
    kind = "authentication",
    name = "auth.verify_credentials",
    params(user)
)]
async fn verify_credentials(user: &str, password: &str) -> Result<String, AppError> {
    sleep_ms(25 + jitter(40)).await; // a password hash is slow on purpose
    if password == "hunter2" && user != "mallory" && !user.is_empty() {
        Ok(format!("sess-{user}"))
    } else {
        Err(AppError::BadCredentials)
    }
}

#[monitor_performance(
    kind = "authorization",
    name = "auth.check_permission",
    params(user, action)
)]
async fn check_permission(user: &str, action: &'static str) -> Result<(), AppError> {
    sleep_ms(1 + jitter(3)).await;
    match (user, action) {
        ("admin", _) | (_, "parts.read") => Ok(()),
        _ => Err(AppError::Forbidden(action)),
    }
}

#[monitor_performance(kind = "database_query", name = "db.list_parts")]
async fn db_list_parts(db: &Db) -> Vec<Part> {
    sleep_ms(6 + jitter(12)).await;
    db.parts.lock().unwrap().values().cloned().collect()
}

#[monitor_performance(kind = "database_query", name = "db.select_part", params(id))]
async fn db_select_part(db: &Db, id: u64) -> Option<Part> {
    sleep_ms(4 + jitter(14)).await;
    db.parts.lock().unwrap().get(&id).cloned()
}

#[monitor_performance(kind = "database_query", name = "db.select_stock", params(id))]
async fn db_select_stock(db: &Db, id: u64) -> Option<u32> {
    sleep_ms(2 + jitter(4)).await;
    db.parts.lock().unwrap().get(&id).map(|p| p.stock)
}

#[monitor_performance(kind = "database_query", name = "db.insert_part")]
async fn db_insert_part(db: &Db, name: String, stock: u32) -> Part {
    sleep_ms(8 + jitter(15)).await;
    let id = db.next_id.fetch_add(1, Ordering::Relaxed) + 1;
    let part = Part { id, name, stock };
    db.parts.lock().unwrap().insert(id, part.clone());
    part
}

#[monitor_performance(kind = "database_query", name = "db.update_part", params(id))]
async fn db_update_part(db: &Db, id: u64, stock: u32) -> Result<Part, AppError> {
    sleep_ms(8 + jitter(20)).await;
    let mut parts = db.parts.lock().unwrap();
    let part = parts.get_mut(&id).ok_or(AppError::NotFound(id))?;
    part.stock = stock;
    Ok(part.clone())
}

#[monitor_performance(kind = "database_query", name = "db.delete_part", params(id))]
async fn db_delete_part(db: &Db, id: u64) -> Result<(), AppError> {
    sleep_ms(6 + jitter(10)).await;
    db.parts
        .lock()
        .unwrap()
        .remove(&id)
        .map(|_| ())
        .ok_or(AppError::NotFound(id))
}

/// The slow one: a monthly aggregate over everything, 250-650 ms.
#[monitor_performance(kind = "database_query", name = "db.monthly_aggregate")]
async fn db_monthly_aggregate(db: &Db) -> (usize, u64) {
    sleep_ms(250 + jitter(400)).await;
    let parts = db.parts.lock().unwrap();
    (
        parts.len(),
        parts.values().map(|p| u64::from(p.stock)).sum(),
    )
}

/// L1: `Some` is a hit, `None` a miss (counted by `cache = "L1"`).
#[monitor_performance(kind = "cache", name = "cache.l1_part", cache = "L1")]
fn l1_part(db: &Db, id: u64) -> Option<Part> {
    db.l1.lock().unwrap().get(&id).cloned()
}

/// L2: counted by hand, as code around an external cache would.
#[monitor_performance(kind = "cache", name = "cache.l2_part")]
async fn l2_part(db: &Db, id: u64) -> Option<Part> {
    sleep_ms(1 + jitter(2)).await; // a network hop
    let found = db.l2.lock().unwrap().get(&id).cloned();
    let l2 = perfmon::cache("L2");
    if found.is_some() {
        l2.hit()
    } else {
        l2.miss()
    }
    found
}

fn remember(db: &Db, part: &Part) {
    // L1 holds few entries and forgets often; L2 holds everything it saw.
    let mut l1 = db.l1.lock().unwrap();
    if l1.len() >= 8 {
        l1.clear();
    }
    l1.insert(part.id, part.clone());
    db.l2.lock().unwrap().insert(part.id, part.clone());
}

fn forget(db: &Db, id: u64) {
    db.l1.lock().unwrap().remove(&id);
    db.l2.lock().unwrap().remove(&id);
}

/// The session's user: `Authorization: Bearer sess-<user>`.
fn session_user(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer sess-")
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
}

async fn authorize(headers: &HeaderMap, action: &'static str) -> Result<String, AppError> {
    let user = session_user(headers).ok_or(AppError::Unauthenticated)?;
    check_permission(&user, action).await?;
    Ok(user)
}

fn field<'a>(body: &'a Value, name: &str) -> Result<&'a Value, AppError> {
    body.get(name)
        .ok_or_else(|| AppError::BadRequest(format!("missing field `{name}`")))
}

async fn login(Json(body): Json<Value>) -> Result<Json<Value>, AppError> {
    let user = field(&body, "user")?.as_str().unwrap_or_default();
    let password = field(&body, "password")?.as_str().unwrap_or_default();
    let session = verify_credentials(user, password).await?;
    Ok(Json(json!({ "session": session })))
}

async fn list_parts(
    State(db): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, AppError> {
    authorize(&headers, "parts.read").await?;
    let parts = db_list_parts(&db).await;
    Ok(Json(Value::Array(parts.iter().map(Part::json).collect())))
}

async fn create_part(
    State(db): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    authorize(&headers, "parts.write").await?;
    let name = field(&body, "name")?
        .as_str()
        .ok_or_else(|| AppError::BadRequest("`name` must be a string".into()))?
        .to_owned();
    let stock = field(&body, "stock")?.as_u64().unwrap_or(0) as u32;
    let part = db_insert_part(&db, name, stock).await;
    Ok((StatusCode::CREATED, Json(part.json())))
}

async fn get_part(
    State(db): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Result<Json<Value>, AppError> {
    authorize(&headers, "parts.read").await?;
    if let Some(part) = l1_part(&db, id) {
        return Ok(Json(part.json()));
    }
    if let Some(part) = l2_part(&db, id).await {
        remember(&db, &part);
        return Ok(Json(part.json()));
    }
    let part = db_select_part(&db, id)
        .await
        .ok_or(AppError::NotFound(id))?;
    remember(&db, &part);
    Ok(Json(part.json()))
}

async fn update_part(
    State(db): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, AppError> {
    authorize(&headers, "parts.write").await?;
    let stock = field(&body, "stock")?
        .as_u64()
        .ok_or_else(|| AppError::BadRequest("`stock` must be a number".into()))?;
    let part = db_update_part(&db, id, stock as u32).await?;
    forget(&db, id);
    Ok(Json(part.json()))
}

async fn delete_part(
    State(db): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Result<StatusCode, AppError> {
    authorize(&headers, "parts.write").await?;
    db_delete_part(&db, id).await?;
    forget(&db, id);
    Ok(StatusCode::NO_CONTENT)
}

/// The N+1 pattern: one query for the list, then one more per part.
async fn inventory(
    State(db): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, AppError> {
    authorize(&headers, "parts.read").await?;
    let mut rows = Vec::new();
    for part in db_list_parts(&db).await {
        let stock = db_select_stock(&db, part.id).await;
        rows.push(json!({ "id": part.id, "name": part.name, "stock": stock }));
    }
    Ok(Json(Value::Array(rows)))
}

async fn monthly_report(
    State(db): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, AppError> {
    authorize(&headers, "parts.read").await?;
    let (parts, stock) = db_monthly_aggregate(&db).await;
    Ok(Json(json!({ "parts": parts, "total_stock": stock })))
}

fn app(db: AppState, token: &str) -> Result<Router, perfmon::axum::TokenError> {
    // The dashboard page is served at the router's `/` (public; the data it
    // reads needs the token).
    let monitoring = perfmon::axum::router(RouterOptions::with_token(token)?);
    Ok(Router::new()
        .route("/login", axum::routing::post(login))
        .route("/parts", get(list_parts).post(create_part))
        .route(
            "/parts/{id}",
            get(get_part).put(update_part).delete(delete_part),
        )
        .route("/inventory", get(inventory))
        .route("/reports/monthly", get(monthly_report))
        .with_state(db)
        // axum's `nest` serves the nested `/` at `/performance` only.
        .route("/performance/", get(dashboard::page))
        .nest("/performance", monitoring)
        .layer(PerfmonLayer::new().user(|parts: &Parts| session_user(&parts.headers))))
}

// ---- the load generator ----------------------------------------------------

/// One HTTP/1.1 request on a fresh connection; returns the status code and
/// the body.
async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    session: Option<&str>,
    body: Option<&Value>,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr).await?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        request.push_str("Content-Type: application/json\r\n");
    }
    if let Some(session) = session {
        request.push_str(&format!("Authorization: Bearer {session}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {response:.40?}")))?;
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    Ok((status, body.to_owned()))
}

/// A client doing what users of the service do, until `until`.
async fn client(addr: SocketAddr, worker: u64, until: Instant) -> u64 {
    let mut sent = 0;
    let mut step = worker * 7;
    let (admin, viewer) = (Some("sess-admin"), Some("sess-viewer"));
    let mut created: Vec<u64> = Vec::new();
    let mut failures = 0u64;
    while Instant::now() < until {
        step += 1;
        // Mostly a few hot parts (L1 hits), sometimes any of 1-16 (13-16
        // are missing at first: 404s once both caches missed).
        let id = if step.is_multiple_of(3) {
            1 + step % 16
        } else {
            1 + step % 4
        };
        let result = match step % 20 {
            0 => {
                // Now and then someone who may not log in tries.
                let user = if step.is_multiple_of(120) {
                    "mallory"
                } else {
                    "admin"
                };
                let body = json!({"user": user, "password": "hunter2"});
                send(addr, "POST", "/login", None, Some(&body)).await
            }
            1 => send(addr, "GET", "/parts", viewer, None).await,
            2 => {
                let body = json!({ "name": format!("part-{step}"), "stock": step % 50 });
                let res = send(addr, "POST", "/parts", admin, Some(&body)).await;
                if let Ok((201, body)) = &res {
                    let part: Value = serde_json::from_str(body).unwrap_or_default();
                    created.extend(part["id"].as_u64());
                }
                res
            }
            3 => {
                let body = json!({"stock": step % 90});
                send(addr, "PUT", &format!("/parts/{id}"), admin, Some(&body)).await
            }
            4 if step % 100 == 4 => {
                // A viewer may not write: 403.
                let body = json!({"name": "nope", "stock": 1});
                send(addr, "POST", "/parts", viewer, Some(&body)).await
            }
            5 if created.len() > 3 => {
                let id = created.remove(0);
                send(addr, "DELETE", &format!("/parts/{id}"), admin, None).await
            }
            6 => send(addr, "GET", "/inventory", viewer, None).await,
            7 if worker == 0 => send(addr, "GET", "/reports/monthly", admin, None).await,
            _ => send(addr, "GET", &format!("/parts/{id}"), viewer, None).await,
        };
        if let Err(e) = result {
            if failures == 0 {
                eprintln!("load generator {worker}: {e} (further errors not shown)");
            }
            failures += 1;
            sleep_ms(200).await;
        }
        sent += 1;
        sleep_ms(5 + jitter(20)).await;
    }
    sent
}

async fn seed(db: &Db) {
    for (i, name) in [
        "gear", "bolt", "nut", "washer", "spring", "bearing", "shaft", "pulley", "belt", "chain",
        "sprocket", "bushing",
    ]
    .into_iter()
    .enumerate()
    {
        let id = db.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let part = Part {
            id,
            name: name.to_owned(),
            stock: 10 + i as u32 * 3,
        };
        db.parts.lock().unwrap().insert(id, part);
    }
}

// ---- main ------------------------------------------------------------------

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

/// A fresh token per run: the standard library's randomly seeded hasher
/// over the time and the process id (no extra crate).
fn fresh_token() -> String {
    let mut out = String::from("pm-");
    for round in 0..2u64 {
        let mut h = RandomState::new().build_hasher();
        h.write_u128(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.write_u32(std::process::id());
        h.write_u64(round);
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
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

    let db = AppState::default();
    seed(&db).await;
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let app = app(db, &token)?;

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
        let until = Instant::now() + Duration::from_secs(load_seconds);
        let workers: Vec<_> = (0..4)
            .map(|w| tokio::spawn(client(addr, w, until)))
            .collect();
        let mut sent = 0;
        for w in workers {
            sent += w.await.unwrap_or(0);
        }
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
