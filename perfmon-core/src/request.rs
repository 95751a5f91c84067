//! Request scope: lets request-level middleware (the axum layer) count the
//! database queries made while it serves a request, and find N+1 patterns.
//!
//! A [`RequestContext`] is entered around each poll of the request's future
//! ([`RequestContext::scope`]); while in it, every recorded call of a
//! `database_query` operation on that thread is added to it. A call made on
//! another task (`tokio::spawn`) is not in the request's scope.
//!
//! Cost: operations of other kinds pay one branch on a flag fixed at their
//! registration; database queries pay a thread-local read, and inside a
//! request a short uncontended lock (a query takes milliseconds; this, tens
//! of nanoseconds).

use crate::kind::Kind;
use crate::sync::lock;
use once_cell::race::OnceBox;
use std::cell::Cell;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::Duration;

/// Distinct operations counted per request; calls of further ones count in
/// the totals only.
pub const MAX_OPERATIONS_PER_REQUEST: usize = 64;

thread_local! {
    static CURRENT: Cell<*const RequestContext> = const { Cell::new(std::ptr::null()) };
}

/// The database work of one request.
///
/// ```
/// use perfmon_core::{request::RequestContext, Kind, Registry};
/// let reg = Registry::new();
/// let query = reg.operation("db.get_item", Kind::DatabaseQuery);
/// let ctx = RequestContext::new();
/// ctx.scope(|| {
///     for _ in 0..12 {
///         query.record_nanos(2_000_000);
///     }
/// });
/// assert_eq!(ctx.queries(), 12);
/// assert_eq!(ctx.repeated(), vec![("db.get_item".to_owned(), Kind::DatabaseQuery, 12)]);
/// ctx.report_to(&reg, "GET /orders");
/// assert_eq!(reg.request_patterns()[0].calls_in_one_request, 12);
/// ```
#[derive(Debug, Default)]
pub struct RequestContext {
    queries: AtomicU64,
    query_ns: AtomicU64,
    /// Calls per operation, made at the first query (most requests make
    /// none, and the context travels with each request's future: 24 bytes).
    per_operation: OnceBox<Mutex<PerOperation>>,
}

// The size the doc of `per_operation` quotes.
const _: () = assert!(std::mem::size_of::<RequestContext>() <= 24);

/// (operation address, name, kind, calls) of each distinct operation.
type PerOperation = Vec<(usize, String, Kind, u64)>;

/// While alive, the context is the current thread's request scope. Private:
/// only [`RequestContext::scope`] makes one, on its own stack frame, so
/// scopes nest strictly and no guard can be dropped out of order or
/// forgotten (either would leave the thread-local pointing at a context
/// that may be freed).
struct Entered<'a> {
    previous: *const RequestContext,
    _context: PhantomData<&'a RequestContext>,
}

impl Drop for Entered<'_> {
    #[inline]
    fn drop(&mut self) {
        let previous = self.previous;
        let _ = CURRENT.try_with(|c| c.set(previous));
    }
}

impl RequestContext {
    /// An empty context.
    #[inline]
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `f` with this context as the current thread's request scope:
    /// database queries recorded inside count toward it. Scopes nest; the
    /// previous one is restored when `f` returns or unwinds. For async
    /// work, call it around each poll (as `PerfmonLayer` does).
    ///
    /// ```
    /// use perfmon_core::request::RequestContext;
    /// use perfmon_core::{Kind, Registry};
    /// let reg = Registry::new();
    /// let query = reg.operation("db.q", Kind::DatabaseQuery);
    /// let ctx = RequestContext::new();
    /// ctx.scope(|| query.record_nanos(1_000));
    /// query.record_nanos(1_000); // outside: not counted
    /// assert_eq!(ctx.queries(), 1);
    /// ```
    #[inline]
    pub fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let _entered = self.enter();
        f()
    }

    #[inline]
    fn enter(&self) -> Entered<'_> {
        let previous = CURRENT
            .try_with(|c| c.replace(self as *const RequestContext))
            .unwrap_or(std::ptr::null());
        Entered {
            previous,
            _context: PhantomData,
        }
    }

    /// Database queries recorded in this request.
    #[inline]
    pub fn queries(&self) -> u64 {
        self.queries.load(Relaxed)
    }

    /// Time spent in them.
    #[inline]
    pub fn query_time(&self) -> Duration {
        Duration::from_nanos(self.query_ns.load(Relaxed))
    }

    /// Operations that ran more than once in this request, with their call
    /// counts, most calls first.
    pub fn repeated(&self) -> Vec<(String, Kind, u64)> {
        let Some(per) = self.per_operation.get() else {
            return Vec::new();
        };
        let per = lock(per);
        let mut out: Vec<(String, Kind, u64)> = per
            .iter()
            .filter(|(_, _, _, n)| *n > 1)
            .map(|(_, name, kind, n)| (name.clone(), kind.clone(), *n))
            .collect();
        out.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        out
    }

    fn note(&self, id: usize, name: &str, kind: &Kind, ns: u64) {
        self.queries.fetch_add(1, Relaxed);
        self.query_ns.fetch_add(ns, Relaxed);
        let per = self.per_operation.get_or_init(Box::default);
        let mut per = lock(per);
        if let Some(entry) = per.iter_mut().find(|e| e.0 == id) {
            entry.3 += 1;
        } else if per.len() < MAX_OPERATIONS_PER_REQUEST {
            per.push((id, name.to_owned(), kind.clone(), 1));
        }
    }
}

