//! The data-collection API: data sets and validation rules, a unit's report (form) for a
//! period — read, save, complete, approve —, completeness, evidence files, Excel templates,
//! file imports and CSV export, and DHIS2's `dataValueSets` at DHIS2's own paths.

use crate::api::{actor, body, code_param, query, rebuilt};
use crate::auth::{allowed, approves_at, require, Action, Who};
use crate::error::{ApiError, ErrorBody};
use crate::figures::today_in_vietnam;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use chiso_collect::{
    CollectError, Completeness, Entry, FieldNames, Form, Hierarchy, ImportError, ImportOptions,
    ImportOutcome, SaveOutcome, Strategy,
};
use chiso_core::{Approval, Code, DataSet, Evidence, Period, SourceTag, ValidationRule, Via};
use chiso_io::values::{ExportRow, ValueRow};
use chiso_io::FileError;
use chiso_store::{Changes, FieldError, ValueQuery};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Largest file accepted by an import or an upload over HTTP: 20 MiB.
pub const MAX_UPLOAD: usize = chiso_io::values::MAX_FILE_BYTES;

pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/data-sets"),
    ("post", "/api/data-sets"),
    ("get", "/api/data-sets/{code}/template.xlsx"),
    ("get", "/api/validation-rules"),
    ("post", "/api/validation-rules"),
    ("get", "/api/forms/{data_set}/{unit}/{period}"),
    ("post", "/api/forms/{data_set}/{unit}/{period}"),
    ("post", "/api/forms/{data_set}/{unit}/{period}/complete"),
    ("delete", "/api/forms/{data_set}/{unit}/{period}/complete"),
    ("post", "/api/forms/{data_set}/{unit}/{period}/approval"),
    ("delete", "/api/forms/{data_set}/{unit}/{period}/approval"),
    ("post", "/api/forms/{data_set}/{unit}/{period}/exception"),
    ("get", "/api/forms/{data_set}/{unit}/{period}/template.xlsx"),
    ("get", "/api/forms/{data_set}/{unit}/{period}/evidence"),
    ("post", "/api/forms/{data_set}/{unit}/{period}/evidence"),
    ("get", "/api/evidence/{id}"),
    ("delete", "/api/evidence/{id}"),
    ("get", "/api/completeness"),
    ("post", "/api/imports"),
    ("get", "/api/exports/data-values.csv"),
    ("get", "/api/dataValueSets"),
    ("post", "/api/dataValueSets"),
    ("get", "/api/dataValueSets.json"),
    ("post", "/api/dataValueSets.json"),
    ("get", "/api/dataValueSets.csv"),
    ("get", "/api/{version}/dataValueSets"),
    ("post", "/api/{version}/dataValueSets"),
];

pub fn router() -> Router<AppState> {
    let uploads = Router::new()
        .route(
            "/api/forms/{data_set}/{unit}/{period}/evidence",
            get(list_evidence).post(upload_evidence),
        )
        .route("/api/imports", post(import_file))
        .route("/api/dataValueSets", get(dvs_get_json).post(dvs_post))
        .route(
            "/api/dataValueSets.json",
            get(dvs_get_json_ext).post(dvs_post_json_ext),
        )
        .route(
            "/api/{version}/dataValueSets",
            get(dvs_get_versioned).post(dvs_post_versioned),
        )
        .layer(DefaultBodyLimit::max(MAX_UPLOAD + 64 * 1024));
    Router::new()
        .route("/api/data-sets", get(list_data_sets).post(write_data_sets))
        .route("/api/data-sets/{code}/template.xlsx", get(grid_template))
        .route("/api/validation-rules", get(list_rules).post(write_rules))
        .route(
            "/api/forms/{data_set}/{unit}/{period}",
            get(get_form).post(save_form),
        )
        .route(
            "/api/forms/{data_set}/{unit}/{period}/complete",
            post(complete).delete(uncomplete),
        )
        .route(
            "/api/forms/{data_set}/{unit}/{period}/approval",
            post(approve).delete(unapprove),
        )
        .route(
            "/api/forms/{data_set}/{unit}/{period}/exception",
            post(grant_exception),
        )
        .route(
            "/api/forms/{data_set}/{unit}/{period}/template.xlsx",
            get(unit_template),
        )
        .route(
            "/api/evidence/{id}",
            get(get_evidence).delete(delete_evidence),
        )
        .route("/api/completeness", get(get_completeness))
        .route("/api/exports/data-values.csv", get(export_csv))
        .route("/api/dataValueSets.csv", get(dvs_get_csv))
        .merge(uploads)
}

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
    require(&st, &who, Action::ManageFramework, &[]).await?;
    let changes = st
        .app
        .upsert_data_sets(&input.data_sets, &actor(&who))
        .await?;
    Ok(rebuilt(changes))
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
    responses((status = 200, body = Form), (status = 404, body = ErrorBody)))]
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
    if input.entries.len() > crate::api::MAX_ITEMS {
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
    responses((status = 200, body = Approval), (status = 422, body = ErrorBody)))]
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
    responses((status = 200, body = Unapproved), (status = 422, body = ErrorBody)))]
