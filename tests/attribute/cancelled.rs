//! An async call whose future is dropped before completion is recorded as
//! cancelled: counted once, neither an error nor a panic.

use perfmon::{monitor_performance, Outcome};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};
use std::time::Duration;

#[monitor_performance(name = "cancelled.timeout")]
async fn slow() -> Result<u8, String> {
    tokio::time::sleep(Duration::from_secs(60)).await;
    Ok(1)
}

#[monitor_performance(name = "cancelled.polled_once")]
async fn pending_once() -> u8 {
    tokio::task::yield_now().await;
    2
}

#[tokio::test]
async fn future_dropped_by_a_timeout_is_cancelled() {
    let out = tokio::time::timeout(Duration::from_millis(10), slow()).await;
    assert!(out.is_err(), "timed out");
    let s = perfmon::summary("cancelled.timeout").unwrap();
    assert_eq!(s.count, 1);
    assert_eq!((s.cancelled, s.errors, s.panics), (1, 0, 0));
    // Not a failure: counted apart, not kept among the recent failures.
    assert!(s.recent_failures.is_empty(), "{:?}", s.recent_failures);
    assert!(!Outcome::Cancelled.is_failure());
}

#[test]
fn future_polled_once_then_dropped_is_cancelled() {
    {
        let mut future = pin!(pending_once());
        let mut cx = Context::from_waker(Waker::noop());
        assert!(future.as_mut().poll(&mut cx).is_pending());
    }
    let s = perfmon::summary("cancelled.polled_once").unwrap();
    assert_eq!((s.count, s.cancelled, s.errors), (1, 1, 0));
}
