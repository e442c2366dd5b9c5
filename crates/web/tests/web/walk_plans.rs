//! Faults a person met on the walk through the pages (issue 13): plans, directives and DX
//! products as a secretariat officer uses them.

use super::*;

/// The part of a page between two markers (both included), or the whole page.
fn between<'a>(html: &'a str, from: &str, to: &str) -> &'a str {
    let Some(start) = html.find(from) else {
        return html;
    };
    let end = html[start..]
        .find(to)
        .map_or(html.len(), |e| start + e + to.len());
    &html[start..end]
}

/// What a reader sees of some HTML: its text, tags removed, entities read.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(&out)
}

/// The words of a text that are written with Vietnamese letters (any letter beyond ASCII).
fn vietnamese_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().any(|c| c.is_alphabetic() && !c.is_ascii()))
        .map(str::to_string)
        .collect()
}

/// The header's menu of a page.
fn menu(html: &str) -> &str {
    between(html, "<header", "</header>")
}

/// The label of each row of a roadmap, its lines joined by a space.
fn roadmap_rows(svg: &str) -> Vec<String> {
    svg.lines()
        .filter(|l| l.starts_with("<g>"))
        .map(|l| {
            l.match_indices("<text x=\"10\"")
                .filter_map(|(at, _)| {
                    let t = &l[at..];
                    let start = t.find('>')? + 1;
                    Some(unescape(&t[start..start + t[start..].find("</text>")?]))
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[tokio::test]
async fn directives_and_products_are_in_the_menu_and_linked_from_home() {
    let app = spawn_app(true).await;
    for (lang, directives, products) in [
        ("vi", "Chỉ đạo", "Sản phẩm CĐS"),
        ("en", "Directives", "DX products"),
    ] {
        // The menu of every page, the plans' pages and the others alike.
        for path in ["/", "/plans", "/units/58", "/directives"] {
            let page = get(&app, &format!("{path}?lang={lang}")).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            let nav = menu(&page.text);
            assert!(
                nav.contains(&format!("<a href=\"/directives\">{directives}</a>"))
                    && nav.contains(&format!("<a href=\"/products\">{products}</a>")),
                "{path} ({lang}): {nav}"
            );
        }
        // The home page's section links the plans, the directives and the products.
        let home = get(&app, &format!("/?lang={lang}")).await;
        let main = between(&home.text, "<main>", "</main>");
        for href in ["/plans", "/directives", "/products"] {
            assert!(
                main.contains(&format!("<a href=\"{href}\">")),
                "home ({lang}) links {href}: {main}"
            );
        }
    }
    // The menu wraps on a narrow screen (a flex row that wraps, each link kept whole), so a
    // phone never scrolls sideways to reach a link.
    let css = get(&app, "/static/chiso.css").await.text;
    assert!(css.contains("header.top nav { display: flex; flex-wrap: wrap;"));
    assert!(css.contains("header.top nav a { margin-right: 0; white-space: nowrap; }"));
    app.finish().await;
}

#[tokio::test]
async fn plan_tables_give_the_text_column_room_and_read_as_cards_on_a_phone() {
    let app = spawn_app(true).await;
    let css = get(&app, "/static/chiso.css").await.text;
    // Wide screens: the plan's, task's, directive's or product's column has room; figures
    // and dates never break inside.
    assert!(css.contains("table.values th.wide { min-width: 18rem; }"));
    assert!(css.contains(
        "table.values td.num, table.values th.num { text-align: right; white-space: nowrap; }"
    ));
    // Phones: one card per row, each figure with its label; the roadmap scrolls in its own
    // box, not the page.
    let phone = between(&css, "@media (max-width: 40rem) {\n  table.cards", "\n}\n");
    assert!(phone.contains("table.cards, table.cards tbody, table.cards tr, table.cards td, table.cards tbody th { display: block; }"), "{phone}");
    assert!(phone.contains("table.cards td[data-label]::before { content: attr(data-label)"));
    assert!(css.contains(".chart { overflow-x: auto;"));
    for (path, text_header) in [
        ("/plans?year=2024", "Kế hoạch"),
        ("/plans/KH2024-58-SO-TTTT", "Nhiệm vụ"),
        ("/directives", "Nội dung chỉ đạo"),
        ("/products?year=2024", "Sản phẩm"),
    ] {
        let page = get(&app, path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let table = between(&page.text, "<table", "</table>");
        assert!(
            table.starts_with("<table class=\"values cards"),
            "{path}: {table}"
        );
        assert!(
            table.contains(&format!("<th class=\"wide\">{text_header}</th>")),
            "{path}: the text column is the wide one"
        );
        // Every cell but the row's heading, its number and its unit says what it is.
        let body = between(table, "<tbody>", "</tbody>");
        for cell in body.split("<td").skip(1) {
            let tag = &cell[..cell.find('>').unwrap_or(0)];
            assert!(
                tag.contains("data-label=\"")
                    || tag.contains("class=\"no\"")
                    || tag.contains("class=\"unit\""),
                "{path}: <td{tag}>"
            );
        }
        if path.starts_with("/plans") {
            assert!(
                page.text.contains("<p class=\"chart\"><a href=\"/"),
                "{path}: the roadmap sits in its own box"
            );
        }
    }
    // A plan's table has the columns a reader needs, not ten narrow ones.
    let plan = get(&app, "/plans/KH2024-58-SO-TTTT").await;
    let head = between(&plan.text, "<thead>", "</thead>");
    assert_eq!(head.matches("</th>").count(), 7, "{head}");
    // The demo's note is said once above the list, not in every row.
    let plans = get(&app, "/plans?year=2024").await;
    assert_eq!(plans.text.matches("Số liệu minh họa").count(), 1);
    app.finish().await;
}

#[tokio::test]
async fn roadmaps_show_every_task_label_whole() {
    let app = spawn_app(true).await;
    let plans = get_as(&app, &app.token, "/api/plans?year=2024").await;
    let plans = plans.as_array().unwrap();
    assert!(plans.len() >= 10);
    for lang in ["vi", "en"] {
        let province = get(&app, &format!("/roadmap.svg?year=2024&lang={lang}")).await;
        assert_eq!(province.status, StatusCode::OK);
        let rows = roadmap_rows(&province.text);
        let mut n = 0;
        for p in plans {
            let code = p["code"].as_str().unwrap();
            let own = get(&app, &format!("/plans/{code}/roadmap.svg?lang={lang}")).await;
            let own_rows = roadmap_rows(&own.text);
            for (i, t) in p["tasks"].as_array().unwrap().iter().enumerate() {
                let title = match (lang, t["title_en"].as_str()) {
                    ("en", Some(en)) => en,
                    _ => t["title"].as_str().unwrap(),
                };
                let label = format!("{}. {title}", t["code"].as_str().unwrap());
                assert_eq!(own_rows[i], label, "{code} ({lang})");
                assert!(
                    rows[n].ends_with(&format!(" · {title}")),
                    "{} ({lang}): {title}",
                    rows[n]
                );
                assert!(!rows[n].contains('…'));
                n += 1;
            }
        }
        assert_eq!(rows.len(), n);
    }
    // The one the walk met, whole.
    let svg = get(&app, "/roadmap.svg?year=2024").await.text;
    assert!(roadmap_rows(&svg)
        .contains(&"Phường Đô Vinh · Đăng ký ít nhất một sản phẩm CĐS của xã".to_string()));
    app.finish().await;
}

#[tokio::test]
async fn a_plans_tasks_name_their_targets_instead_of_codes() {
    let app = spawn_app(true).await;
    for (lang, name) in [
        ("vi", "Thôn không còn vùng lõm sóng"),
        ("en", "Villages free of mobile-signal dead zones"),
    ] {
        let page = get(&app, &format!("/plans/KH2024-58-SO-TTTT?lang={lang}")).await;
        let main = unescape(between(&page.text, "<main>", "</main>"));
        // The target by name, linked to its framework; the code small beside it.
        assert!(
            main.contains(&format!(
                "<a href=\"/frameworks/KH_CDS_2023\">{name}</a> <span class=\"code\">KH2023_23</span>"
            )),
            "{lang}: {main}"
        );
        // No bare code: the target's code only in its small label, the indicator it measures
        // not repeated as a code.
        assert_eq!(main.matches("KH2023_23").count(), 1, "{lang}");
        assert!(!main.contains("THON_HET_LOM_SONG_TY_LE"), "{lang}");
    }
    // Every task linked to a target: by name; a code only ever in its small label.
    let page = get(&app, "/plans/KH2024-58-SO-NV").await;
    let main = unescape(between(&page.text, "<main>", "</main>"));
    assert!(main.contains(
        "<a href=\"/frameworks/KH_CDS_2023\">Sử dụng chữ ký số cá nhân</a> <span class=\"code\">KH2023_04</span>"
    ));
    for code in ["KH2023_04", "KH2023_22", "CKS_TY_LE", "BCD_KH_TY_LE"] {
        assert_eq!(
            main.matches(code).count(),
            main.matches(&format!("<span class=\"code\">{code}</span>"))
                .count(),
            "{code}"
        );
    }
    app.finish().await;
}

#[tokio::test]
async fn a_comment_says_who_and_when_never_an_account_id() {
    let app = spawn_app(true).await;
    // The demo's comment, by an approver the system has no account for.
    let page = get(&app, "/plans/KH2024-58-SO-TTTT").await;
    let comments = unescape(between(&page.text, "<ul class=\"comments\">", "</ul>"));
    assert!(
        comments.contains("— Người phê duyệt, 05/02/2024"),
        "{comments}"
    );
    assert!(!page.text.contains("so-tttt-phe-duyet"));
    let en = get(&app, "/plans/KH2024-58-SO-TTTT?lang=en").await;
    assert!(between(&en.text, "<ul class=\"comments\">", "</ul>")
        .contains("— The approver, 5 Feb 2024"));
    // A comment by a person with an account: their name, never their login name.
    let user = chiso_store::UserRecord {
        username: "ttbinh.vpub".into(),
        display_name: "Trần Thị Bình".into(),
        password_hash: chiso_core::account::hash_password("not used here 1!").unwrap(),
        must_change_password: false,
        disabled: false,
        created_at: chrono::Utc::now(),
        assignments: vec![Assignment {
            role: Role::SystemAdmin,
            unit: None,
        }],
    };
    app.store
        .create_user(&user, &Actor::new("test", Via::Cli))
        .await
        .unwrap();
    let token = token_for(app.store.as_ref(), "ttbinh.vpub").await;
    let r = call(
        &app,
        &token,
        "POST",
        "/api/plans/KH2024-58-SO-TTTT/comments",
        Some(json!({"text": "Đề nghị bổ sung kinh phí nhiệm vụ 2"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let page = get(&app, "/plans/KH2024-58-SO-TTTT").await;
    let comments = unescape(between(&page.text, "<ul class=\"comments\">", "</ul>"));
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap())
        .format("%d/%m/%Y");
    assert!(
        comments.contains(&format!(
            "<q>Đề nghị bổ sung kinh phí nhiệm vụ 2</q> <span class=\"by\">— Trần Thị Bình, {today}</span>"
        )),
        "{comments}"
    );
    assert!(!page.text.contains("ttbinh.vpub"));
    app.finish().await;
}

#[tokio::test]
async fn a_plans_approval_and_a_tasks_state_are_not_called_an_assessment() {
    let app = spawn_app(true).await;
    let heads = |html: &str| text_of(between(html, "<thead>", "</thead>"));
    let plans = heads(&get(&app, "/plans?year=2024").await.text);
    assert!(
        plans.contains(" Phê duyệt ") && !plans.contains("Đánh giá"),
        "{plans}"
    );
    for path in [
        "/plans/KH2024-58-SO-TTTT",
        "/directives",
        "/products?year=2024",
    ] {
        let h = heads(&get(&app, path).await.text);
        assert!(
            h.contains(" Tình trạng ") && !h.contains("Đánh giá"),
            "{path}: {h}"
        );
    }
    let en = heads(&get(&app, "/plans?year=2024&lang=en").await.text);
    assert!(en.contains(" Approval "), "{en}");
    app.finish().await;
}

#[tokio::test]
async fn plans_directives_and_products_pages_are_wholly_in_english() {
    let app = spawn_app(true).await;
    // Lists without a person's name: not one Vietnamese word in the page's body.
    for path in [
        "/plans?year=2024&lang=en",
        "/directives?lang=en",
        "/products?year=2024&lang=en",
    ] {
        let page = get(&app, path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let words = vietnamese_words(&text_of(between(&page.text, "<main>", "</main>")));
        assert!(words.is_empty(), "{path}: {words:?}");
    }
    // A plan: Vietnamese only in the names of the people responsible.
    let plan = get_as(&app, &app.token, "/api/plans/KH2024-58-SO-TTTT").await;
    let people: Vec<String> = plan["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| vietnamese_words(t["person"]["name"].as_str().unwrap()))
        .collect();
    let page = get(&app, "/plans/KH2024-58-SO-TTTT?lang=en").await;
    let text = text_of(between(&page.text, "<main>", "</main>"));
    let words: Vec<String> = vietnamese_words(&text)
        .into_iter()
        .filter(|w| !people.contains(w))
        .collect();
    assert!(words.is_empty(), "{words:?}");
    assert!(text.contains("Illustrative: the article gives the orders, not their progress"));
    assert!(text.contains("Deputy Director of the Department"));
    // The illustrative note: Vietnamese on Vietnamese pages, English on English ones.
    for path in [
        "/plans?year=2024",
        "/plans/KH2024-58-SO-TTTT",
        "/directives",
    ] {
        let vi = text_of(between(&get(&app, path).await.text, "<main>", "</main>"));
        assert!(vi.contains("Số liệu minh họa"), "{path}");
        assert!(!vi.to_lowercase().contains("illustrative"), "{path}: {vi}");
    }
    // The roadmap's title and rows too.
    let svg = get(&app, "/plans/KH2024-58-SO-TTTT/roadmap.svg?lang=en")
        .await
        .text;
    let words = vietnamese_words(&text_of(&svg));
    assert!(words.is_empty(), "{words:?}");
    app.finish().await;
}
