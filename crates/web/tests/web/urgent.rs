//! The faults that kept the right people out and let the wrong ones in, each tested the way a
//! browser or a client meets it: forms posted with the token the page shows (a browser cannot
//! read the HttpOnly cookie), reports posted to by people who may not read them, locks reached
//! through shorter periods, redirects after login, huge user names, dry runs, self-approval and
//! evidence of approved reports.

use super::browser::*;
use super::*;

// ---- 1. logging in and every page form, as a browser posts them ----------------------------------

#[tokio::test]
async fn a_browser_logs_in_with_the_token_its_login_page_shows() {
    let app = spawn_private_app().await;
    let password = make_user(
        app.store.as_ref(),
        "can.bo.xa",
        vec![user(Role::DataEntry, "22738")],
    )
    .await;
    let mut b = Browser::new(&app);
    let page = b.get("/login").await;
    let token = hidden(&page.text, "csrf");
    assert_eq!(token.len(), 1);
    assert!(
        token[0].len() >= 20 && token[0] != "None",
        "the login form's token: {:?}",
        token[0]
    );
    assert_eq!(
        b.cookies.get("chiso_login_csrf"),
        Some(&token[0]),
        "the page shows the token its cookie holds"
    );
    let r = b
        .post_form(
            "/login",
            &[
                ("csrf", &token[0]),
                ("next", "/units/22738"),
                ("username", "can.bo.xa"),
                ("password", &password),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(r.headers["location"], "/units/22738");
    assert!(b.cookies.contains_key("chiso_session"));
    let home = b.get("/units/22738").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text.contains("Người dùng can.bo.xa"), "logged in");
    // The same page logged in: the login form keeps its own token, the header's log-out form
    // the session's.
    let again = b.get("/login").await;
    let tokens = hidden(&again.text, "csrf");
    let session = b.session_token().await;
    assert_eq!(tokens.len(), 2, "{tokens:?}");
    assert!(
        tokens.contains(&session),
        "the log-out form carries the session's token"
    );
    assert!(tokens.contains(&b.cookies["chiso_login_csrf"].clone()));
    app.finish().await;
}

#[tokio::test]
async fn every_page_form_carries_its_sessions_token_and_works_when_posted() {
    let app = spawn_private_app().await;
    let s = app.store.as_ref();
    // A new officer with a one-time password, a district approver.
    let first = make_user(s, "can.bo.moi", vec![user(Role::DataEntry, "22738")]).await;
    s.set_password(
        "can.bo.moi",
        &chiso_core::account::hash_password(&first).unwrap(),
        true,
        &Actor::new("test", Via::Cli),
    )
    .await
    .unwrap();
    let approver = make_user(s, "lanh.dao.huyen", vec![user(Role::Approver, "582")]).await;
    grant_exception(&app, "22738", "2023").await;
    reopen(&app, "22738", "2023").await;

    // First login: the password page, its forms carrying the session's token; changing it.
    let (mut b, r) = browser_login(&app, "can.bo.moi", &first).await;
    assert_eq!(r.headers["location"], "/account/password");
    let page = assert_forms_carry_the_session_token(&mut b, "/account/password").await;
    let new_password = "Mật-khẩu-mới-của-xã-2026";
    let r = b
        .post_form(
            "/account/password",
            &[
                ("csrf", &hidden(&page.text, "csrf")[0]),
                ("current", &first),
                ("new", new_password),
                ("repeat", new_password),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);

    // The report page: every form (entry, evidence, Excel, take back, log out) carries the
    // token; saving through it works.
    let form = "/forms/BM_CDS_XA/22738/2023";
    let page = assert_forms_carry_the_session_token(&mut b, form).await;
    let csrf = hidden(&page.text, "csrf")[0].clone();
    let r = b
        .post_form(form, &[("csrf", &csrf), ("action", "uncomplete")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = b
        .post_form(
            form,
            &[
                ("csrf", &csrf),
                ("v:VB_DEN", "1500"),
                ("v:VB_XL_MANG", "1400"),
                ("action", "save_complete"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("Đã lưu"), "{}", r.text);
    // A form posted with a stale token is refused and changes nothing.
    let r = b
        .post_form(
            form,
            &[("csrf", "stale"), ("v:VB_DEN", "1"), ("action", "save")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text.contains("Trang này đã cũ"), "{}", r.text);
    assert!(
        unescape(&r.text).contains(&format!("href=\"{form}\"")),
        "a way back to the form: {}",
        r.text
    );
    let stored = get_as(&app, &app.token, "/api/forms/BM_CDS_XA/22738/2023").await;
    let den = stored["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["element"] == "VB_DEN")
        .unwrap()
        .clone();
    assert_eq!(den["value"], "1500", "saved through the page, once");

    // The district approver: the approve form, then un-approval with a reason.
    let (mut d, r) = browser_login(&app, "lanh.dao.huyen", &approver).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = assert_forms_carry_the_session_token(&mut d, form).await;
    assert!(page.text.contains("value=\"approve\""), "an approve button");
    let csrf = hidden(&page.text, "csrf")[0].clone();
    let r = d
        .post_form(form, &[("csrf", &csrf), ("action", "approve")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let page = assert_forms_carry_the_session_token(&mut d, form).await;
    assert!(page.text.contains("value=\"unapprove\""));
    let r = d
        .post_form(
            form,
            &[
                ("csrf", &csrf),
                ("reason", "Thiếu quyết định kèm theo"),
                ("action", "unapprove"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // Log out everywhere, then log out: both through the token the page shows.
    let page = assert_forms_carry_the_session_token(&mut b, "/account/password").await;
    let r = b
        .post_form(
            "/logout-everywhere",
            &[("csrf", &hidden(&page.text, "csrf")[1])],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(!b.cookies.contains_key("chiso_session"));
    let page = assert_forms_carry_the_session_token(&mut d, "/units/582").await;
    let r = d
        .post_form("/logout", &[("csrf", &hidden(&page.text, "csrf")[0])])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!d.cookies.contains_key("chiso_session"));
    let (_, r) = browser_login(&app, "can.bo.moi", new_password).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "the new password works");
    app.finish().await;
}

// ---- 2. a report is never shown to someone who may not read it ----------------------------------

#[tokio::test]
async fn posts_to_a_report_never_show_it_to_someone_who_may_not_read_it() {
    let app = spawn_private_app().await;
    let form = "/forms/BM_CDS_XA/22783/2023";
    // What the report holds, read by the administrator.
    let report = get_as(&app, &app.token, "/api/forms/BM_CDS_XA/22783/2023").await;
    let values: Vec<String> = report["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["value"].as_str().map(str::to_string))
        .filter(|v| v.len() >= 3)
        .collect();
    assert!(values.len() >= 5, "{report}");
    let unit_name = report["unit_name"].as_str().unwrap().to_string();
    let audited = report_audit_len(&app, "22783").await;
    let shows_nothing = |r: &Resp, who: &str| {
        assert!(!r.text.contains("name=\"v:"), "{who}: the form is shown");
        assert!(!r.text.contains(&unit_name), "{who}: the unit is named");
        assert!(
            !r.text.contains("/api/evidence/"),
            "{who}: evidence is listed"
        );
        for v in &values {
            assert!(
                !r.text.contains(&format!("value=\"{v}\"")) && !r.text.contains(&format!(">{v}<")),
                "{who}: the value {v} is shown"
            );
        }
    };
    // Anonymous, any action, and a malformed upload.
    let mut anon = Browser::new(&app);
    for action in [
        "save",
        "save_complete",
        "complete",
        "approve",
        "unapprove",
        "nonsense",
    ] {
        let r = anon
            .post_form(form, &[("action", action), ("v:VB_DEN", "1")])
            .await;
        // Without a session (it ended, or there never was one): to the login page, which
        // says the session ended and comes back to the report's page — nothing of it shown.
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{action}: {}", r.text);
        assert_eq!(
            r.headers["location"],
            format!("/login?next={form}&expired=1&lang=vi"),
            "{action}"
        );
        shows_nothing(&r, action);
    }
    let r = anon
        .post_multipart(
            &format!("{form}/files"),
            "multipart/form-data; boundary=x",
            b"--x\r\nbroken".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(
        r.headers["location"],
        format!("/login?next={form}&expired=1&lang=vi")
    );
    shows_nothing(&r, "malformed upload");

    // Another commune's officer, with a valid session and token.
    let password = make_user(
        app.store.as_ref(),
        "xa.khac",
        vec![user(Role::DataEntry, "22738")],
    )
    .await;
    let (mut b, _) = browser_login(&app, "xa.khac", &password).await;
    let csrf = hidden(&b.get("/units/22738").await.text, "csrf")[0].clone();
    for action in ["save", "approve", "nonsense"] {
        let r = b
            .post_form(
                form,
                &[("csrf", &csrf), ("action", action), ("v:VB_DEN", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{action}: {}", r.text);
        shows_nothing(&r, action);
    }
    let (ct, body) = multipart(
        &[("csrf", &csrf), ("kind", "evidence")],
        Some(("a.pdf", b"%PDF-1.4")),
    );
    let r = b.post_multipart(&format!("{form}/files"), &ct, body).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    shows_nothing(&r, "upload");
    let r = b
        .post_multipart(
            &format!("{form}/files"),
            "multipart/form-data; boundary=x",
            b"--x\r\nbroken".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    shows_nothing(&r, "malformed upload");
    // Its own report with a stale token: the error page, not the report.
    let own = "/forms/BM_CDS_XA/22738/2023";
    let r = b
        .post_form(own, &[("csrf", "stale"), ("action", "nonsense")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!r.text.contains("name=\"v:"));
    assert_eq!(
        report_audit_len(&app, "22783").await,
        audited,
        "nothing changed"
    );
    app.finish().await;
}

async fn report_audit_len(app: &App, unit: &str) -> usize {
    app.store
        .audit(&AuditQuery {
            entity_prefix: Some(format!("report:BM_CDS_XA/{unit}")),
            ..Default::default()
        })
        .await
        .unwrap()
        .len()
}

// ---- 4. no redirect to another site after login --------------------------------------------------

#[tokio::test]
async fn after_login_a_browser_goes_only_to_a_page_of_this_site() {
    let app = spawn_private_app().await;
    let password = make_user(
        app.store.as_ref(),
        "can.bo.xa",
        vec![user(Role::DataEntry, "22738")],
    )
    .await;
    for (next, to) in [
        ("/%09/evil.example/x", "/"),
        ("/%0a/evil.example", "/"),
        ("/%20/evil.example", "/"),
        ("//evil.example/x", "/"),
        ("/%5Cevil.example", "/"),
        ("https://evil.example/", "/"),
        ("evil.example", "/"),
        ("/units/22738?lang=en", "/units/22738?lang=en"),
    ] {
        let mut b = Browser::new(&app);
        let page = b
            .get(&format!(
                "/login?next={}",
                next.replace('?', "%3F").replace('=', "%3D")
            ))
            .await;
        let shown = hidden(&page.text, "next");
        assert_eq!(shown, vec![to.to_string()], "{next}");
        // Even a forged form field with the bad path goes home.
        let raw = urlencoding_decode(next);
        let r = b
            .post_form(
                "/login",
                &[
                    ("csrf", &hidden(&page.text, "csrf")[0]),
                    ("next", &raw),
                    ("username", "can.bo.xa"),
                    ("password", &password),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(r.headers["location"], to, "{next}");
    }
    app.finish().await;
}

fn urlencoding_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

// ---- 5. huge user names and floods of failed logins --------------------------------------------

#[tokio::test]
async fn huge_user_names_are_refused_before_any_work_and_failures_are_counted() {
    let (app, state) = private_app_and_state().await;
    let audit_len = || async { app.store.counts().await.unwrap().audit_log };
    let before = audit_len().await;
    // A 3.9 MB name: the body is refused before it is read as a form.
    let mut b = Browser::new(&app);
    let page = b.get("/login").await;
    let csrf = hidden(&page.text, "csrf")[0].clone();
    let huge = "a".repeat(3_900_000);
    let r = b
        .post_form(
            "/login",
            &[("csrf", &csrf), ("username", &huge), ("password", "x")],
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert!(r.text.len() < 100_000, "the name is not echoed back");
    // A name of 65 characters within a small body: refused by length, nothing looked up.
    let long = "b".repeat(65);
    let r = b
        .post_form(
            "/login",
            &[("csrf", &csrf), ("username", &long), ("password", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("64"), "{}", r.text);
    assert!(!r.text.contains(&long), "the name is not echoed back");
    state
        .flush_login_audit(chrono::Utc::now() + chrono::Duration::minutes(2))
        .await;
    assert_eq!(
        audit_len().await,
        before,
        "nothing audited for refused names"
    );

    // Thirty failures of one name, then attempts while it is locked: counted, one entry per
    // name, kind and minute, written when the minute is over.
    make_user(app.store.as_ref(), "quan.tri.2", vec![]).await;
    for _ in 0..30 {
        let r = b
            .post_form(
                "/login",
                &[
                    ("csrf", &csrf),
                    ("username", "quan.tri.2"),
                    ("password", "sai-mat-khau"),
                ],
            )
            .await;
        assert!(
            r.status == StatusCode::UNAUTHORIZED || r.status == StatusCode::TOO_MANY_REQUESTS,
            "{}",
            r.status
        );
    }
    let entries = |prefix: &'static str| {
        let app = &app;
        async move {
            app.store
                .audit(&AuditQuery {
                    entity_prefix: Some(prefix.into()),
                    ..Default::default()
                })
                .await
                .unwrap()
                .into_iter()
                .filter(|e| e.action.starts_with("login."))
                .collect::<Vec<_>>()
        }
    };
    let made = entries("user:quan.tri.2").await;
    assert!(made.len() <= 2, "{made:?}");
    state
        .flush_login_audit(chrono::Utc::now() + chrono::Duration::minutes(2))
        .await;
    let written = entries("user:quan.tri.2").await;
    assert!(
        written.len() <= 4,
        "one entry per kind and minute: {written:?}"
    );
    let attempts: u64 = written
        .iter()
        .map(|e| {
            let d: Value =
                serde_json::from_str(e.new_value.as_deref().unwrap_or("{}")).unwrap_or(json!({}));
            d["attempts"].as_u64().unwrap_or(0)
        })
        .sum();
    assert_eq!(attempts, 30, "{written:?}");
    assert!(written.iter().any(|e| e.action == "login.failure"));
    assert!(written.iter().any(|e| e.action == "login.locked"));
    app.finish().await;
}
