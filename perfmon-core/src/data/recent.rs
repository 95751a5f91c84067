//! Bounded records of individual calls: the most recent failures and the
//! slowest calls, with their captured parameters and error text.
//!
//! Text is formatted into fixed inline buffers ([`BoundedText`]), so capturing
//! a parameter or an error message never allocates and never formats more
//! than the buffer holds. Records are copied out as owned strings only when a
//! call is kept, which happens on the failure path or when a call is among
//! the slowest seen.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fmt::{self, Write};
use std::mem::MaybeUninit;

/// Bytes kept of one captured parameter value.
pub const PARAM_CAPACITY: usize = 128;
/// Bytes kept of an error's `Display` text.
pub const ERROR_CAPACITY: usize = 256;
/// Failures kept per operation.
pub const RECENT_FAILURES: usize = 16;
/// Slowest calls kept per operation.
pub const SLOWEST_CALLS: usize = 8;

/// Text formatted into a fixed buffer, cut at a character boundary when full.
///
/// Writing stops the formatter with `fmt::Error` once the buffer is full, so
/// a large `Debug` value costs no more than the buffer's size to capture. The
/// buffer is not zero-filled: only the bytes written are ever read.
#[derive(Clone)]
pub struct BoundedText<const CAP: usize> {
    buf: [MaybeUninit<u8>; CAP],
    len: usize,
    truncated: bool,
}

impl<const CAP: usize> Default for BoundedText<CAP> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const CAP: usize> BoundedText<CAP> {
    /// Empty text.
    pub const fn new() -> Self {
        BoundedText {
            buf: [MaybeUninit::uninit(); CAP],
            len: 0,
            truncated: false,
        }
    }

    /// Formats `value` with `Debug`, keeping at most `CAP` bytes.
    pub fn debug<T: fmt::Debug + ?Sized>(value: &T) -> Self {
        let mut t = Self::new();
        t.set_debug(value);
        t
    }

    /// Replaces the text with `value`'s `Debug` text, in place.
    pub fn set_debug<T: fmt::Debug + ?Sized>(&mut self, value: &T) {
        self.len = 0;
        self.truncated = false;
        let _ = write!(self, "{value:?}"); // Err only means "full".
    }

    /// Formats `value` with `Display`, keeping at most `CAP` bytes.
    pub fn display<T: fmt::Display + ?Sized>(value: &T) -> Self {
        let mut t = Self::new();
        let _ = write!(t, "{value}");
        t
    }

    /// The text kept so far.
    pub fn as_str(&self) -> &str {
        let written = &self.buf[..self.len];
        // SAFETY: `write_str` initialises `buf[..len]` (and only ever grows
        // `len` over bytes it has just copied in), so these bytes are
        // initialised; `MaybeUninit<u8>` has the layout of `u8`.
        let bytes = unsafe { &*(written as *const [MaybeUninit<u8>] as *const [u8]) };
        // Only whole characters are ever copied in, so this cannot fail.
        std::str::from_utf8(bytes).unwrap_or_default()
    }

    /// Whether something was cut off.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// An owned copy, with `…` appended when the text was cut.
    pub fn to_string_marked(&self) -> String {
        let mut s = self.as_str().to_owned();
        if self.truncated {
            s.push('…');
        }
        s
    }

    fn push(&mut self, bytes: &[u8]) {
        for (slot, b) in self.buf[self.len..self.len + bytes.len()]
            .iter_mut()
            .zip(bytes)
        {
            slot.write(*b);
        }
        self.len += bytes.len();
    }
}

impl<const CAP: usize> Write for BoundedText<CAP> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = CAP - self.len;
        if s.len() <= room {
            self.push(s.as_bytes());
            return Ok(());
        }
        let mut cut = room;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        self.push(&s.as_bytes()[..cut]);
        self.truncated = true;
        Err(fmt::Error)
    }
}

impl<const CAP: usize> fmt::Debug for BoundedText<CAP> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Returned normally (an `Ok` for `Result`-returning functions).
    Ok,
    /// Returned an `Err`, or was marked as an error.
    Error,
    /// Panicked; the panic was propagated unchanged.
    Panicked,
    /// An async call whose future was dropped before it completed.
    Cancelled,
}

impl Outcome {
    /// Whether the call failed: an error or a panic. A cancelled call
    /// (dropped before it finished, often because a client went away) is
    /// not a failure: it is counted apart, logged at `DEBUG`, and not kept
    /// among the recent failures.
    pub fn is_failure(self) -> bool {
        matches!(self, Outcome::Error | Outcome::Panicked)
    }
}

