//! An `async fn` is timed from its first poll to its completion, awaits
//! included.

use perfmon::monitor_performance;
use std::time::Duration;

#[monitor_performance(name = "async_fn.fetch", kind = "api_response")]
async fn fetch(id: u32) -> u32 {
    tokio::time::sleep(Duration::from_millis(20)).await;
    id * 2
}

#[monitor_performance(name = "async_fn.quick")]
async fn quick() -> u8 {
    1
}

#[monitor_performance(name = "async_fn.unit")]
async fn unit(flag: bool) {
    if flag {
        return;
    }
    tokio::task::yield_now().await;
}

#[monitor_performance(name = "async_fn.borrowed")]
async fn borrowed(values: &[u8]) -> &u8 {
    tokio::task::yield_now().await;
    &values[0]
}

fn assert_send<T: Send>(_: &T) {}

#[tokio::test]
async fn async_fn_is_recorded_with_its_awaits() {
    assert_eq!(fetch(21).await, 42);
    let s = perfmon::summary("async_fn.fetch").expect("recorded");
    assert_eq!(s.count, 1);
    assert_eq!(s.kind, perfmon::Kind::ApiResponse);
    assert!(
        s.min_ms >= 18.0,
        "measured {} ms for a 20 ms sleep",
        s.min_ms
    );
}

#[tokio::test]
async fn timing_starts_at_the_first_poll() {
    let future = quick();
    std::thread::sleep(Duration::from_millis(30));
    assert_eq!(future.await, 1);
    let s = perfmon::summary("async_fn.quick").unwrap();
    assert_eq!(s.count, 1);
    assert!(
        s.max_ms < 25.0,
        "time before the first poll was counted: {} ms",
        s.max_ms
    );
}

#[tokio::test]
async fn unit_and_borrowing_async_fns_work() {
    unit(true).await;
    unit(false).await;
    assert_eq!(*borrowed(&[7, 8]).await, 7);
    assert_eq!(perfmon::summary("async_fn.unit").unwrap().count, 2);
    assert_eq!(perfmon::summary("async_fn.borrowed").unwrap().count, 1);
}

#[test]
fn instrumented_future_stays_send() {
    let future = fetch(1);
    assert_send(&future);
    let values = [1u8];
    assert_send(&borrowed(&values));
}

#[test]
fn future_never_polled_records_nothing() {
    #[monitor_performance(name = "async_fn.never_polled")]
    async fn never_polled() {}

    drop(never_polled());
    assert!(perfmon::summary("async_fn.never_polled").is_none());
}
