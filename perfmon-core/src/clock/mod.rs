//! The clock of the hot path: a calibrated TSC where the CPU has a usable one,
//! the OS monotonic clock everywhere else (both through [`quanta`]).
//!
//! A call reads [`now_raw`] twice and converts the difference to nanoseconds
//! with one multiply and shift ([`nanos_between`]); nothing is converted when
//! the clock is read.
//!
//! The wall time perfmon keys minutes and stamps calls with is [`wall_now`]
//! ([`unix_ms`] in milliseconds): the wall clock anchored to a monotonic
//! clock, so that it never runs backwards ([`wall`] states the policy).

pub mod wall;

pub use wall::{unix_ms, wall_now, Anchor};

use once_cell::sync::Lazy;

static CLOCK: Lazy<quanta::Clock> = Lazy::new(quanta::Clock::new);

/// Forces the clock's one-time calibration (about 10 ms on first use), so the
/// first timed call does not pay for it. Called by the registry on creation.
pub fn calibrate() {
    Lazy::force(&CLOCK);
}

/// A raw reading of the clock, in source ticks (not nanoseconds).
#[inline(always)]
pub fn now_raw() -> u64 {
    CLOCK.raw()
}

/// Nanoseconds between two raw readings; 0 if `end` is not after `start`.
#[inline(always)]
pub fn nanos_between(start: u64, end: u64) -> u64 {
    CLOCK.delta_as_nanos(start, end)
}

/// Raw ticks per 2^32 nanoseconds, measured once from the calibration.
static TICKS_PER_2_32_NS: Lazy<u128> = Lazy::new(|| {
    const SPAN: u64 = 1 << 40;
    let ns = CLOCK.delta_as_nanos(1, 1 + SPAN).max(1) as u128;
    ((SPAN as u128) << 32) / ns
});

/// How many raw ticks `ns` nanoseconds take (the inverse of [`nanos_between`];
/// cold path: used to schedule the next minute rotation).
pub fn ticks_for_nanos(ns: u64) -> u64 {
    u64::try_from((ns as u128 * *TICKS_PER_2_32_NS) >> 32).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_a_sleep_in_real_nanoseconds() {
        let start = now_raw();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let ns = nanos_between(start, now_raw());
        // A sleep never returns early; an upper bound would be flaky on a shared machine.
        assert!(ns >= 19_000_000, "measured {ns} ns for a 20 ms sleep");
        assert!(ns < 20_000_000_000, "measured {ns} ns for a 20 ms sleep");
    }

    #[test]
    fn ticks_for_nanos_inverts_nanos_between() {
        for ns in [1_000u64, 1_000_000, 60_000_000_000] {
            let back = nanos_between(1, 1 + ticks_for_nanos(ns));
            let err = (back as f64 - ns as f64).abs() / ns as f64;
            assert!(err < 1e-3 || back.abs_diff(ns) <= 2, "{ns} ns -> {back} ns");
        }
    }

    #[test]
    fn reversed_readings_give_zero() {
        let a = now_raw();
        let b = now_raw();
        assert_eq!(nanos_between(b.max(a) + 1, a.min(b)), 0);
    }
}
