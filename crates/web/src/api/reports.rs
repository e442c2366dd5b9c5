//! The yearly review as a file, for other systems: the same report as the page's downloads
//! (`chiso report` on the command line), with the same rights — a reader of every unit the
//! framework's targets are about; the live view for a signed-in person only.

use crate::auth::{require, Action, Who};
use crate::error::{ApiError, ErrorBody};
use crate::params::query;
use crate::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chiso_core::TargetScope;
use chiso_engine::View;
use serde::Deserialize;
use utoipa::IntoParams;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// `pdf` (default; vi and en), `docx`, `xlsx` (the annex tables) or `html`.
    pub format: Option<String>,
    /// `vi` (default: the official text), `en` (its translation) or `bn` (the press summary).
    pub lang: Option<String>,
    /// `official` (default) or `live`.
    pub view: Option<String>,
}

/// The yearly review of a target framework written from the data (figures from the engine,
/// wording from the shipped templates), stating the data version (audit sequence) it used.
#[utoipa::path(get, path = "/api/reports/yearly/{framework}", tag = "analytics",
    params(("framework" = String, Path, description = "Target framework code, e.g. KH_CDS_2023"), ReportParams),
    responses((status = 200, description = "The report file (PDF, DOCX, XLSX or HTML)"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn yearly_report(
    Extension(who): Extension<Who>,
    State(st): State<AppState>,
    Path(code): Path<String>,
    q: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let q = query(q)?;
    require(&st, &who, Action::ReadMeta, &[]).await?;
    let view = crate::api::figures::view(&q.view)?;
    if view == View::Live && !matches!(who, Who::User(_)) {
        return Err(ApiError::Unauthorized);
    }
    let format = q.format.as_deref().unwrap_or("pdf");
    if !["pdf", "docx", "xlsx", "html"].contains(&format) {
        return Err(ApiError::bad("format", "one of pdf, docx, xlsx, html"));
    }
    let lang = chiso_report::Lang::parse(q.lang.as_deref().unwrap_or("vi"))
        .ok_or_else(|| ApiError::bad("lang", "one of vi, en, bn"))?;
    if format == "pdf" && lang == chiso_report::Lang::Bn {
        return Err(ApiError::bad(
            "format",
            "the Bengali summary is made as html or docx",
        ));
    }
    let f = st
        .store
        .frameworks()
        .await?
        .into_iter()
        .find(|f| f.code.as_str() == code)
        .ok_or_else(|| ApiError::NotFound(format!("unknown target framework {code}")))?;
    // Every unit the targets are about.
    let units: Vec<String> = {
        let engine = st.app.read().await;
        let mut out = Vec::new();
        for t in &f.targets {
            match &t.scope {
                TargetScope::Unit(u) => out.push(u.to_string()),
                TargetScope::Group(g) => out.extend(
                    engine
                        .group_members(g)
                        .map_err(|e| ApiError::Internal(e.to_string()))?
                        .iter()
                        .map(|c| c.to_string()),
                ),
            }
        }
        out.sort();
        out.dedup();
        out
    };
    let refs: Vec<&str> = units.iter().map(String::as_str).collect();
    require(&st, &who, Action::Read, &refs).await?;
    if view == View::Live && !crate::pages::views::may_see_live(&st, &who, &refs).await {
        return Err(ApiError::Forbidden(
            "the live figures of these units".into(),
        ));
    }
    let day = crate::clock::as_of_day(&st).await?;
    let report = {
        let engine = st.app.read().await;
        st.app
            .report_content(&engine, &code, view, day)
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
    };
    let doc =
        chiso_report::render(&report, lang, None).map_err(|e| ApiError::Internal(e.to_string()))?;
    let internal = |e: String| ApiError::Internal(e);
    let (bytes, mime) = match format {
        "pdf" => (
            chiso_report::pdf::document(&doc).map_err(|e| internal(e.to_string()))?,
            "application/pdf",
        ),
        "docx" => (
            chiso_report::docx::document(&doc).map_err(|e| internal(e.to_string()))?,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        "xlsx" => (
            chiso_report::xlsx::annex(&doc).map_err(|e| internal(e.to_string()))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        _ => (
            chiso_report::html::page(&doc).into_bytes(),
            "text/html; charset=utf-8",
        ),
    };
    let name = format!("bao-cao-{code}-{}-{}.{format}", lang.as_str(), report.view);
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (
                header::HeaderName::from_static("x-chiso-data-version"),
                report.audit_seq.to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}
