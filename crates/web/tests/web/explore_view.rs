//! The explorer shows the official figures by default and says so; the live ones only to a
//! signed-in person with a right over the units, with the same view in its API link.

use super::*;

#[tokio::test]
async fn the_explorer_is_official_by_default_and_live_only_for_those_with_rights() {
    let app = spawn_app(true).await;
    // A commune without an official 2023 figure (it never sent its report): find it on the
    // map, then enter a figure for it that is live only.
    let map = get(&app, "/units/58/map?indicator=VB_DT_TY_LE&period=2023")
        .await
        .text;
    let commune = map
        .lines()
        .find(|l| l.contains("data-class=\"none\""))
        .and_then(|l| l.split("data-unit=\"").nth(1))
        .and_then(|s| s.split('"').next())
        .expect("a commune without data")
        .to_string();
    for (element, v) in [("VB_XL_MANG", 3), ("VB_DEN", 10)] {
        let w = post(
            &app,
            "/api/data-values",
            json!({"data_values": [{"element": element, "unit": commune, "period": "2023", "value": v}]}),
        )
        .await;
        assert_eq!(w.status, StatusCode::OK, "{}", w.text);
    }
    let q = format!("/explore?dx=VB_DT_TY_LE&pe=2023&ou={commune}&rows=ou&cols=pe");
    let cell = |html: &str| {
        html.split(&format!("data-key=\"VB_DT_TY_LE|2023|{commune}\">"))
            .nth(1)
            .and_then(|s| s.split("</td>").next())
            .map(|s| s.to_string())
            .unwrap_or_else(|| panic!("no cell"))
    };
    // Anyone: the official figures, said on the page, and the same view in the API link.
    let page = get(&app, &q).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("<strong>Số liệu chính thức</strong>"));
    assert!(
        cell(&page.text).contains("—"),
        "a live figure shown to the public"
    );
    assert!(
        !page.text.contains("class=\"view-switch\""),
        "the public is not offered the live view"
    );
    let api = format!("/api/analytics?dimension=dx:VB_DT_TY_LE&dimension=pe:2023&dimension=ou:{commune}&view=official");
    assert!(
        unescape(&page.text).contains(&api),
        "the API link names the view"
    );
    assert_eq!(get(&app, &api).await.json()["rows"], json!([]));
    // The live view: not for the public (sent to log in), nor through the API.
    assert_eq!(
        get(&app, &format!("{q}&view=live")).await.status,
        StatusCode::SEE_OTHER
    );
    let live_api = api.replace("view=official", "view=live");
    assert_eq!(get(&app, &live_api).await.status, StatusCode::UNAUTHORIZED);
    // Someone with a right over another commune only: refused.
    let other = user_token(&app, "xa.khac", Role::Viewer, "22738").await;
    if commune != "22738" {
        let r = as_user(&app, "GET", &format!("{q}&view=live"), &other, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    }
    // The province's viewer: offered the switch, and the live figure (3/10 = 30 %).
    let viewer = user_token(&app, "tinh.xem", Role::Viewer, "58").await;
    let r = as_user(&app, "GET", &q, &viewer, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains("class=\"view-switch\""),
        "no switch offered"
    );
    let r = as_user(&app, "GET", &format!("{q}&view=live"), &viewer, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("<strong>Số liệu đang cập nhật</strong>"));
    assert_eq!(cell(&r.text).trim(), "30,00");
    assert!(unescape(&r.text).contains(&live_api));
    let g = as_user(&app, "GET", &live_api, &viewer, None).await.json();
    assert_eq!(g["rows"][0][3], "30", "{g}");
    // The form keeps the view when the query changes.
    assert!(r
        .text
        .contains("<input type=\"hidden\" name=\"view\" value=\"live\">"));
    app.finish().await;
}
