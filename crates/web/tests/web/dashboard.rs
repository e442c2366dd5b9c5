//! The steering dashboard (the home page): its figures are the engine's, as the API gives
//! them, and every target not met links the directives and plan tasks that address it.

use super::*;

/// The text of the element after `marker` up to the next `<`.
fn text_after<'a>(html: &'a str, marker: &str) -> &'a str {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in the page"));
    let rest = &html[start + marker.len()..];
    let rest = &rest[rest.find('>').map(|i| i + 1).unwrap_or(0)..];
    &rest[..rest.find('<').unwrap_or(rest.len())]
}

/// A rate as the Vietnamese page writes it: "98,90 %".
fn vi_percent(v: f64) -> String {
    format!("{v:.2} %").replace('.', ",")
}

#[tokio::test]
async fn the_dashboard_shows_the_engines_figures_and_links_unmet_targets_to_what_is_done() {
    let app = spawn_app(true).await;
    // What the engine computes, through the API (official view, judged on the demo's day).
    let fw = get(&app, "/api/target-frameworks/KH_CDS_2023?today=2024-06-30")
        .await
        .json();
    let (achieved, total) = (
        fw["achieved"].as_u64().unwrap(),
        fw["total"].as_u64().unwrap(),
    );
    let page = get(&app, "/?period=2023&structure=58&as_of=2024-06-30").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let html = &unescape(&page.text);
    assert_eq!(
        text_after(html, "<strong id=\"dash-achieved\""),
        format!("{achieved}/{total}"),
        "the scoreboard's count is the engine's"
    );
    // The default (no parameters) is the same framework on the stored day.
    let home = unescape(&get(&app, "/").await.text);
    assert_eq!(
        text_after(&home, "<strong id=\"dash-achieved\""),
        format!("{achieved}/{total}")
    );

    // The three tiers of agencies, as the analytics API computes them.
    let tiers = get(
        &app,
        "/api/analytics?dimension=dx:VB_DT_TY_LE&dimension=ou:GROUP-58_CO_QUAN_TINH;GROUP-58_CAP_HUYEN;GROUP-58_CAP_XA&filter=pe:2023",
    )
    .await
    .json();
    let rows = tiers["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for r in rows {
        let group = r[1].as_str().unwrap().trim_start_matches("GROUP-");
        let value: f64 = r[2].as_str().unwrap().parse().unwrap();
        let card = &html[html
            .find(&format!("data-group=\"{group}\""))
            .unwrap_or_else(|| panic!("tier {group} not on the dashboard"))..];
        assert_eq!(
            text_after(card, "<p class=\"dash-big\""),
            vi_percent(value),
            "tier {group}"
        );
    }

    // Every target not met links each directive and plan task that addresses it.
    let directives = get(&app, "/api/directives").await.json();
    let plans = get(&app, "/api/plans").await.json();
    let mut unmet = 0;
    for t in fw["targets"].as_array().unwrap() {
        let code = t["code"].as_str().unwrap();
        let status = t["assessment"]["status"].as_str().unwrap();
        let row_start = html
            .find(&format!("<tr id=\"target-{code}\""))
            .unwrap_or_else(|| panic!("{code} not on the scoreboard"));
        let row = &html[row_start..row_start + html[row_start..].find("</tr>").unwrap()];
        assert!(t["pillar"].is_string(), "{code} has a pillar");
        if ["met", "beyond_plan", "done_early"].contains(&status) {
            assert!(!row.contains("href=\"/directives#"), "{code}: {row}");
            continue;
        }
        unmet += 1;
        let addressing: Vec<&str> = directives
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| {
                d["targets"]
                    .as_array()
                    .is_some_and(|ts| ts.iter().any(|x| x == code))
            })
            .map(|d| d["code"].as_str().unwrap())
            .collect();
        assert!(!addressing.is_empty(), "a directive addresses {code}");
        for d in &addressing {
            assert!(
                row.contains(&format!("href=\"/directives#{d}\"")),
                "{code} links directive {d}: {row}"
            );
        }
        for p in plans.as_array().unwrap() {
            for task in p["tasks"].as_array().unwrap() {
                if task["targets"]
                    .as_array()
                    .is_some_and(|ts| ts.iter().any(|x| x == code))
                {
                    let href = format!(
                        "href=\"/plans/{}#task-{}\"",
                        p["code"].as_str().unwrap(),
                        task["code"].as_str().unwrap()
                    );
                    assert!(row.contains(&href), "{code} links {href}");
                }
            }
        }
    }
    assert_eq!(unmet as u64, total - achieved);
    // The directive a link points at is on the directives page under that anchor.
    let list = unescape(&get(&app, "/directives").await.text);
    assert!(list.contains("<tr id=\"KL2023-09\">"), "the anchor exists");

    // The 2025 structure: 2023 figures carried into Khánh Hòa's units, not "no data".
    let k = get(&app, "/?period=2023&structure=2025-56&as_of=2024-06-30").await;
    assert_eq!(k.status, StatusCode::OK);
    assert!(k.text.contains("Tỉnh Khánh Hòa"), "the 2025 root");
    assert!(
        k.text.contains("<dd>314.792 tỷ đồng</dd>"),
        "the non-cash turnover read into 2025-56"
    );
    // The 2024 follow-up framework is the other period.
    let y24 = unescape(&get(&app, "/?period=2024&structure=58").await.text);
    let fw24 = get(&app, "/api/target-frameworks/KH_CDS_2024?today=2024-06-30")
        .await
        .json();
    assert_eq!(
        text_after(&y24, "<strong id=\"dash-achieved\""),
        format!("{}/{}", fw24["achieved"], fw24["total"])
    );
    // A bad parameter is refused, not guessed.
    assert_eq!(
        get(&app, "/?structure=NOPE").await.status,
        StatusCode::BAD_REQUEST
    );
    // The unit list moved to /units; the dashboard stays light.
    assert!(unescape(&get(&app, "/units").await.text).contains("/units/58"));
    assert!(page.text.len() < 300_000, "{} bytes", page.text.len());
    app.finish().await;
}