pub(crate) async fn unapprove(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path((ds, unit, period)): Path<(String, String, String)>,
    b: Result<Json<ReasonIn>, JsonRejection>,
) -> Result<Json<Unapproved>, ApiError> {
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
    )
    .await?;
    Ok(Json(Done { changed: true }))
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

/// The evidence files of a report.
#[utoipa::path(get, path = "/api/forms/{data_set}/{unit}/{period}/evidence", tag = "collection",
    params(("data_set" = String, Path), ("unit" = String, Path), ("period" = String, Path)),
    responses((status = 200, body = Vec<Evidence>)))]
pub(crate) async fn list_evidence(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path((ds, unit, period)): Path<(String, String, String)>,
) -> Result<Json<Vec<Evidence>>, ApiError> {
    let r = report(&st, &ds, &unit, &period).await?;
    require(&st, &who, Action::Read, &[r.unit.as_str()]).await?;
    Ok(Json(
        st.store.evidence(&r.ds.code, &r.unit, &r.period).await?,
    ))
}

/// An uploaded evidence file with its document details, before it is checked.
#[derive(Default)]
pub(crate) struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub doc_number: Option<String>,
    pub doc_date: Option<String>,
    pub summary: Option<String>,
    pub element: Option<String>,
    pub csrf: Option<String>,
    pub other: Vec<(String, String)>,
}

/// Read a multipart form: one `file` part and text fields. The body limit bounds it.
pub(crate) async fn read_multipart(mut m: Multipart) -> Result<Upload, ApiError> {
    let mut u = Upload::default();
    loop {
        let field = match m.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::TooLarge(MAX_UPLOAD))
            }
            Err(e) => return Err(ApiError::bad("body", e.body_text())),
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            u.file_name = field.file_name().unwrap_or("tep").to_string();
            u.bytes = match field.bytes().await {
                Ok(b) => b.to_vec(),
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return Err(ApiError::TooLarge(MAX_UPLOAD))
                }
                Err(e) => return Err(ApiError::bad("file", e.body_text())),
            };
            continue;
        }
        let text = field
            .text()
            .await
            .map_err(|e| ApiError::bad(&name, e.body_text()))?;
        let text = Some(text.trim().to_string()).filter(|t| !t.is_empty());
        match name.as_str() {
            "doc_number" => u.doc_number = text,
            "doc_date" => u.doc_date = text,
            "summary" => u.summary = text,
            "element" => u.element = text,
            "csrf" => u.csrf = text,
            _ => {
                if let Some(t) = text {
                    u.other.push((name, t));
                }
            }
        }
    }
    Ok(u)
}

