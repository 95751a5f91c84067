//! `tracing` events for recorded calls (feature `tracing`).
//!
//! Slow and critical calls are WARN, failures ERROR, acceptable calls INFO,
//! excellent and good calls DEBUG. Events of the fast levels are only built
//! when a subscriber wants them (`tracing::enabled!`), so the common case
//! costs one cached interest check.

use crate::level::Level;
use crate::operation::{CallDetails, Operation};
use crate::recent::Outcome;

/// Emits the event of one call.
pub(crate) fn emit(op: &Operation, ns: u64, outcome: Outcome, level: Level, details: &CallDetails) {
    let name = op.name();
    let kind = op.kind().name();
    let duration_ms = ns as f64 / 1e6;
    let level_name = level.name();
    if outcome.is_failure() {
        let error = details.error.as_deref().unwrap_or("");
        tracing::error!(target: "perfmon", operation = name, kind, duration_ms, level = level_name, outcome = ?outcome, error, "operation failed");
        return;
    }
    match level {
        Level::Slow | Level::Critical => {
            tracing::warn!(target: "perfmon", operation = name, kind, duration_ms, level = level_name, "slow operation")
        }
        Level::Acceptable => {
            tracing::info!(target: "perfmon", operation = name, kind, duration_ms, level = level_name, "operation")
        }
        Level::Excellent | Level::Good => {
            tracing::debug!(target: "perfmon", operation = name, kind, duration_ms, level = level_name, "operation")
        }
    }
}

/// Whether a subscriber wants events of calls at `level` that succeeded.
#[inline(always)]
pub(crate) fn wanted(level: usize) -> bool {
    match level {
        0 | 1 => tracing::enabled!(target: "perfmon", tracing::Level::DEBUG),
        2 => tracing::enabled!(target: "perfmon", tracing::Level::INFO),
        _ => true,
    }
}
