//! Server-rendered pages: every page family in its module, one [`Page`] of the layout's
//! context (language, user, session token), the login redirect and the error page.

pub(crate) mod account;
pub(crate) mod audit;
pub(crate) mod forms;
pub(crate) mod frameworks;
pub(crate) mod home;
pub(crate) mod plans;
pub(crate) mod reports;
pub(crate) mod roadmap;
pub(crate) mod units;

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
    let from_cookie = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().strip_prefix("lang="))
        .find_map(Lang::parse);
    (from_cookie.unwrap_or(Lang::Vi), false)
}

pub(crate) struct Page {
    pub lang: Lang,
    set_cookie: bool,
    path: String,
    user_name: Option<String>,
    csrf: Option<String>,
    is_admin: bool,
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
        Page {
            lang,
            set_cookie,
            path: uri.path().to_string(),
            user_name,
            csrf,
            is_admin,
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
            switch_href => format!("{}?lang={}", self.path, self.lang.other().as_str()),
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
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
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

    pub(crate) fn error(&self, st: &AppState, status: StatusCode, message: String) -> Response {
        self.render(st, status, "error.html", minijinja::context! { message })
    }
}

pub(crate) fn internal(e: impl std::fmt::Display) -> String {
    tracing::error!(error = %e, "page failed");
    "Lỗi nội bộ / internal error".into()
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
        .route("/", get(home::home))
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
}
