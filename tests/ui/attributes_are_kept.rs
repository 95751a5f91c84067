//! `#[deprecated]` and `#[must_use]` on an instrumented fn still take effect.
#![deny(deprecated, unused_must_use)]

use perfmon::monitor_performance;

#[deprecated(note = "use new_total")]
#[monitor_performance]
fn old_total() -> u32 {
    1
}

#[must_use = "the total is the point"]
#[monitor_performance]
fn total() -> u32 {
    2
}

fn main() {
    let _ = old_total();
    total();
}
