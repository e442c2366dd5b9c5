use super::*;

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
                // 2021: the approved reports of 2022 and 2023 are locked.
                json!({"data_values": [{"element": "VB_DEN", "unit": "22783", "period": "2021"}]})
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

/// Where anyone may read (the demo), a wrong credential is still refused: a client learns that
/// its token is bad instead of being answered as anonymous.
#[tokio::test]
async fn a_wrong_api_token_is_refused_even_where_anyone_may_read() {
    let app = spawn_app(true).await;
    assert_eq!(get(&app, "/api/units?level=1").await.status, StatusCode::OK);
    for auth in [
        "ApiToken not-a-token".to_string(),
        "Basic dXNlcjpwYXNz".to_string(),
        "ApiToken".to_string(),
    ] {
        let r = send_raw(
            &app,
            Request::get("/api/units?level=1")
                .header("authorization", &auth)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{auth}: {}", r.text);
        assert!(r.text.contains("API token"), "{}", r.text);
    }
    // A revoked token too.
    app.store
        .revoke_token("t-quan.tri", &Actor::new("test", Via::Cli))
        .await
        .unwrap();
    let r = as_user(&app, "GET", "/api/units?level=1", &app.token, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    app.finish().await;
}

/// An API token checked a moment ago is taken from memory for at most a second: revoked by
/// another process (here the store directly, as `chiso token revoke` would), it is refused a
/// second later, even by a server whose follower has not run.
#[tokio::test]
async fn a_token_revoked_elsewhere_is_refused_within_a_second() {
    let app = spawn_app(true).await;
    let r = as_user(&app, "GET", "/api/units?level=1", &app.token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.store
        .revoke_token("t-quan.tri", &Actor::new("test", Via::Cli))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = as_user(&app, "GET", "/api/units?level=1", &app.token, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    app.finish().await;
}
