//! A panic in the body is recorded as a failure and then propagates
//! unchanged.

use perfmon::{monitor_performance, Outcome};
use std::panic::{catch_unwind, AssertUnwindSafe};

#[derive(Debug, PartialEq)]
struct Payload(u32);

#[monitor_performance(name = "panics.sync")]
fn explode(code: u32) -> u32 {
    if code > 0 {
        std::panic::panic_any(Payload(code));
    }
    0
}

#[monitor_performance(name = "panics.result")]
fn explode_result() -> Result<u8, String> {
    panic!("boom in a Result fn");
}

#[monitor_performance(name = "panics.async")]
async fn explode_async(code: u32) -> u32 {
    tokio::task::yield_now().await;
    std::panic::panic_any(Payload(code));
}

#[monitor_performance(name = "panics.never")]
fn never_returns() -> ! {
    panic!("diverging");
}

#[test]
fn panic_is_recorded_and_its_payload_propagates_unchanged() {
    let err = catch_unwind(|| explode(42)).expect_err("panics");
    assert_eq!(err.downcast_ref::<Payload>(), Some(&Payload(42)));
    let s = perfmon::summary("panics.sync").unwrap();
    assert_eq!((s.count, s.panics, s.errors), (1, 1, 0));
    assert_eq!(s.recent_failures[0].outcome, Outcome::Panicked);
}

#[test]
fn panic_in_a_result_fn_is_a_panic_not_an_error() {
    let err = catch_unwind(explode_result).expect_err("panics");
    assert_eq!(err.downcast_ref::<&str>(), Some(&"boom in a Result fn"));
    let s = perfmon::summary("panics.result").unwrap();
    assert_eq!((s.count, s.panics, s.errors), (1, 1, 0));
}

#[test]
fn panic_in_an_async_fn_is_recorded_and_propagates() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let err = catch_unwind(AssertUnwindSafe(|| rt.block_on(explode_async(7)))).expect_err("panics");
    assert_eq!(err.downcast_ref::<Payload>(), Some(&Payload(7)));
    let s = perfmon::summary("panics.async").unwrap();
    assert_eq!((s.count, s.panics, s.cancelled), (1, 1, 0));
}

#[test]
fn panic_in_a_diverging_fn_is_recorded() {
    let err = catch_unwind(|| never_returns()).expect_err("panics");
    assert_eq!(err.downcast_ref::<&str>(), Some(&"diverging"));
    assert_eq!(perfmon::summary("panics.never").unwrap().panics, 1);
}