/// Check and keep an evidence file for a report.
pub(crate) async fn keep_evidence(
    st: &AppState,
    who: &Who,
    r: &Report,
    up: Upload,
    via: Via,
) -> Result<Evidence, ApiError> {
    use sha2::Digest;
    if up.bytes.is_empty() {
        return Err(ApiError::bad("file", "chưa chọn tệp / no file was sent"));
    }
    if up.bytes.len() > chiso_core::dataset::MAX_EVIDENCE_BYTES {
        return Err(ApiError::TooLarge(chiso_core::dataset::MAX_EVIDENCE_BYTES));
    }
    let file_name: String = up
        .file_name
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"'))
        .take(200)
        .collect();
    let Some(content_type) = chiso_core::dataset::sniff_evidence(&up.bytes, &file_name) else {
        return Err(ApiError::Invalid(vec![FieldError::new(
            None,
            "file",
            "chỉ nhận PDF, ảnh (PNG, JPEG, GIF, WebP) hoặc văn bản Office/OpenDocument; nội dung tệp không thuộc loại nào trong số đó / only PDF, images and office documents are accepted",
        )]));
    };
    let doc_date = up
        .doc_date
        .as_deref()
        .map(|d| {
            NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(d, "%d/%m/%Y"))
                .map_err(|_| {
                    ApiError::bad("doc_date", format!("'{d}' không phải là ngày (dd/mm/yyyy)"))
                })
        })
        .transpose()?;
    let element = up
        .element
        .as_deref()
        .map(|e| code_param("element", e))
        .transpose()?;
    if let Some(e) = &element {
        if !r.ds.elements.contains(e) {
            return Err(ApiError::bad(
                "element",
                format!("biểu {} không có chỉ tiêu {e}", r.ds.code),
            ));
        }
    }
    for (field, v) in [("doc_number", &up.doc_number), ("summary", &up.summary)] {
        if v.as_ref().is_some_and(|v| v.chars().count() > 2000) {
            return Err(ApiError::bad(field, "quá dài / too long"));
        }
    }
    let e = Evidence {
        id: chiso_core::account::random_secret()
            .chars()
            .take(22)
            .collect(),
        data_set: r.ds.code.clone(),
        unit: r.unit.clone(),
        period: r.period,
        element,
        file_name: if file_name.is_empty() {
            "tep".into()
        } else {
            file_name
        },
        content_type: content_type.to_string(),
        size: up.bytes.len() as i64,
        sha256: format!("{:x}", sha2::Sha256::digest(&up.bytes)),
        doc_number: up.doc_number,
        doc_date,
        summary: up.summary,
        uploaded_by: who.name(),
        uploaded_at: chrono::Utc::now(),
    };
    let mut a = actor(who);
    a.via = via;
    st.app.add_evidence(&e, &up.bytes, &a).await?;
    Ok(e)
}

/// Attach an evidence file (multipart form: `file`, and `doc_number`, `doc_date`, `summary`,
/// `element`): PDF, images or office documents up to 10 MiB, the type checked from the content.
#[utoipa::path(post, path = "/api/forms/{data_set}/{unit}/{period}/evidence", tag = "collection",
    params(("data_set" = String, Path), ("unit" = String, Path), ("period" = String, Path)),
    request_body(content_type = "multipart/form-data", content = String),
    responses((status = 200, body = Evidence), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn upload_evidence(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path((ds, unit, period)): Path<(String, String, String)>,
    m: Multipart,
) -> Result<Json<Evidence>, ApiError> {
    let r = report(&st, &ds, &unit, &period).await?;
    require(&st, &who, Action::WriteData, &[r.unit.as_str()]).await?;
    let up = read_multipart(m).await?;
    Ok(Json(keep_evidence(&st, &who, &r, up, Via::Api).await?))
}

/// Download an evidence file. Always as an attachment, never shown inline.
#[utoipa::path(get, path = "/api/evidence/{id}", tag = "collection",
    params(("id" = String, Path)),
    responses((status = 200, description = "the file"), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_evidence(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let Some((e, bytes)) = st.store.evidence_file(&id).await? else {
        return Err(ApiError::NotFound(format!("no evidence file {id}")));
    };
    require(&st, &who, Action::Read, &[e.unit.as_str()]).await?;
    Ok(attachment(&e.content_type, &e.file_name, bytes))
}

/// A download: the given type, `attachment`, no sniffing, a sandbox for anything opened.
pub(crate) fn attachment(content_type: &str, file_name: &str, bytes: Vec<u8>) -> Response {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}");
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(CONTENT_DISPOSITION, v);
    }
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    resp
}

