//! `GET /prometheus` (and `/metrics` of
//! [`prometheus_router`](crate::prometheus_router)): the registry in the
//! Prometheus text format, or OpenMetrics with `?format=openmetrics`.

use super::error::ApiQuery;
use super::params::ExportFormat;
use super::Shared;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use perfmon_analysis::export::{PrometheusExport, PrometheusWriter};
use serde::Deserialize;
use std::sync::Arc;

/// Query of `/prometheus`.
#[derive(Debug, Deserialize)]
pub(crate) struct FormatQuery {
    format: Option<ExportFormat>,
}

pub(crate) async fn text(
    State(shared): State<Arc<Shared>>,
    ApiQuery(q): ApiQuery<FormatQuery>,
) -> Response {
    let format = q.format.unwrap_or_default().0;
    let mut w = PrometheusWriter::new(format);
    PrometheusExport::new().write_registry(&mut w, &shared.registry);
    w.counter(
        "perfmon_http_auth_failures",
        "Requests to the monitoring routes refused for missing or wrong credentials.",
    )
    .sample(&[], shared.gate.refused() as f64);
    let text = w.finish();
    let mut response = text.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    response
}
