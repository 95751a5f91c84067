//! Functions with lifetimes, explicit or elided, can return references.

use perfmon::monitor_performance;
use std::borrow::Cow;

#[monitor_performance(name = "lifetimes.first_word")]
fn first_word(text: &str) -> &str {
    text.split(' ').next().unwrap_or("")
}

#[monitor_performance(name = "lifetimes.longest")]
fn longest<'a>(a: &'a str, b: &'a str, _other: &str) -> &'a str {
    if a.len() >= b.len() {
        return a;
    }
    b
}

#[monitor_performance(name = "lifetimes.trimmed")]
fn trimmed(text: &str) -> Cow<'_, str> {
    if text.starts_with(' ') {
        Cow::Owned(text.trim().to_owned())
    } else {
        Cow::Borrowed(text)
    }
}

#[monitor_performance(name = "lifetimes.deref_coercion")]
fn as_slice(values: &[u8; 2]) -> &[u8] {
    values
}

#[test]
fn elided_lifetime_reference_is_returned() {
    assert_eq!(first_word("hello world"), "hello");
    assert_eq!(trimmed(" x "), "x");
    assert_eq!(perfmon::summary("lifetimes.first_word").unwrap().count, 1);
    assert_eq!(perfmon::summary("lifetimes.trimmed").unwrap().count, 1);
}

#[test]
fn explicit_lifetime_reference_is_returned() {
    let (a, b) = (String::from("long"), String::from("longer"));
    assert_eq!(longest(&a, &b, "x"), "longer");
    assert_eq!(perfmon::summary("lifetimes.longest").unwrap().count, 1);
}

#[test]
fn returned_reference_is_coerced_as_in_the_original() {
    assert_eq!(as_slice(&[1, 2]), &[1, 2]);
    assert_eq!(
        perfmon::summary("lifetimes.deref_coercion").unwrap().count,
        1
    );
}
