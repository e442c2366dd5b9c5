//! A unit's page reads as the committee does: its indicators grouped by pillar with their
//! names, a figure of a year not yet over labelled "tính đến …", and the unit against its
//! peers (its rank among its parent's units, as the ranking shows it).

use super::*;

/// The pillar headings of the indicator table, in order, with the codes of the rows under
/// each.
fn groups(html: &str) -> Vec<(String, Vec<String>)> {
    let table = html
        .split("<table class=\"values indicators\">")
        .nth(1)
        .and_then(|t| t.split("</table>").next())
        .expect("an indicator table");
    table
        .split("<tr class=\"pillar-head\">")
        .skip(1)
        .map(|g| {
            let name = g
                .split("colspan=\"")
                .nth(1)
                .and_then(|s| s.split('>').nth(1))
                .and_then(|s| s.split('<').next())
                .unwrap_or("")
                .to_string();
            let codes = g
                .split("<span class=\"code\">")
                .skip(1)
                .filter_map(|s| s.split('<').next().map(str::to_string))
                .collect();
            (name, codes)
        })
        .collect()
}

#[tokio::test]
async fn indicators_are_grouped_by_pillar_with_mid_year_figures_labelled() {
    let app = spawn_app(true).await;
    let vi = unescape(&get(&app, "/units/58").await.text);
    let g = groups(&vi);
    let names: Vec<&str> = g.iter().map(|(n, _)| n.as_str()).collect();
    // The pillars in the default order, indicators under no target last.
    let order = [
        "Chính quyền số",
        "Kinh tế số",
        "Xã hội số",
        "Đề án 06",
        "Hạ tầng, nền tảng số",
        "Chỉ số khác",
    ];
    let positions: Vec<usize> = names
        .iter()
        .map(|n| order.iter().position(|o| o == n).unwrap_or(99))
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]) && !positions.contains(&99),
        "{names:?}"
    );
    // Each indicator under the pillar of the target that measures it (the framework's own
    // pillars, read from the API).
    let mut checked = 0;
    let mut first: Vec<String> = Vec::new();
    for f in app.store.frameworks().await.unwrap() {
        for t in &f.targets {
            let (Some(ind), Some(p)) = (&t.indicator, t.pillar) else {
                continue;
            };
            // The first target naming the indicator decides.
            if first.contains(&ind.to_string()) {
                continue;
            }
            first.push(ind.to_string());
            let want = match p.as_str() {
                "digital_government" => "Chính quyền số",
                "digital_economy" => "Kinh tế số",
                "digital_society" => "Xã hội số",
                "project06" => "Đề án 06",
                _ => "Hạ tầng, nền tảng số",
            };
            if let Some((name, _)) = g
                .iter()
                .find(|(_, codes)| codes.iter().any(|c| c == ind.as_str()))
            {
                assert_eq!(name, want, "{ind}");
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 10,
        "only {checked} indicators under their target's pillar"
    );
    // Names first, the code small beside them and on hover.
    assert!(
        vi.contains("title=\"CKS_TY_LE\">Tỷ lệ sử dụng chữ ký số cá nhân</a> <span class=\"code\">CKS_TY_LE</span>"),
        "the indicator's name links to its page with its code on hover"
    );
    // The demo stands at 30 June 2024: its 2024 is a figure to date, its quarters are not.
    assert!(
        vi.contains("<th class=\"num\">Năm 2024 (tính đến 30/06/2024)</th>"),
        "2024 is not labelled as a figure to date"
    );
    assert!(vi.contains("<th class=\"num\">Quý 2/2024</th>"));
    assert!(vi.contains("title=\"Năm 2023 so với Năm 2022\">+9,48 điểm %"));
    let en = unescape(&get(&app, "/units/58?lang=en").await.text);
    assert!(
        en.contains("<th class=\"num\">2024 (as of 30 Jun 2024)</th>"),
        "the English page labels it too"
    );
    app.finish().await;
}

#[tokio::test]
async fn a_commune_is_ranked_among_its_peers_as_the_ranking_ranks_it() {
    let app = spawn_app(true).await;
    let page = unescape(&get(&app, "/units/22837").await.text);
    assert!(page.contains(">Hạng trong cấp</th>"), "no peers column");
    let ranked = get(
        &app,
        "/api/rankings?indicator=CKS_TY_LE&parent=588&period=2023",
    )
    .await
    .json();
    let list = ranked["rankings"].as_array().unwrap();
    let of = list.iter().filter(|r| !r["rank"].is_null()).count();
    let rank = list
        .iter()
        .find(|r| r["unit"] == "22837")
        .and_then(|r| r["rank"].as_u64())
        .unwrap();
    let href = "/rankings?indicator=CKS_TY_LE&scope=unit:588&period=2023";
    let cell = page
        .split(href)
        .nth(1)
        .and_then(|s| s.split("</a>").next())
        .and_then(|s| s.rsplit('>').next())
        .unwrap_or_else(|| panic!("no link to the ranking"));
    assert_eq!(cell, format!("{rank}/{of}"));
    assert_eq!(get(&app, href).await.status, StatusCode::OK);
    // A province has no peers in the demo: no column.
    assert!(!get(&app, "/units/58")
        .await
        .text
        .contains("Hạng trong cấp</th>"));
    app.finish().await;
}
