//! Imports of files (Excel, CSV, DHIS2 JSON), all or nothing with a dry run, and exports.

use crate::api::forms::may_bypass_lock;
use crate::auth::{allowed, require, Action, Who};
use crate::clock::today_in_vietnam;
use crate::error::{ApiError, ErrorBody};
use crate::params::*;
use crate::params::{download, MAX_UPLOAD};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chiso_collect::{FieldNames, ImportError};
use chiso_collect::{Hierarchy, Strategy};
use chiso_collect::{ImportOptions, ImportOutcome};
use chiso_core::{Code, Period, SourceTag, Via};
use chiso_io::values::{ExportRow, ValueRow};
use chiso_io::FileError;
use chiso_store::{ValueKey, ValueQuery};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

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
    let (name, body) = (file.to_string(), bytes.to_vec());
    let read = crate::params::blocking(move || chiso_collect::read_file(&name, &body)).await;
    let (format, rows, names) = match read {
        Ok(Ok(x)) => x,
        Ok(Err(errs)) => {
            rep.errors = errs.iter().map(Into::into).collect();
            return (StatusCode::UNPROCESSABLE_ENTITY, rep);
        }
        Err(e) => {
            tracing::error!(error = ?e, "cannot read an uploaded file");
            rep.errors = vec![FileErrorOut::from(&FileError::whole_file(
                file,
                "lỗi hệ thống khi đọc tệp; hãy thử lại / a system error while reading the file",
            ))];
            return (StatusCode::INTERNAL_SERVER_ERROR, rep);
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
pub(crate) async fn import(
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
pub(crate) fn upload_body(b: Result<Bytes, BytesRejection>, who: &Who) -> Result<Bytes, ApiError> {
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
    // The route's body limit leaves room for a multipart envelope; a file sent as the body is
    // held to the import limit itself.
    if bytes.len() > MAX_UPLOAD {
        return Err(ApiError::TooLarge(MAX_UPLOAD));
    }
    Ok(bytes)
}

/// DHIS2's `importStrategy`, CREATE_AND_UPDATE when absent.
pub(crate) fn strategy_param(s: Option<&str>) -> Result<Strategy, ApiError> {
    match s {
        None => Ok(Strategy::CreateAndUpdate),
        Some(s) => Strategy::parse(s).ok_or_else(|| {
            ApiError::bad(
                "importStrategy",
                format!("'{s}': hãy dùng CREATE_AND_UPDATE, CREATE, UPDATE hoặc DELETE / '{s}': use CREATE_AND_UPDATE, CREATE, UPDATE or DELETE"),
            )
        }),
    }
}

/// DHIS2's identifier schemes: chiso's identifiers are its codes, so CODE (or UID, the same).
pub(crate) fn check_schemes(schemes: &[(&str, &Option<String>)]) -> Result<(), ApiError> {
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

/// What an export reads, once the request is checked (parameters, access): the data set's code
/// (DHIS2's JSON names it) and the values' query.
pub(crate) async fn export_query(
    st: &AppState,
    who: &Who,
    q: &ExportQuery,
) -> Result<(Option<String>, ValueQuery), ApiError> {
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
    let query = ValueQuery {
        elements: data_set
            .as_ref()
            .map(|d| d.elements.clone())
            .unwrap_or_default(),
        units,
        descendants: q.children,
        periods,
        ..Default::default()
    };
    Ok((data_set.map(|d| d.code.to_string()), query))
}

/// How an export writes its pages.
#[derive(Clone, Copy)]
pub(crate) enum ExportFormat {
    /// chiso's CSV columns.
    Csv,
    /// DHIS2's CSV columns.
    Dhis2Csv,
    /// DHIS2's dataValueSets JSON.
    Dhis2Json,
}

/// What an export leaves out as its values stream: values stored before `since`
/// (DHIS2's `lastUpdated`), and any past the first `limit`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ExportFilter {
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    pub limit: Option<usize>,
}

/// Rows read per page of an export.
const EXPORT_PAGE: i64 = 20_000;

/// The whole export, streamed: the values are read page after page in key order (each page
/// going on after the last key of the one before) and written as they come, so an export of
/// any size is complete — never cut at a page — and never held whole in memory.
pub(crate) fn stream_export(
    reads: std::sync::Arc<dyn chiso_store::Reads>,
    query: ValueQuery,
    format: ExportFormat,
    data_set: Option<String>,
    filter: ExportFilter,
) -> axum::body::Body {
    use futures_util::stream;
    enum Step {
        Start,
        Page(Option<ValueKey>),
        Close,
        Done,
    }
    // Values written so far (for `limit`), and whether one was (JSON's commas).
    let written = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (json_open, json_close) = chiso_io::dhis2::dhis2_json_frame(data_set.as_deref());
    let chunks = stream::unfold(Step::Start, move |step| {
        let reads = reads.clone();
        let query = query.clone();
        let (json_open, json_close) = (json_open.clone(), json_close.clone());
        let written = written.clone();
        async move {
            match step {
                Step::Start => {
                    let head = match format {
                        ExportFormat::Csv => chiso_io::csv_values::write_csv_part(&[], true),
                        ExportFormat::Dhis2Csv => {
                            chiso_io::csv_values::write_dhis2_csv_part(&[], true)
                        }
                        ExportFormat::Dhis2Json => json_open,
                    };
                    Some((Ok(axum::body::Bytes::from(head)), Step::Page(None)))
                }
                Step::Page(after) => {
                    use std::sync::atomic::Ordering::SeqCst;
                    let before = written.load(SeqCst);
                    if filter.limit.is_some_and(|l| before >= l) {
                        return Some((Ok(axum::body::Bytes::new()), Step::Close));
                    }
                    let page = reads
                        .values(&ValueQuery {
                            limit: Some(EXPORT_PAGE),
                            offset: None,
                            after,
                            ..query
                        })
                        .await;
                    let values = match page {
                        Ok(v) => v,
                        Err(e) => {
                            // The status line is gone already: end the body with an error, so
                            // the client sees a broken transfer, not a short file.
                            tracing::error!(error = %e, "an export could not read its next page");
                            let err = std::io::Error::other("the export could not be completed");
                            return Some((Err(err), Step::Done));
                        }
                    };
                    let next = if (values.len() as i64) < EXPORT_PAGE {
                        Step::Close
                    } else {
                        Step::Page(values.last().map(|v| ValueKey {
                            element: v.element.clone(),
                            unit: v.unit.clone(),
                            period: v.period,
                            breakdown: v.breakdown.clone(),
                        }))
                    };
                    let mut rows: Vec<ExportRow> = values
                        .into_iter()
                        .filter(|v| filter.since.is_none_or(|t| v.stored_at >= t))
                        .map(export_row)
                        .collect();
                    if let Some(l) = filter.limit {
                        rows.truncate(l.saturating_sub(before));
                    }
                    written.fetch_add(rows.len(), SeqCst);
                    let first = before == 0;
                    let bytes = match format {
                        ExportFormat::Csv => chiso_io::csv_values::write_csv_part(&rows, false),
                        ExportFormat::Dhis2Csv => {
                            chiso_io::csv_values::write_dhis2_csv_part(&rows, false)
                        }
                        ExportFormat::Dhis2Json => chiso_io::dhis2::dhis2_json_values(&rows, first),
                    };
                    Some((Ok(axum::body::Bytes::from(bytes)), next))
                }
                Step::Close => {
                    let tail = match format {
                        ExportFormat::Dhis2Json => json_close,
                        _ => Vec::new(),
                    };
                    Some((Ok(axum::body::Bytes::from(tail)), Step::Done))
                }
                Step::Done => None,
            }
        }
    });
    axum::body::Body::from_stream(chunks)
}

fn export_row(v: chiso_core::DataValue) -> ExportRow {
    ExportRow {
        element: v.element.to_string(),
        period: v.period.to_string(),
        unit: v.unit.to_string(),
        breakdown: v.breakdown.map(|b| b.to_string()),
        value: v.value,
        comment: v.comment,
        source: v.source.to_string(),
        stored_by: v.stored_by,
        stored_at: v.stored_at,
    }
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
    let (_, values) = export_query(&st, &who, &q).await?;
    let body = stream_export(
        st.store.clone(),
        values,
        ExportFormat::Csv,
        None,
        ExportFilter::default(),
    );
    Ok(download("text/csv; charset=utf-8", "data-values.csv", body))
}
