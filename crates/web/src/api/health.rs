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
    /// `ok`; `degraded` when this server stopped following the database (a change another
    /// server committed could not be applied to its engine: its figures may be stale).
    pub status: String,
    pub backend: String,
    /// The newest audit row this server's engine has applied.
    pub seen: i64,
    /// Why the server stopped following, when it did.
    pub error: Option<String>,
}

/// Liveness and freshness: the server answers, the database is reachable, and the engine
/// follows the database. Degraded answers 503 with the reason.
#[utoipa::path(get, path = "/api/health", tag = "units",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub(crate) async fn health(State(st): State<AppState>) -> Result<Response, ApiError> {
    st.store.meta("demo").await?;
    let backend = match st.store.backend() {
        chiso_store::Backend::Sqlite => "sqlite",
        chiso_store::Backend::Postgres => "postgres",
    };
    let h = st.app.health();
    let code = if h.error.is_some() {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    } else {
        axum::http::StatusCode::OK
    };
    let body = Health {
        status: h.status.into(),
        backend: backend.into(),
        seen: h.seen,
        error: h.error,
    };
    Ok((code, Json(body)).into_response())
}

// ---- units -----------------------------------------------------------------------------------
