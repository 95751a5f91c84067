//! [`PerfmonService`]: starts a request's measurements and hands them to
//! the response future.

use super::future::ResponseFuture;
use super::layer::{method_key, Settings};
use super::recorder::{PendingRoute, Rare, Recorder};
use super::route::Route;
use axum::extract::MatchedPath;
use http::{Request, Response};
use std::fmt;
use std::task::{Context, Poll};
use tower_service::Service;

/// The service [`PerfmonLayer`](super::PerfmonLayer) wraps around each
/// inner service.
#[derive(Clone)]
pub struct PerfmonService<S> {
    inner: S,
    settings: Settings,
}

impl<S: fmt::Debug> fmt::Debug for PerfmonService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PerfmonService")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<S> PerfmonService<S> {
    pub(crate) fn new(inner: S, settings: Settings) -> Self {
        PerfmonService { inner, settings }
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
        let extra = self.settings.extra.as_deref();
        if extra.is_some_and(|e| e.is_excluded(req.uri().path())) {
            return ResponseFuture::new(self.inner.call(req), None);
        }
        let (thresholds, sink) = (self.settings.thresholds, self.settings.sink);
        let method = method_key(req.method());
        let template = req.extensions().get::<MatchedPath>();
        let route = Route::find(method, template, thresholds, sink);
        let extractors = extra.filter(|e| e.user.is_some() || e.tenant.is_some());
        if route.is_some() && extractors.is_none() {
            return self.start(route, None, req);
        }
        let mut rare = Box::new(Rare::default());
        if route.is_none() {
            rare.pending = Some(PendingRoute {
                method,
                thresholds,
                sink,
                template: template.cloned(),
            });
        }
        let Some(extract) = extractors else {
            return self.start(route, Some(rare), req);
        };
        let (parts, body) = req.into_parts();
        rare.user = extract.user.as_ref().and_then(|f| f(&parts));
        rare.tenant = extract.tenant.as_ref().and_then(|f| f(&parts));
        self.start(route, Some(rare), Request::from_parts(parts, body))
    }
}

impl<S> PerfmonService<S> {
    #[inline(always)]
    fn start<ReqBody>(
        &mut self,
        route: Option<&'static Route>,
        rare: Option<Box<Rare>>,
        req: Request<ReqBody>,
    ) -> ResponseFuture<S::Future>
    where
        S: Service<Request<ReqBody>>,
    {
        // Carried by value in the future, then the body (both boxed by axum
        // anyway): at 64 bytes, moving it costs less than a box of its own
        // (measured in process, BENCHMARKS.md).
        let recorder = Recorder::start(route, rare, self.settings.sink);
        // Services may do work in `call` itself: it is in the request scope.
        let future = recorder.context.scope(|| self.inner.call(req));
        ResponseFuture::new(future, Some(recorder))
    }
}
