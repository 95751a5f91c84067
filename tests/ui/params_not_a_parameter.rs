use perfmon::monitor_performance;

#[monitor_performance(params(user, limit))]
fn search(user_id: u64, limit: usize) -> usize {
    let _ = user_id;
    limit
}

#[monitor_performance(params(self))]
fn no_receiver() {}

fn main() {}
