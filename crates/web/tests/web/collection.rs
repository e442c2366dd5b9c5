use super::*;

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
    // It never sent its 2023 report: nothing entered yet; the officer starts from last year's
    // figures.
    assert!(den["value"].is_null(), "{den}");
    let from_last_year: Vec<Value> = f["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            json!({"element": x["element"], "option": x["option"],
                   "value": x["last_year"].as_str().unwrap_or("10")})
        })
        .collect();
    let r = as_user(
        &app,
        "POST",
        &form,
        &xa,
        Some(json!({ "entries": from_last_year })),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
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
        "/api/analytics?dimension=dx:TL_XA_BAO_CAO&filter=ou:58&filter=pe:2023&skipRounding=true",
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
        page.text.contains("Kỳ trước (Năm 2022)") && page.text.contains("value=\"1100\""),
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
    // Every compulsory field filled in (the rest may wait).
    let mut entries = vec![
        json!({"element": "VB_DEN", "value": "800"}),
        json!({"element": "VB_XL_MANG", "value": "790"}),
    ];
    for e in [
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
    ] {
        entries.push(json!({"element": e, "value": "10"}));
    }
    let r = as_user(
        &app,
        "POST",
        form2,
        &xa2,
        Some(json!({ "entries": entries })),
    )
    .await;
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
    // Entered, not yet approved: in the live figures a signed-in client reads.
    let q = "/api/analytics?dimension=dx:VB_DEN&filter=ou:2025-22738&filter=pe:2026";
    assert_eq!(
        as_user(&app, "GET", q, &app.token, None).await.json()["rows"],
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
