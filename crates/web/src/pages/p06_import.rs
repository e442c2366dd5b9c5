//! `/p06/import`: a one-stop system's export (CSV or JSON, the schema in `docs/p06.md`)
//! uploaded from the page — a dry run by default — and the answer on the page: what was (or
//! would be) written, or every error by row and field with nothing written. The login, the
//! form's CSRF token and a data-entry role are checked before anything is read; the import
//! itself is the API's (`POST /api/p06/import`), so the rows of a unit the person does not
//! act for are refused the same way.

use crate::api::evidence::read_multipart;
use crate::api::p06::{run_p06_import, whole_file, ExportForm, P06ImportReport};
use crate::auth::{csrf_ok, Who};
use crate::error::ApiError;
use crate::i18n::one_language;
use crate::pages::p06::p06_who;
use crate::pages::{Page, PageError};
use crate::params::MAX_UPLOAD;
use crate::AppState;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use chiso_app::p06::P06Who;
use chiso_core::account::Role;

const BACK: &str = "/p06/import";

/// The units the person imports for (a data-entry role over each; none: every unit), or a
/// refusal when they hold no data-entry role at all.
fn import_units(st: &AppState, page: &Page, pw: &P06Who) -> Result<Vec<String>, PageError> {
    let roles: Vec<Option<String>> = pw
        .assignments
        .iter()
        .filter(|a| a.role == Role::DataEntry)
        .map(|a| a.unit.as_ref().map(|u| u.to_string()))
        .collect();
    if roles.is_empty() {
        return Err(PageError::Refused(
            StatusCode::FORBIDDEN,
            st.i18n.t(page.lang, "p06-import-no-right", &[]),
        ));
    }
    if roles.iter().any(Option::is_none) {
        return Ok(vec![st.i18n.t(page.lang, "p06-import-every-unit", &[])]);
    }
    Ok(roles.into_iter().flatten().collect())
}

/// The page, with the answer to an upload when there was one. The dry run is ticked again
/// whatever was chosen: the next file is checked first unless the person says otherwise.
fn render(
    st: &AppState,
    page: &Page,
    units: Vec<String>,
    report: Option<&P06ImportReport>,
    status: StatusCode,
) -> Response {
    let lang = page.lang;
    let errors: Vec<minijinja::Value> = report
        .map(|r| r.errors.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|e| {
            minijinja::context! {
                row => e.row,
                field => e.field.clone(),
                reason => one_language(&e.reason, lang),
            }
        })
        .collect();
    let summary = report.filter(|r| r.status == "ok").map(|r| {
        let n = |x: u64| x.to_string();
        st.i18n.t(
            lang,
            if r.dry_run {
                "p06-import-dry-ok"
            } else {
                "p06-import-ok"
            },
            &[
                ("dossiers", r.dossiers.to_string()),
                ("results", r.results.to_string()),
                ("subjects", r.subjects.to_string()),
                ("inserted", n(r.inserted)),
                ("updated", n(r.updated)),
                ("unchanged", n(r.unchanged)),
            ],
        )
    });
    let refused = report.filter(|r| r.status != "ok").map(|r| {
        let key = if status == StatusCode::FORBIDDEN {
            "p06-import-out-of-scope"
        } else {
            "p06-import-refused"
        };
        st.i18n.t(lang, key, &[("n", r.errors.len().to_string())])
    });
    page.render(
        st,
        status,
        "p06_import.html",
        minijinja::context! {
            units_note => st.i18n.t(lang, "p06-import-units", &[("units", units.join(", "))]),
            file_label => st.i18n.t(lang, "p06-import-file", &[("mb", (MAX_UPLOAD / 1024 / 1024).to_string())]),
            summary,
            refused,
            errors,
        },
    )
}

/// `GET /p06/import`: the upload form, for an account with a data-entry role.
pub(crate) async fn import_page(State(st): State<AppState>, page: Page) -> Response {
    let r = async {
        let pw = p06_who(&st, &page.who).await?.ok_or(PageError::Denied)?;
        let units = import_units(&st, &page, &pw)?;
        Ok(render(&st, &page, units, None, StatusCode::OK))
    }
    .await;
    page.respond(&st, r)
}

/// `POST /p06/import` (multipart: `file`, `dry_run`, `csrf`): check the file, and import it
/// unless it is a dry run; the page again with the answer.
pub(crate) async fn import_post(
    State(st): State<AppState>,
    page: Page,
    headers: HeaderMap,
    m: Multipart,
) -> Response {
    let (lang, who) = (page.lang, page.who.clone());
    if matches!(who, Who::Anonymous) {
        return page.session_ended(BACK);
    }
    let too_large = || {
        Err(PageError::Refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            st.i18n.t(
                lang,
                "p06-file-too-large",
                &[("mb", (MAX_UPLOAD / 1024 / 1024).to_string())],
            ),
        ))
    };
    let up = match read_multipart(m).await {
        Ok(u) => u,
        Err(ApiError::TooLarge(_)) => return page.respond(&st, too_large()),
        Err(e) => return crate::pages::forms::api_error_page(&st, &page, e),
    };
    if !csrf_ok(&who, &Method::POST, &headers, up.csrf.as_deref()) {
        return page.stale_form(&st, BACK);
    }
    let r = async {
        let pw = p06_who(&st, &who).await?.ok_or(PageError::Denied)?;
        let units = import_units(&st, &page, &pw)?;
        let dry_run = up.other.iter().any(|(k, v)| k == "dry_run" && v == "1");
        if up.bytes.len() > MAX_UPLOAD {
            return too_large();
        }
        if up.bytes.is_empty() {
            let none = whole_file(st.i18n.t(lang, "p06-import-no-file", &[]));
            let report = P06ImportReport::refused(dry_run, ExportForm::Csv, none);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(render(&st, &page, units, Some(&report), status));
        }
        let (status, report) = run_p06_import(&st, &pw, up.bytes, None, dry_run).await;
        match status {
            StatusCode::INTERNAL_SERVER_ERROR => Err(PageError::Internal(
                "a one-stop import failed (logged above)".into(),
            )),
            StatusCode::SERVICE_UNAVAILABLE => Err(PageError::Unavailable),
            _ => Ok(render(&st, &page, units, Some(&report), status)),
        }
    }
    .await;
    page.respond(&st, r)
}
