//! Call sites: the `static` each annotated function owns, and the guard that
//! times one call of it.
//!
//! The operation handle is resolved on a call site's first call (one map
//! lookup) and cached in the `static`; every later call costs a load of that
//! cache, two clock reads and the atomics of [`Operation`]'s record.

use crate::clock;
use crate::data::{BoundedText, CapturedParam, Outcome, ERROR_CAPACITY, PARAM_CAPACITY};
use crate::kind::Kind;
use crate::record::{CallDetails, OpRef, Operation};
use crate::registry::{ever_entered, registry, with_scoped};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

/// What the macro knows about an annotated function, fixed at compile time.
#[derive(Debug)]
pub struct CallsiteMeta {
    /// Operation name.
    pub name: &'static str,
    /// Kind name (`"authentication"`, ..., or any custom name).
    pub kind: &'static str,
    /// Names of the parameters captured with `params(...)`, in order.
    pub params: &'static [&'static str],
}

/// The `static` behind one annotated function.
#[derive(Debug)]
pub struct Callsite {
    meta: CallsiteMeta,
    operation: OnceLock<Arc<Operation>>,
}

impl Callsite {
    /// A call site; nothing is registered until its first call.
    pub const fn new(meta: CallsiteMeta) -> Self {
        Callsite {
            meta,
            operation: OnceLock::new(),
        }
    }

    /// The call site's description.
    pub fn meta(&self) -> &CallsiteMeta {
        &self.meta
    }

    /// The operation this call site records into (registered on first use).
    #[inline(always)]
    pub fn operation(&'static self) -> &'static Operation {
        match self.operation.get() {
            Some(op) => op,
            None => self.register(),
        }
    }

    /// The operation of this call site in the current scope's registry, or
    /// the cached one outside any scope (taken once any scope was entered
    /// in the process).
    #[inline(never)]
    fn current_operation(&'static self) -> OpRef<'static> {
        let scoped = with_scoped(|scoped| {
            scoped.map(|reg| reg.operation(self.meta.name, Kind::from_static(self.meta.kind)))
        });
        match scoped {
            Some(op) => OpRef::Owned(op),
            None => OpRef::Borrowed(self.operation()),
        }
    }

    #[cold]
    fn register(&'static self) -> &'static Operation {
        self.operation
            .get_or_init(|| registry().operation(self.meta.name, Kind::from_static(self.meta.kind)))
    }

    /// Starts timing a call, capturing parameters first (outside the timed
    /// span). When perfmon is disabled this reads one flag and nothing else.
    #[inline(always)]
    pub fn enter<const N: usize>(
        &'static self,
        capture: impl FnOnce(&mut Params<N>),
    ) -> CallGuard<N> {
        if !crate::switch::is_enabled() {
            return CallGuard::inert();
        }
        let mut params = Params::new();
        capture(&mut params);
        let operation = if ever_entered() {
            self.current_operation()
        } else {
            OpRef::Borrowed(self.operation())
        };
        CallGuard {
            active: Some((self, operation)),
            start: clock::now_raw(),
            end: 0,
            params: Some(params),
        }
    }
}

/// The `static` behind `cache = "..."`: the cache's counters, looked up on
/// the first call and cached.
#[derive(Debug)]
pub struct CacheSite {
    name: &'static str,
    handle: OnceLock<crate::data::CacheHandle>,
}

impl CacheSite {
    /// A cache site for the cache called `name`.
    pub const fn new(name: &'static str) -> Self {
        CacheSite {
            name,
            handle: OnceLock::new(),
        }
    }

    /// Counts a hit (`true`) or a miss.
    #[inline]
    pub fn record(&'static self, hit: bool) {
        if !crate::switch::is_enabled() {
            return;
        }
        if ever_entered() {
            if let Some(scoped) = with_scoped(|s| s.map(|reg| reg.cache(self.name))) {
                scoped.record(hit);
                return;
            }
        }
        self.handle
            .get_or_init(|| registry().cache(self.name))
            .record(hit);
    }
}

/// Parameter values captured for one call, formatted with `Debug` into fixed
/// 128-byte buffers on the stack.
pub struct Params<const N: usize>([BoundedText<PARAM_CAPACITY>; N]);

impl<const N: usize> Params<N> {
    fn new() -> Self {
        Params(std::array::from_fn(|_| BoundedText::new()))
    }

    /// Captures parameter `index` (its `Debug` text, cut to 128 bytes).
    #[inline]
    pub fn capture<T: fmt::Debug + ?Sized>(&mut self, index: usize, value: &T) {
        if let Some(slot) = self.0.get_mut(index) {
            slot.set_debug(value);
        }
    }

    fn to_records(&self, names: &[&str]) -> Vec<CapturedParam> {
        names
            .iter()
            .zip(&self.0)
            .map(|(name, value)| CapturedParam {
                name: (*name).to_owned(),
                value: value.to_string_marked(),
            })
            .collect()
    }
}

/// Times one call; records it when finished, or on drop (as panicked when
/// the thread is unwinding, as cancelled otherwise).
#[must_use = "a call guard records when it is finished or dropped"]
pub struct CallGuard<const N: usize> {
    active: Option<(&'static Callsite, OpRef<'static>)>,
    start: u64,
    /// Set when an async body completed, before the outcome is known.
    end: u64,
    /// `None` for an inert guard (perfmon disabled): no buffer to fill.
    params: Option<Params<N>>,
}

impl<const N: usize> CallGuard<N> {
    fn inert() -> Self {
        CallGuard {
            active: None,
            start: 0,
            end: 0,
            params: None,
        }
    }

    /// Records a successful call.
    #[inline(always)]
    pub fn finish(mut self) {
        self.complete(Outcome::Ok, None);
    }

    /// Records a call that failed with `error`'s text.
    #[inline]
    pub fn finish_err(mut self, error: BoundedText<ERROR_CAPACITY>) {
        self.complete(Outcome::Error, Some(error));
    }

    #[inline(always)]
    fn stop_clock(&mut self) {
        if self.end == 0 {
            self.end = clock::now_raw();
        }
    }

    #[inline(always)]
    fn complete(&mut self, outcome: Outcome, error: Option<BoundedText<ERROR_CAPACITY>>) {
        let Some((site, op)) = self.active.take() else {
            return;
        };
        self.stop_clock();
        let ns = clock::nanos_between(self.start, self.end);
        let params = &self.params;
        op.record(ns, self.end, outcome, || CallDetails {
            error: error.map(|e| e.to_string_marked()),
            params: params
                .as_ref()
                .map(|p| p.to_records(site.meta.params))
                .unwrap_or_default(),
            at_unix_ms: None,
        });
    }
}

impl<const N: usize> Drop for CallGuard<N> {
    fn drop(&mut self) {
        if self.active.is_some() {
            let outcome = if std::thread::panicking() {
                Outcome::Panicked
            } else {
                Outcome::Cancelled
            };
            self.complete(outcome, None);
        }
    }
}

/// Wraps the body of an async function: stops the clock when the body
/// completes and hands the output back with the guard, so the caller can
/// classify it. A panic during a poll is recorded as a panic at once; a
/// future dropped before completion is recorded as cancelled.
pub struct Instrumented<F, const N: usize> {
    inner: F,
    guard: Option<CallGuard<N>>,
}

impl<F, const N: usize> Instrumented<F, N> {
    /// Wraps `inner`, timed by `guard`.
    pub fn new(guard: CallGuard<N>, inner: F) -> Self {
        Instrumented {
            inner,
            guard: Some(guard),
        }
    }
}

struct RecordPanic<'a, const N: usize>(&'a mut Option<CallGuard<N>>);

impl<const N: usize> Drop for RecordPanic<'_, N> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if let Some(mut guard) = self.0.take() {
                guard.complete(Outcome::Panicked, None);
            }
        }
    }
}

