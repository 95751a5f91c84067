//! What to do about a slow operation, by kind.

use super::{Category, Scale};
use perfmon_core::Kind;
use perfmon_core::OperationSnapshot;

fn looks_like_a_read(name: &str) -> bool {
    let last = name.rsplit(['.', ':', '/']).next().unwrap_or(name);
    [
        "get", "read", "fetch", "load", "find", "list", "lookup", "query",
    ]
    .iter()
    .any(|verb| last.starts_with(verb))
}

/// Category, title, advice and effort for a slow operation of a kind.
pub(super) fn slow_advice(op: &OperationSnapshot) -> (Category, String, &'static str, Scale) {
    let n = &op.name;
    match &op.kind {
        Kind::DatabaseQuery => (
            Category::Database,
            format!("Index or rewrite {n}"),
            "Read its query plan (EXPLAIN ANALYZE): add an index on the filtered and joined columns, select only the columns used, and page large results.",
            Scale::Medium,
        ),
        Kind::Cache => (
            Category::Caching,
            format!("Speed up cache lookups in {n}"),
            "A cache lookup should be far faster than the work it saves: check serialization cost, value size and the network hop to a remote cache, and put a small in-process cache in front.",
            Scale::Medium,
        ),
        Kind::Processing => (
            Category::Performance,
            format!("Move {n} off the request path"),
            "Run it asynchronously or in a background job, batch the items it handles, and stream results instead of building them in memory.",
            Scale::High,
        ),
        Kind::Authentication | Kind::Authorization => (
            Category::Caching,
            format!("Cache sessions and permissions for {n}"),
            "Cache validated sessions/tokens and resolved permissions for a short time instead of checking them against the store on every call; keep password hashing cost where it belongs, on login only.",
            Scale::Medium,
        ),
        Kind::ApiResponse => (
            Category::Performance,
            format!("Look at the downstream calls of {n}"),
            "The response time is mostly what it waits for: find the slowest database and remote calls it makes, run independent ones concurrently, and cache what does not change per request.",
            Scale::Medium,
        ),
        Kind::Custom(_) if looks_like_a_read(n) => (
            Category::Caching,
            format!("Cache the results of {n}"),
            "It reads the same kind of data repeatedly: cache its results (with a TTL or invalidation on write) or read in bulk.",
            Scale::Low,
        ),
        Kind::Custom(_) => (
            Category::Performance,
            format!("Profile {n}"),
            "Profile it (a flame graph under realistic load) to find where the time goes before changing it.",
            Scale::Medium,
        ),
    }
}
