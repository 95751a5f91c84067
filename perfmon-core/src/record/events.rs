//! `tracing` events for recorded calls (feature `tracing`).
//!
//! Slow and critical calls are WARN, failures (errors and panics) ERROR,
//! acceptable calls INFO, excellent and good calls and cancellations DEBUG
//! (a client that disconnects is not an error of the service, and must not
//! be able to fill its logs at ERROR). Events of the fast levels are only built
//! when a subscriber wants them (`tracing::enabled!`), so the common case
//! costs one cached interest check.

use crate::data::Outcome;
use crate::kind::Kind;
use crate::level::Level;
use crate::units::nanos_to_ms;

/// Emits the event of one call of operation `name`.
pub(crate) fn emit(
    name: &str,
    kind: &Kind,
    ns: u64,
    outcome: Outcome,
    level: Level,
    error: Option<&str>,
) {
    let kind = kind.name();
    let duration_ms = nanos_to_ms(ns as f64);
    let level_name = level.name();
    if outcome.is_failure() {
        let error = error.unwrap_or("");
        tracing::error!(target: "perfmon", operation = name, kind, duration_ms, level = level_name, outcome = ?outcome, error, "operation failed");
        return;
    }
    if outcome == Outcome::Cancelled {
        // A client that went away is not an error of the service: anyone
        // could otherwise fill its logs at ERROR by disconnecting.
        tracing::debug!(target: "perfmon", operation = name, kind, duration_ms, level = level_name, "operation cancelled");
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
