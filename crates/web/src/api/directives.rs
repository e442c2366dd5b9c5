//! Directives of the committee and the reports on them.

use crate::api::plans::may;
use crate::auth::{allowed, require, Action, Who};
use crate::clock::as_of_day;
use crate::error::{ApiError, ErrorBody};
use crate::params::{actor, body, code_param as code, date_param as date, query};
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use chiso_core::plan::*;
use chiso_store::Changes;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectiveParams {
    /// `overdue` (past the deadline, not done) or `due_soon` (not done, due within
    /// `within_days`); all when absent.
    pub filter: Option<String>,
    /// The day to judge on (YYYY-MM-DD); the stored day of the plans, else today.
    pub as_of: Option<String>,
    /// For `due_soon`: days ahead (default 30).
    pub within_days: Option<i64>,
    /// Only directives assigned to this unit.
    pub unit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DirectiveView {
    #[serde(flatten)]
    pub directive: Directive,
    pub as_of: NaiveDate,
    pub overdue: bool,
    pub due_soon: bool,
    /// Days past the deadline (overdue only).
    pub days_late: Option<i64>,
}

/// The meeting's directives with their deadline status: the overdue and due-soon lists
/// leaders read.
#[utoipa::path(get, path = "/api/directives", tag = "plans", params(DirectiveParams),
    responses((status = 200, body = [DirectiveView]), (status = 400, body = ErrorBody)))]
pub(crate) async fn list_directives(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<DirectiveParams>, QueryRejection>,
) -> Result<Json<Vec<DirectiveView>>, ApiError> {
    // Lists show only what the caller may read; an anonymous caller of a private server
    // is asked to log in.
    require(&st, &who, Action::ReadMeta, &[]).await?;
    let p = query(q)?;
    let day = match date("as_of", &p.as_of)? {
        Some(d) => d,
        None => as_of_day(&st).await?,
    };
    let within = p.within_days.unwrap_or(30).clamp(0, 3660);
    let unit = p.unit.as_deref().map(|u| code("unit", u)).transpose()?;
    let filter = p.filter.as_deref().unwrap_or("");
    if !matches!(filter, "" | "overdue" | "due_soon") {
        return Err(ApiError::bad(
            "filter",
            format!("'{filter}': use overdue or due_soon"),
        ));
    }
    let all = st.store.directives().await?;
    let engine = st.app.read().await;
    let out = all
        .into_iter()
        .filter(|d| {
            d.assignees.iter().any(|a| {
                allowed(
                    &who,
                    Action::Read,
                    Some(a.as_str()),
                    &engine,
                    st.auth.public_read,
                )
            })
        })
        .filter(|d| unit.as_ref().is_none_or(|u| d.assignees.contains(u)))
        .map(|d| {
            let overdue = d.overdue(day);
            DirectiveView {
                overdue,
                due_soon: d.due_soon(day, within),
                days_late: overdue.then(|| (day - d.due).num_days()),
                as_of: day,
                directive: d,
            }
        })
        .filter(|v| match filter {
            "overdue" => v.overdue,
            "due_soon" => v.due_soon,
            _ => true,
        })
        .collect();
    Ok(Json(out))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectivesIn {
    pub directives: Vec<Directive>,
}

/// Record a meeting's directives (framework administrators). All or nothing.
#[utoipa::path(post, path = "/api/directives", tag = "plans", request_body = DirectivesIn,
    responses((status = 200, body = Changes), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn write_directives(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    b: Result<Json<DirectivesIn>, JsonRejection>,
) -> Result<Json<Changes>, ApiError> {
    let ds = body(b)?.directives;
    crate::params::at_most_items("directives", ds.len())?;
    require(&st, &who, Action::ManageFramework, &[]).await?;
    let changes = st.app.upsert_directives(&ds, &actor(&who)).await?;
    Ok(Json(changes))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectiveReportIn {
    pub on: Option<NaiveDate>,
    pub progress: u8,
    #[serde(default)]
    pub note: String,
    pub evidence: Option<String>,
    /// Mark the directive done (on `on`, or today).
    #[serde(default)]
    pub done: bool,
}

/// Report progress on a directive, with evidence: any of its assigned units.
#[utoipa::path(post, path = "/api/directives/{code}/reports", tag = "plans", request_body = DirectiveReportIn,
    params(("code" = String, Path, description = "Directive code")),
    responses((status = 200, body = DirectiveView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn report_directive(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path(c): Path<String>,
    b: Result<Json<DirectiveReportIn>, JsonRejection>,
) -> Result<Json<DirectiveView>, ApiError> {
    let r = body(b)?;
    let c = code("code", &c)?;
    let d = st
        .store
        .directives()
        .await?
        .into_iter()
        .find(|d| d.code == c)
        .ok_or_else(|| ApiError::NotFound(format!("không có chỉ đạo {c}")))?;
    let mut permitted = false;
    for a in &d.assignees {
        permitted = permitted || may(&st, &who, Action::WriteData, a.as_str()).await;
    }
    if !permitted {
        let first: Vec<&str> = d.assignees.iter().take(1).map(|a| a.as_str()).collect();
        require(&st, &who, Action::WriteData, &first).await?;
    }
    let on = r.on.unwrap_or_else(crate::clock::today_in_vietnam);
    let name = who.name();
    let change = move |d: &mut Directive| {
        d.progress = r.progress;
        if r.done {
            d.status = DirectiveStatus::Done;
            d.completed_on = Some(on);
        } else if d.status == DirectiveStatus::Open && r.progress > 0 {
            d.status = DirectiveStatus::InProgress;
        }
        d.reports.push(ProgressUpdate {
            on,
            progress: r.progress,
            note: r.note.clone(),
            note_en: None,
            evidence: r.evidence.clone(),
            by: name.clone(),
        });
        Ok(())
    };
    let d = st
        .app
        .modify_directive(&d.code, &change, &actor(&who))
        .await?;
    let day = as_of_day(&st).await?;
    let overdue = d.overdue(day);
    Ok(Json(DirectiveView {
        overdue,
        due_soon: d.due_soon(day, 30),
        days_late: overdue.then(|| (day - d.due).num_days()),
        as_of: day,
        directive: d,
    }))
}

// ---- registers -----------------------------------------------------------------------------
