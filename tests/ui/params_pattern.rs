use perfmon::monitor_performance;

#[monitor_performance(params(x))]
fn point((x, y): (i32, i32)) -> i32 {
    x + y
}

fn main() {}
