//! Plans, directives and registers over HTTP: a unit's yearly DX plan (draft → submitted →
//! approved by the level above), its tasks' progress, the meeting's directives with their
//! overdue and due-soon lists, the registers, product coverage, and the roadmap as SVG.
//!
//! After every change the derived figures of the years it touches are recomputed
//! (`chiso_core::derived`) and written through the engine's one write path, so the analytics
//! API answers them like any indicator.

use crate::api::{code_param as code, date_param as date, query};
use crate::auth::{allowed, require, Action, Who};
use crate::error::{ApiError, ErrorBody};
use crate::i18n::Lang;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use chiso_core::plan::{
    Directive, DirectiveStatus, Plan, ProgressUpdate, RegisterEntry, RegisterKind, TaskStatus,
};
use chiso_core::{derived, Code, Period, Unit, Via};
use chiso_engine::Scope;
use chiso_store::{Actor, Changes, FieldError, UnitQuery};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/plans", get(list_plans).post(write_plans))
        .route("/api/plans/import", post(import_plans))
        .route("/api/plans/{code}", get(get_plan))
        .route("/api/plans/{code}/submit", post(submit_plan))
        .route("/api/plans/{code}/decision", post(decide_plan))
        .route("/api/plans/{code}/progress", post(task_progress))
        .route("/api/plans/{code}/comments", post(comment_plan))
        .route("/api/plans/{code}/xlsx", get(export_plan))
        .route(
            "/api/directives",
            get(list_directives).post(write_directives),
        )
        .route("/api/directives/{code}/reports", post(report_directive))
        .route(
            "/api/register",
            get(list_register)
                .post(write_register)
                .delete(delete_register),
        )
        .route("/api/register/xlsx", get(export_products))
        .route("/api/register/import", post(import_products))
        .route("/api/product-coverage", get(product_coverage))
        .route("/plans/{code}/roadmap.svg", get(plan_roadmap))
        .route("/roadmap.svg", get(province_roadmap))
}

fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    b.map(|Json(t)| t).map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(crate::MAX_BODY)
        } else {
            ApiError::bad("body", e.body_text())
        }
    })
}

fn actor(who: &Who) -> Actor {
    Actor::new(who.name(), Via::Api)
}

/// The day figures are read at (the store's "as of" day, else today in Vietnam).
pub(crate) async fn as_of_day(st: &AppState) -> Result<NaiveDate, ApiError> {
    Ok(st.app.as_of_day().await?)
}

async fn may(st: &AppState, who: &Who, action: Action, unit: &str) -> bool {
    let engine = st.app.read().await;
    allowed(who, action, Some(unit), &engine, st.auth.public_read)
}

// ---- plans ---------------------------------------------------------------------------------

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanParams {
    /// Only the plan of this unit.
    pub unit: Option<String>,
    pub year: Option<i32>,
}

/// A plan with what the roadmap shows: its tasks at risk (progress behind the time elapsed)
/// and overdue on the day figures are read at.
#[derive(Serialize, ToSchema)]
pub struct PlanView {
    #[serde(flatten)]
    pub plan: Plan,
    pub as_of: NaiveDate,
    /// Codes of tasks whose progress lags the share of their time elapsed.
    pub at_risk: Vec<String>,
    /// Codes of tasks past their due date and not done.
    pub overdue: Vec<String>,
}

fn view(plan: Plan, day: NaiveDate) -> PlanView {
    let at_risk = plan
        .tasks
        .iter()
        .filter(|t| t.at_risk(day))
        .map(|t| t.code.to_string())
        .collect();
    let overdue = plan
        .tasks
        .iter()
        .filter(|t| t.overdue(day))
        .map(|t| t.code.to_string())
        .collect();
    PlanView {
        plan,
        as_of: day,
        at_risk,
        overdue,
    }
}

/// The plans the caller may read, of a unit and/or a year.
#[utoipa::path(get, path = "/api/plans", tag = "plans", params(PlanParams),
    responses((status = 200, body = [PlanView]), (status = 400, body = ErrorBody)))]
