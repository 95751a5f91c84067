//! `async fn` in a trait impl (native, without `#[async_trait]`) and in a
//! trait's default method.

use perfmon::monitor_performance;
use std::future::Future;

trait Store {
    fn load(&self, id: u32) -> impl Future<Output = Result<String, String>> + Send;

    #[monitor_performance(name = "async_trait_native.default_len")]
    async fn default_len(&self) -> usize {
        3
    }
}

struct Memory;

impl Store for Memory {
    #[monitor_performance(name = "async_trait_native.load", params(id))]
    async fn load(&self, id: u32) -> Result<String, String> {
        tokio::task::yield_now().await;
        if id == 0 {
            return Err(format!("no entry {id}"));
        }
        Ok(format!("v{id}"))
    }
}

#[tokio::test]
async fn async_fn_in_trait_impl_is_recorded() {
    assert_eq!(Memory.load(1).await.unwrap(), "v1");
    assert!(Memory.load(0).await.is_err());
    let s = perfmon::summary("async_trait_native.load").unwrap();
    assert_eq!((s.count, s.errors), (2, 1));
    let failure = &s.recent_failures[0];
    assert_eq!(failure.error.as_deref(), Some("no entry 0"));
    assert_eq!(failure.params[0].value, "0");
}

#[tokio::test]
async fn async_default_method_in_trait_is_recorded() {
    assert_eq!(Memory.default_len().await, 3);
    assert_eq!(
        perfmon::summary("async_trait_native.default_len")
            .unwrap()
            .count,
        1
    );
}
