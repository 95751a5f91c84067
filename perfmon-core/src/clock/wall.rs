//! Wall-clock time that never runs backwards: the "now" of per-minute keys,
//! windows and timestamps.
//!
//! The system's wall clock can step: NTP corrects a large error, an operator
//! sets the date, a VM resumes. Per-minute data is keyed by minutes of wall
//! time, so a step back would put new calls in minutes "in the past" (behind
//! the minute already open) and make readers asking for "the last N minutes"
//! look before them; a step forward must not count a minute twice.
//!
//! perfmon therefore reads an **anchored wall time**: a monotonic clock
//! plus an offset that only ever grows. Each reading proposes the offset
//! `wall - monotonic` and keeps the largest seen ([`Anchor::read`]):
//!
//! - **a step forward is followed**: the proposed offset is larger, so the
//!   anchored time jumps with the wall clock (the open minute closes once, at
//!   its next rotation, and the minutes skipped have no calls);
//! - **a step back is ignored**: the anchored time keeps advancing with the
//!   monotonic clock, so it runs ahead of the wall clock by the size of the
//!   step until the wall clock catches up (a later step forward, or NTP
//!   slewing it) and the anchored time follows it again.
//!
//! The monotonic clock is [`std::time::Instant`] (`CLOCK_MONOTONIC` on
//! Linux), not the TSC of [`super::now_raw`]: NTP slews it together with the
//! wall clock, so between steps the two advance alike and the offset stays
//! put, where a calibrated TSC would drift from the wall clock by its
//! calibration error and, as the offset never shrinks, never come back.
//! Where the monotonic clock stops (a suspended machine) the wall clock
//! jumps forward on resume: followed, like any step forward.
//!
//! Explicit-time APIs (`Registry::record_at`, the `*_at(now)` readers) take
//! the time they are given, unchanged.
//!
//! ```
//! use perfmon_core::clock::{unix_ms, wall_now};
//! use perfmon_core::units;
//!
//! let a = unix_ms();
//! let b = units::unix_ms(wall_now());
//! assert!(b >= a, "anchored time never runs backwards");
//! ```

use once_cell::sync::Lazy;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A monotonic clock anchored to the wall clock: the policy of this module,
/// as a pure type (the readings are passed in, so tests can step the wall
/// clock).
///
/// ```
/// use perfmon_core::clock::Anchor;
///
/// let anchor = Anchor::new();
/// assert_eq!(anchor.read(0, 1_000_000), 1_000_000);
/// // The wall clock steps back 5 minutes: ignored, time advances by the
/// // monotonic 1 s.
/// assert_eq!(anchor.read(1_000, 1_000_000 + 1_000 - 300_000), 1_001_000);
/// // It steps forward 10 minutes: followed.
/// assert_eq!(anchor.read(2_000, 1_002_000 + 600_000), 1_602_000);
/// ```
#[derive(Debug, Default)]
pub struct Anchor {
    /// The largest `wall - monotonic` seen, in milliseconds.
    offset_ms: AtomicU64,
}

impl Anchor {
    /// An anchor that has seen no reading yet.
    pub const fn new() -> Self {
        Anchor {
            offset_ms: AtomicU64::new(0),
        }
    }

    /// The anchored time, in milliseconds since the Unix epoch, for a reading
    /// of the monotonic clock (`monotonic_ms`, from any fixed origin) and
    /// one of the wall clock (`wall_ms`, since the Unix epoch).
    ///
    /// The result is `monotonic_ms` plus the largest `wall_ms - monotonic_ms`
    /// any reading proposed, this one included: never less than `wall_ms`,
    /// and, for non-decreasing monotonic readings, never less than the
    /// previous result plus the monotonic time elapsed.
    ///
    /// Read the wall clock first and the monotonic clock second: a delay
    /// between the two then proposes a smaller offset, which is ignored,
    /// rather than a larger one, which would be kept for good.
    pub fn read(&self, monotonic_ms: u64, wall_ms: u64) -> u64 {
        let proposed = wall_ms.saturating_sub(monotonic_ms);
        let kept = self.offset_ms.fetch_max(proposed, Relaxed).max(proposed);
        monotonic_ms.saturating_add(kept)
    }
}

