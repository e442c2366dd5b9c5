//! The map of a province's or a district's communes: one area per commune carrying its code,
//! "no data" apart from zero, small enough for a phone.

use super::*;
use chiso_core::UnitKind;
use chiso_store::UnitQuery;

async fn communes_under(app: &App, code: &str) -> Vec<String> {
    app.store
        .units(&UnitQuery {
            under: Some(Code::parse(code).unwrap()),
            kind: Some(UnitKind::Commune),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.unit.code.to_string())
        .collect()
}

/// The `data-unit` codes of a page's map, in order.
fn mapped(html: &str) -> Vec<String> {
    html.split("data-unit=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next().map(str::to_string))
        .collect()
}

/// The map inside the page.
fn svg(html: &str) -> &str {
    let start = html.find("<svg xmlns").expect("the page has a map");
    let end = html[start..].find("</svg>").unwrap() + start + "</svg>".len();
    &html[start..end]
}

#[tokio::test]
async fn the_legacy_province_has_one_area_per_commune() {
    let app = spawn_app(true).await;
    let communes = communes_under(&app, "58").await;
    assert_eq!(communes.len(), 62, "the demo's communes");
    let r = get(&app, "/units/58/map").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut codes = mapped(&r.text);
    codes.sort();
    let mut expected = communes.clone();
    expected.sort();
    assert_eq!(codes, expected, "one area per commune, each with its code");
    let map = svg(&r.text);
    assert!(map.len() < 300 * 1024, "{} bytes", map.len());
    assert!(
        r.text.len() < 300 * 1024,
        "the page: {} bytes",
        r.text.len()
    );
    // Each area links to its unit, its name and value on hover.
    assert!(map.contains("<a href=\"/units/22738\" class=\"map-cell\" data-unit=\"22738\""));
    assert!(map.contains("<title>Phường Đô Vinh: "), "{map}");
    // Without outlines the areas are approximate, and the page says so.
    assert!(r.text.contains("Vùng gần đúng"));
    // The table beside the map lists every commune with its value.
    assert_eq!(r.text.matches("<tr data-row=").count(), 62);
    // The unit page links to it.
    let unit = get(&app, "/units/58").await;
    assert!(unit.text.contains("href=\"/units/58/map\""));
    // A district: its own communes only.
    let d = get(&app, "/units/582/map").await;
    let mut dc = mapped(&d.text);
    dc.sort();
    let mut expected = communes_under(&app, "582").await;
    expected.sort();
    assert_eq!(dc, expected);
    assert!(!dc.is_empty() && dc.len() < 62);
    app.finish().await;
}

#[tokio::test]
async fn the_2025_province_has_one_area_per_2025_commune() {
    let app = spawn_app(true).await;
    let communes = communes_under(&app, "2025-56").await;
    assert!(communes.len() >= 20, "{communes:?}");
    let r = get(&app, "/units/2025-56/map?lang=en").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mut codes = mapped(&r.text);
    codes.sort();
    let mut expected = communes.clone();
    expected.sort();
    assert_eq!(codes, expected);
    assert!(codes.iter().all(|c| c.starts_with("2025-")));
    // The 2023 figures carried into the 2025 communes: some have values.
    let map = svg(&r.text);
    assert!(map.contains("data-class=\"0\""), "{map}");
    assert!(r.text.contains("Approximate areas"));
    // The 2025 communes' areas, from the shipped data, in the table.
    assert!(r.text.contains("Area (km²)"));
    app.finish().await;
}

#[tokio::test]
async fn no_data_is_a_class_apart_from_zero() {
    let app = spawn_app(true).await;
    // The commune tier's e-documents rate, 2023, official: the four communes that never sent
    // their 2023 report have no data.
    let r = get(&app, "/units/58/map?indicator=VB_DT_TY_LE&period=2023").await;
    assert_eq!(r.status, StatusCode::OK);
    let map = svg(&r.text).to_string();
    let none: Vec<&str> = map
        .lines()
        .filter(|l| l.contains("data-class=\"none\""))
        .collect();
    assert!(!none.is_empty(), "{map}");
    assert!(none
        .iter()
        .all(|l| l.contains("fill=\"url(#map-nodata)\"") && l.contains("Không có số liệu")));
    assert!(
        r.text.contains("swatch-nodata"),
        "the legend shows the hatching"
    );
    // A zero is a value: it takes the lowest class's colour, never the hatching.
    let commune = none[0]
        .split("data-unit=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    for element in ["VB_XL_MANG", "VB_DEN"] {
        let w = post(
            &app,
            "/api/data-values",
            json!({"data_values": [{"element": element, "unit": commune, "period": "2023", "value": if element == "VB_DEN" { 10 } else { 0 }}]}),
        )
        .await;
        assert_eq!(w.status, StatusCode::OK, "{}", w.text);
    }
    // The live view is for those with rights: the public is sent to log in.
    let r = get(
        &app,
        "/units/58/map?indicator=VB_DT_TY_LE&period=2023&view=live",
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let tok = user_token(&app, "xa.can.bo", Role::Viewer, "58").await;
    let r = as_user(
        &app,
        "GET",
        "/units/58/map?indicator=VB_DT_TY_LE&period=2023&view=live",
        &tok,
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let line = svg(&r.text)
        .lines()
        .find(|l| l.contains(&format!("data-unit=\"{commune}\"")))
        .unwrap()
        .to_string();
    assert!(
        line.contains("data-class=\"0\"") && !line.contains("map-nodata"),
        "{line}"
    );
    assert!(line.contains(": 0,00 %"), "{line}");
    app.finish().await;
}

#[tokio::test]
async fn a_private_server_asks_for_a_login_and_an_unknown_unit_is_not_found() {
    let app = spawn_private_app().await;
    let r = get(&app, "/units/58/map").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let app = spawn_app(true).await;
    assert_eq!(
        get(&app, "/units/99999/map").await.status,
        StatusCode::NOT_FOUND
    );
    app.finish().await;
}
