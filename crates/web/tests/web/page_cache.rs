//! The public pages kept between writes: a write shows on the next request, and a signed-in
//! person's page is never anyone else's.

use super::*;

const DASH: &str = "/?period=2023&structure=58&as_of=2024-06-30";

#[tokio::test]
async fn a_write_changes_the_kept_dashboard_and_analytics_answer_at_once() {
    let app = spawn_app(true).await;
    let before = get(&app, DASH).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.text);
    let marker = format!("Chỉ đạo kiểm thử bộ nhớ {}", unique());
    assert!(!before.text.contains(&marker));
    // Asked again unchanged: the same page.
    assert_eq!(get(&app, DASH).await.text, before.text);

    // A directive due within 30 days of the page's day, written through the API.
    let stored = get(&app, "/api/directives").await.json();
    let d = &stored[0];
    let r = post(
        &app,
        "/api/directives",
        json!({"directives": [{
            "code": "KL2024-CACHE",
            "source": d["source"],
            "number": 99,
            "text": marker,
            "assignees": d["assignees"],
            "issued_on": "2024-06-01",
            "due": "2024-07-10",
            "status": "open",
            "progress": 0,
            "completed_on": null,
        }]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let after = get(&app, DASH).await;
    assert!(
        after.text.contains(&marker),
        "the directive written a moment ago is on the next dashboard"
    );

    // The analytics answer: kept, then changed by a value written through the API.
    let q = "/api/analytics?dimension=dx:VB_DEN&filter=ou:22738&filter=pe:202403";
    let first = get(&app, q).await.json();
    assert_eq!(get(&app, q).await.json(), first);
    let r = post(
        &app,
        "/api/data-values",
        json!({"data_values": [{"element": "VB_DEN", "unit": "22738", "period": "202403", "value": 4242}]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        get(&app, q).await.json()["rows"],
        json!([["VB_DEN", "4242"]])
    );
    app.finish().await;
}

#[tokio::test]
async fn a_signed_in_persons_kept_page_is_never_served_to_anyone_else() {
    let app = spawn_app(true).await;
    let password = make_user(
        app.store.as_ref(),
        "lanh.dao.tinh",
        vec![Assignment {
            role: Role::Viewer,
            unit: Some(Code::parse("58").unwrap()),
        }],
    )
    .await;
    let r = login(&app, "lanh.dao.tinh", &password).await;
    let cookie = set_cookie(&r, "chiso_session").expect("a session");
    let as_person = |uri: &str| {
        Request::get(uri)
            .header("cookie", cookie.clone())
            .body(Body::empty())
            .unwrap()
    };
    let live = format!("{DASH}&view=live");
    let mine = send_raw(&app, as_person(&live)).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
    assert!(mine.text.contains("Người dùng lanh.dao.tinh"));
    let mine_again = send_raw(&app, as_person(DASH)).await;
    assert!(mine_again.text.contains("Người dùng lanh.dao.tinh"));
    // Nobody signed in asks the same addresses: the live view is refused, the official one
    // carries no name and no session token.
    let anon_live = get(&app, &live).await;
    assert_eq!(anon_live.status, StatusCode::SEE_OTHER);
    let anon = get(&app, DASH).await;
    assert_eq!(anon.status, StatusCode::OK);
    assert!(
        !anon.text.contains("lanh.dao.tinh"),
        "another person's page"
    );
    assert!(hidden(&anon.text, "csrf").is_empty(), "no session's token");
    // Another session of the same person gets its own page (its own CSRF token).
    let r2 = login(&app, "lanh.dao.tinh", &password).await;
    let cookie2 = set_cookie(&r2, "chiso_session").expect("a second session");
    let theirs = send_raw(
        &app,
        Request::get(DASH)
            .header("cookie", cookie2)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let tokens = |html: &str| hidden(html, "csrf");
    assert!(!tokens(&mine_again.text).is_empty());
    assert_ne!(tokens(&theirs.text), tokens(&mine_again.text));
    app.finish().await;
}
