//! A manual guard for code that is not a whole function.

use crate::clock;
use crate::data::{BoundedText, Outcome, ERROR_CAPACITY};
use crate::record::{CallDetails, OpRef};
use std::fmt;
use std::time::Duration;

/// Times a block of code and records it into an operation when finished or
/// dropped. Works across `.await` (it is `Send`).
///
/// A timer dropped while its thread unwinds from a panic records a panic.
///
/// ```
/// use perfmon_core::{registry, Kind};
/// let reg = perfmon_core::Registry::new();
/// {
///     let _t = reg.timer("checkout.total", Kind::Processing);
///     // ... the work ...
/// } // recorded here
/// let mut t = reg.timer("checkout.total", Kind::Processing);
/// t.error("card declined");
/// t.finish();
/// let s = reg.summary("checkout.total").unwrap();
/// assert_eq!((s.count, s.errors), (2, 1));
/// # let _ = registry();
/// ```
#[must_use = "a timer records when it is dropped; bind it with `let _t = ...`"]
pub struct Timer<'a> {
    operation: Option<OpRef<'a>>,
    start: u64,
    outcome: Outcome,
    error: Option<BoundedText<ERROR_CAPACITY>>,
}

impl<'a> Timer<'a> {
    pub(crate) fn start(operation: Option<OpRef<'a>>) -> Self {
        Timer {
            start: if operation.is_some() {
                clock::now_raw()
            } else {
                0
            },
            operation,
            outcome: Outcome::Ok,
            error: None,
        }
    }

    /// Marks the timed work as failed, keeping `message` (its first 256 bytes).
    pub fn error(&mut self, message: impl fmt::Display) -> &mut Self {
        self.outcome = Outcome::Error;
        self.error = Some(BoundedText::display(&message));
        self
    }

    /// Marks the timed work as failed without a message.
    pub fn fail(&mut self) -> &mut Self {
        self.outcome = Outcome::Error;
        self
    }

    /// Time elapsed so far.
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(clock::nanos_between(self.start, clock::now_raw()))
    }

    /// Records now and returns the recorded duration.
    pub fn finish(mut self) -> Duration {
        self.record()
    }

    fn record(&mut self) -> Duration {
        let Some(op) = self.operation.take() else {
            return Duration::ZERO;
        };
        let end = clock::now_raw();
        let ns = clock::nanos_between(self.start, end);
        let outcome = if std::thread::panicking() {
            Outcome::Panicked
        } else {
            self.outcome
        };
        let error = self.error.take();
        op.record(ns, end, outcome, || CallDetails {
            error: error.map(|e| e.to_string_marked()),
            ..CallDetails::default()
        });
        Duration::from_nanos(ns)
    }
}

impl Drop for Timer<'_> {
    fn drop(&mut self) {
        self.record();
    }
}
