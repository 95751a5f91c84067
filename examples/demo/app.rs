//! The application: a parts inventory behind a session login, with its
//! "database" and two caches simulated in memory (latencies are sleeps).
//! Every function that the dashboard should show is annotated with
//! `#[monitor_performance]`; `app` puts the routes, the monitoring router
//! and `PerfmonLayer` together.

use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use perfmon::axum::{dashboard, PerfmonLayer, RouterOptions};
use perfmon::monitor_performance;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
pub struct Db {
    parts: Mutex<BTreeMap<u64, Part>>,
    next_id: AtomicU64,
    /// L2 cache of part lookups (L1 is per-process and smaller below).
    l2: Mutex<BTreeMap<u64, Part>>,
    l1: Mutex<BTreeMap<u64, Part>>,
}

pub type AppState = Arc<Db>;

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
pub fn jitter(max_ms: u64) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64);
    (nanos / 1000) % max_ms.max(1)
}

pub async fn sleep_ms(ms: u64) {
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

pub fn app(db: AppState, token: &str) -> Result<Router, perfmon::axum::TokenError> {
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

/// The parts the service starts with (ids 1-12).
pub fn seed(db: &Db) {
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
