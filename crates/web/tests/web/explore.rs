//! The data explorer, the indicator page, rankings and scorecards: the explorer's cells are
//! `/api/analytics`'s for the same query, its exports are the table shown, ranks are shared
//! by ties.

use super::*;
use calamine::{Data, Reader, Xlsx};
use std::collections::HashMap;

async fn get_bytes(app: &App, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let resp = app
        .router
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, headers, bytes.to_vec())
}

fn unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&#x2f;", "/")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

/// The text of an HTML fragment without its tags, trimmed.
fn plain(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(out.trim())
}

/// The cells of the table `id`: per body row, the headings (`<th>`) and the cells (`<td>`)
/// as text, and each cell's `data-key` when it has one.
#[allow(clippy::type_complexity)]
fn table(html: &str, id: &str) -> Vec<(Vec<String>, Vec<(String, Option<String>)>)> {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no table {id}"));
    let body = &html[start..];
    let body = &body[body.find("<tbody>").unwrap()..body.find("</tbody>").unwrap()];
    body.split("<tr>")
        .skip(1)
        .map(|tr| {
            let mut heads = Vec::new();
            let mut cells = Vec::new();
            let mut rest = tr;
            while let Some(i) = rest.find("<t") {
                rest = &rest[i..];
                let is_th = rest.starts_with("<th");
                let is_td = rest.starts_with("<td");
                if !is_th && !is_td {
                    rest = &rest[2..];
                    continue;
                }
                let open_end = rest.find('>').unwrap();
                let open = &rest[..open_end];
                let close = if is_th { "</th>" } else { "</td>" };
                let end = rest.find(close).unwrap();
                let inner = &rest[open_end + 1..end];
                if is_th {
                    heads.push(plain(inner));
                } else {
                    let key = open
                        .split("data-key=\"")
                        .nth(1)
                        .map(|k| unescape(&k[..k.find('"').unwrap()]));
                    cells.push((plain(inner), key));
                }
                rest = &rest[end + close.len()..];
            }
            (heads, cells)
        })
        .collect()
}

/// A number as the Vietnamese page writes it ("1.234,5", "98,90 %"), as a number.
fn vi_number(s: &str) -> Option<f64> {
    let t: String = s
        .trim()
        .trim_end_matches('%')
        .trim()
        .replace('.', "")
        .replace(',', ".");
    t.parse().ok()
}

fn href_of(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no link {id}"));
    let before = &html[..at];
    let h = &before[before.rfind("href=\"").unwrap() + 6..];
    unescape(&h[..h.find('"').unwrap()])
}

/// The API's values by `dx|pe|ou`.
fn api_values(g: &Value) -> HashMap<String, f64> {
    g["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                format!(
                    "{}|{}|{}",
                    r[0].as_str().unwrap(),
                    r[1].as_str().unwrap(),
                    r[2].as_str().unwrap()
                ),
                r[3].as_str().unwrap().parse::<f64>().unwrap(),
            )
        })
        .collect()
}

const QUERIES: [&str; 3] = [
    "/explore?dx=VB_DT_TY_LE&dx=CKS_TY_LE&dx=VB_DEN&pe=2022&pe=2023&ou=GROUP-58_CO_QUAN_TINH&ou=GROUP-58_CAP_HUYEN&ou=GROUP-58_CAP_XA&rows=ou&cols=pe",
    "/explore?dx=CKS_TY_LE&pe=2023&ou=582&ou=LEVEL-3&rows=ou&cols=dx",
    "/explore?dx=VB_DT_TY_LE&dx=CKS_TY_LE&pe=THIS_YEAR&pe=LAST_YEAR&ou=58&rows=dx&cols=pe&relativePeriodDate=2024-03-01",
];

