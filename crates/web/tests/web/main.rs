//! The web layer end to end: the real router over a real store holding the demo. Tests named
//! `*_pg` run the same checks on PostgreSQL (`CHISO_TEST_POSTGRES_URL`).
//!
//! This file holds what the tests share; the tests live in the modules below, by subject.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use chiso_core::account::{Assignment, Role};
use chiso_core::Code;
use chiso_core::Via;
use chiso_store::{Actor, AuditQuery, PgStore, SqliteStore, Store};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use tower::ServiceExt;

mod accounts;
mod analytics;
mod api;
mod browser;
mod collection;
mod dashboard;
mod dhis2;
mod dhis2_analytics;
mod dhis2_files;
mod explore;
mod hardening;
mod locks;
mod map;
mod pages;
mod plans;
// --- report ---
mod report;
mod urgent;
mod value_types;
mod views;
mod walk_figures;
mod walk_plans;
mod walk_reports;
mod walk_wording;
// issue 15: the unit page, the explorer's view
mod explore_view;
mod unit_page;
// --- p06 ---
mod p06;
mod p06_files;
mod p06_import;
mod p06_panel;
// issue 15: pages kept between writes
mod page_cache;
mod structure_2025;
// what a reading of the code found
mod review;

static NEXT: AtomicU32 = AtomicU32::new(0);

struct App {
    router: Router,
    /// An administrator's API token, sent with every write the tests make.
    token: String,
    store: Arc<dyn Store>,
    cleanup: Option<(Arc<PgStore>, String)>,
    dir: Option<std::path::PathBuf>,
}

