use super::*;

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

fn openapi_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

#[test]
fn committed_openapi_document_is_current() {
    let generated = serde_json::to_string_pretty(&chiso_web::openapi::document()).unwrap() + "\n";
    if std::env::var("CHISO_UPDATE_OPENAPI").is_ok() {
        std::fs::write(openapi_path(), &generated).unwrap();
    }
    let committed = std::fs::read_to_string(openapi_path()).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json is out of date; regenerate it with CHISO_UPDATE_OPENAPI=1 cargo test -p chiso-web --test web committed_openapi"
    );
}

/// The router and the document are made from the same route list (`api::routes`): every path
/// and method of the document is served, and the server serves the same document.
#[tokio::test]
async fn every_api_route_is_documented_and_served() {
    let doc = serde_json::to_value(chiso_web::openapi::document()).unwrap();
    let app = spawn_app(false).await;
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 55, "{} paths", paths.len());
    for expected in ["/api/analytics.json", "/api/dataValueSets", "/api/health"] {
        assert!(paths.contains_key(expected), "{expected} is missing");
    }
    for (path, methods) in paths {
        for method in methods.as_object().unwrap().keys() {
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
    }
    // Every DHIS2 path is also answered under a version DHIS2 clients send (`/api/40/…`).
    for path in paths.keys() {
        if !path.starts_with("/api/")
            || path.contains('{')
            || !(path.starts_with("/api/analytics")
                || path.starts_with("/api/dataValue")
                || path.starts_with("/api/system")
                || path.starts_with("/api/me"))
        {
            continue;
        }
        let versioned = path.replacen("/api/", "/api/40/", 1);
        let r = get(&app, &versioned).await;
        assert!(
            r.status != StatusCode::NOT_FOUND && r.status != StatusCode::METHOD_NOT_ALLOWED,
            "{versioned}: {} {}",
            r.status,
            r.text
        );
    }
    let served = get(&app, "/api/openapi.json").await.json();
    assert_eq!(served, doc);
    app.finish().await;
}

#[tokio::test]
async fn a_change_the_follower_cannot_apply_makes_health_degraded() {
    let (app, state) = private_app_and_state().await;
    let r = get(&app, "/api/health").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "ok");
    // Another process on the same database committed a value change whose row this server
    // cannot read back, then a good one.
    let other = Actor::new("may.chu.khac", Via::Cli);
    app.store
        .log_event(
            "data_value.insert",
            "data_value:VB_DEN/22738/202401/",
            Some("{not json"),
            &other,
        )
        .await
        .unwrap();
    app.store
        .write_values(
            &[chiso_core::DataValueInput {
                element: Code::parse("VB_DEN").unwrap(),
                unit: Code::parse("22738").unwrap(),
                period: chiso_core::Period::parse("202402").unwrap(),
                breakdown: None,
                value: "777".into(),
                comment: None,
                source: chiso_core::SourceTag::Entered,
            }],
            &other,
        )
        .await
        .unwrap();
    // The follower stops at the bad row, loudly: never skipped, nothing past it applied.
    assert!(state.app.sync().await.is_err());
    assert!(state.app.sync().await.is_err(), "it stays stopped");
    let r = get(&app, "/api/health").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.text);
    let h = r.json();
    assert_eq!(h["status"], "degraded");
    assert!(
        h["error"].as_str().unwrap().contains("cannot be read"),
        "{h}"
    );
    let figure = state
        .app
        .read()
        .await
        .element(
            &Code::parse("VB_DEN").unwrap(),
            None,
            &chiso_engine::Scope::Unit(Code::parse("22738").unwrap()),
            &chiso_core::Period::parse("202402").unwrap(),
            None,
        )
        .unwrap();
    assert_ne!(figure, Some(777.0), "nothing past the bad row is applied");
    app.finish().await;
}

