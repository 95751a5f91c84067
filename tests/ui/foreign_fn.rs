use perfmon::monitor_performance;

extern "C" {
    #[monitor_performance]
    fn abs(input: i32) -> i32;
}

trait Store {
    #[monitor_performance]
    fn load(&self) -> u32;
}

fn main() {}
