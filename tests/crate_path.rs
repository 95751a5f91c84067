//! `crate = path` makes the expansion call perfmon through another path, for
//! crates that re-export perfmon.

use std::sync::atomic::{AtomicUsize, Ordering};

static BODIES_RUN_THROUGH_SHIM: AtomicUsize = AtomicUsize::new(0);

/// Stands in for a crate that re-exports perfmon: everything comes from
/// perfmon, except `call_once`, which counts its calls so the test can tell
/// that the expansion went through this path.
mod my_reexport {
    pub mod perfmon {
        pub mod __private {
            pub use perfmon::__private::*;

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

#[perfmon::monitor_performance(name = "crate_path.absolute", crate = ::perfmon)]
fn absolute() {}

#[test]
fn expansion_calls_through_the_given_path() {
    assert_eq!(through_shim(1), 2);
    assert_eq!(BODIES_RUN_THROUGH_SHIM.load(Ordering::Relaxed), 1);
    assert_eq!(perfmon::summary("crate_path.shim").unwrap().count, 1);
}

#[test]
fn absolute_path_works() {
    absolute();
    assert_eq!(perfmon::summary("crate_path.absolute").unwrap().count, 1);
}
