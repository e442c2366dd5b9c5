//! The JSON API: units, unit groups, periods, data elements and data values, read and write.
//! Every handler is listed in [`ApiDoc`], from which `/api/openapi.json` is generated.

use crate::auth::{require, Action, Who};
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use chiso_core::{
    Breakdown, Code, Convention, DataElement, DataValue, DataValueInput, Indicator, Period,
    PeriodType, SourceTag, SuccessorLink, Unit, UnitGroup, UnitKind, Via,
};
use chiso_store::{Actor, Changes, FieldError, StoredUnit, UnitQuery, ValueKey, ValueQuery};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// Most items accepted in one write request.
pub const MAX_ITEMS: usize = 10_000;
/// Most values returned by one read (use `offset` to page).
pub const MAX_PAGE: i64 = 100_000;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "chiso API",
        description = "Units, periods, data elements and data values of chiso, the indicator system of a province's Steering Committee for Digital Transformation. Errors are JSON: `{\"error\": {\"status\", \"message\", \"fields\": [{\"index\", \"field\", \"reason\"}]}}`; a refused write changes nothing.",
        license(name = "MIT OR Apache-2.0"),
        version = "0.1.0"
    ),
    paths(
        health, list_units, get_unit, unit_children, write_units, list_groups, list_successors,
        get_period, list_periods, list_elements, get_element, write_elements, list_breakdowns,
        list_values, write_values, delete_values, list_indicators, write_indicators, list_constants, write_constants,
        crate::analytics::analytics, crate::analytics::analytics_csv,
        crate::figures::indicator_value, crate::figures::rankings, crate::figures::list_frameworks,
        crate::figures::get_framework, crate::figures::list_scorecards, crate::figures::score, crate::figures::audit_log,
        crate::collection::list_data_sets, crate::collection::write_data_sets, crate::collection::grid_template,
        crate::collection::list_rules, crate::collection::write_rules, crate::collection::get_form,
        crate::collection::save_form, crate::collection::complete, crate::collection::uncomplete,
        crate::collection::approve, crate::collection::unapprove, crate::collection::grant_exception,
        crate::collection::unit_template, crate::collection::list_evidence, crate::collection::upload_evidence,
        crate::collection::get_evidence, crate::collection::delete_evidence, crate::collection::get_completeness,
        crate::collection::import_file, crate::collection::export_csv, crate::collection::dvs_get_json,
        crate::collection::dvs_get_json_ext, crate::collection::dvs_post, crate::collection::dvs_post_json_ext,
        crate::collection::dvs_get_csv, crate::collection::dvs_get_versioned, crate::collection::dvs_post_versioned,
        crate::plans::list_plans, crate::plans::write_plans, crate::plans::import_plans, crate::plans::get_plan,
        crate::plans::submit_plan, crate::plans::decide_plan, crate::plans::task_progress, crate::plans::comment_plan, crate::plans::export_plan,
        crate::plans::list_directives, crate::plans::write_directives, crate::plans::report_directive,
        crate::plans::list_register, crate::plans::write_register, crate::plans::delete_register, crate::plans::export_products, crate::plans::import_products,
        crate::plans::product_coverage
    ),
    tags(
        (name = "units", description = "Administrative units, agencies and organisations"),
        (name = "periods", description = "Period notation and dates"),
        (name = "data", description = "Data elements, data values and indicators"),
        (name = "analytics", description = "Indicator and element values rolled up over units and periods, in DHIS2's analytics form"),
        (name = "collection", description = "Data sets (forms), reports, validation, completeness, approval, evidence, Excel templates, imports and exports"),
        (name = "dhis2", description = "DHIS2's dataValueSets import and export at DHIS2's own paths, with `Authorization: ApiToken …`"),
        (name = "plans", description = "DX plans and their tasks, directives, registers (products, information systems, partners, dead zones)")
    )
)]
pub struct ApiDoc;

