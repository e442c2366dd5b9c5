//! The yearly review written from the data: `/reports/yearly?framework=KH_CDS_2023&lang=vi`
//! previews it (vi official text, en translation, bn press summary) and links each format;
//! `/reports/yearly/download?…&format=pdf|docx|xlsx|html` sends the file. The official view
//! by default; the live one for a signed-in person with a right over every target's units,
//! and the report then says so. Nobody gets a report on units they may not read.

use crate::auth::{allowed, Action, Who};
use crate::pages::views::{self, ViewQuery};
use crate::pages::{Page, PageError};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chiso_core::TargetScope;
use chiso_engine::View;
use chiso_report::Lang as RLang;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub(crate) struct ReportQuery {
    framework: Option<String>,
    /// The report's language: vi, en or bn.
    lang: Option<String>,
    format: Option<String>,
}

/// Whether the person may read every unit a framework's targets are about.
async fn may_read_all(st: &AppState, who: &Who, f: &chiso_core::Framework, view: View) -> bool {
    let engine = st.app.read().await;
    let public = st.auth.public_read && view == View::Official;
    f.targets.iter().all(|t| match &t.scope {
        TargetScope::Unit(u) => allowed(who, Action::Read, Some(u.as_str()), &engine, public),
        TargetScope::Group(g) => engine.group_members(g).is_ok_and(|m| {
            m.iter()
                .all(|u| allowed(who, Action::Read, Some(u.as_str()), &engine, public))
        }),
    })
}

/// The framework asked (the active one when none is), the report's language, the view —
/// after the rights are checked — and the document in that language.
async fn made(
    st: &AppState,
    q: &ReportQuery,
    view: View,
    page: &Page,
) -> Result<(chiso_report::Report, chiso_report::Doc, RLang, bool), PageError> {
    let lang = page.lang;
    if !allowed(
        &page.who,
        Action::ReadMeta,
        None,
        &*st.app.read().await,
        st.auth.public_read,
    ) {
        return Err(PageError::Denied);
    }
    let day = crate::clock::as_of_day(st)
        .await
        .unwrap_or_else(|_| crate::clock::today_in_vietnam());
    let frameworks = st.store.frameworks().await?;
    let f = match q.framework.as_deref().filter(|s| !s.is_empty()) {
        Some(code) => frameworks.iter().find(|f| f.code.as_str() == code),
        None => crate::pages::dashboard::active_framework(&frameworks, None, day),
    };
    let Some(f) = f else {
        return Err(PageError::NotFound(st.i18n.t(
            lang,
            "framework-not-found",
            &[("code", q.framework.clone().unwrap_or_default())],
        )));
    };
    let rlang = match q.lang.as_deref() {
        None | Some("") => RLang::parse(lang.as_str()).unwrap_or(RLang::Vi),
        Some(s) => RLang::parse(s).ok_or_else(|| {
            PageError::Refused(
                StatusCode::BAD_REQUEST,
                st.i18n
                    .t(lang, "report-bad-lang", &[("value", s.to_string())]),
            )
        })?,
    };
    if view == View::Live && !matches!(page.who, Who::User(_)) {
        return Err(PageError::Denied);
    }
    if !may_read_all(st, &page.who, f, view).await {
        return Err(PageError::Denied);
    }
    let may_live =
        matches!(page.who, Who::User(_)) && may_read_all(st, &page.who, f, View::Live).await;
    let report = {
        let engine = st.app.read().await;
        st.app
            .report_content(&engine, f.code.as_str(), view, day)
            .await
            .map_err(|e| PageError::Internal(e.to_string()))?
    };
    let doc = chiso_report::render(&report, rlang, None)
        .map_err(|e| PageError::Internal(e.to_string()))?;
    Ok((report, doc, rlang, may_live))
}

