//! chiso's web layer: server-rendered pages, the JSON API and its OpenAPI document.
//!
//! *Invariant*: only this crate knows HTTP. Handlers never build SQL; they call the
//! [`chiso_store::Store`] trait.

pub(crate) mod api;
pub mod auth;
pub(crate) mod clock;
// One login attempt at a time per name and address.
pub mod error;
pub mod format;
pub mod i18n;
pub(crate) mod login_gate;
pub mod metrics;
pub mod openapi;
pub mod outage;
pub(crate) mod page_cache;
pub(crate) mod pages;
pub mod params;
pub mod verified;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::header::{HOST, ORIGIN};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use chiso_app::App;
use chiso_store::{Reads, Store};
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

/// Largest request body accepted (JSON writes): 4 MiB.
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// Everything the store can read — and nothing that writes: every write goes through
    /// `app`.
    pub store: Arc<dyn Reads>,
    /// The application: the engine kept in step with the store, and every write.
    pub app: Arc<App>,
    pub auth: auth::AuthConfig,
    pub(crate) login_audit: Arc<auth::LoginAudit>,
    /// One login attempt at a time per user name and address.
    pub(crate) login_gate: Arc<login_gate::LoginGate>,
    pub(crate) i18n: Arc<i18n::I18n>,
    pub(crate) env: Arc<minijinja::Environment<'static>>,
    /// Public pages and analytics answers kept between writes (see [`page_cache`]).
    pub(crate) page_cache: Arc<page_cache::PageCache>,
    /// Credentials verified lately, honoured while the database does not answer.
    pub(crate) verified: Arc<verified::Verified>,
    /// Names the analytics answer shows, kept for an outage.
    pub(crate) names: Arc<outage::Names>,
}

impl AppState {
    /// Load the engine from the store and prepare the pages.
    pub async fn load(store: Arc<dyn Store>, auth: auth::AuthConfig) -> Result<AppState, String> {
        let app = App::open(store)
            .await
            .map_err(|e| format!("cannot load the engine: {e}"))?;
        AppState::new(Arc::new(app), auth)
    }

    pub fn new(app: Arc<App>, auth: auth::AuthConfig) -> Result<AppState, String> {
        let store = app.reads();
        let i18n = Arc::new(i18n::I18n::load()?);
        let mut env = minijinja::Environment::new();
        for (name, src) in [
            ("base.html", include_str!("../templates/base.html")),
            ("home.html", include_str!("../templates/home.html")),
            ("unit.html", include_str!("../templates/unit.html")),
            ("error.html", include_str!("../templates/error.html")),
            (
                "framework.html",
                include_str!("../templates/framework.html"),
            ),
            ("login.html", include_str!("../templates/login.html")),
            ("password.html", include_str!("../templates/password.html")),
            ("audit.html", include_str!("../templates/audit.html")),
            ("form.html", include_str!("../templates/form.html")),
            ("forms.html", include_str!("../templates/forms.html")),
            (
                "completeness.html",
                include_str!("../templates/completeness.html"),
            ),
            ("plans.html", include_str!("../templates/plans.html")),
            ("plan.html", include_str!("../templates/plan.html")),
            (
                "directives.html",
                include_str!("../templates/directives.html"),
            ),
            ("products.html", include_str!("../templates/products.html")),
            // --- explore ---
            ("explore.html", include_str!("../templates/explore.html")),
            (
                "indicator.html",
                include_str!("../templates/indicator.html"),
            ),
            ("rankings.html", include_str!("../templates/rankings.html")),
            (
                "scorecard.html",
                include_str!("../templates/scorecard.html"),
            ),
            ("map.html", include_str!("../templates/map.html")),
            // --- report ---
            ("report.html", include_str!("../templates/report.html")),
            // --- dashboard ---
            (
                "dashboard.html",
                include_str!("../templates/dashboard.html"),
            ),
            // --- p06 ---
            ("p06_unit.html", include_str!("../templates/p06_unit.html")),
            (
                "p06_import.html",
                include_str!("../templates/p06_import.html"),
            ),
            (
                "p06_result.html",
                include_str!("../templates/p06_result.html"),
            ),
            (
                "p06_owner.html",
                include_str!("../templates/p06_owner.html"),
            ),
            (
                "p06_panel.html",
                include_str!("../templates/p06_panel.html"),
            ),
            (
                "p06_panel_settings.html",
                include_str!("../templates/p06_panel_settings.html"),
            ),
            (
                "dashboard_p06.html",
                include_str!("../templates/dashboard_p06.html"),
            ),
            // --- end p06 ---
        ] {
            env.add_template(name, src)
                .map_err(|e| format!("template {name}: {e}"))?;
        }
        let tr = i18n.clone();
        env.add_function(
            "t",
            move |state: &minijinja::State, key: String| -> String {
                let lang = state
                    .lookup("lang")
                    .and_then(|v| v.as_str().and_then(i18n::Lang::parse))
                    .unwrap_or(i18n::Lang::Vi);
                tr.t(lang, &key, &[])
            },
        );
        Ok(AppState {
            store,
            app,
            auth,
            login_audit: Arc::new(auth::LoginAudit::default()),
            login_gate: Arc::default(),
            i18n,
            env: Arc::new(env),
            page_cache: Arc::default(),
            verified: Arc::new(verified::Verified::default()),
            names: Arc::new(outage::Names::default()),
        })
    }

