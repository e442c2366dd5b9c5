//! The yearly review's pages: the preview in each language with the engine's count and the
//! data version, the downloads, the official view by default and the live one only for a
//! person with a right over every unit of the framework.

use super::*;

#[tokio::test]
async fn the_report_page_previews_the_review_and_downloads_each_format() {
    let app = spawn_app(true).await;
    let fw = get(&app, "/api/target-frameworks/KH_CDS_2023").await.json();
    let count = format!("{}/{}", fw["achieved"], fw["total"]);
    let page = get(&app, "/reports/yearly?framework=KH_CDS_2023&lang=vi").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let html = unescape(&page.text);
    assert!(
        html.contains(&format!("đạt {count} chỉ tiêu")),
        "the engine's count"
    );
    assert!(html.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
    assert!(
        html.contains("số liệu chính thức"),
        "the official view by default"
    );
    assert!(html.contains("phiên bản dữ liệu"));
    assert!(html.contains(
        "/reports/yearly/download?framework=KH_CDS_2023&lang=vi&view=official&format=pdf"
    ));
    let bn = unescape(
        &get(&app, "/reports/yearly?framework=KH_CDS_2023&lang=bn")
            .await
            .text,
    );
    assert!(
        bn.contains("১৭/২৩") && bn.contains("৯৮.৯০%"),
        "the Bengali summary"
    );
    let en = unescape(
        &get(&app, "/reports/yearly?framework=KH_CDS_2023&lang=en")
            .await
            .text,
    );
    assert!(en.contains("17/23 targets met") && en.contains("314,792 billion VND"));

    let pdf = get(
        &app,
        "/reports/yearly/download?framework=KH_CDS_2023&lang=vi&format=pdf",
    )
    .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert!(pdf.text.starts_with("%PDF"));
    let docx = get(
        &app,
        "/reports/yearly/download?framework=KH_CDS_2023&lang=vi&format=docx",
    )
    .await;
    assert_eq!(docx.status, StatusCode::OK);
    assert!(docx.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains(".docx"));
    let xlsx = get(
        &app,
        "/reports/yearly/download?framework=KH_CDS_2023&lang=en&format=xlsx",
    )
    .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    // Bad asks are refused with what was wrong.
    let r = get(
        &app,
        "/reports/yearly/download?framework=KH_CDS_2023&lang=bn&format=pdf",
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = get(&app, "/reports/yearly?framework=KH_CDS_2023&lang=fr").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(unescape(&r.text).contains("\"fr\""));
    let r = get(&app, "/reports/yearly?framework=NOPE").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The live figures are not for anonymous readers.
    let r = get(&app, "/reports/yearly?framework=KH_CDS_2023&view=live").await;
    assert_ne!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn a_private_server_gives_the_report_only_to_those_who_may_read_every_unit() {
    let app = spawn_private_app().await;
    let r = get(&app, "/reports/yearly?framework=KH_CDS_2023").await;
    assert_ne!(r.status, StatusCode::OK, "not without logging in");
    let r = get(
        &app,
        "/reports/yearly/download?framework=KH_CDS_2023&format=pdf",
    )
    .await;
    assert_ne!(r.status, StatusCode::OK);
    assert!(!r.text.starts_with("%PDF"));
    // A commune's officer may not read the province's report.
    let commune = user_token(&app, "report-commune", Role::DataEntry, "22738").await;
    let r = as_user(
        &app,
        "GET",
        "/reports/yearly?framework=KH_CDS_2023",
        &commune,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // A provincial reader may, in the live view too, which the report then says.
    let province = user_token(&app, "report-province", Role::Viewer, "58").await;
    let r = as_user(
        &app,
        "GET",
        "/reports/yearly?framework=KH_CDS_2023&lang=vi&view=live",
        &province,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(unescape(&r.text).contains("SỐ LIỆU TRỰC TIẾP, CHƯA DUYỆT"));
    // The switch back keeps the framework and the report's language.
    let r = as_user(
        &app,
        "GET",
        "/reports/yearly?framework=KH_CDS_2023&lang=bn",
        &province,
        None,
    )
    .await;
    assert!(
        unescape(&r.text)
            .contains("href=\"/reports/yearly?framework=KH_CDS_2023&lang=bn&view=live\""),
        "the switch to the live view"
    );
}

#[tokio::test]
async fn the_api_gives_the_report_file_with_its_data_version_to_those_who_may_read_it() {
    let app = spawn_private_app().await;
    let uri = "/api/reports/yearly/KH_CDS_2023?format=pdf&lang=vi";
    let r = get(&app, uri).await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "no credentials, no report"
    );
    let province = user_token(&app, "report-api-province", Role::Viewer, "58").await;
    let r = as_user(&app, "GET", uri, &province, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.headers["content-type"], "application/pdf");
    assert!(r.text.starts_with("%PDF"));
    let version: i64 = r.headers["x-chiso-data-version"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(version > 0);
    let commune = user_token(&app, "report-api-commune", Role::DataEntry, "22738").await;
    let r = as_user(&app, "GET", uri, &commune, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = as_user(
        &app,
        "GET",
        "/api/reports/yearly/KH_CDS_2023?format=odt",
        &province,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("format"), "{}", r.text);
    let r = as_user(&app, "GET", "/api/reports/yearly/NOPE", &province, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = as_user(
        &app,
        "GET",
        "/api/reports/yearly/KH_CDS_2023?format=docx&lang=bn&view=live",
        &province,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}
