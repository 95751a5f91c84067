use perfmon::monitor_performance;

#[monitor_performance(level = "slow")]
fn f() {}

fn main() {}
