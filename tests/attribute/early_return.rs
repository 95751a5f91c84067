//! `return` and `?` inside the body return from the function, as written,
//! and the call is still recorded with the right outcome.

use perfmon::monitor_performance;

#[monitor_performance(name = "early_return.sign")]
fn sign(n: i32) -> &'static str {
    if n < 0 {
        return "negative";
    }
    if n == 0 {
        return "zero";
    }
    "positive"
}

#[monitor_performance(name = "early_return.parse_sum")]
fn parse_sum(a: &str, b: &str) -> Result<u32, std::num::ParseIntError> {
    let a: u32 = a.parse()?;
    let b: u32 = b.parse()?;
    Ok(a + b)
}

#[monitor_performance(name = "early_return.first_even")]
fn first_even(values: &[u32]) -> Option<u32> {
    let first = values.first()?;
    (first % 2 == 0).then_some(*first)
}

#[derive(Debug)]
enum AppError {
    Parse(std::num::ParseIntError),
}

impl From<std::num::ParseIntError> for AppError {
    fn from(e: std::num::ParseIntError) -> Self {
        AppError::Parse(e)
    }
}

#[monitor_performance(name = "early_return.converted")]
fn converted(text: &str) -> Result<u32, AppError> {
    let n = text.parse::<u32>()?;
    Ok(n)
}

#[monitor_performance(name = "early_return.async_parse")]
async fn async_parse(text: &str) -> Result<u32, AppError> {
    tokio::task::yield_now().await;
    let n = text.parse::<u32>()?;
    if n == 0 {
        return Ok(1);
    }
    Ok(n)
}

#[test]
fn return_leaves_the_function_with_its_value() {
    assert_eq!(sign(-1), "negative");
    assert_eq!(sign(0), "zero");
    assert_eq!(sign(1), "positive");
    assert_eq!(perfmon::summary("early_return.sign").unwrap().count, 3);
}

#[test]
fn question_mark_returns_the_error_and_records_it() {
    assert_eq!(parse_sum("1", "2"), Ok(3));
    assert!(parse_sum("1", "x").is_err());
    let s = perfmon::summary("early_return.parse_sum").unwrap();
    assert_eq!((s.count, s.errors), (2, 1));
}

#[test]
fn question_mark_on_option_works() {
    assert_eq!(first_even(&[]), None);
    assert_eq!(first_even(&[2]), Some(2));
    let s = perfmon::summary("early_return.first_even").unwrap();
    assert_eq!((s.count, s.errors), (2, 0), "an Option is not a Result");
}

#[test]
fn question_mark_converts_errors_with_from() {
    let Err(AppError::Parse(e)) = converted("x") else {
        panic!("expected a parse error")
    };
    assert_eq!(e.kind(), &std::num::IntErrorKind::InvalidDigit);
    assert_eq!(
        perfmon::summary("early_return.converted").unwrap().errors,
        1
    );
}

#[tokio::test]
async fn return_and_question_mark_work_in_async_fns() {
    assert_eq!(async_parse("0").await.unwrap(), 1);
    assert_eq!(async_parse("5").await.unwrap(), 5);
    assert!(async_parse("x").await.is_err());
    let s = perfmon::summary("early_return.async_parse").unwrap();
    assert_eq!((s.count, s.errors), (3, 1));
}
