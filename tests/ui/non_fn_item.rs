use perfmon::monitor_performance;

#[monitor_performance]
struct Service {
    port: u16,
}

#[monitor_performance(kind = "cache")]
mod cache {}

fn main() {}
