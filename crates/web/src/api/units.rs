//! Units, unit groups and successor links.

use crate::auth::{require, Action, Who};
use crate::error::{ApiError, ErrorBody};
use crate::params::*;
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use chiso_core::{SuccessorLink, Unit, UnitGroup, UnitKind};
use chiso_store::{Changes, StoredUnit, UnitQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct UnitParams {
    /// Children of this unit.
    pub parent: Option<String>,
    /// This unit and everything below it.
    pub under: Option<String>,
    /// province, district, commune, agency, organisation, sector, other.
    pub kind: Option<String>,
    /// Depth in the tree (1 = provinces).
    pub level: Option<String>,
    /// Members of a unit group.
    pub group: Option<String>,
    /// The statistics office's code.
    pub gso_code: Option<String>,
    /// Only units that exist on this date (YYYY-MM-DD).
    pub as_of: Option<String>,
    /// Part of the name (Vietnamese or English).
    pub q: Option<String>,
    /// Only units without a parent.
    pub roots: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct UnitList {
    pub units: Vec<StoredUnit>,
}

pub(crate) fn unit_query(p: &UnitParams) -> Result<UnitQuery, ApiError> {
    Ok(UnitQuery {
        codes: vec![],
        parent: p
            .parent
            .as_deref()
            .map(|s| code_param("parent", s))
            .transpose()?,
        roots: bool_param("roots", &p.roots)?,
        under: p
            .under
            .as_deref()
            .map(|s| code_param("under", s))
            .transpose()?,
        kind: p
            .kind
            .as_deref()
            .map(|s| {
                UnitKind::parse(s)
                    .ok_or_else(|| ApiError::bad("kind", format!("'{s}' is not a unit kind")))
            })
            .transpose()?,
        level: int_param("level", &p.level, 1, 20)?.map(|l| l as i32),
        group: p
            .group
            .as_deref()
            .map(|s| code_param("group", s))
            .transpose()?,
        gso_code: p.gso_code.clone().filter(|s| !s.is_empty()),
        as_of: date_param("as_of", &p.as_of)?,
        search: p.q.clone().filter(|s| !s.trim().is_empty()),
        limit: Some(int_param("limit", &p.limit, 0, MAX_PAGE)?.unwrap_or(MAX_PAGE)),
        offset: int_param("offset", &p.offset, 0, i64::MAX)?,
    })
}

/// List units, filtered.
#[utoipa::path(get, path = "/api/units", tag = "units", params(UnitParams),
    responses((status = 200, body = UnitList), (status = 400, body = ErrorBody)))]
pub(crate) async fn list_units(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<UnitParams>, QueryRejection>,
) -> Result<Json<UnitList>, ApiError> {
    require(&st, &who, Action::ReadMeta, &[]).await?;
    let q = unit_query(&query(q)?)?;
    Ok(Json(UnitList {
        units: st.store.units(&q).await?,
    }))
}

/// One unit.
#[utoipa::path(get, path = "/api/units/{code}", tag = "units", params(("code" = String, Path, description = "Unit code")),
    responses((status = 200, body = StoredUnit), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_unit(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<StoredUnit>, ApiError> {
    require(&st, &who, Action::ReadMeta, &[]).await?;
    let c = code_param("code", &code)?;
    st.store
        .unit(&c)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("unknown unit {code}")))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChildrenParams {
    /// Only children that exist on this date (YYYY-MM-DD).
    pub as_of: Option<String>,
    /// Only children of this kind.
    pub kind: Option<String>,
}

/// The units directly below a unit.
#[utoipa::path(get, path = "/api/units/{code}/children", tag = "units",
    params(("code" = String, Path, description = "Unit code"), ChildrenParams),
    responses((status = 200, body = UnitList), (status = 404, body = ErrorBody)))]
pub(crate) async fn unit_children(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path(code): Path<String>,
    q: Result<Query<ChildrenParams>, QueryRejection>,
) -> Result<Json<UnitList>, ApiError> {
    require(&st, &who, Action::ReadMeta, &[]).await?;
    let p = query(q)?;
    let c = code_param("code", &code)?;
    if st.store.unit(&c).await?.is_none() {
        return Err(ApiError::NotFound(format!("unknown unit {code}")));
    }
    let q = unit_query(&UnitParams {
        parent: Some(code),
        as_of: p.as_of,
        kind: p.kind,
        ..Default::default()
    })?;
    Ok(Json(UnitList {
        units: st.store.units(&q).await?,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitsIn {
    /// Units to insert or update; parents may come in the same request.
    #[schema(value_type = Vec<Unit>)]
    pub units: Vec<serde_json::Value>,
}

/// Insert or update units (all or nothing).
#[utoipa::path(post, path = "/api/units", tag = "units", request_body = UnitsIn,
    responses((status = 200, body = Changes), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn write_units(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    b: Result<Json<UnitsIn>, JsonRejection>,
) -> Result<Json<Changes>, ApiError> {
    require(&st, &who, Action::ManageUnits, &[]).await?;
    let units: Vec<Unit> = items("unit", body(b)?.units)?;
    let changes = st.app.upsert_units(&units, &actor(&who)).await?;
    Ok(Json(changes))
}

#[derive(Serialize, ToSchema)]
pub struct GroupList {
    pub unit_groups: Vec<UnitGroup>,
}

/// Unit groups and their members.
#[utoipa::path(get, path = "/api/unit-groups", tag = "units", responses((status = 200, body = GroupList)))]
pub(crate) async fn list_groups(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
) -> Result<Json<GroupList>, ApiError> {
    require(&st, &who, Action::ReadMeta, &[]).await?;
    Ok(Json(GroupList {
        unit_groups: st.store.groups().await?,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuccessorParams {
    /// Only the links leaving this unit.
    pub from: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SuccessorList {
    pub successors: Vec<SuccessorLink>,
}

/// Successor links (merges and splits, with weights).
#[utoipa::path(get, path = "/api/successors", tag = "units", params(SuccessorParams),
    responses((status = 200, body = SuccessorList), (status = 400, body = ErrorBody)))]
pub(crate) async fn list_successors(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<SuccessorParams>, QueryRejection>,
) -> Result<Json<SuccessorList>, ApiError> {
    require(&st, &who, Action::ReadMeta, &[]).await?;
    let p = query(q)?;
    let from = p
        .from
        .as_deref()
        .map(|s| code_param("from", s))
        .transpose()?;
    Ok(Json(SuccessorList {
        successors: st.store.successors(from.as_ref()).await?,
    }))
}

// ---- periods ---------------------------------------------------------------------------------
