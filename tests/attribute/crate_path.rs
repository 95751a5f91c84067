//! `crate = path` makes the expansion call perfmon through another path, for
//! crates that re-export perfmon.

use std::sync::atomic::{AtomicUsize, Ordering};

static BODIES_RUN_THROUGH_SHIM: AtomicUsize = AtomicUsize::new(0);

/// Stands in for a crate that re-exports perfmon: everything comes from
/// perfmon, except `call_once`, which counts its calls so the test can tell
/// that the expansion went through this path.
mod my_reexport {
    pub mod perfmon {
        // The expansion calls `__private{PATCH}` (`__private0` for 0.1.x).
        pub mod __private0 {
            pub use perfmon::__private0::*;

            pub fn call_once<R>(body: impl FnOnce() -> R) -> R {
                super::super::super::BODIES_RUN_THROUGH_SHIM
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                body()
            }
        }
    }
}

#[perfmon::monitor_performance(name = "crate_path.shim", crate = my_reexport::perfmon)]
fn through_shim(x: u8) -> u8 {
    x + 1
}

#[perfmon::monitor_performance(name = "crate_path.result", crate = my_reexport::perfmon, params(n))]
fn result_through_shim(n: u8) -> Result<u8, String> {
    Err(format!("odd {n}"))
}

#[perfmon::monitor_performance(name = "crate_path.absolute", crate = ::perfmon)]
fn absolute() {}

#[test]
fn expansion_calls_through_the_given_path() {
    let before = BODIES_RUN_THROUGH_SHIM.load(Ordering::Relaxed);
    assert_eq!(through_shim(1), 2);
    assert!(BODIES_RUN_THROUGH_SHIM.load(Ordering::Relaxed) > before);
    assert_eq!(perfmon::summary("crate_path.shim").unwrap().count, 1);
}

#[test]
fn error_classification_goes_through_the_given_path() {
    let before = BODIES_RUN_THROUGH_SHIM.load(Ordering::Relaxed);
    result_through_shim(3).unwrap_err();
    assert!(BODIES_RUN_THROUGH_SHIM.load(Ordering::Relaxed) > before);
    let s = perfmon::summary("crate_path.result").unwrap();
    assert_eq!(s.recent_failures[0].error.as_deref(), Some("odd 3"));
    assert_eq!(s.recent_failures[0].params[0].value, "3");
}

#[test]
fn absolute_path_works() {
    absolute();
    assert_eq!(perfmon::summary("crate_path.absolute").unwrap().count, 1);
}
