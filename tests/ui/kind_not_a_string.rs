use perfmon::monitor_performance;

#[monitor_performance(kind = 5)]
fn f() {}

#[monitor_performance(kind = database_query)]
fn g() {}

#[monitor_performance(kind)]
fn h() {}

fn main() {}
