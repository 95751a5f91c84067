use perfmon::monitor_performance;

#[monitor_performance(crate = "perfmon")]
fn f() {}

fn main() {}
