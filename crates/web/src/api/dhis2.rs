//! DHIS2's dataValueSets at DHIS2's own paths (JSON and CSV, versioned paths too), with
//! `Authorization: ApiToken …`.

use crate::api::imports::*;
use crate::auth::Who;
use crate::error::{ApiError, ErrorBody};
use crate::params::*;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chiso_collect::{FieldNames, ImportError};
use chiso_core::Via;
use chiso_io::FileError;
use serde::Deserialize;
use utoipa::IntoParams;

/// DHIS2's data value export as JSON: `dataSet`, `period` (or `startDate` and `endDate`) and
/// `orgUnit` are required, as in DHIS2; `children=true` adds the units below.
#[utoipa::path(get, path = "/api/dataValueSets", tag = "dhis2", params(ExportQuery),
    responses((status = 200, description = "a dataValueSet", content_type = "application/json"), (status = 400, body = ErrorBody)))]
pub(crate) async fn dvs_get_json(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let (ds, values) = export_query(&st, &who, &q, true).await?;
    let mut resp =
        stream_export(st.store.clone(), values, ExportFormat::Dhis2Json, ds).into_response();
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    Ok(resp)
}

/// DHIS2's data value export as CSV (DHIS2's columns).
#[utoipa::path(get, path = "/api/dataValueSets.csv", tag = "dhis2", params(ExportQuery),
    responses((status = 200, description = "CSV", content_type = "application/csv")))]
pub(crate) async fn dvs_get_csv(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let (_, values) = export_query(&st, &who, &q, true).await?;
    let mut resp =
        stream_export(st.store.clone(), values, ExportFormat::Dhis2Csv, None).into_response();
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/csv; charset=utf-8"),
    );
    Ok(resp)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DvsImportQuery {
    #[serde(rename = "dryRun", default)]
    pub dry_run: bool,
    #[serde(rename = "importStrategy")]
    pub import_strategy: Option<String>,
    #[serde(rename = "idScheme")]
    pub id_scheme: Option<String>,
    #[serde(rename = "dataElementIdScheme")]
    pub data_element_id_scheme: Option<String>,
    #[serde(rename = "orgUnitIdScheme")]
    pub org_unit_id_scheme: Option<String>,
    #[serde(rename = "categoryOptionComboIdScheme")]
    pub coc_id_scheme: Option<String>,
    /// Accepted for DHIS2 clients, which send it; it changes nothing here (the import is
    /// always checked whole and synchronous, and always audited).
    #[allow(dead_code)]
    #[serde(rename = "preheatCache")]
    pub preheat_cache: Option<bool>,
    #[allow(dead_code)]
    #[serde(rename = "async")]
    pub is_async: Option<bool>,
    #[allow(dead_code)]
    #[serde(rename = "skipAudit")]
    pub skip_audit: Option<bool>,
}

/// DHIS2's data value import: a dataValueSets JSON body (or CSV with `Content-Type:
/// application/csv`), answered with DHIS2's import summary. Authenticate with
/// `Authorization: ApiToken …`. chiso imports all or nothing: with any conflict nothing is
/// written (status ERROR, HTTP 409).
#[utoipa::path(post, path = "/api/dataValueSets", tag = "dhis2", params(DvsImportQuery),
    request_body(content_type = "application/json", content = String),
    responses((status = 200, description = "DHIS2 web message with an import summary"), (status = 409, description = "DHIS2 web message with conflicts")))]
