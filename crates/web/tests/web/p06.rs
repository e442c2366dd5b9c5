//! The electronic data store's pages on the demo: a unit's dossiers only for its officers,
//! intake reusing what the applicant's store holds and moving the commune's reuse rate, the
//! owner's view with who has read what, the rating once, the export, and the panel.

use super::*;

fn form_post(uri: &str, token: &str, fields: &[(&str, &str)]) -> Request<Body> {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    Request::post(uri)
        .header("authorization", format!("ApiToken {token}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

/// The reuse rate of a unit this year, as the engine (and so every page and the API) has it.
async fn reuse_rate(app: &App, unit: &str, year: i32) -> Option<(f64, f64)> {
    let r = get(
        app,
        &format!("/api/analytics?dimension=dx:KDL_TP_TAI_SU_DUNG;KDL_TP_TONG&filter=ou:{unit}&filter=pe:{year}&skipRounding=true"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    let rows = v["rows"].as_array()?;
    let of = |e: &str| {
        rows.iter()
            .find(|x| x[0] == e)
            .and_then(|x| x[1].as_str().and_then(|s| s.parse::<f64>().ok()))
    };
    Some((of("KDL_TP_TAI_SU_DUNG").unwrap_or(0.0), of("KDL_TP_TONG")?))
}

/// The reuse cell of a unit's row in the dashboard's store section, or none when the unit has
/// no row.
async fn dashboard_reuse(app: &App, structure: &str, unit: &str, year: i32) -> Option<String> {
    let today = chiso_core::clock::today_in_vietnam();
    let r = get(
        app,
        &format!("/?structure={structure}&period={year}&as_of={today}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let row = r.text.split(&format!("id=\"p06-unit-{unit}\"")).nth(1)?;
    let row = &row[..row.find("</tr>")?];
    let cell = row.split("data-rate=\"KDL_TAI_SU_DUNG_TY_LE\"").nth(1)?;
    Some(cell[..cell.find("</td>")?].replace("&#x2f;", "/"))
}

#[tokio::test]
async fn intake_reuses_the_store_and_moves_the_commune_s_reuse_rate() {
    let app = spawn_app(true).await;
    let year = chiso_core::clock::today_in_vietnam()
        .format("%Y")
        .to_string();
    let y: i32 = year.parse().unwrap();
    // The demo's applicant NT-0000 holds signed copies in the store; find one that holds a
    // valid birth certificate (GKS) as its owner would see it.
    let records = chiso_demo::p06::records();
    let holder = records
        .results
        .iter()
        .find(|r| r.doc_type.as_str() == "GKS" && r.valid_on(chiso_core::clock::today_in_vietnam()))
        .expect("a birth certificate in the store")
        .clone();
    // Anonymous: to the login page; another commune's officer: refused.
    assert_eq!(
        get(&app, "/p06/units/2025-22741").await.status,
        StatusCode::SEE_OTHER
    );
    let other = user_token(&app, "p06.do.vinh", Role::DataEntry, "22738").await;
    let r = as_user(&app, "GET", "/p06/units/2025-22741", &other, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // Bảo An's officer (a commune of the 2025 structure) sees its dossiers and rates.
    let desk = user_token(&app, "p06.bao.an", Role::DataEntry, "2025-22741").await;
    let page = as_user(&app, "GET", "/p06/units/2025-22741", &desk, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page
        .text
        .contains("Tỷ lệ thành phần hồ sơ dùng lại dữ liệu"));
    assert!(page.text.contains("Tiếp nhận hồ sơ"));
    let before = reuse_rate(&app, "2025-22741", y).await;
    let dash_before = dashboard_reuse(&app, "2025-56", "2025-22741", y).await;

    // Receive a dossier of the holder needing a birth certificate and a form.
    let r = send_raw(
        &app,
        form_post(
            "/p06/units/2025-22741/dossiers",
            &desk,
            &[
                ("subject", holder.subject.as_str()),
                ("procedure", "1.004873"),
                ("procedure_name", "Cấp Giấy xác nhận tình trạng hôn nhân"),
                ("essential", "1"),
                ("due_days", "3"),
                ("components", "TO_KHAI Tờ khai\nGKS Giấy khai sinh"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("Đã tiếp nhận hồ sơ"), "{}", r.text);
    assert!(
        r.text
            .contains(&format!("dùng lại kết quả {}", holder.code))
            || r.text.contains("dùng lại kết quả"),
        "{}",
        r.text
    );
    assert!(r.text.contains("Dùng lại từ Kho"));
    // The reuse rate of the commune this year moved: one more component reused.
    let after = reuse_rate(&app, "2025-22741", y)
        .await
        .expect("figures of this year");
    let (n0, d0) = before.unwrap_or((0.0, 0.0));
    assert_eq!(after, (n0 + 1.0, d0 + 2.0));
    // And on the dashboard, right after the write: the commune's row shows the new parts.
    let dash_after = dashboard_reuse(&app, "2025-56", "2025-22741", y)
        .await
        .expect("the commune's row on the dashboard");
    assert_ne!(Some(&dash_after), dash_before.as_ref());
    assert!(
        dash_after.contains(&format!("{} / {}", n0 + 1.0, d0 + 2.0)),
        "{dash_after}"
    );

    // A bad line names its field and changes nothing.
    let bad = send_raw(
        &app,
        form_post(
            "/p06/units/2025-22741/dossiers",
            &desk,
            &[
                ("subject", "079123456789"),
                ("procedure", "1.004873"),
                ("procedure_name", "x"),
                ("due_days", "3"),
                ("components", "GKS Giấy khai sinh"),
            ],
        ),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("Mã giả danh người nộp"), "{}", bad.text);
    assert_eq!(reuse_rate(&app, "2025-22741", y).await.unwrap(), after);

    // The owner's view: the holder's account sees the new dossier and who has read what.
    make_user(app.store.as_ref(), "p06.owner", vec![]).await;
    let owner = token_for(app.store.as_ref(), "p06.owner").await;
    assert_eq!(
        as_user(&app, "GET", "/p06/me", &owner, None).await.status,
        StatusCode::NOT_FOUND
    );
    app.store
        .p06_link_owner("p06.owner", &holder.subject, &Actor::new("test", Via::Cli))
        .await
        .unwrap();
    let mine = as_user(&app, "GET", "/p06/me", &owner, None).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(
        mine.text.contains("p06.bao.an"),
        "the desk's reads are shown"
    );
    let export = as_user(&app, "GET", "/p06/me/export.json", &owner, None).await;
    assert_eq!(export.status, StatusCode::OK);
    let e = export.json();
    assert_eq!(e["subject"]["id"], holder.subject.as_str());
    assert!(e["access"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["entity"] == "export"));
    // The result's history: the owner sees it; the other commune does not.
    let h = as_user(
        &app,
        "GET",
        &format!("/p06/results/{}", holder.code),
        &owner,
        None,
    )
    .await;
    assert_eq!(h.status, StatusCode::OK);
    let h = as_user(
        &app,
        "GET",
        &format!("/p06/results/{}", holder.code),
        &other,
        None,
    )
    .await;
    assert_eq!(h.status, StatusCode::FORBIDDEN);
    app.finish().await;
}

#[tokio::test]
async fn the_applicant_rates_a_finished_dossier_once_on_the_page() {
    let app = spawn_app(true).await;
    let records = chiso_demo::p06::records();
    let rated: std::collections::HashSet<&str> =
        records.ratings.iter().map(|r| r.dossier.as_str()).collect();
    let d = records
        .dossiers
        .iter()
        .find(|d| {
            d.status == chiso_p06::DossierStatus::Finished && !rated.contains(d.code.as_str())
        })
        .unwrap();
    make_user(app.store.as_ref(), "p06.rater", vec![]).await;
    let owner = token_for(app.store.as_ref(), "p06.rater").await;
    app.store
        .p06_link_owner("p06.rater", &d.subject, &Actor::new("test", Via::Cli))
        .await
        .unwrap();
    let form = |value: &str| {
        form_post(
            "/p06/me/rate",
            &owner,
            &[
                ("dossier", d.code.as_str()),
                ("value", value),
                ("reason", ""),
            ],
        )
    };
    let r = send_raw(&app, form("satisfied")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("Đã ghi đánh giá"));
    let r = send_raw(&app, form("unsatisfied")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text.contains("đã được đánh giá"), "{}", r.text);
    // An officer (not the applicant) is refused too.
    let desk = user_token(&app, "p06.desk", Role::DataEntry, d.unit.as_str()).await;
    let r = send_raw(
        &app,
        form_post(
            "/p06/me/rate",
            &desk,
            &[("dossier", d.code.as_str()), ("value", "satisfied")],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    app.finish().await;
}

#[tokio::test]
async fn the_panel_shows_the_official_maxima_and_says_the_weights_are_not() {
    let app = spawn_app(true).await;
    let r = get(&app, "/p06/panel?unit=22738&period=2023").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    for max in ["/ 18", "/ 20", "/ 22", "/ 18"] {
        assert!(r.text.contains(max), "{max}");
    }
    assert!(r.text.contains("không phải của Quyết định"));
    let en = get(&app, "/p06/panel?unit=22738&period=2023&lang=en").await;
    assert!(en.text.contains("not the Decision"));
    let bad = get(&app, "/p06/panel?unit=22738&period=20x3").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    app.finish().await;
}

#[tokio::test]
async fn a_session_s_intake_needs_its_csrf_token() {
    let app = spawn_app(true).await;
    let password = make_user(
        app.store.as_ref(),
        "p06.session",
        vec![Assignment {
            role: Role::DataEntry,
            unit: Some(Code::parse("2025-22741").unwrap()),
        }],
    )
    .await;
    let r = login(&app, "p06.session", &password).await;
    let cookie = set_cookie(&r, "chiso_session").unwrap();
    let req = Request::post("/p06/units/2025-22741/dossiers")
        .header("cookie", cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(
            "subject=CN-000000000001&procedure=1.1&procedure_name=x&due_days=1&components=GKS%20x",
        ))
        .unwrap();
    let r = send_raw(&app, req).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let n = app
        .store
        .p06_dossiers(&chiso_store::DossierQuery {
            units: vec![Code::parse("2025-22741").unwrap()],
            ..Default::default()
        })
        .await
        .unwrap()
        .len();
    assert_eq!(n, 0, "nothing received");
    app.finish().await;
}

#[tokio::test]
async fn only_the_issuing_unit_issues_and_revokes_on_the_page() {
    let app = spawn_app(true).await;
    let desk = user_token(&app, "p06.issuer", Role::DataEntry, "2025-22741").await;
    let other = user_token(&app, "p06.elsewhere", Role::DataEntry, "2025-22738").await;
    let r = send_raw(
        &app,
        form_post(
            "/p06/units/2025-22741/dossiers",
            &desk,
            &[
                ("subject", "CN-00000000AB07"),
                ("procedure", "2.000815"),
                ("procedure_name", "Chứng thực bản sao"),
                ("due_days", "1"),
                ("components", "BAN_CHINH Bản chính"),
            ],
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let d = app
        .store
        .p06_dossiers(&chiso_store::DossierQuery {
            units: vec![Code::parse("2025-22741").unwrap()],
            ..Default::default()
        })
        .await
        .unwrap()
        .remove(0);
    let issue = |token: &str, unit: &str| {
        form_post(
            &format!("/p06/units/{unit}/results"),
            token,
            &[
                ("dossier", d.code.as_str()),
                ("doc_type", "BAN_SAO_CT"),
                ("name", "Bản sao chứng thực"),
                ("number", "7/2026"),
                ("signer", &"ab".repeat(20)),
            ],
        )
    };
    // Another commune may not issue Bảo An's result.
    let r = send_raw(&app, issue(&other, "2025-22738")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = send_raw(&app, issue(&desk, "2025-22741")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("Đã ghi kết quả"), "{}", r.text);
    let code = format!("{}-KQ1", d.code);
    let revoke = |token: &str, unit: &str| {
        form_post(
            &format!("/p06/units/{unit}/revoke"),
            token,
            &[("result", code.as_str()), ("reason", "sai số")],
        )
    };
    let r = send_raw(&app, revoke(&other, "2025-22738")).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = send_raw(&app, revoke(&desk, "2025-22741")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let kept = app
        .store
        .p06_results(&chiso_store::ResultQuery {
            codes: vec![code.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(kept.len(), 1, "a revoked result is kept");
    assert!(kept[0].revoked_at.is_some());
    // Every listing of the unit's dossiers was logged as read by the desk.
    let log = app
        .store
        .p06_access_log(&chiso_store::AccessQuery {
            subject: Some(d.subject.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(log
        .iter()
        .any(|e| e.record.actor == "p06.issuer" && e.record.action == "read"));
    assert!(log
        .iter()
        .any(|e| e.record.actor == "p06.elsewhere" && e.record.action == "refused"));
    app.finish().await;
}
