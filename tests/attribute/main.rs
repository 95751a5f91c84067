//! `#[monitor_performance]` on every shape of function, one module per
//! feature, in one test binary (one link instead of nineteen). Tests that
//! flip process-wide state stay in binaries of their own: `disabled.rs`
//! (recording off), `tracing_events.rs` (a global subscriber),
//! `attributes_kept.rs` (crate-level `missing_docs`).

mod async_fn;
mod async_trait_crate;
mod async_trait_native;
mod cache;
mod cancelled;
mod concurrency;
mod crate_path;
mod default_name;
mod early_return;
mod generics;
mod impl_trait_return;
mod kind;
mod lifetimes;
mod lint_clean;
mod methods;
mod panics;
mod params;
mod plain_fn;
mod result_errors;
