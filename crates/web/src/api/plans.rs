//! DX plans and their tasks: written, submitted, decided, reported on, exported.

use crate::auth::{allowed, require, Action, Who};
use crate::clock::as_of_day;
use crate::error::{ApiError, ErrorBody};
use crate::params::{actor, body, code_param as code, query};
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use chiso_core::plan::*;
use chiso_core::Code;
use chiso_store::{Changes, FieldError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub(crate) async fn may(st: &AppState, who: &Who, action: Action, unit: &str) -> bool {
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

pub(crate) fn view(plan: Plan, day: NaiveDate) -> PlanView {
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

pub(crate) async fn load_plan(st: &AppState, who: &Who, c: &str) -> Result<Plan, ApiError> {
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
#[serde(deny_unknown_fields)]
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
    if plans.len() > crate::params::MAX_ITEMS {
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
pub(crate) async fn modified_plan(
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
    let today = crate::clock::today_in_vietnam();
    let change = move |p: &mut Plan| {
        p.submit(&name, today)
            .map_err(|r| FieldError::new(None, "status", r))
    };
    modified_plan(&st, &who, &plan.code, &change).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
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
    let today = crate::clock::today_in_vietnam();
    let change = move |p: &mut Plan| {
        p.decide(d.approve, &name, today, d.comment.as_deref())
            .map_err(|r| FieldError::new(None, "approve", r))
    };
    modified_plan(&st, &who, &plan.code, &change).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
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
    let today = crate::clock::today_in_vietnam();
    let change = move |p: &mut Plan| {
        p.comments.push(chiso_core::plan::Comment {
            on: today,
            by: name.clone(),
            text: text.clone(),
            text_en: None,
        });
        Ok(())
    };
    modified_plan(&st, &who, &plan.code, &change).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
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
    let on = p.on.unwrap_or_else(crate::clock::today_in_vietnam);
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
            note_en: None,
            evidence: p.evidence.clone(),
            by: name.clone(),
        });
        Ok(())
    };
    modified_plan(&st, &who, &plan.code, &change).await
}

// ---- directives ----------------------------------------------------------------------------
