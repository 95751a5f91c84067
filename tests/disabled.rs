//! Turning perfmon off stops recording everywhere (its own test binary, since
//! the switch is process-wide).

use perfmon::{monitor_performance, Kind, Registry};
use std::time::Duration;

#[test]
fn nothing_is_recorded_while_disabled_and_recording_resumes_after() {
    let reg = Registry::new();
    perfmon::set_enabled(false);
    assert!(!perfmon::is_enabled());
    reg.record("off.record", Kind::Processing, Duration::from_millis(1));
    drop(reg.timer("off.timer", Kind::Processing));
    annotated(1);
    perfmon::set_enabled(true);
    assert!(
        perfmon::summary("disabled_test.annotated").is_none_or(|s| s.count == 0),
        "an annotated call while disabled records nothing"
    );
    annotated(2);
    assert_eq!(
        perfmon::summary("disabled_test.annotated").unwrap().count,
        1
    );
    assert!(reg.summary("off.record").is_none());
    assert!(reg.summary("off.timer").is_none());
    reg.record("off.record", Kind::Processing, Duration::from_millis(1));
    assert_eq!(reg.summary("off.record").unwrap().count, 1);
}

#[monitor_performance(name = "disabled_test.annotated", params(x))]
fn annotated(x: u64) -> u64 {
    x
}
