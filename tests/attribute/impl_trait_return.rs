//! Functions returning `impl Trait` (also inside a `Result`) keep working.

use perfmon::monitor_performance;
use std::fmt::Display;

#[monitor_performance(name = "impl_trait_return.evens")]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 0)
}

#[monitor_performance(name = "impl_trait_return.label")]
fn label(n: u32) -> impl Display {
    if n == 0 {
        return String::from("none");
    }
    format!("{n} items")
}

#[monitor_performance(name = "impl_trait_return.adder")]
fn adder(k: u32) -> impl Fn(u32) -> u32 {
    move |x| x + k
}

#[monitor_performance(name = "impl_trait_return.parsed")]
fn parsed(text: &str) -> Result<impl Iterator<Item = u32> + '_, std::num::ParseIntError> {
    text.parse::<u32>()?;
    Ok(text.bytes().map(u32::from))
}

#[test]
fn impl_iterator_is_returned() {
    assert_eq!(evens(7).collect::<Vec<_>>(), [0, 2, 4, 6]);
    assert_eq!(
        perfmon::summary("impl_trait_return.evens").unwrap().count,
        1
    );
}

#[test]
fn impl_display_with_early_return_is_returned() {
    assert_eq!(label(0).to_string(), "none");
    assert_eq!(label(2).to_string(), "2 items");
    assert_eq!(
        perfmon::summary("impl_trait_return.label").unwrap().count,
        2
    );
}

#[test]
fn impl_fn_is_returned() {
    assert_eq!(adder(2)(3), 5);
    assert_eq!(
        perfmon::summary("impl_trait_return.adder").unwrap().count,
        1
    );
}

#[test]
fn result_of_impl_trait_is_classified() {
    assert_eq!(parsed("12").unwrap().count(), 2);
    assert!(parsed("x").is_err());
    let s = perfmon::summary("impl_trait_return.parsed").unwrap();
    assert_eq!((s.count, s.errors), (2, 1));
}
