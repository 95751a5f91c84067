//! The application: a parts inventory behind a session login, with its
//! "database" and two caches simulated in memory (`db`). Every function
//! that the dashboard should show is annotated with `#[monitor_performance]`;
//! `app` puts the routes, the monitoring router and `PerfmonLayer` together.

mod db;

pub use db::{jitter, seed, sleep_ms, Db};

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use db::{
    db_delete_part, db_insert_part, db_list_parts, db_monthly_aggregate, db_select_part,
    db_select_stock, db_update_part, forget, l1_part, l2_part, remember, Part,
};
use perfmon::axum::{dashboard, PerfmonLayer, RouterOptions};
use perfmon::monitor_performance;
use serde::Deserialize;
use serde_json::{json, Value};
use std::fmt;
use std::sync::Arc;

/// `POST /login`.
#[derive(Debug, Deserialize)]
struct LoginRequest {
    user: String,
    password: String,
}

/// `POST /parts`.
#[derive(Debug, Deserialize)]
struct NewPart {
    name: String,
    stock: u32,
}

/// `PUT /parts/{id}`.
#[derive(Debug, Deserialize)]
struct StockUpdate {
    stock: u32,
}

/// A JSON body of type `T`, or why it is not one (answered as a 400 through
/// `AppError`, like the service's other errors).
type Body<T> = Result<Json<T>, JsonRejection>;

pub type AppState = Arc<Db>;

#[derive(Debug)]
pub enum AppError {
    BadCredentials,
    Unauthenticated,
    Forbidden(&'static str),
    NotFound(u64),
    BadRequest(String),
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::BadCredentials => f.write_str("bad credentials"),
            AppError::Unauthenticated => f.write_str("no session"),
            AppError::Forbidden(action) => write!(f, "not allowed to {action}"),
            AppError::NotFound(id) => write!(f, "part {id} not found"),
            AppError::BadRequest(why) => write!(f, "bad request: {why}"),
        }
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        AppError::BadRequest(rejection.body_text())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = match self {
            AppError::BadCredentials | AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
        };
        (status, Json(json!({ "error": self.to_string() }))).into_response()
    }
}

#[monitor_performance(
    kind = "authentication",
    name = "auth.verify_credentials",
    params(user)
)]
async fn verify_credentials(user: &str, password: &str) -> Result<String, AppError> {
    sleep_ms(25 + jitter(40)).await; // a password hash is slow on purpose
    if password == "hunter2" && user != "mallory" && !user.is_empty() {
        Ok(format!("sess-{user}"))
    } else {
        Err(AppError::BadCredentials)
    }
}

#[monitor_performance(
    kind = "authorization",
    name = "auth.check_permission",
    params(user, action)
)]
async fn check_permission(user: &str, action: &'static str) -> Result<(), AppError> {
    sleep_ms(1 + jitter(3)).await;
    match (user, action) {
        ("admin", _) | (_, "parts.read") => Ok(()),
        _ => Err(AppError::Forbidden(action)),
    }
}

/// The session's user: `Authorization: Bearer sess-<user>`.
fn session_user(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer sess-")
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
}

/// The signed-in user of a request (from `POST /login`); a request without
/// a session is answered 401. What the user may do is checked by each
/// handler with `check_permission`.
struct Session {
    user: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let user = session_user(&parts.headers).ok_or(AppError::Unauthenticated)?;
        Ok(Session { user })
    }
}

async fn login(body: Body<LoginRequest>) -> Result<Json<Value>, AppError> {
    let Json(login) = body?;
    let session = verify_credentials(&login.user, &login.password).await?;
    Ok(Json(json!({ "session": session })))
}

async fn list_parts(
    State(db): State<AppState>,
    session: Session,
) -> Result<Json<Vec<Part>>, AppError> {
    check_permission(&session.user, "parts.read").await?;
    Ok(Json(db_list_parts(&db).await))
}

async fn create_part(
    State(db): State<AppState>,
    session: Session,
    body: Body<NewPart>,
) -> Result<(StatusCode, Json<Part>), AppError> {
    check_permission(&session.user, "parts.write").await?;
    let Json(new) = body?;
    let part = db_insert_part(&db, new.name, new.stock).await;
    Ok((StatusCode::CREATED, Json(part)))
}

async fn get_part(
    State(db): State<AppState>,
    Path(id): Path<u64>,
    session: Session,
) -> Result<Json<Part>, AppError> {
    check_permission(&session.user, "parts.read").await?;
    if let Some(part) = l1_part(&db, id) {
        return Ok(Json(part));
    }
    if let Some(part) = l2_part(&db, id).await {
        remember(&db, &part);
        return Ok(Json(part));
    }
    let part = db_select_part(&db, id)
        .await
        .ok_or(AppError::NotFound(id))?;
    remember(&db, &part);
    Ok(Json(part))
}

async fn update_part(
    State(db): State<AppState>,
    Path(id): Path<u64>,
    session: Session,
    body: Body<StockUpdate>,
) -> Result<Json<Part>, AppError> {
    check_permission(&session.user, "parts.write").await?;
    let Json(update) = body?;
    let part = db_update_part(&db, id, update.stock).await?;
    forget(&db, id);
    Ok(Json(part))
}

async fn delete_part(
    State(db): State<AppState>,
    Path(id): Path<u64>,
    session: Session,
) -> Result<StatusCode, AppError> {
    check_permission(&session.user, "parts.write").await?;
    db_delete_part(&db, id).await?;
    forget(&db, id);
    Ok(StatusCode::NO_CONTENT)
}

/// The N+1 pattern: one query for the list, then one more per part.
async fn inventory(State(db): State<AppState>, session: Session) -> Result<Json<Value>, AppError> {
    check_permission(&session.user, "parts.read").await?;
    let mut rows = Vec::new();
    for part in db_list_parts(&db).await {
        let stock = db_select_stock(&db, part.id).await;
        rows.push(json!({ "id": part.id, "name": part.name, "stock": stock }));
    }
    Ok(Json(Value::Array(rows)))
}

async fn monthly_report(
    State(db): State<AppState>,
    session: Session,
) -> Result<Json<Value>, AppError> {
    check_permission(&session.user, "parts.read").await?;
    let (parts, stock) = db_monthly_aggregate(&db).await;
    Ok(Json(json!({ "parts": parts, "total_stock": stock })))
}

pub fn app(db: AppState, token: &str) -> Result<Router, perfmon::axum::TokenError> {
    // The dashboard page is served at the router's `/` (public; the data it
    // reads needs the token).
    let monitoring = perfmon::axum::router(RouterOptions::with_token(token)?);
    Ok(Router::new()
        .route("/login", axum::routing::post(login))
        .route("/parts", get(list_parts).post(create_part))
        .route(
            "/parts/{id}",
            get(get_part).put(update_part).delete(delete_part),
        )
        .route("/inventory", get(inventory))
        .route("/reports/monthly", get(monthly_report))
        .with_state(db)
        // axum's `nest` serves the nested `/` at `/performance` only.
        .route("/performance/", get(dashboard::page))
        .nest("/performance", monitoring)
        .layer(PerfmonLayer::new().user(|parts: &Parts| session_user(&parts.headers))))
}
