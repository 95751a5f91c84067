//! The plain data read out of the recording core: what a snapshot, a
//! summary, a kept call, a cache's counters and a time window are. Serde
//! types that merge across processes; nothing here runs per call except
//! the bounded text buffers of [`BoundedText`] and the per-minute storage
//! an operation rotates once a minute.

mod cache;
mod compact;
mod history;
mod read;
mod recent;
mod snapshot;
mod window;

pub use cache::{CacheHandle, CacheSnapshot, CacheStats};
pub(crate) use history::{MinuteRing, MinuteView, Tiers};
pub use read::{OperationHistory, WindowFigures};
pub(crate) use recent::RecentCalls;
pub use recent::{
    BoundedText, CallRecord, CapturedParam, Outcome, ERROR_CAPACITY, PARAM_CAPACITY,
    RECENT_FAILURES, SLOWEST_CALLS,
};
pub use snapshot::{OperationSnapshot, OperationSummary};
pub(crate) use window::Counts;
pub use window::{
    Window, WindowSpan, COARSE_MINUTES, DEFAULT_HISTORY_MINUTES, DEFAULT_RETENTION_MINUTES,
};
