//! Data elements, breakdowns, indicators and constants.

use crate::auth::{require, Action, Who};
use crate::error::{ApiError, ErrorBody};
use crate::params::*;
use crate::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{OriginalUri, Path, State};
use axum::response::Response;
use axum::{Extension, Json};
use chiso_core::{Breakdown, DataElement, Indicator};
use chiso_store::Changes;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ElementList {
    pub data_elements: Vec<DataElement>,
}

/// All data elements.
#[utoipa::path(get, path = "/api/data-elements", tag = "data", responses((status = 200, body = ElementList)))]
pub(crate) async fn list_elements(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
) -> Result<Json<ElementList>, ApiError> {
    require(&st, &who, Action::ReadMeta, &[]).await?;
    Ok(Json(ElementList {
        data_elements: st.store.elements().await?,
    }))
}

/// One data element.
#[utoipa::path(get, path = "/api/data-elements/{code}", tag = "data", params(("code" = String, Path, description = "Element code")),
    responses((status = 200, body = DataElement), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_element(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<DataElement>, ApiError> {
    require(&st, &who, Action::ReadMeta, &[]).await?;
    let c = code_param("code", &code)?;
    st.store
        .element(&c)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("unknown data element {code}")))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ElementsIn {
    #[schema(value_type = Vec<DataElement>)]
    pub data_elements: Vec<serde_json::Value>,
}

/// Insert or update data elements (all or nothing).
#[utoipa::path(post, path = "/api/data-elements", tag = "data", request_body = ElementsIn,
    responses((status = 200, body = Changes), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn write_elements(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    b: Result<Json<ElementsIn>, JsonRejection>,
) -> Result<Json<Changes>, ApiError> {
    require(&st, &who, Action::ManageFramework, &[]).await?;
    let elements: Vec<DataElement> = items("data_element", body(b)?.data_elements)?;
    let changes = st.app.upsert_elements(&elements, &actor(&who)).await?;
    Ok(Json(changes))
}

#[derive(Serialize, ToSchema)]
pub struct IndicatorList {
    pub indicators: Vec<Indicator>,
}

/// All indicators. DHIS2's clients read the same list: each indicator also has DHIS2's
/// fields (`id` = the code, `name`, `displayName`, `indicatorType`, …) and the list a
/// `pager`; DHIS2's `fields`, `filter`, `order` and paging apply when given.
#[utoipa::path(get, path = "/api/indicators", tag = "data", responses((status = 200, body = IndicatorList)))]
pub(crate) async fn list_indicators(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    OriginalUri(uri): OriginalUri,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let public_only =
        matches!(who, Who::Anonymous) && st.auth.public_published && !st.auth.public_read;
    if !public_only {
        require(&st, &who, Action::ReadMeta, &[]).await?;
    }
    let q = crate::api::dhis2::meta::pairs(uri.query()).map_err(dhis2_refusal)?;
    let lang = crate::api::dhis2::meta::shared_names_lang(&q, &uri, &headers);
    // Public access: the published indicators only.
    let items = st
        .store
        .indicators()
        .await?
        .iter()
        .filter(|i| !public_only || i.published)
        .map(|i| crate::api::dhis2::meta::indicator(i, lang))
        .collect();
    crate::api::dhis2::shared_list(crate::api::dhis2::meta::Kind::Indicators, &uri, items)
        .map_err(dhis2_refusal)
}

/// A refusal of DHIS2's query language (`fields`, `filter`, `order`) on a shared path.
fn dhis2_refusal(e: crate::api::dhis2::message::Dhis2Error) -> ApiError {
    ApiError::bad("query", e.message)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorsIn {
    #[schema(value_type = Vec<Indicator>)]
    pub indicators: Vec<serde_json::Value>,
}

/// Insert or update indicators (all or nothing). Expressions use DHIS2's syntax; an error
/// names the field and the column, e.g. "unknown element VB_TONG at column 14".
#[utoipa::path(post, path = "/api/indicators", tag = "data", request_body = IndicatorsIn,
    responses((status = 200, body = Changes), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn write_indicators(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    b: Result<Json<IndicatorsIn>, JsonRejection>,
) -> Result<Json<Changes>, ApiError> {
    require(&st, &who, Action::ManageFramework, &[]).await?;
    let indicators: Vec<Indicator> = items("indicator", body(b)?.indicators)?;
    let changes = st.app.upsert_indicators(&indicators, &actor(&who)).await?;
    Ok(Json(changes))
}

#[derive(Serialize, ToSchema)]
pub struct ConstantList {
    pub constants: Vec<chiso_core::Constant>,
}

/// Constants, the values of `C{CODE}` in expressions; with DHIS2's fields beside chiso's
/// and a `pager`, as for `/api/indicators`.
#[utoipa::path(get, path = "/api/constants", tag = "data", responses((status = 200, body = ConstantList), (status = 401, body = ErrorBody)))]
pub(crate) async fn list_constants(
    State(st): State<AppState>,
    Extension(who): Extension<Who>,
    OriginalUri(uri): OriginalUri,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    require(&st, &who, Action::ReadMeta, &[]).await?;
    let q = crate::api::dhis2::meta::pairs(uri.query()).map_err(dhis2_refusal)?;
    let lang = crate::api::dhis2::meta::shared_names_lang(&q, &uri, &headers);
    let items = st
        .store
        .constants()
        .await?
        .iter()
        .map(|c| crate::api::dhis2::meta::constant(c, lang))
        .collect();
    crate::api::dhis2::shared_list(crate::api::dhis2::meta::Kind::Constants, &uri, items)
        .map_err(dhis2_refusal)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConstantsIn {
    #[schema(value_type = Vec<chiso_core::Constant>)]
    pub constants: Vec<serde_json::Value>,
}

/// Insert or update constants (all or nothing).
#[utoipa::path(post, path = "/api/constants", tag = "data", request_body = ConstantsIn,
    responses((status = 200, body = Changes), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn write_constants(
    State(st): State<AppState>,
    Extension(who): Extension<Who>,
    b: Result<Json<ConstantsIn>, JsonRejection>,
) -> Result<Json<Changes>, ApiError> {
    require(&st, &who, Action::ManageFramework, &[]).await?;
    let constants: Vec<chiso_core::Constant> = items("constant", body(b)?.constants)?;
    let changes = st.app.upsert_constants(&constants, &actor(&who)).await?;
    Ok(Json(changes))
}

#[derive(Serialize, ToSchema)]
pub struct BreakdownList {
    pub breakdowns: Vec<Breakdown>,
}

/// Breakdowns (categories) and their options.
#[utoipa::path(get, path = "/api/breakdowns", tag = "data", responses((status = 200, body = BreakdownList)))]
pub(crate) async fn list_breakdowns(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
) -> Result<Json<BreakdownList>, ApiError> {
    require(&st, &who, Action::ReadMeta, &[]).await?;
    Ok(Json(BreakdownList {
        breakdowns: st.store.breakdowns().await?,
    }))
}

// ---- data values -----------------------------------------------------------------------------
