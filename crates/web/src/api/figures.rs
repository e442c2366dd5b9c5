//! Indicator values with their changes, rankings, and target frameworks with each target's
//! status — all answered by the engine, in the official view (what is published: values
//! approved at the last level of their report's chain, or not collected through a data set)
//! unless `view=live` is asked by someone with a right over the units. Every figure comes
//! with its `coverage`: units that reported of units expected.

use crate::auth::{allowed, require, require_scope, Action, Who};
use crate::error::{ApiError, ErrorBody};
use crate::params::*;
use crate::params::{code_param as code, date_param as date};
use crate::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use chiso_core::{Assessment, Framework, Target};
use chiso_core::{Code, Period};
use chiso_engine::{Comparison, Coverage, Ranked, Scope, View};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub(crate) fn period(s: &Option<String>) -> Result<Period, ApiError> {
    let s = s
        .as_deref()
        .ok_or_else(|| ApiError::bad("period", "the period is missing"))?;
    Period::parse(s).map_err(|e| ApiError::bad("period", e.to_string()))
}

/// The view asked: `official` (the default) or `live`.
pub(crate) fn view(v: &Option<String>) -> Result<View, ApiError> {
    match v.as_deref().filter(|s| !s.is_empty()) {
        None => Ok(View::Official),
        Some(s) => View::parse(s).ok_or_else(|| {
            ApiError::bad("view", format!("'{s}' is not a view; use official or live"))
        }),
    }
}

/// The live view shows what is still being entered or approved: only to a signed-in person
/// with the right to read every unit concerned (never by public reading).
pub(crate) async fn require_view(
    st: &AppState,
    who: &Who,
    view: View,
    units: &[&str],
) -> Result<(), ApiError> {
    if view == View::Official {
        return Ok(());
    }
    let Who::User(p) = who else {
        return Err(ApiError::Unauthorized);
    };
    let engine = st.app.read().await;
    match units
        .iter()
        .find(|u| !allowed(who, Action::Read, Some(u), &engine, false))
    {
        None => Ok(()),
        Some(u) => Err(ApiError::Forbidden(format!(
            "{} may not read the live figures of unit {u}",
            p.username
        ))),
    }
}

/// The units a scope names: the unit, or the group's members.
async fn scope_units(st: &AppState, scope: &Scope) -> Result<Vec<Code>, ApiError> {
    Ok(match scope {
        Scope::Unit(u) => vec![u.clone()],
        Scope::Group(g) => st.app.read().await.group_members(g)?,
        Scope::Units(us) => us.clone(),
    })
}

