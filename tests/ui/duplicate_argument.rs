use perfmon::monitor_performance;

#[monitor_performance(kind = "cache", name = "a", kind = "processing")]
fn f() {}

#[monitor_performance(params(a), params(b))]
fn g(a: u8, b: u8) -> u8 {
    a + b
}

#[monitor_performance(params(a, a))]
fn h(a: u8) -> u8 {
    a
}

fn main() {}