/// Remove an evidence file (someone who may enter the report's figures).
#[utoipa::path(delete, path = "/api/evidence/{id}", tag = "collection",
    params(("id" = String, Path)),
    responses((status = 200, body = Done), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete_evidence(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Done>, ApiError> {
    let Some((e, _)) = st.store.evidence_file(&id).await? else {
        return Err(ApiError::NotFound(format!("no evidence file {id}")));
    };
    require(&st, &who, Action::WriteData, &[e.unit.as_str()]).await?;
    Ok(Json(Done {
        changed: st.app.delete_evidence(&id, &actor(&who)).await?,
    }))
}

// ---- Excel templates -------------------------------------------------------------------------

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The Excel template of one unit's report, with the previous period's and last year's values
/// beside the cells to fill in.
#[utoipa::path(get, path = "/api/forms/{data_set}/{unit}/{period}/template.xlsx", tag = "collection",
    params(("data_set" = String, Path), ("unit" = String, Path), ("period" = String, Path)),
    responses((status = 200, description = "an .xlsx workbook"), (status = 404, body = ErrorBody)))]
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check everything and report what would change; write nothing.
    #[serde(rename = "dryRun", default)]
    pub dry_run: bool,
    /// CREATE_AND_UPDATE (default), CREATE, UPDATE or DELETE.
    #[serde(rename = "importStrategy")]
    pub import_strategy: Option<String>,
    /// The file's name, for messages (default "tệp tải lên").
    #[serde(rename = "fileName")]
    pub file_name: Option<String>,
}

/// A file error as the API returns it.
#[derive(Serialize, ToSchema)]
pub struct FileErrorOut {
    pub file: String,
    pub sheet: Option<String>,
    /// 0 when the error is about the whole file.
    pub row: usize,
    pub column: Option<String>,
    pub reason: String,
}

impl From<&FileError> for FileErrorOut {
    fn from(e: &FileError) -> FileErrorOut {
        FileErrorOut {
            file: e.file.clone(),
            sheet: e.sheet.clone(),
            row: e.row,
            column: e.column.clone(),
            reason: e.reason.clone(),
        }
    }
}

/// What an import did, or why nothing was written.
#[derive(Serialize, ToSchema)]
pub struct ImportReport {
    /// "ok" or "refused" (nothing was written).
    pub status: String,
    pub dry_run: bool,
    pub format: String,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub deleted: u64,
    pub ignored: u64,
    pub errors: Vec<FileErrorOut>,
    pub warnings: Vec<FileErrorOut>,
}