#[tokio::test]
async fn the_as_of_day_is_typed_day_first_and_a_bad_one_is_said_beside_the_field() {
    let app = spawn_app(true).await;
    let iso = get(&app, "/?period=2023&structure=58&as_of=2024-06-30").await;
    let typed = get(&app, "/?period=2023&structure=58&as_of=30%2F06%2F2024").await;
    assert_eq!(typed.status, StatusCode::OK, "{}", typed.text);
    // The same page below the form (the language switch keeps the query as it was sent).
    let body = |html: &str| html[html.find("<section class=\"dash-head\">").unwrap()..].to_string();
    assert_eq!(
        body(&typed.text),
        body(&iso.text),
        "dd/mm/yyyy and ISO are the same day"
    );
    // The field is text, day first, whatever the browser's language.
    let html = unescape(&typed.text);
    assert!(
        html.contains("<input type=\"text\" name=\"as_of\" id=\"dash-as-of\" value=\"30/06/2024\""),
        "the field shows 30/06/2024"
    );
    // Month first is no day: refused with the reason beside the field, the typed text kept.
    let bad = get(&app, "/?period=2023&structure=58&as_of=06%2F30%2F2024").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let html = unescape(&bad.text);
    assert!(
        html.contains("id=\"dash-as-of-error\""),
        "the error is on the page"
    );
    assert!(
        html.contains("Ngày «06/30/2024» không đọc được"),
        "it names what was typed"
    );
    assert!(
        html.contains("value=\"06/30/2024\""),
        "what was typed stays in the field"
    );
    assert!(html.contains("aria-invalid=\"true\""));
    // In English too.
    let en = unescape(&get(&app, "/?as_of=31%2F02%2F2024&lang=en").await.text);
    assert!(
        en.contains("The day “31/02/2024” cannot be read"),
        "English message"
    );
    app.finish().await;
}
