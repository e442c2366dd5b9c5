//! The electronic data store's desk writes on a unit's page: issuing the result of an open
//! dossier (finishing it) and revoking a result, each through the application layer, which
//! asks the rules (only the issuing unit) and logs the answer.

use crate::pages::p06::{render_unit, Flash, ReceiveForm};
use crate::pages::p06_form::{DeskForm, WithCsrf};
use crate::pages::Page;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chiso_app::p06::{P06Error, P06Who};
use chiso_core::Code;
use chiso_p06::DossierCode;
use chrono::Datelike;
use serde::Deserialize;

/// The result form: the unit issues the result of one of its open dossiers and finishes it.
#[derive(Deserialize)]
pub(crate) struct ResultForm {
    csrf: Option<String>,
    #[serde(default)]
    dossier: String,
    #[serde(default)]
    doc_type: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    signer: String,
    #[serde(default)]
    link: String,
}

impl WithCsrf for ResultForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// The revoke form.
#[derive(Deserialize)]
pub(crate) struct RevokeForm {
    csrf: Option<String>,
    #[serde(default)]
    result: String,
    #[serde(default)]
    reason: String,
}

impl WithCsrf for RevokeForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// Answer a write of the unit's desk: the unit's page with what happened.
pub(crate) async fn after_write(
    st: &AppState,
    page: &Page,
    pw: &P06Who,
    unit: &Code,
    r: Result<String, P06Error>,
) -> Response {
    let mut flash = Flash::default();
    let mut status = StatusCode::OK;
    match r {
        Ok(m) => flash.ok.push(m),
        Err(P06Error::Refused(why)) => {
            flash
                .errors
                .push(crate::i18n::one_language(&why, page.lang));
            status = StatusCode::FORBIDDEN;
        }
        Err(P06Error::NotFound(what)) => {
            flash.errors.push(what);
            status = StatusCode::NOT_FOUND;
        }
        Err(e) => return page.respond(st, Err(e.into())),
    }
    let year = crate::clock::today_in_vietnam().year();
    let r = render_unit(
        st,
        page,
        pw,
        unit,
        year,
        flash,
        &ReceiveForm::default(),
        status,
    )
    .await;
    page.respond(st, r)
}

/// `POST /p06/units/{code}/results`: issue the result of an open dossier and finish it today.
pub(crate) async fn issue(State(st): State<AppState>, d: DeskForm<ResultForm>) -> Response {
    let (page, pw, unit, f) = d.parts();
    let lang = page.lang;
    let t = |k: &str| st.i18n.t(lang, k, &[]);
    let day = crate::clock::today_in_vietnam();
    let r = async {
        let dossier = DossierCode::parse(&f.dossier)
            .map_err(|e| P06Error::Refused(format!("{}: {e}", t("p06-col-dossier"))))?;
        let doc_type = Code::parse(f.doc_type.trim())
            .map_err(|e| P06Error::Refused(format!("{}: {e}", t("p06-col-doc-type"))))?;
        if f.name.trim().is_empty() || f.number.trim().is_empty() {
            return Err(P06Error::Refused(format!(
                "{} / {}: {}",
                t("p06-field-result-name"),
                t("p06-col-number"),
                t("p06-empty")
            )));
        }
        let signer = Some(f.signer.trim().to_string()).filter(|s| !s.is_empty());
        if signer
            .as_deref()
            .is_some_and(|s| s.len() < 40 || !s.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(P06Error::Refused(format!(
                "{}: {}",
                t("p06-col-signer"),
                t("p06-bad-signer")
            )));
        }
        let new = chiso_app::p06::NewResult {
            kind: chiso_p06::ResultKind::Result,
            doc_type,
            name: f.name.trim().to_string(),
            issuer: Some(unit.clone()),
            original_issuer: None,
            number: f.number.trim().to_string(),
            issued: day,
            valid_until: None,
            retain_until: None,
            signer,
            link: Some(f.link.trim().to_string()).filter(|s| !s.is_empty()),
            finish: Some(day),
        };
        let r = st.app.p06_add_result(&pw, &dossier, new, None).await?;
        Ok(st.i18n.t(lang, "p06-issued", &[("code", r.code)]))
    }
    .await;
    after_write(&st, &page, &pw, &unit, r).await
}

/// `POST /p06/units/{code}/revoke`: the issuer flags one of its results revoked (kept).
pub(crate) async fn revoke(State(st): State<AppState>, d: DeskForm<RevokeForm>) -> Response {
    let (page, pw, unit, f) = d.parts();
    let lang = page.lang;
    let r = async {
        if f.reason.trim().is_empty() {
            return Err(P06Error::Refused(format!(
                "{}: {}",
                st.i18n.t(lang, "p06-field-revoke-reason", &[]),
                st.i18n.t(lang, "p06-empty", &[])
            )));
        }
        let r = st
            .app
            .p06_revoke(&pw, f.result.trim(), f.reason.trim())
            .await?;
        Ok(st.i18n.t(lang, "p06-revoked-ok", &[("code", r.code)]))
    }
    .await;
    after_write(&st, &page, &pw, &unit, r).await
}