pub(crate) async fn run_import(
    st: &AppState,
    who: &Who,
    file: &str,
    bytes: &[u8],
    dry_run: bool,
    strategy: Strategy,
    via: Via,
) -> (StatusCode, ImportReport) {
    let mut rep = ImportReport {
        status: "refused".into(),
        dry_run,
        format: String::new(),
        inserted: 0,
        updated: 0,
        unchanged: 0,
        deleted: 0,
        ignored: 0,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let (format, rows, names) = match chiso_collect::read_file(file, bytes) {
        Ok(x) => x,
        Err(errs) => {
            rep.errors = errs.iter().map(Into::into).collect();
            return (StatusCode::UNPROCESSABLE_ENTITY, rep);
        }
    };
    rep.format = format.into();
    match import(st, who, file, &rows, names, dry_run, strategy, via).await {
        Ok(out) => {
            rep.status = "ok".into();
            rep.inserted = out.changes.inserted;
            rep.updated = out.changes.updated;
            rep.unchanged = out.changes.unchanged;
            rep.deleted = out.changes.deleted;
            rep.ignored = out.ignored;
            rep.warnings = out.warnings.iter().map(Into::into).collect();
            (StatusCode::OK, rep)
        }
        Err(ImportError::Rejected(errs)) => {
            rep.errors = errs.iter().map(Into::into).collect();
            (StatusCode::UNPROCESSABLE_ENTITY, rep)
        }
        Err(ImportError::Store(e)) => {
            tracing::error!(error = %e, "import failed");
            rep.errors = vec![(&FileError::whole_file(
                file,
                "lỗi hệ thống khi ghi dữ liệu; không ghi dữ liệu nào",
            ))
                .into()];
            (StatusCode::INTERNAL_SERVER_ERROR, rep)
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn import(
    st: &AppState,
    who: &Who,
    file: &str,
    rows: &[ValueRow],
    names: FieldNames,
    dry_run: bool,
    strategy: Strategy,
    via: Via,
) -> Result<ImportOutcome, ImportError> {
    let hier = Hierarchy::of(&st.app).await;
    let bypass = may_bypass_lock(st, who).await;
    let engine = st.app.read().await;
    let public = st.auth.public_read;
    let mut may: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
    for r in rows {
        if !may.contains_key(&r.unit) {
            let ok = allowed(
                who,
                Action::WriteData,
                Some(r.unit.as_str()),
                &engine,
                public,
            );
            may.insert(r.unit.clone(), ok);
        }
    }
    drop(engine);
    let may_write = move |u: &Code| may.get(u.as_str()).copied().unwrap_or(false);
    let batch = chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string();
    let mut a = actor(who);
    a.via = via;
    chiso_collect::import_rows(
        &st.app,
        &hier,
        rows,
        &ImportOptions {
            file: file.to_string(),
            dry_run,
            strategy,
            source: SourceTag::Import(batch),
            may_bypass_lock: bypass,
            names,
        },
        &a,
        &may_write,
        today_in_vietnam(),
    )
    .await
}

/// Import a file of data values — an Excel template (.xlsx), CSV (chiso's or DHIS2's columns)
/// or DHIS2 dataValueSets JSON — all or nothing. The body is the file itself.
#[utoipa::path(post, path = "/api/imports", tag = "collection", params(ImportQuery),
    request_body(content_type = "application/octet-stream", content = String),
    responses((status = 200, body = ImportReport), (status = 413, body = ErrorBody), (status = 422, body = ImportReport)))]
pub(crate) async fn import_file(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<ImportQuery>, QueryRejection>,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let bytes = upload_body(b, &who)?;
    let strategy = strategy_param(q.import_strategy.as_deref())?;
    let file = q.file_name.unwrap_or_else(|| "tệp tải lên".into());
    let (status, rep) = run_import(&st, &who, &file, &bytes, q.dry_run, strategy, Via::Api).await;
    Ok((status, Json(rep)).into_response())
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Only the elements of this data set.
    #[serde(rename = "dataSet")]
    pub data_set: Option<String>,
    /// Periods, comma-separated.
    pub period: Option<String>,
    /// Units, comma-separated.
    #[serde(rename = "orgUnit", alias = "unit")]
    pub org_unit: Option<String>,
    /// Also the units below them.
    #[serde(default)]
    pub children: bool,
    #[serde(rename = "startDate")]
    pub start_date: Option<NaiveDate>,
    #[serde(rename = "endDate")]
    pub end_date: Option<NaiveDate>,
    /// DHIS2's identifier schemes: CODE or UID (chiso's identifiers are its codes).
    #[serde(rename = "idScheme")]
    pub id_scheme: Option<String>,
    #[serde(rename = "dataElementIdScheme")]
    pub data_element_id_scheme: Option<String>,
    #[serde(rename = "orgUnitIdScheme")]
    pub org_unit_id_scheme: Option<String>,
}

/// A file sent as the request body, from someone logged in (imports change data).
fn upload_body(b: Result<Bytes, BytesRejection>, who: &Who) -> Result<Bytes, ApiError> {
    let bytes = b.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(MAX_UPLOAD)
        } else {
            ApiError::bad("body", e.body_text())
        }
    })?;
    if matches!(who, Who::Anonymous) {
        return Err(ApiError::Unauthorized);
    }
    Ok(bytes)
}

/// DHIS2's `importStrategy`, CREATE_AND_UPDATE when absent.
fn strategy_param(s: Option<&str>) -> Result<Strategy, ApiError> {
    match s {
        None => Ok(Strategy::CreateAndUpdate),
        Some(s) => Strategy::parse(s).ok_or_else(|| {
            ApiError::bad(
                "importStrategy",
                format!("'{s}': use CREATE_AND_UPDATE, CREATE, UPDATE or DELETE"),
            )
        }),
    }
}

/// DHIS2's identifier schemes: chiso's identifiers are its codes, so CODE (or UID, the same).
fn check_schemes(schemes: &[(&str, &Option<String>)]) -> Result<(), ApiError> {
    for (field, v) in schemes {
        if let Some(s) = v {
            if !matches!(s.to_ascii_uppercase().as_str(), "CODE" | "UID") {
                return Err(ApiError::bad(
                    field,
                    format!("'{s}': chiso identifies everything by its code; use CODE (or UID, the same)"),
                ));
            }
        }
    }
    Ok(())
}

