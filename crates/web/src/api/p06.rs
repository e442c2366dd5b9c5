//! The electronic data store for a one-stop system: the import of its export (CSV or JSON, the
//! schema in `docs/p06.md`; all or nothing, a dry run, every error by row and field), a unit's
//! dossiers and a result's history in JSON. Every read and write goes through the application
//! layer (`chiso_app::p06`), which asks the store's rules and logs it in the access log,
//! exactly as for the pages.

use crate::api::imports::upload_body;
use crate::auth::{Credential, Who};
use crate::error::{ApiError, ErrorBody};
use crate::params::{code_param, query};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chiso_app::p06::{ImportRefused, P06Error, P06Who, ResultHistory};
use chiso_core::{Period, Via};
use chiso_p06::import::RowError;
use chiso_p06::{Dossier, StoredResult};
use chiso_store::StoreError;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// The account as the store's rules see it (none: not signed in).
pub(crate) async fn p06_who(st: &AppState, who: &Who) -> Result<Option<P06Who>, StoreError> {
    let Some(p) = who.principal() else {
        return Ok(None);
    };
    let via = match p.credential {
        Credential::Session { .. } => Via::Web,
        Credential::Token { .. } => Via::Api,
    };
    Ok(Some(P06Who {
        username: p.username.clone(),
        via,
        assignments: p.assignments.clone(),
        owner: st.store.p06_owner_of(&p.username).await?,
    }))
}

impl From<P06Error> for ApiError {
    fn from(e: P06Error) -> ApiError {
        match e {
            P06Error::Refused(why) => ApiError::Forbidden(why),
            P06Error::NotFound(what) => ApiError::NotFound(what),
            P06Error::Store(e) => e.into(),
        }
    }
}

/// The account asking, or 401.
async fn signed_in(st: &AppState, who: &Who) -> Result<P06Who, ApiError> {
    p06_who(st, who).await?.ok_or(ApiError::Unauthorized)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct P06ImportQuery {
    /// Check everything and say what would change; write nothing.
    #[serde(rename = "dryRun", default)]
    pub dry_run: bool,
}

/// What an import of a one-stop export did (or would do), or why nothing was written.
#[derive(Serialize, ToSchema)]
pub struct P06ImportReport {
    /// `ok`, or `refused` (nothing was written).
    pub status: String,
    pub dry_run: bool,
    /// `csv` or `json`.
    pub format: String,
    /// Dossiers, results and applicants in the file (0 when it was refused).
    pub dossiers: usize,
    pub results: usize,
    pub subjects: usize,
    /// Records written (or that would be): new, changed, already the same.
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Every error by the file's row (the CSV line, the header being 1; the item of a JSON
    /// file; 0 for the whole file) and field.
    pub errors: Vec<RowError>,
}

impl P06ImportReport {
    /// Nothing written, for these errors.
    pub(crate) fn refused(
        dry_run: bool,
        form: ExportForm,
        errors: Vec<RowError>,
    ) -> P06ImportReport {
        P06ImportReport {
            status: "refused".into(),
            dry_run,
            format: form.as_str().into(),
            dossiers: 0,
            results: 0,
            subjects: 0,
            inserted: 0,
            updated: 0,
            unchanged: 0,
            errors,
        }
    }
}

/// The two forms of an export.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExportForm {
    Csv,
    Json,
}

impl ExportForm {
    /// The form a body says it is in (`Content-Type`), or none for a type that is neither.
    fn of(headers: &HeaderMap) -> Option<ExportForm> {
        let t = headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if t.contains("json") {
            Some(ExportForm::Json)
        } else if t.contains("csv") {
            Some(ExportForm::Csv)
        } else {
            None
        }
    }

    /// The form a file is in, from its first character (as `chiso_p06::import::read` does).
    pub(crate) fn sniff(bytes: &[u8]) -> ExportForm {
        let text = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
        match text.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => ExportForm::Json,
            _ => ExportForm::Csv,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            ExportForm::Csv => "csv",
            ExportForm::Json => "json",
        }
    }
}

/// One error about the whole file.
pub(crate) fn whole_file(reason: impl Into<String>) -> Vec<RowError> {
    vec![RowError {
        row: 0,
        field: "file".into(),
        reason: reason.into(),
    }]
}

