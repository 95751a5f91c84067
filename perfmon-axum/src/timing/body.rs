//! [`PerfmonBody`]: forwards the response body and ends the request's
//! measurements when the body ends or is dropped.

use super::recorder::{Recorder, Stage};
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use std::pin::Pin;
use std::task::{Context, Poll};

pin_project! {
    /// The response body of [`PerfmonService`](super::PerfmonService): the
    /// inner body, unchanged, plus the request's measurements.
    ///
    /// The request is recorded once: when the body returns its end
    /// (`None`) or an error, or else when the body is dropped (an empty
    /// body a server never polls; a client gone mid-stream: recorded with
    /// the time until the drop and the response's status).
    pub struct PerfmonBody<B> {
        #[pin]
        inner: B,
        recorder: Option<Recorder>,
    }
}

impl<B> PerfmonBody<B> {
    pub(crate) fn new(inner: B, recorder: Option<Recorder>) -> Self {
        PerfmonBody { inner, recorder }
    }
}

impl<B: std::fmt::Debug> std::fmt::Debug for PerfmonBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PerfmonBody")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<B: Body> Body for PerfmonBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let polled = match this.recorder.as_ref() {
            Some(r) => r.context.scope(|| this.inner.poll_frame(cx)),
            None => this.inner.poll_frame(cx),
        };
        match &polled {
            Poll::Ready(None) => drop(this.recorder.take()),
            Poll::Ready(Some(Err(_))) => {
                if let Some(mut r) = this.recorder.take() {
                    if let Stage::Responded(status) = r.stage {
                        r.stage = Stage::BodyError(status);
                    }
                }
            }
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
