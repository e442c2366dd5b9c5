use super::*;

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
    let r = get(&app, "/api/analytics?dimension=dx:SP_CDS_PHU_TY_LE;KH_DUYET_TY_LE;NS_PHAN_BO_TONG;NS_DA_CHI_TONG&filter=ou:GROUP-58_CAP_XA&filter=pe:2024&skipRounding=true").await;
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
    let r = get(&app, "/api/analytics?dimension=dx:KH_DUYET_TY_LE;NS_PHAN_BO_TONG;HTTT_KET_NOI_TY_LE;THON_HET_LOM_SONG_SDK_TY_LE&filter=ou:58&filter=pe:2024&skipRounding=true").await.json();
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
        "/api/analytics?dimension=dx:KH_DUYET_TY_LE;NS_PHAN_BO_TONG&filter=ou:22738&filter=pe:2025&skipRounding=true",
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
        "/api/analytics?dimension=dx:KH_DUYET_TY_LE&filter=ou:22738&filter=pe:2025&skipRounding=true",
    )
    .await;
    assert_eq!(analytics_value(&after, "KH_DUYET_TY_LE"), 100.0);
    // A reports progress on its approved plan; B's task lead rights do not reach it.
    let r = call(&app, &a, "POST", "/api/plans/KH2025-22738/progress", Some(json!({"task": "1", "progress": 100, "status": "done", "on": "2025-05-20", "evidence": "QĐ số 12"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let done = get_as(
        &app,
        &a,
        "/api/analytics?dimension=dx:CV_HOAN_THANH_TY_LE&filter=ou:22738&filter=pe:2025&skipRounding=true",
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
        name_en: None,
        owner: Code::parse(owner).unwrap(),
        sector: "Chính quyền số".into(),
        sector_en: None,
        product_type: chiso_core::plan::ProductType::Service,
        status: chiso_core::plan::ProductStatus::Registered,
        registered_on: chrono::NaiveDate::parse_from_str(registered, "%Y-%m-%d").unwrap(),
        in_use_on: None,
        link: None,
        evidence: None,
        note: None,
        note_en: None,
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
        "/api/analytics?dimension=dx:SP_CDS_PHU_TY_LE&filter=ou:58&filter=pe:2024&skipRounding=true",
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
    assert_eq!(cov["without"].as_array().unwrap().len(), 18, "{cov}");
    let g = get(&app, "/api/analytics?dimension=dx:KH_DUYET_TY_LE;NS_PHAN_BO_TONG&filter=ou:GROUP-58_CAP_XA&filter=pe:2024&skipRounding=true").await.json();
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
        "/api/analytics?dimension=dx:CV_HOAN_THANH_TY_LE&filter=ou:58-SO-NV&filter=pe:2024&skipRounding=true",
    )
    .await
    .json();
    assert_eq!(analytics_value(&g, "CV_HOAN_THANH_TY_LE"), 50.0);
    app.finish().await;
}
