//! A function returning `Result` records an `Err` as an error, with the
//! error's `Display` text (cut to 256 bytes) or, without `Display`, its type
//! name.

use perfmon::{monitor_performance, Outcome};

#[derive(Debug)]
struct Rejected(String);

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "rejected: {}", self.0)
    }
}

#[derive(Debug)]
struct Opaque;

#[monitor_performance(name = "result_errors.check")]
fn check(reason: &str) -> Result<(), Rejected> {
    if reason.is_empty() {
        Ok(())
    } else {
        Err(Rejected(reason.to_owned()))
    }
}

#[monitor_performance(name = "result_errors.long")]
fn reject_long(len: usize) -> Result<(), Rejected> {
    Err(Rejected("x".repeat(len)))
}

#[monitor_performance(name = "result_errors.opaque")]
fn opaque() -> Result<u8, Opaque> {
    Err(Opaque)
}

#[monitor_performance(name = "result_errors.io")]
fn io_alias() -> std::io::Result<u8> {
    Err(std::io::Error::other("disk on fire"))
}

#[monitor_performance(name = "result_errors.boxed")]
fn boxed() -> Result<u8, Box<dyn std::error::Error + Send + Sync>> {
    Err("boxed failure".into())
}

#[test]
fn ok_is_a_success_and_err_an_error_with_its_display_text() {
    check("").unwrap();
    check("too large").unwrap_err();
    let s = perfmon::summary("result_errors.check").unwrap();
    assert_eq!((s.count, s.errors), (2, 1));
    assert_eq!(s.recent_failures.len(), 1);
    let failure = &s.recent_failures[0];
    assert_eq!(failure.outcome, Outcome::Error);
    assert_eq!(failure.error.as_deref(), Some("rejected: too large"));
}

#[test]
fn long_error_text_is_cut_to_256_bytes_and_marked() {
    reject_long(1000).unwrap_err();
    let s = perfmon::summary("result_errors.long").unwrap();
    let text = s.recent_failures[0].error.as_deref().unwrap();
    assert!(text.starts_with("rejected: xxx"));
    assert!(text.ends_with('…'));
    assert_eq!(text.len(), 256 + '…'.len_utf8());
}

#[test]
fn error_without_display_is_described_by_its_type_name() {
    opaque().unwrap_err();
    let s = perfmon::summary("result_errors.opaque").unwrap();
    assert_eq!(s.errors, 1);
    assert_eq!(
        s.recent_failures[0].error.as_deref(),
        Some("attribute::result_errors::Opaque")
    );
}

#[test]
fn result_aliases_and_boxed_errors_are_classified() {
    io_alias().unwrap_err();
    boxed().unwrap_err();
    let io = perfmon::summary("result_errors.io").unwrap();
    assert_eq!(io.recent_failures[0].error.as_deref(), Some("disk on fire"));
    let b = perfmon::summary("result_errors.boxed").unwrap();
    assert_eq!(b.recent_failures[0].error.as_deref(), Some("boxed failure"));
}