pub(crate) async fn yearly_page(
    State(st): State<AppState>,
    Query(q): Query<ReportQuery>,
    Query(v): Query<ViewQuery>,
    page: Page,
) -> Response {
    let r = preview(&st, &q, v.asked(), &page).await;
    page.respond(&st, r)
}

async fn preview(
    st: &AppState,
    q: &ReportQuery,
    view: View,
    page: &Page,
) -> Result<Response, PageError> {
    let (report, doc, rlang, may_live) = made(st, q, view, page).await?;
    let lang = page.lang;
    let base = format!(
        "framework={}&lang={}&view={}",
        report.framework,
        rlang.as_str(),
        view.as_str()
    );
    let formats: &[&str] = if rlang == RLang::Bn {
        &["html", "docx"]
    } else {
        &["pdf", "docx", "xlsx", "html"]
    };
    let downloads: Vec<minijinja::Value> = formats
        .iter()
        .map(|f| {
            minijinja::context! {
                href => format!("/reports/yearly/download?{base}&format={f}"),
                label => st.i18n.t(lang, &format!("report-format-{f}"), &[]),
            }
        })
        .collect();
    let languages: Vec<minijinja::Value> = ["vi", "en", "bn"]
        .iter()
        .map(|l| {
            minijinja::context! {
                href => format!("/reports/yearly?framework={}&lang={l}&view={}", report.framework, view.as_str()),
                label => st.i18n.t(lang, &format!("report-lang-{l}"), &[]),
                current => *l == rlang.as_str(),
            }
        })
        .collect();
    Ok(page.render(
        st,
        StatusCode::OK,
        "report.html",
        minijinja::context! {
            title => st.i18n.t(lang, "report-title", &[("year", report.year.to_string())]),
            summary => st.i18n.t(lang, "report-summary", &[
                ("achieved", report.achieved.to_string()),
                ("total", report.total.to_string()),
                ("version", report.audit_seq.to_string()),
            ]),
            view => {
                // The banner, its switch keeping the framework and the report's language.
                let b = views::banner(st, lang, view, false, "/reports/yearly");
                let switch = may_live.then(|| {
                    let (label, to) = match view {
                        View::Official => ("view-switch-live", View::Live),
                        View::Live => ("view-switch-official", View::Official),
                    };
                    minijinja::context! {
                        label => st.i18n.t(lang, label, &[]),
                        href => format!(
                            "/reports/yearly?framework={}&lang={}&view={}",
                            report.framework,
                            rlang.as_str(),
                            to.as_str()
                        ),
                    }
                });
                minijinja::context! { ..minijinja::context! { switch }, ..b }
            },
            downloads,
            languages,
            body => chiso_report::html::fragment(&doc),
        },
    ))
}

pub(crate) async fn yearly_download(
    State(st): State<AppState>,
    Query(q): Query<ReportQuery>,
    Query(v): Query<ViewQuery>,
    page: Page,
) -> Response {
    let r = download(&st, &q, v.asked(), &page).await;
    page.respond(&st, r)
}

async fn download(
    st: &AppState,
    q: &ReportQuery,
    view: View,
    page: &Page,
) -> Result<Response, PageError> {
    let format = q.format.clone().unwrap_or_else(|| "pdf".into());
    let bad = || {
        PageError::Refused(
            StatusCode::BAD_REQUEST,
            st.i18n
                .t(page.lang, "report-bad-format", &[("value", format.clone())]),
        )
    };
    if !["pdf", "docx", "xlsx", "html"].contains(&format.as_str()) {
        return Err(bad());
    }
    let (report, doc, rlang, _) = made(st, q, view, page).await?;
    let internal = |e: String| PageError::Internal(e);
    let (bytes, mime) = match format.as_str() {
        "pdf" => (
            chiso_report::pdf::document(&doc).map_err(|_| bad())?,
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
    let name = format!(
        "bao-cao-{}-{}-{}.{format}",
        report.framework,
        rlang.as_str(),
        report.view
    );
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