async fn export_rows(
    st: &AppState,
    who: &Who,
    q: &ExportQuery,
    dhis2: bool,
) -> Result<(Option<String>, Vec<ExportRow>), ApiError> {
    check_schemes(&[
        ("idScheme", &q.id_scheme),
        ("dataElementIdScheme", &q.data_element_id_scheme),
        ("orgUnitIdScheme", &q.org_unit_id_scheme),
    ])?;
    let data_set = match &q.data_set {
        Some(d) => {
            Some(chiso_collect::data_set(st.store.as_ref(), &code_param("dataSet", d)?).await?)
        }
        None => None,
    };
    let units: Vec<Code> = q
        .org_unit
        .iter()
        .flat_map(|s| s.split([',', ';']))
        .filter(|s| !s.trim().is_empty())
        .map(|s| code_param("orgUnit", s))
        .collect::<Result<_, _>>()?;
    let mut periods: Vec<Period> = q
        .period
        .iter()
        .flat_map(|s| s.split([',', ';']))
        .filter(|s| !s.trim().is_empty())
        .map(|s| Period::parse(s.trim()).map_err(|e| ApiError::bad("period", e.to_string())))
        .collect::<Result<_, _>>()?;
    if dhis2 {
        if data_set.is_none() {
            return Err(ApiError::bad(
                "dataSet",
                "At least one valid data set must be specified",
            ));
        }
        if periods.is_empty() && (q.start_date.is_none() || q.end_date.is_none()) {
            return Err(ApiError::bad(
                "period",
                "At least one valid period or start date and end date must be specified",
            ));
        }
        if units.is_empty() {
            return Err(ApiError::bad(
                "orgUnit",
                "At least one valid organisation unit must be specified",
            ));
        }
    }
    let refs: Vec<&str> = units.iter().map(|u| u.as_str()).collect();
    require(st, who, Action::Read, &refs).await?;
    if let (Some(ds), Some(start), Some(end)) = (&data_set, q.start_date, q.end_date) {
        // Every period of the data set's type inside the dates.
        let mut p = Period::of_type_containing(ds.period_type, start, ds.convention);
        while let Some(x) = p {
            if x.start_in(ds.convention) > end || periods.len() > 10_000 {
                break;
            }
            if x.start_in(ds.convention) >= start && x.end_in(ds.convention) <= end {
                periods.push(x);
            }
            p = x.next();
        }
    }
    let values = st
        .store
        .values(&ValueQuery {
            elements: data_set
                .as_ref()
                .map(|d| d.elements.clone())
                .unwrap_or_default(),
            units,
            descendants: q.children,
            periods,
            limit: Some(crate::api::MAX_PAGE),
            ..Default::default()
        })
        .await?;
    Ok((
        data_set.map(|d| d.code.to_string()),
        values
            .into_iter()
            .map(|v| ExportRow {
                element: v.element.to_string(),
                period: v.period.to_string(),
                unit: v.unit.to_string(),
                breakdown: v.breakdown.map(|b| b.to_string()),
                value: v.value,
                comment: v.comment,
                source: v.source.to_string(),
                stored_by: v.stored_by,
                stored_at: v.stored_at,
            })
            .collect(),
    ))
}

/// Data values as CSV (chiso's columns: element, period, unit, breakdown, value, comment,
/// source, stored_by, stored_at), filtered like DHIS2's export.
#[utoipa::path(get, path = "/api/exports/data-values.csv", tag = "collection", params(ExportQuery),
    responses((status = 200, description = "CSV", content_type = "text/csv")))]
pub(crate) async fn export_csv(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let (_, rows) = export_rows(&st, &who, &q, false).await?;
    Ok(attachment(
        "text/csv; charset=utf-8",
        "data-values.csv",
        chiso_io::csv_values::write_csv(&rows),
    ))
}

/// DHIS2's data value export as JSON: `dataSet`, `period` (or `startDate` and `endDate`) and
/// `orgUnit` are required, as in DHIS2; `children=true` adds the units below.
#[utoipa::path(get, path = "/api/dataValueSets", tag = "dhis2", params(ExportQuery),
    responses((status = 200, description = "a dataValueSet", content_type = "application/json"), (status = 400, body = ErrorBody)))]
