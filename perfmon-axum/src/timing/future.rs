//! [`ResponseFuture`]: polls the inner service's future inside the request
//! scope and moves the measurements into the response body.

use super::body::PerfmonBody;
use super::recorder::{Recorder, Stage};
use crate::MonitoringResponse;
use http::Response;
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pin_project! {
    /// The response future of [`PerfmonService`](super::PerfmonService).
    ///
    /// Dropped before the inner service answered (a client gone, a timeout),
    /// the request is recorded as cancelled.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        recorder: Option<Recorder>,
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn new(inner: F, recorder: Option<Recorder>) -> Self {
        ResponseFuture { inner, recorder }
    }
}

/// Marks the request as panicked if dropped while unwinding out of the
/// inner future's `poll`.
struct PanicGuard<'a>(&'a mut Recorder);

impl Drop for PanicGuard<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.stage = Stage::Panicked;
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<PerfmonBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = match this.recorder.as_mut() {
            None => std::task::ready!(this.inner.poll(cx)),
            Some(recorder) => {
                let guard = PanicGuard(recorder);
                let polled = guard.0.context.scope(|| this.inner.poll(cx));
                drop(guard);
                std::task::ready!(polled)
            }
        };
        let mut recorder = this.recorder.take();
        match result {
            Ok(response) => {
                if let Some(r) = recorder.as_mut() {
                    r.stage = Stage::Responded(response.status().as_u16());
                    if response.extensions().get::<MonitoringResponse>().is_some() {
                        r.disarm();
                    }
                }
                Poll::Ready(Ok(response.map(|body| PerfmonBody::new(body, recorder))))
            }
            Err(error) => {
                if let Some(r) = recorder.as_mut() {
                    r.stage = Stage::ServiceError;
                }
                Poll::Ready(Err(error))
            }
        }
    }
}