pub(crate) async fn list_plans(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<PlanParams>, QueryRejection>,
) -> Result<Json<Vec<PlanView>>, ApiError> {
    // Lists show only what the caller may read; an anonymous caller of a private server
    // is asked to log in.
    require(&st, &who, Action::ReadMeta, &[]).await?;
    let p = query(q)?;
    let unit = p.unit.as_deref().map(|u| code("unit", u)).transpose()?;
    if let Some(u) = &unit {
        require(&st, &who, Action::Read, &[u.as_str()]).await?;
    }
    let plans = st.store.plans(unit.as_ref(), p.year).await?;
    let day = as_of_day(&st).await?;
    let engine = st.app.read().await;
    let visible = plans
        .into_iter()
        .filter(|p| {
            allowed(
                &who,
                Action::Read,
                Some(p.unit.as_str()),
                &engine,
                st.auth.public_read,
            )
        })
        .map(|p| view(p, day))
        .collect();
    Ok(Json(visible))
}

async fn load_plan(st: &AppState, who: &Who, c: &str) -> Result<Plan, ApiError> {
    let c = code("code", c)?;
    let plan = st
        .store
        .plan(&c)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("không có kế hoạch {c}")))?;
    require(st, who, Action::Read, &[plan.unit.as_str()]).await?;
    Ok(plan)
}

