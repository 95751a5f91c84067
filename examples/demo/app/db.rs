//! The simulated database and its two caches: what the service's handlers
//! call, each function annotated so that the dashboard shows its latency
//! (simulated by sleeps), its failures and, for the caches, hits and misses.

use super::AppError;
use perfmon::monitor_performance;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A part as stored and as answered: `{"id": 1, "name": "gear", "stock": 10}`.
#[derive(Debug, Clone, Serialize)]
pub struct Part {
    pub id: u64,
    pub name: String,
    pub stock: u32,
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

/// A small jitter for the simulated latencies: the low bits of the clock.
pub fn jitter(max_ms: u64) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64);
    (nanos / 1000) % max_ms.max(1)
}

pub async fn sleep_ms(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

#[monitor_performance(kind = "database_query", name = "db.list_parts")]
pub async fn db_list_parts(db: &Db) -> Vec<Part> {
    sleep_ms(6 + jitter(12)).await;
    db.parts.lock().unwrap().values().cloned().collect()
}

#[monitor_performance(kind = "database_query", name = "db.select_part", params(id))]
pub async fn db_select_part(db: &Db, id: u64) -> Option<Part> {
    sleep_ms(4 + jitter(14)).await;
    db.parts.lock().unwrap().get(&id).cloned()
}

#[monitor_performance(kind = "database_query", name = "db.select_stock", params(id))]
pub async fn db_select_stock(db: &Db, id: u64) -> Option<u32> {
    sleep_ms(2 + jitter(4)).await;
    db.parts.lock().unwrap().get(&id).map(|p| p.stock)
}

#[monitor_performance(kind = "database_query", name = "db.insert_part")]
pub async fn db_insert_part(db: &Db, name: String, stock: u32) -> Part {
    sleep_ms(8 + jitter(15)).await;
    let id = db.next_id.fetch_add(1, Ordering::Relaxed) + 1;
    let part = Part { id, name, stock };
    db.parts.lock().unwrap().insert(id, part.clone());
    part
}

#[monitor_performance(kind = "database_query", name = "db.update_part", params(id))]
pub async fn db_update_part(db: &Db, id: u64, stock: u32) -> Result<Part, AppError> {
    sleep_ms(8 + jitter(20)).await;
    let mut parts = db.parts.lock().unwrap();
    let part = parts.get_mut(&id).ok_or(AppError::NotFound(id))?;
    part.stock = stock;
    Ok(part.clone())
}

#[monitor_performance(kind = "database_query", name = "db.delete_part", params(id))]
pub async fn db_delete_part(db: &Db, id: u64) -> Result<(), AppError> {
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
pub async fn db_monthly_aggregate(db: &Db) -> (usize, u64) {
    sleep_ms(250 + jitter(400)).await;
    let parts = db.parts.lock().unwrap();
    (
        parts.len(),
        parts.values().map(|p| u64::from(p.stock)).sum(),
    )
}

/// L1: `Some` is a hit, `None` a miss (counted by `cache = "L1"`).
#[monitor_performance(kind = "cache", name = "cache.l1_part", cache = "L1")]
pub fn l1_part(db: &Db, id: u64) -> Option<Part> {
    db.l1.lock().unwrap().get(&id).cloned()
}

/// L2: counted by hand, as code around an external cache would.
#[monitor_performance(kind = "cache", name = "cache.l2_part")]
pub async fn l2_part(db: &Db, id: u64) -> Option<Part> {
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

pub fn remember(db: &Db, part: &Part) {
    // L1 holds few entries and forgets often; L2 holds everything it saw.
    let mut l1 = db.l1.lock().unwrap();
    if l1.len() >= 8 {
        l1.clear();
    }
    l1.insert(part.id, part.clone());
    db.l2.lock().unwrap().insert(part.id, part.clone());
}

pub fn forget(db: &Db, id: u64) {
    db.l1.lock().unwrap().remove(&id);
    db.l2.lock().unwrap().remove(&id);
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
