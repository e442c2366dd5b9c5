//! Server-rendered pages: every page family in its module, one [`Page`] of the layout's
//! context (language, user, session token), the login redirect and the error page.

pub(crate) mod account;
pub(crate) mod audit;
// --- dashboard ---
pub(crate) mod dashboard;
pub(crate) mod dashboard_p06;
pub(crate) mod dashboard_parts;
// --- end dashboard ---
pub(crate) mod form_checks;
pub(crate) mod forms;
pub(crate) mod frameworks;
pub(crate) mod home;
pub(crate) mod map;
pub(crate) mod plans;
pub(crate) mod reports;
pub(crate) mod roadmap;
pub(crate) mod units;
pub(crate) mod views;
// --- explore: indicator pages, rankings, scorecards, the data explorer ---
pub(crate) mod explore;
pub(crate) mod indicator;
pub(crate) mod pivot;
pub(crate) mod rankings;
// --- report ---
pub(crate) mod report;
// --- p06: the electronic data store ---
pub(crate) mod p06;
pub(crate) mod p06_desk;
pub(crate) mod p06_files;
pub(crate) mod p06_form;
pub(crate) mod p06_import;
pub(crate) mod p06_panel;
// --- end p06 ---

use crate::auth::Credential;
use crate::auth::Who;
use crate::i18n::Lang;
use crate::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::header::CONTENT_TYPE;
use axum::http::header::{CACHE_CONTROL, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

pub(crate) async fn css() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/chiso.css"),
    )
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    pub lang: Option<String>,
}

/// The page language: `?lang=` (remembered in a cookie), else the cookie, else Vietnamese.
pub(crate) fn pick_lang(q: &PageQuery, headers: &HeaderMap) -> (Lang, bool) {
    if let Some(l) = q.lang.as_deref().and_then(Lang::parse) {
        return (l, true);
    }
    let from_cookie = crate::auth::cookie(headers, "lang").and_then(|l| Lang::parse(&l));
    (from_cookie.unwrap_or(Lang::Vi), false)
}

/// What a page knows of its request: the language, the layout's context (the user's name,
/// the session's CSRF token, the menu), and who is asking. Extracted from every page request.
pub(crate) struct Page {
    pub lang: Lang,
    set_cookie: bool,
    path: String,
    /// The query string without `lang`, kept by the language switch (a filtered page stays
    /// filtered).
    query: String,
    user_name: Option<String>,
    csrf: Option<String>,
    is_admin: bool,
    pub who: Who,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Page {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Page, Self::Rejection> {
        let who = parts
            .extensions
            .get::<Who>()
            .cloned()
            .unwrap_or(Who::Anonymous);
        let lang = parts.uri.query().and_then(|q| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == "lang")
                .map(|(_, v)| v.to_string())
        });
        Ok(Page::new(
            &PageQuery { lang },
            &parts.headers,
            &parts.uri,
            &who,
        ))
    }
}

