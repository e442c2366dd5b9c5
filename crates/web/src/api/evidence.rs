//! Evidence files of a report: checked by their content, kept with their document details,
//! always served as attachments.

use crate::api::forms::Done;
use crate::api::forms::{report, Report};
use crate::auth::{require, Action, Who};
use crate::error::{ApiError, ErrorBody};
use crate::params::*;
use crate::params::{attachment, MAX_UPLOAD};
use crate::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Json};
use chiso_core::{Evidence, Via};
use chiso_store::FieldError;
use chrono::NaiveDate;

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

/// Evidence belongs to a report that exists: an unknown unit is 404, a unit that does not
/// report this data set in that period (it did not exist yet, or is not assigned) is refused.
pub(crate) async fn reports_then(st: &AppState, r: &Report) -> Result<(), ApiError> {
    let hier = chiso_collect::Hierarchy::of(&st.app).await;
    if hier.unit(r.unit.as_str()).is_none() {
        return Err(ApiError::NotFound(format!(
            "không có đơn vị {} / no unit {}",
            r.unit, r.unit
        )));
    }
    if !hier.expects(&r.ds, r.unit.as_str(), &r.period) {
        return Err(ApiError::Invalid(vec![FieldError::new(
            None,
            "period",
            format!(
                "đơn vị {} không báo cáo biểu {} cho kỳ {} / unit {} does not report {} for {}",
                r.unit, r.ds.code, r.period, r.unit, r.ds.code, r.period
            ),
        )]));
    }
    Ok(())
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
    reports_then(st, r).await?;
    if up.bytes.is_empty() {
        return Err(ApiError::bad("file", "chưa chọn tệp / no file was sent"));
    }
    if up.bytes.len() > chiso_core::dataset::MAX_EVIDENCE_BYTES {
        return Err(ApiError::TooLarge(chiso_core::dataset::MAX_EVIDENCE_BYTES));
    }
    let file_name = crate::params::clean_file_name(&up.file_name);
    let content_type = chiso_core::dataset::sniff_evidence(&up.bytes, &file_name).filter(|t| {
        // A zip named .docx is a Word document only if its container says so.
        !(t.starts_with("application/vnd.openxmlformats")
            || t.starts_with("application/vnd.oasis.opendocument"))
            || chiso_io::office::is_office_container(&up.bytes, t)
    });
    let Some(content_type) = content_type else {
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
    m: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Json<Evidence>, ApiError> {
    // A body that is not a multipart form is the API's JSON 400, like any other bad body.
    let m = m.map_err(|e| ApiError::bad("body", format!("not a multipart form: {e}")))?;
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