pub(crate) async fn dvs_get_json(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let (ds, rows) = export_rows(&st, &who, &q, true).await?;
    let mut resp = chiso_io::dhis2::write_dhis2_json(ds.as_deref(), &rows).into_response();
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    Ok(resp)
}

/// DHIS2's data value export as CSV (DHIS2's columns).
#[utoipa::path(get, path = "/api/dataValueSets.csv", tag = "dhis2", params(ExportQuery),
    responses((status = 200, description = "CSV", content_type = "application/csv")))]
pub(crate) async fn dvs_get_csv(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let (_, rows) = export_rows(&st, &who, &q, true).await?;
    let mut resp = chiso_io::csv_values::write_dhis2_csv(&rows).into_response();
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/csv; charset=utf-8"),
    );
    Ok(resp)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DvsImportQuery {
    #[serde(rename = "dryRun", default)]
    pub dry_run: bool,
    #[serde(rename = "importStrategy")]
    pub import_strategy: Option<String>,
    #[serde(rename = "idScheme")]
    pub id_scheme: Option<String>,
    #[serde(rename = "dataElementIdScheme")]
    pub data_element_id_scheme: Option<String>,
    #[serde(rename = "orgUnitIdScheme")]
    pub org_unit_id_scheme: Option<String>,
    #[serde(rename = "categoryOptionComboIdScheme")]
    pub coc_id_scheme: Option<String>,
    /// Accepted and ignored (DHIS2 clients send it).
    #[serde(rename = "preheatCache")]
    pub preheat_cache: Option<bool>,
    #[serde(rename = "async")]
    pub is_async: Option<bool>,
    #[serde(rename = "skipAudit")]
    pub skip_audit: Option<bool>,
}

/// DHIS2's data value import: a dataValueSets JSON body (or CSV with `Content-Type:
/// application/csv`), answered with DHIS2's import summary. Authenticate with
/// `Authorization: ApiToken …`. chiso imports all or nothing: with any conflict nothing is
/// written (status ERROR, HTTP 409).
#[utoipa::path(post, path = "/api/dataValueSets", tag = "dhis2", params(DvsImportQuery),
    request_body(content_type = "application/json", content = String),
    responses((status = 200, description = "DHIS2 web message with an import summary"), (status = 409, description = "DHIS2 web message with conflicts")))]
pub(crate) async fn dvs_post(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<DvsImportQuery>, QueryRejection>,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    use chiso_io::dhis2::{http_status_code, web_message, Conflict, ImportCount, ImportSummary};
    let q = query(q)?;
    let bytes = upload_body(b, &who)?;
    check_schemes(&[
        ("idScheme", &q.id_scheme),
        ("dataElementIdScheme", &q.data_element_id_scheme),
        ("orgUnitIdScheme", &q.org_unit_id_scheme),
        ("categoryOptionComboIdScheme", &q.coc_id_scheme),
    ])?;
    let strategy = strategy_param(q.import_strategy.as_deref())?;
    let mut options = chiso_io::dhis2::ImportOptions {
        dry_run: q.dry_run,
        import_strategy: strategy.as_str().into(),
        ..Default::default()
    };
    if let Some(s) = &q.id_scheme {
        options.id_schemes.insert(
            "idScheme".into(),
            serde_json::Value::String(s.to_ascii_uppercase()),
        );
    }
    let csv = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("csv"));
    let file = if csv {
        "dataValueSets.csv"
    } else {
        "dataValueSets.json"
    };
    let read = if csv {
        chiso_io::csv_values::read_csv(file, &bytes).map(|r| (r, FieldNames::DHIS2_CSV))
    } else {
        chiso_io::dhis2::read_dhis2_json(file, &bytes).map(|(_, r)| (r, FieldNames::DHIS2_JSON))
    };
    let conflict = |e: &FileError| Conflict {
        object: match (&e.column, e.row) {
            (Some(c), r) if r > 0 => format!("{c} (dataValues[{}])", r - 1),
            (None, r) if r > 0 => format!("dataValues[{}]", r - 1),
            _ => file.to_string(),
        },
        value: e.reason.clone(),
        error_code: Some("E7600".into()),
        property: e.column.clone(),
        indexes: if e.row > 0 {
            vec![e.row - 1]
        } else {
            Vec::new()
        },
    };
    let summary = match read {
        Err(errs) => ImportSummary::new(
            options,
            ImportCount::default(),
            errs.iter().map(conflict).collect(),
        ),
        Ok((rows, names)) => {
            match import(&st, &who, file, &rows, names, q.dry_run, strategy, Via::Api).await {
                Ok(out) => ImportSummary::new(
                    options,
                    ImportCount {
                        imported: out.changes.inserted,
                        updated: out.changes.updated,
                        ignored: out.ignored + out.changes.unchanged,
                        deleted: out.changes.deleted,
                    },
                    Vec::new(),
                ),
                Err(ImportError::Rejected(errs)) => {
                    let n = rows.len() as u64;
                    ImportSummary::new(
                        options,
                        ImportCount {
                            ignored: n,
                            ..Default::default()
                        },
                        errs.iter().map(conflict).collect(),
                    )
                }
                Err(ImportError::Store(e)) => return Err(e.into()),
            }
        }
    };
    let status = StatusCode::from_u16(http_status_code(&summary)).unwrap_or(StatusCode::OK);
    Ok((status, Json(web_message(&summary))).into_response())
}