/// Read an export and import it as the person: the answer's status and report. `said` is the
/// form the sender said the file is in; a file in the other form is refused.
pub(crate) async fn run_p06_import(
    st: &AppState,
    pw: &P06Who,
    bytes: Vec<u8>,
    said: Option<ExportForm>,
    dry_run: bool,
) -> (StatusCode, P06ImportReport) {
    let form = ExportForm::sniff(&bytes);
    let mut rep = P06ImportReport::refused(dry_run, form, Vec::new());
    if said.is_some_and(|s| s != form) {
        rep.errors = whole_file(format!(
            "Content-Type là {} nhưng tệp là {} (the Content-Type says {} but the file is {})",
            said.map_or("", |s| s.as_str()),
            form.as_str(),
            said.map_or("", |s| s.as_str()),
            form.as_str()
        ));
        return (StatusCode::UNPROCESSABLE_ENTITY, rep);
    }
    let by = pw.username.clone();
    let read =
        crate::params::blocking(move || chiso_p06::import::read(&bytes, chrono::Utc::now(), &by))
            .await;
    let batch = match read {
        Ok(Ok(b)) => b,
        Ok(Err(errors)) => {
            rep.errors = errors;
            return (StatusCode::UNPROCESSABLE_ENTITY, rep);
        }
        Err(e) => {
            tracing::error!(error = ?e, "cannot read a one-stop export");
            rep.errors = whole_file("lỗi hệ thống khi đọc tệp; không ghi dữ liệu nào (a system error while reading the file; nothing was written)");
            return (StatusCode::INTERNAL_SERVER_ERROR, rep);
        }
    };
    let counts = (
        batch.dossiers.len(),
        batch.results.len(),
        batch.subjects.len(),
    );
    match st.app.p06_import_as(pw, batch, dry_run).await {
        Ok(c) => {
            rep.status = "ok".into();
            (rep.dossiers, rep.results, rep.subjects) = counts;
            (rep.inserted, rep.updated, rep.unchanged) = (c.inserted, c.updated, c.unchanged);
            (StatusCode::OK, rep)
        }
        Err(ImportRefused::OutOfScope(errors)) => {
            rep.errors = errors;
            (StatusCode::FORBIDDEN, rep)
        }
        Err(ImportRefused::Invalid(errors)) => {
            rep.errors = errors;
            (StatusCode::UNPROCESSABLE_ENTITY, rep)
        }
        Err(ImportRefused::Store(e)) => {
            let status = if e.is_unavailable() {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                tracing::error!(error = %e, "a one-stop import failed");
                StatusCode::INTERNAL_SERVER_ERROR
            };
            rep.errors = whole_file("lỗi hệ thống khi ghi dữ liệu; không ghi dữ liệu nào (a system error while writing; nothing was written)");
            (status, rep)
        }
    }
}

/// Import dossiers (and their results) from a one-stop system's export: the body is the file,
/// CSV (`Content-Type: text/csv`) or JSON (`application/json`), in the schema of
/// `docs/p06.md`. All or nothing: a 422 lists every error by row and field and writes
/// nothing; `dryRun=true` checks everything and says what would be written. The account must
/// hold a data-entry role over every receiving unit in the file (403 naming the rows of the
/// others, nothing written). Importing the same file again changes nothing.
#[utoipa::path(post, path = "/api/p06/import", tag = "p06", params(P06ImportQuery),
    request_body(description = "the export, CSV or JSON (docs/p06.md)",
        content((String = "text/csv"), (String = "application/json"))),
    responses((status = 200, body = P06ImportReport), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = P06ImportReport),
        (status = 413, body = ErrorBody), (status = 422, body = P06ImportReport)))]
pub(crate) async fn import_export(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    headers: HeaderMap,
    q: Result<Query<P06ImportQuery>, QueryRejection>,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    let bytes = upload_body(b, &who)?;
    let Some(form) = ExportForm::of(&headers) else {
        return Err(ApiError::bad(
            "Content-Type",
            "gửi tệp với Content-Type: text/csv hoặc application/json (send the file as text/csv or application/json)",
        ));
    };
    let pw = signed_in(&st, &who).await?;
    let (status, rep) = run_p06_import(&st, &pw, bytes.to_vec(), Some(form), q.dry_run).await;
    Ok((status, Json(rep)).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitDossiersQuery {
    /// Only the dossiers received or finished in this period (`2023`, `2023Q1`, `202303`).
    pub period: Option<String>,
    /// At most this many dossiers, newest first (1 to 1000, default 100).
    pub limit: Option<i64>,
}

/// A unit's dossiers as its officers read them.
#[derive(Serialize, ToSchema)]
pub struct UnitDossiers {
    pub unit: String,
    pub period: Option<String>,
    /// Newest received first.
    pub dossiers: Vec<Dossier>,
    /// The results of those dossiers.
    pub results: Vec<StoredResult>,
}

/// The dossiers a unit received (with their results), for the unit's own officers (a
/// data-entry role over it or a unit above): every dossier listed is logged as read in the
/// store's access log. Anyone else is refused (403).
#[utoipa::path(get, path = "/api/p06/units/{code}/dossiers", tag = "p06",
    params(("code" = String, Path, description = "the receiving unit"), UnitDossiersQuery),
    responses((status = 200, body = UnitDossiers), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn unit_dossiers(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path(code): Path<String>,
    q: Result<Query<UnitDossiersQuery>, QueryRejection>,
) -> Result<Json<UnitDossiers>, ApiError> {
    let q = query(q)?;
    let pw = signed_in(&st, &who).await?;
    let period = q
        .period
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            Period::parse(p.trim()).map_err(|e| ApiError::bad("period", format!("'{p}': {e}")))
        })
        .transpose()?;
    let unit = code_param("code", &code)?;
    if st.app.read().await.tree().unit(unit.as_str()).is_none() {
        return Err(ApiError::NotFound(format!(
            "không có đơn vị {unit} / no unit {unit}"
        )));
    }
    let touching = period.as_ref().map(|p| (p.start(), p.end()));
    let limit = q.limit.unwrap_or(100);
    let (dossiers, results) = st
        .app
        .p06_unit_dossiers(&pw, &unit, touching, limit)
        .await?;
    Ok(Json(UnitDossiers {
        unit: unit.to_string(),
        period: period.map(|p| p.to_string()),
        dossiers,
        results,
    }))
}

/// A result and its history (created, revoked, read), for its owner, its issuer, and an
/// agency holding an open dossier of the owner (a valid result; the history of reads is then
/// not given). The read is logged; a refusal is logged and answered 403.
#[utoipa::path(get, path = "/api/p06/results/{code}", tag = "p06",
    params(("code" = String, Path, description = "the result's code, `<dossier code>-KQ<n>`")),
    responses((status = 200, body = ResultHistory), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn result_history(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<ResultHistory>, ApiError> {
    let pw = signed_in(&st, &who).await?;
    Ok(Json(st.app.p06_result_history(&pw, &code).await?))
}
