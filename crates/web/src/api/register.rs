//! Registers (DX products, information systems, partners, dead zones) and product coverage.

use crate::auth::{allowed, require, Action, Who};
use crate::error::{ApiError, ErrorBody};
use crate::params::{actor, body, code_param as code, query};
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::{Extension, Json};
use chiso_core::derived;
use chiso_core::plan::*;
use chiso_core::{Code, Period, Unit};
use chiso_engine::Scope;
use chiso_store::{Changes, UnitQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegisterParams {
    /// product, system, partner or dead_zone; all when absent.
    pub kind: Option<String>,
    /// Only entries of this unit.
    pub owner: Option<String>,
}

pub(crate) fn kind_param(s: &Option<String>) -> Result<Option<RegisterKind>, ApiError> {
    s.as_deref()
        .filter(|s| !s.is_empty())
        .map(|k| {
            RegisterKind::parse(k).ok_or_else(|| {
                ApiError::bad(
                    "kind",
                    format!("'{k}': use product, system, partner or dead_zone"),
                )
            })
        })
        .transpose()
}

/// The registers: DX products, information systems and databases, strategic partners,
/// mobile-signal dead zones.
#[utoipa::path(get, path = "/api/register", tag = "plans", params(RegisterParams),
    responses((status = 200, body = [RegisterEntry]), (status = 400, body = ErrorBody)))]