/// The same as `GET /api/dataValueSets` (DHIS2 clients add the extension).
#[utoipa::path(get, path = "/api/dataValueSets.json", tag = "dhis2", params(ExportQuery),
    responses((status = 200, description = "a dataValueSet", content_type = "application/json"), (status = 400, body = ErrorBody)))]
pub(crate) async fn dvs_get_json_ext(
    who: Extension<Who>,
    st: State<AppState>,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    dvs_get_json(who, st, q).await
}

/// The same as `POST /api/dataValueSets`.
#[utoipa::path(post, path = "/api/dataValueSets.json", tag = "dhis2", params(DvsImportQuery),
    request_body(content_type = "application/json", content = String),
    responses((status = 200, description = "DHIS2 web message with an import summary"), (status = 409, description = "DHIS2 web message with conflicts")))]
pub(crate) async fn dvs_post_json_ext(
    who: Extension<Who>,
    st: State<AppState>,
    headers: HeaderMap,
    q: Result<Query<DvsImportQuery>, QueryRejection>,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    dvs_post(who, st, headers, q, b).await
}

/// DHIS2 clients that name the API version (`/api/40/dataValueSets`) reach the same export.
#[utoipa::path(get, path = "/api/{version}/dataValueSets", tag = "dhis2",
    params(("version" = String, Path, description = "DHIS2's API version, e.g. 40"), ExportQuery),
    responses((status = 200, description = "a dataValueSet", content_type = "application/json"), (status = 404, body = ErrorBody)))]
pub(crate) async fn dvs_get_versioned(
    who: Extension<Who>,
    st: State<AppState>,
    Path(version): Path<String>,
    q: Result<Query<ExportQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    api_version(&version)?;
    dvs_get_json(who, st, q).await
}

/// DHIS2 clients that name the API version (`/api/40/dataValueSets`) reach the same import.
#[utoipa::path(post, path = "/api/{version}/dataValueSets", tag = "dhis2",
    params(("version" = String, Path, description = "DHIS2's API version, e.g. 40"), DvsImportQuery),
    request_body(content_type = "application/json", content = String),
    responses((status = 200, description = "DHIS2 web message with an import summary"), (status = 409, description = "DHIS2 web message with conflicts")))]
pub(crate) async fn dvs_post_versioned(
    who: Extension<Who>,
    st: State<AppState>,
    Path(version): Path<String>,
    headers: HeaderMap,
    q: Result<Query<DvsImportQuery>, QueryRejection>,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    api_version(&version)?;
    dvs_post(who, st, headers, q, b).await
}

/// DHIS2's API versions are numbers (28 to 99).
fn api_version(v: &str) -> Result<(), ApiError> {
    match v.parse::<u16>() {
        Ok(n) if (28..100).contains(&n) => Ok(()),
        _ => Err(ApiError::NotFound(
            "there is no such page or API route".into(),
        )),
    }
}
