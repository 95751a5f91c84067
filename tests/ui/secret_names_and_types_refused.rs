// Names that hide a secret word behind digits or an acronym, and types whose
// `Debug` text carries credentials whatever the parameter is called.
use perfmon::monitor_performance;

#[derive(Debug)]
struct HeaderMap;

#[derive(Debug)]
struct CookieJar;

#[monitor_performance(params(password2, token1))]
fn rotate(password2: &str, token1: &str) {
    let _ = (password2, token1);
}

#[monitor_performance(params(APIKey, JWTToken))]
#[allow(non_snake_case)]
fn call(APIKey: &str, JWTToken: &str) {
    let _ = (APIKey, JWTToken);
}

#[monitor_performance(params(headers, jar))]
fn handle(headers: &HeaderMap, jar: CookieJar) {
    let _ = (headers, jar);
}

// The same names and types, opted in where they are named, compile.
#[monitor_performance(params(allow_secret(headers), allow_secret(token1)))]
fn handle_opted_in(headers: &HeaderMap, token1: u8) {
    let _ = (headers, token1);
}

fn main() {}