#[tokio::test]
async fn the_explorers_cells_are_the_analytics_apis() {
    let app = spawn_app(true).await;
    for q in QUERIES {
        let page = get(&app, q).await;
        assert_eq!(page.status, StatusCode::OK, "{q}: {}", page.text);
        let api = href_of(&page.text, "explore-api");
        assert!(api.starts_with("/api/analytics?dimension=dx:"), "{api}");
        let rounded = api_values(&get(&app, &api).await.json());
        let exact = api_values(&get(&app, &format!("{api}&skipRounding=true")).await.json());
        let rows = table(&page.text, "pivot");
        assert!(!rows.is_empty(), "{q}: no rows");
        let mut shown = 0;
        for (heads, cells) in &rows {
            for (text, key) in cells {
                let key = key.clone().expect("every cell names its items");
                match rounded.get(&key) {
                    None => assert_eq!(text, "—", "{q} {key}: a value the API does not have"),
                    Some(v) => {
                        let n = vi_number(text)
                            .unwrap_or_else(|| panic!("{q} {heads:?} {key}: {text:?}"));
                        assert!((n - v).abs() < 1e-9, "{q} {key}: page {n}, API {v}");
                        // The API's full precision, rounded as the page shows it.
                        let decimals = text
                            .split(',')
                            .nth(1)
                            .map_or(0, |f| f.trim_end_matches(['%', ' ']).len() as i32);
                        let e = exact[&key];
                        let f = 10f64.powi(decimals);
                        assert!(((e * f).round() / f - n).abs() < 1e-9, "{key}: {e} vs {n}");
                        shown += 1;
                    }
                }
            }
        }
        assert_eq!(shown, rounded.len(), "{q}: every API value is in the table");
    }
    // The seed's three tiers, as the page writes them.
    let page = get(&app, QUERIES[0]).await;
    let rows = table(&page.text, "pivot");
    let tier = |name: &str| {
        rows.iter()
            .find(|(h, _)| h[0] == name && h[1].starts_with("Tỷ lệ văn bản điện tử"))
            .map(|(_, c)| c[1].0.clone())
            .unwrap_or_else(|| panic!("no row {name}"))
    };
    assert_eq!(tier("Cơ quan cấp tỉnh (sở, ban, ngành)"), "98,90");
    assert_eq!(tier("UBND cấp huyện"), "96,52");
    assert_eq!(tier("UBND cấp xã"), "94,89");
    app.finish().await;
}

#[tokio::test]
async fn the_explorers_exports_are_the_table_shown() {
    let app = spawn_app(true).await;
    for q in QUERIES {
        let page = get(&app, q).await;
        let rows = table(&page.text, "pivot");
        // CSV: the same headings and the same numbers, `.` as the decimal point.
        let (status, headers, csv_bytes) = get_bytes(&app, &format!("{q}&format=csv")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment"));
        let mut r = csv::Reader::from_reader(csv_bytes.as_slice());
        let records: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
        assert_eq!(records.len(), rows.len(), "{q}");
        // The workbook: title, header in row 3, the rows below, numbers as numbers.
        let (status, _, xlsx) = get_bytes(&app, &format!("{q}&format=xlsx")).await;
        assert_eq!(status, StatusCode::OK);
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
        let sheet = wb.sheet_names()[0].clone();
        let range = wb.worksheet_range(&sheet).unwrap();
        for (i, ((heads, cells), rec)) in rows.iter().zip(&records).enumerate() {
            let row = 3 + i as u32;
            for (k, h) in heads.iter().enumerate() {
                assert_eq!(&rec[k], h.as_str(), "{q}: csv heading");
                assert_eq!(
                    range.get_value((row, k as u32)),
                    Some(&Data::String(h.clone())),
                    "{q}: xlsx heading"
                );
            }
            for (j, (text, _)) in cells.iter().enumerate() {
                let col = heads.len() + j;
                let cell = range.get_value((row, col as u32));
                match vi_number(text) {
                    None => {
                        assert_eq!(&rec[col], "", "{q}: csv empty");
                        assert!(matches!(cell, None | Some(Data::Empty)), "{q}: {cell:?}");
                    }
                    Some(n) => {
                        let c: f64 = rec[col].parse().unwrap();
                        assert!((c - n).abs() < 1e-9, "{q}: csv {c} vs page {n}");
                        match cell {
                            Some(Data::Float(x)) => {
                                assert!((x - n).abs() < 1e-9, "{q}: xlsx {x} vs page {n}")
                            }
                            Some(Data::Int(x)) => assert_eq!(*x as f64, n),
                            other => panic!("{q}: xlsx cell {other:?} for {text}"),
                        }
                    }
                }
            }
        }
    }
    app.finish().await;
}

#[tokio::test]
async fn a_wrong_item_is_named_and_nothing_breaks() {
    let app = spawn_app(true).await;
    let r = get(&app, "/explore").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("Hãy chọn ít nhất"));
    let r = get(&app, "/explore?dx=NO_SUCH&pe=2023&ou=58").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("NO_SUCH"), "{}", r.text);
    let r = get(&app, "/explore?dx=%3Cscript%3E&pe=2023&ou=58").await;
    assert!(r.text.contains("&lt;script&gt;") && !r.text.contains("<script>"));
    app.finish().await;
}

