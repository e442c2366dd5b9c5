//! A one-stop system's export imported over the API and from the page, and the store's JSON
//! reads, on SQLite and PostgreSQL: a dry run writes nothing; one bad row is a 422 naming its
//! row and field, nothing written; a row of a unit the account does not act for is refused by
//! its row; a good file lands, its figures reach `/api/analytics` and its dossier the unit's
//! page and `GET /api/p06/units/{code}/dossiers`, each read logged; a result's history is read
//! by its issuer and refused to another unit.

use super::browser::browser_login;
use super::*;

/// A commune of the 2025 structure, and one of another commune's (before the merger).
const UNIT: &str = "2025-22741";
const OTHER: &str = "22738";
const SUBJECT: &str = "CN-00000000AB01";
const HEAD: &str = "code,subject,subject_name,procedure,procedure_name,essential,unit,received,due,finished,status,online,components,result_doc_type,result_name,result_number,result_issued,result_valid_until,result_signer,result_link\n";

/// One finished dossier of `unit` (two digitised components, one signed result).
fn row(code: &str, unit: &str, received: &str) -> String {
    format!(
        "{code},{SUBJECT},Người dân thử,1.001193,Đăng ký khai sinh,1,{unit},{received},{received},{received},finished,1,TO_KHAI+d|GIAY_CHUNG_SINH+d,TRICH_LUC_KS,Trích lục khai sinh,9901/2023,{received},,{},\n",
        "ab".repeat(20)
    )
}

/// Today in Vietnam: the dossiers are received today, so the unit's page (newest first) and
/// this month's figures show them.
fn today() -> chrono::NaiveDate {
    chiso_core::clock::today_in_vietnam()
}

/// The dossier code of sequence `n` received on `day` (the code carries the day).
fn code_on(day: chrono::NaiveDate, n: u32) -> String {
    format!("000.25.06.H58-{}-{n}", day.format("%y%m%d"))
}

fn code() -> String {
    code_on(today(), 9901)
}

fn good_csv() -> String {
    format!("{HEAD}{}", row(&code(), UNIT, &today().to_string()))
}

async fn import(app: &App, token: &str, query: &str, content_type: &str, body: &str) -> Resp {
    let req = Request::post(format!("/api/p06/import{query}"))
        .header("authorization", format!("ApiToken {token}"))
        .header("content-type", content_type)
        .body(Body::from(body.to_string()))
        .unwrap();
    send_raw(app, req).await
}

