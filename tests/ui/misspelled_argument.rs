use perfmon::monitor_performance;

#[monitor_performance(knid = "cache")]
fn f() {}

#[monitor_performance(parms(id))]
fn g(id: u32) -> u32 {
    id
}

fn main() {}
