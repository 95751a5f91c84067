//! An operation's per-minute data: rotation (the first call of each minute)
//! and windowed reads.
//!
//! Both meet at the operation's window lock. The hot path takes it once a
//! minute, to close the open minute. A reader holds it only to copy out
//! shared handles (the closed minutes in its range and the open minute's
//! marker, see [`MinuteView`]) and adds them up after releasing it, so
//! reading a wide window never makes a call wait behind the merge.

use super::{CallDetails, Operation};
use crate::clock;
use crate::data::{Counts, MinuteRing, MinuteView, OperationHistory, OperationSnapshot, Outcome};
use crate::data::{Tiers, WindowSpan};
use crate::sync::core::{lock, MutexGuard};
use crate::units::MINUTE_MS;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

impl Operation {
    /// Records a call that ended in `minute` (minutes since the Unix epoch)
    /// rather than now: for durations timed elsewhere and for tests. Calls of
    /// one operation must come in non-decreasing minutes; an earlier minute
    /// is counted in the open one. An operation recorded this way stops
    /// rotating on its own.
    pub(crate) fn record_in_minute(
        &self,
        minute: u64,
        ns: u64,
        outcome: Outcome,
        details: impl FnOnce() -> CallDetails,
    ) {
        self.next_rotation.store(u64::MAX, Relaxed);
        {
            let mut ring = self.lock_window();
            if ring.open_minute().is_none_or(|open| minute > open) {
                ring.rotate(minute, self.counts(), self.tiers());
            }
        }
        self.record_counts(ns, outcome, details);
    }

    /// The first call of a minute (its end tick reached `next_rotation`):
    /// rotates to the minute of the anchored wall clock ([`clock::unix_ms`],
    /// which never runs backwards) and schedules the next rotation at its
    /// end, in ticks. A wall-clock step is thus seen at the next scheduled
    /// rotation.
    #[cold]
    #[inline(never)]
    pub(super) fn rotate_at_tick(&self, end: u64) {
        self.rotate_at(end, clock::unix_ms);
    }

    /// [`Operation::rotate_at_tick`] with the wall clock read by `now_ms`
    /// (under the lock, once the rotation is due).
    fn rotate_at(&self, end: u64, now_ms: impl FnOnce() -> u64) {
        let mut ring = self.lock_window();
        let next = self.next_rotation.load(Relaxed);
        if end < next || next == u64::MAX {
            return; // another thread rotated first, or minutes are driven by record_at
        }
        let now_ms = now_ms();
        let minute = now_ms / MINUTE_MS;
        ring.rotate(minute, self.counts(), self.tiers());
        let until_next_ms = (minute + 1) * MINUTE_MS - now_ms;
        let ticks = clock::ticks_for_nanos(until_next_ms * 1_000_000);
        self.next_rotation
            .store(end.saturating_add(ticks.max(1)), Relaxed);
    }

    pub(super) fn lock_window(&self) -> MutexGuard<'_, MinuteRing> {
        lock(&self.window)
    }

    pub(crate) fn set_retention_minutes(&self, minutes: u32) {
        self.retention_minutes.store(minutes.max(1), Relaxed);
    }

    pub(crate) fn set_history_minutes(&self, minutes: u32) {
        self.history_minutes.store(minutes, Relaxed);
    }

    fn tiers(&self) -> Tiers {
        Tiers {
            fine: self.retention_minutes.load(Relaxed),
            history: self.history_minutes.load(Relaxed),
        }
    }

    /// Handles on minutes `from..=to`, copied under the window lock; the
    /// caller merges them after it is released.
    fn minute_view(&self, from: u64, to: u64) -> MinuteView {
        let view = self.lock_window().view(from, to);
        hook::window_copied();
        view
    }

    /// The statistics of minutes `from..=to` (minutes since the Unix epoch).
    ///
    /// Min and max are the edges of the lowest and highest histogram bucket
    /// used (within 1/64), clamped to the all-time min and max; the kept
    /// failures and slowest calls are those that ended inside the window.
    /// Minutes older than the retention are read from 10-minute buckets,
    /// whole, whose histograms are coarser (values within 3.7 %);
    /// [`Operation::window_read`] also says what the read covered.
    pub fn window_snapshot(&self, from: u64, to: u64) -> OperationSnapshot {
        self.window_read(from, to).0
    }

    /// [`Operation::window_snapshot`], and the minutes it covered and how
    /// finely ([`WindowSpan`]: 10-minute buckets are read whole).
    pub fn window_read(&self, from: u64, to: u64) -> (OperationSnapshot, WindowSpan) {
        self.history(from, to).window_read(from, to)
    }

    /// Minutes `from..=to`, read once (the live counters added up once, the
    /// history's handles copied under the lock, the open minute's calls
    /// found once), for several windows within them.
    pub fn history(&self, from: u64, to: u64) -> OperationHistory {
        let live = self.counts();
        let view = self.minute_view(from, to);
        let open = view.open_delta(&live);
        let (recent_failures, slowest) = self.recent_records();
        OperationHistory {
            name: Arc::clone(&self.name),
            kind: self.kind.clone(),
            level_bounds: self.level_bounds(),
            all_min_ns: self.min_ns.load(Relaxed),
            all_max_ns: self.max_ns.load(Relaxed),
            view,
            open,
            recent_failures,
            slowest,
        }
    }

    /// Per-minute statistics of minutes `from..=to` that had calls, oldest
    /// first (only minutes within the retention are kept one by one).
    pub(crate) fn minute_counts(&self, from: u64, to: u64) -> Vec<(u64, Counts)> {
        let live = self.counts();
        self.minute_view(from, to).minutes(&live)
    }
}