impl Page {
    pub(crate) fn new(q: &PageQuery, headers: &HeaderMap, uri: &Uri, who: &Who) -> Page {
        let (lang, set_cookie) = pick_lang(q, headers);
        let (user_name, csrf) = match who {
            Who::User(p) => match &p.credential {
                Credential::Session { csrf_token, .. } => {
                    (Some(p.display_name.clone()), Some(csrf_token.clone()))
                }
                Credential::Token { .. } => (Some(p.display_name.clone()), None),
            },
            Who::Anonymous => (None, None),
        };
        let is_admin = who.principal().is_some_and(|p| {
            p.assignments
                .iter()
                .any(|a| a.role == chiso_core::account::Role::SystemAdmin && a.unit.is_none())
        });
        let query = uri
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("lang="))
            .collect::<Vec<_>>()
            .join("&");
        Page {
            lang,
            set_cookie,
            path: uri.path().to_string(),
            query,
            user_name,
            csrf,
            is_admin,
            who: who.clone(),
        }
    }

    /// The request's path (without the query).
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// The same page in the other language, its other parameters kept.
    fn switch_href(&self) -> String {
        let other = self.lang.other().as_str();
        if self.query.is_empty() {
            format!("{}?lang={other}", self.path)
        } else {
            format!("{}?{}&lang={other}", self.path, self.query)
        }
    }

    /// The page's answer: the page itself, or what its error shows (see [`PageError`]).
    pub(crate) fn respond(&self, st: &AppState, r: Result<Response, PageError>) -> Response {
        match r {
            Ok(resp) => resp,
            Err(PageError::NotFound(message)) => self.error(st, StatusCode::NOT_FOUND, message),
            Err(PageError::Refused(status, message)) => self.error(st, status, message),
            Err(PageError::Denied) => login_or_forbidden(st, self, &self.who, &self.path),
            Err(PageError::Unavailable) => self.error(
                st,
                StatusCode::SERVICE_UNAVAILABLE,
                st.i18n.t(self.lang, "database-unavailable", &[]),
            ),
            Err(PageError::Internal(cause)) => {
                tracing::error!(error = %cause, path = %self.path, "page failed");
                self.error(
                    st,
                    StatusCode::INTERNAL_SERVER_ERROR,
                    st.i18n.t(self.lang, "internal-error", &[]),
                )
            }
        }
    }

    pub(crate) fn render(
        &self,
        st: &AppState,
        status: StatusCode,
        template: &str,
        ctx: minijinja::Value,
    ) -> Response {
        let base = minijinja::context! {
            lang => self.lang.as_str(),
            other_lang => self.lang.other().as_str(),
            switch_href => self.switch_href(),
            user_name => self.user_name.clone(),
            session_csrf => self.csrf.clone(),
            is_admin => self.is_admin,
        };
        // The page's own values come first; the layout's names (`session_csrf`, `lang`, …) are
        // never reused by a page, so neither can hide the other.
        let ctx = minijinja::context! { ..ctx, ..base };
        let html = st.env.get_template(template).and_then(|t| t.render(ctx));
        let mut resp = match html {
            Ok(h) => (status, Html(h)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, template, "template failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    st.i18n.t(self.lang, "internal-error", &[]),
                )
                    .into_response()
            }
        };
        if self.set_cookie {
            let cookie = format!(
                "lang={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
                self.lang.as_str()
            );
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                resp.headers_mut().insert(SET_COOKIE, v);
            }
        }
        resp
    }

    /// The plain error page, its message in the page's one language.
    pub(crate) fn error(&self, st: &AppState, status: StatusCode, message: String) -> Response {
        let message = crate::i18n::one_language(&message, self.lang);
        self.render(st, status, "error.html", minijinja::context! { message })
    }

    /// A form posted with a token that is not this session's — the page was opened before a
    /// logout and login, in another session, or long ago: say so, and link back to a fresh
    /// copy of the page the form was on (what was typed is not kept).
    pub(crate) fn stale_form(&self, st: &AppState, back: &str) -> Response {
        let message = st.i18n.t(self.lang, "csrf-failed", &[]);
        let back_href = back.to_string();
        self.render(
            st,
            StatusCode::FORBIDDEN,
            "error.html",
            minijinja::context! {
                message,
                back_href,
                back_label => st.i18n.t(self.lang, "form-reopen", &[]),
            },
        )
    }

    /// A form posted without a session (it ended, or the person logged out elsewhere): to the
    /// login page, which says so and comes back to the form's page afterwards.
    pub(crate) fn session_ended(&self, back: &str) -> Response {
        let mut r = StatusCode::SEE_OTHER.into_response();
        let to = format!(
            "/login?next={}&expired=1&lang={}",
            crate::pages::account::encode_next(back),
            self.lang.as_str()
        );
        if let Ok(v) = HeaderValue::from_str(&to) {
            r.headers_mut().insert(axum::http::header::LOCATION, v);
        }
        r
    }
}

/// Whether a failure is the store's, saying the database is unavailable (the 503 page then,
/// not the internal error).
pub(crate) fn unavailable_cause<E: 'static>(e: &E) -> bool {
    (e as &dyn std::any::Any)
        .downcast_ref::<chiso_store::StoreError>()
        .is_some_and(|e| e.is_unavailable())
}

/// Why a page cannot be shown. An internal failure is logged with its cause and shown as the
/// plain error page; a database's or a library's text never reaches the user.
#[derive(Debug)]
pub(crate) enum PageError {
    /// Nothing there (the message names what was asked for).
    NotFound(String),
    /// Refused, with a message the person may read (a rule, a closed period…).
    Refused(StatusCode, String),
    /// Not for this person: the login page for someone not logged in, else "forbidden".
    Denied,
    /// The database does not answer: 503, try again later.
    Unavailable,
    /// A failure of the system; its cause is logged, never shown.
    Internal(String),
}

