use super::*;

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
    // Names in the language of DHIS2's lists: English unless Vietnamese is asked for.
    assert_eq!(
        g["metaData"]["items"]["GROUP-58_CAP_XA"]["name"],
        "Commune-level People's Committees"
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

    // Bad queries name the parameter and the reason in DHIS2's web message: 409 with an
    // E71xx code, as DHIS2 answers (clients retry a 400 as transient).
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
        assert_eq!(r.status, StatusCode::CONFLICT, "{q}: {}", r.text);
        let j = r.json();
        assert_eq!(j["httpStatusCode"], 409, "{q}: {}", r.text);
        assert!(
            j["errorCode"]
                .as_str()
                .is_some_and(|c| c.starts_with("E71")),
            "{q}: {}",
            r.text
        );
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
    // The district's 2024 so far: its People's Committee's quarterly reports.
    let district_2024 = || async {
        get(
            &app,
            "/api/analytics?dimension=dx:VB_DEN&filter=ou:582&filter=pe:2024",
        )
        .await
        .json()["rows"][0][1]
            .as_str()
            .map(|v| v.parse::<f64>().unwrap())
            .unwrap_or(0.0)
    };
    let before = district_2024().await;
    let r = post(&app, "/api/data-values", json!({"data_values": [{"element": "VB_DEN", "unit": "22738", "period": "202403", "value": 42}]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(get(&app, q).await.json()["rows"], json!([["VB_DEN", "42"]]));
    assert_eq!(
        district_2024().await - before,
        42.0,
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
    // The four communes that never sent their 2023 report come last, unranked.
    let values: Vec<f64> = rows.iter().filter_map(|x| x["value"].as_f64()).collect();
    assert_eq!(values.len(), 58);
    assert!(rows[58..].iter().all(|x| x["rank"].is_null()));
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
            && page.text.contains("98,90 %")
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

/// The names of elements an analytics answer shows are kept between requests while the
/// structure stays, and read again as soon as it changes: an element renamed through the
/// server shows its new name on the very next answer.
#[tokio::test]
async fn an_element_renamed_shows_its_new_name_at_once() {
    let app = spawn_app(true).await;
    let element = |name: &str| json!({"data_elements": [{"code": "TEN_DOI", "name_vi": name, "value_type": "integer", "aggregation": "sum"}]});
    let uri = "/api/analytics?dimension=dx:TEN_DOI&filter=ou:58&filter=pe:2023&locale=vi";
    let r = post(&app, "/api/data-elements", element("Tên cũ")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for _ in 0..2 {
        let r = get(&app, uri).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(r.text.contains("Tên cũ"), "{}", r.text);
    }
    let r = post(&app, "/api/data-elements", element("Tên mới")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = get(&app, uri).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.text.contains("Tên mới") && !r.text.contains("Tên cũ"),
        "{}",
        r.text
    );
    app.finish().await;
}
