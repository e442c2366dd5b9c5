//! DHIS2's analytics over a filter of several items, the language of the names, and the
//! wording of refusals on DHIS2's paths.

use super::*;

/// One row of a grid: the row's item ids, the value, the numerator and the denominator.
type Cell = (Vec<String>, f64, Option<f64>, Option<f64>);

/// The rows of a grid.
fn cells(g: &Value) -> Vec<Cell> {
    let names: Vec<String> = g["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap().to_string())
        .collect();
    let at = |n: &str| names.iter().position(|x| x == n);
    let value = at("value").unwrap();
    g["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let num = |i: Option<usize>| {
                i.and_then(|i| r[i].as_str())
                    .and_then(|s| s.parse::<f64>().ok())
            };
            (
                (0..value)
                    .map(|i| r[i].as_str().unwrap().to_string())
                    .collect(),
                r[value].as_str().unwrap().parse().unwrap(),
                num(at("numerator")),
                num(at("denominator")),
            )
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

async fn a_filter_of_several_items_adds_them_up(app: &App) {
    // Every level-2 unit with its own figures, to add up by hand.
    let each = get(
        app,
        "/api/analytics?dimension=dx:VB_DT_TY_LE&dimension=ou:LEVEL-2&filter=pe:2023&includeNumDen=true&skipRounding=true",
    )
    .await;
    assert_eq!(each.status, StatusCode::OK, "{}", each.text);
    let each = cells(&each.json());
    assert!(each.len() >= 3, "{each:?}");
    let picked: Vec<&Cell> = each.iter().take(3).collect();
    let ous: Vec<&str> = picked.iter().map(|c| c.0[1].as_str()).collect();
    let (n, d): (f64, f64) = picked
        .iter()
        .map(|c| (c.2.unwrap(), c.3.unwrap()))
        .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    let average_of_ratios = picked.iter().map(|c| c.1).sum::<f64>() / picked.len() as f64;
    let r = get(
        app,
        &format!(
            "/api/analytics?dimension=dx:VB_DT_TY_LE&filter=ou:{}&filter=pe:2023&includeNumDen=true&skipRounding=true",
            ous.join(";")
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let j = r.json();
    let got = cells(&j);
    assert_eq!(
        got.len(),
        1,
        "one row for the filter as a whole: {}",
        r.text
    );
    assert_eq!((got[0].2, got[0].3), (Some(n), Some(d)), "{}", r.text);
    assert!(
        close(got[0].1, 100.0 * n / d),
        "{} against {}",
        got[0].1,
        100.0 * n / d
    );
    assert!(
        !close(got[0].1, average_of_ratios),
        "the ratio of the sums, not the average of the ratios ({average_of_ratios})"
    );
    assert_eq!(j["metaData"]["dimensions"]["ou"], json!(ous));

    // An element: the sum of the units' values; a unit inside another counts once.
    let each = cells(
        &get(
            app,
            &format!(
                "/api/analytics?dimension=dx:VB_DEN&dimension=ou:{}&filter=pe:2023",
                ous.join(";")
            ),
        )
        .await
        .json(),
    );
    let sum: f64 = each.iter().map(|c| c.1).sum();
    let r = get(
        app,
        &format!(
            "/api/analytics?dimension=dx:VB_DEN&filter=ou:{};58&filter=pe:2023",
            ous.join(";")
        ),
    )
    .await
    .json();
    let province = get(
        app,
        "/api/analytics?dimension=dx:VB_DEN&filter=ou:58&filter=pe:2023",
    )
    .await
    .json();
    assert_eq!(
        r["rows"], province["rows"],
        "units inside 58 are in 58 already"
    );
    let r = get(
        app,
        &format!(
            "/api/analytics?dimension=dx:VB_DEN&filter=ou:{}&filter=pe:2023",
            ous.join(";")
        ),
    )
    .await
    .json();
    assert!(close(cells(&r)[0].1, sum), "{r} against {sum}");

    // Several periods as a filter: one row over both years; a rate is Σnumerator/Σdenominator.
    let by_year = cells(
        &get(
            app,
            "/api/analytics?dimension=dx:CKS_TY_LE&dimension=pe:2022;2023&filter=ou:58&includeNumDen=true&skipRounding=true",
        )
        .await
        .json(),
    );
    assert_eq!(by_year.len(), 2, "{by_year:?}");
    let (n, d) = by_year
        .iter()
        .fold((0.0, 0.0), |a, c| (a.0 + c.2.unwrap(), a.1 + c.3.unwrap()));
    let r = get(
        app,
        "/api/analytics?dimension=dx:CKS_TY_LE&filter=pe:2022;2023&filter=ou:58&includeNumDen=true&skipRounding=true",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let got = cells(&r.json());
    assert_eq!(got.len(), 1, "{}", r.text);
    assert!(
        close(got[0].1, 100.0 * n / d),
        "{} against {}",
        got[0].1,
        100.0 * n / d
    );

    // USER_ORGUNIT of an account scoped to two units, as a filter: both added up.
    let two = vec![
        Assignment {
            role: Role::Viewer,
            unit: Some(Code::parse(ous[0]).unwrap()),
        },
        Assignment {
            role: Role::Viewer,
            unit: Some(Code::parse(ous[1]).unwrap()),
        },
    ];
    make_user(app.store.as_ref(), "xem.hai.don.vi", two).await;
    let token = token_for(app.store.as_ref(), "xem.hai.don.vi").await;
    let both = get(
        app,
        &format!(
            "/api/analytics?dimension=dx:VB_DEN&filter=ou:{};{}&filter=pe:2023&view=official",
            ous[0], ous[1]
        ),
    )
    .await
    .json();
    let r = as_user(
        app,
        "GET",
        "/api/analytics?dimension=dx:VB_DEN&filter=ou:USER_ORGUNIT&filter=pe:2023&view=official",
        &token,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["rows"], both["rows"], "{}", r.text);
    assert_eq!(
        r.json()["metaData"]["dimensions"]["ou"],
        json!([ous[0], ous[1]])
    );
}

#[tokio::test]
async fn a_filter_of_several_items_adds_them_up_sqlite() {
    let app = spawn_app(true).await;
    a_filter_of_several_items_adds_them_up(&app).await;
    app.finish().await;
}

#[tokio::test]
async fn a_filter_of_several_items_adds_them_up_pg() {
    let app = spawn_app_pg().await;
    a_filter_of_several_items_adds_them_up(&app).await;
    app.finish().await;
}

async fn get_in(app: &App, uri: &str, accept_language: Option<&str>) -> Resp {
    let mut r = Request::get(uri).header("authorization", format!("ApiToken {}", app.token));
    if let Some(l) = accept_language {
        r = r.header("accept-language", l);
    }
    send_raw(app, r.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn analytics_names_come_in_the_language_of_the_metadata_lists() {
    let app = spawn_app(true).await;
    for (lang, query, accept) in [
        ("en", "", None),
        ("vi", "", Some("vi")),
        ("vi", "&locale=vi", None),
        ("en", "&locale=en_GB", Some("vi")),
    ] {
        let list = get_in(
            &app,
            &format!("/api/dataElements?filter=id:eq:VB_DEN&fields=id,displayName{query}"),
            accept,
        )
        .await
        .json();
        let units = get_in(
            &app,
            &format!("/api/organisationUnits?filter=id:eq:58&fields=id,displayName{query}"),
            accept,
        )
        .await
        .json();
        let indicators = get_in(
            &app,
            &format!("/api/indicators?filter=id:eq:VB_DT_TY_LE&fields=id,displayName{query}"),
            accept,
        )
        .await
        .json();
        let g = get_in(
            &app,
            &format!(
                "/api/analytics?dimension=dx:VB_DEN;VB_DT_TY_LE&dimension=ou:58&filter=pe:2023{query}"
            ),
            accept,
        )
        .await;
        assert_eq!(g.status, StatusCode::OK, "{}", g.text);
        let items = &g.json()["metaData"]["items"];
        let case = format!("{lang} {query} {accept:?}");
        assert_eq!(
            items["VB_DEN"]["name"], list["dataElements"][0]["displayName"],
            "{case}"
        );
        assert_eq!(
            items["58"]["name"], units["organisationUnits"][0]["displayName"],
            "{case}"
        );
        assert_eq!(
            items["VB_DT_TY_LE"]["name"], indicators["indicators"][0]["displayName"],
            "{case}"
        );
        let me = get_in(&app, &format!("/api/me?fields=settings{query}"), accept)
            .await
            .json();
        assert_eq!(me["settings"]["keyDbLocale"], lang, "{case}");
        let period = items["2023"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let data = items["dx"]["name"].as_str().unwrap_or_default().to_string();
        if lang == "vi" {
            assert_eq!(data, "Dữ liệu", "{case}");
            assert!(
                period.contains("Năm") || period.contains("năm"),
                "{case}: {period}"
            );
        } else {
            assert_eq!(data, "Data", "{case}");
            assert!(!period.contains("Năm"), "{case}: {period}");
        }
    }
    // The English and Vietnamese names of the demo's element differ, so the check above
    // could fail.
    let en = get_in(&app, "/api/dataElements/VB_DEN?fields=displayName", None)
        .await
        .json();
    let vi = get_in(
        &app,
        "/api/dataElements/VB_DEN?fields=displayName",
        Some("vi"),
    )
    .await
    .json();
    assert_ne!(en["displayName"], vi["displayName"]);
    app.finish().await;
}

#[tokio::test]
async fn refusals_on_dhis2_paths_name_the_place_in_plain_words() {
    let app = spawn_app(true).await;
    for (uri, status, code, en, vi) in [
        (
            "/api/analytics?dimension=dx:VB_DEN&filter=pe:2023Q7&dimension=ou:58",
            StatusCode::CONFLICT,
            "E7124",
            "filter: '2023Q7': there is no such month, quarter, half, week or day",
            "filter: '2023Q7': không có tháng, quý, nửa năm, tuần hay ngày này",
        ),
        (
            "/api/analytics?dimension=dx:VB_DEN&filter=pe:2023&dimension=ou:58&asOf=30/06/2025",
            StatusCode::CONFLICT,
            "E7135",
            "asOf: '30/06/2025' is not a date (YYYY-MM-DD)",
            "asOf: '30/06/2025' không phải là ngày (YYYY-MM-DD)",
        ),
        (
            "/api/analytics?dimension=dx:VB_KHONG_CO&filter=pe:2023&dimension=ou:58",
            StatusCode::CONFLICT,
            "E7124",
            "dimension: unknown indicator or data element VB_KHONG_CO",
            "dimension: không có chỉ số hay chỉ tiêu VB_KHONG_CO",
        ),
        (
            "/api/dataValueSets?dataSet=BM_CDS_XA&period=2023Q7&orgUnit=58",
            StatusCode::CONFLICT,
            "E1101",
            "Period is invalid: `2023Q7`",
            "period: `2023Q7` không phải là kỳ",
        ),
        (
            "/api/dataValueSets?dataSet=BM_CDS_XA&period=2023&orgUnit=58&lastUpdatedDuration=2x",
            StatusCode::CONFLICT,
            "E2005",
            "Duration is not valid: `2x`",
            "lastUpdatedDuration: `2x` không phải là khoảng thời gian",
        ),
        (
            "/api/dataElements/KHONG_CO",
            StatusCode::NOT_FOUND,
            "E1005",
            "DataElement with id KHONG_CO could not be found.",
            "không có chỉ tiêu mã `KHONG_CO`",
        ),
        (
            "/api/organisationUnits?filter=name:between:A",
            StatusCode::CONFLICT,
            "E2035",
            "filter `name:between:A`: Operator not supported: `between`",
            "filter `name:between:A`: không có phép so `between`",
        ),
        (
            "/api/dataValues?pe=2023&ou=58",
            StatusCode::CONFLICT,
            "E2000",
            "Query parameter `de` is required (data element; or `dataElement`)",
            "thiếu tham số `de` (chỉ tiêu; hoặc `dataElement`)",
        ),
    ] {
        for (accept, want) in [(None, en), (Some("vi"), vi)] {
            let r = get_in(&app, uri, accept).await;
            assert_eq!(r.status, status, "{uri}: {}", r.text);
            let j = r.json();
            assert_eq!(j["errorCode"], code, "{uri}: {}", r.text);
            let message = j["message"].as_str().unwrap_or_default();
            assert!(message.contains(want), "{uri} {accept:?}: {message}");
            if accept.is_some() {
                assert!(!message.is_ascii(), "{uri}: Vietnamese asked: {message}");
            } else {
                assert!(message.is_ascii(), "{uri}: English by default: {message}");
            }
        }
    }
    app.finish().await;
}
