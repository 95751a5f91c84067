use perfmon::monitor_performance;

#[monitor_performance(kind = 5, nmae = "x", params(user_id, missing))]
const fn f(user_id: u32) -> u32 {
    user_id
}

fn main() {}
