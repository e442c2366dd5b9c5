//! `GET /api/analytics` (and `.json`, `.csv`): DHIS2's analytics query form, answered from
//! the live engine.
//!
//! The query (`dimension=dx:A;B&dimension=pe:2023;LAST_12_MONTHS&filter=ou:58`, `asOf`,
//! `relativePeriodDate`) is parsed, resolved and evaluated by [`chiso_engine::analytics`];
//! here: the query string read, who may read the resolved units checked (public indicators,
//! else `require_scope` for each unit or group), the names the engine does not hold read from
//! the store, refusals turned into `ApiError`s, and the CSV written.

use crate::auth::{require_scope, Action, Who};
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::RawQuery;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chiso_core::Period;
use chiso_engine::analytics::{DataKind, Grid, Labels, Lang, Query, QueryError};

/// A refused query as the API says it: the parameter, and the reason naming the item.
fn api_error(e: QueryError) -> ApiError {
    match e {
        QueryError::Engine(e) => ApiError::from(e),
        other => ApiError::bad(other.param(), other.to_string()),
    }
}

/// A period's name in the answer's metadata.
fn period_name(p: &Period, lang: Lang) -> String {
    crate::format::period(
        p,
        match lang {
            Lang::En => crate::i18n::Lang::En,
            Lang::Vi => crate::i18n::Lang::Vi,
        },
    )
}

pub(crate) async fn grid(st: &AppState, raw: Option<String>, who: &Who) -> Result<Grid, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| ApiError::bad("query", format!("unreadable query: {e}")))?;
    let q = {
        let engine = st.app.read().await;
        Query::parse(&engine, pairs, crate::clock::today_in_vietnam())
            .and_then(|q| q.resolve(&engine))
            .map_err(api_error)?
    };
    let public = {
        let engine = st.app.read().await;
        let codes: Vec<&str> = q
            .data
            .iter()
            .map(|d| match d.kind {
                DataKind::Indicator(_) => d.id.as_str(),
                DataKind::Element { .. } => "",
            })
            .collect();
        crate::auth::public_indicators(st, who, &engine, &codes)
    };
    if !public {
        for ou in &q.units {
            require_scope(st, who, Action::Read, &ou.scope).await?;
        }
    }
    q.check_size().map_err(api_error)?;
    // Names the engine does not hold.
    let elements = st.store.elements().await?;
    let groups = st.store.groups().await?;
    let engine = st.app.read().await;
    let labels = Labels {
        elements: &elements,
        groups: &groups,
        period: &period_name,
    };
    q.evaluate(&engine, &labels).map_err(api_error)
}

/// Analytics as JSON, in DHIS2's response shape.
#[utoipa::path(get, path = "/api/analytics", tag = "analytics",
    params(
        ("dimension" = Vec<String>, Query, description = "dx:ITEM;ITEM, pe:PERIOD;RELATIVE_PERIOD, ou:UNIT;LEVEL-n;OU_GROUP-CODE (repeat the parameter)"),
        ("filter" = Option<Vec<String>>, Query, description = "Same form as dimension; the items are fixed, not listed in rows"),
        ("asOf" = Option<String>, Query, description = "Read the figures in the structure of this date (YYYY-MM-DD)"),
        ("relativePeriodDate" = Option<String>, Query, description = "The date relative periods count from (default: today in Vietnam)")
    ),
    responses((status = 200, body = Grid), (status = 400, body = ErrorBody)))]
pub async fn analytics(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Grid>, ApiError> {
    Ok(Json(grid(&st, raw, &who).await?))
}

/// Analytics as JSON at the path DHIS2 clients also use (`/api/analytics.json`).
#[utoipa::path(get, path = "/api/analytics.json", tag = "analytics",
    params(
        ("dimension" = Vec<String>, Query, description = "As for /api/analytics"),
        ("filter" = Option<Vec<String>>, Query, description = "As for /api/analytics"),
        ("asOf" = Option<String>, Query, description = "As for /api/analytics")
    ),
    responses((status = 200, body = Grid), (status = 400, body = ErrorBody)))]
pub async fn analytics_json(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Grid>, ApiError> {
    Ok(Json(grid(&st, raw, &who).await?))
}

/// Analytics as CSV: a header line of column names, then one line per row.
#[utoipa::path(get, path = "/api/analytics.csv", tag = "analytics",
    params(
        ("dimension" = Vec<String>, Query, description = "As for /api/analytics"),
        ("filter" = Option<Vec<String>>, Query, description = "As for /api/analytics"),
        ("asOf" = Option<String>, Query, description = "As for /api/analytics")
    ),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ErrorBody)))]
pub async fn analytics_csv(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let g = grid(&st, raw, &who).await?;
    let esc = |s: &str| {
        if s.contains([',', '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = g
        .headers
        .iter()
        .map(|h| esc(&h.column))
        .collect::<Vec<_>>()
        .join(",");
    out.push('\n');
    for r in &g.rows {
        out.push_str(&r.iter().map(|c| esc(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    Ok(([(CONTENT_TYPE, "text/csv; charset=utf-8")], out).into_response())
}
