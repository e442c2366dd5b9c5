//! Plans and products as Excel workbooks, out and in.

use crate::api::plans::load_plan;
use crate::api::plans::save_plans;
use crate::api::register::save_register;
use crate::auth::{allowed, require, Action, Who};
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chiso_core::plan::*;
use chiso_store::{Changes, FieldError, UnitQuery};

pub(crate) fn xlsx_response(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// A plan as an XLSX workbook (sheets "KeHoach" and "NhiemVu"), in the template the import
/// reads back.
#[utoipa::path(get, path = "/api/plans/{code}/xlsx", tag = "plans",
    params(("code" = String, Path, description = "Plan code")),
    responses((status = 200, description = "XLSX workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 404, body = ErrorBody)))]
pub(crate) async fn export_plan(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path(c): Path<String>,
) -> Result<Response, ApiError> {
    let plan = load_plan(&st, &who, &c).await?;
    let bytes = chiso_io::plans_xlsx::write_plans(std::slice::from_ref(&plan))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(xlsx_response(bytes, &format!("{}.xlsx", plan.code)))
}

/// Import plans from an XLSX workbook in the export's template (the request body is the
/// file). Refused whole, naming sheet, row, column and reason, when any cell is wrong.
#[utoipa::path(post, path = "/api/plans/import", tag = "plans",
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    responses((status = 200, body = Changes), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn import_plans(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    bytes: Bytes,
) -> Result<Json<Changes>, ApiError> {
    let units = unit_codes(&st).await?;
    let plans = crate::params::blocking(move || {
        chiso_io::plans_xlsx::read_plans(&bytes, &|c: &str| units.contains(c))
    })
    .await?
    .map_err(cell_errors)?;
    Ok(Json(save_plans(&st, &who, plans).await?))
}

pub(crate) fn cell_errors(errs: Vec<chiso_io::FileError>) -> ApiError {
    ApiError::Invalid(
        errs.into_iter()
            .map(|e| {
                let sheet = e.sheet.as_deref().unwrap_or("-");
                let column = e.column.as_deref().unwrap_or("-");
                FieldError::new(
                    Some(e.row.saturating_sub(1)),
                    &format!("{sheet}!{column}{}", e.row),
                    e.to_string(),
                )
            })
            .collect(),
    )
}

pub(crate) async fn unit_codes(
    st: &AppState,
) -> Result<std::collections::HashSet<String>, ApiError> {
    Ok(st
        .store
        .units(&UnitQuery::default())
        .await?
        .into_iter()
        .map(|u| u.unit.code.to_string())
        .collect())
}

/// Register DX products from an XLSX workbook in the export's template (sheet "SanPham");
/// each unit registers its own. Refused whole, naming sheet, row, column and reason.
#[utoipa::path(post, path = "/api/register/import", tag = "plans",
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    responses((status = 200, body = Changes), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn import_products(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    bytes: Bytes,
) -> Result<Json<Changes>, ApiError> {
    let units = unit_codes(&st).await?;
    let products = crate::params::blocking(move || {
        chiso_io::plans_xlsx::read_products(&bytes, &|c: &str| units.contains(c))
    })
    .await?
    .map_err(cell_errors)?;
    let entries = products.into_iter().map(RegisterEntry::Product).collect();
    Ok(Json(save_register(&st, &who, entries).await?))
}

/// The DX products register as an XLSX workbook (sheet "SanPham").
#[utoipa::path(get, path = "/api/register/xlsx", tag = "plans",
    responses((status = 200, description = "XLSX workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")))]
pub(crate) async fn export_products(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
) -> Result<Response, ApiError> {
    // Lists show only what the caller may read; an anonymous caller of a private server
    // is asked to log in.
    require(&st, &who, Action::ReadMeta, &[]).await?;
    let entries = st.store.register(Some(RegisterKind::Product)).await?;
    let engine = st.app.read().await;
    let products: Vec<chiso_core::plan::Product> = entries
        .into_iter()
        .filter_map(|e| match e {
            RegisterEntry::Product(p) => Some(p),
            _ => None,
        })
        .filter(|p| {
            allowed(
                &who,
                Action::Read,
                Some(p.owner.as_str()),
                &engine,
                st.auth.public_read,
            )
        })
        .collect();
    drop(engine);
    let bytes = chiso_io::plans_xlsx::write_products(&products)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(xlsx_response(bytes, "san-pham-cds.xlsx"))
}

// ---- roadmap -------------------------------------------------------------------------------
