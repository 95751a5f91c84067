use perfmon::monitor_performance;

struct Opaque;

#[monitor_performance(params(value))]
fn f(value: Opaque) {
    let _ = value;
}

fn main() {}
