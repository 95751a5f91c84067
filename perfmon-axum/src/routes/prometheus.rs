//! `GET /prometheus` (and `/metrics` of
//! [`prometheus_router`](crate::prometheus_router)): the registry in the
//! Prometheus text format, or OpenMetrics with `?format=openmetrics`.

use super::error::ApiQuery;
use super::params::ExportFormat;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Query of `/prometheus`.
#[derive(Debug, Deserialize)]
pub(crate) struct FormatQuery {
    format: Option<ExportFormat>,
}

pub(crate) async fn text(ApiQuery(q): ApiQuery<FormatQuery>) -> Response {
    let format = q.format.unwrap_or_default().0;
    let text = perfmon_analysis::export::prometheus(format);
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    response
}
