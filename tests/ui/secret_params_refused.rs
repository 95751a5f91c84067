use perfmon::monitor_performance;

#[monitor_performance(params(password))]
fn login(password: &str) {
    let _ = password;
}

#[monitor_performance(params(api_key))]
fn call(api_key: &str) {
    let _ = api_key;
}

#[monitor_performance(params(user_id, user_password))]
fn register(user_id: u64, user_password: &str) {
    let _ = (user_id, user_password);
}

#[monitor_performance(params(session_id))]
fn resume(session_id: u64) {
    let _ = session_id;
}

fn main() {}
