//! The electronic data store's files from the pages: a unit's desk uploads the file of a
//! result it issues (finishing the dossier) or a signed scan of an earlier paper into an open
//! dossier (multipart: at most `chiso_p06::rules::MAX_FILE`, a PDF, PNG, JPEG or XML told by
//! its first bytes, never an identity card; kept once by its SHA-256 next to the database);
//! a file is served only to those the rules let read its result, the read logged before a
//! byte leaves; and the desk withdraws an open dossier. Every write goes through the
//! application layer (`chiso_app::p06`).

use crate::api::evidence::read_multipart;
use crate::auth::Who;
use crate::error::ApiError;
use crate::pages::p06::p06_who;
use crate::pages::p06_desk::after_write;
use crate::pages::p06_form::{desk_form, DeskForm, WithCsrf};
use crate::pages::{Page, PageError, PageQuery};
use crate::AppState;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chiso_app::p06::{NewResult, P06Error};
use chiso_core::Code;
use chiso_p06::rules::MAX_FILE;
use chiso_p06::{DossierCode, DossierStatus, ResultKind};
use serde::Deserialize;

/// The body limit of an upload: the file's limit and room for the form's fields.
pub(crate) const UPLOAD_BODY: usize = MAX_FILE + 64 * 1024;

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// `POST /p06/units/{code}/files` (multipart): `kind` = `result` (the unit's result of an
/// open dossier with its file, finishing the dossier today) or `scan` (a signed scan of an
/// earlier paper into an open dossier); `dossier`, `doc_type`, `name`, `number`, `signer`
/// (the signing certificate's fingerprint), `file`, `csrf`.
pub(crate) async fn upload(
    State(st): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    Extension(who): Extension<Who>,
    m: Multipart,
) -> Response {
    let page = Page::new(&PageQuery::default(), &headers, &uri, &who);
    let lang = page.lang;
    let t = |k: &str| st.i18n.t(lang, k, &[]);
    let too_large = || {
        st.i18n.t(
            lang,
            "p06-file-too-large",
            &[("mb", (MAX_FILE / 1024 / 1024).to_string())],
        )
    };
    if matches!(who, Who::Anonymous) {
        return page.session_ended(&format!("/p06/units/{code}"));
    }
    let up = match read_multipart(m).await {
        Ok(u) => u,
        Err(ApiError::TooLarge(_)) => {
            return page.respond(
                &st,
                Err(PageError::Refused(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    too_large(),
                )),
            )
        }
        Err(e) => return crate::pages::forms::api_error_page(&st, &page, e),
    };
    let (pw, unit) = match desk_form(&st, &page, &who, &headers, &code, up.csrf.as_deref()).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let f = &up.other;
    let r = async {
        let kind = match field(f, "kind") {
            "result" => ResultKind::Result,
            "scan" => ResultKind::Scan,
            other => {
                return Err(P06Error::Refused(format!(
                    "{}: '{other}' ({})",
                    t("p06-field-kind"),
                    t("p06-bad-kind")
                )))
            }
        };
        let dossier = DossierCode::parse(field(f, "dossier"))
            .map_err(|e| P06Error::Refused(format!("{}: {e}", t("p06-col-dossier"))))?;
        let doc_type = Code::parse(field(f, "doc_type"))
            .map_err(|e| P06Error::Refused(format!("{}: {e}", t("p06-col-doc-type"))))?;
        for (name, key) in [
            ("name", "p06-field-result-name"),
            ("number", "p06-col-number"),
        ] {
            if field(f, name).is_empty() {
                return Err(P06Error::Refused(format!("{}: {}", t(key), t("p06-empty"))));
            }
        }
        if up.bytes.is_empty() {
            return Err(P06Error::Refused(format!(
                "{}: {}",
                t("p06-field-file"),
                t("p06-empty")
            )));
        }
        if up.bytes.len() > MAX_FILE {
            return Err(P06Error::Refused(too_large()));
        }
        let signer = Some(field(f, "signer").to_lowercase()).filter(|s| !s.is_empty());
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
        let day = crate::clock::today_in_vietnam();
        let new = NewResult {
            kind,
            doc_type,
            name: field(f, "name").to_string(),
            issuer: (kind == ResultKind::Result).then(|| unit.clone()),
            original_issuer: Some(field(f, "original_issuer").to_string())
                .filter(|s| !s.is_empty()),
            number: field(f, "number").to_string(),
            issued: day,
            valid_until: None,
            retain_until: None,
            signer,
            link: None,
            finish: (kind == ResultKind::Result).then_some(day),
        };
        let r = st
            .app
            .p06_add_result(&pw, &dossier, new, Some(up.bytes.clone()))
            .await?;
        let sha = r.sha256.clone().unwrap_or_default();
        Ok(st.i18n.t(
            lang,
            "p06-file-kept",
            &[("code", r.code), ("sha", sha.chars().take(12).collect())],
        ))
    }
    .await;
    after_write(&st, &page, &pw, &unit, r).await
}

/// `GET /p06/results/{code}/file`: the result's file, to its owner, its issuer, or an agency
/// holding an open dossier of the owner (a valid result) — the read logged first. Always a
/// download (never shown in the page's origin), never cached.
pub(crate) async fn download(
    State(st): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
    uri: Uri,
    Extension(who): Extension<Who>,
) -> Response {
    let page = Page::new(&q, &headers, &uri, &who);
    let r = async {
        let pw = match p06_who(&st, &who).await? {
            Some(p) => p,
            None => return Ok(page.session_ended(&format!("/p06/results/{code}"))),
        };
        let (r, bytes) = st.app.p06_result_file(&pw, &code).await?;
        let media = r
            .media_type
            .clone()
            .unwrap_or_else(|| "application/octet-stream".into());
        let ext = match media.as_str() {
            "application/pdf" => "pdf",
            "image/png" => "png",
            "image/jpeg" => "jpg",
            "application/xml" | "text/xml" => "xml",
            _ => "bin",
        };
        Ok((
            [
                (header::CONTENT_TYPE, media),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}.{ext}\"", r.code),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "sandbox; default-src 'none'".to_string(),
                ),
            ],
            bytes,
        )
            .into_response())
    };
    let r: Result<Response, PageError> = r.await;
    page.respond(&st, r)
}

/// The withdraw form.
#[derive(Deserialize)]
pub(crate) struct WithdrawForm {
    csrf: Option<String>,
    #[serde(default)]
    dossier: String,
}

impl WithCsrf for WithdrawForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// `POST /p06/units/{code}/withdraw`: the desk records that the applicant withdrew an open
/// dossier (kept, marked withdrawn today; its figures recomputed).
pub(crate) async fn withdraw(State(st): State<AppState>, d: DeskForm<WithdrawForm>) -> Response {
    let (page, pw, unit, f) = d.parts();
    let lang = page.lang;
    let r = async {
        let dossier = DossierCode::parse(f.dossier.trim()).map_err(|e| {
            P06Error::Refused(format!("{}: {e}", st.i18n.t(lang, "p06-col-dossier", &[])))
        })?;
        let d = st
            .app
            .p06_close(
                &pw,
                &dossier,
                DossierStatus::Withdrawn,
                crate::clock::today_in_vietnam(),
            )
            .await?;
        Ok(st
            .i18n
            .t(lang, "p06-withdrawn-ok", &[("code", d.code.to_string())]))
    }
    .await;
    after_write(&st, &page, &pw, &unit, r).await
}
