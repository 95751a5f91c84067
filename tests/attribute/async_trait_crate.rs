//! Under `#[async_trait]`, the boxed future is timed (from its first poll),
//! not the call that boxes it.

use async_trait::async_trait;
use perfmon::monitor_performance;
use std::time::Duration;

#[derive(Debug)]
struct NotFound(u32);

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "user {} not found", self.0)
    }
}

#[async_trait]
trait Users {
    async fn name(&self, id: u32) -> Result<String, NotFound>;
    async fn touch(&mut self, id: u32);
    async fn quick(&self) -> u8;
    async fn wait(&self) -> u8;
}

struct Db {
    touched: Vec<u32>,
}

#[async_trait]
impl Users for Db {
    #[monitor_performance(name = "async_trait_crate.name", kind = "database_query", params(id))]
    async fn name(&self, id: u32) -> Result<String, NotFound> {
        tokio::task::yield_now().await;
        if id == 0 {
            return Err(NotFound(id));
        }
        Ok(format!("user{id}"))
    }

    #[monitor_performance(name = "async_trait_crate.touch")]
    async fn touch(&mut self, id: u32) {
        self.touched.push(id);
    }

    #[monitor_performance(name = "async_trait_crate.wait")]
    async fn wait(&self) -> u8 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        2
    }

    #[monitor_performance(name = "async_trait_crate.quick")]
    async fn quick(&self) -> u8 {
        1
    }
}

#[tokio::test]
async fn async_trait_method_is_recorded_with_its_awaits() {
    let db = Db { touched: vec![] };
    assert_eq!(db.wait().await, 2);
    let s = perfmon::summary("async_trait_crate.wait").unwrap();
    assert_eq!(s.count, 1);
    assert!(
        s.min_ms >= 18.0,
        "measured {} ms for a 20 ms sleep",
        s.min_ms
    );
}

#[tokio::test]
async fn async_trait_method_err_and_params_are_recorded() {
    let mut db = Db { touched: vec![] };
    assert_eq!(db.name(7).await.unwrap(), "user7");
    assert!(db.name(0).await.is_err());
    db.touch(5).await;
    assert_eq!(db.touched, [5]);
    let s = perfmon::summary("async_trait_crate.name").unwrap();
    assert_eq!((s.count, s.errors), (2, 1));
    assert_eq!(s.kind, perfmon::Kind::DatabaseQuery);
    let failure = &s.recent_failures[0];
    assert_eq!(failure.error.as_deref(), Some("user 0 not found"));
    assert_eq!(failure.params[0].name, "id");
    assert_eq!(failure.params[0].value, "0");
    assert_eq!(
        perfmon::summary("async_trait_crate.touch").unwrap().count,
        1
    );
}

#[tokio::test]
async fn async_trait_timing_starts_at_the_first_poll_not_at_boxing() {
    let db = Db { touched: vec![] };
    let future = db.quick();
    std::thread::sleep(Duration::from_millis(30));
    assert_eq!(future.await, 1);
    let s = perfmon::summary("async_trait_crate.quick").unwrap();
    assert_eq!(s.count, 1);
    assert!(
        s.max_ms < 25.0,
        "time between boxing and the first poll was counted: {} ms",
        s.max_ms
    );
}
