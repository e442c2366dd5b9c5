//! The urgent faults of writes: a lock reached through a shorter period, a dry run that wrote,
//! self-approval, and evidence removed from an approved report.

use super::browser::*;
use super::*;

// ---- 3. a lock covers the periods inside the approved one -----------------------------------------

#[tokio::test]
async fn an_approved_report_cannot_be_changed_through_a_shorter_period() {
    let app = spawn_private_app().await;
    let admin = app.token.clone();
    let report = get_as(&app, &admin, "/api/forms/BM_CDS_XA/22783/2023").await;
    assert_eq!(report["status"], "approved", "{report}");
    let figure = || async {
        get_as(
            &app,
            &admin,
            "/api/analytics?dimension=dx:VB_DEN&filter=ou:22783&filter=pe:2023",
        )
        .await["rows"]
            .clone()
    };
    let approved = figure().await;
    let before = app.store.counts().await.unwrap();
    // The year itself, and a month, a quarter and a day inside it, through every route.
    for period in ["2023", "202307", "2023Q3", "20230704"] {
        let r = as_user(
            &app,
            "POST",
            "/api/data-values",
            &admin,
            Some(json!({"data_values": [{"element": "VB_DEN", "unit": "22783", "period": period, "value": 5}]})),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{period}: {}",
            r.text
        );
        assert!(r.text.contains("phê duyệt"), "{}", r.text);
    }
    let r = send_raw(
        &app,
        Request::post("/api/dataValueSets")
            .header("authorization", format!("ApiToken {admin}"))
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"dataValues": [{"dataElement": "VB_DEN", "period": "202307", "orgUnit": "22783", "value": "5"}]})
                    .to_string(),
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "dataValueSets: {}", r.text);
    assert!(r.text.contains("E7642"), "dataValueSets: {}", r.text);
    assert!(
        r.text.contains("already approved"),
        "dataValueSets: {}",
        r.text
    );
    let r = send_raw(
        &app,
        Request::post("/api/imports?fileName=thang7.csv")
            .header("authorization", format!("ApiToken {admin}"))
            .header("content-type", "text/csv")
            .body(Body::from(
                "element,period,unit,value\nVB_DEN,202307,22783,5\n",
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import: {}",
        r.text
    );
    let r = as_user(
        &app,
        "DELETE",
        "/api/data-values",
        &admin,
        Some(json!({"data_values": [{"element": "VB_DEN", "unit": "22783", "period": "2023"}]})),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "delete: {}",
        r.text
    );
    assert_eq!(app.store.counts().await.unwrap(), before, "nothing written");
    assert_eq!(figure().await, approved, "the approved figure stands");
    // Another year is open as before.
    let r = as_user(
        &app,
        "POST",
        "/api/data-values",
        &admin,
        Some(json!({"data_values": [{"element": "VB_DEN", "unit": "22783", "period": "202401", "value": 5}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.finish().await;
}

// ---- 6. a dry run writes nothing ---------------------------------------------------------------

#[tokio::test]
async fn a_dry_run_of_data_values_writes_nothing_and_unknown_parameters_are_refused() {
    let app = spawn_private_app().await;
    let admin = app.token.clone();
    let value = json!({"data_values": [{"element": "VB_DEN", "unit": "22738", "period": "202411", "value": 77}]});
    let stored = || async {
        get_as(
            &app,
            &app.token,
            "/api/data-values?element=VB_DEN&unit=22738&period=202411",
        )
        .await["data_values"]
            .as_array()
            .unwrap()
            .len()
    };
    let before = app.store.counts().await.unwrap();
    for q in ["?dryRun=true", "?dry_run=true"] {
        let r = as_user(
            &app,
            "POST",
            &format!("/api/data-values{q}"),
            &admin,
            Some(value.clone()),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json()["inserted"], 1, "{}", r.text);
    }
    assert_eq!(stored().await, 0);
    assert_eq!(app.store.counts().await.unwrap(), before, "nothing written");
    let r = as_user(
        &app,
        "POST",
        "/api/data-values?dryRun=yes",
        &admin,
        Some(value.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let r = as_user(
        &app,
        "POST",
        "/api/data-values?importStrategy=DELETE",
        &admin,
        Some(value.clone()),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "an unknown parameter: {}",
        r.text
    );
    assert_eq!(stored().await, 0);
    let r = as_user(
        &app,
        "POST",
        "/api/data-values?dryRun=false",
        &admin,
        Some(value.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(stored().await, 1);
    let key = json!({"data_values": [{"element": "VB_DEN", "unit": "22738", "period": "202411"}]});
    let r = as_user(
        &app,
        "DELETE",
        "/api/data-values?dryRun=true",
        &admin,
        Some(key.clone()),
    )
    .await;
    assert_eq!(r.json()["deleted"], 1, "{}", r.text);
    assert_eq!(stored().await, 1, "a dry-run delete keeps the value");
    app.finish().await;
}

// ---- 7. nobody approves their own report ---------------------------------------------------------

#[tokio::test]
async fn nobody_approves_a_report_they_submitted() {
    let app = spawn_private_app().await;
    let s = app.store.as_ref();
    // One account enters the commune's figures and approves at its district.
    let both = make_user(
        s,
        "kiem.nhiem",
        vec![user(Role::DataEntry, "22738"), user(Role::Approver, "582")],
    )
    .await;
    make_user(s, "lanh.dao.huyen", vec![user(Role::Approver, "582")]).await;
    let own = token_for(s, "kiem.nhiem").await;
    let other = token_for(s, "lanh.dao.huyen").await;
    grant_exception(&app, "22738", "2023").await;
    reopen(&app, "22738", "2023").await;
    let api = "/api/forms/BM_CDS_XA/22738/2023";
    // The demo's report was sent by the commune; this account takes it back and sends it.
    let r = as_user(&app, "DELETE", &format!("{api}/complete"), &own, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = as_user(
        &app,
        "POST",
        api,
        &own,
        Some(json!({"entries": [{"element": "VB_DEN", "value": "3000"}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = as_user(&app, "POST", &format!("{api}/complete"), &own, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Its report page offers it no approval, and approving is refused on every route.
    let (mut b, _) = browser_login(&app, "kiem.nhiem", &both).await;
    let page = b.get("/forms/BM_CDS_XA/22738/2023").await;
    assert!(
        !page.text.contains("value=\"approve\""),
        "no approve button for the submitter"
    );
    let r = b
        .post_form(
            "/forms/BM_CDS_XA/22738/2023",
            &[
                ("csrf", &hidden(&page.text, "csrf")[0]),
                ("action", "approve"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("tự phê duyệt"), "{}", r.text);
    let r = as_user(&app, "POST", &format!("{api}/approval"), &own, None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("tự phê duyệt"), "{}", r.text);
    assert_eq!(get_as(&app, &app.token, api).await["approvals"], json!([]));
    // Another approver of the district approves it.
    let r = as_user(&app, "POST", &format!("{api}/approval"), &other, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.finish().await;
}

// ---- 8. evidence is locked with the values ------------------------------------------------------

#[tokio::test]
async fn evidence_of_an_approved_report_is_locked_until_it_is_unapproved() {
    let app = spawn_private_app().await;
    let s = app.store.as_ref();
    let xa = user_token(&app, "can.bo.xa", Role::DataEntry, "22738").await;
    let huyen = user_token(&app, "lanh.dao.huyen", Role::Approver, "582").await;
    grant_exception(&app, "22738", "2023").await;
    reopen(&app, "22738", "2023").await;
    let api = "/api/forms/BM_CDS_XA/22738/2023";
    let upload = |name: &'static str| {
        let xa = xa.clone();
        let app = &app;
        async move {
            let (ct, body) = multipart(
                &[("doc_number", "12/QĐ-UBND"), ("summary", "Quyết định")],
                Some((name, b"%PDF-1.4\n%test\n")),
            );
            send_raw(
                app,
                Request::post(format!("{api}/evidence"))
                    .header("authorization", format!("ApiToken {xa}"))
                    .header("content-type", ct)
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
        }
    };
    let r = upload("quyet-dinh.pdf").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = as_user(&app, "POST", &format!("{api}/approval"), &huyen, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let before = s.counts().await.unwrap();
    let r = as_user(&app, "DELETE", &format!("/api/evidence/{id}"), &xa, None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("phê duyệt"), "{}", r.text);
    let r = as_user(
        &app,
        "DELETE",
        &format!("/api/evidence/{id}"),
        &app.token,
        None,
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not even an administrator"
    );
    assert_eq!(
        upload("them.pdf").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(s.counts().await.unwrap(), before);
    assert_eq!(
        as_user(&app, "GET", &format!("/api/evidence/{id}"), &xa, None)
            .await
            .status,
        StatusCode::OK
    );
    // Un-approved: both open again.
    let r = as_user(
        &app,
        "DELETE",
        &format!("{api}/approval"),
        &huyen,
        Some(json!({"reason": "Bổ sung minh chứng"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = as_user(&app, "DELETE", &format!("/api/evidence/{id}"), &xa, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(upload("them.pdf").await.status, StatusCode::OK);
    app.finish().await;
}
