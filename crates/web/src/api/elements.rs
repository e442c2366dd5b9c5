//! Data elements, breakdowns, indicators and constants.

use crate::auth::{require, Action, Who};
use crate::error::{ApiError, ErrorBody};
use crate::params::*;
use crate::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
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

/// All indicators.
#[utoipa::path(get, path = "/api/indicators", tag = "data", responses((status = 200, body = IndicatorList)))]
pub(crate) async fn list_indicators(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
) -> Result<Json<IndicatorList>, ApiError> {
    if matches!(who, Who::Anonymous) && st.auth.public_published && !st.auth.public_read {
        // Public access: the published indicators only.
        let published = st
            .store
            .indicators()
            .await?
            .into_iter()
            .filter(|i| i.published)
            .collect();
        return Ok(Json(IndicatorList {
            indicators: published,
        }));
    }
    require(&st, &who, Action::ReadMeta, &[]).await?;
    Ok(Json(IndicatorList {
        indicators: st.store.indicators().await?,
    }))
}

#[derive(Deserialize, ToSchema)]
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

/// Constants, the values of `C{CODE}` in expressions.
#[utoipa::path(get, path = "/api/constants", tag = "data", responses((status = 200, body = ConstantList), (status = 401, body = ErrorBody)))]
pub(crate) async fn list_constants(
    State(st): State<AppState>,
    Extension(who): Extension<Who>,
) -> Result<Json<ConstantList>, ApiError> {
    require(&st, &who, Action::ReadMeta, &[]).await?;
    Ok(Json(ConstantList {
        constants: st.store.constants().await?,
    }))
}

#[derive(Deserialize, ToSchema)]
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
