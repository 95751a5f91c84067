//! The expansion adds no warning to the user's crate: every shape of
//! function is compiled here with warnings denied (rustc's under
//! `cargo test`, clippy's under `cargo clippy --all-targets -- -D warnings`).
#![deny(warnings, clippy::all)]

use perfmon::monitor_performance;

#[monitor_performance]
fn unit() {}

#[monitor_performance(params(a))]
fn value(a: u8) -> u8 {
    a
}

#[monitor_performance(params(a))]
fn result(a: u8) -> Result<u8, String> {
    if a == 0 {
        return Err("zero".into());
    }
    Ok(a)
}

#[monitor_performance]
fn diverges() -> ! {
    panic!("never returns")
}

#[monitor_performance]
async fn async_unit() {}

#[monitor_performance]
async fn async_diverges() -> ! {
    loop {
        tokio::task::yield_now().await;
    }
}

#[monitor_performance]
async fn async_result(a: u8) -> Result<u8, String> {
    Ok(a)
}

#[monitor_performance]
async fn async_impl() -> impl std::fmt::Display {
    1
}

struct S;

#[async_trait::async_trait]
trait T {
    async fn m(&self) -> Result<(), String>;
    async fn n(&self);
}

#[async_trait::async_trait]
impl T for S {
    #[monitor_performance]
    async fn m(&self) -> Result<(), String> {
        Ok(())
    }

    #[monitor_performance]
    async fn n(&self) {}
}

#[monitor_performance(params(__perfmon_guard))]
fn names_like_the_expansion_s(__perfmon_guard: u8, __perfmon_ret: u8) -> u8 {
    __perfmon_guard + __perfmon_ret
}

#[test]
fn every_shape_compiles_without_warnings() {
    unit();
    assert_eq!(value(1), 1);
    assert!(result(0).is_err());
    assert!(std::panic::catch_unwind(|| diverges()).is_err());
    assert_eq!(names_like_the_expansion_s(1, 2), 3);
    drop(async_diverges());
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        async_unit().await;
        assert_eq!(async_result(1).await, Ok(1));
        assert_eq!(async_impl().await.to_string(), "1");
        assert!(S.m().await.is_ok());
        S.n().await;
    });
}