pub(crate) fn scope(unit: &Option<String>, group: &Option<String>) -> Result<Scope, ApiError> {
    match (unit.as_deref(), group.as_deref()) {
        (Some(u), None) => Ok(Scope::Unit(code("unit", u)?)),
        (None, Some(g)) => Ok(Scope::Group(code("group", g)?)),
        _ => Err(ApiError::bad("unit", "give either unit or group")),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ValueParams {
    /// Indicator code.
    #[param(required = true)]
    pub indicator: Option<String>,
    /// A unit (with everything below it)…
    pub unit: Option<String>,
    /// …or a unit group (e.g. a tier of agencies).
    pub group: Option<String>,
    #[param(required = true)]
    pub period: Option<String>,
    /// Read the figures in the structure of this date (YYYY-MM-DD).
    pub as_of: Option<String>,
    /// `official` (default: approved values and those not collected through a data set) or
    /// `live` (everything entered; for a signed-in person with a right over the units).
    pub view: Option<String>,
}

/// An indicator's value with its numerator, denominator, coverage (units that reported of
/// units expected) and changes: against the same period last year and the previous period
/// (for a rate in percentage points; for an amount absolute and relative), each saying
/// whether it compares figures of like coverage.
#[utoipa::path(get, path = "/api/indicator-values", tag = "analytics", params(ValueParams),
    responses((status = 200, body = Comparison), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn indicator_value(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<ValueParams>, QueryRejection>,
) -> Result<Json<Comparison>, ApiError> {
    let p = query(q)?;
    let ind = p
        .indicator
        .as_deref()
        .ok_or_else(|| ApiError::bad("indicator", "the indicator is missing"))?;
    let scope = scope(&p.unit, &p.group)?;
    let per = period(&p.period)?;
    let as_of = date("as_of", &p.as_of)?;
    let view = view(&p.view)?;
    let public = crate::auth::public_indicators(&st, &who, &*st.app.read().await, &[ind]);
    if !public {
        require_scope(&st, &who, Action::Read, &scope).await?;
    }
    let units = scope_units(&st, &scope).await?;
    let refs: Vec<&str> = units.iter().map(|u| u.as_str()).collect();
    require_view(&st, &who, view, &refs).await?;
    let engine = st.app.read().await;
    if !engine.has_indicator(ind) {
        return Err(ApiError::bad(
            "indicator",
            format!("unknown indicator {ind}"),
        ));
    }
    engine
        .view(view)
        .compare(ind, &scope, &per, as_of)?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("{ind} has no value for that unit and period")))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RankParams {
    #[param(required = true)]
    pub indicator: Option<String>,
    /// Rank the units at `level` below this unit…
    pub parent: Option<String>,
    /// …at this level (1 = provinces), default: the parent's children.
    pub level: Option<String>,
    /// …or the members of a group.
    pub group: Option<String>,
    #[param(required = true)]
    pub period: Option<String>,
    pub as_of: Option<String>,
    /// `official` (default) or `live`.
    pub view: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RankingList {
    /// The view the figures come from.
    pub view: View,
    /// Each unit with its value, rank and coverage.
    pub rankings: Vec<Ranked>,
}

/// Rank units by an indicator (best first by its direction; ties share a rank), each with
/// what its figure stands on.
#[utoipa::path(get, path = "/api/rankings", tag = "analytics", params(RankParams),
    responses((status = 200, body = RankingList), (status = 400, body = ErrorBody)))]
pub async fn rankings(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<RankParams>, QueryRejection>,
) -> Result<Json<RankingList>, ApiError> {
    let p = query(q)?;
    let ind = p
        .indicator
        .as_deref()
        .ok_or_else(|| ApiError::bad("indicator", "the indicator is missing"))?;
    let per = period(&p.period)?;
    let as_of = date("as_of", &p.as_of)?;
    let view = view(&p.view)?;
    let engine = st.app.read().await;
    if !engine.has_indicator(ind) {
        return Err(ApiError::bad(
            "indicator",
            format!("unknown indicator {ind}"),
        ));
    }
    drop(engine);
    let units = chosen_units(&st, &who, &p.parent, &p.level, &p.group, as_of).await?;
    let refs: Vec<&str> = units.iter().map(|u| u.as_str()).collect();
    require_view(&st, &who, view, &refs).await?;
    let engine = st.app.read().await;
    Ok(Json(RankingList {
        view,
        rankings: engine.view(view).rank(ind, &units, &per, as_of)?,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct FrameworkSummary {
    #[schema(value_type = String)]
    pub code: Code,
    pub name_vi: String,
    pub name_en: Option<String>,
    pub targets: usize,
}

#[derive(Serialize, ToSchema)]
pub struct FrameworkList {
    pub target_frameworks: Vec<FrameworkSummary>,
}

/// Target frameworks.
#[utoipa::path(get, path = "/api/target-frameworks", tag = "analytics", responses((status = 200, body = FrameworkList)))]
pub async fn list_frameworks(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
) -> Result<Json<FrameworkList>, ApiError> {
    require(&st, &who, Action::ReadMeta, &[]).await?;
    let fws = st.store.frameworks().await?;
    Ok(Json(FrameworkList {
        target_frameworks: fws
            .into_iter()
            .map(|f| FrameworkSummary {
                targets: f.targets.len(),
                code: f.code,
                name_vi: f.name_vi,
                name_en: f.name_en,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct AssessedTarget {
    #[serde(flatten)]
    pub target: Target,
    pub assessment: Assessment,
    /// What a value target's figure stands on (none for a deadline).
    pub coverage: Option<Coverage>,
}

#[derive(Serialize, ToSchema)]
pub struct AssessedFramework {
    #[schema(value_type = String)]
    pub code: Code,
    pub name_vi: String,
    pub name_en: Option<String>,
    pub description: Option<String>,
    /// The view the figures come from.
    pub view: View,
    /// The date the statuses are judged on.
    pub today: NaiveDate,
    /// Targets met, beyond plan or done on time.
    pub achieved: usize,
    pub total: usize,
    pub targets: Vec<AssessedTarget>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FrameworkParams {
    /// Judge on this date (YYYY-MM-DD; default: today in Vietnam).
    pub today: Option<String>,
    /// `official` (default) or `live`.
    pub view: Option<String>,
}

/// A framework judged in a view: the targets whose units the reader may see.
pub(crate) async fn assessed_in(
    st: &AppState,
    code_s: &str,
    today: NaiveDate,
    who: &Who,
    view: View,
) -> Result<Option<AssessedFramework>, ApiError> {
    let fws: Vec<Framework> = st.store.frameworks().await?;
    let Some(f) = fws.into_iter().find(|f| f.code.as_str() == code_s) else {
        return Ok(None);
    };
    let engine = st.app.read().await;
    // Live figures only over units the reader has a right to, never by public reading.
    let public_read = st.auth.public_read && view == View::Official;
    let mut targets = Vec::new();
    for t in f.targets {
        // Only the targets whose units the reader may see.
        let visible = match &t.scope {
            chiso_core::TargetScope::Unit(u) => {
                allowed(who, Action::Read, Some(u.as_str()), &engine, public_read)
            }
            chiso_core::TargetScope::Group(g) => engine
                .group_members(g)
                .map(|m| {
                    m.iter()
                        .all(|u| allowed(who, Action::Read, Some(u.as_str()), &engine, public_read))
                })
                .unwrap_or(false),
        };
        if !visible {
            continue;
        }
        let v = engine.view(view);
        let assessment = v.assess(&t, today)?;
        let coverage = match (&t.indicator, t.due) {
            (Some(ind), None) => {
                let scope = match &t.scope {
                    chiso_core::TargetScope::Unit(u) => Scope::Unit(u.clone()),
                    chiso_core::TargetScope::Group(g) => Scope::Group(g.clone()),
                };
                v.coverage(ind.as_str(), &scope, &t.period)?
            }
            _ => None,
        };
        targets.push(AssessedTarget {
            target: t,
            assessment,
            coverage,
        });
    }
    let achieved = targets
        .iter()
        .filter(|t| t.assessment.status.achieved())
        .count();
    Ok(Some(AssessedFramework {
        total: targets.len(),
        achieved,
        code: f.code,
        name_vi: f.name_vi,
        name_en: f.name_en,
        description: f.description,
        view,
        today,
        targets,
    }))
}

/// A framework with every target's status (met, beyond plan, not met, at risk, done N days
/// early…) and the count achieved, e.g. 17 of 23.
#[utoipa::path(get, path = "/api/target-frameworks/{code}", tag = "analytics",
    params(("code" = String, Path, description = "Framework code"), FrameworkParams),
    responses((status = 200, body = AssessedFramework), (status = 404, body = ErrorBody)))]
pub async fn get_framework(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path(code_s): Path<String>,
    q: Result<Query<FrameworkParams>, QueryRejection>,
) -> Result<Json<AssessedFramework>, ApiError> {
    require(&st, &who, Action::ReadMeta, &[]).await?;
    let q = query(q)?;
    let view = view(&q.view)?;
    if view == View::Live && !matches!(who, Who::User(_)) {
        return Err(ApiError::Unauthorized);
    }
    let today = match date("today", &q.today)? {
        Some(d) => d,
        None => crate::clock::as_of_day(&st).await?,
    };
    assessed_in(&st, &code_s, today, &who, view)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("unknown target framework {code_s}")))
}

#[derive(Serialize, ToSchema)]
pub struct ScorecardList {
    pub scorecards: Vec<chiso_core::Scorecard>,
}

/// Scorecards and their pillars, criteria and rules.
#[utoipa::path(get, path = "/api/scorecards", tag = "analytics", responses((status = 200, body = ScorecardList)))]
pub async fn list_scorecards(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
) -> Result<Json<ScorecardList>, ApiError> {
    require(&st, &who, Action::ReadMeta, &[]).await?;
    Ok(Json(ScorecardList {
        scorecards: st.store.scorecards().await?,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScoreParams {
    /// Score the units at `level` below this unit…
    pub parent: Option<String>,
    pub level: Option<String>,
    /// …or the members of a group.
    pub group: Option<String>,
    #[param(required = true)]
    pub period: Option<String>,
    pub as_of: Option<String>,
    /// `official` (default) or `live`.
    pub view: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ScoreList {
    #[schema(value_type = String)]
    pub scorecard: Code,
    /// The view the figures come from.
    pub view: View,
    #[schema(value_type = String)]
    pub period: Period,
    /// Best first.
    pub scores: Vec<chiso_engine::ScoreRow>,
}

/// Score units on a scorecard: points per criterion (with what its figure stands on), index
/// per pillar and overall (points / maximum), and ranks.
#[utoipa::path(get, path = "/api/scorecards/{code}", tag = "analytics",
    params(("code" = String, Path, description = "Scorecard code"), ScoreParams),
    responses((status = 200, body = ScoreList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn score(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path(code_s): Path<String>,
    q: Result<Query<ScoreParams>, QueryRejection>,
) -> Result<Json<ScoreList>, ApiError> {
    let p = query(q)?;
    let sc = st
        .store
        .scorecards()
        .await?
        .into_iter()
        .find(|s| s.code.as_str() == code_s)
        .ok_or_else(|| ApiError::NotFound(format!("unknown scorecard {code_s}")))?;
    let per = period(&p.period)?;
    let as_of = date("as_of", &p.as_of)?;
    let view = view(&p.view)?;
    let units = chosen_units(&st, &who, &p.parent, &p.level, &p.group, as_of).await?;
    let refs: Vec<&str> = units.iter().map(|u| u.as_str()).collect();
    require_view(&st, &who, view, &refs).await?;
    let engine = st.app.read().await;
    let scores = engine.view(view).score(&sc, &units, &per, as_of)?;
    Ok(Json(ScoreList {
        scorecard: sc.code,
        view,
        period: per,
        scores,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Rows whose entity starts with this, e.g. `data_value:VB_DEN/22738/`, `user:`.
    pub entity: Option<String>,
    /// Rows whose action starts with this, e.g. `login.`, `data_value.update`.
    pub action: Option<String>,
    /// Rows by this account.
    pub actor: Option<String>,
    /// At most this many rows, newest first (default 200, at most 10,000).
    pub limit: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditList {
    pub audit: Vec<chiso_core::AuditEntry>,
}

/// The audit log, newest first, for administrators.
#[utoipa::path(get, path = "/api/audit", tag = "analytics", params(AuditParams),
    responses((status = 200, body = AuditList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn audit_log(
    State(st): State<AppState>,
    Extension(who): Extension<Who>,
    q: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Json<AuditList>, ApiError> {
    require(&st, &who, Action::Administer, &[]).await?;
    let p = query(q)?;
    let limit = match p.limit.as_deref().filter(|s| !s.is_empty()) {
        None => 200,
        Some(l) => l
            .parse::<i64>()
            .ok()
            .filter(|l| (1..=10_000).contains(l))
            .ok_or_else(|| {
                ApiError::bad("limit", format!("'{l}' is not a number from 1 to 10000"))
            })?,
    };
    let q = chiso_store::AuditQuery {
        entity_prefix: p.entity.filter(|s| !s.is_empty()),
        action_prefix: p.action.filter(|s| !s.is_empty()),
        actor: p.actor.filter(|s| !s.is_empty()),
        limit: Some(limit),
    };
    Ok(Json(AuditList {
        audit: st.store.audit(&q).await?,
    }))
}

/// The units a ranking or a scorecard covers: the children of `parent` (or its units at
/// `level`), or the members of a group — every one of which the reader must be allowed to read.
pub(crate) async fn chosen_units(
    st: &AppState,
    who: &Who,
    parent: &Option<String>,
    level: &Option<String>,
    group: &Option<String>,
    as_of: Option<NaiveDate>,
) -> Result<Vec<Code>, ApiError> {
    let units = {
        let engine = st.app.read().await;
        match (parent, group) {
            (Some(parent), None) => {
                let parent = code("parent", parent)?;
                match level.as_deref().filter(|s| !s.is_empty()) {
                    Some(l) => {
                        let l: i32 =
                            l.parse()
                                .ok()
                                .filter(|l| (1..=20).contains(l))
                                .ok_or_else(|| {
                                    ApiError::bad(
                                        "level",
                                        format!("'{l}' is not a level from 1 to 20"),
                                    )
                                })?;
                        engine.units_at_level(&parent, l, as_of)?
                    }
                    None => engine.children_of(&parent)?,
                }
            }
            (None, Some(g)) => engine.group_members(&code("group", g)?)?,
            _ => {
                return Err(ApiError::bad(
                    "parent",
                    "give either parent (and level) or group",
                ))
            }
        }
    };
    let refs: Vec<&str> = units.iter().map(|u| u.as_str()).collect();
    require(st, who, Action::Read, &refs).await?;
    Ok(units)
}