/// A test's way to park a reader between copying its minutes out and
/// merging them. Outside tests (and under the model checker), nothing: the
/// call compiles away.
#[cfg(any(not(test), loom))]
mod hook {
    #[inline(always)]
    pub(super) fn window_copied() {}
}

/// A test's way to park a reader between copying its minutes out and
/// merging them: a callback of the reader's own thread.
#[cfg(all(test, not(loom)))]
pub(super) mod hook {
    use std::cell::RefCell;

    thread_local! {
        static WINDOW_COPIED: RefCell<Option<Box<dyn FnMut()>>> = RefCell::new(None);
    }

    /// Runs `f` on this thread each time a window read has copied its
    /// minutes out and released the lock, before it merges them.
    pub(crate) fn on_window_copied(f: impl FnMut() + 'static) {
        WINDOW_COPIED.with(|h| *h.borrow_mut() = Some(Box::new(f)));
    }

    pub(super) fn window_copied() {
        WINDOW_COPIED.with(|h| {
            if let Some(f) = h.borrow_mut().as_mut() {
                f();
            }
        });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::clock::Anchor;
    use crate::kind::Kind;
    use crate::level::LevelBounds;
    use std::sync::mpsc;
    use std::time::Duration;

    fn op() -> Arc<Operation> {
        Arc::new(Operation::new(
            "t".into(),
            Kind::DEFAULT,
            LevelBounds::DEFAULT,
        ))
    }

    const GENEROUS: Duration = Duration::from_secs(30);

    /// A reader parked in the middle of a wide-window read (its minutes
    /// copied out, not yet merged) does not stop a call that opens a new
    /// minute (which takes the window lock to rotate); once released, the
    /// reader's figures are exact: the minutes it copied, no more, no less.
    #[test]
    fn a_reader_merging_a_wide_window_does_not_hold_up_a_rotation() {
        const T0: u64 = 28_000_000; // a minute of 2023
        let op = op();
        // Per-minute buckets only, minutes T0..T0 + 60 (the retention): the
        // k-th has k calls of k us.
        op.set_history_minutes(0);
        for k in 1..=60u64 {
            for _ in 0..k {
                op.record_in_minute(T0 + k - 1, k * 1_000, Outcome::Ok, CallDetails::default);
            }
        }
        let before: u64 = (1..=60).sum();
        let (parked_tx, parked_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let reader = {
            let op = op.clone();
            std::thread::spawn(move || {
                super::hook::on_window_copied(move || {
                    parked_tx.send(()).unwrap();
                    // Parked until the main thread releases it (bounded, so a
                    // failing test ends).
                    let _ = release_rx.recv_timeout(2 * GENEROUS);
                });
                op.window_snapshot(T0, T0 + 59)
            })
        };
        parked_rx
            .recv_timeout(GENEROUS)
            .expect("the reader copied its minutes out");
        // A call of a new minute: it rotates, under the window lock.
        let (done_tx, done_rx) = mpsc::channel();
        let writer = {
            let op = op.clone();
            std::thread::spawn(move || {
                for _ in 0..5 {
                    op.record_in_minute(T0 + 60, 7_000, Outcome::Ok, CallDetails::default);
                }
                done_tx.send(()).unwrap();
            })
        };
        let finished = done_rx.recv_timeout(GENEROUS);
        release_tx.send(()).unwrap();
        assert!(
            finished.is_ok(),
            "a call opening a new minute waited for a parked reader"
        );
        writer.join().unwrap();
        let seen = reader.join().unwrap();
        // The reader copied 59 closed minutes and the open one, whose calls
        // it took from counts read before the writer started.
        assert_eq!(seen.count, before);
        let sum_ns: u128 = (1..=60u128).map(|k| k * k * 1_000).sum();
        assert_eq!(seen.sum_ns, sum_ns);
        // Rotation stayed exact: the open minute closed with its own calls
        // (the first closed minute fell out of the retention).
        let minutes = op.minute_counts(0, u64::MAX);
        assert_eq!(minutes.len(), 60);
        for (m, c) in &minutes {
            let expected = if *m == T0 + 60 { 5 } else { m - T0 + 1 };
            assert_eq!(c.count(), expected, "minute {m}");
        }
        let now = op.window_snapshot(T0 + 1, T0 + 60);
        assert_eq!(now.count, before - 1 + 5);
        assert_eq!(now.sum_ns, sum_ns - 1_000 + 35_000);
    }

    /// Calls ending at monotonic time `mono_ms` while the wall clock reads
    /// `wall_ms`, as `Operation::record` makes them: a call whose end tick
    /// reached the scheduled rotation rotates first, reading the anchored
    /// wall clock. Returns the anchored time.
    fn calls(op: &Operation, anchor: &Anchor, mono_ms: u64, wall_ms: u64, n: u64) -> u64 {
        let now = anchor.read(mono_ms, wall_ms);
        let end = clock::ticks_for_nanos(mono_ms * 1_000_000) + 1;
        for _ in 0..n {
            if end >= op.next_rotation.load(Relaxed) {
                op.rotate_at(end, || now);
            }
            op.record_counts(1_000, Outcome::Ok, CallDetails::default);
        }
        now
    }

    fn minute_of(op: &Operation, minute: u64) -> u64 {
        op.window_snapshot(minute, minute).count
    }

    /// The wall clock steps back 5 minutes, then forward 8: calls after the
    /// step back still land in the open (latest) minute, where a reader of
    /// "the last minute" on the same clock finds them; the step forward
    /// closes that minute once, and every call is in exactly one minute.
    #[test]
    fn wall_clock_steps_neither_lose_nor_double_count_a_minute() {
        const T0: u64 = 28_000_000;
        let (op, anchor) = (op(), Anchor::new());
        let wall0 = T0 * MINUTE_MS + 10_000; // 10 s into minute T0
        calls(&op, &anchor, 0, wall0, 3);
        calls(&op, &anchor, 60_000, wall0 + 60_000, 4); // minute T0 + 1
        assert_eq!(op.lock_window().open_minute(), Some(T0 + 1));

        // The wall clock steps back 5 minutes, to minute T0 - 4.
        let back = 5 * MINUTE_MS;
        let now = calls(&op, &anchor, 70_000, wall0 + 70_000 - back, 2);
        assert_eq!(now / MINUTE_MS, T0 + 1, "anchored time did not step back");
        assert_eq!(minute_of(&op, T0 + 1), 6, "counted in the open minute");
        // The next minute opens after a minute of monotonic time.
        let now = calls(&op, &anchor, 125_000, wall0 + 125_000 - back, 1);
        assert_eq!(now / MINUTE_MS, T0 + 2);
        assert_eq!(op.lock_window().open_minute(), Some(T0 + 2));
        assert_eq!(minute_of(&op, T0 + 2), 1);

        // The wall clock steps forward past the anchored time, to T0 + 10.
        let forward = T0 * MINUTE_MS + 10 * MINUTE_MS + 5_000 - (wall0 + 130_000 - back);
        let wall = |mono: u64| wall0 + mono - back + forward;
        let now = calls(&op, &anchor, 130_000, wall(130_000), 2);
        assert_eq!(now / MINUTE_MS, T0 + 10, "a step forward is followed");
        // Seen at the rotation scheduled on the monotonic clock: that call
        // closes minute T0 + 2 (with the two calls before it) and opens T0 + 10.
        calls(&op, &anchor, 175_000, wall(175_000), 4);
        assert_eq!(op.lock_window().open_minute(), Some(T0 + 10));
        calls(&op, &anchor, 190_000, wall(190_000), 1); // minute T0 + 11

        let minutes: Vec<(u64, u64)> = op
            .minute_counts(0, u64::MAX)
            .iter()
            .map(|(m, c)| (*m - T0, c.count()))
            .collect();
        assert_eq!(minutes, [(0, 3), (1, 6), (2, 3), (10, 4), (11, 1)]);
        assert_eq!(op.window_snapshot(0, u64::MAX).count, 17);
        assert_eq!(op.snapshot().count, 17);
    }
}