/// The process's anchor, and the origin of its monotonic readings.
static ANCHOR: Anchor = Anchor::new();
static ORIGIN: Lazy<Instant> = Lazy::new(Instant::now);

/// Anchored wall time now, in milliseconds since the Unix epoch (see the
/// module docs: it follows the wall clock forward, never backward).
pub fn unix_ms() -> u64 {
    let origin = *ORIGIN;
    // The wall clock first (see `Anchor::read`).
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let monotonic = u64::try_from(origin.elapsed().as_millis()).unwrap_or(u64::MAX);
    ANCHOR.read(monotonic, wall)
}

/// Anchored wall time now (millisecond precision): what perfmon uses as
/// "now" for windows, per-minute keys and timestamps. It never runs
/// backwards; see the module docs for the policy.
pub fn wall_now() -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(unix_ms())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::SmallRng, Rng, SeedableRng};

    const W0: u64 = 1_700_000_000_000;
    const MIN: u64 = 60_000;

    #[test]
    fn the_first_reading_is_the_wall_clock() {
        assert_eq!(Anchor::new().read(12_345, W0), W0);
    }

    #[test]
    fn a_step_back_is_ignored_and_time_advances_with_the_monotonic_clock() {
        let a = Anchor::new();
        assert_eq!(a.read(0, W0), W0);
        assert_eq!(a.read(1_000, W0 + 1_000), W0 + 1_000);
        // The wall clock steps back 5 minutes.
        assert_eq!(a.read(2_000, W0 + 2_000 - 5 * MIN), W0 + 2_000);
        // Later readings advance by the monotonic time elapsed, not stuck.
        assert_eq!(a.read(62_000, W0 + 62_000 - 5 * MIN), W0 + 62_000);
        // A small step forward that does not catch up is still ignored ...
        assert_eq!(a.read(63_000, W0 + 63_000 - MIN), W0 + 63_000);
        // ... and once the wall clock is ahead again, it is followed.
        assert_eq!(a.read(64_000, W0 + 64_000 + 500), W0 + 64_500);
    }

    #[test]
    fn a_step_forward_is_followed() {
        let a = Anchor::new();
        assert_eq!(a.read(0, W0), W0);
        assert_eq!(a.read(1_000, W0 + 1_000 + 10 * MIN), W0 + 1_000 + 10 * MIN);
        assert_eq!(a.read(2_000, W0 + 2_000 + 10 * MIN), W0 + 2_000 + 10 * MIN);
    }

    #[test]
    fn a_wall_reading_late_against_its_monotonic_reading_changes_nothing() {
        // Read in the documented order, a delay between the two readings
        // makes the wall reading look early: a smaller offset, ignored.
        let a = Anchor::new();
        assert_eq!(a.read(0, W0), W0);
        assert_eq!(a.read(5_000, W0 + 4_000), W0 + 5_000);
    }

    /// Random monotonic increments and wall-clock steps both ways: no
    /// reading decreases, each is at least its wall reading, and each
    /// advances at least by the monotonic time elapsed.
    #[test]
    fn no_reading_ever_decreases() {
        let mut rng = SmallRng::seed_from_u64(11);
        for _ in 0..200 {
            let a = Anchor::new();
            let (mut mono, mut step) = (rng.gen_range(0..1_000_000u64), 0i64);
            let mut last: Option<(u64, u64)> = None;
            for _ in 0..200 {
                mono += rng.gen_range(0..5_000);
                if rng.gen_bool(0.1) {
                    step += rng.gen_range(-(10 * MIN as i64)..=10 * MIN as i64);
                }
                let wall = (W0 + mono).saturating_add_signed(step);
                let t = a.read(mono, wall);
                assert!(t >= wall, "{t} behind the wall clock {wall}");
                if let Some((m, prev)) = last {
                    assert!(t >= prev + (mono - m), "{t} after {prev}");
                }
                last = Some((mono, t));
            }
        }
    }

    #[test]
    fn the_process_clock_never_runs_backwards() {
        let mut last = unix_ms();
        for _ in 0..1_000 {
            let t = unix_ms();
            assert!(t >= last);
            last = t;
        }
        assert!(crate::units::unix_ms(wall_now()) >= last);
    }
}
