//! The web layer end to end: the real router over a real store holding the demo. Tests named
//! `*_pg` run the same checks on PostgreSQL (`CHISO_TEST_POSTGRES_URL`).

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

mod urgent;

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
    async fn finish(self) {
        if let Some((pg, schema)) = self.cleanup {
            pg.drop_schema(&schema).await.unwrap();
        }
        if let Some(d) = self.dir {
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

async fn demo_is_served_through_the_api(app: &App) {
    let r = get(app, "/api/units?parent=58&kind=district").await;
    assert_eq!(r.status, StatusCode::OK);
    let districts = r.json()["units"].as_array().unwrap().clone();
    assert_eq!(districts.len(), 7);
    assert!(districts
        .iter()
        .any(|d| d["name_vi"] == "Thành phố Phan Rang - Tháp Chàm"));
    assert!(districts.iter().all(|d| d["level"] == 2));

    let communes = get(app, "/api/units?under=58&kind=commune").await.json()["units"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(communes.len(), 62);
    assert!(communes.iter().all(|c| c["level"] == 3));
    let children = get(app, "/api/units/582/children?kind=commune")
        .await
        .json()["units"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(children, 13);
    let committee = get(app, "/api/units/582/children?kind=agency").await.json();
    assert_eq!(
        committee["units"][0]["code"], "582-UBND",
        "the district People's Committee reports as its own unit"
    );

    // The 2025 successor and the crosswalk.
    let kh = get(app, "/api/units/2025-56").await.json();
    assert_eq!(
        (kh["name_vi"].as_str(), kh["valid_from"].as_str()),
        (Some("Tỉnh Khánh Hòa"), Some("2025-07-01"))
    );
    let succ = get(app, "/api/successors?from=22738").await.json();
    assert_eq!(succ["successors"][0]["to"], "2025-22738");
    let in_2026 = get(app, "/api/units?under=58&as_of=2026-01-01")
        .await
        .json();
    assert!(
        in_2026["units"].as_array().unwrap().is_empty(),
        "Ninh Thuận's units ended on 30 June 2025"
    );

    // 2022 and 2023 values, labelled.
    let v = get(
        app,
        "/api/data-values?element=VB_DEN,VB_XL_MANG&unit=58&children=true&period=2023",
    )
    .await
    .json();
    let commune_codes: Vec<String> = communes
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect();
    let num = sum(&v, "VB_XL_MANG", &commune_codes);
    let den = sum(&v, "VB_DEN", &commune_codes);
    // Σ processed / Σ received over the 62 communes is exactly 94.89 %.
    assert_eq!(num * 10_000, den * 9_489, "{num} / {den}");
    let v22 = get(app, "/api/data-values?unit=58&children=true&period=2022")
        .await
        .json();
    assert!(v22["data_values"].as_array().unwrap().len() > 500);
    let all = get(app, "/api/data-values?unit=58&children=true")
        .await
        .json();
    for dv in all["data_values"].as_array().unwrap() {
        let s = dv["source"].as_str().unwrap();
        assert!(
            ["published", "derived", "illustrative"].contains(&s),
            "{dv}"
        );
    }
    let turnover = get(
        app,
        "/api/data-values?element=TT_KHONG_TIEN_MAT&unit=58&period=2023",
    )
    .await
    .json();
    assert_eq!(turnover["data_values"][0]["value"], "314792");
    assert_eq!(turnover["data_values"][0]["source"], "published");
}

#[tokio::test]
async fn demo_is_served_through_the_api_sqlite() {
    let app = spawn_app(true).await;
    demo_is_served_through_the_api(&app).await;
    app.finish().await;
}

#[tokio::test]
async fn demo_is_served_through_the_api_pg() {
    let app = spawn_app_pg().await;
    demo_is_served_through_the_api(&app).await;
    app.finish().await;
}

async fn bad_input_is_refused_and_changes_nothing(app: &App) {
    let before_values = get(app, "/api/data-values").await.text;
    let before = app.store.counts().await.unwrap();
    let cases = [
        (
            json!({"element": "VB_DEN", "unit": "99999", "period": "2023", "value": 1}),
            "unit",
            "unknown unit 99999",
        ),
        (
            json!({"element": "VB_TONG", "unit": "22738", "period": "2023", "value": 1}),
            "element",
            "unknown data element VB_TONG",
        ),
        (
            json!({"element": "VB_DEN", "unit": "22738", "period": "2023Q5", "value": 1}),
            "period",
            "2023Q5",
        ),
        (
            json!({"element": "VB_DEN", "unit": "22738", "period": "2023", "value": "nhiều"}),
            "value",
            "not a whole number",
        ),
        (
            json!({"element": "VB_DEN", "unit": "22738", "period": "2026", "value": 3}),
            "period",
            "did not exist in period 2026",
        ),
        (
            json!({"element": "VB_DEN", "unit": "2025-22738", "period": "2023", "value": 3}),
            "period",
            "did not exist in period 2023",
        ),
        (
            json!({"element": "VB_DEN", "unit": "22738", "period": "2023", "value": null}),
            "value",
            "not a value",
        ),
        (
            json!({"element": "VB DEN", "unit": "22738", "period": "2023", "value": 1}),
            "element",
            "character",
        ),
        (
            json!({"element": "VB_DEN", "unit": "22738", "period": "2023", "value": 1, "source": "made-up"}),
            "source",
            "not a source",
        ),
    ];
    for (value, field, reason) in &cases {
        // Each bad value rides with a good one: the good one must not be written either.
        let good = json!({"element": "VB_DEN", "unit": "22741", "period": "2023", "value": 1});
        let r = post(
            app,
            "/api/data-values",
            json!({"data_values": [good, value]}),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{value}: {}",
            r.text
        );
        let e = &r.json()["error"];
        assert_eq!(e["status"], 422);
        let f = &e["fields"][0];
        assert_eq!(
            (f["index"].as_u64(), f["field"].as_str()),
            (Some(1), Some(*field)),
            "{}",
            r.text
        );
        assert!(
            f["reason"].as_str().unwrap().contains(reason),
            "{reason} not in {}",
            r.text
        );
    }
    // Malformed requests.
    let r = send(
        app,
        Request::post("/api/data-values")
            .header("content-type", "application/json")
            .body(Body::from("{\"data_values\": ["))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "body");
    let r = send(
        app,
        Request::post("/api/data-values")
            .body(Body::from("{}"))
            .unwrap(),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "a body that is not declared JSON is refused"
    );
    let huge = format!(
        "{{\"data_values\": [{}]}}",
        vec!["{\"element\":\"VB_DEN\",\"unit\":\"22738\",\"period\":\"2023\",\"value\":1}"; 80_000]
            .join(",")
    );
    let r = send(
        app,
        Request::post("/api/data-values")
            .header("content-type", "application/json")
            .body(Body::from(huge))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    let many: Vec<Value> = (0..10_001)
        .map(|_| json!({"element": "VB_DEN", "unit": "22738", "period": "2023", "value": 1}))
        .collect();
    let r = post(app, "/api/data-values", json!({ "data_values": many })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = get(app, "/api/data-values?period=2023Q9").await;
    assert_eq!(
        (r.status, r.json()["error"]["fields"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("period"))
    );
    let r = get(app, "/api/units?kind=village").await;
    assert_eq!(
        (r.status, r.json()["error"]["fields"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("kind"))
    );
    let r = get(app, "/api/units/99999").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Units and elements are checked the same way.
    let r = post(app, "/api/units", json!({"units": [{"code": "X1", "name_vi": "Xã thử", "kind": "commune", "parent": "nowhere"}]})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "parent");
    let r = post(app, "/api/data-elements", json!({"data_elements": [{"code": "X", "name_vi": "x", "value_type": "money", "aggregation": "sum"}]})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"]["fields"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("money"));

    assert_eq!(
        app.store.counts().await.unwrap(),
        before,
        "nothing was written"
    );
    assert_eq!(get(app, "/api/data-values").await.text, before_values);
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing_sqlite() {
    let app = spawn_app(true).await;
    bad_input_is_refused_and_changes_nothing(&app).await;
    app.finish().await;
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing_pg() {
    let app = spawn_app_pg().await;
    bad_input_is_refused_and_changes_nothing(&app).await;
    app.finish().await;
}

#[tokio::test]
async fn values_written_through_the_api_are_read_back_and_audited() {
    let app = spawn_app(true).await;
    let r = post(&app, "/api/data-values", json!({"data_values": [
        {"element": "VB_DEN", "unit": "22738", "period": "202401", "value": 321, "comment": "Số liệu tháng 1"},
        {"element": "LSDL_HOAN_THANH", "unit": "58-CONG-AN", "period": "2024", "breakdown": "TC01", "value": true},
    ]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["inserted"], 2);
    let v = get(
        &app,
        "/api/data-values?element=VB_DEN&unit=22738&period=202401",
    )
    .await
    .json();
    assert_eq!(v["data_values"][0]["value"], "321");
    assert_eq!(v["data_values"][0]["source"], "entered");
    assert_eq!(
        v["data_values"][0]["stored_by"], "quan.tri",
        "who stored it: the account behind the token"
    );
    let log = app
        .store
        .audit(&AuditQuery {
            entity_prefix: Some("data_value:VB_DEN/22738/202401/".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((log.len(), log[0].via.as_str()), (1, "api"));
    // Delete it again.
    let req = Request::delete("/api/data-values")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({"data_values": [{"element": "VB_DEN", "unit": "22738", "period": "202401"}]})
                .to_string(),
        ))
        .unwrap();
    let r = send(&app, req).await;
    assert_eq!(r.json()["deleted"], 1, "{}", r.text);
    assert!(get(
        &app,
        "/api/data-values?element=VB_DEN&unit=22738&period=202401"
    )
    .await
    .json()["data_values"]
        .as_array()
        .unwrap()
        .is_empty());
    app.finish().await;
}

#[tokio::test]
async fn cross_site_writes_are_refused() {
    let app = spawn_app(false).await;
    let body = json!({"data_values": []}).to_string();
    let req = Request::post("/api/data-values")
        .header("content-type", "application/json")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(body.clone()))
        .unwrap();
    assert_eq!(send(&app, req).await.status, StatusCode::FORBIDDEN);
    let req = Request::post("/api/data-values")
        .header("content-type", "application/json")
        .header("host", "127.0.0.1:8080")
        .header("origin", "http://evil.example")
        .body(Body::from(body.clone()))
        .unwrap();
    assert_eq!(send(&app, req).await.status, StatusCode::FORBIDDEN);
    let req = Request::post("/api/data-values")
        .header("content-type", "application/json")
        .header("host", "127.0.0.1:8080")
        .header("origin", "http://127.0.0.1:8080")
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(body))
        .unwrap();
    assert_eq!(send(&app, req).await.status, StatusCode::OK);
    app.finish().await;
}

#[tokio::test]
async fn periods_api() {
    let app = spawn_app(false).await;
    let p = get(&app, "/api/periods/202312?convention=cut_off")
        .await
        .json();
    assert_eq!(
        (p["start"].as_str(), p["end"].as_str()),
        (Some("2023-11-15"), Some("2023-12-14"))
    );
    assert_eq!(
        (p["previous"].as_str(), p["same_period_last_year"].as_str()),
        (Some("202311"), Some("202212"))
    );
    let q = get(&app, "/api/periods/2023Q4").await.json();
    assert_eq!(
        (
            q["start"].as_str(),
            q["end"].as_str(),
            q["period_type"].as_str()
        ),
        (Some("2023-10-01"), Some("2023-12-31"), Some("quarter"))
    );
    let list = get(&app, "/api/periods?type=month&year=2024").await.json();
    assert_eq!(list["periods"].as_array().unwrap().len(), 12);
    let r = get(&app, "/api/periods/2023W60").await;
    assert_eq!(
        (r.status, r.json()["error"]["fields"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("id"))
    );
    let r = get(&app, "/api/periods?type=fortnight&year=2024").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    app.finish().await;
}

#[tokio::test]
async fn pages_in_vietnamese_with_an_english_switch() {
    let app = spawn_app(true).await;
    let home = get(&app, "/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.text.contains("Tỉnh Ninh Thuận") && home.text.contains("Cấu trúc hiện hành"),
        "{}",
        home.text
    );
    assert!(home.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(home.headers["x-content-type-options"], "nosniff");

    let unit = get(&app, "/units/58").await;
    assert!(
        unit.text.contains("Tỷ lệ sử dụng chữ ký số cá nhân"),
        "indicators are shown"
    );
    assert!(
        unit.text.contains("+67.436 (+27,3%)"),
        "an amount's change, absolute and relative"
    );
    assert!(
        unit.text
            .contains("Văn bản điện tử xử lý trên môi trường mạng")
            || unit
                .text
                .contains("Doanh số thanh toán không dùng tiền mặt")
    );
    assert!(unit.text.contains("314.792"), "Vietnamese number format");
    assert!(
        unit.text.contains("Thành phố Phan Rang - Tháp Chàm"),
        "children are listed"
    );
    assert!(unit.text.contains("2025-56"), "the successor is linked");

    let en = get(&app, "/units/58?lang=en").await;
    assert!(
        en.text.contains("Ninh Thuan Province") && en.text.contains("Non-cash payment turnover")
    );
    assert!(en.text.contains("314,792"), "English number format");
    let cookie = en.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("lang=en")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("HttpOnly")
    );
    let remembered = send(
        &app,
        Request::get("/units/22738")
            .header("cookie", "lang=en")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(
        remembered.text.contains("Do Vinh Ward") && remembered.text.contains("Documents received")
    );

    let district = get(&app, "/units/582").await;
    assert!(
        district
            .text
            .contains("Tỷ lệ văn bản điện tử xử lý trên môi trường mạng"),
        "a district shows its territory's indicators"
    );
    let commune = get(&app, "/units/22738").await;
    assert!(commune.text.contains("Phường Đô Vinh") && commune.text.contains("minh họa"));
    let missing = get(&app, "/units/99999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text.contains("Không tìm thấy đơn vị 99999"));
    let escaped = get(&app, "/units/%3Cscript%3E").await;
    assert!(
        !escaped.text.contains("<script>"),
        "codes are escaped in pages"
    );
    let css = get(&app, "/static/chiso.css").await;
    assert!(css.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    app.finish().await;
}

fn openapi_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

#[test]
fn committed_openapi_document_is_current() {
    use utoipa::OpenApi;
    let generated =
        serde_json::to_string_pretty(&chiso_web::api::ApiDoc::openapi()).unwrap() + "\n";
    if std::env::var("CHISO_UPDATE_OPENAPI").is_ok() {
        std::fs::write(openapi_path(), &generated).unwrap();
    }
    let committed = std::fs::read_to_string(openapi_path()).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is out of date; regenerate it with CHISO_UPDATE_OPENAPI=1 cargo test -p chiso-web --test web committed_openapi"
    );
}

#[tokio::test]
async fn every_api_route_is_documented_and_served() {
    use utoipa::OpenApi;
    let doc = serde_json::to_value(chiso_web::api::ApiDoc::openapi()).unwrap();
    let app = spawn_app(false).await;
    for (method, path) in chiso_web::api::ROUTES
        .iter()
        .chain(chiso_web::collection::ROUTES)
    {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is not in the OpenAPI document"
        );
        let uri = path
            .replace("{code}", "58")
            .replace("{id}", "2023")
            .replace("{data_set}", "BM_CDS_XA")
            .replace("{unit}", "22738")
            .replace("{period}", "2023")
            .replace("{version}", "40");
        let req = Request::builder()
            .method(method.to_uppercase().as_str())
            .uri(&uri)
            .body(Body::empty())
            .unwrap();
        let r = send(&app, req).await;
        assert!(
            r.status != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path} is not routed"
        );
        assert!(
            !r.text.contains("no such page or API route"),
            "{method} {path} is not routed"
        );
    }
    let served = get(&app, "/api/openapi.json").await.json();
    assert_eq!(served, doc);
    app.finish().await;
}

async fn analytics_answers_in_dhis2_form(app: &App) {
    // The seed's three tiers in one request.
    let r = get(
        app,
        "/api/analytics?dimension=dx:VB_DT_TY_LE&dimension=ou:GROUP-58_CO_QUAN_TINH;GROUP-58_CAP_HUYEN;GROUP-58_CAP_XA&filter=pe:2023",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let g = r.json();
    let names: Vec<&str> = g["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dx", "ou", "value"]);
    assert_eq!(
        (g["height"].as_u64(), g["width"].as_u64()),
        (Some(3), Some(3))
    );
    let value = |ou: &str| -> f64 {
        let row = g["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r[1] == ou)
            .unwrap_or_else(|| panic!("{ou}: {g}"));
        row[2].as_str().unwrap().parse().unwrap()
    };
    let round2 = |x: f64| (x * 100.0).round() / 100.0;
    assert_eq!(round2(value("GROUP-58_CO_QUAN_TINH")), 98.90);
    assert_eq!(round2(value("GROUP-58_CAP_HUYEN")), 96.52);
    assert_eq!(round2(value("GROUP-58_CAP_XA")), 94.89);
    assert_eq!(
        g["metaData"]["items"]["GROUP-58_CAP_XA"]["name"],
        "UBND cấp xã"
    );
    assert_eq!(g["metaData"]["dimensions"]["pe"][0], "2023");

    // Periods as a dimension, with the change over the year: 97.22, up 9.48 points.
    let r = get(app, "/api/analytics?dimension=dx:CKS_TY_LE&dimension=pe:2022;2023&filter=ou:OU_GROUP-58_TOAN_TINH").await.json();
    let by_pe = |p: &str| -> f64 {
        r["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x[1] == p)
            .unwrap()[2]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(round2(by_pe("2023")), 97.22);
    assert_eq!(round2(by_pe("2023") - by_pe("2022")), 9.48);

    // Relative periods, levels, elements and options.
    let r = get(app, "/api/analytics?dimension=dx:TT_KHONG_TIEN_MAT_DS&dimension=pe:THIS_YEAR;LAST_YEAR&filter=ou:58&relativePeriodDate=2024-03-01").await.json();
    assert_eq!(r["metaData"]["dimensions"]["pe"], json!(["2024", "2023"]));
    assert_eq!(
        r["rows"],
        json!([["TT_KHONG_TIEN_MAT_DS", "2023", "314792"]])
    );
    let r = get(
        app,
        "/api/analytics?dimension=dx:VB_DEN&dimension=ou:58;LEVEL-2&filter=pe:2023",
    )
    .await
    .json();
    assert_eq!(
        r["metaData"]["dimensions"]["ou"].as_array().unwrap().len(),
        31,
        "19 agencies, 5 organisations, 7 districts"
    );
    let r = get(
        app,
        "/api/analytics?dimension=dx:DVC53_HS_NHAN.DV01;DVC53_HS_NHAN&filter=ou:58&filter=pe:2023",
    )
    .await
    .json();
    assert_eq!(r["rows"][1], json!(["DVC53_HS_NHAN", "50000"]));

    // 2023 figures in the 2025 structure add up to the same total.
    let legacy = get(
        app,
        "/api/analytics?dimension=dx:DAN_SO&filter=ou:58&filter=pe:2023",
    )
    .await
    .json();
    let in_2025 = get(
        app,
        "/api/analytics?dimension=dx:DAN_SO&filter=ou:2025-56&filter=pe:2023&asOf=2026-01-01",
    )
    .await
    .json();
    assert_eq!(legacy["rows"][0][1], in_2025["rows"][0][1]);

    // CSV.
    let csv = get(
        app,
        "/api/analytics.csv?dimension=dx:VB_DT_TY_LE&dimension=ou:GROUP-58_CAP_XA&filter=pe:2023",
    )
    .await;
    assert!(csv.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(
        csv.text
            .starts_with("Data,Organisation unit,Value\nVB_DT_TY_LE,GROUP-58_CAP_XA,94.89"),
        "{}",
        csv.text
    );

    // Bad queries name the parameter and the reason.
    for (q, reason) in [
        (
            "dimension=dx:VB_KHONG_CO&dimension=ou:58&filter=pe:2023",
            "unknown indicator or data element VB_KHONG_CO",
        ),
        (
            "dimension=dx:VB_DEN&filter=pe:2023",
            "the ou dimension is missing",
        ),
        (
            "dimension=dx:VB_DEN&filter=pe:2023Q7&dimension=ou:58",
            "2023Q7",
        ),
        (
            "dimension=dx:VB_DEN&filter=pe:2023&dimension=ou:99999",
            "unknown unit 99999",
        ),
        (
            "dimension=dx:VB_DEN&filter=pe:2023&dimension=ou:58&asOf=30/06/2025",
            "not a date",
        ),
        ("dimension=xx:VB_DEN", "unknown dimension"),
    ] {
        let r = get(app, &format!("/api/analytics?{q}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}: {}", r.text);
        assert!(r.text.contains(reason), "{q}: {}", r.text);
    }
}

#[tokio::test]
async fn analytics_answers_in_dhis2_form_sqlite() {
    let app = spawn_app(true).await;
    analytics_answers_in_dhis2_form(&app).await;
    app.finish().await;
}

#[tokio::test]
async fn analytics_answers_in_dhis2_form_pg() {
    let app = spawn_app_pg().await;
    analytics_answers_in_dhis2_form(&app).await;
    app.finish().await;
}

#[tokio::test]
async fn a_value_written_through_the_api_is_in_the_next_analytics_answer() {
    let app = spawn_app(true).await;
    let q = "/api/analytics?dimension=dx:VB_DEN&filter=ou:58&filter=pe:202403";
    assert_eq!(get(&app, q).await.json()["rows"], json!([]));
    let r = post(&app, "/api/data-values", json!({"data_values": [{"element": "VB_DEN", "unit": "22738", "period": "202403", "value": 42}]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(get(&app, q).await.json()["rows"], json!([["VB_DEN", "42"]]));
    let year = get(
        &app,
        "/api/analytics?dimension=dx:VB_DEN&filter=ou:582&filter=pe:2024",
    )
    .await
    .json();
    assert_eq!(
        year["rows"],
        json!([["VB_DEN", "42"]]),
        "the month rolls up into its district and year"
    );
    // A constant and an indicator that uses it: people per 1,000 documents, say.
    let r = post(
        &app,
        "/api/constants",
        json!({"constants": [{"code": "NGHIN", "name_vi": "Một nghìn", "value": 1000}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = post(&app, "/api/indicators", json!({"indicators": [{
        "code": "VB_NGHIN", "name_vi": "Văn bản đến (nghìn)", "numerator": "#{VB_DEN}", "denominator": "C{NGHIN}",
        "factor": 1, "decimals": 3, "direction": "higher_is_better", "is_rate": false
    }]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        get(
            &app,
            "/api/analytics?dimension=dx:VB_NGHIN&filter=ou:58&filter=pe:202403"
        )
        .await
        .json()["rows"],
        json!([["VB_NGHIN", "0.042"]])
    );
    let r = post(&app, "/api/indicators", json!({"indicators": [{
        "code": "XAU2", "name_vi": "Sai", "numerator": "#{VB_DEN}", "denominator": "C{KHONG_CO}",
        "factor": 1, "decimals": 0, "direction": "higher_is_better", "is_rate": false
    }]})).await;
    assert_eq!(
        r.json()["error"]["fields"][0]["reason"],
        "unknown constant KHONG_CO at column 1"
    );
    assert_eq!(
        get(&app, "/api/constants").await.json()["constants"][0]["value"],
        1000.0
    );
    // A new indicator is usable at once.
    let r = post(&app, "/api/indicators", json!({"indicators": [{
        "code": "VB_THANG", "name_vi": "Văn bản đến trong tháng", "numerator": "#{VB_DEN}", "denominator": "1",
        "factor": 1, "decimals": 0, "direction": "higher_is_better", "is_rate": false
    }]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        get(
            &app,
            "/api/analytics?dimension=dx:VB_THANG&filter=ou:58&filter=pe:202403"
        )
        .await
        .json()["rows"],
        json!([["VB_THANG", "42"]])
    );
    let r = post(&app, "/api/indicators", json!({"indicators": [{
        "code": "XAU", "name_vi": "Sai", "numerator": "#{VB_DEN} / #{VB_TONG}", "denominator": "1",
        "factor": 1, "decimals": 0, "direction": "higher_is_better", "is_rate": false
    }]})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json()["error"]["fields"][0]["reason"],
        "unknown element VB_TONG at column 13"
    );
    app.finish().await;
}

#[tokio::test]
async fn targets_changes_and_rankings() {
    let app = spawn_app(true).await;
    let fw = get(&app, "/api/target-frameworks/KH_CDS_2023?today=2024-01-15").await;
    assert_eq!(fw.status, StatusCode::OK, "{}", fw.text);
    let fw = fw.json();
    assert_eq!(
        (fw["achieved"].as_u64(), fw["total"].as_u64()),
        (Some(17), Some(23))
    );
    let t10 = &fw["targets"][9];
    assert_eq!(
        (
            t10["assessment"]["status"].as_str(),
            t10["assessment"]["days_early"].as_i64()
        ),
        (Some("done_early"), Some(52))
    );
    assert_eq!(fw["targets"][3]["assessment"]["status"], "not_met");
    assert_eq!(
        get(&app, "/api/target-frameworks").await.json()["target_frameworks"][0]["targets"],
        23
    );
    assert_eq!(
        get(&app, "/api/target-frameworks/NOPE").await.status,
        StatusCode::NOT_FOUND
    );

    let v = get(
        &app,
        "/api/indicator-values?indicator=TT_KHONG_TIEN_MAT_DS&unit=58&period=2023",
    )
    .await
    .json();
    assert_eq!(
        (
            v["value"].as_f64(),
            v["same_period_last_year"]["difference"].as_f64()
        ),
        (Some(314_792.0), Some(67_436.0))
    );
    assert!(
        v["same_period_last_year"]["relative_percent"]
            .as_f64()
            .unwrap()
            > 27.0
    );
    let s = get(
        &app,
        "/api/indicator-values?indicator=CKS_TY_LE&group=58_TOAN_TINH&period=2023",
    )
    .await
    .json();
    assert!(
        s["same_period_last_year"]["relative_percent"].is_null(),
        "a rate changes in points only"
    );
    let r = get(
        &app,
        "/api/indicator-values?indicator=CKS_TY_LE&unit=58&group=58_TOAN_TINH&period=2023",
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let r = get(
        &app,
        "/api/rankings?indicator=VB_DT_TY_LE&group=58_CAP_XA&period=2023",
    )
    .await
    .json();
    let rows = r["rankings"].as_array().unwrap();
    assert_eq!(rows.len(), 62);
    assert_eq!(rows[0]["rank"], 1);
    let values: Vec<f64> = rows.iter().map(|x| x["value"].as_f64().unwrap()).collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "best first");

    // The commune DX index: 62 communes scored, ranked, index = points / maximum.
    let sc = get(&app, "/api/scorecards/DTI_XA?group=58_CAP_XA&period=2023").await;
    assert_eq!(sc.status, StatusCode::OK, "{}", sc.text);
    let sc = sc.json();
    let scores = sc["scores"].as_array().unwrap();
    assert_eq!(scores.len(), 62);
    assert_eq!(scores[0]["rank"], 1);
    for s in scores {
        let (p, m, i) = (
            s["points"].as_f64().unwrap(),
            s["maximum"].as_f64().unwrap(),
            s["index"].as_f64().unwrap(),
        );
        assert_eq!(m, 70.0);
        assert!((i - p / m).abs() < 1e-12 && (0.0..=1.0).contains(&i));
        assert_eq!(s["pillars"].as_array().unwrap().len(), 3);
    }
    assert!(scores
        .windows(2)
        .all(|w| w[0]["index"].as_f64() >= w[1]["index"].as_f64()));
    assert_eq!(
        get(&app, "/api/scorecards").await.json()["scorecards"][0]["code"],
        "DTI_XA"
    );

    let page = get(&app, "/frameworks/KH_CDS_2023").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("17&#x2f;23 chỉ tiêu đạt")
            && page.text.contains("98,90%")
            && page.text.contains("Hoàn thành sớm 52 ngày"),
        "{}",
        page.text
    );
    let en = get(&app, "/frameworks/KH_CDS_2023?lang=en").await;
    assert!(
        en.text.contains("17 of 23 targets met")
            && en.text.contains("Done 52 days early")
            && en.text.contains("-2.78 points")
    );
    assert!(get(&app, "/")
        .await
        .text
        .contains("/frameworks/KH_CDS_2023"));
    app.finish().await;
}

// ---- accounts, sessions and the authorization matrix ------------------------------------------

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

#[tokio::test]
async fn the_authorization_matrix() {
    let app = spawn_private_app().await;
    let s = app.store.as_ref();
    // Roles over parts of the tree: 582 is Phan Rang - Tháp Chàm (22738 and 22741 below it);
    // 22783 lies in another district.
    let roles: Vec<(&str, Vec<Assignment>)> = vec![
        (
            "sys",
            vec![Assignment {
                role: Role::SystemAdmin,
                unit: None,
            }],
        ),
        (
            "framework",
            vec![Assignment {
                role: Role::FrameworkAdmin,
                unit: None,
            }],
        ),
        (
            "approver",
            vec![Assignment {
                role: Role::Approver,
                unit: Some(Code::parse("582").unwrap()),
            }],
        ),
        (
            "entry",
            vec![Assignment {
                role: Role::DataEntry,
                unit: Some(Code::parse("22738").unwrap()),
            }],
        ),
        (
            "viewer",
            vec![Assignment {
                role: Role::Viewer,
                unit: Some(Code::parse("582").unwrap()),
            }],
        ),
    ];
    let mut tokens = std::collections::HashMap::new();
    for (name, a) in &roles {
        make_user(s, name, a.clone()).await;
        tokens.insert(*name, token_for(s, name).await);
    }
    let value = |unit: &str| {
        json!({"data_values": [{"element": "VB_DEN", "unit": unit, "period": "202406", "value": 5}]}).to_string()
    };
    let indicator = json!({"indicators": [{"code": "MOI", "name_vi": "Mới", "numerator": "#{VB_DEN}", "denominator": "1", "factor": 1, "decimals": 0, "direction": "higher_is_better", "is_rate": false}]}).to_string();
    let unit = json!({"units": [{"code": "58-SO-MOI", "name_vi": "Sở mới", "kind": "agency", "parent": "58"}]}).to_string();
    // (method, path, body) → expected status for: anonymous, sys, framework, approver, entry, viewer
    let cases: Vec<(&str, &str, Option<String>, [u16; 6])> =
        vec![
        ("GET", "/api/health", None, [200, 200, 200, 200, 200, 200]),
        ("GET", "/api/constants", None, [401, 200, 200, 200, 200, 200]),
        ("POST", "/api/constants", Some(json!({"constants": [{"code": "K", "name_vi": "K", "value": 1}]}).to_string()), [401, 200, 200, 403, 403, 403]),
        ("GET", "/api/periods/2023Q4", None, [200, 200, 200, 200, 200, 200]),
        ("GET", "/api/periods?type=month&year=2023", None, [200, 200, 200, 200, 200, 200]),
        ("GET", "/api/units/22738", None, [401, 200, 200, 200, 200, 200]),
        ("GET", "/api/units/582/children", None, [401, 200, 200, 200, 200, 200]),
        ("GET", "/api/unit-groups", None, [401, 200, 200, 200, 200, 200]),
        ("GET", "/api/successors?from=22738", None, [401, 200, 200, 200, 200, 200]),
        ("GET", "/api/data-elements", None, [401, 200, 200, 200, 200, 200]),
        ("GET", "/api/data-elements/VB_DEN", None, [401, 200, 200, 200, 200, 200]),
        ("GET", "/api/breakdowns", None, [401, 200, 200, 200, 200, 200]),
        ("GET", "/api/indicators", None, [401, 200, 200, 200, 200, 200]),
        ("GET", "/api/target-frameworks", None, [401, 200, 200, 200, 200, 200]),
        ("GET", "/api/target-frameworks/KH_CDS_2023", None, [401, 200, 200, 200, 200, 200]),
        ("GET", "/api/scorecards", None, [401, 200, 200, 200, 200, 200]),
        ("GET", "/api/analytics.csv?dimension=dx:VB_DEN&filter=ou:22738&filter=pe:2023", None, [401, 200, 200, 200, 200, 200]),
        ("GET", "/api/analytics.csv?dimension=dx:VB_DEN&filter=ou:22783&filter=pe:2023", None, [401, 200, 200, 403, 403, 403]),
        ("GET", "/api/indicator-values?indicator=VB_DT_TY_LE&unit=22783&period=2023", None, [401, 200, 200, 403, 403, 403]),
        ("POST", "/api/data-elements", Some(json!({"data_elements": [{"code": "MOI_DE", "name_vi": "Mới", "value_type": "integer", "aggregation": "sum"}]}).to_string()), [401, 200, 200, 403, 403, 403]),
        ("GET", "/", None, [303, 200, 200, 200, 200, 200]),
        ("GET", "/frameworks/KH_CDS_2023", None, [303, 200, 200, 200, 200, 200]),

        (
            "GET",
            "/api/units?parent=58",
            None,
            [401, 200, 200, 200, 200, 200],
        ),
        (
            "GET",
            "/api/data-values?unit=22738",
            None,
            [401, 200, 200, 200, 200, 200],
        ),
        (
            "GET",
            "/api/data-values?unit=22783",
            None,
            [401, 200, 200, 403, 403, 403],
        ),
        (
            "GET",
            "/api/data-values?unit=582&children=true",
            None,
            [401, 200, 200, 200, 403, 200],
        ),
        (
            "GET",
            "/api/data-values",
            None,
            [401, 200, 200, 403, 403, 403],
        ),
        (
            "GET",
            "/api/analytics?dimension=dx:VB_DEN&filter=ou:22738&filter=pe:2023",
            None,
            [401, 200, 200, 200, 200, 200],
        ),
        (
            "GET",
            "/api/analytics?dimension=dx:VB_DEN&filter=ou:22783&filter=pe:2023",
            None,
            [401, 200, 200, 403, 403, 403],
        ),
        (
            "GET",
            "/api/analytics?dimension=dx:VB_DT_TY_LE&dimension=ou:GROUP-58_CAP_XA&filter=pe:2023",
            None,
            [401, 200, 200, 403, 403, 403],
        ),
        (
            "GET",
            "/api/indicator-values?indicator=VB_DT_TY_LE&unit=582&period=2023",
            None,
            [401, 200, 200, 200, 403, 200],
        ),
        (
            "GET",
            "/api/rankings?indicator=VB_DT_TY_LE&parent=582&period=2023",
            None,
            [401, 200, 200, 200, 403, 200],
        ),
        (
            "GET",
            "/api/scorecards/DTI_XA?group=58_CAP_XA&period=2023",
            None,
            [401, 200, 200, 403, 403, 403],
        ),
        (
            "POST",
            "/api/data-values",
            Some(value("22738")),
            [401, 200, 403, 403, 200, 403],
        ),
        (
            "POST",
            "/api/data-values",
            Some(value("22741")),
            [401, 200, 403, 403, 403, 403],
        ),
        (
            "DELETE",
            "/api/data-values",
            Some(
                json!({"data_values": [{"element": "VB_DEN", "unit": "22783", "period": "2022"}]})
                    .to_string(),
            ),
            [401, 200, 403, 403, 403, 403],
        ),
        (
            "POST",
            "/api/indicators",
            Some(indicator),
            [401, 200, 200, 403, 403, 403],
        ),
        (
            "POST",
            "/api/units",
            Some(unit),
            [401, 200, 403, 403, 403, 403],
        ),
        ("GET", "/api/audit?action=data_value.", None, [401, 200, 403, 403, 403, 403]),
        ("GET", "/admin/audit?action=login.", None, [303, 200, 403, 403, 403, 403]),
        ("GET", "/units/22738", None, [303, 200, 200, 200, 200, 200]),
        ("GET", "/units/22783", None, [303, 200, 200, 403, 403, 403]),
    ];
    let who = [
        None,
        Some("sys"),
        Some("framework"),
        Some("approver"),
        Some("entry"),
        Some("viewer"),
    ];
    let mut failures = Vec::new();
    for (method, path, body, expected) in &cases {
        for (i, w) in who.iter().enumerate() {
            let mut b = Request::builder().method(*method).uri(*path);
            if body.is_some() {
                b = b.header("content-type", "application/json");
            }
            if let Some(w) = w {
                b = b.header("authorization", format!("ApiToken {}", tokens[w]));
            }
            let r = send_raw(
                &app,
                b.body(Body::from(body.clone().unwrap_or_default()))
                    .unwrap(),
            )
            .await;
            if r.status.as_u16() != expected[i] {
                failures.push(format!(
                    "{method} {path} as {}: {} (expected {}) {}",
                    w.unwrap_or("anonymous"),
                    r.status,
                    expected[i],
                    r.text.chars().take(160).collect::<String>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // A framework shows each reader only the targets whose units they may see.
    for (who, total) in [("sys", 23), ("entry", 0)] {
        let t = tokens[who].clone();
        let r = send_raw(
            &app,
            Request::get("/api/target-frameworks/KH_CDS_2023")
                .header("authorization", format!("ApiToken {t}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.json()["total"].as_u64(), Some(total), "{who}");
    }
    let page = send_raw(
        &app,
        Request::get("/admin/audit")
            .header("authorization", format!("ApiToken {}", tokens["sys"]))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(
        page.text.contains("Chuỗi băm toàn vẹn"),
        "the page says the chain is intact"
    );
    // A refused write changed nothing; the allowed ones are in, with who stored them.
    let v = get(&app, "/api/data-values?unit=22741&period=202406").await;
    assert_eq!(
        v.status,
        StatusCode::UNAUTHORIZED,
        "reads need an account on a private server"
    );
    let mine = app
        .store
        .values(&chiso_store::ValueQuery {
            periods: vec![chiso_core::Period::Month(2024, 6)],
            ..Default::default()
        })
        .await
        .unwrap();
    let written: Vec<(&str, &str)> = mine
        .iter()
        .map(|v| (v.unit.as_str(), v.stored_by.as_str()))
        .collect();
    // 22738: the administrator, then its own officer (the same value: unchanged); 22741: only
    // the administrator could.
    assert_eq!(written, [("22738", "sys"), ("22741", "sys")]);
    app.finish().await;
}

#[tokio::test]
async fn logins_sessions_and_their_protections() {
    let (app, state) = private_app_and_state().await;
    let s = app.store.as_ref();
    let password = make_user(
        s,
        "can.bo.xa",
        vec![Assignment {
            role: Role::DataEntry,
            unit: Some(Code::parse("22738").unwrap()),
        }],
    )
    .await;

    // A wrong password is refused, and refusals are audited.
    let r = login(&app, "can.bo.xa", "not-the-password").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text.contains("không đúng"));

    // Logging in gives a session cookie (HttpOnly, SameSite=Lax); a second login a new id.
    let r = login(&app, "can.bo.xa", &password).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let raw = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("chiso_session="))
        .unwrap();
    assert!(
        raw.contains("HttpOnly") && raw.contains("SameSite=Lax"),
        "{raw}"
    );
    let first = set_cookie(&r, "chiso_session").unwrap();
    let second = set_cookie(&login(&app, "can.bo.xa", &password).await, "chiso_session").unwrap();
    assert_ne!(first, second, "a new session id at every login");

    // With the session: reads of the own commune work; a write needs the CSRF token.
    let page = send_raw(
        &app,
        Request::get("/units/22738")
            .header("cookie", &second)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page
        .text
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let body = json!({"data_values": [{"element": "VB_DEN", "unit": "22738", "period": "202407", "value": 9}]}).to_string();
    let post = |csrf: Option<&str>, origin: Option<&str>| {
        let mut b = Request::post("/api/data-values")
            .header("content-type", "application/json")
            .header("cookie", &second)
            .header("host", "chiso.local");
        if let Some(c) = csrf {
            b = b.header("x-csrf-token", c);
        }
        if let Some(o) = origin {
            b = b.header("origin", o);
        }
        b.body(Body::from(body.clone())).unwrap()
    };
    assert_eq!(
        send_raw(&app, post(None, None)).await.status,
        StatusCode::FORBIDDEN,
        "no CSRF token"
    );
    assert_eq!(
        send_raw(&app, post(Some("wrong"), None)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send_raw(&app, post(Some(&csrf), Some("https://evil.example")))
            .await
            .status,
        StatusCode::FORBIDDEN,
        "cross-site"
    );
    assert_eq!(
        send_raw(&app, post(Some(&csrf), Some("http://chiso.local")))
            .await
            .status,
        StatusCode::OK
    );
    // A cross-site form post (logout) is refused too.
    let r = send_raw(
        &app,
        Request::post("/logout")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &second)
            .header("sec-fetch-site", "cross-site")
            .body(Body::from(format!("csrf={csrf}")))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A disabled account's session stops working at once.
    s.set_disabled("can.bo.xa", true, &Actor::new("test", Via::Cli))
        .await
        .unwrap();
    let r = send_raw(
        &app,
        Request::get("/api/data-values?unit=22738")
            .header("cookie", &second)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    s.set_disabled("can.bo.xa", false, &Actor::new("test", Via::Cli))
        .await
        .unwrap();

    // Repeated failures lock the name out, even for the right password, with back-off.
    for _ in 0..5 {
        assert_eq!(
            login(&app, "can.bo.xa", "wrong-wrong-wrong").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let r = login(&app, "can.bo.xa", &password).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    // Refused logins are audited once their minute is over.
    state
        .flush_login_audit(chrono::Utc::now() + chrono::Duration::minutes(2))
        .await;
    let log = s
        .audit(&AuditQuery {
            entity_prefix: Some("user:can.bo.xa".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert!(
        actions.contains(&"login.failure")
            && actions.contains(&"login.success")
            && actions.contains(&"login.locked"),
        "{actions:?}"
    );
    app.finish().await;
}

#[tokio::test]
async fn a_one_time_password_must_be_changed_first() {
    let app = spawn_private_app().await;
    let s = app.store.as_ref();
    let password = make_user(
        s,
        "moi.vao",
        vec![Assignment {
            role: Role::Viewer,
            unit: None,
        }],
    )
    .await;
    let hash = chiso_core::account::hash_password(&password).unwrap();
    s.set_password("moi.vao", &hash, true, &Actor::new("test", Via::Cli))
        .await
        .unwrap();
    let r = login(&app, "moi.vao", &password).await;
    assert_eq!(
        (r.status, r.headers["location"].to_str().unwrap()),
        (StatusCode::SEE_OTHER, "/account/password")
    );
    let cookie = set_cookie(&r, "chiso_session").unwrap();
    let api = send_raw(
        &app,
        Request::get("/api/data-values?unit=58")
            .header("cookie", &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    assert!(api.text.contains("change your one-time password first"));
    let form = send_raw(
        &app,
        Request::get("/account/password")
            .header("cookie", &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let csrf = form
        .text
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let change = |new: &str, repeat: &str| {
        Request::post("/account/password")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &cookie)
            .body(Body::from(format!(
                "csrf={csrf}&current={}&new={}&repeat={}",
                urlencode(&password),
                urlencode(new),
                urlencode(repeat)
            )))
            .unwrap()
    };
    let weak = send_raw(&app, change("moi.vao-2024!", "moi.vao-2024!")).await;
    assert_eq!(
        weak.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the policy refuses a password holding the user name"
    );
    let mismatch = send_raw(
        &app,
        change("Phan-Rang-thap-cham-9", "Phan-Rang-thap-cham-8"),
    )
    .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = send_raw(
        &app,
        change("Phan-Rang-thap-cham-9", "Phan-Rang-thap-cham-9"),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let fresh = set_cookie(&ok, "chiso_session").unwrap();
    assert_ne!(fresh, cookie);
    let old = send_raw(
        &app,
        Request::get("/api/data-values?unit=58")
            .header("cookie", &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        old.status,
        StatusCode::UNAUTHORIZED,
        "the old session ended"
    );
    let now = send_raw(
        &app,
        Request::get("/api/data-values?unit=58")
            .header("cookie", &fresh)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(now.status, StatusCode::OK);
    assert!(
        !s.user("moi.vao")
            .await
            .unwrap()
            .unwrap()
            .must_change_password
    );
    app.finish().await;
}

#[tokio::test]
async fn public_access_shows_the_published_indicators_and_nothing_else() {
    let dir = std::env::temp_dir().join(format!("chiso-web-{}", unique()));
    std::fs::create_dir_all(&dir).unwrap();
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open_path(&dir.join("web.db")).await.unwrap());
    chiso_demo::load(store.as_ref()).await.unwrap();
    let auth = chiso_web::auth::AuthConfig {
        public_published: true,
        ..Default::default()
    };
    let state = chiso_web::AppState::load(store.clone(), auth)
        .await
        .unwrap();
    let token = admin_token(store.as_ref()).await;
    let app = App {
        router: chiso_web::app(state),
        token,
        store,
        cleanup: None,
        dir: Some(dir),
    };
    let ok = get(
        &app,
        "/api/analytics?dimension=dx:VB_DT_TY_LE&dimension=ou:GROUP-58_CAP_XA&filter=pe:2023",
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(
        get(
            &app,
            "/api/indicator-values?indicator=CKS_TY_LE&group=58_TOAN_TINH&period=2023"
        )
        .await
        .status,
        StatusCode::OK
    );
    for refused in [
        "/api/analytics?dimension=dx:HSSK_TY_LE&filter=ou:58&filter=pe:2023",
        "/api/analytics?dimension=dx:VB_DEN&filter=ou:58&filter=pe:2023",
        "/api/analytics?dimension=dx:VB_DT_TY_LE;HSSK_TY_LE&filter=ou:58&filter=pe:2023",
        "/api/data-values?unit=58",
        "/api/units?parent=58",
        "/api/audit",
    ] {
        assert_eq!(
            get(&app, refused).await.status,
            StatusCode::UNAUTHORIZED,
            "{refused}"
        );
    }
    let list = get(&app, "/api/indicators").await.json();
    let codes: Vec<&str> = list["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"VB_DT_TY_LE") && !codes.contains(&"HSSK_TY_LE"),
        "{codes:?}"
    );
    assert_eq!(
        get(&app, "/").await.status,
        StatusCode::SEE_OTHER,
        "pages need a login"
    );
    app.finish().await;
}

// ---- data collection -------------------------------------------------------------------------

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

#[tokio::test]
async fn a_commune_reports_and_the_district_then_the_province_approve() {
    let app = spawn_private_app().await;
    let admin = app.token.clone();
    // Phan Rang - Tháp Chàm's communes that never sent their 2023 report.
    let before = as_user(
        &app,
        "GET",
        "/api/completeness?dataSet=BM_CDS_XA&period=2023&unit=582",
        &admin,
        None,
    )
    .await
    .json();
    let missing = before["missing"].as_array().unwrap();
    assert!(!missing.is_empty(), "{before}");
    let received = before["received"].as_u64().unwrap();
    let commune = missing[0]["unit"].as_str().unwrap().to_string();
    let other = if commune == "22741" { "22744" } else { "22741" };
    let xa = user_token(&app, "can.bo.xa", Role::DataEntry, &commune).await;
    let huyen = user_token(&app, "lanh.dao.huyen", Role::Approver, "582").await;
    let tinh = user_token(&app, "so.khcn", Role::Approver, "58").await;
    let form = format!("/api/forms/BM_CDS_XA/{commune}/2023");

    // The 2023 form closed in March 2024: the officer cannot enter until an administrator
    // grants an exception.
    let f = as_user(&app, "GET", &form, &xa, None).await.json();
    assert_eq!(
        (f["status"].as_str(), f["editable"].as_bool()),
        (Some("closed"), Some(false)),
        "{f}"
    );
    let r = as_user(
        &app,
        "POST",
        &form,
        &xa,
        Some(json!({"entries": [{"element": "VB_DEN", "value": "1"}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = as_user(
        &app,
        "POST",
        &format!("{form}/exception"),
        &xa,
        Some(json!({"until": "2099-12-31", "reason": "tự cho phép"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = as_user(
        &app,
        "POST",
        &format!("{form}/exception"),
        &admin,
        Some(json!({"until": "2099-12-31", "reason": "Xã gửi bổ sung báo cáo năm 2023"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The officer's form: fields in the data set's order, with the previous year beside them.
    let f = as_user(&app, "GET", &form, &xa, None).await;
    assert_eq!(f.status, StatusCode::OK, "{}", f.text);
    let f = f.json();
    assert_eq!(
        (f["status"].as_str(), f["editable"].as_bool()),
        (Some("overdue"), Some(true)),
        "{f}"
    );
    let den = f["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["element"] == "VB_DEN")
        .unwrap()
        .clone();
    assert!(den["last_year"].is_string(), "{den}");
    // Not another commune's form.
    let r = as_user(
        &app,
        "POST",
        &format!("/api/forms/BM_CDS_XA/{other}/2023"),
        &xa,
        Some(json!({"entries": [{"element": "VB_DEN", "value": "1"}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // A text in a number field names the field, in Vietnamese; nothing is saved.
    let r = as_user(
        &app,
        "POST",
        &form,
        &xa,
        Some(json!({"entries": [{"element": "VB_DEN", "value": "một nghìn"}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "VB_DEN");
    assert!(r.text.contains("không phải là số"), "{}", r.text);
    // Saved with a broken rule: a warning now, a refusal at completion.
    let r = as_user(
        &app,
        "POST",
        &form,
        &xa,
        Some(json!({"entries": [
        {"element": "VB_DEN", "value": "1200"}, {"element": "VB_XL_MANG", "value": "1300"}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["violations"][0]["rule"], "VB_MANG_LE_DEN");
    let r = as_user(&app, "POST", &format!("{form}/complete"), &xa, None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = as_user(
        &app,
        "POST",
        &form,
        &xa,
        Some(json!({"entries": [{"element": "VB_XL_MANG", "value": "1100"}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["changes"]["updated"], 1);
    // The engine has it at once.
    let q = format!("/api/analytics?dimension=dx:VB_XL_MANG&filter=ou:{commune}&filter=pe:2023");
    assert_eq!(
        as_user(&app, "GET", &q, &admin, None).await.json()["rows"],
        json!([["VB_XL_MANG", "1100"]])
    );
    let r = as_user(&app, "POST", &format!("{form}/complete"), &xa, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The commune cannot approve its own report; the district approves, then the province.
    let page = as_user(
        &app,
        "GET",
        "/completeness/BM_CDS_XA/2023?unit=582",
        &huyen,
        None,
    )
    .await;
    let waiting = page
        .text
        .split("Đã gửi, chờ phê duyệt")
        .nth(1)
        .unwrap_or("");
    assert!(
        waiting.contains(&format!("<td class=\"code\">{commune}</td>")),
        "the district sees the report waiting for it"
    );
    let r = as_user(&app, "POST", &format!("{form}/approval"), &xa, None).await;
    assert_ne!(r.status, StatusCode::OK, "{}", r.text);
    let r = as_user(&app, "POST", &format!("{form}/approval"), &tinh, None).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the district approves first: {}",
        r.text
    );
    let r = as_user(&app, "POST", &format!("{form}/approval"), &huyen, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["level_unit"], "582");
    let r = as_user(&app, "POST", &format!("{form}/approval"), &tinh, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        (r.json()["step"].clone(), r.json()["level_unit"].clone()),
        (json!(2), json!("58"))
    );
    // Approved is locked.
    let r = as_user(
        &app,
        "POST",
        &form,
        &xa,
        Some(json!({"entries": [{"element": "VB_DEN", "value": "1"}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("phê duyệt"), "{}", r.text);
    // The completeness list no longer names the commune; the reporting rate counts it.
    let after = as_user(
        &app,
        "GET",
        "/api/completeness?dataSet=BM_CDS_XA&period=2023&unit=582",
        &admin,
        None,
    )
    .await
    .json();
    assert_eq!(after["received"].as_u64(), Some(received + 1));
    assert!(after["missing"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["unit"] != commune.as_str()));
    let rate = as_user(
        &app,
        "GET",
        "/api/analytics?dimension=dx:TL_XA_BAO_CAO&filter=ou:58&filter=pe:2023",
        &admin,
        None,
    )
    .await
    .json();
    let got: f64 = rate["rows"][0][1].as_str().unwrap().parse().unwrap();
    assert!(
        (got - 59.0 * 100.0 / 62.0).abs() < 1e-9,
        "59 of 62 communes: {rate}"
    );
    // Un-approving needs the level's approver and a reason; all of it is in the audit log.
    let r = as_user(
        &app,
        "DELETE",
        &format!("{form}/approval"),
        &huyen,
        Some(json!({"reason": "sai"})),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the province's step is the province's: {}",
        r.text
    );
    let r = as_user(
        &app,
        "DELETE",
        &format!("{form}/approval"),
        &tinh,
        Some(json!({"reason": " "})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = as_user(
        &app,
        "DELETE",
        &format!("{form}/approval"),
        &tinh,
        Some(json!({"reason": "Cần đối chiếu số văn bản"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let log = app.store.audit(&AuditQuery::default()).await.unwrap();
    let steps: Vec<(String, String)> = log
        .iter()
        .filter(|e| e.entity == format!("report:BM_CDS_XA/{commune}/2023"))
        .map(|e| (e.action.clone(), e.actor.clone()))
        .collect();
    assert_eq!(steps.len(), 5, "{steps:?}");
    assert!(steps.contains(&("lock_exception.insert".into(), "quan.tri".into())));
    assert!(steps.contains(&("approval.insert".into(), "lanh.dao.huyen".into())));
    assert!(steps.contains(&("approval.delete".into(), "so.khcn".into())));

    // The page works for the officer too: the form, in Vietnamese, with the values.
    let page = as_user(
        &app,
        "GET",
        &format!("/forms/BM_CDS_XA/{commune}/2023"),
        &xa,
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("Cùng kỳ năm trước") && page.text.contains("value=\"1100\""),
        "{}",
        &page.text[..page.text.len().min(400)]
    );
    let list = as_user(&app, "GET", "/forms?unit=2025-22741", &admin, None).await;
    assert!(
        list.text.contains("BM_CDS_XA, hằng năm"),
        "the period type in Vietnamese"
    );
    let page = as_user(
        &app,
        "GET",
        "/completeness/BM_CDS_XA/2023?unit=582",
        &admin,
        None,
    )
    .await;
    assert!(page.text.contains("Đơn vị chưa gửi"));

    // Since July 2025 there is no district: a commune of Khánh Hòa reports for 2026 and the
    // province approves in one step.
    let xa2 = user_token(&app, "can.bo.xa.moi", Role::DataEntry, "2025-22741").await;
    let tinh2 = user_token(&app, "so.khcn.khanh.hoa", Role::Approver, "2025-56").await;
    let form2 = "/api/forms/BM_CDS_XA/2025-22741/2026";
    let r = as_user(&app, "POST", form2, &xa2, Some(json!({"entries": [{"element": "VB_DEN", "value": "800"}, {"element": "VB_XL_MANG", "value": "790"}]}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        as_user(&app, "POST", &format!("{form2}/complete"), &xa2, None)
            .await
            .status,
        StatusCode::OK
    );
    let r = as_user(&app, "POST", &format!("{form2}/approval"), &tinh2, None).await;
    assert_eq!(
        (r.json()["step"].clone(), r.json()["level_unit"].clone()),
        (json!(1), json!("2025-56")),
        "{}",
        r.text
    );
    let r = as_user(&app, "POST", &format!("{form2}/approval"), &tinh2, None).await;
    assert!(r.text.contains("mọi cấp"), "{}", r.text);
    app.finish().await;
}

async fn dhis2_data_value_sets_round_trip(app: &App) {
    // A commune's 2026 report, pushed by another system as DHIS2 clients do it.
    let token = user_token(app, "he.thong.qlvb", Role::DataEntry, "2025-22759").await;
    let set = json!({
        "dataSet": "BM_CDS_XA",
        "period": "2026",
        "orgUnit": "2025-22759",
        "dataValues": [
            {"dataElement": "VB_DEN", "categoryOptionCombo": "HllvX50cXC0", "value": "1520"},
            {"dataElement": "VB_XL_MANG", "value": "1498", "comment": "từ hệ thống QLVB"},
            {"dataElement": "CB_TONG", "value": 230},
            {"dataElement": "CB_KY_SO", "value": "211"}
        ]
    });
    let post = |body: String, ct: &'static str, q: &'static str| {
        let token = token.clone();
        async move {
            send_raw(
                app,
                Request::post(format!("/api/dataValueSets{q}"))
                    .header("authorization", format!("ApiToken {token}"))
                    .header("content-type", ct)
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
        }
    };
    let count = || async { app.store.counts().await.unwrap() };
    let before = count().await;
    // A dry run answers with DHIS2's import summary and writes nothing.
    let r = post(
        set.to_string(),
        "application/json",
        "?dryRun=true&idScheme=CODE",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let j = r.json();
    assert_eq!(j["response"]["responseType"], "ImportSummary");
    assert_eq!(j["response"]["importCount"]["imported"], 4);
    assert_eq!(count().await, before);
    let r = post(set.to_string(), "application/json", "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let j = r.json();
    assert_eq!(j["status"], "OK");
    assert_eq!(j["response"]["status"], "SUCCESS");
    assert_eq!(
        j["response"]["importCount"],
        json!({"imported": 4, "updated": 0, "ignored": 0, "deleted": 0})
    );
    // Read back at DHIS2's path: the same values.
    let r = as_user(
        app,
        "GET",
        "/api/dataValueSets?dataSet=BM_CDS_XA&period=2026&orgUnit=2025-56&children=true",
        &app.token,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let out = r.json();
    assert_eq!(out["dataSet"], "BM_CDS_XA");
    let mut got: Vec<(String, String, String, String, String, Option<String>)> = out["dataValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["dataElement"].as_str().unwrap().into(),
                v["period"].as_str().unwrap().into(),
                v["orgUnit"].as_str().unwrap().into(),
                v["categoryOptionCombo"].as_str().unwrap().into(),
                v["value"].as_str().unwrap().into(),
                v["comment"].as_str().map(str::to_string),
            )
        })
        .collect();
    got.sort();
    let s = |x: &str| x.to_string();
    assert_eq!(
        got,
        vec![
            (
                s("CB_KY_SO"),
                s("2026"),
                s("2025-22759"),
                s("default"),
                s("211"),
                None
            ),
            (
                s("CB_TONG"),
                s("2026"),
                s("2025-22759"),
                s("default"),
                s("230"),
                None
            ),
            (
                s("VB_DEN"),
                s("2026"),
                s("2025-22759"),
                s("default"),
                s("1520"),
                None
            ),
            (
                s("VB_XL_MANG"),
                s("2026"),
                s("2025-22759"),
                s("default"),
                s("1498"),
                Some(s("từ hệ thống QLVB"))
            ),
        ]
    );
    // The exported file imports back unchanged: nothing new, nothing updated.
    let r = post(r.text.clone(), "application/json", "").await;
    let j = r.json();
    assert_eq!(
        j["response"]["importCount"],
        json!({"imported": 0, "updated": 0, "ignored": 4, "deleted": 0}),
        "{}",
        r.text
    );
    // The same as CSV, both ways.
    let csv = as_user(
        app,
        "GET",
        "/api/dataValueSets.csv?dataSet=BM_CDS_XA&period=2026&orgUnit=2025-22759",
        &app.token,
        None,
    )
    .await;
    assert!(
        csv.text.starts_with(
            "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value"
        ),
        "{}",
        csv.text
    );
    let r = post(csv.text.replace(",1520,", ",1530,"), "application/csv", "").await;
    assert_eq!(
        r.json()["response"]["importCount"]["updated"],
        1,
        "{}",
        r.text
    );
    // Conflicts: nothing is written, DHIS2's 409 with the reasons.
    let after = count().await;
    let bad = json!({"dataValues": [
        {"dataElement": "VB_DEN", "period": "2026", "orgUnit": "2025-22759", "value": "7"},
        {"dataElement": "KHONG_CO", "period": "2026", "orgUnit": "2025-22759", "value": "1"},
        {"dataElement": "VB_DEN", "period": "2026", "orgUnit": "2025-22738", "value": "1"}
    ]});
    let r = post(bad.to_string(), "application/json", "").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let j = r.json();
    assert_eq!(j["response"]["status"], "ERROR");
    let conflicts = j["response"]["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 2, "{conflicts:?}");
    assert!(conflicts[0]["value"].as_str().unwrap().contains("KHONG_CO"));
    assert!(
        conflicts[1]["value"]
            .as_str()
            .unwrap()
            .contains("không có quyền"),
        "{conflicts:?}"
    );
    assert_eq!(count().await, after);
    // Only DHIS2's token form: no token, or HTTP Basic, is not let in.
    let r = send_raw(
        app,
        Request::post("/api/dataValueSets")
            .header("content-type", "application/json")
            .body(Body::from(set.to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = send_raw(
        app,
        Request::post("/api/dataValueSets")
            .header("authorization", "Basic YWRtaW46ZGlzdHJpY3Q=")
            .header("content-type", "application/json")
            .body(Body::from(set.to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Clients that name the API version reach the same endpoints; other words do not.
    let r = as_user(
        app,
        "GET",
        "/api/40/dataValueSets?dataSet=BM_CDS_XA&period=2026&orgUnit=2025-22759",
        &app.token,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["dataValues"].as_array().unwrap().len(), 4);
    let r = post(set.to_string(), "application/json", "").await;
    assert_eq!(r.status, StatusCode::OK);
    let r = as_user(app, "GET", "/api/units2/dataValueSets", &app.token, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // DHIS2's required export parameters.
    let r = as_user(
        app,
        "GET",
        "/api/dataValueSets?period=2026&orgUnit=2025-56",
        &app.token,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn dhis2_data_value_sets_round_trip_sqlite() {
    let app = spawn_app(true).await;
    dhis2_data_value_sets_round_trip(&app).await;
    app.finish().await;
}

#[tokio::test]
async fn dhis2_data_value_sets_round_trip_pg() {
    let app = spawn_app_pg().await;
    dhis2_data_value_sets_round_trip(&app).await;
    app.finish().await;
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

#[tokio::test]
async fn evidence_files_are_checked_and_never_served_inline() {
    let app = spawn_app(true).await;
    let url = "/api/forms/BM_CDS_XA/2025-22738/2026/evidence";
    let upload = |fields: Vec<(&'static str, &'static str)>,
                  file: Option<(&'static str, Vec<u8>)>| {
        let app = &app;
        async move {
            let (ct, body) = multipart(&fields, file.as_ref().map(|(n, b)| (*n, b.as_slice())));
            send(
                app,
                Request::post(url)
                    .header("content-type", ct)
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
        }
    };
    let pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n".to_vec();
    let r = upload(
        vec![
            ("doc_number", "125/QĐ-UBND"),
            ("doc_date", "20/12/2026"),
            ("summary", "Kế hoạch chuyển đổi số năm 2026"),
            ("element", "VB_DEN"),
        ],
        Some(("ke-hoach.pdf", pdf.clone())),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let e = r.json();
    assert_eq!(
        (
            e["content_type"].as_str(),
            e["doc_number"].as_str(),
            e["doc_date"].as_str()
        ),
        (
            Some("application/pdf"),
            Some("125/QĐ-UBND"),
            Some("2026-12-20")
        )
    );
    // HTML named .pdf is refused: the type comes from the content.
    let r = upload(
        vec![],
        Some((
            "bao-cao.pdf",
            b"<html><script>alert(1)</script></html>".to_vec(),
        )),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    // Over 10 MiB is refused.
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(10 * 1024 * 1024 + 10, b'0');
    let r = upload(vec![], Some(("lon.pdf", big))).await;
    assert_eq!(
        r.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        &r.text[..r.text.len().min(200)]
    );
    let r = upload(
        vec![("doc_date", "31/02/2026")],
        Some(("x.pdf", pdf.clone())),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let list = get(&app, url).await.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    // Downloaded as an attachment, never inline; the bytes are the ones sent.
    let id = e["id"].as_str().unwrap();
    let r = get(&app, &format!("/api/evidence/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/pdf");
    assert!(r.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    assert!(r.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("sandbox"));
    assert_eq!(r.text.as_bytes(), pdf.as_slice());
    app.finish().await;
}

#[tokio::test]
async fn excel_templates_go_out_and_come_back() {
    let app = spawn_app(true).await;
    // The commune's template: codes in hidden cells; last year's values beside the inputs.
    let r = get(&app, "/api/forms/BM_CDS_XA/2025-22738/2026/template.xlsx").await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        &r.text[..r.text.len().min(200)]
    );
    assert!(r.headers["content-type"]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    let bytes = send_bytes(&app, "/api/forms/BM_CDS_XA/2025-22738/2026/template.xlsx").await;
    let wb = chiso_io::xlsx::read_template("t.xlsx", &bytes).unwrap();
    assert_eq!(
        (wb.data_set.as_str(), wb.period.as_str(), wb.unit.as_deref()),
        ("BM_CDS_XA", "2026", Some("2025-22738"))
    );
    assert!(wb.rows.is_empty(), "nothing entered yet");
    // A workbook saved by LibreOffice Calc after a person filled it in imports.
    let lo = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/libreoffice-BM_CDS_XA-2025-22738-2026.xlsx"
    ))
    .unwrap();
    let r = send(
        &app,
        Request::post("/api/imports?fileName=bao-cao-xa.xlsx&dryRun=true")
            .body(Body::from(lo.clone()))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let dry = r.json();
    assert_eq!(
        (dry["format"].as_str(), dry["dry_run"].as_bool()),
        (Some("xlsx"), Some(true))
    );
    let n = dry["inserted"].as_u64().unwrap();
    assert!(n >= 3, "{dry}");
    let r = send(
        &app,
        Request::post("/api/imports?fileName=bao-cao-xa.xlsx")
            .body(Body::from(lo))
            .unwrap(),
    )
    .await;
    assert_eq!(r.json()["inserted"].as_u64(), Some(n), "{}", r.text);
    let q = "/api/analytics?dimension=dx:VB_DEN&filter=ou:2025-22738&filter=pe:2026";
    assert_eq!(
        get(&app, q).await.json()["rows"],
        json!([["VB_DEN", "1234"]])
    );
    // The consolidator's template: one row per commune of the district.
    let grid = send_bytes(
        &app,
        "/api/data-sets/BM_CDS_XA/template.xlsx?period=2026&unit=2025-56",
    )
    .await;
    let wb = chiso_io::xlsx::read_template("g.xlsx", &grid).unwrap();
    assert_eq!(wb.layout, chiso_io::xlsx::Layout::Grid);
    assert!(wb
        .rows
        .iter()
        .any(|r| r.unit == "2025-22738" && r.element == "VB_DEN" && r.value == "1234"));
    // A bad workbook: errors name the sheet, row and column; nothing is written.
    let before = app.store.counts().await.unwrap();
    let r = send(
        &app,
        Request::post("/api/imports?fileName=hong.xlsx")
            .body(Body::from(grid[..grid.len() / 2].to_vec()))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.json()["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("xlsx"),
        "{}",
        r.text
    );
    assert_eq!(app.store.counts().await.unwrap(), before);
    app.finish().await;
}

async fn send_bytes(app: &App, uri: &str) -> Vec<u8> {
    let resp = app
        .router
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    resp.into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec()
}

// ---- plans, directives and registers -----------------------------------------------------------

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

fn analytics_value(r: &Value, dx: &str) -> f64 {
    r["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("no rows: {r}"))
        .iter()
        .find(|row| row[0] == dx)
        .unwrap_or_else(|| panic!("{dx}: {r}"))
        .as_array()
        .and_then(|row| row.last())
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("{dx}: {r}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_demo_follow_up_overdue_coverage_and_figures() {
    let app = spawn_app(true).await;
    // The overdue list of 30 June 2024 names the 5G directive; a done one is not on it.
    let r = get(&app, "/api/directives?filter=overdue").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let overdue = r.json();
    let list = overdue.as_array().unwrap();
    let five_g = list
        .iter()
        .find(|d| d["text"].as_str().unwrap().contains("5G"))
        .unwrap_or_else(|| panic!("no 5G directive among {overdue}"));
    assert_eq!(five_g["due"], "2024-04-30");
    assert_eq!(five_g["days_late"], 61);
    assert!(list.iter().all(|d| d["status"] != "done"));
    let soon = get(&app, "/api/directives?filter=due_soon&within_days=10")
        .await
        .json();
    assert!(soon
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["text"].as_str().unwrap().contains("chữ ký số")));
    let r = get(&app, "/api/directives?filter=late").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // Commune product coverage: the communes still without a product, by name.
    let cov = get(&app, "/api/product-coverage?group=58_CAP_XA&year=2024")
        .await
        .json();
    let without = cov["without"].as_array().unwrap();
    assert_eq!(cov["units"], 62);
    assert!(!without.is_empty() && without.len() < 31, "{cov}");
    let products = get(&app, "/api/register?kind=product").await.json();
    let owners: std::collections::HashSet<&str> = products
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["owner"].as_str().unwrap())
        .collect();
    for u in without {
        let code = u["code"].as_str().unwrap();
        assert!(!owners.contains(code), "{code} has a product");
        assert!(u["name_vi"].as_str().unwrap().len() > 3);
    }
    // The same coverage through the analytics API, like any indicator.
    let r = get(&app, "/api/analytics?dimension=dx:SP_CDS_PHU_TY_LE;KH_DUYET_TY_LE;NS_PHAN_BO_TONG;NS_DA_CHI_TONG&filter=ou:GROUP-58_CAP_XA&filter=pe:2024").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let g = r.json();
    let with = 62.0 - without.len() as f64;
    assert!((analytics_value(&g, "SP_CDS_PHU_TY_LE") - 100.0 * with / 62.0).abs() < 1e-6);
    // Four of the six commune plans are approved: 4 / 62.
    assert!(
        (analytics_value(&g, "KH_DUYET_TY_LE") - 400.0 / 62.0).abs() < 1e-6,
        "{g}"
    );
    // Budget of the six commune plans: 2 tasks × (30 + 20) million each.
    assert_eq!(analytics_value(&g, "NS_PHAN_BO_TONG"), 300_000_000.0);
    // Plan coverage of the provincial agencies and the province's budget figures.
    let r = get(&app, "/api/analytics?dimension=dx:KH_DUYET_TY_LE;NS_PHAN_BO_TONG;HTTT_KET_NOI_TY_LE;THON_HET_LOM_SONG_SDK_TY_LE&filter=ou:58&filter=pe:2024").await.json();
    let plans = get(&app, "/api/plans?year=2024").await.json();
    let budget: i64 = plans
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["tasks"].as_array().unwrap())
        .map(|t| t["budget_allocated"].as_i64().unwrap())
        .sum();
    assert_eq!(analytics_value(&r, "NS_PHAN_BO_TONG"), budget as f64);
    assert!(analytics_value(&r, "KH_DUYET_TY_LE") > 0.0);
    // 5 of 8 systems connected by June 2024; 5 of 300 villages still in a dead zone.
    assert!((analytics_value(&r, "HTTT_KET_NOI_TY_LE") - 62.5).abs() < 1e-6);
    assert!((analytics_value(&r, "THON_HET_LOM_SONG_SDK_TY_LE") - 29500.0 / 300.0).abs() < 1e-6);

    // Writing a register entry again changes nothing: the figures the demo derived are the
    // ones the server derives, so no value and no audit row is written.
    let before = app.store.last_audit_id().await.unwrap();
    let entry = products.as_array().unwrap()[0].clone();
    let r = post(&app, "/api/register", json!({"entries": [entry]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["unchanged"], 1);
    assert_eq!(app.store.last_audit_id().await.unwrap(), before);
    // The 2024 framework judged on 30 June 2024: 5G overdue, the data store done early,
    // commune product coverage at risk.
    let f = get(&app, "/api/target-frameworks/KH_CDS_2024").await;
    assert_eq!(f.status, StatusCode::OK, "{}", f.text);
    let f = f.json();
    let status = |code: &str| {
        f["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["code"] == code)
            .unwrap_or_else(|| panic!("{code}: {f}"))["assessment"]["status"]
            .clone()
    };
    assert_eq!(status("KH2024_07"), "overdue", "{f}");
    assert_eq!(status("KH2024_08"), "done_early");
    assert_eq!(status("KH2024_02"), "at_risk");
    // The roadmaps: SVG, no script, tasks at risk marked.
    let r = get(&app, "/roadmap.svg?year=2024").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.starts_with("<svg") && !r.text.contains("<script"));
    assert!(r.text.contains("(Quá hạn)") && r.text.contains("(Có nguy cơ chậm)"));
    assert!(r
        .text
        .contains("Sở Thông tin và Truyền thông · Phối hợp doanh nghiệp viễn thông"));
    let en = get(&app, "/roadmap.svg?year=2024&lang=en").await;
    assert!(en.text.contains("(Overdue)") && en.text.contains(">Jan<"));
    let r = get(&app, "/plans/KH2024-58-SO-TTTT/roadmap.svg").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("5G"));
    app.finish().await;
}

#[tokio::test]
async fn a_commune_edits_its_own_plan_and_the_province_approves() {
    let app = spawn_private_app().await;
    let s = app.store.as_ref();
    let entry = |unit: &str| {
        vec![Assignment {
            role: Role::DataEntry,
            unit: Some(Code::parse(unit).unwrap()),
        }]
    };
    make_user(s, "xa.a", entry("22738")).await;
    make_user(s, "xa.b", entry("22741")).await;
    make_user(
        s,
        "tinh.duyet",
        vec![Assignment {
            role: Role::Approver,
            unit: Some(Code::parse("58").unwrap()),
        }],
    )
    .await;
    let a = token_for(s, "xa.a").await;
    let b = token_for(s, "xa.b").await;
    let approver = token_for(s, "tinh.duyet").await;
    let plan = |unit: &str| {
        json!({"plans": [{
            "code": format!("KH2025-{unit}"), "unit": unit, "year": 2025,
            "title": "Kế hoạch CĐS năm 2025", "status": "approved",
            "tasks": [{
                "code": "1", "title": "Đăng ký sản phẩm CĐS", "person": {"name": "Nguyễn Văn A"},
                "lead": unit, "start": "2025-01-15", "due": "2025-05-31",
                "budget_allocated": 40000000, "funding": "local_budget",
                "targets": ["KH2023_23"], "status": "not_started"
            }]
        }]})
    };
    // Without an account a private server shows nothing of it.
    for uri in [
        "/api/plans",
        "/api/directives?filter=overdue",
        "/api/register",
        "/api/plans/KH2024-58-SO-TTTT",
        "/roadmap.svg",
    ] {
        assert_eq!(
            get(&app, uri).await.status,
            StatusCode::UNAUTHORIZED,
            "{uri}"
        );
    }
    // Commune A cannot write commune B's plan.
    let r = call(&app, &a, "POST", "/api/plans", Some(plan("22741"))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // Its own: written as a draft whatever status it claims.
    let r = call(&app, &a, "POST", "/api/plans", Some(plan("22738"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let p = call(&app, &a, "GET", "/api/plans/KH2025-22738", None)
        .await
        .json();
    assert_eq!(p["status"], "draft");
    // B cannot edit, submit or report progress on A's plan.
    let mut hijack = plan("22738");
    hijack["plans"][0]["title"] = json!("Sửa trộm");
    let r = call(&app, &b, "POST", "/api/plans", Some(hijack)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(&app, &b, "POST", "/api/plans/KH2025-22738/submit", None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &app,
        &b,
        "POST",
        "/api/plans/KH2025-22738/progress",
        Some(json!({"task": "1", "progress": 50})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A submits, and cannot approve its own plan.
    let r = call(&app, &a, "POST", "/api/plans/KH2025-22738/submit", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = call(
        &app,
        &a,
        "POST",
        "/api/plans/KH2025-22738/decision",
        Some(json!({"approve": true})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // Comments: the unit and the province may; another commune may not.
    let r = call(
        &app,
        &approver,
        "POST",
        "/api/plans/KH2025-22738/comments",
        Some(json!({"text": "Bổ sung dự toán"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = call(
        &app,
        &b,
        "POST",
        "/api/plans/KH2025-22738/comments",
        Some(json!({"text": "Xin góp ý"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A submitted plan is no longer editable by the unit.
    let r = call(&app, &a, "POST", "/api/plans", Some(plan("22738"))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    // The province approves; the plan coverage of the commune becomes 100 % in analytics.
    let before = get_as(
        &app,
        &approver,
        "/api/analytics?dimension=dx:KH_DUYET_TY_LE;NS_PHAN_BO_TONG&filter=ou:22738&filter=pe:2025",
    )
    .await;
    assert_eq!(analytics_value(&before, "NS_PHAN_BO_TONG"), 40_000_000.0);
    assert_eq!(analytics_value(&before, "KH_DUYET_TY_LE"), 0.0);
    let r = call(
        &app,
        &approver,
        "POST",
        "/api/plans/KH2025-22738/decision",
        Some(json!({"approve": true, "comment": "Đồng ý"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "approved");
    let after = get_as(
        &app,
        &approver,
        "/api/analytics?dimension=dx:KH_DUYET_TY_LE&filter=ou:22738&filter=pe:2025",
    )
    .await;
    assert_eq!(analytics_value(&after, "KH_DUYET_TY_LE"), 100.0);
    // A reports progress on its approved plan; B's task lead rights do not reach it.
    let r = call(&app, &a, "POST", "/api/plans/KH2025-22738/progress", Some(json!({"task": "1", "progress": 100, "status": "done", "on": "2025-05-20", "evidence": "QĐ số 12"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let done = get_as(
        &app,
        &a,
        "/api/analytics?dimension=dx:CV_HOAN_THANH_TY_LE&filter=ou:22738&filter=pe:2025",
    )
    .await;
    assert_eq!(analytics_value(&done, "CV_HOAN_THANH_TY_LE"), 100.0);
    // Every step is in the audit log under its author.
    let audit = s
        .audit(&AuditQuery {
            entity_prefix: Some("plan:KH2025-22738".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let actors: Vec<&str> = audit.iter().map(|e| e.actor.as_str()).collect();
    assert!(
        actors.contains(&"xa.a") && actors.contains(&"tinh.duyet"),
        "{actors:?}"
    );
    app.finish().await;
}

async fn get_as(app: &App, token: &str, uri: &str) -> Value {
    let r = call(app, token, "GET", uri, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

fn xlsx_with(cells: &[(&str, u32, u16, &str)]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    for sheet in ["KeHoach", "NhiemVu"] {
        let ws = wb.add_worksheet();
        ws.set_name(sheet).unwrap();
        for (s, r, c, v) in cells {
            if *s == sheet {
                ws.write_string(*r, *c, *v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn an_xlsx_plan_with_a_wrong_unit_or_date_is_refused_whole() {
    let app = spawn_app(true).await;
    let plan_headers = ["Mã kế hoạch", "Mã đơn vị", "Năm", "Tên kế hoạch"];
    let task_headers = [
        "Mã kế hoạch",
        "Mã nhiệm vụ",
        "Tên nhiệm vụ",
        "Người phụ trách",
        "Đơn vị chủ trì",
        "Ngày bắt đầu",
        "Hạn hoàn thành",
        "Nguồn kinh phí",
        "Trạng thái",
        "Kinh phí phân bổ (đồng)",
    ];
    let build = |unit: &str, due: &str| {
        let mut cells: Vec<(&str, u32, u16, String)> = Vec::new();
        for (i, h) in plan_headers.iter().enumerate() {
            cells.push(("KeHoach", 0, i as u16, h.to_string()));
        }
        for (i, v) in ["KH2025-X1", "22738", "2025", "Kế hoạch nhập từ Excel"]
            .iter()
            .enumerate()
        {
            cells.push(("KeHoach", 1, i as u16, v.to_string()));
        }
        for (i, v) in ["KH2025-X2", unit, "2025", "Kế hoạch thứ hai"]
            .iter()
            .enumerate()
        {
            cells.push(("KeHoach", 2, i as u16, v.to_string()));
        }
        for (i, h) in task_headers.iter().enumerate() {
            cells.push(("NhiemVu", 0, i as u16, h.to_string()));
        }
        let task = |plan: &str, lead: &str, due: &str| {
            vec![
                plan.to_string(),
                "1".into(),
                "Số hóa hồ sơ".into(),
                "Trần Văn B".into(),
                lead.to_string(),
                "15/01/2025".into(),
                due.to_string(),
                "Ngân sách địa phương".into(),
                "Đang thực hiện".into(),
                "25000000".into(),
            ]
        };
        for (i, v) in task("KH2025-X1", "22738", due).into_iter().enumerate() {
            cells.push(("NhiemVu", 1, i as u16, v));
        }
        for (i, v) in task("KH2025-X2", "22738", "30/06/2025")
            .into_iter()
            .enumerate()
        {
            cells.push(("NhiemVu", 2, i as u16, v));
        }
        let refs: Vec<(&str, u32, u16, &str)> = cells
            .iter()
            .map(|(s, r, c, v)| (*s, *r, *c, v.as_str()))
            .collect();
        xlsx_with(&refs)
    };
    let import = |bytes: Vec<u8>| {
        Request::post("/api/plans/import")
            .header(
                "content-type",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            .body(Body::from(bytes))
            .unwrap()
    };
    let count = |app: &App| {
        let store = app.store.clone();
        async move { store.plans(None, Some(2025)).await.unwrap().len() }
    };
    let audit_before = app.store.last_audit_id().await.unwrap();
    // A wrong unit code (row 3, column B of KeHoach) and a date in the wrong format (row 2,
    // column G of NhiemVu): refused, both named, nothing written.
    let r = send(&app, import(build("99999", "2025-13-40"))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let fields: Vec<String> = r.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["KeHoach!B3", "NhiemVu!G2"], "{}", r.text);
    assert!(
        r.text.contains("99999") && r.text.contains("dd/mm/yyyy"),
        "{}",
        r.text
    );
    assert!(r.text.contains("dòng 3, cột B"), "{}", r.text);
    let r = send(&app, import(build("22738", "31.05.2025"))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    // Two plans for the same unit and year: refused by the store, nothing written.
    let r = send(&app, import(build("22738", "31/05/2025"))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(count(&app).await, 0);
    assert_eq!(app.store.last_audit_id().await.unwrap(), audit_before);
    // Correct: both plans written, as drafts; the export reads back the same.
    let r = send(&app, import(build("22741", "31/05/2025"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(count(&app).await, 2);
    let r = get(&app, "/api/plans/KH2025-X1/xlsx").await;
    assert_eq!(r.status, StatusCode::OK);
    let exported = app
        .router
        .clone()
        .oneshot(
            Request::get("/api/plans/KH2025-X1/xlsx")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let bytes = exported.into_body().collect().await.unwrap().to_bytes();
    let back = chiso_io::plans_xlsx::read_plans(&bytes, &|_| true).unwrap();
    assert_eq!(
        back[0].tasks[0].due,
        chrono::NaiveDate::from_ymd_opt(2025, 5, 31).unwrap()
    );
    assert_eq!(back[0].tasks[0].budget_allocated, 25_000_000);
    app.finish().await;
}

#[tokio::test]
async fn plan_directive_and_product_pages_in_both_languages() {
    let app = spawn_app(true).await;
    let r = get(&app, "/plans?year=2024").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.text
            .contains("Kế hoạch chuyển đổi số năm 2024 của Sở Y tế"),
        "{}",
        r.text
    );
    assert!(r.text.contains("Đã phê duyệt") && r.text.contains("Chờ phê duyệt"));
    assert!(r.text.contains("/roadmap.svg?year=2024"));
    let r = get(&app, "/plans/KH2024-58-SO-TTTT").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("Lê Văn Hùng") && r.text.contains("Viettel Ninh Thuận"));
    assert!(
        r.text.contains("Quá hạn"),
        "the 5G task is overdue on 30/06/2024"
    );
    let r = get(&app, "/plans/KH2024-58-SO-TTTT?lang=en").await;
    assert!(r.text.contains("Overdue") && r.text.contains("Responsible person"));
    let r = get(&app, "/directives?filter=overdue").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("5G") && !r.text.contains("Ký kết hợp tác"));
    let r = get(&app, "/products?year=2024").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.text.contains("62 đơn vị đã có ít nhất một sản phẩm CĐS"),
        "{}",
        r.text
    );
    assert!(r.text.contains("Hồ sơ sức khỏe điện tử") && r.text.contains("Nền tảng"));
    app.finish().await;
}

#[tokio::test]
async fn a_fresh_database_gets_the_derived_figures_and_products_from_xlsx() {
    let app = spawn_app(false).await;
    let units = json!({"units": [
        {"code": "58", "name_vi": "Tỉnh Ninh Thuận", "kind": "province"},
        {"code": "58-SO-TTTT", "name_vi": "Sở Thông tin và Truyền thông", "kind": "agency", "parent": "58"},
        {"code": "22738", "name_vi": "Phường Đô Vinh", "kind": "commune", "parent": "58"},
        {"code": "22741", "name_vi": "Phường Phước Mỹ", "kind": "commune", "parent": "58"}
    ]});
    assert_eq!(post(&app, "/api/units", units).await.status, StatusCode::OK);
    let product = |code: &str, owner: &str, registered: &str| chiso_core::plan::Product {
        code: Code::parse(code).unwrap(),
        name: format!("Sản phẩm {code}"),
        owner: Code::parse(owner).unwrap(),
        sector: "Chính quyền số".into(),
        product_type: chiso_core::plan::ProductType::Service,
        status: chiso_core::plan::ProductStatus::Registered,
        registered_on: chrono::NaiveDate::parse_from_str(registered, "%Y-%m-%d").unwrap(),
        in_use_on: None,
        link: None,
        evidence: None,
        note: None,
    };
    let upload = |bytes: Vec<u8>| {
        Request::post("/api/register/import")
            .header("content-type", "application/octet-stream")
            .body(Body::from(bytes))
            .unwrap()
    };
    // An unknown owner in row 3: refused whole, nothing registered, no figures defined.
    let bad = chiso_io::plans_xlsx::write_products(&[
        product("SP-1", "22738", "2024-03-01"),
        product("SP-2", "99999", "2024-03-01"),
    ])
    .unwrap();
    let r = send(&app, upload(bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "SanPham!C3");
    assert!(app.store.register(None).await.unwrap().is_empty());
    assert!(app
        .store
        .element(&Code::parse("SP_CDS_CO").unwrap())
        .await
        .unwrap()
        .is_none());
    // Correct: the derived elements and indicators are defined, the coverage follows.
    let good =
        chiso_io::plans_xlsx::write_products(&[product("SP-1", "22738", "2024-03-01")]).unwrap();
    let r = send(&app, upload(good)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let cov = get(&app, "/api/product-coverage?unit=58&year=2024")
        .await
        .json();
    assert_eq!(
        (cov["units"].as_u64(), cov["with_product"].as_u64()),
        (Some(3), Some(1)),
        "{cov}"
    );
    let without: Vec<&str> = cov["without"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap())
        .collect();
    assert_eq!(without, ["22741", "58-SO-TTTT"]);
    let g = get(
        &app,
        "/api/analytics?dimension=dx:SP_CDS_PHU_TY_LE&filter=ou:58&filter=pe:2024",
    )
    .await
    .json();
    assert!((analytics_value(&g, "SP_CDS_PHU_TY_LE") - 100.0 / 3.0).abs() < 1e-9);
    // Moving the product to the other ward moves the figure; no stale value stays behind.
    let moved = json!({"entries": [{"kind": "product", "code": "SP-1", "name": "Sản phẩm SP-1", "owner": "22741",
        "sector": "Chính quyền số", "type": "service", "status": "registered", "registered_on": "2024-03-01",
        "in_use_on": null, "link": null, "evidence": null}]});
    let r = post(&app, "/api/register", moved).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let cov = get(&app, "/api/product-coverage?unit=58&year=2024")
        .await
        .json();
    let without: Vec<&str> = cov["without"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap())
        .collect();
    assert_eq!(without, ["22738", "58-SO-TTTT"]);
    let audit = app
        .store
        .audit(&AuditQuery {
            entity_prefix: Some("register:product/SP-1".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 2);
    // Removing it: nobody has a product any more; the deletion is audited with what it was.
    let r = send(
        &app,
        Request::delete("/api/register?kind=product&code=SP-1")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["deleted"], 1);
    let cov = get(&app, "/api/product-coverage?unit=58&year=2024")
        .await
        .json();
    assert_eq!(cov["with_product"], 0);
    let last = app
        .store
        .audit(&AuditQuery {
            entity_prefix: Some("register:product/SP-1".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(last
        .iter()
        .any(|e| e.action == "register.delete" && e.old_value.is_some()));
    app.finish().await;
}

#[tokio::test]
async fn the_demo_follow_up_on_postgres_pg() {
    let app = spawn_app_pg().await;
    let overdue = get(&app, "/api/directives?filter=overdue").await.json();
    assert!(overdue
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["text"].as_str().unwrap().contains("5G")));
    let cov = get(&app, "/api/product-coverage?group=58_CAP_XA&year=2024")
        .await
        .json();
    assert_eq!(cov["without"].as_array().unwrap().len(), 17, "{cov}");
    let g = get(&app, "/api/analytics?dimension=dx:KH_DUYET_TY_LE;NS_PHAN_BO_TONG&filter=ou:GROUP-58_CAP_XA&filter=pe:2024").await.json();
    assert_eq!(analytics_value(&g, "NS_PHAN_BO_TONG"), 300_000_000.0);
    // A progress report recomputes the figures on PostgreSQL too.
    let r = post(
        &app,
        "/api/plans/KH2024-58-SO-NV/progress",
        json!({"task": "1", "progress": 100, "status": "done", "on": "2024-06-28"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let g = get(
        &app,
        "/api/analytics?dimension=dx:CV_HOAN_THANH_TY_LE&filter=ou:58-SO-NV&filter=pe:2024",
    )
    .await
    .json();
    assert_eq!(analytics_value(&g, "CV_HOAN_THANH_TY_LE"), 50.0);
    app.finish().await;
}
