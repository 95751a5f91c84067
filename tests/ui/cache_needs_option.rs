use perfmon::monitor_performance;

#[monitor_performance(cache = "L1")]
fn lookup(key: u32) -> u32 {
    key
}

#[monitor_performance(cache = 1)]
fn lookup_option(key: u32) -> Option<u32> {
    Some(key)
}

fn main() {
    let _ = lookup(1);
    let _ = lookup_option(1);
}
