//! Data sets (forms), validation rules, one report — read, save, complete, approve, un-approve,
//! exceptions — and completeness.

use crate::auth::{allowed, approves_at, require, Action, Who};
use crate::clock::today_in_vietnam;
use crate::error::{ApiError, ErrorBody};
use crate::params::*;
use crate::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use chiso_collect::Form;
use chiso_collect::{CollectError, Entry, Hierarchy, MissingCompulsory};
use chiso_collect::{Completeness, SaveOutcome};
use chiso_core::{Approval, Code, DataSet, Period, ValidationRule, Via};
use chiso_store::{Changes, FieldError};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

impl From<CollectError> for ApiError {
    fn from(e: CollectError) -> ApiError {
        match e {
            CollectError::NotFound(m) => ApiError::NotFound(m),
            CollectError::Refused(m) => ApiError::Invalid(vec![FieldError::new(None, "report", m)]),
            CollectError::Invalid(fields) => ApiError::Invalid(
                fields
                    .into_iter()
                    .map(|(f, r)| FieldError::new(None, &f, r))
                    .collect(),
            ),
            // Every empty compulsory field, in the form's order: its key (`ELEMENT` or
            // `ELEMENT.OPTION`) and its name.
            CollectError::MissingCompulsory(m) => ApiError::Invalid(
                m.fields
                    .iter()
                    .map(|f| FieldError::new(None, &f.key(), MissingCompulsory::reason(f)))
                    .collect(),
            ),
            CollectError::Store(s) => s.into(),
        }
    }
}

/// A report's address, parsed.
pub(crate) struct Report {
    pub ds: DataSet,
    pub unit: Code,
    pub period: Period,
}

pub(crate) async fn report(
    st: &AppState,
    data_set: &str,
    unit: &str,
    period: &str,
) -> Result<Report, ApiError> {
    let code = code_param("data_set", data_set)?;
    let unit = code_param("unit", unit)?;
    let period = Period::parse(period).map_err(|e| ApiError::bad("period", e.to_string()))?;
    let ds = chiso_collect::data_set(st.store.as_ref(), &code).await?;
    if period.period_type() != ds.period_type {
        return Err(ApiError::bad(
            "period",
            format!(
                "biểu {} báo cáo theo kỳ {}, không theo kỳ như {period} / data set {} reports by {} periods",
                ds.code,
                ds.period_type.as_str(),
                ds.code,
                ds.period_type.as_str()
            ),
        ));
    }
    Ok(Report { ds, unit, period })
}

/// Whether a person may approve at a unit's level (a district or a province).
pub(crate) async fn approver(st: &AppState, who: &Who, hier: &Hierarchy) -> impl Fn(&Code) -> bool {
    let engine = st.app.read().await;
    let levels: std::collections::HashSet<String> = hier
        .units()
        .filter(|u| {
            matches!(
                u.kind,
                chiso_core::UnitKind::District | chiso_core::UnitKind::Province
            )
        })
        .filter(|u| approves_at(who, u.code.as_str(), &engine))
        .map(|u| u.code.to_string())
        .collect();
    move |u: &Code| levels.contains(u.as_str())
}

/// A system administrator may write into closed reports.
pub(crate) async fn may_bypass_lock(st: &AppState, who: &Who) -> bool {
    let engine = st.app.read().await;
    allowed(who, Action::Administer, None, &engine, false)
}

// ---- data sets and rules -----------------------------------------------------------------------

/// The data sets (reporting forms): their elements, who reports, when.
#[utoipa::path(get, path = "/api/data-sets", tag = "collection",
    responses((status = 200, body = Vec<DataSet>)))]
pub(crate) async fn list_data_sets(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
) -> Result<Json<Vec<DataSet>>, ApiError> {
    require(&st, &who, Action::ReadMeta, &[]).await?;
    Ok(Json(st.store.data_sets().await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataSetsIn {
    pub data_sets: Vec<DataSet>,
}

/// Insert or update data sets (framework administrators).
#[utoipa::path(post, path = "/api/data-sets", tag = "collection", request_body = DataSetsIn,
    responses((status = 200, body = Changes), (status = 422, body = ErrorBody)))]
pub(crate) async fn write_data_sets(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    b: Result<Json<DataSetsIn>, JsonRejection>,
) -> Result<Json<Changes>, ApiError> {
    let input = body(b)?;
    crate::params::at_most_items("data_sets", input.data_sets.len())?;
    require(&st, &who, Action::ManageFramework, &[]).await?;
    let changes = st
        .app
        .upsert_data_sets(&input.data_sets, &actor(&who))
        .await?;
    Ok(Json(changes))
}

/// Validation rules: left side, operator, right side, and whether a broken rule warns or
/// blocks completion.
#[utoipa::path(get, path = "/api/validation-rules", tag = "collection",
    responses((status = 200, body = Vec<ValidationRule>)))]
