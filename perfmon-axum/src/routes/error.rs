//! The JSON error of every route, and extractors whose rejections are that
//! error instead of axum's plain-text ones.
//!
//! Every failure is a status and a body `{"error": "...", "parameter":
//! "minutes", "value": "-5"}` (`parameter` and `value` only when one input is
//! to blame).

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// Longest echo of a bad value in an error body (longer values are cut).
const MAX_ECHOED_VALUE: usize = 64;

/// The body of an error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong, in a sentence.
    pub error: String,
    /// The query parameter (or path segment, or `"body"`) at fault.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub parameter: Option<String>,
    /// The value received, cut to 64 characters.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub value: Option<String>,
}

/// An error response: a status and an [`ErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The status (400, 401, 404, 413, ...).
    pub status: StatusCode,
    /// The JSON body.
    pub body: ErrorBody,
}

impl ApiError {
    /// An error with a message and no parameter.
    pub fn new(status: StatusCode, error: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                error: error.into(),
                parameter: None,
                value: None,
            },
        }
    }

    /// A 400 naming the parameter and echoing (a prefix of) its value.
    pub fn bad_parameter(parameter: &str, value: &str, error: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            body: ErrorBody {
                error: error.into(),
                parameter: Some(parameter.to_owned()),
                value: Some(value.chars().take(MAX_ECHOED_VALUE).collect()),
            },
        }
    }

    /// A 404 with a message.
    pub fn not_found(error: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

/// The error a parameter's `Deserialize` impl raises: the [`ErrorBody`] as
/// JSON inside serde's message, so that [`ApiQuery`] can restore it from
/// axum's rejection text (which only carries the message).
pub(crate) fn param_error<E: serde::de::Error>(parameter: &str, value: &str, error: String) -> E {
    let body = ApiError::bad_parameter(parameter, value, error).body;
    E::custom(serde_json::to_string(&body).unwrap_or_default())
}

/// `Query<T>` whose rejection is a JSON 400 naming the parameter.
///
/// Unknown parameters are ignored (cache-busters such as `_=1700000000`
/// and parameters of newer versions must not break a dashboard); a
/// repeated known parameter is a 400.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(t)) => Ok(ApiQuery(t)),
            Err(rejection) => Err(query_rejection(&rejection)),
        }
    }
}

/// Turns axum's query rejection (text such as `Failed to deserialize query
/// string: minutes: {...}`) into the JSON error.
fn query_rejection(rejection: &QueryRejection) -> ApiError {
    let text = rejection.body_text();
    // Our parameters' errors carry the whole body as JSON.
    if let (Some(start), Some(end)) = (text.find('{'), text.rfind('}')) {
        if let Ok(body) = serde_json::from_str::<ErrorBody>(&text[start..=end]) {
            return ApiError {
                status: StatusCode::BAD_REQUEST,
                body,
            };
        }
    }
    // serde's own errors name the field in backticks: "duplicate field `minutes`".
    let detail = text
        .strip_prefix("Failed to deserialize query string: ")
        .unwrap_or(&text);
    let parameter = detail.split('`').nth(1).map(str::to_owned);
    let error = match &parameter {
        Some(p) if detail.contains("duplicate field") => format!("{p} is given more than once"),
        _ => format!("invalid query string: {detail}"),
    };
    ApiError {
        status: StatusCode::BAD_REQUEST,
        body: ErrorBody {
            error,
            parameter,
            value: None,
        },
    }
}

/// `Path<String>` whose rejection is a JSON 400.
#[derive(Debug, Clone)]
pub struct PathName(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathName {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(name)) => Ok(PathName(name)),
            Err(rejection) => Err(path_rejection(&rejection)),
        }
    }
}

fn path_rejection(rejection: &PathRejection) -> ApiError {
    ApiError {
        status: StatusCode::BAD_REQUEST,
        body: ErrorBody {
            error: format!("invalid path: {}", rejection.body_text()),
            parameter: Some("name".to_owned()),
            value: None,
        },
    }
}