/// The API's routes (method, path) — the router and the completeness test both use this list.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/health"),
    ("get", "/api/units"),
    ("post", "/api/units"),
    ("get", "/api/units/{code}"),
    ("get", "/api/units/{code}/children"),
    ("get", "/api/unit-groups"),
    ("get", "/api/successors"),
    ("get", "/api/periods"),
    ("get", "/api/periods/{id}"),
    ("get", "/api/data-elements"),
    ("post", "/api/data-elements"),
    ("get", "/api/data-elements/{code}"),
    ("get", "/api/breakdowns"),
    ("get", "/api/data-values"),
    ("post", "/api/data-values"),
    ("delete", "/api/data-values"),
    ("get", "/api/indicators"),
    ("post", "/api/indicators"),
    ("get", "/api/constants"),
    ("post", "/api/constants"),
    ("get", "/api/analytics"),
    ("get", "/api/analytics.csv"),
    ("get", "/api/indicator-values"),
    ("get", "/api/rankings"),
    ("get", "/api/target-frameworks"),
    ("get", "/api/target-frameworks/{code}"),
    ("get", "/api/scorecards"),
    ("get", "/api/scorecards/{code}"),
    ("get", "/api/audit"),
    ("get", "/api/plans"),
    ("post", "/api/plans"),
    ("post", "/api/plans/import"),
    ("get", "/api/plans/{code}"),
    ("post", "/api/plans/{code}/submit"),
    ("post", "/api/plans/{code}/decision"),
    ("post", "/api/plans/{code}/progress"),
    ("post", "/api/plans/{code}/comments"),
    ("get", "/api/plans/{code}/xlsx"),
    ("get", "/api/directives"),
    ("post", "/api/directives"),
    ("post", "/api/directives/{code}/reports"),
    ("get", "/api/register"),
    ("post", "/api/register"),
    ("delete", "/api/register"),
    ("get", "/api/register/xlsx"),
    ("post", "/api/register/import"),
    ("get", "/api/product-coverage"),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/units", get(list_units).post(write_units))
        .route("/api/units/{code}", get(get_unit))
        .route("/api/units/{code}/children", get(unit_children))
        .route("/api/unit-groups", get(list_groups))
        .route("/api/successors", get(list_successors))
        .route("/api/periods", get(list_periods))
        .route("/api/periods/{id}", get(get_period))
        .route(
            "/api/data-elements",
            get(list_elements).post(write_elements),
        )
        .route("/api/data-elements/{code}", get(get_element))
        .route("/api/breakdowns", get(list_breakdowns))
        .route(
            "/api/indicators",
            get(list_indicators).post(write_indicators),
        )
        .route("/api/constants", get(list_constants).post(write_constants))
        .route(
            "/api/data-values",
            get(list_values).post(write_values).delete(delete_values),
        )
        .route("/api/openapi.json", get(openapi_json))
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

// ---- helpers ---------------------------------------------------------------------------------

pub(crate) fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(t)| t)
        .map_err(|e| ApiError::bad("query", e.body_text()))
}

pub(crate) fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(t)| t).map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(crate::MAX_BODY)
        } else {
            ApiError::bad("body", e.body_text())
        }
    })
}

pub(crate) fn code_param(field: &str, s: &str) -> Result<Code, ApiError> {
    Code::parse(s).map_err(|e| ApiError::bad(field, format!("'{s}': {e}")))
}

fn codes_param(field: &str, s: &Option<String>) -> Result<Vec<Code>, ApiError> {
    s.iter()
        .flat_map(|s| s.split([',', ';']))
        .filter(|x| !x.trim().is_empty())
        .map(|x| code_param(field, x))
        .collect()
}

pub(crate) fn date_param(field: &str, s: &Option<String>) -> Result<Option<NaiveDate>, ApiError> {
    s.as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| ApiError::bad(field, format!("'{s}' is not a date (YYYY-MM-DD)")))
        })
        .transpose()
}

fn int_param(field: &str, s: &Option<String>, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
    s.as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| match s.parse::<i64>() {
            Ok(v) if (min..=max).contains(&v) => Ok(v),
            _ => Err(ApiError::bad(
                field,
                format!("'{s}' is not a whole number from {min} to {max}"),
            )),
        })
        .transpose()
}