impl App {
    /// Clean up now (the guard below does it anyway, also when a test fails).
    async fn finish(mut self) {
        if let Some((pg, schema)) = self.cleanup.take() {
            pg.drop_schema(&schema).await.unwrap();
        }
        if let Some(d) = self.dir.take() {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

/// A failed test leaves no PostgreSQL schema and no temporary directory behind.
impl Drop for App {
    fn drop(&mut self) {
        if let Some((_, schema)) = self.cleanup.take() {
            if let Ok(url) = std::env::var("CHISO_TEST_POSTGRES_URL") {
                PgStore::drop_schema_now(&url, &schema);
            }
        }
        if let Some(d) = self.dir.take() {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

fn unique() -> String {
    format!(
        "{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

/// An administrator and an API token for it, made the way `chiso user add` and the token
/// command make them.
async fn admin_token(store: &dyn Store) -> String {
    make_user(
        store,
        "quan.tri",
        vec![Assignment {
            role: Role::SystemAdmin,
            unit: None,
        }],
    )
    .await;
    token_for(store, "quan.tri").await
}

async fn make_user(store: &dyn Store, username: &str, assignments: Vec<Assignment>) -> String {
    let password = chiso_core::account::one_time_password();
    let user = chiso_store::UserRecord {
        username: username.into(),
        display_name: format!("Người dùng {username}"),
        password_hash: chiso_core::account::hash_password(&password).unwrap(),
        must_change_password: false,
        disabled: false,
        created_at: chrono::Utc::now(),
        assignments,
    };
    store
        .create_user(&user, &Actor::new("test", Via::Cli))
        .await
        .unwrap();
    password
}

async fn token_for(store: &dyn Store, username: &str) -> String {
    let secret = chiso_core::account::random_secret();
    let t = chiso_store::TokenRecord {
        id: format!("t-{username}"),
        username: username.into(),
        name: "test".into(),
        token_hash: chiso_store::secret_hash(&secret),
        created_at: chrono::Utc::now(),
        last_used_at: None,
        revoked_at: None,
    };
    store
        .create_token(&t, &Actor::new("test", Via::Cli))
        .await
        .unwrap();
    secret
}

async fn spawn_app(demo: bool) -> App {
    let dir = std::env::temp_dir().join(format!("chiso-web-{}", unique()));
    std::fs::create_dir_all(&dir).unwrap();
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open_path(&dir.join("web.db")).await.unwrap());
    if demo {
        chiso_demo::load(store.as_ref()).await.unwrap();
    }
    let router = chiso_web::app(
        chiso_web::AppState::load(
            store.clone(),
            chiso_web::auth::AuthConfig {
                public_read: true,
                ..Default::default()
            },
        )
        .await
        .unwrap(),
    );
    let token = admin_token(store.as_ref()).await;
    App {
        router,
        token,
        store,
        cleanup: None,
        dir: Some(dir),
    }
}

async fn spawn_app_pg() -> App {
    let url = std::env::var("CHISO_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!("set CHISO_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test)")
    });
    let schema = format!("chiso_web_{}", unique());
    let pg = Arc::new(PgStore::open_in_schema(&url, &schema).await.unwrap());
    chiso_demo::load(pg.as_ref()).await.unwrap();
    let store: Arc<dyn Store> = pg.clone();
    let router = chiso_web::app(
        chiso_web::AppState::load(
            store.clone(),
            chiso_web::auth::AuthConfig {
                public_read: true,
                ..Default::default()
            },
        )
        .await
        .unwrap(),
    );
    let token = admin_token(store.as_ref()).await;
    App {
        router,
        token,
        store,
        cleanup: Some((pg, schema)),
        dir: None,
    }
}

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    text: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

/// Send a request; writes carry the administrator's token unless they carry credentials.
async fn send(app: &App, mut req: Request<Body>) -> Resp {
    let writes = !matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    if writes
        && !req.headers().contains_key("authorization")
        && !req.headers().contains_key("cookie")
    {
        req.headers_mut().insert(
            "authorization",
            format!("ApiToken {}", app.token).parse().unwrap(),
        );
    }
    send_raw(app, req).await
}

async fn send_raw(app: &App, req: Request<Body>) -> Resp {
    let resp = app.router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Resp {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn get(app: &App, uri: &str) -> Resp {
    send(app, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn post(app: &App, uri: &str, body: Value) -> Resp {
    let req = Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    send(app, req).await
}

fn sum(values: &Value, element: &str, units: &[String]) -> i64 {
    values["data_values"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["element"] == element && units.iter().any(|u| v["unit"] == *u))
        .map(|v| v["value"].as_str().unwrap().parse::<i64>().unwrap())
        .sum()
}

// ---- accounts and sessions -------------------------------------------------------------------

async fn spawn_private_app() -> App {
    private_app_and_state().await.0
}

/// A private server (nothing public) over the demo, with its state kept for the tests that
/// reach inside it.
async fn private_app_and_state() -> (App, chiso_web::AppState) {
    let dir = std::env::temp_dir().join(format!("chiso-web-{}", unique()));
    std::fs::create_dir_all(&dir).unwrap();
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open_path(&dir.join("web.db")).await.unwrap());
    chiso_demo::load(store.as_ref()).await.unwrap();
    let state = chiso_web::AppState::load(store.clone(), chiso_web::auth::AuthConfig::default())
        .await
        .unwrap();
    let token = admin_token(store.as_ref()).await;
    let app = App {
        router: chiso_web::app(state.clone()),
        token,
        store,
        cleanup: None,
        dir: Some(dir),
    };
    (app, state)
}

fn set_cookie(r: &Resp, name: &str) -> Option<String> {
    r.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or("").to_string())
}

/// The values of the hidden inputs named `name` in a page, in order, as a browser reads them.
fn hidden(html: &str, name: &str) -> Vec<String> {
    let marker = format!("type=\"hidden\" name=\"{name}\" value=\"");
    html.split(&marker)
        .skip(1)
        .map(|rest| unescape(rest.split('"').next().unwrap_or("")))
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Log in through the form as a browser does: the CSRF token is the login page's hidden field
/// (a browser cannot read the HttpOnly cookie); the cookie goes back as a browser sends it.
async fn login(app: &App, username: &str, password: &str) -> Resp {
    let form = get(app, "/login").await;
    let csrf_cookie = set_cookie(&form, "chiso_login_csrf").unwrap();
    let tokens = hidden(&form.text, "csrf");
    assert_eq!(tokens.len(), 1, "one token on the login page");
    let body = format!(
        "username={username}&password={}&csrf={}&next=%2F",
        urlencode(password),
        urlencode(&tokens[0])
    );
    send_raw(
        app,
        Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", csrf_cookie)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

// ---- acting as a user ------------------------------------------------------------------------

async fn as_user(app: &App, method: &str, uri: &str, token: &str, body: Option<Value>) -> Resp {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("ApiToken {token}"));
    if body.is_some() {
        b = b.header("content-type", "application/json");
    }
    send_raw(
        app,
        b.body(Body::from(body.map(|b| b.to_string()).unwrap_or_default()))
            .unwrap(),
    )
    .await
}

async fn user_token(app: &App, name: &str, role: Role, unit: &str) -> String {
    make_user(
        app.store.as_ref(),
        name,
        vec![Assignment {
            role,
            unit: Some(Code::parse(unit).unwrap()),
        }],
    )
    .await;
    token_for(app.store.as_ref(), name).await
}

fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "chisoBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn call(app: &App, token: &str, method: &str, uri: &str, body: Option<Value>) -> Resp {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("ApiToken {token}"))
        .header("content-type", "application/json")
        .body(body.map(|b| Body::from(b.to_string())).unwrap_or_default())
        .unwrap();
    send_raw(app, req).await
}

async fn get_as(app: &App, token: &str, uri: &str) -> Value {
    let r = call(app, token, "GET", uri, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}