/// Ranks as shown, with each unit's value: equal values share a rank, the next rank skips.
fn check_competition_ranks(ranked: &[(Option<u32>, String)]) -> usize {
    let mut ties = 0;
    for (i, (rank, value)) in ranked.iter().enumerate() {
        let Some(rank) = rank else { continue };
        if i > 0 && ranked[i - 1].1 == *value {
            assert_eq!(Some(*rank), ranked[i - 1].0, "{ranked:?}");
            ties += 1;
        } else {
            assert_eq!(*rank as usize, i + 1, "{ranked:?}");
        }
    }
    ties
}

#[tokio::test]
async fn rankings_and_scorecards_share_ties() {
    let app = spawn_app(true).await;
    let page = get(
        &app,
        "/rankings?indicator=VB_DT_TY_LE&scope=unit:58&period=2023",
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("Số liệu chính thức"));
    let rows = table(&page.text, "ranking");
    let ranked: Vec<(Option<u32>, String)> = rows
        .iter()
        .map(|(_, c)| (c[0].0.parse().ok(), c[1].0.clone()))
        .collect();
    assert!(check_competition_ranks(&ranked) > 0, "no tie: {ranked:?}");
    // The same ranks as the API's.
    let api = get(
        &app,
        "/api/rankings?indicator=VB_DT_TY_LE&parent=58&period=2023",
    )
    .await
    .json();
    let api_ranks: Vec<Option<u64>> = api["rankings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["rank"].as_u64())
        .collect();
    let page_ranks: Vec<Option<u64>> = ranked.iter().map(|(r, _)| r.map(u64::from)).collect();
    assert_eq!(page_ranks, api_ranks);

    let page = get(&app, "/scorecards/DTI_XA?scope=58_CAP_XA&period=2023").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let rows = table(&page.text, "scores");
    assert_eq!(rows.len(), 62);
    let page_ranks: Vec<Option<u32>> = rows.iter().map(|(_, c)| c[0].0.parse().ok()).collect();
    // Ranked on the exact index (two communes shown alike at 91,54 % differ further down);
    // equal indexes share a rank: the four communes without figures are 59, 59, 59, 59.
    let api = get(&app, "/api/scorecards/DTI_XA?group=58_CAP_XA&period=2023")
        .await
        .json();
    let exact: Vec<(Option<u32>, String)> = api["scores"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&page_ranks)
        .map(|(s, r)| (*r, s["index"].to_string()))
        .collect();
    assert!(check_competition_ranks(&exact) >= 3, "{exact:?}");
    assert_eq!(
        page_ranks.iter().filter(|r| **r == Some(59)).count(),
        4,
        "{page_ranks:?}"
    );
    app.finish().await;
}

#[tokio::test]
async fn an_indicator_page_drills_down_and_exports_its_units() {
    let app = spawn_app(true).await;
    let page = get(&app, "/indicators/VB_DT_TY_LE?unit=58&period=2023").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let tiers = table(&page.text, "tiers");
    let values: Vec<&str> = tiers
        .iter()
        .map(|(_, c)| c[0].0.split('%').next().unwrap().trim())
        .collect();
    assert_eq!(values, ["98,90", "96,52", "94,89"]);
    assert!(page.text.contains("[Văn bản đến]"), "the formula in words");
    // The province's units, one of them a district one can drill into, and back.
    assert!(unescape(&page.text).contains("/indicators/VB_DT_TY_LE?unit=582&period=2023"));
    let district = get(&app, "/indicators/VB_DT_TY_LE?unit=582&period=2023").await;
    assert_eq!(district.status, StatusCode::OK);
    assert!(
        unescape(&district.text).contains("href=\"/indicators/VB_DT_TY_LE?unit=58&period=2023\"")
    );
    let units = table(&page.text, "units");
    let (_, _, xlsx) = get_bytes(
        &app,
        "/indicators/VB_DT_TY_LE?unit=58&period=2023&format=xlsx",
    )
    .await;
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
    let sheet = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&sheet).unwrap();
    for (i, (heads, cells)) in units.iter().enumerate() {
        let row = 3 + i as u32;
        let name = heads[0].trim_end_matches('↗').trim();
        assert_eq!(range.get_value((row, 1)), Some(&Data::String(name.into())));
        let shown = vi_number(cells[1].0.split('%').next().unwrap());
        match (shown, range.get_value((row, 2))) {
            (Some(n), Some(Data::Float(x))) => assert!((x - n).abs() < 0.005, "{x} vs {n}"),
            (None, c) => assert!(matches!(c, None | Some(Data::Empty))),
            other => panic!("{other:?}"),
        }
    }
    // Linked from the unit and framework pages.
    let unit = get(&app, "/units/58").await;
    assert!(unit.text.contains("/indicators/VB_DT_TY_LE?unit=58"));
    app.finish().await;
}
