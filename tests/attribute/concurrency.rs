//! Annotated functions called from many threads and tasks at once lose no
//! call: the count is exact.

use perfmon::monitor_performance;

const CALLS: u64 = 100_000;

#[monitor_performance(kind = "processing", name = "concurrency.sync_shared")]
fn shared_sync(x: u64) -> u64 {
    std::hint::black_box(x)
}

#[monitor_performance(kind = "processing", name = "concurrency.async_shared")]
async fn shared_async(x: u64) -> u64 {
    if x.is_multiple_of(1000) {
        tokio::task::yield_now().await;
    }
    x
}

#[test]
fn eight_threads_calling_one_annotated_fn_count_exactly() {
    let threads: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(|| {
                for i in 0..CALLS {
                    shared_sync(i);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let s = perfmon::summary("concurrency.sync_shared").unwrap();
    assert_eq!(s.count, 8 * CALLS);
    assert_eq!(s.levels.total(), 8 * CALLS);
}

#[test]
fn eight_tasks_on_a_multi_thread_runtime_count_exactly() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    rt.block_on(async {
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                tokio::spawn(async {
                    for i in 0..CALLS {
                        shared_async(i).await;
                    }
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
    });
    let s = perfmon::summary("concurrency.async_shared").unwrap();
    assert_eq!(s.count, 8 * CALLS);
    assert_eq!(s.cancelled + s.errors + s.panics, 0);
}
