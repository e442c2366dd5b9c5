//! Excel templates: one unit's report, and a consolidator's grid of the units below it.

use crate::api::forms::report;
use crate::auth::{require, Action, Who};
use crate::clock::today_in_vietnam;
use crate::error::{ApiError, ErrorBody};
use crate::params::attachment;
use crate::params::*;
use crate::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Extension;
use chiso_collect::Hierarchy;
use chiso_store::ValueQuery;
use serde::Deserialize;
use utoipa::IntoParams;

pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The Excel template of one unit's report, with the previous period's and last year's values
/// beside the cells to fill in.
#[utoipa::path(get, path = "/api/forms/{data_set}/{unit}/{period}/template.xlsx", tag = "collection",
    params(("data_set" = String, Path), ("unit" = String, Path), ("period" = String, Path)),
    responses((status = 200, description = "an .xlsx workbook"), (status = 404, body = ErrorBody),
        (status = 422, description = "the unit does not report this data set for that period", body = ErrorBody)))]
pub(crate) async fn unit_template(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path((ds, unit, period)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let r = report(&st, &ds, &unit, &period).await?;
    require(&st, &who, Action::Read, &[r.unit.as_str()]).await?;
    let hier = Hierarchy::of(&st.app).await;
    let form = chiso_collect::load_form(
        st.store.as_ref(),
        &hier,
        &r.ds,
        &r.unit,
        &r.period,
        today_in_vietnam(),
        true,
    )
    .await?;
    let t = chiso_io::xlsx::UnitTemplate {
        data_set: r.ds.code.to_string(),
        data_set_name: r.ds.name_vi.clone(),
        unit: r.unit.to_string(),
        unit_name: form.unit_name.clone(),
        period: r.period.to_string(),
        period_label: crate::format::period(&r.period, crate::i18n::Lang::Vi),
        elements: form
            .fields
            .iter()
            .map(|f| chiso_io::xlsx::TemplateElement {
                code: f.element.to_string(),
                name: f.name_vi.clone(),
                breakdown: f
                    .option
                    .as_ref()
                    .map(|o| (o.to_string(), f.option_name.clone().unwrap_or_default())),
                value_type: f.value_type,
                previous: f.previous.clone(),
                last_year: f.last_year.clone(),
                current: f.value.clone(),
                comment: f.comment.clone(),
            })
            .collect(),
    };
    let bytes = chiso_io::xlsx::write_unit_template(&t).map_err(ApiError::Internal)?;
    Ok(attachment(
        XLSX,
        &format!("{}_{}_{}.xlsx", r.ds.code, r.unit, r.period),
        bytes,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GridQuery {
    pub period: String,
    /// The consolidating unit: the template covers the units below it that report.
    pub unit: String,
}

/// The consolidator's Excel template: one row per reporting unit below `unit`, one column per
/// field.
#[utoipa::path(get, path = "/api/data-sets/{code}/template.xlsx", tag = "collection",
    params(("code" = String, Path), GridQuery),
    responses((status = 200, description = "an .xlsx workbook"), (status = 404, body = ErrorBody)))]
pub(crate) async fn grid_template(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path(code): Path<String>,
    q: Result<Query<GridQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let r = report(&st, &code, &q.unit, &q.period).await?;
    require(&st, &who, Action::Read, &[r.unit.as_str()]).await?;
    let hier = Hierarchy::of(&st.app).await;
    let units: Vec<&chiso_core::Unit> = hier
        .expected(&r.ds, &r.period)
        .into_iter()
        .filter(|u| hier.is_within(u.code.as_str(), r.unit.as_str()))
        .collect();
    if units.is_empty() {
        return Err(ApiError::NotFound(format!(
            "không có đơn vị nào dưới {} phải báo cáo biểu {} kỳ {} / no unit below {} reports it",
            r.unit, r.ds.code, r.period, r.unit
        )));
    }
    let elements = st.store.elements().await?;
    let breakdowns = st.store.breakdowns().await?;
    let mut columns = Vec::new();
    for code in &r.ds.elements {
        let Some(e) = elements.iter().find(|e| &e.code == code) else {
            continue;
        };
        match e
            .breakdown
            .as_ref()
            .and_then(|b| breakdowns.iter().find(|x| &x.code == b))
        {
            Some(b) => {
                for o in &b.options {
                    columns.push(chiso_io::xlsx::GridColumn {
                        element: code.to_string(),
                        option: Some(o.code.to_string()),
                        name: format!("{} — {}", e.name_vi, o.name_vi),
                        value_type: e.value_type,
                    })
                }
            }
            None => columns.push(chiso_io::xlsx::GridColumn {
                element: code.to_string(),
                option: None,
                name: e.name_vi.clone(),
                value_type: e.value_type,
            }),
        }
    }
    let stored = st
        .store
        .values(&ValueQuery {
            elements: r.ds.elements.clone(),
            units: units.iter().map(|u| u.code.clone()).collect(),
            periods: vec![r.period],
            ..Default::default()
        })
        .await?;
    let rows = units
        .iter()
        .map(|u| chiso_io::xlsx::GridRow {
            unit: u.code.to_string(),
            unit_name: u.name_vi.clone(),
            values: columns
                .iter()
                .map(|c| {
                    stored
                        .iter()
                        .find(|v| {
                            v.unit == u.code
                                && v.element.as_str() == c.element
                                && v.breakdown.as_ref().map(|b| b.as_str()) == c.option.as_deref()
                        })
                        .map(|v| v.value.clone())
                })
                .collect(),
        })
        .collect();
    let t = chiso_io::xlsx::GridTemplate {
        data_set: r.ds.code.to_string(),
        data_set_name: r.ds.name_vi.clone(),
        period: r.period.to_string(),
        period_label: crate::format::period(&r.period, crate::i18n::Lang::Vi),
        columns,
        rows,
    };
    let bytes = chiso_io::xlsx::write_grid_template(&t).map_err(ApiError::Internal)?;
    Ok(attachment(
        XLSX,
        &format!("{}_{}_{}_tong-hop.xlsx", r.ds.code, r.unit, r.period),
        bytes,
    ))
}

// ---- imports and exports ---------------------------------------------------------------------
