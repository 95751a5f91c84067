//! Samples undisturbed by other processes, and the two-thread harness of
//! the contention rows.

use super::*;

// The 2 cores are shared with other builds. A sample during which another
// process took the CPU measures the scheduler, not the call, and with two
// threads it may not even have run them at the same time. So a sample (up to
// `RETRY_BELOW` long) is taken again, up to `MAX_ATTEMPTS` times, unless the
// process had the CPU for `CLEAN_SHARE` of its wall time on each thread (for
// 2 threads: each thread's CPU time over the slower one's wall time); the
// report prints how many samples were retried and how many were kept
// disturbed all the same. The figure itself is wall-clock time.

/// Share of a sample's wall time the process must have run, per thread.
pub(crate) const CLEAN_SHARE: f64 = 0.95;
/// Longer samples (criterion's warm-up) are never retried.
pub(crate) const RETRY_BELOW: Duration = Duration::from_millis(25);
/// Attempts per sample before a disturbed one is kept.
pub(crate) const MAX_ATTEMPTS: u32 = 200;

/// Per row: (row, samples, retries, kept disturbed).
pub(crate) type Disturbances = Vec<(String, u64, u64, u64)>;
pub(crate) static DISTURBED: Mutex<Disturbances> = Mutex::new(Vec::new());

pub(crate) fn cpu_time(clock: libc::clockid_t) -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec.
    let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
    assert_eq!(rc, 0, "CPU-time clocks are available on Linux");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// One sample: the duration it reports, its whole wall time, and whether our
/// threads had the CPU throughout.
pub(crate) struct Sample {
    pub(crate) timed: Duration,
    pub(crate) wall: Duration,
    pub(crate) clean: bool,
}

/// Runs `body` (which returns its timed duration) on this thread and judges
/// it by the process's CPU time: nothing else of ours runs meanwhile, except
/// what `body` waits for (fastrace's flush thread).
pub(crate) fn on_cpu(body: impl FnOnce() -> Duration) -> Sample {
    let cpu = cpu_time(libc::CLOCK_PROCESS_CPUTIME_ID);
    let start = Instant::now();
    let timed = body();
    let wall = start.elapsed();
    let cpu = cpu_time(libc::CLOCK_PROCESS_CPUTIME_ID) - cpu;
    Sample {
        timed,
        wall,
        clean: cpu.as_secs_f64() >= CLEAN_SHARE * wall.as_secs_f64(),
    }
}

/// Takes samples until one is undisturbed, as above, and returns its duration.
pub(crate) fn undisturbed(row: &str, mut sample: impl FnMut() -> Sample) -> Duration {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let s = sample();
        if s.clean || s.wall > RETRY_BELOW || attempts >= MAX_ATTEMPTS {
            if s.wall <= RETRY_BELOW {
                let mut d = DISTURBED.lock().unwrap_or_else(|p| p.into_inner());
                let i = match d.iter().position(|e| e.0 == row) {
                    Some(i) => i,
                    None => {
                        d.push((row.to_owned(), 0, 0, 0));
                        d.len() - 1
                    }
                };
                d[i].1 += 1;
                d[i].2 += u64::from(attempts - 1);
                d[i].3 += u64::from(!s.clean);
            }
            return s.timed;
        }
    }
}

/// Times `iters` calls of `f`, undisturbed.
pub(crate) fn calls<R>(row: &str, iters: u64, f: impl Fn(u64) -> R) -> Duration {
    undisturbed(row, || {
        on_cpu(|| {
            let start = Instant::now();
            for i in 0..iters {
                black_box(f(black_box(i)));
            }
            start.elapsed()
        })
    })
}

// ---------------------------------------------------------------------------
// Contention: the same function on 1 and on 2 threads, ns per call.
//
// With 2 threads both make `iters` calls, started together, and a sample is
// the slower thread's time; a sample counts only if both threads had a core
// throughout (see `undisturbed`), so the ratio measures the threads' effect
// on each other, not the scheduler's.

/// A function under test, called through a pointer by the contention rows.
pub(crate) type Call = fn(u64) -> u64;

/// What one thread measured: wall and CPU time of its calls.
#[derive(Clone, Copy)]
pub(crate) struct Times {
    pub(crate) wall: Duration,
    pub(crate) cpu: Duration,
}

#[inline(never)]
pub(crate) fn call_loop(f: Call, iters: u64) -> Times {
    let cpu = cpu_time(libc::CLOCK_THREAD_CPUTIME_ID);
    let start = Instant::now();
    for i in 0..iters {
        black_box(f(black_box(i)));
    }
    let wall = start.elapsed();
    Times {
        wall,
        cpu: cpu_time(libc::CLOCK_THREAD_CPUTIME_ID) - cpu,
    }
}

/// Judges the calls of one or two threads, started together.
pub(crate) fn judge(times: &[Times]) -> Sample {
    let wall = times.iter().map(|t| t.wall).max().unwrap_or_default();
    Sample {
        timed: wall,
        wall,
        clean: times
            .iter()
            .all(|t| t.cpu.as_secs_f64() >= CLEAN_SHARE * wall.as_secs_f64()),
    }
}

/// A thread parked between samples (no thread is spawned, and no stripe
/// handed out, inside a measurement). Within a sample both threads spin on a
/// flag so they start within about a cache-line transfer of each other.
pub(crate) struct Helper {
    jobs: mpsc::Sender<(Call, u64)>,
    done: mpsc::Receiver<Times>,
    ready: Arc<AtomicBool>,
    go: Arc<AtomicBool>,
}

pub(crate) fn spin_until(flag: &AtomicBool) {
    let mut spins = 0u32;
    while !flag.load(Acquire) {
        spins += 1;
        if spins.is_multiple_of(1024) {
            std::thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
}

impl Helper {
    pub(crate) fn spawn() -> Helper {
        let (jobs, job_rx) = mpsc::channel::<(Call, u64)>();
        let (done_tx, done) = mpsc::channel();
        let (ready, go) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
        );
        let (their_ready, their_go) = (ready.clone(), go.clone());
        std::thread::Builder::new()
            .name("bench-helper".into())
            .spawn(move || {
                while let Ok((f, iters)) = job_rx.recv() {
                    their_ready.store(true, Release);
                    spin_until(&their_go);
                    their_go.store(false, Relaxed);
                    if done_tx.send(call_loop(f, iters)).is_err() {
                        break;
                    }
                }
            })
            .expect("spawn the helper thread");
        Helper {
            jobs,
            done,
            ready,
            go,
        }
    }

    /// Runs `iters` calls of `f` on this thread and on the helper at once.
    pub(crate) fn run_pair(&self, f: Call, iters: u64) -> [Times; 2] {
        self.jobs.send((f, iters)).expect("helper alive");
        spin_until(&self.ready);
        self.ready.store(false, Relaxed);
        self.go.store(true, Release);
        let mine = call_loop(f, iters);
        [mine, self.done.recv().expect("helper alive")]
    }
}
