//! Compile errors of `#[monitor_performance]`: each file in tests/ui is a
//! mistake, and its checked-in `.stderr` is the message the user sees.
//! Regenerate with `TRYBUILD=overwrite cargo test --test ui`, then read them.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
