//! What one call records: an operation's striped, lock-free statistics,
//! the manual [`Timer`], and the `tracing` events of recorded calls
//! (feature `tracing`). This is the hot path: atomics only, no lock, no
//! allocation, no formatting (the rare kept call aside, on a cold path).

#[cfg(feature = "tracing")]
mod events;
mod operation;
mod timer;

pub(crate) use operation::{CallDetails, OpRef};
pub use operation::{Operation, STRIPES};
pub use timer::Timer;