pub(crate) async fn list_rules(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
) -> Result<Json<Vec<ValidationRule>>, ApiError> {
    require(&st, &who, Action::ReadMeta, &[]).await?;
    Ok(Json(st.store.validation_rules().await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesIn {
    pub validation_rules: Vec<ValidationRule>,
}

/// Insert or update validation rules (framework administrators).
#[utoipa::path(post, path = "/api/validation-rules", tag = "collection", request_body = RulesIn,
    responses((status = 200, body = Changes), (status = 422, body = ErrorBody)))]
pub(crate) async fn write_rules(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    b: Result<Json<RulesIn>, JsonRejection>,
) -> Result<Json<Changes>, ApiError> {
    let input = body(b)?;
    crate::params::at_most_items("validation_rules", input.validation_rules.len())?;
    require(&st, &who, Action::ManageFramework, &[]).await?;
    Ok(Json(
        st.app
            .upsert_validation_rules(&input.validation_rules, &actor(&who))
            .await?,
    ))
}

// ---- one report ------------------------------------------------------------------------------

/// A unit's report for a period: fields with the previous period's and last year's values,
/// broken rules, completion and approval.
#[utoipa::path(get, path = "/api/forms/{data_set}/{unit}/{period}", tag = "collection",
    params(("data_set" = String, Path), ("unit" = String, Path), ("period" = String, Path)),
    responses((status = 200, body = Form), (status = 404, body = ErrorBody),
        (status = 422, description = "the unit does not report this data set for that period", body = ErrorBody)))]
pub(crate) async fn get_form(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path((ds, unit, period)): Path<(String, String, String)>,
) -> Result<Json<Form>, ApiError> {
    let r = report(&st, &ds, &unit, &period).await?;
    require(&st, &who, Action::Read, &[r.unit.as_str()]).await?;
    let hier = Hierarchy::of(&st.app).await;
    let bypass = may_bypass_lock(&st, &who).await;
    Ok(Json(
        chiso_collect::load_form(
            st.store.as_ref(),
            &hier,
            &r.ds,
            &r.unit,
            &r.period,
            today_in_vietnam(),
            bypass,
        )
        .await?,
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntriesIn {
    pub entries: Vec<Entry>,
}

/// Save values into a report, all or nothing; an empty value deletes the stored one.
#[utoipa::path(post, path = "/api/forms/{data_set}/{unit}/{period}", tag = "collection",
    params(("data_set" = String, Path), ("unit" = String, Path), ("period" = String, Path)),
    request_body = EntriesIn,
    responses((status = 200, body = SaveOutcome), (status = 422, body = ErrorBody)))]
pub(crate) async fn save_form(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path((ds, unit, period)): Path<(String, String, String)>,
    b: Result<Json<EntriesIn>, JsonRejection>,
) -> Result<Json<SaveOutcome>, ApiError> {
    let input = body(b)?;
    let r = report(&st, &ds, &unit, &period).await?;
    require(&st, &who, Action::WriteData, &[r.unit.as_str()]).await?;
    if input.entries.len() > crate::params::MAX_ITEMS {
        return Err(ApiError::bad("entries", "too many entries"));
    }
    Ok(Json(save(&st, &who, &r, &input.entries, Via::Api).await?))
}

pub(crate) async fn save(
    st: &AppState,
    who: &Who,
    r: &Report,
    entries: &[Entry],
    via: Via,
) -> Result<SaveOutcome, ApiError> {
    let hier = Hierarchy::of(&st.app).await;
    let bypass = may_bypass_lock(st, who).await;
    let mut a = actor(who);
    a.via = via;
    Ok(chiso_collect::save_form(
        &st.app,
        &hier,
        &r.ds,
        &r.unit,
        &r.period,
        entries,
        &a,
        today_in_vietnam(),
        bypass,
    )
    .await?)
}

#[derive(Serialize, ToSchema)]
pub struct Done {
    /// Whether this request changed anything (false: it was so already).
    pub changed: bool,
}

/// Mark a report complete (submit it). Refused while a blocking rule is broken.
#[utoipa::path(post, path = "/api/forms/{data_set}/{unit}/{period}/complete", tag = "collection",
    params(("data_set" = String, Path), ("unit" = String, Path), ("period" = String, Path)),
    responses((status = 200, body = Done), (status = 422, body = ErrorBody)))]
