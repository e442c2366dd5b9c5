//! Faults a person met on the walk through the pages (issue 13): reports.

use super::browser::*;
#[allow(unused_imports)]
use super::*;

/// The commune form's compulsory fields in the demo, in the form's order.
const COMMUNE_COMPULSORY: [&str; 19] = [
    "VB_DEN",
    "VB_XL_MANG",
    "CB_TONG",
    "CB_KY_SO",
    "CB_DINH_DANH",
    "HS_TTHC",
    "HS_TRUC_TUYEN",
    "DCS_KE_HOACH",
    "DCS_THU_THAP",
    "DAN_SO",
    "DAN_CO_HSSK",
    "NGUOI_TRUONG_THANH",
    "NGUOI_TT_CO_DTTM",
    "HO_GIA_DINH",
    "HO_CAP_QUANG",
    "DAN_15_TUOI",
    "DAN_15_CO_TKTT",
    "THON_TONG",
    "THON_KHONG_LOM_SONG",
];

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

/// A commune's report cannot be sent while compulsory fields are empty: every empty one is
/// named, in the form's order, in the asker's language, and nothing is written; once they are
/// filled in, it is sent.
async fn compulsory_fields_hold_back_a_report(app: App) {
    // The data sets say which fields are compulsory.
    let sets = get(&app, "/api/data-sets").await.json();
    let set = |code: &str| {
        sets.as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == code)
            .unwrap()
            .clone()
    };
    assert_eq!(strings(&set("BM_CDS_XA")["compulsory"]), COMMUNE_COMPULSORY);
    let agency = set("BM_CDS_SO");
    assert_eq!(agency["compulsory"], agency["elements"]);
    assert_eq!(strings(&agency["compulsory"]).len(), 6);

    // A commune of Khánh Hòa fills in two fields of its 2026 report and sends it.
    let xa = user_token(&app, "can.bo.phuoc.my", Role::DataEntry, "2025-22741").await;
    let form = "/api/forms/BM_CDS_XA/2025-22741/2026";
    let r = call(
        &app,
        &xa,
        "POST",
        form,
        Some(json!({"entries": [{"element": "VB_DEN", "value": "800"},
                                {"element": "VB_XL_MANG", "value": "790"}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let before = app.store.counts().await.unwrap();
    let r = call(&app, &xa, "POST", &format!("{form}/complete"), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let fields = r.json()["error"]["fields"].as_array().unwrap().clone();
    let named: Vec<&str> = fields
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(named, &COMMUNE_COMPULSORY[2..], "every empty one, in order");
    assert_eq!(
        fields[0]["reason"],
        "Cán bộ, công chức, viên chức: chỉ tiêu bắt buộc, chưa nhập"
    );
    assert!(
        !r.text.contains("TO_CNS_CONG_DONG"),
        "optional fields may stay empty"
    );
    // In English, by the English names.
    let r = call(&app, &xa, "POST", &format!("{form}/complete?lang=en"), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let en = r.json()["error"]["fields"].clone();
    assert_eq!(
        en[0]["reason"],
        "Officials and public employees: compulsory, not filled in"
    );
    assert_eq!(
        en[16]["reason"],
        "Villages free of mobile-signal dead zones: compulsory, not filled in"
    );
    // Nothing was written: no completion, no audit row.
    assert_eq!(app.store.counts().await.unwrap(), before);
    let f = call(&app, &xa, "GET", form, None).await.json();
    assert_eq!(f["status"], "open", "{f}");
    assert!(f["completion"].is_null(), "{f}");

    // Filled in, it is sent.
    let rest: Vec<Value> = COMMUNE_COMPULSORY[2..]
        .iter()
        .map(|e| json!({"element": e, "value": "10"}))
        .collect();
    let r = call(&app, &xa, "POST", form, Some(json!({ "entries": rest }))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = call(&app, &xa, "POST", &format!("{form}/complete"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["changed"], true);
    let f = call(&app, &xa, "GET", form, None).await.json();
    assert_eq!(f["status"], "completed", "{f}");

    // A compulsory element must be one of the form's: refused, naming it; nothing changes.
    let mut wrong = set("BM_CDS_XA");
    wrong["compulsory"] = json!(["VB_DEN", "DN_NVV"]);
    let r = post(&app, "/api/data-sets", json!({ "data_sets": [wrong] })).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let e = &r.json()["error"]["fields"][0];
    assert_eq!(e["field"], "compulsory", "{e}");
    assert!(e["reason"].as_str().unwrap().contains("DN_NVV"), "{e}");
    assert_eq!(
        strings(&set_now(&app, "BM_CDS_XA").await["compulsory"]),
        COMMUNE_COMPULSORY
    );
    // A data set written without the list (as before there was one) has none compulsory.
    let mut plain = set("BM_CDS_SO");
    plain["code"] = json!("BM_THU");
    plain.as_object_mut().unwrap().remove("compulsory");
    let r = post(&app, "/api/data-sets", json!({ "data_sets": [plain] })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(set_now(&app, "BM_THU").await["compulsory"], json!([]));
    app.finish().await;
}

async fn set_now(app: &App, code: &str) -> Value {
    get(app, "/api/data-sets")
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == code)
        .unwrap()
        .clone()
}

#[tokio::test]
async fn compulsory_fields_hold_back_a_report_sqlite() {
    compulsory_fields_hold_back_a_report(spawn_app(true).await).await;
}

#[tokio::test]
async fn compulsory_fields_hold_back_a_report_pg() {
    compulsory_fields_hold_back_a_report(spawn_app_pg().await).await;
}

async fn bytes_of(app: &App, uri: &str) -> Vec<u8> {
    let resp = app
        .router
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{uri}");
    resp.into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec()
}

/// Uploading a report's workbook with the values it already holds changes nothing: the page
/// says "0 cập nhật … 22 không đổi" every time, no audit row is written, and the illustrative
/// values stay illustrative. A changed value is updated and marked as imported.
#[tokio::test]
async fn an_unchanged_upload_is_unchanged() {
    let app = spawn_app(true).await;
    // Phước Mỹ sent its 2023 report (the demo's illustrative figures), approved by the city
    // and the province; the approvals are taken back and the closed form re-opened for it.
    grant_exception(&app, "22741", "2023").await;
    reopen(&app, "22741", "2023").await;
    let password = make_user(
        app.store.as_ref(),
        "can.bo.phuoc.my",
        vec![user(Role::DataEntry, "22741")],
    )
    .await;
    let (mut b, _) = browser_login(&app, "can.bo.phuoc.my", &password).await;
    let page = "/forms/BM_CDS_XA/22741/2023";
    let workbook = bytes_of(&app, "/api/forms/BM_CDS_XA/22741/2023/template.xlsx").await;
    let wb = chiso_io::xlsx::read_template("t.xlsx", &workbook).unwrap();
    assert_eq!(wb.rows.len(), 22, "the workbook holds the stored values");
    let stored = || async {
        app.store
            .values(&chiso_store::ValueQuery {
                elements: wb
                    .rows
                    .iter()
                    .map(|r| Code::parse(&r.element).unwrap())
                    .collect(),
                units: vec![Code::parse("22741").unwrap()],
                periods: vec![chiso_core::Period::Year(2023)],
                ..Default::default()
            })
            .await
            .unwrap()
    };
    let first = stored().await;
    assert_eq!(first.len(), 22);
    assert!(first
        .iter()
        .all(|v| v.source == chiso_core::SourceTag::Illustrative));
    let audit = app.store.counts().await.unwrap().audit_log;

    // Twice through the report page's Excel upload.
    for round in 1..=2 {
        let form = b.get(page).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.text);
        let csrf = hidden(&form.text, "csrf")[0].clone();
        let (ct, body) = multipart(
            &[("csrf", &csrf), ("kind", "xlsx")],
            Some(("bao-cao-phuoc-my.xlsx", workbook.as_slice())),
        );
        let r = b.post_multipart(&format!("{page}/files"), &ct, body).await;
        assert_eq!(r.status, StatusCode::OK, "round {round}: {}", r.text);
        assert!(
            r.text.contains(" 0 cập nhật") && r.text.contains("22 không đổi"),
            "round {round}: {}",
            r.text
        );
    }
    // And through the import API.
    let r = send(
        &app,
        Request::post("/api/imports?fileName=bao-cao-phuoc-my.xlsx")
            .body(Body::from(workbook.clone()))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let j = r.json();
    assert_eq!(
        (
            j["inserted"].clone(),
            j["updated"].clone(),
            j["unchanged"].clone()
        ),
        (json!(0), json!(0), json!(22)),
        "{j}"
    );
    assert_eq!(
        app.store.counts().await.unwrap().audit_log,
        audit,
        "no audit row"
    );
    assert_eq!(stored().await, first, "still illustrative, as stored");

    // One changed figure in a CSV file: updated, and marked as imported; the rest unchanged.
    let den = first
        .iter()
        .find(|v| v.element.as_str() == "VB_DEN")
        .unwrap();
    let csv = format!(
        "element,period,unit,breakdown,value,comment\nVB_DEN,2023,22741,,{},\"{}\"\nDAN_SO,2023,22741,,{},\"{}\"\n",
        den.num.unwrap() as i64 + 9,
        den.comment.clone().unwrap_or_default(),
        first.iter().find(|v| v.element.as_str() == "DAN_SO").unwrap().value,
        first
            .iter()
            .find(|v| v.element.as_str() == "DAN_SO")
            .unwrap()
            .comment
            .clone()
            .unwrap_or_default(),
    );
    let r = send(
        &app,
        Request::post("/api/imports?fileName=sua.csv")
            .body(Body::from(csv))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let j = r.json();
    assert_eq!(
        (j["updated"].clone(), j["unchanged"].clone()),
        (json!(1), json!(1)),
        "{j}"
    );
    let after = stored().await;
    for v in &after {
        match v.element.as_str() {
            "VB_DEN" => assert!(
                matches!(v.source, chiso_core::SourceTag::Import(_)),
                "{v:?}"
            ),
            _ => assert_eq!(v.source, chiso_core::SourceTag::Illustrative, "{v:?}"),
        }
    }
    assert_eq!(app.store.counts().await.unwrap().audit_log, audit + 1);
    app.finish().await;
}
