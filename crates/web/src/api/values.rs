//! Data values: read, written and deleted, all or nothing, with a dry run.

use crate::auth::{require, Action, Who};
use crate::error::{ApiError, ErrorBody};
use crate::params::*;
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::{Extension, Json};
use chiso_core::{Code, DataValue, DataValueInput, Period, SourceTag};
use chiso_store::{Changes, FieldError, ValueKey, ValueQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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
    /// At most this many values (at most 100,000, the default).
    pub limit: Option<String>,
    /// Skip this many values (they come in key order: element, unit, period, breakdown).
    pub offset: Option<String>,
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct ValueList {
    pub data_values: Vec<DataValue>,
    /// When more values match than were returned: the `offset` that reads the next page.
    /// Absent on the last page, so a reader never takes a cut-off list for the whole.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub next_offset: Option<i64>,
}

/// Read data values.
#[utoipa::path(get, path = "/api/data-values", tag = "data", params(ValueParams),
    responses((status = 200, body = ValueList), (status = 400, body = ErrorBody)))]
pub(crate) async fn list_values(
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
    let limit = int_param("limit", &p.limit, 0, MAX_PAGE)?.unwrap_or(MAX_PAGE);
    let offset = int_param("offset", &p.offset, 0, i64::MAX)?;
    // One more than asked tells whether another page follows.
    let q = ValueQuery {
        elements: codes_param("element", &p.element)?,
        units,
        descendants: bool_param("children", &p.children)?,
        periods,
        limit: Some(limit + 1),
        offset,
        after: None,
    };
    let mut data_values = st.store.values(&q).await?;
    let next_offset = if data_values.len() as i64 > limit {
        data_values.truncate(limit as usize);
        Some(offset.unwrap_or(0) + limit)
    } else {
        None
    };
    Ok(Json(ValueList {
        data_values,
        next_offset,
    }))
}

/// A data value as sent to the API.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
pub struct ValuesIn {
    pub data_values: Vec<ValueIn>,
}

pub(crate) fn parse_value_in(
    i: usize,
    v: ValueIn,
    errors: &mut Vec<FieldError>,
) -> Option<DataValueInput> {
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
    /// The language of the answer's messages (`vi`, the default, or `en`; read by the layer
    /// every request passes through).
    #[allow(dead_code)]
    pub lang: Option<String>,
}

/// Write data values: all are checked, then all are written with an audit row each — or none.
/// With `dryRun=true` nothing is written and the counts say what would change.
#[utoipa::path(post, path = "/api/data-values", tag = "data", request_body = ValuesIn, params(WriteParams),
    responses((status = 200, body = Changes), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn write_values(
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
#[serde(deny_unknown_fields)]
pub struct KeyIn {
    pub element: String,
    pub unit: String,
    pub period: String,
    pub breakdown: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeysIn {
    pub data_values: Vec<KeyIn>,
}

/// Delete data values (each deletion is audited). With `dryRun=true` nothing is deleted and
/// the counts say what would change.
#[utoipa::path(delete, path = "/api/data-values", tag = "data", request_body = KeysIn, params(WriteParams),
    responses((status = 200, body = Changes), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn delete_values(
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
