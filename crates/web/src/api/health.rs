//! Liveness and freshness of the server.

use crate::error::ApiError;
use crate::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`; `degraded` when the database does not answer, or when this server stopped
    /// following it (a change another server committed could not be applied to its engine:
    /// its figures may be stale).
    pub status: String,
    pub backend: String,
    /// Whether the database answered just now (within the connect and statement timeouts).
    pub database_reachable: bool,
    /// Why it did not, when it did not.
    pub database_error: Option<String>,
    /// The newest audit row this server's engine has applied.
    pub seen: i64,
    /// The newest audit row in the database (at the last check that reached it).
    pub head: i64,
    /// How far the engine is behind the database: audit rows (by id) not yet applied.
    pub lag_rows: i64,
    /// … and seconds since the engine was last in step with the database (0 when it is).
    pub lag_seconds: f64,
    /// Why the server stopped following, when it did.
    pub error: Option<String>,
}

/// Liveness and freshness: the server answers, the database is reachable, and the engine
/// follows the database, with its lag. Degraded answers 503 (with `Retry-After`) and the
/// reason; the answer never waits longer than the database timeouts.
#[utoipa::path(get, path = "/api/health", tag = "units",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub(crate) async fn health(State(st): State<AppState>) -> Result<Response, ApiError> {
    let backend = match st.store.backend() {
        chiso_store::Backend::Sqlite => "sqlite",
        chiso_store::Backend::Postgres => "postgres",
    };
    let h = st.app.check().await;
    let code = if h.status == "ok" {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    };
    let body = Health {
        status: h.status.into(),
        backend: backend.into(),
        database_reachable: h.database_reachable,
        database_error: h.database_error,
        seen: h.seen,
        head: h.head,
        lag_rows: h.lag_rows,
        lag_seconds: (h.lag_seconds * 1000.0).round() / 1000.0,
        error: h.error,
    };
    Ok((code, Json(body)).into_response())
}

// ---- units -----------------------------------------------------------------------------------
