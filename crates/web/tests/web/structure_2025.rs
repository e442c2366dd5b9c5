//! The 2025 structure on the dashboard and the unit page: the legacy targets assessed over
//! what their units became (`58` → `2025-56`, the communes → the 2025 communes), the figures
//! those of the analytics API "as of" the structure's first day.

use super::*;

/// A rate as the Vietnamese page writes it: "98,90 %".
fn vi_percent(v: f64) -> String {
    format!("{v:.2} %").replace('.', ",")
}

/// The analytics API's value of an indicator over a unit in 2023, read as of 1 July 2025.
async fn carried(app: &App, indicator: &str, unit: &str) -> f64 {
    let a = get(
        app,
        &format!("/api/analytics?dimension=dx:{indicator}&filter=ou:{unit}&filter=pe:2023&asOf=2025-07-01"),
    )
    .await
    .json();
    a["rows"][0][1]
        .as_str()
        .unwrap_or_else(|| panic!("no value for {indicator} over {unit}: {a}"))
        .parse()
        .unwrap()
}

fn row<'a>(html: &'a str, code: &str) -> &'a str {
    let start = html
        .find(&format!("<tr id=\"target-{code}\""))
        .unwrap_or_else(|| panic!("{code} not on the scoreboard"));
    &html[start..start + html[start..].find("</tr>").unwrap()]
}

#[tokio::test]
async fn the_2025_structure_assesses_the_targets_over_its_own_units() {
    let app = spawn_app(true).await;
    let fw = get(&app, "/api/target-frameworks/KH_CDS_2023?today=2024-06-30")
        .await
        .json();
    let page = get(&app, "/?period=2023&structure=2025-56&as_of=2024-06-30").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let html = unescape(&page.text);

    // A target on the legacy province is read over Khánh Hòa (2025-56), its figure the one the
    // analytics API carries into it.
    let t05 = row(&html, "KH2023_05");
    assert!(t05.contains("Tỉnh Khánh Hòa (2025-56)"), "{t05}");
    let v = carried(&app, "DVCTT_TOAN_TRINH_TY_LE", "2025-56").await;
    assert!(t05.contains(&vi_percent(v)), "{} in {t05}", vi_percent(v));
    // The commune tier is read over the 2025 communes that took the legacy communes over:
    // the same communes' figures, so the same rate as the legacy group's.
    let t03 = row(&html, "KH2023_03");
    assert!(t03.contains("đơn vị kế thừa"), "{t03}");
    let legacy = get(
        &app,
        "/api/analytics?dimension=dx:VB_DT_TY_LE&filter=ou:GROUP-58_CAP_XA&filter=pe:2023",
    )
    .await
    .json();
    let legacy: f64 = legacy["rows"][0][1].as_str().unwrap().parse().unwrap();
    assert!(t03.contains(&vi_percent(legacy)), "{t03}");
    // The district tier and the provincial agencies have no unit in the 2025 structure: shown
    // as not assessed there, and not counted.
    let mut not_carried = 0;
    let mut met = 0;
    for t in fw["targets"].as_array().unwrap() {
        let code = t["code"].as_str().unwrap();
        let r = row(&html, code);
        if r.contains("status-not_carried") {
            not_carried += 1;
            assert!(r.contains("Không đánh giá trong cấu trúc này"), "{r}");
        } else if r.contains("✓") {
            met += 1;
        }
    }
    assert!(row(&html, "KH2023_01").contains("status-not_carried"));
    assert!(row(&html, "KH2023_02").contains("status-not_carried"));
    let total = fw["total"].as_u64().unwrap() as usize - not_carried;
    let start = html.find("<strong id=\"dash-achieved\"").unwrap();
    let count = &html[start..];
    let count = &count[count.find('>').unwrap() + 1..count.find("</strong>").unwrap()];
    assert_eq!(count, format!("{met}/{total}"));

    // The unit page of 2025-56 shows the figures carried into it, not "no data".
    let unit = get(&app, "/units/2025-56").await;
    assert_eq!(unit.status, StatusCode::OK);
    let unit = unescape(&unit.text);
    let at = unit
        .find("DVCTT_TOAN_TRINH_TY_LE")
        .expect("the indicator is on the 2025 province's page");
    let line = &unit[at..at + unit[at..].find("</tr>").unwrap()];
    assert!(line.contains(&vi_percent(v)), "{line}");
    // A 2025 commune too: its legacy communes' figures.
    let commune = unescape(&get(&app, "/units/2025-22738").await.text);
    let v = carried(&app, "VB_DT_TY_LE", "2025-22738").await;
    let at = commune
        .find("VB_DT_TY_LE")
        .expect("the indicator is on the 2025 commune's page");
    let line = &commune[at..at + commune[at..].find("</tr>").unwrap()];
    assert!(line.contains(&vi_percent(v)), "{line}");
    app.finish().await;
}
