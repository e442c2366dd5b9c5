//! Faults a person met on the walk through the pages (issue 13): wording. The words a
//! Vietnamese official uses (chỉ tiêu, phân tổ, no English fragments), the 2025 structure's
//! commune level ("xã, phường, đặc khu", no "thị trấn"), titles that say which page it is, and
//! English pages in English.

use super::*;

/// What a reader sees of a page: the body's text, tags dropped (attributes with them),
/// entities read, spaces folded.
fn visible(html: &str) -> String {
    let body = html.split("<body").nth(1).unwrap_or(html);
    let mut out = String::new();
    let mut in_tag = false;
    for ch in body.chars() {
        match ch {
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
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The page's `<title>`, entities read.
fn title(html: &str) -> String {
    let t = html
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or("");
    unescape(t)
}

/// The text of the first element of `class` following `after` in the page.
fn class_after(html: &str, after: &str, class: &str) -> String {
    let at = html
        .find(after)
        .unwrap_or_else(|| panic!("{after:?} is not in the page"));
    let marker = format!("class=\"{class}\">");
    let rest = &html[at..];
    let start = rest
        .find(&marker)
        .unwrap_or_else(|| panic!("no {class} after {after:?}"))
        + marker.len();
    let end = rest[start..].find('<').unwrap_or(0);
    unescape(&rest[start..start + end])
}

/// A page as the logged-in administrator sees it.
async fn get_as_admin(app: &App, cookie: &str, uri: &str) -> Resp {
    send_raw(
        app,
        Request::get(uri)
            .header("cookie", cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

async fn admin_cookie(app: &App) -> String {
    let password = make_user(
        app.store.as_ref(),
        "lanh.dao",
        vec![Assignment {
            role: Role::SystemAdmin,
            unit: None,
        }],
    )
    .await;
    let r = login(app, "lanh.dao", &password).await;
    set_cookie(&r, "chiso_session").unwrap_or_else(|| panic!("no session: {}", r.text))
}

/// Whether `word` stands in `text` as a word of its own (not inside a longer word).
fn has_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// The pages of the walk in Vietnamese, and what a Vietnamese official met there that is not
/// Vietnamese, or not the word the office uses.
#[tokio::test]
async fn vietnamese_pages_speak_vietnamese() {
    let app = spawn_app(true).await;
    let cookie = admin_cookie(&app).await;
    let pages = [
        "/",
        "/frameworks/KH_CDS_2023",
        "/frameworks/KH_CDS_2024",
        "/units/58",
        "/units/2025-56",
        "/account/password",
        "/frameworks/KHONG_CO",
    ];
    let mut titles = Vec::new();
    for uri in pages {
        let r = get_as_admin(&app, &cookie, uri).await;
        let text = visible(&r.text);
        let t = title(&r.text);
        // A title says which page it is, once: "<page> · chiso", or "chiso — <what it is>".
        assert_ne!(t, "chiso · chiso", "{uri}");
        assert_eq!(t.matches("chiso").count(), 1, "{uri}: {t}");
        assert!(
            t.ends_with(" · chiso") || t.starts_with("chiso — "),
            "{uri}: {t}"
        );
        titles.push(t);
        // Not the translator's words, not English.
        for not_said in [
            "Phần tử dữ liệu",
            "phân tách",
            "(illustrative)",
            "illustrative",
            "internal error",
        ] {
            assert!(!text.contains(not_said), "{uri} says {not_said:?}: {text}");
        }
        for english in [
            "demo",
            "dashboard",
            "token",
            "OK",
            "Data element",
            "Breakdown",
        ] {
            assert!(!has_word(&text, english), "{uri} says {english:?}: {text}");
        }
    }
    assert!(
        titles[0].starts_with("chiso — Hệ thống chỉ số chuyển đổi số"),
        "the home page's title says what chiso is: {}",
        titles[0]
    );
    // The items a form collects are "chỉ tiêu"; a breakdown is a "phân tổ".
    let unit = get(&app, "/units/58").await.text;
    assert!(unit.contains("<th>Chỉ tiêu</th>"), "{}", visible(&unit));
    assert!(unit.contains("<th>Phân tổ</th>") && unit.contains("số mục phân tổ"));
    app.finish().await;
}

/// Since 1 July 2025 there are no districts and no "thị trấn": the commune level of the 2025
/// structure is "xã, phường, đặc khu". A legacy commune keeps its name.
#[tokio::test]
async fn a_2025_commune_is_not_a_thi_tran() {
    let app = spawn_app(true).await;
    a_2025_commune_is_not_a_thi_tran_on(&app).await;
    app.finish().await;
}

#[tokio::test]
async fn a_2025_commune_is_not_a_thi_tran_pg() {
    let app = spawn_app_pg().await;
    a_2025_commune_is_not_a_thi_tran_on(&app).await;
    app.finish().await;
}

async fn a_2025_commune_is_not_a_thi_tran_on(app: &App) {
    // A 2025 commune's own page.
    let commune = get(app, "/units/2025-22738").await.text;
    assert!(
        commune.contains("<dt>Loại</dt><dd>Xã, phường, đặc khu</dd>"),
        "{}",
        visible(&commune)
    );
    assert!(!visible(&commune).contains("thị trấn"));
    // The 2025 province lists its communes by the 2025 name; the province keeps its own.
    let province = get(app, "/units/2025-56").await.text;
    assert!(province.contains("<dt>Loại</dt><dd>Tỉnh, thành phố</dd>"));
    assert_eq!(
        class_after(&province, "/units/2025-22738", "kind"),
        "Xã, phường, đặc khu"
    );
    assert!(
        !visible(&province).contains("Xã, phường, thị trấn"),
        "{}",
        visible(&province)
    );
    // A legacy commune (until 30 June 2025) was a "xã, phường, thị trấn".
    let legacy = get(app, "/units/582").await.text;
    assert_eq!(
        class_after(&legacy, "/units/22738", "kind"),
        "Xã, phường, thị trấn"
    );
    let old = get(app, "/units/22738").await.text;
    assert!(old.contains("<dt>Loại</dt><dd>Xã, phường, thị trấn</dd>"));
    // In English: a special zone, not a township.
    let en = get(app, "/units/2025-22738?lang=en").await.text;
    assert!(
        en.contains("<dt>Kind</dt><dd>Commune, ward or special zone</dd>"),
        "{}",
        visible(&en)
    );
    let en_old = get(app, "/units/22738?lang=en").await.text;
    assert!(en_old.contains("<dt>Kind</dt><dd>Commune, ward or township</dd>"));
}

/// The English pages of the walk: their labels, units of measure, notes and error messages
/// in English (the names of units, people and documents are names, and stay as they are).
#[tokio::test]
async fn english_pages_have_no_vietnamese_labels() {
    let app = spawn_app(true).await;
    let cookie = admin_cookie(&app).await;
    // The 2023 framework: money in billion VND, addresses, data-cleaning targets; notes and
    // the description in English.
    let fw = get_as_admin(&app, &cookie, "/frameworks/KH_CDS_2023?lang=en").await;
    assert_eq!(fw.status, StatusCode::OK);
    let text = visible(&fw.text);
    for vietnamese in [
        "tỷ đồng",
        "địa chỉ",
        "chỉ tiêu",
        "Hoàn thành trước hạn",
        "Một trong 24 tỉnh",
        "Khung chỉ tiêu",
    ] {
        assert!(!text.contains(vietnamese), "{vietnamese:?} in {text}");
    }
    for english in [
        "≥ 300,000 billion VND",
        "314,792 billion VND",
        "146,587 addresses",
        "14 targets",
        "Done 52 days before the deadline",
        "One of 24 provinces",
        "A representative set of targets",
    ] {
        assert!(text.contains(english), "{english:?} is not in {text}");
    }
    // Two columns, two names: the target and its planned value.
    assert!(fw.text.contains("<th>Target</th>") && fw.text.contains(">Planned</th>"));
    // And the Vietnamese page keeps its own words, without the English.
    let vi = visible(&get(&app, "/frameworks/KH_CDS_2023").await.text);
    assert!(vi.contains("314.792 tỷ đồng") && vi.contains("Hoàn thành trước hạn 52 ngày"));
    assert!(!vi.contains("Done 52 days") && !vi.contains("billion VND"));

    let fw24 = visible(&get(&app, "/frameworks/KH_CDS_2024?lang=en").await.text);
    assert!(!fw24.contains("Số liệu minh họa"), "{fw24}");
    assert!(fw24.contains("Illustrative: the article gives the orders, not their progress"));
    let fw24_vi = visible(&get(&app, "/frameworks/KH_CDS_2024").await.text);
    assert!(fw24_vi.contains("Số liệu minh họa: bài viết chỉ nêu chỉ đạo"));
    assert!(!fw24_vi.contains("Illustrative"), "{fw24_vi}");

    // The home page, the account pages and the unit kinds.
    let home = get_as_admin(&app, &cookie, "/?lang=en").await.text;
    assert_eq!(
        title(&home),
        "chiso — Digital-transformation indicators for a province's Steering Committee"
    );
    assert!(visible(&home).contains("Province or city"));
    let password = get_as_admin(&app, &cookie, "/account/password?lang=en").await;
    assert_eq!(title(&password.text), "Change password · chiso");
    let login_page = get(&app, "/login?lang=en").await.text;
    assert_eq!(title(&login_page), "Log in · chiso");
    app.finish().await;
}

/// A framework that is not there is said in words, in the page's language — not as its raw
/// code with a question mark.
#[tokio::test]
async fn a_missing_framework_is_said_in_words() {
    let app = spawn_app(true).await;
    let vi = get(&app, "/frameworks/KHONG_CO").await;
    assert_eq!(vi.status, StatusCode::NOT_FOUND);
    let text = visible(&vi.text);
    assert!(text.contains("Không có bộ chỉ tiêu mã KHONG_CO."), "{text}");
    assert!(!text.contains("KHONG_CO?"));
    assert_eq!(title(&vi.text), "Có lỗi · chiso");
    let en = get(&app, "/frameworks/KHONG_CO?lang=en").await;
    assert_eq!(en.status, StatusCode::NOT_FOUND);
    assert!(visible(&en.text).contains("There is no target framework with the code KHONG_CO."));
    assert_eq!(title(&en.text), "Something went wrong · chiso");
    app.finish().await;
}

/// A mistyped address is a page a person can read, in the page's language, with the way home;
/// the API still answers in JSON.
#[tokio::test]
async fn an_unknown_address_is_a_page_in_words() {
    let app = spawn_app(true).await;
    let vi = get(&app, "/ke-hoach-cu").await;
    assert_eq!(vi.status, StatusCode::NOT_FOUND);
    assert!(vi.text.starts_with("<!doctype html>"), "{}", vi.text);
    let text = visible(&vi.text);
    assert!(text.contains("Không có trang này."), "{text}");
    assert!(!text.contains("no such page"));
    assert_eq!(title(&vi.text), "Có lỗi · chiso");
    let en = get(&app, "/ke-hoach-cu?lang=en").await;
    assert_eq!(en.status, StatusCode::NOT_FOUND);
    assert!(visible(&en.text).contains("There is no such page."));
    let api = get(&app, "/api/khong-co").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.json()["error"]["status"], 404);
    app.finish().await;
}

/// A new password the policy refuses is said in the page's language: the Vietnamese page in
/// Vietnamese, the English page in English.
#[tokio::test]
async fn a_refused_password_is_said_in_the_pages_language() {
    let app = spawn_app(true).await;
    let password = make_user(
        app.store.as_ref(),
        "can.bo.so",
        vec![Assignment {
            role: Role::DataEntry,
            unit: Some(Code::parse("58").unwrap()),
        }],
    )
    .await;
    let cookie = set_cookie(&login(&app, "can.bo.so", &password).await, "chiso_session").unwrap();
    for (lang, said, not_said) in [
        (
            "vi",
            "Mật khẩu không được chứa tên đăng nhập",
            "must not contain",
        ),
        (
            "en",
            "The password must not contain the user name",
            "Mật khẩu không được",
        ),
    ] {
        let cookies = format!("{cookie}; lang={lang}");
        let form = send_raw(
            &app,
            Request::get("/account/password")
                .header("cookie", &cookies)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        let csrf = hidden(&form.text, "csrf");
        let new = "xx-can.bo.so-2024";
        let r = send_raw(
            &app,
            Request::post("/account/password")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("cookie", &cookies)
                .body(Body::from(format!(
                    "csrf={}&current={}&new={new}&repeat={new}",
                    urlencode(&csrf[0]),
                    urlencode(&password)
                )))
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        let text = visible(&r.text);
        assert!(text.contains(said), "{lang}: {text}");
        assert!(!text.contains(not_said), "{lang}: {text}");
    }
    app.finish().await;
}