pub(crate) async fn complete(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path((ds, unit, period)): Path<(String, String, String)>,
) -> Result<Json<Done>, ApiError> {
    let r = report(&st, &ds, &unit, &period).await?;
    require(&st, &who, Action::WriteData, &[r.unit.as_str()]).await?;
    Ok(Json(Done {
        changed: complete_report(&st, &who, &r, Via::Api).await?,
    }))
}

pub(crate) async fn complete_report(
    st: &AppState,
    who: &Who,
    r: &Report,
    via: Via,
) -> Result<bool, ApiError> {
    let hier = Hierarchy::of(&st.app).await;
    let mut a = actor(who);
    a.via = via;
    Ok(chiso_collect::complete(
        &st.app,
        &hier,
        &r.ds,
        &r.unit,
        &r.period,
        &a,
        chrono::Utc::now(),
        today_in_vietnam(),
    )
    .await?)
}

/// Take a completion back (before the report is approved).
#[utoipa::path(delete, path = "/api/forms/{data_set}/{unit}/{period}/complete", tag = "collection",
    params(("data_set" = String, Path), ("unit" = String, Path), ("period" = String, Path)),
    responses((status = 200, body = Done), (status = 422, body = ErrorBody)))]
pub(crate) async fn uncomplete(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path((ds, unit, period)): Path<(String, String, String)>,
) -> Result<Json<Done>, ApiError> {
    let r = report(&st, &ds, &unit, &period).await?;
    require(&st, &who, Action::WriteData, &[r.unit.as_str()]).await?;
    let changed =
        chiso_collect::uncomplete(&st.app, &r.ds, &r.unit, &r.period, &actor(&who)).await?;
    Ok(Json(Done { changed }))
}

