//! DHIS2's own kinds of files (`tests/fixtures/dhis2/`) imported at `/api/dataValueSets`:
//! CSV with DHIS2's header and with fewer trailing columns, CSV without a header
//! (`firstRowIsHeader=false`), DXF2 XML, JSON whose empty values delete. Each answers with
//! DHIS2's import summary: its counts, its conflict codes (E7610 element, E7611 period, E7612
//! unit) and indexes (from 1 for CSV rows, from 0 for JSON and XML values); a refused file
//! writes nothing.

use super::*;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/dhis2/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn import(app: &App, token: &str, name: &str, content_type: &str, query: &str) -> Resp {
    send_raw(
        app,
        Request::post(format!("/api/dataValueSets{query}"))
            .header("authorization", format!("ApiToken {token}"))
            .header("content-type", content_type)
            .body(Body::from(fixture(name)))
            .unwrap(),
    )
    .await
}

fn counts(r: &Resp) -> Value {
    r.json()["response"]["importCount"].clone()
}

fn count(imported: u64, updated: u64, ignored: u64, deleted: u64) -> Value {
    json!({"imported": imported, "updated": updated, "ignored": ignored, "deleted": deleted})
}

/// The conflicts' codes, indexes and objects.
fn conflicts(r: &Resp) -> Vec<(String, Value, String)> {
    r.json()["response"]["conflicts"]
        .as_array()
        .unwrap_or_else(|| panic!("no conflicts: {}", r.text))
        .iter()
        .map(|c| {
            (
                c["errorCode"].as_str().unwrap_or_default().to_string(),
                c["indexes"].clone(),
                c["object"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// A unit's 2026 values of the commune form, as DHIS2 exports them: (element, value).
async fn values(app: &App, unit: &str) -> Vec<(String, String)> {
    let r = as_user(
        app,
        "GET",
        &format!("/api/dataValueSets?dataSet=BM_CDS_XA&period=2026&orgUnit={unit}"),
        &app.token,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut got: Vec<(String, String)> = r.json()["dataValues"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| {
                    (
                        v["dataElement"].as_str().unwrap_or_default().to_string(),
                        v["value"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    got.sort();
    got
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

async fn dhis2_files_import(app: &App) {
    let token = user_token(app, "he.thong.tinh", Role::DataEntry, "2025-56").await;
    let stored = || async { app.store.counts().await.unwrap() };
    let start = stored().await;
    let csv = "application/csv";

    // CSV with DHIS2's header: an unknown element, period and unit, each named with its
    // code and its data row counted from 1; the valid first row is not written either.
    let r = import(app, &token, "conflicts-header.csv", csv, "").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.json()["httpStatusCode"], 409);
    assert_eq!(r.json()["response"]["status"], "ERROR");
    assert_eq!(counts(&r), count(0, 0, 4, 0), "{}", r.text);
    assert_eq!(
        conflicts(&r),
        vec![
            ("E7610".into(), json!([2]), "KHONG_CO".into()),
            ("E7611".into(), json!([3]), "2026-13".into()),
            ("E7612".into(), json!([4]), "KHONG_CO".into()),
        ],
        "{}",
        r.text
    );
    assert_eq!(r.json()["response"]["rejectedIndexes"], json!([2, 3, 4]));
    assert_eq!(stored().await, start, "a refused file writes nothing");
    assert!(values(app, "2025-22738").await.is_empty());

    // CSV with DHIS2's header, rows with fewer trailing columns among them.
    let r = import(app, &token, "values-header.csv", csv, "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["status"], "OK");
    assert_eq!(counts(&r), count(4, 0, 0, 0), "{}", r.text);

    // CSV without a header: the first row is a value too.
    let r = import(
        app,
        &token,
        "values-headerless.csv",
        csv,
        "?firstRowIsHeader=false",
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(counts(&r), count(3, 0, 0, 0), "{}", r.text);
    assert_eq!(
        r.json()["response"]["importOptions"]["firstRowIsHeader"],
        false
    );
    assert_eq!(
        values(app, "2025-22759").await,
        pairs(&[
            ("CB_DINH_DANH", "199"),
            ("CB_KY_SO", "211"),
            ("CB_TONG", "230"),
            ("HS_TRUC_TUYEN", "60"),
            ("HS_TTHC", "80"),
            ("VB_DEN", "1520"),
            ("VB_XL_MANG", "1498"),
        ])
    );

    // DXF2 XML: conflicts counted from 0 among the values, nothing written; then a valid set.
    let before = stored().await;
    let r = import(app, &token, "conflicts.xml", "application/xml", "").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(counts(&r), count(0, 0, 3, 0), "{}", r.text);
    assert_eq!(
        conflicts(&r),
        vec![
            ("E7610".into(), json!([1]), "KHONG_CO".into()),
            ("E7611".into(), json!([2]), "2026Q5".into()),
        ],
        "{}",
        r.text
    );
    assert_eq!(stored().await, before, "a refused file writes nothing");
    let r = import(app, &token, "values.xml", "application/xml", "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(counts(&r), count(3, 0, 0, 0), "{}", r.text);
    assert_eq!(
        values(app, "2025-22738").await,
        pairs(&[
            ("CB_TONG", "215"),
            ("VB_DEN", "1410"),
            ("VB_XL_MANG", "1390")
        ])
    );

    // JSON: conflicts counted from 0, nothing written.
    let before = stored().await;
    let r = import(app, &token, "conflicts.json", "application/json", "").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(counts(&r), count(0, 0, 4, 0), "{}", r.text);
    assert_eq!(
        conflicts(&r),
        vec![
            ("E7612".into(), json!([1]), "KHONG_CO".into()),
            ("E7610".into(), json!([2]), "KHONG_CO".into()),
            ("E7611".into(), json!([3]), "2026W60".into()),
        ],
        "{}",
        r.text
    );
    assert_eq!(stored().await, before, "a refused file writes nothing");

    // JSON with deletions: an empty value and a missing one delete, an unchanged one is
    // ignored, a changed one updated.
    let r = import(app, &token, "deletions.json", "application/json", "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(counts(&r), count(0, 1, 1, 2), "{}", r.text);
    assert_eq!(
        values(app, "2025-22759").await,
        pairs(&[
            ("CB_TONG", "230"),
            ("HS_TRUC_TUYEN", "60"),
            ("HS_TTHC", "80"),
            ("VB_DEN", "1600"),
            ("VB_XL_MANG", "1498"),
        ])
    );

    // The header CSV again: the deleted value back, the changed one restored, the rest ignored.
    let r = import(app, &token, "values-header.csv", csv, "").await;
    assert_eq!(counts(&r), count(1, 1, 2, 0), "{}", r.text);
}

#[tokio::test]
async fn dhis2_files_import_sqlite() {
    let app = spawn_app(true).await;
    dhis2_files_import(&app).await;
    app.finish().await;
}

#[tokio::test]
async fn dhis2_files_import_pg() {
    let app = spawn_app_pg().await;
    dhis2_files_import(&app).await;
    app.finish().await;
}
