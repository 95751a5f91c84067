//! `GET /benchmarks` and `POST /benchmarks/validate`.

use super::error::ApiError;
use super::Shared;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::Json;
use perfmon_analysis::RegistryExt;
use perfmon_analysis::{Benchmark, BenchmarkFileError, BenchmarkRow, Benchmarks};
use serde::Serialize;
use std::sync::Arc;

/// Largest body of `POST /benchmarks/validate`.
pub(crate) const MAX_BODY_BYTES: usize = 256 * 1024;
/// Most benchmarks validated in one request.
const MAX_BENCHMARKS: usize = 1000;

/// The body of `GET /benchmarks`.
#[derive(Debug, Serialize)]
pub(crate) struct BenchmarksBody {
    count: usize,
    /// In the file format: `operation`, `threshold_ms`, `statistic`,
    /// `min_samples`.
    benchmarks: Vec<Benchmark>,
}

pub(crate) async fn list(State(shared): State<Arc<Shared>>) -> Json<BenchmarksBody> {
    Json(BenchmarksBody {
        count: shared.benchmarks.len(),
        benchmarks: shared.benchmarks.as_slice().to_vec(),
    })
}

/// The body of `POST /benchmarks/validate`. The status is 200 whether or not
/// the benchmarks pass: the verdict is `passed`.
#[derive(Debug, Serialize)]
pub(crate) struct ValidationBody {
    /// At least one benchmark, and every one passed.
    passed: bool,
    passed_count: usize,
    failed_count: usize,
    /// One row per benchmark, in the order given.
    rows: Vec<BenchmarkRow>,
}

/// Validates the benchmarks of the body (the JSON file format of
/// [`Benchmarks`]), or the configured ones when the body is empty.
pub(crate) async fn validate(
    State(shared): State<Arc<Shared>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ValidationBody>, ApiError> {
    let body = body.map_err(|e| {
        ApiError::new(
            e.status(),
            format!("could not read the body: {}", e.body_text()),
        )
    })?;
    let text = std::str::from_utf8(&body)
        .map_err(|e| ApiError::bad_parameter("body", "", format!("the body is not UTF-8: {e}")))?;
    let parsed;
    let benchmarks = if text.trim().is_empty() {
        &shared.benchmarks
    } else {
        parsed = Benchmarks::from_json_str(text).map_err(|e| {
            let message = match &e {
                BenchmarkFileError::Syntax { message, .. } => message.clone(),
                other => other.to_string(),
            };
            ApiError::bad_parameter(
                "body",
                "",
                format!("the body is not a benchmarks file: {message}"),
            )
        })?;
        &parsed
    };
    if benchmarks.len() > MAX_BENCHMARKS {
        return Err(ApiError::bad_parameter(
            "body",
            &benchmarks.len().to_string(),
            format!("at most {MAX_BENCHMARKS} benchmarks per request"),
        ));
    }
    let report = shared.registry.validate_benchmarks(benchmarks.as_slice());
    Ok(Json(ValidationBody {
        passed: report.passed(),
        passed_count: report.passed_count(),
        failed_count: report.failed_count(),
        rows: report.rows,
    }))
}