/// The unit's components and digitised dossiers this month, as the engine has them.
async fn figures(app: &App) -> (f64, f64) {
    let r = get(
        app,
        &format!(
            "/api/analytics?dimension=dx:KDL_TP_TONG;KDL_HS_SO_HOA&filter=ou:{UNIT}&filter=pe:{}&skipRounding=true",
            today().format("%Y%m")
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    let of = |e: &str| {
        v["rows"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|x| x[0] == e)
            .and_then(|x| x[1].as_str().and_then(|s| s.parse::<f64>().ok()))
            .unwrap_or(0.0)
    };
    (of("KDL_TP_TONG"), of("KDL_HS_SO_HOA"))
}

/// Whether the store holds the dossier.
async fn stored(app: &App, code: &str) -> bool {
    !app.store
        .p06_dossiers(&chiso_store::DossierQuery {
            codes: vec![chiso_p06::DossierCode::parse(code).unwrap()],
            ..Default::default()
        })
        .await
        .unwrap()
        .is_empty()
}

fn errors(r: &Resp) -> Vec<(u64, String)> {
    r.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["field"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn the_api_imports_an_export_and_reads_it_back(app: App) {
    let desk = user_token(&app, "p06.importer", Role::DataEntry, UNIT).await;
    let before = figures(&app).await;

    // Anonymous: 401; no Content-Type of an export: 400; a body that is not what it says: 422.
    let anon = Request::post("/api/p06/import")
        .header("content-type", "text/csv")
        .body(Body::from(good_csv()))
        .unwrap();
    assert_eq!(send_raw(&app, anon).await.status, StatusCode::UNAUTHORIZED);
    let r = import(&app, &desk, "", "text/plain", &good_csv()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let r = import(&app, &desk, "", "application/json", &good_csv()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(errors(&r), vec![(0, "file".to_string())]);

    // A dry run says what would be written and writes nothing.
    let r = import(&app, &desk, "?dryRun=true", "text/csv", &good_csv()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["dry_run"], true);
    assert_eq!(
        (v["dossiers"].as_u64(), v["results"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(v["inserted"].as_u64().unwrap() >= 2, "{v}");
    assert!(!stored(&app, &code()).await, "a dry run wrote the dossier");
    assert_eq!(figures(&app).await, before);

    // One bad row (a month 13) and one of a day the commune did not exist yet (before the
    // 2025 merger): 422, each named by its row and field, nothing written — not even the
    // good row before them.
    let old = chrono::NaiveDate::from_ymd_opt(2023, 1, 5).unwrap();
    let bad = format!(
        "{HEAD}{}{}{}",
        row(&code(), UNIT, &today().to_string()),
        row(&code_on(today(), 9902), UNIT, "2023-13-05"),
        row(&code_on(old, 9903), UNIT, "2023-01-05"),
    );
    let r = import(&app, &desk, "", "text/csv", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json()["status"], "refused");
    assert!(
        errors(&r).contains(&(3, "received".to_string())),
        "{}",
        r.text
    );
    assert!(!stored(&app, &code()).await);
    // The file's own checks pass once row 3 is gone; the store's day check names row 3 now.
    let early = format!(
        "{HEAD}{}{}",
        row(&code(), UNIT, &today().to_string()),
        row(&code_on(old, 9903), UNIT, "2023-01-05"),
    );
    let r = import(&app, &desk, "", "text/csv", &early).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        errors(&r).contains(&(3, "received".to_string())),
        "{}",
        r.text
    );
    assert!(r.text.contains("không tồn tại vào ngày"), "{}", r.text);
    assert!(!stored(&app, &code()).await);

    // A row of another commune: refused by its row, nothing written (the good row neither).
    let other = format!(
        "{HEAD}{}{}",
        row(&code(), UNIT, &today().to_string()),
        row(&code_on(old, 9904), OTHER, "2023-01-05"),
    );
    let r = import(&app, &desk, "", "text/csv", &other).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(errors(&r), vec![(3, "unit".to_string())]);
    assert!(!stored(&app, &code()).await);
    // An administrator without a data-entry role imports nothing either.
    let r = import(&app, &app.token, "", "text/csv", &good_csv()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    // The good file: imported, its figures in the engine at once; again: nothing changes.
    let r = import(&app, &desk, "", "text/csv", &good_csv()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["dry_run"], false);
    assert!(stored(&app, &code()).await);
    assert_eq!(figures(&app).await, (before.0 + 2.0, before.1 + 1.0));
    let r = import(&app, &desk, "", "text/csv", &good_csv()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["inserted"], 0);
    assert_eq!(r.json()["updated"], 0);
    // The same dossier as JSON: the same records, nothing changes.
    let json = json!({"dossiers": [{
        "code": code(), "subject": SUBJECT, "subject_name": "Người dân thử",
        "procedure": "1.001193", "procedure_name": "Đăng ký khai sinh", "essential": true,
        "unit": UNIT, "received": today(), "due": today(), "finished": today(),
        "status": "finished", "online": true,
        "components": [{"doc_type": "TO_KHAI", "digitised": true},
                       {"doc_type": "GIAY_CHUNG_SINH", "digitised": true}],
        "results": [{"doc_type": "TRICH_LUC_KS", "name": "Trích lục khai sinh",
                     "number": "9901/2023", "issued": today(), "signer": "ab".repeat(20)}]
    }]});
    let r = import(&app, &desk, "", "application/json", &json.to_string()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["format"], "json");
    assert_eq!(r.json()["inserted"], 0, "{}", r.text);

    // The unit's dossiers in JSON, for its officer: the new one, its result; the read logged.
    let month = today().format("%Y%m").to_string();
    let path = format!("/api/p06/units/{UNIT}/dossiers?period={month}");
    let v = get_as(&app, &desk, &path).await;
    let listed = v["dossiers"].as_array().unwrap();
    assert!(listed.iter().any(|d| d["code"] == code().as_str()), "{v}");
    let this_month = today().format("%Y-%m-").to_string();
    let in_month = |d: &Value, f: &str| d[f].as_str().is_some_and(|x| x.starts_with(&this_month));
    assert!(listed
        .iter()
        .all(|d| in_month(d, "received") || in_month(d, "finished")));
    let result = format!("{}-KQ1", code());
    assert!(v["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["code"] == result.as_str()));
    let log = app
        .store
        .p06_access_log(&chiso_store::AccessQuery {
            subject: None,
            entity: Some(code()),
            limit: None,
        })
        .await
        .unwrap();
    assert!(
        log.iter()
            .any(|e| e.record.actor == "p06.importer" && e.record.action == "read"),
        "{log:?}"
    );
    // Another commune's officer: 403; nobody: 401; a unit that does not exist: 404; a period
    // that is not one: 400.
    let other = user_token(&app, "p06.other", Role::DataEntry, OTHER).await;
    assert_eq!(
        call(&app, &other, "GET", &path, None).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(get(&app, &path).await.status, StatusCode::UNAUTHORIZED);
    let r = call(&app, &desk, "GET", "/api/p06/units/99999/dossiers", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = call(
        &app,
        &desk,
        "GET",
        &format!("/api/p06/units/{UNIT}/dossiers?period=2023-99"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);

    // The result's history: its issuer reads it (and the import's write is in it); the read
    // is logged, so the next read shows it; another commune is refused and logged; an unknown
    // result is 404.
    let path = format!("/api/p06/results/{result}");
    let v = get_as(&app, &desk, &path).await;
    assert_eq!(v["result"]["issuer"], UNIT);
    assert!(v["access"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "write"));
    let v = get_as(&app, &desk, &path).await;
    assert!(
        v["access"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "read" && e["actor"] == "p06.importer"),
        "{v}"
    );
    let r = call(&app, &other, "GET", &path, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let v = get_as(&app, &desk, &path).await;
    assert!(v["access"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "refused" && e["actor"] == "p06.other"));
    let r = call(
        &app,
        &desk,
        "GET",
        &format!("/api/p06/results/{}-KQ1", code_on(today(), 9999)),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);

    // The unit's page lists the imported dossier.
    let page = as_user(&app, "GET", &format!("/p06/units/{UNIT}"), &desk, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(&code()));
    app.finish().await;
}

#[tokio::test]
async fn the_api_imports_an_export_and_reads_it_back_on_sqlite() {
    the_api_imports_an_export_and_reads_it_back(spawn_app(true).await).await;
}

#[tokio::test]
async fn the_api_imports_an_export_and_reads_it_back_on_postgres() {
    the_api_imports_an_export_and_reads_it_back(spawn_app_pg().await).await;
}

async fn the_page_imports_after_a_dry_run(app: App) {
    let password = make_user(
        app.store.as_ref(),
        "p06.import.page",
        vec![Assignment {
            role: Role::DataEntry,
            unit: Some(Code::parse(UNIT).unwrap()),
        }],
    )
    .await;
    // Nobody signed in: to the login page; an account without a data-entry role: refused.
    assert_eq!(get(&app, "/p06/import").await.status, StatusCode::SEE_OTHER);
    let viewer = user_token(&app, "p06.viewer", Role::Viewer, UNIT).await;
    let r = as_user(&app, "GET", "/p06/import", &viewer, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);

    let (mut b, r) = browser_login(&app, "p06.import.page", &password).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = b.get("/p06/import").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("Nhập hồ sơ từ hệ thống một cửa"));
    assert!(
        page.text.contains("name=\"dry_run\" value=\"1\" checked"),
        "a dry run by default"
    );
    let csrf = hidden(&page.text, "csrf").remove(0);
    let post = |csrf: &str, dry: bool, csv: String| {
        let mut f = vec![("csrf", csrf.to_string())];
        if dry {
            f.push(("dry_run", "1".to_string()));
        }
        let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        multipart(&fields, Some(("mot-cua.csv", csv.as_bytes())))
    };

    // A stale token: the stale-form page, nothing read or written.
    let (ct, body) = post("not-the-token", false, good_csv());
    let r = b.post_multipart("/p06/import", &ct, body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert!(!stored(&app, &code()).await);

    // The API with the session but without its X-CSRF-Token: refused, nothing written.
    let r = b
        .post_multipart("/api/p06/import", "text/csv", good_csv().into_bytes())
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert!(r.text.contains("X-CSRF-Token"), "{}", r.text);
    assert!(!stored(&app, &code()).await);

    // One bad row: the table of errors names row 2 and the field, nothing written.
    let (ct, body) = post(
        &csrf,
        false,
        good_csv().replace(&format!("9901/2023,{}", today()), "9901/2023,05/01/2023"),
    );
    let r = b.post_multipart("/p06/import", &ct, body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let table = r
        .text
        .split("id=\"p06-import-errors\"")
        .nth(1)
        .expect("the error table");
    assert!(
        table.contains("<td class=\"num\" data-label=\"Dòng\">2</td>"),
        "{table}"
    );
    assert!(table.contains("results[1].issued"), "{table}");
    assert!(r.text.contains("không ghi dữ liệu nào"));
    assert!(!stored(&app, &code()).await);

    // Corrected, a dry run: the counts, nothing written.
    let (ct, body) = post(&csrf, true, good_csv());
    let r = b.post_multipart("/p06/import", &ct, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("Chạy thử, chưa ghi gì"), "{}", r.text);
    assert!(!stored(&app, &code()).await);

    // Then the import: written, and the unit's page lists the dossier.
    let (ct, body) = post(&csrf, false, good_csv());
    let r = b.post_multipart("/p06/import", &ct, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("Đã nhập vào Kho 1 hồ sơ"), "{}", r.text);
    assert!(stored(&app, &code()).await);
    let unit = b.get(&format!("/p06/units/{UNIT}")).await;
    assert!(unit.text.contains(&code()));
    assert!(unit.text.contains("href=\"/p06/import\""));
    app.finish().await;
}

#[tokio::test]
async fn the_page_imports_after_a_dry_run_on_sqlite() {
    the_page_imports_after_a_dry_run(spawn_app(true).await).await;
}

#[tokio::test]
async fn the_page_imports_after_a_dry_run_on_postgres() {
    the_page_imports_after_a_dry_run(spawn_app_pg().await).await;
}