/// One plan with its tasks.
#[utoipa::path(get, path = "/api/plans/{code}", tag = "plans",
    params(("code" = String, Path, description = "Plan code")),
    responses((status = 200, body = PlanView), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_plan(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path(c): Path<String>,
) -> Result<Json<PlanView>, ApiError> {
    let plan = load_plan(&st, &who, &c).await?;
    Ok(Json(view(plan, as_of_day(&st).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct PlansIn {
    pub plans: Vec<Plan>,
}

/// Create or edit plans (whole, with their tasks). A unit's data-entry officer edits its own
/// plan while it is a draft or returned; the approval fields are the server's. All or nothing.
#[utoipa::path(post, path = "/api/plans", tag = "plans", request_body = PlansIn,
    responses((status = 200, body = Changes), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn write_plans(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    b: Result<Json<PlansIn>, JsonRejection>,
) -> Result<Json<Changes>, ApiError> {
    let plans = body(b)?.plans;
    Ok(Json(save_plans(&st, &who, plans).await?))
}

/// Check the caller may edit each plan's unit, write them as the unit's edits (the store keeps
/// the approval fields and refuses plans past draft), all or nothing, and recompute the figures.
pub(crate) async fn save_plans(
    st: &AppState,
    who: &Who,
    plans: Vec<Plan>,
) -> Result<Changes, ApiError> {
    if plans.len() > crate::api::MAX_ITEMS {
        return Err(ApiError::bad(
            "plans",
            "quá nhiều kế hoạch trong một lần gửi",
        ));
    }
    let refs: Vec<&str> = plans.iter().map(|p| p.unit.as_str()).collect();
    require(st, who, Action::WriteData, &refs).await?;
    let changes = st.app.edit_plans(&plans, &actor(who)).await?;
    Ok(changes)
}

/// Apply a change to a stored plan under the store's row lock, then recompute its year.
async fn modified_plan(
    st: &AppState,
    who: &Who,
    code: &Code,
    change: &chiso_store::PlanChange<'_>,
) -> Result<Json<PlanView>, ApiError> {
    let plan = st.app.modify_plan(code, change, &actor(who)).await?;
    Ok(Json(view(plan, as_of_day(st).await?)))
}

/// Submit a plan for approval (its unit's data-entry officer).
#[utoipa::path(post, path = "/api/plans/{code}/submit", tag = "plans",
    params(("code" = String, Path, description = "Plan code")),
    responses((status = 200, body = PlanView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn submit_plan(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path(c): Path<String>,
) -> Result<Json<PlanView>, ApiError> {
    let plan = load_plan(&st, &who, &c).await?;
    require(&st, &who, Action::WriteData, &[plan.unit.as_str()]).await?;
    let name = who.name();
    let today = crate::figures::today_in_vietnam();
    let change = move |p: &mut Plan| {
        p.submit(&name, today)
            .map_err(|r| FieldError::new(None, "status", r))
    };
    modified_plan(&st, &who, &plan.code, &change).await
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionIn {
    /// true: approve; false: return to the unit with the comment.
    pub approve: bool,
    pub comment: Option<String>,
}

/// Approve or return a submitted plan: an approver (or framework administrator) over the level
/// above the plan's unit; never the account that submitted it.
#[utoipa::path(post, path = "/api/plans/{code}/decision", tag = "plans", request_body = DecisionIn,
    params(("code" = String, Path, description = "Plan code")),
    responses((status = 200, body = PlanView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn decide_plan(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path(c): Path<String>,
    b: Result<Json<DecisionIn>, JsonRejection>,
) -> Result<Json<PlanView>, ApiError> {
    let d = body(b)?;
    let plan = load_plan(&st, &who, &c).await?;
    // The level above decides: the unit's parent (the unit itself for a root).
    let above = st
        .store
        .unit(&plan.unit)
        .await?
        .and_then(|u| u.unit.parent)
        .unwrap_or_else(|| plan.unit.clone());
    require(&st, &who, Action::ApprovePlans, &[above.as_str()]).await?;
    if plan.submitted_by.as_deref() == Some(who.name().as_str()) {
        return Err(ApiError::Forbidden(
            "không ai được tự phê duyệt kế hoạch do chính mình gửi".into(),
        ));
    }
    let name = who.name();
    let today = crate::figures::today_in_vietnam();
    let change = move |p: &mut Plan| {
        p.decide(d.approve, &name, today, d.comment.as_deref())
            .map_err(|r| FieldError::new(None, "approve", r))
    };
    modified_plan(&st, &who, &plan.code, &change).await
}

#[derive(Deserialize, ToSchema)]
pub struct CommentIn {
    pub text: String,
}

/// Comment on a plan: its unit, or whoever may approve it.
#[utoipa::path(post, path = "/api/plans/{code}/comments", tag = "plans", request_body = CommentIn,
    params(("code" = String, Path, description = "Plan code")),
    responses((status = 200, body = PlanView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn comment_plan(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path(c): Path<String>,
    b: Result<Json<CommentIn>, JsonRejection>,
) -> Result<Json<PlanView>, ApiError> {
    let input = body(b)?;
    let plan = load_plan(&st, &who, &c).await?;
    if !may(&st, &who, Action::WriteData, plan.unit.as_str()).await {
        let above = st
            .store
            .unit(&plan.unit)
            .await?
            .and_then(|u| u.unit.parent)
            .unwrap_or_else(|| plan.unit.clone());
        require(&st, &who, Action::ApprovePlans, &[above.as_str()]).await?;
    }
    let text = input.text.trim().to_string();
    if text.is_empty() || text.chars().count() > chiso_core::plan::MAX_TEXT {
        return Err(ApiError::Invalid(vec![FieldError::new(
            None,
            "text",
            "ý kiến không được để trống hoặc dài quá 4000 ký tự",
        )]));
    }
    let name = who.name();
    let today = crate::figures::today_in_vietnam();
    let change = move |p: &mut Plan| {
        p.comments.push(chiso_core::plan::Comment {
            on: today,
            by: name.clone(),
            text: text.clone(),
        });
        Ok(())
    };
    modified_plan(&st, &who, &plan.code, &change).await
}

#[derive(Deserialize, ToSchema)]
pub struct ProgressIn {
    /// The task's code in the plan.
    pub task: String,
    /// The report's date (YYYY-MM-DD); today when absent.
    pub on: Option<NaiveDate>,
    pub progress: u8,
    #[serde(default)]
    pub note: String,
    pub evidence: Option<String>,
    /// New status (not_started, in_progress, done, cancelled); done needs `completed_on`
    /// (defaults to the report's date).
    pub status: Option<TaskStatus>,
    pub completed_on: Option<NaiveDate>,
    /// Budget spent so far, in VND.
    pub budget_spent: Option<i64>,
}

/// Report a task's progress, with evidence: the plan's unit or the task's lead unit.
#[utoipa::path(post, path = "/api/plans/{code}/progress", tag = "plans", request_body = ProgressIn,
    params(("code" = String, Path, description = "Plan code")),
    responses((status = 200, body = PlanView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn task_progress(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path(c): Path<String>,
    b: Result<Json<ProgressIn>, JsonRejection>,
) -> Result<Json<PlanView>, ApiError> {
    let p = body(b)?;
    let plan = load_plan(&st, &who, &c).await?;
    let task_code = code("task", &p.task)?;
    let Some(i) = plan.tasks.iter().position(|t| t.code == task_code) else {
        return Err(ApiError::NotFound(format!(
            "kế hoạch {} không có nhiệm vụ {task_code}",
            plan.code
        )));
    };
    let lead = plan.tasks[i].lead.clone();
    if !may(&st, &who, Action::WriteData, plan.unit.as_str()).await {
        require(&st, &who, Action::WriteData, &[lead.as_str()]).await?;
    }
    let on = p.on.unwrap_or_else(crate::figures::today_in_vietnam);
    let name = who.name();
    let change = move |plan: &mut Plan| {
        let Some(t) = plan.tasks.iter_mut().find(|t| t.code == task_code) else {
            return Err(FieldError::new(
                None,
                "task",
                format!("không có nhiệm vụ {task_code}"),
            ));
        };
        t.progress = p.progress;
        if let Some(s) = p.status {
            t.status = s;
            t.completed_on = (s == TaskStatus::Done).then_some(p.completed_on.unwrap_or(on));
        } else if t.status == TaskStatus::NotStarted && p.progress > 0 {
            t.status = TaskStatus::InProgress;
        }
        if let Some(spent) = p.budget_spent {
            t.budget_spent = spent;
        }
        t.updates.push(ProgressUpdate {
            on,
            progress: p.progress,
            note: p.note.clone(),
            evidence: p.evidence.clone(),
            by: name.clone(),
        });
        Ok(())
    };
    modified_plan(&st, &who, &plan.code, &change).await
}

// ---- directives ----------------------------------------------------------------------------

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
    require(&st, &who, Action::ManageFramework, &[]).await?;
    let changes = st.app.upsert_directives(&ds, &actor(&who)).await?;
    Ok(Json(changes))
}

#[derive(Deserialize, ToSchema)]
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
    let on = r.on.unwrap_or_else(crate::figures::today_in_vietnam);
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegisterParams {
    /// product, system, partner or dead_zone; all when absent.
    pub kind: Option<String>,
    /// Only entries of this unit.
    pub owner: Option<String>,
}

fn kind_param(s: &Option<String>) -> Result<Option<RegisterKind>, ApiError> {
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
    if entries.len() > crate::api::MAX_ITEMS {
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

#[derive(Serialize, ToSchema)]
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

fn xlsx_response(bytes: Vec<u8>, name: &str) -> Response {
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
    let plans = chiso_io::plans_xlsx::read_plans(&bytes, &|c: &str| units.contains(c))
        .map_err(cell_errors)?;
    Ok(Json(save_plans(&st, &who, plans).await?))
}

fn cell_errors(errs: Vec<chiso_io::FileError>) -> ApiError {
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

async fn unit_codes(st: &AppState) -> Result<std::collections::HashSet<String>, ApiError> {
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
    let products = chiso_io::plans_xlsx::read_products(&bytes, &|c: &str| units.contains(c))
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

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One bar of the roadmap.
pub struct Bar {
    pub label: String,
    pub start: NaiveDate,
    pub due: NaiveDate,
    pub progress: u8,
    pub done: bool,
    pub at_risk: bool,
    pub overdue: bool,
}

/// A Gantt-style roadmap of a year as SVG: one bar per task from start to due, filled to its
/// progress; red when overdue, amber when at risk (progress behind the time elapsed), green
/// when done; a line marks the day.
/// The words a roadmap shows, in the page's language.
pub struct RoadmapLabels {
    pub done: String,
    pub on_track: String,
    pub at_risk: String,
    pub overdue: String,
    pub legend: String,
    /// Month names, January first.
    pub months: [String; 12],
}

impl RoadmapLabels {
    fn new(st: &AppState, lang: Lang) -> RoadmapLabels {
        let t = |k: &str| st.i18n.t(lang, k, &[]);
        let months = std::array::from_fn(|i| match lang {
            Lang::Vi => format!("T{}", i + 1),
            Lang::En => [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ][i]
                .to_string(),
        });
        RoadmapLabels {
            done: t("task-state-done"),
            on_track: t("task-state-on_track"),
            at_risk: t("task-state-at_risk"),
            overdue: t("task-state-overdue"),
            legend: t("roadmap-legend"),
            months,
        }
    }
}

pub fn roadmap_svg(
    title: &str,
    year: i32,
    day: NaiveDate,
    bars: &[Bar],
    labels: &RoadmapLabels,
) -> String {
    const LEFT: f64 = 330.0;
    const WIDTH: f64 = 720.0;
    const ROW: f64 = 24.0;
    const TOP: f64 = 50.0;
    let (Some(y0), Some(y1)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year + 1, 1, 1),
    ) else {
        return String::new();
    };
    let days = (y1 - y0).num_days() as f64;
    let x = |d: NaiveDate| {
        let d = d.clamp(y0, y1);
        LEFT + WIDTH * (d - y0).num_days() as f64 / days
    };
    let height = TOP + ROW * bars.len() as f64 + 40.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" viewBox=\"0 0 {w} {height}\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"{t}\">\n<title>{t}</title>\n<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">{t}</text>\n",
        w = LEFT + WIDTH + 20.0,
        t = esc(title)
    );
    for m in 1..=12u32 {
        let Some(d) = NaiveDate::from_ymd_opt(year, m, 1) else {
            continue;
        };
        let xm = x(d);
        s.push_str(&format!(
            "<line x1=\"{xm:.1}\" y1=\"{}\" x2=\"{xm:.1}\" y2=\"{:.1}\" stroke=\"#ddd\"/><text x=\"{:.1}\" y=\"{}\" fill=\"#555\">{}</text>\n",
            TOP - 12.0,
            height - 30.0,
            xm + 3.0,
            TOP - 16.0,
            esc(&labels.months[(m - 1) as usize])
        ));
    }
    for (i, b) in bars.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let (x0, x1) = (x(b.start), x(b.due).max(x(b.start) + 2.0));
        let fill = if b.done {
            "#2e7d32"
        } else if b.overdue {
            "#c62828"
        } else if b.at_risk {
            "#ef8f00"
        } else {
            "#1565c0"
        };
        let state = esc(if b.done {
            &labels.done
        } else if b.overdue {
            &labels.overdue
        } else if b.at_risk {
            &labels.at_risk
        } else {
            &labels.on_track
        });
        let label: String = b.label.chars().take(48).collect();
        s.push_str(&format!(
            "<g><title>{full} — {p}% ({state}) {st} → {du}</title><text x=\"10\" y=\"{ty:.1}\">{label}</text><rect x=\"{x0:.1}\" y=\"{ry:.1}\" width=\"{w:.1}\" height=\"14\" fill=\"{fill}\" fill-opacity=\"0.25\" stroke=\"{fill}\"/><rect x=\"{x0:.1}\" y=\"{ry:.1}\" width=\"{pw:.1}\" height=\"14\" fill=\"{fill}\"/><text x=\"{tx:.1}\" y=\"{ty:.1}\" fill=\"#333\">{p}%</text></g>\n",
            full = esc(&b.label),
            p = b.progress,
            st = b.start.format("%d/%m/%Y"),
            du = b.due.format("%d/%m/%Y"),
            ty = y + 12.0,
            label = esc(&label),
            ry = y + 1.0,
            w = x1 - x0,
            pw = (x1 - x0) * f64::from(b.progress.min(100)) / 100.0,
            tx = x1 + 4.0,
        ));
    }
    if day >= y0 && day < y1 {
        let xd = x(day);
        s.push_str(&format!(
            "<line x1=\"{xd:.1}\" y1=\"{}\" x2=\"{xd:.1}\" y2=\"{:.1}\" stroke=\"#c62828\" stroke-dasharray=\"4 3\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#c62828\">{}</text>\n",
            TOP - 12.0,
            height - 30.0,
            xd + 3.0,
            height - 16.0,
            day.format("%d/%m/%Y")
        ));
    }
    s.push_str(&format!(
        "<text x=\"10\" y=\"{:.1}\" fill=\"#555\">{}</text>\n</svg>\n",
        height - 4.0,
        esc(&labels.legend)
    ));
    s
}

fn bars_of(plan: &Plan, day: NaiveDate, unit_name: Option<&str>) -> Vec<Bar> {
    plan.tasks
        .iter()
        .map(|t| Bar {
            label: if let Some(u) = unit_name {
                format!("{u} · {}", t.title)
            } else {
                format!("{}. {}", t.code, t.title)
            },
            start: t.start,
            due: t.due,
            progress: t.progress,
            done: t.status == TaskStatus::Done,
            at_risk: t.at_risk(day),
            overdue: t.overdue(day),
        })
        .collect()
}

fn svg(body: String) -> Response {
    (
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        body,
    )
        .into_response()
}

#[derive(Deserialize)]
struct RoadmapParams {
    year: Option<i32>,
    lang: Option<String>,
}

fn lang_of(p: &RoadmapParams) -> Lang {
    p.lang.as_deref().and_then(Lang::parse).unwrap_or(Lang::Vi)
}

async fn plan_roadmap(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path(c): Path<String>,
    q: Result<Query<RoadmapParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let p = query(q)?;
    let plan = load_plan(&st, &who, &c).await?;
    let day = as_of_day(&st).await?;
    Ok(svg(roadmap_svg(
        &plan.title,
        plan.year,
        day,
        &bars_of(&plan, day, None),
        &RoadmapLabels::new(&st, lang_of(&p)),
    )))
}

async fn province_roadmap(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<RoadmapParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    // Lists show only what the caller may read; an anonymous caller of a private server
    // is asked to log in.
    require(&st, &who, Action::ReadMeta, &[]).await?;
    let p = query(q)?;
    let day = as_of_day(&st).await?;
    let year = p.year.unwrap_or(day.year());
    let lang = lang_of(&p);
    let plans = st.store.plans(None, Some(year)).await?;
    let names: std::collections::HashMap<String, String> = st
        .store
        .units(&UnitQuery {
            codes: plans.iter().map(|p| p.unit.clone()).collect(),
            ..Default::default()
        })
        .await?
        .into_iter()
        .map(|u| {
            (
                u.unit.code.to_string(),
                u.unit.name(lang.as_str()).to_string(),
            )
        })
        .collect();
    let engine = st.app.read().await;
    let bars: Vec<Bar> = plans
        .iter()
        .filter(|p| {
            allowed(
                &who,
                Action::Read,
                Some(p.unit.as_str()),
                &engine,
                st.auth.public_read,
            )
        })
        .flat_map(|p| {
            let unit = names
                .get(p.unit.as_str())
                .map(String::as_str)
                .unwrap_or(p.unit.as_str());
            bars_of(p, day, Some(unit))
        })
        .collect();
    drop(engine);
    Ok(svg(roadmap_svg(
        &format!("{} {year}", st.i18n.t(lang, "roadmap-province", &[])),
        year,
        day,
        &bars,
        &RoadmapLabels::new(&st, lang),
    )))
}
