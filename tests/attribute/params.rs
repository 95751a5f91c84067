//! `params(...)` captures the named parameters with `Debug` (cut to 128
//! bytes); nothing else is captured. Secret-looking names are refused at
//! compile time (see tests/ui) unless written inside `allow_secret(...)`.

use perfmon::monitor_performance;

#[derive(Debug)]
struct Query {
    table: &'static str,
}

#[monitor_performance(name = "params.search", params(user_id, query))]
fn search(user_id: u64, query: &Query, limit: usize) -> Result<usize, String> {
    Err(format!("{} over limit {limit}", query.table))
}

#[monitor_performance(name = "params.none")]
fn uncaptured(user_id: u64) -> Result<(), String> {
    Err(format!("user {user_id}"))
}

#[monitor_performance(name = "params.long", params(blob))]
fn long(blob: String) -> Result<(), ()> {
    let _ = blob;
    Err(())
}

#[monitor_performance(name = "params.lookalikes", params(spinner, keyword, monkey))]
fn lookalikes(spinner: u8, keyword: &str, monkey: bool) -> Result<(), ()> {
    let _ = (spinner, keyword, monkey);
    Err(())
}

#[monitor_performance(name = "params.opt_in", params(allow_secret(pin_code), attempt))]
fn opt_in(pin_code: u32, attempt: u8) -> Result<(), ()> {
    let _ = (pin_code, attempt);
    Err(())
}

#[derive(Debug)]
struct Account {
    id: u32,
}

impl Account {
    #[monitor_performance(name = "params.self", params(self, amount))]
    fn withdraw(&mut self, amount: u32) -> Result<u32, String> {
        Err(format!("account {} short of {amount}", self.id))
    }
}

#[monitor_performance(name = "params.mutable", params(n))]
fn mutable(mut n: u32) -> Result<u32, u32> {
    n += 1;
    Err(n)
}

fn names_and_values(name: &str) -> Vec<(String, String)> {
    perfmon::summary(name).unwrap().recent_failures[0]
        .params
        .iter()
        .map(|p| (p.name.clone(), p.value.clone()))
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

#[test]
fn named_params_are_captured_with_debug_in_order() {
    search(7, &Query { table: "parts" }, 10).unwrap_err();
    assert_eq!(
        names_and_values("params.search"),
        pairs(&[("user_id", "7"), ("query", "Query { table: \"parts\" }")])
    );
}

#[test]
fn params_not_named_are_not_captured() {
    uncaptured(1).unwrap_err();
    assert!(names_and_values("params.none").is_empty());
}

#[test]
fn value_over_128_bytes_is_cut_and_marked() {
    long("y".repeat(500)).unwrap_err();
    let value = &names_and_values("params.long")[0].1;
    assert!(value.starts_with("\"yyy"));
    assert!(value.ends_with('…'));
    assert_eq!(value.len(), 128 + '…'.len_utf8());
}

#[test]
fn lookalikes_of_secret_words_are_captured() {
    lookalikes(3, "rust", true).unwrap_err();
    assert_eq!(
        names_and_values("params.lookalikes"),
        pairs(&[
            ("spinner", "3"),
            ("keyword", "\"rust\""),
            ("monkey", "true")
        ])
    );
}

#[test]
fn allow_secret_opts_in_a_secret_looking_name() {
    opt_in(1234, 2).unwrap_err();
    assert_eq!(
        names_and_values("params.opt_in"),
        pairs(&[("pin_code", "1234"), ("attempt", "2")])
    );
}

#[test]
fn self_can_be_captured() {
    Account { id: 9 }.withdraw(5).unwrap_err();
    assert_eq!(
        names_and_values("params.self"),
        pairs(&[("self", "Account { id: 9 }"), ("amount", "5")])
    );
}

#[test]
fn params_are_captured_before_the_body_runs() {
    mutable(1).unwrap_err();
    assert_eq!(names_and_values("params.mutable"), pairs(&[("n", "1")]));
}