/// An export larger than any page is complete: 100,001 values come out, none cut off; the JSON
/// list pages with `next_offset` instead of stopping silently at its limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_past_a_page_is_complete_and_a_long_list_says_where_it_goes_on() {
    let app = spawn_app(false).await;
    let s = app.store.as_ref();
    let actor = Actor::new("test", Via::Cli);
    let code = |c: &str| Code::parse(c).unwrap();
    s.upsert_units(
        &[chiso_core::Unit {
            code: code("XA_THU"),
            gso_code: None,
            name_vi: "Xã thử".into(),
            name_en: None,
            kind: chiso_core::UnitKind::Commune,
            parent: None,
            valid_from: None,
            valid_to: None,
            lat: None,
            lon: None,
        }],
        &actor,
    )
    .await
    .unwrap();
    s.upsert_elements(
        &[chiso_core::DataElement {
            code: code("SO_LIEU"),
            name_vi: "Số liệu".into(),
            name_en: None,
            value_type: chiso_core::ValueType::Integer,
            aggregation: chiso_core::AggregationType::Sum,
            unit_of_measure: None,
            breakdown: None,
            description: None,
        }],
        &actor,
    )
    .await
    .unwrap();
    let first = chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
    let values: Vec<chiso_core::DataValueInput> = (0..100_001)
        .map(|i| chiso_core::DataValueInput {
            element: code("SO_LIEU"),
            unit: code("XA_THU"),
            period: chiso_core::Period::day(first + chrono::Duration::days(i)).unwrap(),
            breakdown: None,
            value: (i % 1000).to_string(),
            comment: None,
            source: chiso_core::SourceTag::Entered,
        })
        .collect();
    assert_eq!(
        s.write_values(&values, &actor).await.unwrap().inserted,
        100_001
    );

    let r = as_user(
        &app,
        "GET",
        "/api/exports/data-values.csv?orgUnit=XA_THU",
        &app.token,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let lines: Vec<&str> = r.text.lines().collect();
    assert_eq!(lines.len(), 100_002, "the header and every value");
    assert!(lines[0].starts_with("element,period,unit"), "{}", lines[0]);
    let last_day = (first + chrono::Duration::days(100_000))
        .format("%Y%m%d")
        .to_string();
    assert!(
        lines[100_001].starts_with(&format!("SO_LIEU,{last_day},XA_THU")),
        "{}",
        lines[100_001]
    );

    let page = as_user(
        &app,
        "GET",
        "/api/data-values?element=SO_LIEU&unit=XA_THU",
        &app.token,
        None,
    )
    .await
    .json();
    assert_eq!(page["data_values"].as_array().unwrap().len(), 100_000);
    assert_eq!(page["next_offset"], 100_000);
    let rest = as_user(
        &app,
        "GET",
        "/api/data-values?element=SO_LIEU&unit=XA_THU&offset=100000",
        &app.token,
        None,
    )
    .await
    .json();
    assert_eq!(rest["data_values"].as_array().unwrap().len(), 1);
    assert!(rest.get("next_offset").is_none(), "the last page says so");
    app.finish().await;
}

/// Every answer speaks one language: chiso's API Vietnamese by default, English when asked
/// (`Accept-Language: en` or `?lang=en`); DHIS2's paths English by default.
#[tokio::test]
async fn errors_come_in_one_language_per_request() {
    let app = spawn_app(true).await;
    let locked = json!({"data_values": [{"element": "VB_DEN", "unit": "22783", "period": "202307", "value": 5}]});
    let ask = |uri: &'static str, lang: Option<&'static str>| {
        let body = locked.clone();
        let app = &app;
        async move {
            let mut b = Request::post(uri)
                .header("content-type", "application/json")
                .header("authorization", format!("ApiToken {}", app.token));
            if let Some(l) = lang {
                b = b.header("accept-language", l);
            }
            send_raw(app, b.body(Body::from(body.to_string())).unwrap()).await
        }
    };
    let vi = ask("/api/data-values", None).await;
    assert_eq!(vi.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", vi.text);
    assert!(
        vi.text.contains("phê duyệt") && !vi.text.contains("un-approve"),
        "{}",
        vi.text
    );
    assert!(vi.text.contains("không có gì thay đổi"), "{}", vi.text);
    let en = ask("/api/data-values", Some("en-GB,en;q=0.9")).await;
    assert!(
        en.text.contains("un-approve") && !en.text.contains("phê duyệt"),
        "{}",
        en.text
    );
    assert!(en.text.contains("nothing was changed"), "{}", en.text);
    let q = ask("/api/data-values?lang=en", None).await;
    assert!(
        q.text.contains("un-approve") && !q.text.contains("phê duyệt"),
        "{}",
        q.text
    );
    // A DHIS2 path: English unless Vietnamese is asked for.
    let dhis2 = send_raw(
        &app,
        Request::get("/api/analytics?dimension=dx:KHONG_CO&dimension=pe:2023")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(dhis2.text.is_ascii(), "{}", dhis2.text);
    app.finish().await;
}