    /// Write the audit entries of refused logins counted before `until` (see
    /// [`auth::LoginAudit`]); the server does this every second and when it stops.
    pub async fn flush_login_audit(&self, until: chrono::DateTime<chrono::Utc>) {
        auth::flush_login_audit(self, until).await;
    }
}

/// The whole application: pages, API, and the layers every response passes through.
pub fn app(state: AppState) -> Router {
    const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; \
                       connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
    let header = |name: &'static str, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        )
    };
    let (api, mut doc) = utoipa_axum::router::OpenApiRouter::with_openapi(
        <openapi::ApiDoc as utoipa::OpenApi>::openapi(),
    )
    .merge(api::routes())
    .split_for_parts();
    openapi::common_responses(&mut doc);
    let doc = Arc::new(doc);
    let routes = Router::new().merge(pages::router()).merge(api).route(
        "/api/openapi.json",
        axum::routing::get(move || {
            let doc = doc.clone();
            async move { axum::Json(doc.as_ref().clone()) }
        }),
    );
    // DHIS2's versioned paths (`/api/42/…`) are answered by the same routes.
    let unversioned = routes.clone().fallback(not_found).with_state(state.clone());
    routes
        .fallback(move |req: Request| versioned(unversioned.clone(), req))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            page_cache::answer,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            page_cache::count_writes,
        ))
        .layer(middleware::from_fn(api::dhis2::message::web_messages))
        .layer(middleware::from_fn(one_language_per_request))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            outage::retry_later,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::measure,
        ))
        // Outside the sign-in: read from this machine or with its own token (see `metrics`).
        .route("/metrics", axum::routing::get(metrics::metrics))
        .with_state(state)
        .layer(middleware::from_fn(same_origin_writes))
        .layer(middleware::from_fn(no_store))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(header("content-security-policy", CSP))
        .layer(header("x-content-type-options", "nosniff"))
        .layer(header("x-frame-options", "DENY"))
        .layer(header("referrer-policy", "same-origin"))
        .layer(access_log())
}

/// A line per request at level `info` (`CHISO_LOG=info`): the request's span (method, path
/// with its query, version) and its status and latency in milliseconds when answered; a
/// server error at `error`. Headers — cookies, tokens — are never logged.
fn access_log() -> tower_http::trace::TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
> {
    use tower_http::trace::{DefaultMakeSpan, DefaultOnFailure, DefaultOnResponse};
    let ms = tower_http::LatencyUnit::Millis;
    tower_http::trace::TraceLayer::new_for_http()
        .make_span_with(DefaultMakeSpan::new().level(tracing::Level::INFO))
        .on_response(
            DefaultOnResponse::new()
                .level(tracing::Level::INFO)
                .latency_unit(ms),
        )
        .on_failure(
            DefaultOnFailure::new()
                .level(tracing::Level::ERROR)
                .latency_unit(ms),
        )
}