pub(crate) async fn list_register(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<RegisterParams>, QueryRejection>,
) -> Result<Json<Vec<RegisterEntry>>, ApiError> {
    // Lists show only what the caller may read; an anonymous caller of a private server
    // is asked to log in.
    require(&st, &who, Action::ReadMeta, &[]).await?;
    let p = query(q)?;
    let kind = kind_param(&p.kind)?;
    let owner = p.owner.as_deref().map(|u| code("owner", u)).transpose()?;
    let entries = st.store.register(kind).await?;
    let engine = st.app.read().await;
    Ok(Json(
        entries
            .into_iter()
            .filter(|e| owner.as_ref().is_none_or(|o| e.owner() == o))
            .filter(|e| {
                allowed(
                    &who,
                    Action::Read,
                    Some(e.owner().as_str()),
                    &engine,
                    st.auth.public_read,
                )
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterIn {
    pub entries: Vec<RegisterEntry>,
}

/// Register or update entries; each unit registers its own. All or nothing.
#[utoipa::path(post, path = "/api/register", tag = "plans", request_body = RegisterIn,
    responses((status = 200, body = Changes), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn write_register(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    b: Result<Json<RegisterIn>, JsonRejection>,
) -> Result<Json<Changes>, ApiError> {
    let entries = body(b)?.entries;
    Ok(Json(save_register(&st, &who, entries).await?))
}

pub(crate) async fn save_register(
    st: &AppState,
    who: &Who,
    entries: Vec<RegisterEntry>,
) -> Result<Changes, ApiError> {
    if entries.len() > crate::params::MAX_ITEMS {
        return Err(ApiError::bad("entries", "quá nhiều mục trong một lần gửi"));
    }
    let refs: Vec<&str> = entries.iter().map(|e| e.owner().as_str()).collect();
    require(st, who, Action::WriteData, &refs).await?;
    let old = st.store.register(None).await?;
    for e in &entries {
        if let Some(o) = old
            .iter()
            .find(|o| o.kind() == e.kind() && o.code() == e.code())
        {
            // Moving an entry to another unit needs the right over the old one too.
            require(st, who, Action::WriteData, &[o.owner().as_str()]).await?;
        }
    }
    let changes = st.app.upsert_register(&entries, &actor(who)).await?;
    Ok(changes)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteEntryParams {
    /// product, system, partner or dead_zone.
    #[param(required = true)]
    pub kind: Option<String>,
    #[param(required = true)]
    pub code: Option<String>,
}

/// Remove a register entry (its owner's data-entry officer); audited, figures recomputed.
#[utoipa::path(delete, path = "/api/register", tag = "plans", params(DeleteEntryParams),
    responses((status = 200, body = Changes), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn delete_register(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<DeleteEntryParams>, QueryRejection>,
) -> Result<Json<Changes>, ApiError> {
    let p = query(q)?;
    let kind = kind_param(&p.kind)?.ok_or_else(|| ApiError::bad("kind", "bắt buộc"))?;
    let c = code("code", p.code.as_deref().unwrap_or(""))?;
    let Some(old) = st
        .store
        .register(Some(kind))
        .await?
        .into_iter()
        .find(|e| e.code() == &c)
    else {
        return Ok(Json(Changes {
            unchanged: 1,
            ..Default::default()
        }));
    };
    require(&st, &who, Action::WriteData, &[old.owner().as_str()]).await?;
    let changes = st.app.delete_register(kind, &c, &actor(&who)).await?;
    Ok(Json(changes))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageParams {
    /// A unit group (e.g. 58_CAP_XA, the communes)…
    pub group: Option<String>,
    /// …or a unit: the agencies and communes below it.
    pub unit: Option<String>,
    #[param(required = true)]
    pub year: Option<i32>,
}

#[derive(Serialize, ToSchema)]
pub struct UnitRef {
    pub code: String,
    pub name_vi: String,
    pub name_en: Option<String>,
}

/// How many units have a DX product (named apart from a figure's coverage in the document).
#[derive(Serialize, ToSchema)]
#[schema(as = ProductCoverage)]
pub struct Coverage {
    pub year: i32,
    /// Units that must have a DX product.
    pub units: usize,
    pub with_product: usize,
    /// Percent of units with at least one product (the indicator SP_CDS_PHU_TY_LE).
    pub percent: Option<f64>,
    /// The units that still have none.
    pub without: Vec<UnitRef>,
}

/// DX product coverage: which agencies and communes still have no registered product (from
/// the engine's `SP_CDS_CO`, the same figure the indicator adds up).
#[utoipa::path(get, path = "/api/product-coverage", tag = "plans", params(CoverageParams),
    responses((status = 200, body = Coverage), (status = 400, body = ErrorBody)))]
pub(crate) async fn product_coverage(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<CoverageParams>, QueryRejection>,
) -> Result<Json<Coverage>, ApiError> {
    let p = query(q)?;
    let year = p
        .year
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| ApiError::bad("year", "năm (2000–2100) là bắt buộc"))?;
    let period = Period::Year(year);
    let candidates: Vec<Unit> = match (p.group.as_deref(), p.unit.as_deref()) {
        (Some(g), None) => {
            let g = code("group", g)?;
            let members = st.app.read().await.group_members(&g)?;
            st.store
                .units(&UnitQuery {
                    codes: members,
                    ..Default::default()
                })
                .await?
        }
        (None, Some(u)) => {
            let u = code("unit", u)?;
            st.store
                .units(&UnitQuery {
                    under: Some(u),
                    ..Default::default()
                })
                .await?
        }
        _ => return Err(ApiError::bad("group", "give either group or unit")),
    }
    .into_iter()
    .map(|s| s.unit)
    .filter(derived::required)
    .collect();
    let refs: Vec<&str> = candidates.iter().map(|u| u.code.as_str()).collect();
    require(&st, &who, Action::Read, &refs).await?;
    let engine = st.app.read().await;
    let has = Code::parse("SP_CDS_CO").map_err(|e| ApiError::Internal(e.to_string()))?;
    let need = Code::parse("KH_THUOC_DIEN").map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut units = 0;
    let mut without = Vec::new();
    for u in &candidates {
        let scope = Scope::Unit(u.code.clone());
        let required = engine
            .element(&need, None, &scope, &period, None)
            .unwrap_or(None)
            .unwrap_or(0.0);
        if required <= 0.0 {
            continue;
        }
        units += 1;
        let with = engine
            .element(&has, None, &scope, &period, None)
            .unwrap_or(None)
            .unwrap_or(0.0);
        if with <= 0.0 {
            without.push(UnitRef {
                code: u.code.to_string(),
                name_vi: u.name_vi.clone(),
                name_en: u.name_en.clone(),
            });
        }
    }
    let with_product = units - without.len();
    Ok(Json(Coverage {
        year,
        units,
        with_product,
        percent: (units > 0).then(|| 100.0 * with_product as f64 / units as f64),
        without,
    }))
}

// ---- XLSX ----------------------------------------------------------------------------------
