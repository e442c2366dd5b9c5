use super::*;

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
    // DHIS2's codes per conflict (E7610: data element, E7617: unit outside the caller's
    // hierarchy), its English words, and 0-based indexes for JSON.
    assert_eq!(conflicts[0]["errorCode"], "E7610", "{conflicts:?}");
    assert!(conflicts[0]["value"].as_str().unwrap().contains("KHONG_CO"));
    assert_eq!(conflicts[0]["indexes"], json!([1]), "{conflicts:?}");
    assert_eq!(conflicts[1]["errorCode"], "E7617", "{conflicts:?}");
    assert!(
        conflicts[1]["value"]
            .as_str()
            .unwrap()
            .contains("not in hierarchy"),
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
    // DHIS2's required export parameters: its 409 and web message.
    let r = as_user(
        app,
        "GET",
        "/api/dataValueSets?period=2026&orgUnit=2025-56",
        &app.token,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.json()["httpStatusCode"], 409, "{}", r.text);
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

/// Paths DHIS2 clients read besides data values: period types listed whole, analytics as a
/// data value set, and a 409 naming what chiso does not answer.
#[tokio::test]
async fn dhis2_period_types_and_analytics_as_values() {
    let app = spawn_app(true).await;
    // Period types have no id or displayName: DHIS2 lists every field by default.
    let r = get(&app, "/api/periodTypes").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let types = r.json()["periodTypes"].clone();
    let yearly = types
        .as_array()
        .and_then(|a| a.iter().find(|t| t["name"] == "Yearly"))
        .unwrap_or_else(|| panic!("no Yearly period type: {types}"))
        .clone();
    assert_eq!(yearly["isoFormat"], "yyyy", "{yearly}");
    assert_eq!(yearly["frequencyOrder"], 365, "{yearly}");
    // Analytics as a data value set, also under a version.
    for path in [
        "/api/analytics/dataValueSet.json",
        "/api/40/analytics/dataValueSet.json",
    ] {
        let r = get(
            &app,
            &format!("{path}?dimension=dx:VB_DEN&dimension=pe:2023&dimension=ou:58"),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
        assert_eq!(
            r.json()["dataValues"],
            json!([{"dataElement": "VB_DEN", "period": "2023", "orgUnit": "58", "value": "375000"}]),
            "{}",
            r.text
        );
    }
    // dx, pe and ou as filters cannot make values: DHIS2's 409, naming why.
    let r = get(
        &app,
        "/api/analytics/dataValueSet.json?dimension=dx:VB_DEN&dimension=pe:2023&filter=ou:58",
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.json()["errorCode"], "E7133");
    assert!(r.json()["message"]
        .as_str()
        .unwrap_or_default()
        .contains("not as filters"));
    // Raw data is not answered, and says so in DHIS2's form.
    let r = get(
        &app,
        "/api/analytics/rawData.json?dimension=dx:VB_DEN&dimension=pe:2023",
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.json()["httpStatusCode"], 409);
    assert!(r.json()["message"]
        .as_str()
        .unwrap_or_default()
        .contains("rawData is not supported"));
    app.finish().await;
}

/// An export's refusals on DHIS2's path: English by default (what DHIS2 clients show),
/// Vietnamese when the request asks for it.
#[tokio::test]
async fn dhis2_export_refusals_speak_the_asked_language() {
    let app = spawn_app(true).await;
    let ask = |lang: Option<&'static str>, uri: &'static str| {
        let mut b = Request::get(uri).header("authorization", format!("ApiToken {}", app.token));
        if let Some(l) = lang {
            b = b.header("accept-language", l);
        }
        send_raw(&app, b.body(Body::empty()).unwrap())
    };
    for (uri, code, en, vi) in [
        (
            "/api/dataValueSets?period=2026&orgUnit=58",
            "E2001",
            "At least one data element",
            "Cần ít nhất một chỉ tiêu",
        ),
        (
            "/api/dataValueSets?dataSet=BM_CDS_XA&orgUnit=58",
            "E2002",
            "At least one valid period",
            "Cần ít nhất một kỳ hợp lệ",
        ),
        (
            "/api/dataValueSets?dataSet=BM_CDS_XA&period=2026",
            "E2006",
            "At least one organisation unit",
            "Cần ít nhất một đơn vị",
        ),
    ] {
        let r = ask(None, uri).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{uri}: {}", r.text);
        let m = r.json();
        assert_eq!(m["errorCode"], code, "{}", r.text);
        let text = m["message"].as_str().unwrap_or_default().to_string();
        assert!(text.starts_with(en) && !text.contains(vi), "{uri}: {text}");
        let r = ask(Some("vi"), uri).await;
        let text = r.json()["message"].as_str().unwrap_or_default().to_string();
        assert!(
            text.starts_with(vi) && !text.contains(en),
            "{uri} in Vietnamese: {text}"
        );
    }
    app.finish().await;
}
