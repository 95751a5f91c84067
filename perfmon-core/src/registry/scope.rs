//! Registries made current for a scope, the way
//! `tracing::dispatcher::with_default` makes a dispatcher current.
//!
//! Inside [`Registry::scope`] (this thread, for the closure) or
//! [`Registry::in_scope`] (a future, at every poll, on whatever thread polls
//! it), annotated functions, timers, [`record`](crate::record()) and the
//! other name-based functions record into that registry; outside, into the
//! global [`registry()`](crate::registry::registry()). Parallel `#[test]`s that each
//! run in their own scope see only their own calls, with no name prefixes.
//!
//! # Cost
//!
//! While no scope has ever been entered in the process, an annotated call
//! pays one relaxed load for this (the flag below), and its call site keeps
//! its cached operation of the global registry. Once a scope has been
//! entered, every call also reads a thread-local; inside a scope it looks
//! its operation up in the scoped registry (one map lookup and a reference
//! count per call).
//!
//! # Soundness
//!
//! The current registry is a thread-local pointer set only for the extent of
//! a closure or of one poll, restored on exit (also when unwinding), so
//! scopes nest strictly and no guard can outlive or reorder them. Guards of
//! calls started inside a scope hold their operation by `Arc`, so a call
//! that outlives its scope (or its registry) still records safely.

use super::Registry;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};

/// Set for good once any scope is entered.
static EVER_ENTERED: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// The registry of the innermost scope on this thread.
    static CURRENT: Cell<Option<NonNull<Registry>>> = const { Cell::new(None) };
}

/// Whether any scope was ever entered in this process (one relaxed load:
/// the only cost scopes add to a call while none is used).
#[inline(always)]
pub(crate) fn ever_entered() -> bool {
    EVER_ENTERED.load(Relaxed)
}

/// Runs `f` with the registry of the innermost scope on this thread, or
/// `None` outside any scope.
pub(crate) fn with_scoped<R>(f: impl FnOnce(Option<&Registry>) -> R) -> R {
    let current = CURRENT.try_with(Cell::get).ok().flatten();
    // SAFETY: `CURRENT` holds a pointer only while the `Enter` that set it is
    // alive, and that `Enter` lives on the stack of a frame that borrows the
    // registry (`scope`'s `&self`, or the `Arc` owned by a polled
    // `InScope`). The reference handed to `f` cannot escape `f`.
    f(current.map(|p| unsafe { p.as_ref() }))
}

/// Runs `f` with the current registry: the innermost scope's on this
/// thread, else the global [`registry()`](crate::registry::registry()).
///
/// The name-based functions of the facade ([`summaries`](crate::summaries()),
/// [`record`](crate::record()), `validate_benchmarks`, ...) read it this way.
///
/// ```
/// use perfmon_core::{with_registry, Kind, Registry};
/// use std::time::Duration;
///
/// let reg = Registry::new();
/// reg.scope(|| perfmon_core::record("scoped.op", Kind::Processing, Duration::from_millis(3)));
/// assert_eq!(reg.summary("scoped.op").unwrap().count, 1);
/// reg.scope(|| assert!(with_registry(|r| r.summary("scoped.op")).is_some()));
/// assert!(with_registry(|r| r.summary("scoped.op")).is_none()); // the global one
/// ```
pub fn with_registry<R>(f: impl FnOnce(&Registry) -> R) -> R {
    if !ever_entered() {
        return f(crate::registry::registry());
    }
    with_scoped(|scoped| f(scoped.unwrap_or_else(|| crate::registry::registry())))
}

/// Makes a registry current on this thread until dropped; restores the
/// previous one (also when unwinding). Private: only `scope` and a polled
/// `InScope` make one, on their own stack frames.
struct Enter {
    previous: Option<NonNull<Registry>>,
}

impl Enter {
    fn new(registry: &Registry) -> Option<Enter> {
        EVER_ENTERED.store(true, Relaxed);
        CURRENT
            .try_with(|c| Enter {
                previous: c.replace(Some(NonNull::from(registry))),
            })
            .ok()
    }
}

impl Drop for Enter {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| c.set(self.previous));
    }
}

impl Registry {
    /// Runs `f` with this registry current on this thread: annotated
    /// functions, timers and the name-based functions called inside record
    /// into it. Scopes nest; the innermost wins, and the outer one is
    /// restored on exit (also when unwinding). Threads spawned inside do not
    /// inherit it: enter the scope in them too, or use
    /// [`Registry::in_scope`] for futures.
    ///
    /// Cost: while no scope has ever been entered in the process, an
    /// annotated call pays one relaxed load for this feature; afterwards a
    /// call outside any scope also reads a thread-local, and a call inside
    /// one looks its operation up in the scoped registry (a map read and a
    /// reference count per call; BENCHMARKS.md has the figures). A call
    /// started inside a scope holds its operation, so it records safely
    /// even if it ends after the scope and the registry are gone.
    ///
    /// ```
    /// use perfmon_core::{Kind, Registry};
    ///
    /// let reg = Registry::new();
    /// reg.scope(|| {
    ///     let _t = perfmon_core::timer("scoped.block", Kind::Processing);
    /// });
    /// assert_eq!(reg.summary("scoped.block").unwrap().count, 1);
    /// assert!(perfmon_core::summary("scoped.block").is_none()); // not in the global one
    /// ```
    pub fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let _entered = Enter::new(self);
        f()
    }

    /// Wraps `future` so that every poll of it runs with this registry
    /// current, on whatever thread polls it: the scope follows a task.
    ///
    /// ```
    /// use perfmon_core::{Kind, Registry};
    /// use std::future::Future;
    /// use std::sync::Arc;
    /// use std::time::Duration;
    ///
    /// let reg = Arc::new(Registry::new());
    /// let fut = reg.clone().in_scope(async {
    ///     perfmon_core::record("task.step", Kind::Processing, Duration::from_millis(2));
    /// });
    /// // Any executor; here a no-op waker polls it once.
    /// let mut fut = std::pin::pin!(fut);
    /// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// assert!(fut.as_mut().poll(&mut cx).is_ready());
    /// assert_eq!(reg.summary("task.step").unwrap().count, 1);
    /// ```
    pub fn in_scope<F: Future>(self: Arc<Self>, future: F) -> InScope<F> {
        InScope {
            registry: self,
            inner: future,
        }
    }
}

/// A future whose every poll runs inside its registry's scope
/// ([`Registry::in_scope`]).
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct InScope<F> {
    registry: Arc<Registry>,
    inner: F,
}

impl<F> InScope<F> {
    /// The registry this future records into.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The wrapped future.
    pub fn into_inner(self) -> F {
        self.inner
    }
}

impl<F: Future> Future for InScope<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned: it is never moved out of a
        // pinned `InScope` (`into_inner` takes `self` by value, which a
        // pinned future cannot give); `registry` is not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let _entered = Enter::new(&this.registry);
        unsafe { Pin::new_unchecked(&mut this.inner) }.poll(cx)
    }
}
