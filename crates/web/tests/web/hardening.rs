//! What outside probes broke, each with the test that failed before its fix.

use super::*;
use axum::extract::ConnectInfo;

/// One request to a server, as a client at `address` sends it.
pub(super) async fn from(router: &Router, address: &str, mut req: Request<Body>) -> Resp {
    let peer: std::net::SocketAddr = format!("{address}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(peer));
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    Resp {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// The login form as a browser at `address` posts it to `router`.
pub(super) async fn login_from(
    router: &Router,
    address: &str,
    username: &str,
    password: &str,
) -> Resp {
    let form = from(
        router,
        address,
        Request::get("/login").body(Body::empty()).unwrap(),
    )
    .await;
    let cookie = set_cookie(&form, "chiso_login_csrf").unwrap();
    let csrf = hidden(&form.text, "csrf").remove(0);
    let body = format!(
        "username={username}&password={}&csrf={}&next=%2F",
        urlencode(password),
        urlencode(&csrf)
    );
    from(
        router,
        address,
        Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", cookie)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

async fn second_server(store: Arc<dyn Store>) -> Router {
    chiso_web::app(
        chiso_web::AppState::load(store, chiso_web::auth::AuthConfig::default())
            .await
            .unwrap(),
    )
}

async fn lock_out_is_per_address_and_shared_by_every_server(app: App) {
    let password = "mat-khau-rat-dai-cua-quan-tri";
    make_user(
        app.store.as_ref(),
        "quan.tri.hai",
        vec![Assignment {
            role: Role::SystemAdmin,
            unit: None,
        }],
    )
    .await;
    app.store
        .set_password(
            "quan.tri.hai",
            &chiso_core::account::hash_password(password).unwrap(),
            false,
            &Actor::new("test", Via::Cli),
        )
        .await
        .unwrap();
    let attacker = "203.0.113.9";
    let rightful = "198.51.100.7";
    // Someone fails on purpose from one address, past the free tries (attempts while locked
    // are refused unchecked and not counted)…
    for _ in 0..7 {
        let r = login_from(&app.router, attacker, "quan.tri.hai", "doan-mo-mat-khau").await;
        assert!(
            r.status == StatusCode::UNAUTHORIZED || r.status == StatusCode::TOO_MANY_REQUESTS,
            "{}",
            r.status
        );
    }
    // …and twice more from a second address.
    let accomplice = "192.0.2.44";
    for _ in 0..2 {
        let r = login_from(&app.router, accomplice, "quan.tri.hai", "doan-mo-mat-khau").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    }
    // …and is locked there, even with the right password, on this server and on another
    // server of the same database (a restart forgets nothing either).
    let r = login_from(&app.router, attacker, "quan.tri.hai", password).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    let other = second_server(app.store.clone()).await;
    let r = login_from(&other, attacker, "quan.tri.hai", password).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    // The rightful user, from another address, is slowed (seven failures elsewhere, two past
    // the free tries: two seconds) but let in.
    let t = std::time::Instant::now();
    let r = login_from(&other, rightful, "quan.tri.hai", password).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(set_cookie(&r, "chiso_session").is_some(), "no session");
    assert!(
        t.elapsed() >= std::time::Duration::from_secs(2),
        "failures from elsewhere did not slow the login: {:?}",
        t.elapsed()
    );
    // The table is keyed by name and address.
    let rows = app
        .store
        .login_failures(
            "quan.tri.hai",
            chrono::Utc::now() - chrono::Duration::hours(1),
        )
        .await
        .unwrap();
    let mut seen: Vec<(&str, u32)> = rows
        .iter()
        .map(|r| (r.address.as_str(), r.failures))
        .collect();
    seen.sort();
    assert_eq!(seen, [(accomplice, 2), (attacker, 5)], "{rows:?}");
    app.finish().await;
}

#[tokio::test]
async fn lock_out_is_per_address_and_shared_by_every_server_sqlite() {
    lock_out_is_per_address_and_shared_by_every_server(spawn_app(false).await).await;
}

#[tokio::test]
async fn lock_out_is_per_address_and_shared_by_every_server_pg() {
    lock_out_is_per_address_and_shared_by_every_server(spawn_app_pg().await).await;
}

#[tokio::test]
async fn nothing_a_server_answers_is_kept_by_a_browser_or_proxy_but_the_style_sheet() {
    let app = spawn_app(true).await;
    for path in [
        "/",
        "/login",
        "/units/58",
        "/api/health",
        "/api/units?level=1",
        "/api/analytics?dimension=dx:VB_DEN&dimension=ou:58&filter=pe:2023",
        "/khong-co-trang-nay",
    ] {
        let r = get(&app, path).await;
        assert_eq!(
            r.headers.get("cache-control").map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{path}"
        );
    }
    let css = get(&app, "/static/chiso.css").await;
    assert_eq!(css.headers["cache-control"], "public, max-age=3600");
    app.finish().await;
}

#[tokio::test]
async fn a_new_password_is_never_the_one_time_password_again() {
    let app = spawn_app(false).await;
    let one_time = make_user(
        app.store.as_ref(),
        "moi.den",
        vec![Assignment {
            role: Role::Viewer,
            unit: None,
        }],
    )
    .await;
    let hash = chiso_core::account::hash_password(&one_time).unwrap();
    app.store
        .set_password("moi.den", &hash, true, &Actor::new("test", Via::Cli))
        .await
        .unwrap();
    // Decided: a token keeps working while its account must change its one-time password.
    let token = token_for(app.store.as_ref(), "moi.den").await;
    let r = as_user(&app, "GET", "/api/units?level=1", &token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = login(&app, "moi.den", &one_time).await;
    let cookie = set_cookie(&r, "chiso_session").unwrap();
    let form = send_raw(
        &app,
        Request::get("/account/password")
            .header("cookie", &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let csrf = hidden(&form.text, "csrf").remove(0);
    let change = |new: &str| {
        Request::post("/account/password")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &cookie)
            .body(Body::from(format!(
                "csrf={}&current={}&new={}&repeat={}",
                urlencode(&csrf),
                urlencode(&one_time),
                urlencode(new),
                urlencode(new)
            )))
            .unwrap()
    };
    let same = send_raw(&app, change(&one_time)).await;
    assert_eq!(
        same.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        same.text
    );
    assert!(
        same.text.contains("phải khác mật khẩu hiện tại"),
        "{}",
        same.text
    );
    let user = app.store.user("moi.den").await.unwrap().unwrap();
    assert!(
        user.must_change_password,
        "the one-time password was kept as the new one"
    );
    let ok = send_raw(&app, change("Ninh-Son-lua-nep-2024")).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    app.finish().await;
}

#[tokio::test]
async fn a_tokens_use_is_recorded_once_a_minute_and_off_the_request() {
    let app = spawn_app(false).await;
    let used = |app: &App| {
        let store = app.store.clone();
        async move {
            store
                .tokens()
                .await
                .unwrap()
                .into_iter()
                .find(|t| t.username == "quan.tri")
                .and_then(|t| t.last_used_at)
        }
    };
    assert_eq!(used(&app).await, None);
    let r = as_user(&app, "GET", "/api/units?level=1", &app.token, None).await;
    assert_eq!(r.status, StatusCode::OK);
    // Recorded in the background: wait for it, a little.
    let mut first = None;
    for _ in 0..50 {
        first = used(&app).await;
        if first.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let first = first.expect("the token's use was never recorded");
    for _ in 0..5 {
        let r = as_user(&app, "GET", "/api/units?level=1", &app.token, None).await;
        assert_eq!(r.status, StatusCode::OK);
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        used(&app).await,
        Some(first),
        "written again within the minute"
    );
    app.finish().await;
}

#[tokio::test]
async fn approving_anonymously_is_asked_to_log_in() {
    let app = spawn_app(true).await;
    let path = "/api/forms/BM_CDS_XA/22783/2023/approval";
    for (method, body) in [("POST", None), ("DELETE", Some(json!({"reason": "thử"})))] {
        let mut req = Request::builder().method(method).uri(path);
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let r = send_raw(
            &app,
            req.body(Body::from(body.map(|b| b.to_string()).unwrap_or_default()))
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method}: {}", r.text);
    }
    app.finish().await;
}

/// A small PDF, as a browser uploads it.
fn pdf_upload(file_name: &str) -> (String, Vec<u8>) {
    multipart(
        &[("summary", "Công văn")],
        Some((
            file_name,
            b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        )),
    )
}

#[tokio::test]
async fn evidence_needs_a_unit_that_reports_in_that_period() {
    let app = spawn_app(true).await;
    let upload = |path: &'static str| {
        let (content_type, body) = pdf_upload("cong-van.pdf");
        Request::post(path)
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap()
    };
    // An unknown unit: not found, not a server error.
    let r = send(&app, upload("/api/forms/BM_CDS_XA/99999/2023/evidence")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    // A 2025 commune in 1900: it did not report then.
    let r = send(
        &app,
        upload("/api/forms/BM_CDS_XA/2025-22738/1900/evidence"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("không báo cáo"), "{}", r.text);
    let kept = app
        .store
        .evidence(
            &Code::parse("BM_CDS_XA").unwrap(),
            &Code::parse("2025-22738").unwrap(),
            &chiso_core::Period::Year(1900),
        )
        .await
        .unwrap();
    assert!(kept.is_empty(), "{kept:?}");
    app.finish().await;
}

#[tokio::test]
async fn evidence_names_lose_direction_marks() {
    let app = spawn_app(true).await;
    // U+202E shows "cong-van\u{202E}fdp.exe" as "cong-vanexe.pdf".
    let (content_type, body) = pdf_upload("cong-van\u{202E}fdp.exe.pdf");
    let r = send(
        &app,
        Request::post("/api/forms/BM_CDS_XA/2025-22738/2026/evidence")
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let e = r.json();
    assert_eq!(e["file_name"], "cong-vanfdp.exe.pdf", "{e}");
    let got = get(
        &app,
        &format!("/api/evidence/{}", e["id"].as_str().unwrap()),
    )
    .await;
    let disposition = got.headers["content-disposition"].to_str().unwrap();
    assert!(!disposition.contains("%E2%80%AE"), "{disposition}");
    app.finish().await;
}

#[tokio::test]
async fn a_framework_administrator_of_one_commune_cannot_redefine_what_the_province_uses() {
    let app = spawn_app(true).await;
    let commune = user_token(&app, "khung.xa", Role::FrameworkAdmin, "22738").await;
    let province_wide = user_token(&app, "khung.tinh", Role::FrameworkAdmin, "58").await;
    let everywhere = {
        make_user(
            app.store.as_ref(),
            "khung.chung",
            vec![Assignment {
                role: Role::FrameworkAdmin,
                unit: None,
            }],
        )
        .await;
        token_for(app.store.as_ref(), "khung.chung").await
    };
    // The province's signature rate, redefined.
    let redefined = json!({"indicators": [{"code": "CKS_TY_LE", "name_vi": "Tỷ lệ chữ ký số (sửa)",
        "numerator": "#{CB_KY_SO}", "denominator": "1", "factor": 100, "decimals": 2,
        "direction": "higher_is_better", "is_rate": true}]});
    let constant = json!({"constants": [{"code": "K_MOI", "name_vi": "Hằng số", "value": 1}]});
    for token in [&commune, &province_wide] {
        let r = as_user(
            &app,
            "POST",
            "/api/indicators",
            token,
            Some(redefined.clone()),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        let r = as_user(
            &app,
            "POST",
            "/api/constants",
            token,
            Some(constant.clone()),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        // Reading them stays open.
        let r = as_user(&app, "GET", "/api/indicators", token, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let kept = get(&app, "/api/indicators").await.json();
    assert!(
        !kept.to_string().contains("(sửa)"),
        "the indicator was changed"
    );
    // A framework administrator over every unit may.
    let r = as_user(
        &app,
        "POST",
        "/api/indicators",
        &everywhere,
        Some(redefined),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.finish().await;
}

#[tokio::test]
async fn an_export_never_hands_a_spreadsheet_a_formula() {
    let app = spawn_app(true).await;
    let link = "=HYPERLINK(\"http://lua-dao.example\",\"Bấm vào đây\")";
    let r = post(
        &app,
        "/api/data-values",
        json!({"data_values": [{"element": "VB_DEN", "unit": "2025-22738", "period": "2026",
            "value": 12, "comment": link}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for path in [
        "/api/exports/data-values.csv?orgUnit=2025-22738",
        "/api/dataValueSets.csv?dataSet=BM_CDS_XA&period=2026&orgUnit=2025-22738",
    ] {
        let r = as_user(&app, "GET", path, &app.token, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        assert!(r.text.contains("'=HYPERLINK"), "{path}: {}", r.text);
        assert!(
            !r.text.contains(",=HYPERLINK") && !r.text.contains(",\"=HYPERLINK"),
            "{path}: {}",
            r.text
        );
    }
    // Imported again, the comment is what was written.
    let csv = as_user(
        &app,
        "GET",
        "/api/exports/data-values.csv?orgUnit=2025-22738",
        &app.token,
        None,
    )
    .await
    .text;
    let rows = chiso_io::csv_values::read_csv("lai.csv", csv.as_bytes()).unwrap();
    let row = rows
        .iter()
        .find(|r| r.element == "VB_DEN" && r.period == "2026")
        .unwrap();
    assert_eq!(row.comment.as_deref(), Some(link));
    app.finish().await;
}

/// The first object a list route answers, as a write would send it back.
async fn first(app: &App, path: &str) -> Value {
    let j = as_user(app, "GET", path, &app.token, None).await.json();
    j.as_array()
        .and_then(|a| a.first())
        .cloned()
        .unwrap_or_else(|| panic!("{path}: nothing listed: {j}"))
}

/// One limit per kind of request, the one the README states, on every route of the kind.
#[tokio::test]
async fn every_limit_is_the_one_the_readme_states() {
    let app = spawn_app(true).await;
    let readme = include_str!("../../../../README.md");
    for line in [
        "| chiso's own JSON writes | 4 MiB | 10,000 items |",
        "| file imports | 20 MiB | 2,000,000 rows |",
        "| evidence files | 10 MiB a file | one file |",
        "| the login form | 16 KiB | |",
    ] {
        assert!(readme.contains(line), "the README no longer says: {line}");
    }
    assert_eq!(chiso_web::MAX_BODY, 4 * 1024 * 1024);
    assert_eq!(chiso_web::params::MAX_ITEMS, 10_000);
    assert_eq!(chiso_web::params::MAX_UPLOAD, 20 * 1024 * 1024);
    assert_eq!(chiso_io::values::MAX_ROWS, 2_000_000);
    assert_eq!(chiso_core::dataset::MAX_EVIDENCE_BYTES, 10 * 1024 * 1024);

    // JSON writes: 10,001 items are refused on every kind, naming it.
    let many = |item: Value| Value::Array(vec![item; 10_001]);
    for (path, field, item) in [
        (
            "/api/data-values",
            "data_values",
            json!({"element": "X", "unit": "58", "period": "2023", "value": 1}),
        ),
        (
            "/api/units",
            "units",
            json!({"code": "X", "name_vi": "X", "kind": "agency"}),
        ),
        ("/api/indicators", "indicators", json!({"code": "X"})),
        (
            "/api/directives",
            "directives",
            first(&app, "/api/directives").await,
        ),
        (
            "/api/data-sets",
            "data_sets",
            first(&app, "/api/data-sets").await,
        ),
        (
            "/api/validation-rules",
            "validation_rules",
            first(&app, "/api/validation-rules").await,
        ),
    ] {
        let r = post(&app, path, json!({ field: many(item) })).await;
        // Refused by the count, or — for items that large — by the body's size first.
        let by_count =
            r.status == StatusCode::UNPROCESSABLE_ENTITY && r.text.contains("at most 10000 ");
        let by_size = r.status == StatusCode::PAYLOAD_TOO_LARGE;
        assert!(
            by_count || by_size,
            "{path}: {} {}",
            r.status,
            &r.text[..r.text.len().min(300)]
        );
    }
    // A JSON body over 4 MiB: 413.
    let big = format!(
        "{{\"data_values\": [], \"pad\": \"{}\"}}",
        "x".repeat(4 * 1024 * 1024 + 1)
    );
    let r = send(
        &app,
        Request::post("/api/data-values")
            .header("content-type", "application/json")
            .body(Body::from(big))
            .unwrap(),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        &r.text[..r.text.len().min(300)]
    );
    // DHIS2's data value sets are a file import: 5 MiB is taken, over 20 MiB is 413.
    for (size, status) in [
        (5 * 1024 * 1024, None),
        (20 * 1024 * 1024 + 1, Some(StatusCode::PAYLOAD_TOO_LARGE)),
    ] {
        let body = format!(
            "{{\"dataValues\": [], \"comment\": \"{}\"}}",
            "x".repeat(size)
        );
        let r = send(
            &app,
            Request::post("/api/dataValueSets?dryRun=true")
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
        match status {
            Some(s) => assert_eq!(r.status, s, "{size}"),
            None => assert_ne!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{size}"),
        }
    }
    // The login form over 16 KiB: 413, before anything is looked up.
    let r = send_raw(
        &app,
        Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "username=a&password={}",
                "x".repeat(17 * 1024)
            )))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    app.finish().await;
}

/// An approved report's values sent again unchanged — whoever sends them — are "ignored":
/// not updated, not refused for the lock, nothing audited; one changed value is refused.
#[tokio::test]
async fn an_unchanged_reimport_into_an_approved_report_is_ignored() {
    let app = spawn_app(true).await;
    let export = "/api/dataValueSets?dataSet=BM_CDS_XA&period=2023&orgUnit=22783";
    let mut set = as_user(&app, "GET", export, &app.token, None).await.json();
    let n = set["dataValues"].as_array().map_or(0, |a| a.len());
    assert!(n >= 10, "{set}");
    for v in set["dataValues"].as_array_mut().unwrap() {
        v["storedBy"] = json!("he.thong.khac");
    }
    let audit_before = app.store.counts().await.unwrap().audit_log;
    let r = send(
        &app,
        Request::post("/api/dataValueSets")
            .header("content-type", "application/json")
            .body(Body::from(set.to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let summary = r.json();
    let count = &summary["response"]["importCount"];
    assert_eq!(
        (
            count["ignored"].as_u64(),
            count["imported"].as_u64(),
            count["updated"].as_u64()
        ),
        (Some(n as u64), Some(0), Some(0)),
        "{summary}"
    );
    assert_eq!(app.store.counts().await.unwrap().audit_log, audit_before);
    // One value changed: the lock refuses it (E7642), nothing written.
    set["dataValues"][0]["value"] = json!("999999");
    let r = send(
        &app,
        Request::post("/api/dataValueSets")
            .header("content-type", "application/json")
            .body(Body::from(set.to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.text.contains("E7642"), "{}", r.text);
    assert_eq!(app.store.counts().await.unwrap().audit_log, audit_before);
    app.finish().await;
}

#[tokio::test]
async fn unknown_fields_on_chisos_own_write_routes_are_refused_and_named() {
    let app = spawn_app(true).await;
    let before = app.store.counts().await.unwrap();
    for (path, body, name) in [
        (
            "/api/data-values",
            json!({"data_values": [{"element": "VB_DEN", "unit": "2025-22738", "period": "2026", "valeu": 5}]}),
            "valeu",
        ),
        (
            "/api/data-values",
            json!({"data_values": [], "dryrun": true}),
            "dryrun",
        ),
        (
            "/api/units",
            json!({"units": [{"code": "58-SO-MOI", "name_vi": "Sở mới", "kind": "agency", "parent": "58", "naem_en": "New"}]}),
            "naem_en",
        ),
        (
            "/api/constants",
            json!({"constants": [{"code": "K_MOI", "name_vi": "K", "value": 1, "unit": "%"}]}),
            "unit",
        ),
    ] {
        let r = post(&app, path, body).await;
        assert!(
            r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {} {}",
            r.status,
            r.text
        );
        assert!(r.text.contains(name), "{path}: {}", r.text);
    }
    assert_eq!(
        app.store.counts().await.unwrap(),
        before,
        "something was written"
    );
    // DHIS2's paths ignore what they do not model, as DHIS2 does.
    let r = post(
        &app,
        "/api/dataValueSets?dryRun=true",
        json!({"dataValues": [{"dataElement": "VB_DEN", "period": "2026", "orgUnit": "2025-22738", "value": "5", "followup": false, "created": "2026-01-01"}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.finish().await;
}

/// A zip named `.docx` or `.xlsx` is an office document only when its container says so.
#[tokio::test]
async fn archives_pass_as_documents_only_when_they_are_documents() {
    use std::io::Write;
    let app = spawn_app(true).await;
    let upload = |name: &str, bytes: Vec<u8>| {
        let (content_type, body) = multipart(&[("summary", "Tài liệu")], Some((name, &bytes)));
        Request::post("/api/forms/BM_CDS_XA/2025-22738/2026/evidence")
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap()
    };
    // Any zip starts with PK: one holding a program is not a Word document.
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    w.start_file("chay-toi.exe", zip::write::SimpleFileOptions::default())
        .unwrap();
    w.write_all(b"MZ\x90\x00").unwrap();
    let fake = w.finish().unwrap().into_inner();
    let r = send(&app, upload("bao-cao.docx", fake)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("Office"), "{}", r.text);
    // A real workbook is taken.
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet().write_string(0, 0, "Số liệu").unwrap();
    let real = wb.save_to_buffer().unwrap();
    let r = send(&app, upload("so-lieu.xlsx", real)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.finish().await;
}
