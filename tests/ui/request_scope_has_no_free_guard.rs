// A request scope is entered only for a closure (`RequestContext::scope`):
// a free guard could be dropped out of order or forgotten, leaving the
// thread's scope pointing at a freed context (use after free from safe code).
use perfmon::request::RequestContext;

fn main() {
    let a = RequestContext::new();
    let b = RequestContext::new();
    let guard_a = a.enter();
    let guard_b = b.enter();
    drop(guard_a);
    drop(guard_b);
}