pub(crate) async fn dvs_post(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<DvsImportQuery>, QueryRejection>,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    use chiso_io::dhis2::{http_status_code, web_message, Conflict, ImportCount, ImportSummary};
    let q = query(q)?;
    let bytes = upload_body(b, &who)?;
    check_schemes(&[
        ("idScheme", &q.id_scheme),
        ("dataElementIdScheme", &q.data_element_id_scheme),
        ("orgUnitIdScheme", &q.org_unit_id_scheme),
        ("categoryOptionComboIdScheme", &q.coc_id_scheme),
    ])?;
    let strategy = strategy_param(q.import_strategy.as_deref())?;
    let mut options = chiso_io::dhis2::ImportOptions {
        dry_run: q.dry_run,
        import_strategy: strategy.as_str().into(),
        ..Default::default()
    };
    if let Some(s) = &q.id_scheme {
        options.id_schemes.insert(
            "idScheme".into(),
            serde_json::Value::String(s.to_ascii_uppercase()),
        );
    }
    let csv = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("csv"));
    let file = if csv {
        "dataValueSets.csv"
    } else {
        "dataValueSets.json"
    };
    let body = bytes.clone();
    let read = crate::params::blocking(move || {
        if csv {
            chiso_io::csv_values::read_csv(file, &body).map(|r| (r, FieldNames::DHIS2_CSV))
        } else {
            chiso_io::dhis2::read_dhis2_json(file, &body).map(|(_, r)| (r, FieldNames::DHIS2_JSON))
        }
    })
    .await?;
    let conflict = |e: &FileError| Conflict {
        object: match (&e.column, e.row) {
            (Some(c), r) if r > 0 => format!("{c} (dataValues[{}])", r - 1),
            (None, r) if r > 0 => format!("dataValues[{}]", r - 1),
            _ => file.to_string(),
        },
        value: e.reason.clone(),
        error_code: Some("E7600".into()),
        property: e.column.clone(),
        indexes: if e.row > 0 {
            vec![e.row - 1]
        } else {
            Vec::new()
        },
    };
    let summary = match read {
        Err(errs) => ImportSummary::new(
            options,
            ImportCount::default(),
            errs.iter().map(conflict).collect(),
        ),
        Ok((rows, names)) => {
            match import(&st, &who, file, &rows, names, q.dry_run, strategy, Via::Api).await {
                Ok(out) => ImportSummary::new(
                    options,
                    ImportCount {
                        imported: out.changes.inserted,
                        updated: out.changes.updated,
                        ignored: out.ignored + out.changes.unchanged,
                        deleted: out.changes.deleted,
                    },
                    Vec::new(),
                ),
                Err(ImportError::Rejected(errs)) => {
                    let n = rows.len() as u64;
                    ImportSummary::new(
                        options,
                        ImportCount {
                            ignored: n,
                            ..Default::default()
                        },
                        errs.iter().map(conflict).collect(),
                    )
                }
                Err(ImportError::Store(e)) => return Err(e.into()),
            }
        }
    };
    let status = StatusCode::from_u16(http_status_code(&summary)).unwrap_or(StatusCode::OK);
    Ok((status, Json(web_message(&summary))).into_response())
}

/// The same as `GET /api/dataValueSets` (DHIS2 clients add the extension).
#[utoipa::path(get, path = "/api/dataValueSets.json", tag = "dhis2", params(ExportQuery),
    responses((status = 200, description = "a dataValueSet", content_type = "application/json"), (status = 400, body = ErrorBody)))]
pub(crate) async fn dvs_get_json_ext(
    who: Extension<Who>,
    st: State<AppState>,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    dvs_get_json(who, st, q).await
}

/// The same as `POST /api/dataValueSets`.
#[utoipa::path(post, path = "/api/dataValueSets.json", tag = "dhis2", params(DvsImportQuery),
    request_body(content_type = "application/json", content = String),
    responses((status = 200, description = "DHIS2 web message with an import summary"), (status = 409, description = "DHIS2 web message with conflicts")))]
pub(crate) async fn dvs_post_json_ext(
    who: Extension<Who>,
    st: State<AppState>,
    headers: HeaderMap,
    q: Result<Query<DvsImportQuery>, QueryRejection>,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    dvs_post(who, st, headers, q, b).await
}

/// DHIS2 clients that name the API version (`/api/40/dataValueSets`) reach the same export.
#[utoipa::path(get, path = "/api/{version}/dataValueSets", tag = "dhis2",
    params(("version" = String, Path, description = "DHIS2's API version, e.g. 40"), ExportQuery),
    responses((status = 200, description = "a dataValueSet", content_type = "application/json"), (status = 404, body = ErrorBody)))]
pub(crate) async fn dvs_get_versioned(
    who: Extension<Who>,
    st: State<AppState>,
    Path(version): Path<String>,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    api_version(&version)?;
    dvs_get_json(who, st, q).await
}

/// DHIS2 clients that name the API version (`/api/40/dataValueSets`) reach the same import.
#[utoipa::path(post, path = "/api/{version}/dataValueSets", tag = "dhis2",
    params(("version" = String, Path, description = "DHIS2's API version, e.g. 40"), DvsImportQuery),
    request_body(content_type = "application/json", content = String),
    responses((status = 200, description = "DHIS2 web message with an import summary"), (status = 409, description = "DHIS2 web message with conflicts")))]
pub(crate) async fn dvs_post_versioned(
    who: Extension<Who>,
    st: State<AppState>,
    Path(version): Path<String>,
    headers: HeaderMap,
    q: Result<Query<DvsImportQuery>, QueryRejection>,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    api_version(&version)?;
    dvs_post(who, st, headers, q, b).await
}

/// DHIS2's API versions are numbers (28 to 99).
pub(crate) fn api_version(v: &str) -> Result<(), ApiError> {
    match v.parse::<u16>() {
        Ok(n) if (28..100).contains(&n) => Ok(()),
        _ => Err(ApiError::NotFound(
            "there is no such page or API route".into(),
        )),
    }
}
