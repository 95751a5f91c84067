//! Turning perfmon off stops recording everywhere (its own test binary, since
//! the switch is process-wide).

use perfmon::{Kind, Registry};
use std::time::Duration;

#[test]
fn nothing_is_recorded_while_disabled_and_recording_resumes_after() {
    let reg = Registry::new();
    perfmon::set_enabled(false);
    assert!(!perfmon::is_enabled());
    reg.record("off.record", Kind::Processing, Duration::from_millis(1));
    drop(reg.timer("off.timer", Kind::Processing));
    perfmon::set_enabled(true);
    assert!(reg.summary("off.record").is_none());
    assert!(reg.summary("off.timer").is_none());
    reg.record("off.record", Kind::Processing, Duration::from_millis(1));
    assert_eq!(reg.summary("off.record").unwrap().count, 1);
}
