//! Annotated database queries made while a request scope is entered count
//! toward that request, and repeated ones become N+1 findings.

use perfmon::request::RequestContext;
use perfmon::{monitor_performance, Kind};

#[monitor_performance(kind = "database_query", name = "scope_test.get_item")]
async fn get_item(id: u64) -> u64 {
    tokio::task::yield_now().await;
    id
}

#[monitor_performance(kind = "processing", name = "scope_test.render")]
fn render(n: u64) -> u64 {
    n
}

#[test]
fn queries_inside_the_scope_are_counted_and_repeats_reported() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let ctx = RequestContext::new();
    ctx.scope(|| {
        rt.block_on(async {
            for id in 0..15 {
                get_item(id).await;
            }
            render(1);
        })
    });
    assert_eq!(ctx.queries(), 15);
    assert_eq!(
        ctx.repeated(),
        vec![("scope_test.get_item".to_owned(), Kind::DatabaseQuery, 15)]
    );
    ctx.report_to(perfmon::registry(), "GET /scope_test");
    let p = perfmon::registry()
        .request_patterns()
        .into_iter()
        .find(|p| p.operation == "scope_test.get_item")
        .unwrap();
    assert_eq!(
        (p.endpoint.as_deref(), p.calls_in_one_request),
        (Some("GET /scope_test"), 15)
    );
}