impl From<chiso_store::StoreError> for PageError {
    fn from(e: chiso_store::StoreError) -> PageError {
        match e {
            chiso_store::StoreError::Invalid(fields) => PageError::Refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                fields
                    .iter()
                    .map(|f| f.reason.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            e if e.is_unavailable() => {
                tracing::warn!(error = %e, "the database is unavailable");
                PageError::Unavailable
            }
            other => PageError::Internal(other.to_string()),
        }
    }
}

impl From<crate::error::ApiError> for PageError {
    fn from(e: crate::error::ApiError) -> PageError {
        use crate::error::ApiError;
        match e {
            ApiError::NotFound(m) => PageError::NotFound(m),
            ApiError::Unauthorized | ApiError::UnauthorizedBecause(_) | ApiError::Forbidden(_) => {
                PageError::Denied
            }
            ApiError::BadRequest(f) | ApiError::Invalid(f) => PageError::Refused(
                StatusCode::UNPROCESSABLE_ENTITY,
                f.iter()
                    .map(|x| {
                        if x.field == "report" {
                            x.reason.clone()
                        } else {
                            format!("{}: {}", x.field, x.reason)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            ApiError::TooLarge(n) => PageError::Refused(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "Tệp quá lớn (tối đa {} MB) / The file is too large",
                    n / 1024 / 1024
                ),
            ),
            ApiError::Unavailable => PageError::Unavailable,
            ApiError::Internal(m) => PageError::Internal(m),
        }
    }
}

/// Whether an account may change what the whole province shares (definitions, the Project 06
/// panel's settings): the right over every unit — a role over one unit's subtree does not
/// reach a province-wide setting.
pub(crate) async fn may_change_shared(st: &AppState, who: &Who) -> bool {
    crate::auth::allowed(
        who,
        crate::auth::Action::ManageFramework,
        None,
        &*st.app.read().await,
        st.auth.public_read,
    )
}

/// Anonymous visitors are sent to log in (and back); a logged-in account without the right is
/// told so.
pub(crate) fn login_or_forbidden(st: &AppState, page: &Page, who: &Who, back: &str) -> Response {
    match who {
        Who::Anonymous => {
            let mut r = StatusCode::SEE_OTHER.into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("/login?next={back}")) {
                r.headers_mut().insert(axum::http::header::LOCATION, v);
            }
            r
        }
        Who::User(p)
            if matches!(
                p.credential,
                Credential::Session {
                    must_change_password: true,
                    ..
                }
            ) =>
        {
            let mut r = StatusCode::SEE_OTHER.into_response();
            r.headers_mut().insert(
                axum::http::header::LOCATION,
                HeaderValue::from_static("/account/password"),
            );
            r
        }
        Who::User(_) => page.error(
            st,
            StatusCode::FORBIDDEN,
            st.i18n.t(page.lang, "forbidden", &[]),
        ),
    }
}

/// Every page, the roadmap images and the style sheet.
pub(crate) fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        // --- dashboard --- (the steering dashboard is the home page; the unit list moved
        // to /units)
        .route("/", get(dashboard::dashboard))
        .route("/units", get(home::home))
        .route("/units/{code}", get(units::unit_page))
        .route("/frameworks/{code}", get(frameworks::framework_page))
        .route("/admin/audit", get(audit::audit_page))
        .route("/static/chiso.css", get(css))
        .route(
            "/login",
            get(account::login_form)
                .post(account::login)
                .layer(DefaultBodyLimit::max(account::MAX_LOGIN_BODY)),
        )
        .route("/logout", post(account::logout))
        .route("/logout-everywhere", post(account::logout_everywhere))
        .route(
            "/account/password",
            get(account::password_form).post(account::change_password),
        )
        .route("/forms", get(reports::forms_list))
        .route(
            "/forms/{data_set}/{unit}/{period}",
            get(forms::form_page).post(forms::form_post),
        )
        .route(
            "/forms/{data_set}/{unit}/{period}/files",
            post(forms::files_post)
                .layer(DefaultBodyLimit::max(crate::params::MAX_UPLOAD + 64 * 1024)),
        )
        .route(
            "/completeness/{data_set}/{period}",
            get(reports::completeness_page),
        )
        .route("/plans", get(plans::plans_page))
        .route("/plans/{code}", get(plans::plan_page))
        .route("/directives", get(plans::directives_page))
        .route("/products", get(plans::products_page))
        .route("/plans/{code}/roadmap.svg", get(roadmap::plan_roadmap))
        .route("/roadmap.svg", get(roadmap::province_roadmap))
        // --- explore ---
        .route("/explore", get(explore::explore_page))
        .route("/indicators/{code}", get(indicator::indicator_page))
        .route("/rankings", get(rankings::rankings_page))
        .route("/scorecards", get(rankings::scorecards_index))
        .route("/scorecards/{code}", get(rankings::scorecard_page))
        // --- map ---
        .route("/units/{code}/map", get(map::map_page))
        // --- report ---
        .route("/reports/yearly", get(report::yearly_page))
        .route("/reports/yearly/download", get(report::yearly_download))
        // --- p06: the electronic data store ---
        .route("/p06/units/{code}", get(p06::unit_page))
        .route("/p06/units/{code}/dossiers", post(p06::receive))
        .route("/p06/units/{code}/results", post(p06_desk::issue))
        .route("/p06/units/{code}/revoke", post(p06_desk::revoke))
        .route(
            "/p06/units/{code}/files",
            post(p06_files::upload).layer(DefaultBodyLimit::max(p06_files::UPLOAD_BODY)),
        )
        .route("/p06/units/{code}/withdraw", post(p06_files::withdraw))
        .route("/p06/results/{code}", get(p06::result_page))
        .route("/p06/results/{code}/file", get(p06_files::download))
        .route("/p06/me", get(p06::owner_page))
        .route("/p06/me/rate", post(p06::rate))
        .route("/p06/me/export.json", get(p06::export))
        .route("/p06/panel", get(p06::panel_page))
        .route(
            "/p06/import",
            get(p06_import::import_page)
                .post(p06_import::import_post)
                .layer(DefaultBodyLimit::max(crate::params::MAX_UPLOAD + 64 * 1024)),
        )
        .route(
            "/p06/panel/settings",
            get(p06_panel::settings_page).post(p06_panel::settings_save),
        )
    // --- end p06 ---
}
