//! The live view of chiso's own figures is a right, not a parameter: never by public reading,
//! only over units the caller may read; the official view is everyone's, with its coverage.

use super::*;

#[tokio::test]
async fn the_live_view_is_answered_only_to_those_with_a_right_over_every_unit() {
    let app = spawn_app(true).await;
    let province = "/api/indicator-values?indicator=CKS_TY_LE&unit=58&period=2023";
    // Everyone reads the official figure of a public demo, with what it stands on.
    let r = get(&app, province).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let j = r.json();
    assert_eq!(j["view"], "official", "{j}");
    let cov = &j["coverage"];
    assert_eq!(
        (cov["reported"].as_u64(), cov["expected"].as_u64()),
        (Some(58), Some(62)),
        "{j}"
    );
    assert_eq!(cov["partial"], false, "{j}");
    // The live one: not anonymously, not by a commune's officer for the province, but by
    // the province's approver.
    let live = format!("{province}&view=live");
    let r = get(&app, &live).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    let commune = user_token(&app, "xa.nhap", Role::DataEntry, "22738").await;
    let r = as_user(&app, "GET", &live, &commune, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert!(r.text.contains("58"), "{}", r.text);
    let own = "/api/indicator-values?indicator=CKS_TY_LE&unit=22738&period=2023&view=live";
    let r = as_user(&app, "GET", own, &commune, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let approver = user_token(&app, "tinh.duyet", Role::Approver, "58").await;
    let r = as_user(&app, "GET", &live, &approver, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["view"], "live", "{}", r.text);
    // Neither anything else.
    let r = get(&app, &format!("{province}&view=draft")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(r.text.contains("official or live"), "{}", r.text);
    app.finish().await;
}

#[tokio::test]
async fn the_public_reads_published_analytics_unless_signed_in() {
    let app = spawn_app(true).await;
    // A commune enters its 2024 figures (not sent, not approved): live only.
    let r = post(
        &app,
        "/api/data-values",
        json!({"data_values": [
            {"element": "CB_TONG", "unit": "22738", "period": "2024", "value": 42},
            {"element": "CB_KY_SO", "unit": "22738", "period": "2024", "value": 40}
        ]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let q = "/api/analytics?dimension=dx:CB_KY_SO&filter=ou:22738&filter=pe:2024";
    let public = get(&app, q).await;
    assert_eq!(public.status, StatusCode::OK, "{}", public.text);
    assert_eq!(public.json()["rows"], json!([]), "{}", public.text);
    let signed_in = as_user(&app, "GET", q, &app.token, None).await.json();
    assert_eq!(signed_in["rows"][0][1], "40", "{signed_in}");
    // Asking for the live view anonymously is refused, not quietly answered.
    let r = get(&app, &format!("{q}&view=live")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    app.finish().await;
}
