//! Value types as DHIS2 has them: the demo's counts are INTEGER_ZERO_OR_POSITIVE, and a
//! negative count is refused on every way a value comes in — the form page, chiso's JSON API
//! (values and forms), DHIS2's single value and its data value sets in JSON, CSV, DXF2 XML and
//! ADX (conflict E7619, DHIS2's code for a value not of its element's type), and the XLSX and
//! CSV imports — each naming the place, and nothing written.

use super::browser::{browser_login, user};
use super::*;

const FORM: &str = "BM_CDS_XA";
const UNIT: &str = "2025-22738";
const PERIOD: &str = "2026";

/// The unit's stored 2026 values of VB_DEN and VB_XL_MANG.
async fn stored(app: &App) -> Vec<(String, String)> {
    let r = get(
        app,
        &format!("/api/data-values?element=VB_DEN,VB_XL_MANG&unit={UNIT}&period={PERIOD}"),
    )
    .await;
    let mut got: Vec<(String, String)> = r.json()["data_values"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.text))
        .iter()
        .map(|v| {
            (
                v["element"].as_str().unwrap_or_default().to_string(),
                v["value"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    got.sort();
    got
}

fn dhis2(uri: &str, token: &str, content_type: &str, body: String) -> Request<Body> {
    Request::post(uri)
        .header("authorization", format!("ApiToken {token}"))
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap()
}

/// DHIS2's conflicts of an import summary: (code, object, message).
fn conflicts(r: &Resp) -> Vec<(String, String, String)> {
    r.json()["response"]["conflicts"]
        .as_array()
        .unwrap_or_else(|| panic!("no conflicts: {}", r.text))
        .iter()
        .map(|c| {
            (
                c["errorCode"].as_str().unwrap_or_default().to_string(),
                c["object"].as_str().unwrap_or_default().to_string(),
                c["value"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

async fn a_negative_count_is_refused_on_every_route(app: &App) {
    let token = user_token(app, "nhap.lieu.xa", Role::DataEntry, UNIT).await;
    let start = app.store.counts().await.unwrap();
    assert!(stored(app).await.is_empty());

    // The element says what it takes, in chiso's API and in DHIS2's.
    let r = get(app, "/api/data-elements").await;
    let vb = r.json()["data_elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == "VB_DEN")
        .cloned()
        .unwrap();
    assert_eq!(vb["value_type"], "integer_zero_or_positive", "{vb}");
    let r = as_user(
        app,
        "GET",
        "/api/dataElements/VB_DEN?fields=code,valueType",
        &token,
        None,
    )
    .await;
    assert_eq!(
        r.json()["valueType"],
        "INTEGER_ZERO_OR_POSITIVE",
        "{}",
        r.text
    );

    // chiso's JSON API: the bad value named by its position and field; the good one beside it
    // is not written either.
    let r = as_user(
        app,
        "POST",
        "/api/data-values",
        &token,
        Some(json!({"data_values": [
            {"element": "VB_XL_MANG", "unit": UNIT, "period": PERIOD, "value": "7"},
            {"element": "VB_DEN", "unit": UNIT, "period": PERIOD, "value": "-5"},
        ]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let f = &r.json()["error"]["fields"][0];
    assert_eq!(
        (f["index"].as_u64(), f["field"].as_str()),
        (Some(1), Some("value")),
        "{}",
        r.text
    );
    let reason = f["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("'-5' là số âm"), "{reason}");

    // The form through the API.
    let r = as_user(
        app,
        "POST",
        &format!("/api/forms/{FORM}/{UNIT}/{PERIOD}"),
        &token,
        Some(json!({"entries": [{"element": "VB_DEN", "value": "-5"}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.text.contains("VB_DEN") && r.text.contains("là số âm"),
        "{}",
        r.text
    );

    // DHIS2's single value, by query parameters.
    let r = send_raw(
        app,
        dhis2(
            &format!("/api/dataValues?de=VB_DEN&pe={PERIOD}&ou={UNIT}&value=-5"),
            &token,
            "application/json",
            String::new(),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.json()["errorCode"], "E7619", "{}", r.text);

    // DHIS2's data value sets, in each of its formats: E7619, the value's index, nothing written.
    let json_set = json!({"dataSet": FORM, "period": PERIOD, "orgUnit": UNIT, "dataValues": [
        {"dataElement": "VB_XL_MANG", "value": "7"},
        {"dataElement": "VB_DEN", "value": "-5"},
    ]})
    .to_string();
    let csv = format!(
        "dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,value\n\
         VB_XL_MANG,{PERIOD},{UNIT},,,7\nVB_DEN,{PERIOD},{UNIT},,,-5\n"
    );
    let xml = format!(
        r#"<dataValueSet xmlns="http://dhis2.org/schema/dxf/2.0" dataSet="{FORM}" period="{PERIOD}" orgUnit="{UNIT}">
  <dataValue dataElement="VB_XL_MANG" value="7"/>
  <dataValue dataElement="VB_DEN" value="-5"/>
</dataValueSet>"#
    );
    let adx = format!(
        r#"<adx xmlns="urn:ihe:qrph:adx:2015">
  <group dataSet="{FORM}" period="2026-01-01/P1Y" orgUnit="{UNIT}">
    <dataValue dataElement="VB_XL_MANG" value="7"/>
    <dataValue dataElement="VB_DEN" value="-5"/>
  </group>
</adx>"#
    );
    for (kind, content_type, body) in [
        ("JSON", "application/json", json_set),
        ("CSV", "application/csv", csv),
        ("XML", "application/xml", xml),
        ("ADX", "application/adx+xml", adx),
    ] {
        let r = send_raw(app, dhis2("/api/dataValueSets", &token, content_type, body)).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{kind}: {}", r.text);
        let c = conflicts(&r);
        assert_eq!(c.len(), 1, "{kind}: {}", r.text);
        assert_eq!(
            (c[0].0.as_str(), c[0].1.as_str()),
            ("E7619", "VB_DEN"),
            "{kind}: {}",
            r.text
        );
        assert!(c[0].2.contains("`-5`"), "{kind}: {}", r.text);
        assert_eq!(r.json()["response"]["importCount"]["imported"], 0, "{kind}");
    }

    // chiso's CSV import: the row and column named.
    let csv = format!(
        "element,period,unit,breakdown,value,comment\n\
         VB_XL_MANG,{PERIOD},{UNIT},,7,\nVB_DEN,{PERIOD},{UNIT},,-5,\n"
    );
    let r = send_raw(
        app,
        Request::post("/api/imports?fileName=xa.csv")
            .header("authorization", format!("ApiToken {token}"))
            .body(Body::from(csv))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let e = &r.json()["errors"][0];
    assert_eq!(
        (e["row"].as_u64(), e["column"].as_str()),
        (Some(3), Some("value")),
        "{}",
        r.text
    );
    assert!(
        e["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("là số âm"),
        "{}",
        r.text
    );

    // The unit's Excel template filled in with a negative count: sheet, row and column named.
    let t = chiso_io::xlsx::UnitTemplate {
        data_set: FORM.into(),
        data_set_name: "Biểu mẫu xã".into(),
        unit: UNIT.into(),
        unit_name: "Xã".into(),
        period: PERIOD.into(),
        period_label: "Năm 2026".into(),
        elements: ["VB_XL_MANG", "VB_DEN"]
            .iter()
            .zip(["7", "-5"])
            .map(|(code, value)| chiso_io::xlsx::TemplateElement {
                code: code.to_string(),
                name: code.to_string(),
                breakdown: None,
                value_type: chiso_core::ValueType::IntegerZeroOrPositive,
                previous: None,
                last_year: None,
                current: Some(value.to_string()),
                comment: None,
            })
            .collect(),
    };
    let xlsx = chiso_io::xlsx::write_unit_template(&t).unwrap();
    let r = send_raw(
        app,
        Request::post("/api/imports?fileName=xa.xlsx")
            .header("authorization", format!("ApiToken {token}"))
            .body(Body::from(xlsx))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let e = &r.json()["errors"][0];
    assert!(e["sheet"].is_string() && e["row"].is_u64(), "{}", r.text);
    assert!(
        e["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("là số âm"),
        "{}",
        r.text
    );

    // The form page, as a browser posts it: the field named, in Vietnamese; nothing written.
    let password = make_user(
        app.store.as_ref(),
        "can.bo.nhap",
        vec![user(Role::DataEntry, UNIT)],
    )
    .await;
    let (mut b, r) = browser_login(app, "can.bo.nhap", &password).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page_uri = format!("/forms/{FORM}/{UNIT}/{PERIOD}");
    let page = b.get(&page_uri).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(
        page.text.contains("name=\"v:VB_DEN\"") && page.text.contains("min=\"0\""),
        "a count's field takes nothing below 0"
    );
    let csrf = hidden(&page.text, "csrf")[0].clone();
    let r = b
        .post_form(
            &page_uri,
            &[
                ("csrf", &csrf),
                ("v:VB_XL_MANG", "7"),
                ("v:VB_DEN", "-5"),
                ("action", "save"),
            ],
        )
        .await;
    assert!(r.text.contains("là số âm"), "{}: {}", r.status, r.text);
    assert!(!r.text.contains("Đã lưu"), "{}", r.text);

    assert!(stored(app).await.is_empty(), "nothing was written");
    // (The audit log holds only the new account and its log-in.)
    assert_eq!(
        app.store.counts().await.unwrap().data_values,
        start.data_values
    );

    // Zero is a count: the same routes take it.
    let r = as_user(
        app,
        "POST",
        "/api/data-values",
        &token,
        Some(json!({"data_values": [
            {"element": "VB_DEN", "unit": UNIT, "period": PERIOD, "value": "0"},
        ]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        stored(app).await,
        vec![("VB_DEN".to_string(), "0".to_string())]
    );
}

#[tokio::test]
async fn a_negative_count_is_refused_on_every_route_sqlite() {
    let app = spawn_app(true).await;
    a_negative_count_is_refused_on_every_route(&app).await;
    app.finish().await;
}

#[tokio::test]
async fn a_negative_count_is_refused_on_every_route_pg() {
    let app = spawn_app_pg().await;
    a_negative_count_is_refused_on_every_route(&app).await;
    app.finish().await;
}
