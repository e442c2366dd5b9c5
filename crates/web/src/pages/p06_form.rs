//! What every form of a unit's store page (`/p06/units/{code}/…`) is checked for before
//! anything is read: a signed-in person of the store, the form's CSRF token, a unit code
//! that parses. [`DeskForm`] takes an urlencoded form only once it passes; a multipart form
//! calls [`desk_form`] once it has read the token.

use crate::api::p06::p06_who;
use crate::auth::{csrf_ok, Who};
use crate::pages::{Page, PageError, PageQuery};
use crate::AppState;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use axum::Form;
use chiso_app::p06::P06Who;
use chiso_core::Code;
use serde::de::DeserializeOwned;

/// What every form of a unit's store page checks before anything is read: a signed-in
/// person of the store (else the login page and back), the form's CSRF token (else the
/// stale-form page), a unit code that parses (else not found).
pub(crate) async fn desk_form(
    st: &AppState,
    page: &Page,
    who: &Who,
    headers: &HeaderMap,
    code: &str,
    csrf: Option<&str>,
) -> Result<(P06Who, Code), Response> {
    let back = format!("/p06/units/{code}");
    let pw = match p06_who(st, who).await {
        Ok(Some(p)) => p,
        Ok(None) => return Err(page.session_ended(&back)),
        Err(e) => return Err(page.respond(st, Err(e.into()))),
    };
    if !csrf_ok(who, &Method::POST, headers, csrf) {
        return Err(page.stale_form(st, &back));
    }
    let Ok(unit) = Code::parse(code) else {
        return Err(page.respond(st, Err(PageError::NotFound(code.to_string()))));
    };
    Ok((pw, unit))
}

/// A form carrying the session's CSRF token in its `csrf` field.
pub(crate) trait WithCsrf {
    fn csrf(&self) -> Option<&str>;
}

/// A form posted to `/p06/units/{code}/…`, taken only once [`desk_form`] has checked it: a
/// signed-in person of the store (else the login page and back), the form's CSRF token (else
/// the stale-form page), a unit code that parses (else not found) — before anything is read.
pub(crate) struct DeskForm<F> {
    pub(crate) page: Page,
    pub(crate) pw: P06Who,
    pub(crate) unit: Code,
    pub(crate) form: F,
}

impl<F> DeskForm<F> {
    /// The page, the person, the unit, the form.
    pub(crate) fn parts(self) -> (Page, P06Who, Code, F) {
        (self.page, self.pw, self.unit, self.form)
    }
}

impl<F> FromRequest<AppState> for DeskForm<F>
where
    F: DeserializeOwned + WithCsrf + Send + 'static,
{
    type Rejection = Response;

    async fn from_request(req: Request, st: &AppState) -> Result<DeskForm<F>, Response> {
        let (mut parts, body) = req.into_parts();
        let who = parts
            .extensions
            .get::<Who>()
            .cloned()
            .unwrap_or(Who::Anonymous);
        let page = Page::new(&PageQuery::default(), &parts.headers, &parts.uri, &who);
        let Path(code) = Path::<String>::from_request_parts(&mut parts, st)
            .await
            .map_err(IntoResponse::into_response)?;
        let headers = parts.headers.clone();
        let Form(form) = Form::<F>::from_request(Request::from_parts(parts, body), st)
            .await
            .map_err(IntoResponse::into_response)?;
        let (pw, unit) = desk_form(st, &page, &who, &headers, &code, form.csrf()).await?;
        Ok(DeskForm {
            page,
            pw,
            unit,
            form,
        })
    }
}