/// One captured parameter of a kept call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapturedParam {
    /// The parameter's name as written in `params(...)`.
    pub name: String,
    /// Its `Debug` text, cut to 128 bytes (marked with `…` when cut).
    pub value: String,
}

/// One kept call: a recent failure or one of the slowest calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRecord {
    /// When the call ended, in milliseconds since the Unix epoch.
    pub at_unix_ms: u64,
    /// How long it took, in milliseconds.
    pub duration_ms: f64,
    /// How it ended.
    pub outcome: Outcome,
    /// The error's `Display` text (cut to 256 bytes), for failures that have one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Parameters named in `params(...)`, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<CapturedParam>,
}

/// The bounded buffers of one operation (behind a lock, off the fast path).
#[derive(Debug, Default)]
pub(crate) struct RecentCalls {
    pub failures: VecDeque<CallRecord>,
    /// Sorted slowest first.
    pub slowest: Vec<CallRecord>,
}

impl RecentCalls {
    pub fn push_failure(&mut self, record: CallRecord) {
        if self.failures.len() == RECENT_FAILURES {
            self.failures.pop_front();
        }
        self.failures.push_back(record);
    }

    /// Keeps `record` if it is among the slowest; returns the new admission
    /// floor (the smallest kept duration in ns once full, else 0).
    pub fn offer_slowest(&mut self, record: CallRecord, duration_ns: u64) -> u64 {
        let pos = self
            .slowest
            .iter()
            .position(|r| r.duration_ms < record.duration_ms)
            .unwrap_or(self.slowest.len());
        if pos < SLOWEST_CALLS {
            self.slowest.insert(pos, record);
            self.slowest.truncate(SLOWEST_CALLS);
        }
        if self.slowest.len() == SLOWEST_CALLS {
            let floor_ms = self.slowest[SLOWEST_CALLS - 1].duration_ms;
            // Floor in ns, rounded down so an equal call is still offered.
            ((floor_ms * 1e6) as u64).min(duration_ns.max(1))
        } else {
            0
        }
    }

    pub fn clear(&mut self) {
        self.failures.clear();
        self.slowest.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_text_cuts_at_a_char_boundary_and_marks_it() {
        let long = "é".repeat(200); // 400 bytes
        let t = BoundedText::<9>::display(&long);
        assert_eq!(t.as_str(), "éééé");
        assert!(t.is_truncated());
        assert_eq!(t.to_string_marked(), "éééé…");
        let short = BoundedText::<128>::debug(&(1, "a"));
        assert_eq!(short.as_str(), "(1, \"a\")");
        assert!(!short.is_truncated());
    }

    #[test]
    fn set_debug_replaces_a_longer_text_in_place() {
        let mut t = BoundedText::<8>::debug("a long value");
        assert!(t.is_truncated());
        t.set_debug(&7u8);
        assert_eq!((t.as_str(), t.is_truncated()), ("7", false));
        assert_eq!(BoundedText::<4>::new().as_str(), "");
    }

    fn rec(ms: f64) -> CallRecord {
        CallRecord {
            at_unix_ms: 0,
            duration_ms: ms,
            outcome: Outcome::Ok,
            error: None,
            params: vec![],
        }
    }

    #[test]
    fn keeps_only_the_slowest_calls_in_order() {
        let mut r = RecentCalls::default();
        let mut floor = 0;
        for i in 0..100u64 {
            let ms = ((i * 37) % 100) as f64;
            if (ms * 1e6) as u64 >= floor {
                floor = r.offer_slowest(rec(ms), (ms * 1e6) as u64);
            }
        }
        let kept: Vec<f64> = r.slowest.iter().map(|c| c.duration_ms).collect();
        assert_eq!(kept, vec![99.0, 98.0, 97.0, 96.0, 95.0, 94.0, 93.0, 92.0]);
        assert_eq!(floor, 92_000_000);
    }

    #[test]
    fn failure_ring_keeps_the_most_recent() {
        let mut r = RecentCalls::default();
        for i in 0..40 {
            r.push_failure(rec(i as f64));
        }
        assert_eq!(r.failures.len(), RECENT_FAILURES);
        assert_eq!(r.failures.front().unwrap().duration_ms, 24.0);
        assert_eq!(r.failures.back().unwrap().duration_ms, 39.0);
    }
}