/// Approve a completed report at the next level (district, then province); approved values
/// are locked.
#[utoipa::path(post, path = "/api/forms/{data_set}/{unit}/{period}/approval", tag = "collection",
    params(("data_set" = String, Path), ("unit" = String, Path), ("period" = String, Path)),
    responses((status = 200, body = Approval), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn approve(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path((ds, unit, period)): Path<(String, String, String)>,
) -> Result<Json<Approval>, ApiError> {
    let r = report(&st, &ds, &unit, &period).await?;
    Ok(Json(approve_report(&st, &who, &r, Via::Api).await?))
}

pub(crate) async fn approve_report(
    st: &AppState,
    who: &Who,
    r: &Report,
    via: Via,
) -> Result<Approval, ApiError> {
    // Approving is a person's act: asked anonymously, the answer is "log in", whatever may
    // be read in public.
    if !matches!(who, Who::User(_)) {
        return Err(ApiError::Unauthorized);
    }
    require(st, who, Action::Read, &[r.unit.as_str()]).await?;
    let hier = Hierarchy::of(&st.app).await;
    let may = approver(st, who, &hier).await;
    let mut a = actor(who);
    a.via = via;
    Ok(chiso_collect::approve(
        &st.app,
        &hier,
        &r.ds,
        &r.unit,
        &r.period,
        &a,
        chrono::Utc::now(),
        &may,
    )
    .await?)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonIn {
    /// Why (kept in the audit log).
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct Unapproved {
    /// The approval step removed.
    pub step: u8,
}

/// Take back the last approval step, with a reason.
#[utoipa::path(delete, path = "/api/forms/{data_set}/{unit}/{period}/approval", tag = "collection",
    params(("data_set" = String, Path), ("unit" = String, Path), ("period" = String, Path)),
    request_body = ReasonIn,
    responses((status = 200, body = Unapproved), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn unapprove(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path((ds, unit, period)): Path<(String, String, String)>,
    b: Result<Json<ReasonIn>, JsonRejection>,
) -> Result<Json<Unapproved>, ApiError> {
    if !matches!(who, Who::User(_)) {
        return Err(ApiError::Unauthorized);
    }
    let input = body(b)?;
    let r = report(&st, &ds, &unit, &period).await?;
    Ok(Json(Unapproved {
        step: unapprove_report(&st, &who, &r, &input.reason, Via::Api).await?,
    }))
}

pub(crate) async fn unapprove_report(
    st: &AppState,
    who: &Who,
    r: &Report,
    reason: &str,
    via: Via,
) -> Result<u8, ApiError> {
    require(st, who, Action::Read, &[r.unit.as_str()]).await?;
    let hier = Hierarchy::of(&st.app).await;
    let may = approver(st, who, &hier).await;
    let mut a = actor(who);
    a.via = via;
    Ok(chiso_collect::unapprove(&st.app, &r.ds, &r.unit, &r.period, reason, &a, &may).await?)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionIn {
    /// Entry stays open until the end of this day.
    pub until: NaiveDate,
    pub reason: String,
}

/// Let a unit enter a closed report until a date (framework or system administrators).
#[utoipa::path(post, path = "/api/forms/{data_set}/{unit}/{period}/exception", tag = "collection",
    params(("data_set" = String, Path), ("unit" = String, Path), ("period" = String, Path)),
    request_body = ExceptionIn,
    responses((status = 200, body = Done), (status = 422, body = ErrorBody)))]
pub(crate) async fn grant_exception(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path((ds, unit, period)): Path<(String, String, String)>,
    b: Result<Json<ExceptionIn>, JsonRejection>,
) -> Result<Json<Done>, ApiError> {
    let input = body(b)?;
    let r = report(&st, &ds, &unit, &period).await?;
    require(&st, &who, Action::ManageFramework, &[r.unit.as_str()]).await?;
    let hier = Hierarchy::of(&st.app).await;
    chiso_collect::grant_exception(
        &st.app,
        &hier,
        &r.ds,
        &r.unit,
        &r.period,
        input.until,
        &input.reason,
        &actor(&who),
        today_in_vietnam(),
    )
    .await?;
    Ok(Json(Done { changed: true }))
}

/// The form page's grant: the same right and the same check as the API's.
pub(crate) async fn grant_exception_page(
    st: &AppState,
    who: &Who,
    r: &Report,
    until: NaiveDate,
    reason: &str,
) -> Result<(), ApiError> {
    require(st, who, Action::ManageFramework, &[r.unit.as_str()]).await?;
    let hier = Hierarchy::of(&st.app).await;
    let mut a = actor(who);
    a.via = Via::Web;
    chiso_collect::grant_exception(
        &st.app,
        &hier,
        &r.ds,
        &r.unit,
        &r.period,
        until,
        reason,
        &a,
        today_in_vietnam(),
    )
    .await?;
    Ok(())
}

// ---- completeness ----------------------------------------------------------------------------

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompletenessQuery {
    /// The data set's code.
    #[serde(rename = "dataSet")]
    pub data_set: String,
    /// A period of the data set's type, or a longer one holding several.
    pub period: String,
    /// Only units under this one (default: every unit).
    pub unit: Option<String>,
}

/// Expected, received and on-time reports, rolled up by level, and the units that have not
/// reported.
#[utoipa::path(get, path = "/api/completeness", tag = "collection", params(CompletenessQuery),
    responses((status = 200, body = Completeness), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_completeness(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<CompletenessQuery>, QueryRejection>,
) -> Result<Json<Completeness>, ApiError> {
    let q = query(q)?;
    let code = code_param("dataSet", &q.data_set)?;
    let period = Period::parse(&q.period).map_err(|e| ApiError::bad("period", e.to_string()))?;
    let unit = q
        .unit
        .as_deref()
        .map(|u| code_param("unit", u))
        .transpose()?;
    match &unit {
        Some(u) => require(&st, &who, Action::Read, &[u.as_str()]).await?,
        None => require(&st, &who, Action::Read, &[]).await?,
    }
    let ds = chiso_collect::data_set(st.store.as_ref(), &code).await?;
    let hier = Hierarchy::of(&st.app).await;
    Ok(Json(
        chiso_collect::completeness(
            st.store.as_ref(),
            &hier,
            &ds,
            &period,
            unit.as_ref(),
            today_in_vietnam(),
        )
        .await?,
    ))
}

// ---- evidence --------------------------------------------------------------------------------