/// Adds a call of the operation `id` (its address: operations live as long
/// as their registry) to the current request scope, if any (called for
/// database queries only).
#[inline]
pub(crate) fn note_call(id: usize, name: &str, kind: &Kind, ns: u64) {
    let current = CURRENT.try_with(|c| c.get()).unwrap_or(std::ptr::null());
    if !current.is_null() {
        // SAFETY: the pointer was set by `enter` from a live `&RequestContext`
        // whose `Entered` guard (borrowing it) restores the previous pointer
        // on drop, on this same thread; so it is live here.
        unsafe { &*current }.note(id, name, kind, ns);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Registry;

    #[test]
    fn only_database_queries_inside_a_scope_are_counted() {
        let reg = Registry::new();
        let db = reg.operation("db.q", Kind::DatabaseQuery);
        let other = reg.operation("cpu.work", Kind::Processing);
        db.record_nanos(1_000); // outside any scope
        let ctx = RequestContext::new();
        ctx.scope(|| {
            db.record_nanos(3_000);
            db.record_nanos(5_000);
            other.record_nanos(7_000);
        });
        db.record_nanos(1_000); // after the scope ended
        assert_eq!(ctx.queries(), 2);
        assert_eq!(ctx.query_time(), Duration::from_nanos(8_000));
        assert_eq!(
            ctx.repeated(),
            vec![("db.q".to_owned(), Kind::DatabaseQuery, 2)]
        );
    }

    #[test]
    fn scopes_nest_and_restore_the_outer_one() {
        let reg = Registry::new();
        let db = reg.operation("db.nested", Kind::DatabaseQuery);
        let (outer, inner) = (RequestContext::new(), RequestContext::new());
        outer.scope(|| {
            inner.scope(|| db.record_nanos(1));
            db.record_nanos(1);
        });
        assert_eq!((outer.queries(), inner.queries()), (1, 1));
    }

    /// The sequence that dangled with the old free guard (`enter()`):
    /// guards dropped out of order, then the outer context freed. With
    /// closure scopes the inner scope cannot outlive the outer one, a panic
    /// restores the outer scope, and after the last scope ends no pointer
    /// is left behind: a query recorded after the contexts are gone touches
    /// nothing (valgrind's memcheck runs this test in `.ci/run`).
    #[test]
    fn no_scope_outlives_its_context_even_when_unwinding() {
        let reg = Registry::new();
        let db = reg.operation("db.unwind", Kind::DatabaseQuery);
        let outer = RequestContext::new();
        outer.scope(|| {
            let inner = RequestContext::new();
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                inner.scope(|| {
                    db.record_nanos(1);
                    panic!("a handler panics inside the inner scope");
                })
            }));
            assert!(caught.is_err());
            drop(inner);
            db.record_nanos(1); // counts toward the outer scope again
        });
        assert_eq!(outer.queries(), 1);
        for _ in 0..2 {
            let gone = RequestContext::new();
            gone.scope(|| db.record_nanos(1));
            drop(gone);
        }
        drop(outer);
        db.record_nanos(1); // no scope: nothing is dereferenced
        assert_eq!(CURRENT.with(Cell::get), std::ptr::null());
    }
}