impl<F: Future, const N: usize> Future for Instrumented<F, N> {
    type Output = (F::Output, CallGuard<N>);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `inner` is structurally pinned (never moved out of `self`);
        // `guard` is not pinned and is only accessed through `&mut`.
        let this = unsafe { self.get_unchecked_mut() };
        let inner = unsafe { Pin::new_unchecked(&mut this.inner) };
        let on_panic = RecordPanic(&mut this.guard);
        match inner.poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(output) => {
                let mut guard = on_panic.0.take().unwrap_or_else(CallGuard::inert);
                guard.stop_clock();
                Poll::Ready((output, guard))
            }
        }
    }
}

/// Runs a synchronous body. Taking `FnOnce` makes the compiler treat the
/// body's closure as `FnOnce`, so a body may return a borrow of a captured
/// `&mut` parameter (`&mut self.field`), as the function itself could.
#[inline(always)]
pub fn call_once<R>(body: impl FnOnce() -> R) -> R {
    body()
}

/// Wraps an error reference so the macro can describe it by `Display` when
/// the type has it, and by its type name otherwise (autoref specialization).
pub struct ErrorRef<'a, T: ?Sized>(pub &'a T);

/// Describes an error by its `Display` text (chosen when `T: Display`).
pub trait DescribeDisplay {
    /// The error's text, cut to 256 bytes.
    fn perfmon_describe(&self) -> BoundedText<ERROR_CAPACITY>;
}

impl<T: fmt::Display + ?Sized> DescribeDisplay for &ErrorRef<'_, T> {
    fn perfmon_describe(&self) -> BoundedText<ERROR_CAPACITY> {
        BoundedText::display(self.0)
    }
}

/// Describes an error by its type name (chosen when `T` has no `Display`).
pub trait DescribeFallback {
    /// The error's type name.
    fn perfmon_describe(&self) -> BoundedText<ERROR_CAPACITY>;
}

impl<T: ?Sized> DescribeFallback for ErrorRef<'_, T> {
    fn perfmon_describe(&self) -> BoundedText<ERROR_CAPACITY> {
        BoundedText::display(std::any::type_name::<T>())
    }
}