/// Nothing a server answers is kept by a browser or a proxy — pages with a person's figures,
/// the API, evidence downloads, the password page — except what says otherwise (the style
/// sheet, the same for everyone).
async fn no_store(req: Request, next: middleware::Next) -> Response {
    let mut r = next.run(req).await;
    r.headers_mut()
        .entry(axum::http::header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    r
}

/// The paths that speak DHIS2's protocol: their messages are English unless Vietnamese is
/// asked for (what DHIS2 clients show); chiso's own API and pages speak Vietnamese first.
fn dhis2_path(path: &str) -> bool {
    use api::dhis2::message::{path_kind, strip_version, PathKind};
    let rest = strip_version(path)
        .map(|(_, r)| r)
        .or_else(|| path.strip_prefix("/api/"))
        .unwrap_or("");
    path_kind(path) == PathKind::Dhis2 || rest.starts_with("analytics")
}

/// A path under one of DHIS2's API versions (`/api/42/dataValueSets`) answered as the same
/// path without it; anything else is an unknown address.
async fn versioned(routes: Router, mut req: Request) -> Response {
    use api::dhis2::message::{strip_version, VERSIONS};
    use tower::ServiceExt;
    if let Some((v, rest)) = strip_version(req.uri().path()) {
        if VERSIONS.contains(&v) && strip_version(&format!("/api/{rest}")).is_none() {
            let pq = match req.uri().query() {
                Some(q) => format!("/api/{rest}?{q}"),
                None => format!("/api/{rest}"),
            };
            if let Ok(uri) = pq.parse() {
                *req.uri_mut() = uri;
            }
        }
    }
    match routes.oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    }
}

/// Every request is answered in one language (see [`i18n::request_lang`]).
async fn one_language_per_request(req: Request, next: Next) -> Response {
    let default = if dhis2_path(req.uri().path()) {
        i18n::Lang::En
    } else {
        i18n::Lang::Vi
    };
    let lang = i18n::request_lang(req.uri(), req.headers(), default);
    i18n::answer_in(lang, next.run(req)).await
}

/// An unknown address: a page in words for a person, the JSON error for the API.
async fn not_found(
    axum::extract::State(st): axum::extract::State<AppState>,
    page: pages::Page,
    uri: axum::http::Uri,
) -> Response {
    if uri.path().starts_with("/api/") {
        return error::ApiError::NotFound("there is no such page or API route".into())
            .into_response();
    }
    page.error(
        &st,
        axum::http::StatusCode::NOT_FOUND,
        st.i18n.t(page.lang, "page-not-found", &[]),
    )
}

/// Refuse state-changing requests that another site's page sent (CSRF): the browser marks them
/// `Sec-Fetch-Site: cross-site`, or their `Origin` differs from the `Host` they were sent to.
async fn same_origin_writes(req: Request, next: Next) -> Response {
    let safe = crate::auth::reads_only(req.method());
    if !safe {
        let h = req.headers();
        let site = h.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        if matches!(site, Some("cross-site") | Some("same-site")) {
            return error::ApiError::Forbidden(
                "yêu cầu từ trang web khác không được thay đổi dữ liệu / requests from other sites may not change data".into(),
            )
            .into_response();
        }
        if let Some(origin) = h.get(ORIGIN).and_then(|v| v.to_str().ok()) {
            let host = h.get(HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
            let origin_host = origin
                .split_once("://")
                .map(|(_, rest)| rest)
                .unwrap_or(origin);
            if origin == "null" || origin_host != host {
                return error::ApiError::Forbidden(format!(
                    "requests from {origin} may not change data"
                ))
                .into_response();
            }
        }
    }
    next.run(req).await
}

/// Serve until Ctrl-C or SIGTERM.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    // Catch up with writes other processes committed to the same database — at once when
    // PostgreSQL says one was committed, and every second whatever happens (the safety net,
    // and the check that the database answers) — and audit the refused logins of the minutes
    // that ended.
    let ticking = state.clone();
    let syncing = tokio::spawn(async move {
        let signal = ticking.store.change_signal();
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let ticked = match &signal {
                Some(s) => tokio::select! {
                    _ = tick.tick() => true,
                    _ = s.notified() => false,
                },
                None => {
                    tick.tick().await;
                    true
                }
            };
            // A change that cannot be applied stops the follower (logged by the app, and
            // `/api/health` says degraded); nothing past it is applied. A database that does
            // not answer is tried again at the next turn.
            ticking.app.follow().await;
            if ticked {
                ticking.flush_login_audit(chrono::Utc::now()).await;
            }
        }
    });
    let served = serve_until_stopped(state.clone(), listener).await;
    syncing.abort();
    state
        .flush_login_audit(chrono::Utc::now() + chrono::Duration::minutes(1))
        .await;
    served
}

async fn serve_until_stopped(
    state: AppState,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(_) => {
                        let _ = ctrl_c.await;
                        return;
                    }
                };
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
        }
        #[cfg(not(unix))]
        {
            let _ = ctrl_c.await;
        }
    })
    .await
}
