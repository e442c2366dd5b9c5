//! Period notation and dates.

use crate::error::{ApiError, ErrorBody};
use crate::params::*;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::Json;
use chiso_core::{Convention, Period, PeriodType};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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

pub(crate) fn period_info(p: Period, convention: Convention) -> PeriodInfo {
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

pub(crate) fn convention_param(s: &Option<String>) -> Result<Convention, ApiError> {
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
pub(crate) async fn get_period(
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
pub(crate) async fn list_periods(
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
