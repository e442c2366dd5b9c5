use super::*;

#[tokio::test]
async fn pages_in_vietnamese_with_an_english_switch() {
    let app = spawn_app(true).await;
    let home = get(&app, "/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.text.contains("Tỉnh Ninh Thuận") && home.text.contains("Cấu trúc hiện hành"),
        "{}",
        home.text
    );
    assert!(home.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(home.headers["x-content-type-options"], "nosniff");

    let unit = get(&app, "/units/58").await;
    assert!(
        unit.text.contains("Tỷ lệ sử dụng chữ ký số cá nhân"),
        "indicators are shown"
    );
    assert!(
        unit.text.contains("+67.436 tỷ đồng (+27,26 %)"),
        "an amount's change, absolute and relative"
    );
    assert!(
        unit.text
            .contains("Văn bản điện tử xử lý trên môi trường mạng")
            || unit
                .text
                .contains("Doanh số thanh toán không dùng tiền mặt")
    );
    assert!(unit.text.contains("314.792"), "Vietnamese number format");
    assert!(
        unit.text.contains("Thành phố Phan Rang - Tháp Chàm"),
        "children are listed"
    );
    assert!(unit.text.contains("2025-56"), "the successor is linked");

    let en = get(&app, "/units/58?lang=en").await;
    assert!(
        en.text.contains("Ninh Thuan Province") && en.text.contains("Non-cash payment turnover")
    );
    assert!(en.text.contains("314,792"), "English number format");
    let cookie = en.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("lang=en")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("HttpOnly")
    );
    let remembered = send(
        &app,
        Request::get("/units/22738")
            .header("cookie", "lang=en")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(
        remembered.text.contains("Do Vinh Ward") && remembered.text.contains("Documents received")
    );

    let district = get(&app, "/units/582").await;
    assert!(
        district
            .text
            .contains("Tỷ lệ văn bản điện tử xử lý trên môi trường mạng"),
        "a district shows its territory's indicators"
    );
    let commune = get(&app, "/units/22738").await;
    assert!(commune.text.contains("Phường Đô Vinh") && commune.text.contains("minh họa"));
    let missing = get(&app, "/units/99999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text.contains("Không tìm thấy đơn vị 99999"));
    let escaped = get(&app, "/units/%3Cscript%3E").await;
    assert!(
        !escaped.text.contains("<script>"),
        "codes are escaped in pages"
    );
    let css = get(&app, "/static/chiso.css").await;
    assert!(css.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    app.finish().await;
}
