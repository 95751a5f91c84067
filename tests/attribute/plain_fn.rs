//! A plain synchronous function is timed once per call and returns its value.

use perfmon::{monitor_performance, Kind, Outcome};

#[monitor_performance(name = "plain_fn.add")]
fn add(a: u32, b: u32) -> u32 {
    a + b
}

#[monitor_performance(name = "plain_fn.sleep")]
fn sleep_ms(ms: u64) {
    std::thread::sleep(std::time::Duration::from_millis(ms));
}

#[test]
fn records_each_call_and_returns_the_value() {
    assert_eq!(add(2, 3), 5);
    assert_eq!(add(4, 5), 9);
    let s = perfmon::summary("plain_fn.add").expect("recorded");
    assert_eq!(s.count, 2);
    assert_eq!((s.errors, s.panics, s.cancelled), (0, 0, 0));
    assert_eq!(s.kind, Kind::DEFAULT, "no kind given means custom");
}

#[test]
fn measures_the_time_spent_in_the_body() {
    sleep_ms(20);
    let s = perfmon::summary("plain_fn.sleep").expect("recorded");
    assert_eq!(s.count, 1);
    assert!(
        s.min_ms >= 18.0,
        "measured {} ms for a 20 ms body",
        s.min_ms
    );
    assert!(s.slowest.iter().all(|c| c.outcome == Outcome::Ok));
}
