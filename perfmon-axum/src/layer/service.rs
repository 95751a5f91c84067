//! [`PerfmonService`]: starts a request's measurements and hands them to
//! the response future.

use super::future::ResponseFuture;
use super::layer::{method_key, Shared, UNMATCHED_ROUTE};
use super::recorder::{PendingRoute, Principals, Recorder, RouteRef};
use axum::extract::MatchedPath;
use http::{Request, Response};
use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use tower_service::Service;

/// The service [`PerfmonLayer`](super::PerfmonLayer) wraps around each
/// inner service.
#[derive(Clone)]
pub struct PerfmonService<S> {
    inner: S,
    shared: Arc<Shared>,
}

impl<S: fmt::Debug> fmt::Debug for PerfmonService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerfmonService")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<S> PerfmonService<S> {
    pub(crate) fn new(inner: S, shared: Arc<Shared>) -> Self {
        PerfmonService { inner, shared }
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped service, mutably.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The wrapped service, by value.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for PerfmonService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<super::PerfmonBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let shared = &*self.shared;
        if shared.is_excluded(req.uri().path()) {
            return ResponseFuture::new(self.inner.call(req), None);
        }
        let method = method_key(req.method());
        let template = req.extensions().get::<MatchedPath>();
        let found = shared.find(
            method,
            template.map_or(UNMATCHED_ROUTE, MatchedPath::as_str),
        );
        let route = match found {
            Some(route) => RouteRef::Known(route),
            None => RouteRef::Pending(Box::new(PendingRoute {
                shared: self.shared.clone(),
                method,
                template: template.cloned(),
            })),
        };
        if shared.user.is_none() && shared.tenant.is_none() {
            return self.start(route, None, req);
        }
        let (parts, body) = req.into_parts();
        let principals = Principals {
            user: shared.user.as_ref().and_then(|f| f(&parts)),
            tenant: shared.tenant.as_ref().and_then(|f| f(&parts)),
        };
        self.start(
            route,
            Some(Box::new(principals)),
            Request::from_parts(parts, body),
        )
    }
}

impl<S> PerfmonService<S> {
    #[inline(always)]
    fn start<ReqBody>(
        &mut self,
        route: RouteRef,
        principals: Option<Box<Principals>>,
        req: Request<ReqBody>,
    ) -> ResponseFuture<S::Future>
    where
        S: Service<Request<ReqBody>>,
    {
        // Carried by value in the future, then the body (both boxed by axum
        // anyway): at about 100 bytes, moving it costs less than a box of
        // its own (measured under wrk, BENCHMARKS.md).
        let recorder = Recorder::start(route, principals);
        // Services may do work in `call` itself: it is in the request scope.
        let future = {
            let _scope = recorder.context.enter();
            self.inner.call(req)
        };
        ResponseFuture::new(future, Some(recorder))
    }
}