fn bool_param(field: &str, s: &Option<String>) -> Result<bool, ApiError> {
    match s.as_deref() {
        None | Some("") | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(other) => Err(ApiError::bad(
            field,
            format!("'{other}' is not true or false"),
        )),
    }
}

/// The answer to a change of the structure (units, elements, indicators, constants): the
/// application has rebuilt the engine before returning, so the next answer sees it.
pub(crate) fn rebuilt(changes: Changes) -> Json<Changes> {
    Json(changes)
}

pub(crate) fn actor(who: &Who) -> Actor {
    Actor::new(who.name(), Via::Api)
}

// ---- health ----------------------------------------------------------------------------------

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
async fn health(State(st): State<AppState>) -> Result<Response, ApiError> {
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

fn unit_query(p: &UnitParams) -> Result<UnitQuery, ApiError> {
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
async fn list_units(
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
async fn get_unit(
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
async fn unit_children(
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
pub struct UnitsIn {
    /// Units to insert or update; parents may come in the same request.
    #[schema(value_type = Vec<Unit>)]
    pub units: Vec<serde_json::Value>,
}

fn items<T: serde::de::DeserializeOwned>(
    field: &str,
    raw: Vec<serde_json::Value>,
) -> Result<Vec<T>, ApiError> {
    if raw.len() > MAX_ITEMS {
        return Err(ApiError::Invalid(vec![FieldError::new(
            None,
            field,
            format!("at most {MAX_ITEMS} items per request"),
        )]));
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut errors = Vec::new();
    for (i, v) in raw.into_iter().enumerate() {
        match serde_json::from_value::<T>(v) {
            Ok(t) => out.push(t),
            Err(e) => errors.push(FieldError::new(Some(i), field, e.to_string())),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ApiError::Invalid(errors))
    }
}

/// Insert or update units (all or nothing).
#[utoipa::path(post, path = "/api/units", tag = "units", request_body = UnitsIn,
    responses((status = 200, body = Changes), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn write_units(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    b: Result<Json<UnitsIn>, JsonRejection>,
) -> Result<Json<Changes>, ApiError> {
    require(&st, &who, Action::ManageUnits, &[]).await?;
    let units: Vec<Unit> = items("unit", body(b)?.units)?;
    let changes = st.app.upsert_units(&units, &actor(&who)).await?;
    Ok(rebuilt(changes))
}

#[derive(Serialize, ToSchema)]
pub struct GroupList {
    pub unit_groups: Vec<UnitGroup>,
}

/// Unit groups and their members.
#[utoipa::path(get, path = "/api/unit-groups", tag = "units", responses((status = 200, body = GroupList)))]
async fn list_groups(
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
async fn list_successors(
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

#[derive(Serialize, Deserialize, ToSchema)]
pub struct PeriodInfo {
    #[schema(example = "2023Q4")]
    pub id: String,
    pub period_type: PeriodType,
    pub convention: Convention,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub previous: Option<String>,
    pub next: Option<String>,
    pub same_period_last_year: Option<String>,
}

fn period_info(p: Period, convention: Convention) -> PeriodInfo {
    PeriodInfo {
        id: p.to_string(),
        period_type: p.period_type(),
        convention,
        start: p.start_in(convention),
        end: p.end_in(convention),
        previous: p.previous().map(|x| x.to_string()),
        next: p.next().map(|x| x.to_string()),
        same_period_last_year: p.same_period_last_year().map(|x| x.to_string()),
    }
}

fn convention_param(s: &Option<String>) -> Result<Convention, ApiError> {
    match s.as_deref() {
        None | Some("") => Ok(Convention::Calendar),
        Some(x) => Convention::parse(x).ok_or_else(|| {
            ApiError::bad("convention", format!("'{x}' is not calendar or cut_off"))
        }),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// calendar (default) or cut_off (Decree 09/2019: months run from the 15th to the 14th).
    pub convention: Option<String>,
}

/// A period's dates and neighbours, e.g. `2023Q4`, `202312`, `2023W05`.
#[utoipa::path(get, path = "/api/periods/{id}", tag = "periods",
    params(("id" = String, Path, description = "Period: 2023, 2023S2, 2023Q4, 202312, 2023W05 or 20231231"), PeriodParams),
    responses((status = 200, body = PeriodInfo), (status = 400, body = ErrorBody)))]
async fn get_period(
    Path(id): Path<String>,
    q: Result<Query<PeriodParams>, QueryRejection>,
) -> Result<Json<PeriodInfo>, ApiError> {
    let conv = convention_param(&query(q)?.convention)?;
    let p = Period::parse(&id).map_err(|e| ApiError::bad("id", e.to_string()))?;
    Ok(Json(period_info(p, conv)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodListParams {
    /// day, week, month, quarter, six_month or year.
    #[param(required = true)]
    pub r#type: Option<String>,
    /// The year whose periods to list.
    #[param(required = true)]
    pub year: Option<String>,
    pub convention: Option<String>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct PeriodList {
    pub periods: Vec<PeriodInfo>,
}

/// The periods of a type inside a year.
#[utoipa::path(get, path = "/api/periods", tag = "periods", params(PeriodListParams),
    responses((status = 200, body = PeriodList), (status = 400, body = ErrorBody)))]
async fn list_periods(
    q: Result<Query<PeriodListParams>, QueryRejection>,
) -> Result<Json<PeriodList>, ApiError> {
    let p = query(q)?;
    let conv = convention_param(&p.convention)?;
    let t = p.r#type.as_deref().unwrap_or("");
    let ptype = PeriodType::parse(t).ok_or_else(|| {
        ApiError::bad(
            "type",
            format!("'{t}' is not day, week, month, quarter, six_month or year"),
        )
    })?;
    let y = int_param(
        "year",
        &p.year,
        chiso_core::period::MIN_YEAR as i64,
        chiso_core::period::MAX_YEAR as i64,
    )?
    .ok_or_else(|| ApiError::bad("year", "the year is missing"))?;
    let year = Period::Year(y as i32);
    Ok(Json(PeriodList {
        periods: year
            .sub_periods(ptype, conv)
            .into_iter()
            .map(|p| period_info(p, conv))
            .collect(),
    }))
}

// ---- data elements ---------------------------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct ElementList {
    pub data_elements: Vec<DataElement>,
}

/// All data elements.
#[utoipa::path(get, path = "/api/data-elements", tag = "data", responses((status = 200, body = ElementList)))]
async fn list_elements(
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
async fn get_element(
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
async fn write_elements(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    b: Result<Json<ElementsIn>, JsonRejection>,
) -> Result<Json<Changes>, ApiError> {
    require(&st, &who, Action::ManageFramework, &[]).await?;
    let elements: Vec<DataElement> = items("data_element", body(b)?.data_elements)?;
    let changes = st.app.upsert_elements(&elements, &actor(&who)).await?;
    Ok(rebuilt(changes))
}

#[derive(Serialize, ToSchema)]
pub struct IndicatorList {
    pub indicators: Vec<Indicator>,
}

/// All indicators.
#[utoipa::path(get, path = "/api/indicators", tag = "data", responses((status = 200, body = IndicatorList)))]
async fn list_indicators(
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
async fn write_indicators(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    b: Result<Json<IndicatorsIn>, JsonRejection>,
) -> Result<Json<Changes>, ApiError> {
    require(&st, &who, Action::ManageFramework, &[]).await?;
    let indicators: Vec<Indicator> = items("indicator", body(b)?.indicators)?;
    let changes = st.app.upsert_indicators(&indicators, &actor(&who)).await?;
    Ok(rebuilt(changes))
}

#[derive(Serialize, ToSchema)]
pub struct ConstantList {
    pub constants: Vec<chiso_core::Constant>,
}

/// Constants, the values of `C{CODE}` in expressions.
#[utoipa::path(get, path = "/api/constants", tag = "data", responses((status = 200, body = ConstantList), (status = 401, body = ErrorBody)))]
async fn list_constants(
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
async fn write_constants(
    State(st): State<AppState>,
    Extension(who): Extension<Who>,
    b: Result<Json<ConstantsIn>, JsonRejection>,
) -> Result<Json<Changes>, ApiError> {
    require(&st, &who, Action::ManageFramework, &[]).await?;
    let constants: Vec<chiso_core::Constant> = items("constant", body(b)?.constants)?;
    let changes = st.app.upsert_constants(&constants, &actor(&who)).await?;
    Ok(rebuilt(changes))
}

#[derive(Serialize, ToSchema)]
pub struct BreakdownList {
    pub breakdowns: Vec<Breakdown>,
}

/// Breakdowns (categories) and their options.
#[utoipa::path(get, path = "/api/breakdowns", tag = "data", responses((status = 200, body = BreakdownList)))]
async fn list_breakdowns(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
) -> Result<Json<BreakdownList>, ApiError> {
    require(&st, &who, Action::ReadMeta, &[]).await?;
    Ok(Json(BreakdownList {
        breakdowns: st.store.breakdowns().await?,
    }))
}

// ---- data values -----------------------------------------------------------------------------

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ValueParams {
    /// Element codes, separated by commas.
    pub element: Option<String>,
    /// Unit codes, separated by commas.
    pub unit: Option<String>,
    /// Also every unit below `unit`.
    pub children: Option<String>,
    /// Periods, separated by commas (2023,2022).
    pub period: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct ValueList {
    pub data_values: Vec<DataValue>,
}

/// Read data values.
#[utoipa::path(get, path = "/api/data-values", tag = "data", params(ValueParams),
    responses((status = 200, body = ValueList), (status = 400, body = ErrorBody)))]
async fn list_values(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<ValueParams>, QueryRejection>,
) -> Result<Json<ValueList>, ApiError> {
    let p = query(q)?;
    let periods = p
        .period
        .iter()
        .flat_map(|s| s.split([',', ';']))
        .filter(|s| !s.trim().is_empty())
        .map(|s| Period::parse(s).map_err(|e| ApiError::bad("period", e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let units = codes_param("unit", &p.unit)?;
    let refs: Vec<&str> = units.iter().map(|u| u.as_str()).collect();
    require(&st, &who, Action::Read, &refs).await?;
    let q = ValueQuery {
        elements: codes_param("element", &p.element)?,
        units,
        descendants: bool_param("children", &p.children)?,
        periods,
        limit: Some(int_param("limit", &p.limit, 0, MAX_PAGE)?.unwrap_or(MAX_PAGE)),
        offset: int_param("offset", &p.offset, 0, i64::MAX)?,
    };
    Ok(Json(ValueList {
        data_values: st.store.values(&q).await?,
    }))
}

/// A data value as sent to the API.
#[derive(Deserialize, ToSchema)]
pub struct ValueIn {
    #[schema(example = "VB_XL_MANG")]
    pub element: String,
    #[schema(example = "22738")]
    pub unit: String,
    #[schema(example = "2023")]
    pub period: String,
    /// The breakdown option, for elements that have a breakdown.
    pub breakdown: Option<String>,
    /// A number, text, true/false or a date (YYYY-MM-DD), as the element's value type asks.
    #[schema(value_type = Object, example = 1139)]
    pub value: serde_json::Value,
    pub comment: Option<String>,
    /// published, derived, illustrative, entered (the default) or import:BATCH.
    pub source: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct ValuesIn {
    pub data_values: Vec<ValueIn>,
}

fn parse_value_in(i: usize, v: ValueIn, errors: &mut Vec<FieldError>) -> Option<DataValueInput> {
    let mut bad =
        |field: &str, reason: String| errors.push(FieldError::new(Some(i), field, reason));
    let element = Code::parse(&v.element)
        .map_err(|e| bad("element", format!("'{}': {e}", v.element)))
        .ok();
    let unit = Code::parse(&v.unit)
        .map_err(|e| bad("unit", format!("'{}': {e}", v.unit)))
        .ok();
    let period = Period::parse(&v.period)
        .map_err(|e| bad("period", e.to_string()))
        .ok();
    let breakdown = match v.breakdown.as_deref().filter(|s| !s.is_empty()) {
        None => Some(None),
        Some(b) => Code::parse(b)
            .map(Some)
            .map_err(|e| bad("breakdown", format!("'{b}': {e}")))
            .ok(),
    };
    let value = match v.value {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        other => {
            bad(
                "value",
                format!("{other} is not a value; send a number, a text, true/false or a date"),
            );
            None
        }
    };
    let source = match v.source.as_deref() {
        None | Some("") => Some(SourceTag::Entered),
        Some(s) => SourceTag::parse(s).map_err(|e| bad("source", e)).ok(),
    };
    Some(DataValueInput {
        element: element?,
        unit: unit?,
        period: period?,
        breakdown: breakdown?,
        value: value?,
        comment: v.comment,
        source: source?,
    })
}

/// The parameters of a write of data values. Any other parameter is refused, never ignored.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WriteParams {
    /// `true`: check everything and report what would change, writing nothing (DHIS2's
    /// `dryRun`; `dry_run` is accepted too).
    #[serde(rename = "dryRun", alias = "dry_run")]
    #[param(rename = "dryRun")]
    pub dry_run: Option<bool>,
}

/// Write data values: all are checked, then all are written with an audit row each — or none.
/// With `dryRun=true` nothing is written and the counts say what would change.
#[utoipa::path(post, path = "/api/data-values", tag = "data", request_body = ValuesIn, params(WriteParams),
    responses((status = 200, body = Changes), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn write_values(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<WriteParams>, QueryRejection>,
    b: Result<Json<ValuesIn>, JsonRejection>,
) -> Result<Json<Changes>, ApiError> {
    let dry_run = query(q)?.dry_run.unwrap_or(false);
    let input = body(b)?.data_values;
    if input.len() > MAX_ITEMS {
        return Err(ApiError::Invalid(vec![FieldError::new(
            None,
            "data_values",
            format!("at most {MAX_ITEMS} values per request"),
        )]));
    }
    let mut errors = Vec::new();
    let values: Vec<DataValueInput> = input
        .into_iter()
        .enumerate()
        .filter_map(|(i, v)| parse_value_in(i, v, &mut errors))
        .collect();
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let refs: Vec<&str> = values.iter().map(|v| v.unit.as_str()).collect();
    require(&st, &who, Action::WriteData, &refs).await?;
    if dry_run {
        return Ok(Json(
            st.app
                .apply_values(&values, &[], &actor(&who), true)
                .await?,
        ));
    }
    Ok(Json(st.app.write_values(&values, &actor(&who)).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct KeyIn {
    pub element: String,
    pub unit: String,
    pub period: String,
    pub breakdown: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct KeysIn {
    pub data_values: Vec<KeyIn>,
}

/// Delete data values (each deletion is audited). With `dryRun=true` nothing is deleted and
/// the counts say what would change.
#[utoipa::path(delete, path = "/api/data-values", tag = "data", request_body = KeysIn, params(WriteParams),
    responses((status = 200, body = Changes), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn delete_values(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<WriteParams>, QueryRejection>,
    b: Result<Json<KeysIn>, JsonRejection>,
) -> Result<Json<Changes>, ApiError> {
    let dry_run = query(q)?.dry_run.unwrap_or(false);
    let input = body(b)?.data_values;
    if input.len() > MAX_ITEMS {
        return Err(ApiError::Invalid(vec![FieldError::new(
            None,
            "data_values",
            format!("at most {MAX_ITEMS} values per request"),
        )]));
    }
    let mut errors = Vec::new();
    let mut keys = Vec::new();
    for (i, k) in input.into_iter().enumerate() {
        let v = ValueIn {
            element: k.element,
            unit: k.unit,
            period: k.period,
            breakdown: k.breakdown,
            value: serde_json::Value::String(String::new()),
            comment: None,
            source: None,
        };
        if let Some(p) = parse_value_in(i, v, &mut errors) {
            keys.push(ValueKey {
                element: p.element,
                unit: p.unit,
                period: p.period,
                breakdown: p.breakdown,
            });
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let refs: Vec<&str> = keys.iter().map(|k| k.unit.as_str()).collect();
    require(&st, &who, Action::WriteData, &refs).await?;
    if dry_run {
        return Ok(Json(
            st.app.apply_values(&[], &keys, &actor(&who), true).await?,
        ));
    }
    Ok(Json(st.app.delete_values(&keys, &actor(&who)).await?))
}
