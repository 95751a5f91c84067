//! Generic functions keep their parameters, bounds and `where` clauses, and
//! `impl Trait` arguments work.

use perfmon::monitor_performance;
use std::fmt::{Debug, Display};

#[monitor_performance(name = "generics.describe", params(value))]
fn describe<T, U>(value: T, extra: U) -> String
where
    T: Display + Debug,
    U: Into<u64>,
{
    format!("{value}+{}", extra.into())
}

#[monitor_performance(name = "generics.sum_all")]
fn sum_all(values: impl IntoIterator<Item = u32>, scale: impl Fn(u32) -> u32) -> u32 {
    values.into_iter().map(scale).sum()
}

#[monitor_performance(name = "generics.largest")]
fn largest<const N: usize>(values: [i64; N]) -> Option<i64> {
    values.into_iter().max()
}

struct Wrapper<T>(T);

impl<T: Clone> Wrapper<T> {
    #[monitor_performance(name = "generics.get")]
    fn get(&self) -> T
    where
        T: Debug,
    {
        self.0.clone()
    }
}

#[test]
fn generic_fn_with_where_clause_is_recorded_per_name() {
    assert_eq!(describe(1u8, 2u16), "1+2");
    assert_eq!(describe("a", 3u32), "a+3");
    assert_eq!(perfmon::summary("generics.describe").unwrap().count, 2);
}

#[test]
fn impl_trait_arguments_work() {
    assert_eq!(sum_all(vec![1, 2, 3], |x| x * 10), 60);
    assert_eq!(perfmon::summary("generics.sum_all").unwrap().count, 1);
}

#[test]
fn const_generics_and_generic_impls_work() {
    assert_eq!(largest([3, 9, 2]), Some(9));
    assert_eq!(Wrapper(String::from("w")).get(), "w");
    assert_eq!(perfmon::summary("generics.largest").unwrap().count, 1);
    assert_eq!(perfmon::summary("generics.get").unwrap().count, 1);
}
