//! What an annotated call costs with perfmon switched off
//! (`perfmon::set_enabled(false)`): one relaxed load and a branch, against
//! the bare function and the enabled call in the same run.
//!
//! ```text
//! cargo bench --bench disabled
//! ```

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use perfmon::monitor_performance;

#[inline(never)]
fn bare(x: u64) -> u64 {
    black_box(x)
}

#[monitor_performance(name = "bench.disabled.annotated")]
#[inline(never)]
fn annotated(x: u64) -> u64 {
    black_box(x)
}

#[monitor_performance(name = "bench.disabled.params", params(a, b))]
#[inline(never)]
fn annotated_params(a: u64, b: u64) -> u64 {
    black_box(a ^ b)
}

fn disabled(c: &mut Criterion) {
    let mut g = c.benchmark_group("disabled");
    g.bench_function("bare", |b| b.iter(|| bare(black_box(7))));
    perfmon::set_enabled(true);
    g.bench_function("annotated, enabled", |b| b.iter(|| annotated(black_box(7))));
    perfmon::set_enabled(false);
    g.bench_function("annotated, disabled", |b| {
        b.iter(|| annotated(black_box(7)))
    });
    g.bench_function("params(a, b), disabled", |b| {
        b.iter(|| annotated_params(black_box(7), black_box(9)))
    });
    perfmon::set_enabled(true);
    g.finish();
}

criterion_group!(benches, disabled);
criterion_main!(benches);
