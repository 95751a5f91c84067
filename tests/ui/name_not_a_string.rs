use perfmon::monitor_performance;

#[monitor_performance(name = foo)]
fn f() {}

#[monitor_performance(name = "")]
fn g() {}

fn main() {}
