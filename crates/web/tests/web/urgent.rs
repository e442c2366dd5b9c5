//! The faults that kept the right people out and let the wrong ones in, each tested the way a
//! browser or a client meets it: forms posted with the token the page shows (a browser cannot
//! read the HttpOnly cookie), reports posted to by people who may not read them, locks reached
//! through shorter periods, redirects after login, huge user names, dry runs, self-approval and
//! evidence of approved reports.

use super::*;
use std::collections::BTreeMap;

const HOST: &str = "chiso.test";

/// What a browser keeps between requests: its cookies. Requests carry what a browser sends
/// (cookies it was given, `Host`, and on posts `Origin` and `Sec-Fetch-Site`), never a
/// token read from a cookie.
struct Browser<'a> {
    app: &'a App,
    cookies: BTreeMap<String, String>,
}

impl<'a> Browser<'a> {
    fn new(app: &'a App) -> Browser<'a> {
        Browser {
            app,
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, r: &Resp) {
        for raw in r.headers.get_all("set-cookie") {
            let raw = raw.to_str().unwrap();
            let (pair, attrs) = raw.split_once(';').unwrap_or((raw, ""));
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() || attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
    }

    async fn send(&mut self, b: axum::http::request::Builder, body: Body) -> Resp {
        let mut b = b.header("host", HOST);
        if !self.cookies.is_empty() {
            b = b.header("cookie", self.cookie_header());
        }
        let r = send_raw(self.app, b.body(body).unwrap()).await;
        self.keep_cookies(&r);
        r
    }

    async fn get(&mut self, uri: &str) -> Resp {
        self.send(Request::get(uri), Body::empty()).await
    }

    fn post_to(uri: &str) -> axum::http::request::Builder {
        Request::post(uri)
            .header("origin", format!("http://{HOST}"))
            .header("sec-fetch-site", "same-origin")
    }

    /// Post a form as the browser encodes it.
    async fn post_form(&mut self, uri: &str, fields: &[(&str, &str)]) -> Resp {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(
            Self::post_to(uri).header("content-type", "application/x-www-form-urlencoded"),
            Body::from(body),
        )
        .await
    }

    async fn post_multipart(&mut self, uri: &str, content_type: &str, body: Vec<u8>) -> Resp {
        self.send(
            Self::post_to(uri).header("content-type", content_type),
            Body::from(body),
        )
        .await
    }

    /// The session's own CSRF token, as the server keeps it.
    async fn session_token(&self) -> String {
        let secret = self.cookies.get("chiso_session").expect("a session cookie");
        self.app
            .store
            .session(&chiso_store::secret_hash(secret))
            .await
            .unwrap()
            .expect("a live session")
            .csrf_token
    }
}

/// Log in through the login page as a browser does: the token comes from the page's hidden
/// field.
async fn browser_login<'a>(app: &'a App, username: &str, password: &str) -> (Browser<'a>, Resp) {
    let mut b = Browser::new(app);
    let page = b.get("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    let token = hidden(&page.text, "csrf");
    assert_eq!(token.len(), 1, "one token on the login page");
    let r = b
        .post_form(
            "/login",
            &[
                ("csrf", &token[0]),
                ("next", "/"),
                ("username", username),
                ("password", password),
            ],
        )
        .await;
    (b, r)
}

/// Every hidden CSRF field of a page holds the session's token (and there is at least one).
async fn assert_forms_carry_the_session_token(b: &mut Browser<'_>, uri: &str) -> Resp {
    let page = b.get(uri).await;
    assert_eq!(page.status, StatusCode::OK, "{uri}: {}", page.text);
    let tokens = hidden(&page.text, "csrf");
    assert!(!tokens.is_empty(), "{uri} has no form");
    let session = b.session_token().await;
    for t in &tokens {
        assert_eq!(
            t, &session,
            "{uri}: a form carries {t}, not its session's token"
        );
    }
    page
}

async fn grant_exception(app: &App, unit: &str, period: &str) {
    app.store
        .grant_lock_exception(
            &chiso_core::LockException {
                data_set: Code::parse("BM_CDS_XA").unwrap(),
                unit: Code::parse(unit).unwrap(),
                period: chiso_core::Period::parse(period).unwrap(),
                until: chrono::NaiveDate::from_ymd_opt(2099, 12, 31).unwrap(),
                granted_by: "quan.tri".into(),
                reason: "Kiểm thử".into(),
            },
            &Actor::new("quan.tri", Via::Cli),
        )
        .await
        .unwrap();
}

fn user(role: Role, unit: &str) -> Assignment {
    Assignment {
        role,
        unit: Some(Code::parse(unit).unwrap()),
    }
}

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
    assert!(r.text.contains("Biểu mẫu đã hết hạn"), "{}", r.text);
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
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{action}: {}", r.text);
        shows_nothing(&r, action);
    }
    let r = anon
        .post_multipart(
            &format!("{form}/files"),
            "multipart/form-data; boundary=x",
            b"--x\r\nbroken".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
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

// ---- 3. a lock covers the periods inside the approved one -----------------------------------------

#[tokio::test]
async fn an_approved_report_cannot_be_changed_through_a_shorter_period() {
    let app = spawn_private_app().await;
    let admin = app.token.clone();
    let report = get_as(&app, &admin, "/api/forms/BM_CDS_XA/22783/2023").await;
    assert_eq!(report["status"], "approved", "{report}");
    let figure = || async {
        get_as(
            &app,
            &admin,
            "/api/analytics?dimension=dx:VB_DEN&filter=ou:22783&filter=pe:2023",
        )
        .await["rows"]
            .clone()
    };
    let approved = figure().await;
    let before = app.store.counts().await.unwrap();
    // The year itself, and a month, a quarter and a day inside it, through every route.
    for period in ["2023", "202307", "2023Q3", "20230704"] {
        let r = as_user(
            &app,
            "POST",
            "/api/data-values",
            &admin,
            Some(json!({"data_values": [{"element": "VB_DEN", "unit": "22783", "period": period, "value": 5}]})),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{period}: {}",
            r.text
        );
        assert!(r.text.contains("phê duyệt"), "{}", r.text);
    }
    let r = send_raw(
        &app,
        Request::post("/api/dataValueSets")
            .header("authorization", format!("ApiToken {admin}"))
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"dataValues": [{"dataElement": "VB_DEN", "period": "202307", "orgUnit": "22783", "value": "5"}]})
                    .to_string(),
            ))
            .unwrap(),
    )
    .await;
    assert!(r.text.contains("phê duyệt"), "dataValueSets: {}", r.text);
    let r = send_raw(
        &app,
        Request::post("/api/imports?fileName=thang7.csv")
            .header("authorization", format!("ApiToken {admin}"))
            .header("content-type", "text/csv")
            .body(Body::from(
                "element,period,unit,value\nVB_DEN,202307,22783,5\n",
            ))
            .unwrap(),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "import: {}",
        r.text
    );
    let r = as_user(
        &app,
        "DELETE",
        "/api/data-values",
        &admin,
        Some(json!({"data_values": [{"element": "VB_DEN", "unit": "22783", "period": "2023"}]})),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "delete: {}",
        r.text
    );
    assert_eq!(app.store.counts().await.unwrap(), before, "nothing written");
    assert_eq!(figure().await, approved, "the approved figure stands");
    // Another year is open as before.
    let r = as_user(
        &app,
        "POST",
        "/api/data-values",
        &admin,
        Some(json!({"data_values": [{"element": "VB_DEN", "unit": "22783", "period": "202401", "value": 5}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.finish().await;
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

// ---- 6. a dry run writes nothing ---------------------------------------------------------------

#[tokio::test]
async fn a_dry_run_of_data_values_writes_nothing_and_unknown_parameters_are_refused() {
    let app = spawn_private_app().await;
    let admin = app.token.clone();
    let value = json!({"data_values": [{"element": "VB_DEN", "unit": "22738", "period": "202411", "value": 77}]});
    let stored = || async {
        get_as(
            &app,
            &app.token,
            "/api/data-values?element=VB_DEN&unit=22738&period=202411",
        )
        .await["data_values"]
            .as_array()
            .unwrap()
            .len()
    };
    let before = app.store.counts().await.unwrap();
    for q in ["?dryRun=true", "?dry_run=true"] {
        let r = as_user(
            &app,
            "POST",
            &format!("/api/data-values{q}"),
            &admin,
            Some(value.clone()),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json()["inserted"], 1, "{}", r.text);
    }
    assert_eq!(stored().await, 0);
    assert_eq!(app.store.counts().await.unwrap(), before, "nothing written");
    let r = as_user(
        &app,
        "POST",
        "/api/data-values?dryRun=yes",
        &admin,
        Some(value.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let r = as_user(
        &app,
        "POST",
        "/api/data-values?importStrategy=DELETE",
        &admin,
        Some(value.clone()),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "an unknown parameter: {}",
        r.text
    );
    assert_eq!(stored().await, 0);
    let r = as_user(
        &app,
        "POST",
        "/api/data-values?dryRun=false",
        &admin,
        Some(value.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(stored().await, 1);
    let key = json!({"data_values": [{"element": "VB_DEN", "unit": "22738", "period": "202411"}]});
    let r = as_user(
        &app,
        "DELETE",
        "/api/data-values?dryRun=true",
        &admin,
        Some(key.clone()),
    )
    .await;
    assert_eq!(r.json()["deleted"], 1, "{}", r.text);
    assert_eq!(stored().await, 1, "a dry-run delete keeps the value");
    app.finish().await;
}

// ---- 7. nobody approves their own report ---------------------------------------------------------

#[tokio::test]
async fn nobody_approves_a_report_they_submitted() {
    let app = spawn_private_app().await;
    let s = app.store.as_ref();
    // One account enters the commune's figures and approves at its district.
    let both = make_user(
        s,
        "kiem.nhiem",
        vec![user(Role::DataEntry, "22738"), user(Role::Approver, "582")],
    )
    .await;
    make_user(s, "lanh.dao.huyen", vec![user(Role::Approver, "582")]).await;
    let own = token_for(s, "kiem.nhiem").await;
    let other = token_for(s, "lanh.dao.huyen").await;
    grant_exception(&app, "22738", "2023").await;
    let api = "/api/forms/BM_CDS_XA/22738/2023";
    // The demo's report was sent by the commune; this account takes it back and sends it.
    let r = as_user(&app, "DELETE", &format!("{api}/complete"), &own, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = as_user(
        &app,
        "POST",
        api,
        &own,
        Some(json!({"entries": [{"element": "VB_DEN", "value": "3000"}]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = as_user(&app, "POST", &format!("{api}/complete"), &own, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Its report page offers it no approval, and approving is refused on every route.
    let (mut b, _) = browser_login(&app, "kiem.nhiem", &both).await;
    let page = b.get("/forms/BM_CDS_XA/22738/2023").await;
    assert!(
        !page.text.contains("value=\"approve\""),
        "no approve button for the submitter"
    );
    let r = b
        .post_form(
            "/forms/BM_CDS_XA/22738/2023",
            &[
                ("csrf", &hidden(&page.text, "csrf")[0]),
                ("action", "approve"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("tự phê duyệt"), "{}", r.text);
    let r = as_user(&app, "POST", &format!("{api}/approval"), &own, None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("tự phê duyệt"), "{}", r.text);
    assert_eq!(get_as(&app, &app.token, api).await["approvals"], json!([]));
    // Another approver of the district approves it.
    let r = as_user(&app, "POST", &format!("{api}/approval"), &other, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    app.finish().await;
}

// ---- 8. evidence is locked with the values ------------------------------------------------------

#[tokio::test]
async fn evidence_of_an_approved_report_is_locked_until_it_is_unapproved() {
    let app = spawn_private_app().await;
    let s = app.store.as_ref();
    let xa = user_token(&app, "can.bo.xa", Role::DataEntry, "22738").await;
    let huyen = user_token(&app, "lanh.dao.huyen", Role::Approver, "582").await;
    grant_exception(&app, "22738", "2023").await;
    let api = "/api/forms/BM_CDS_XA/22738/2023";
    let upload = |name: &'static str| {
        let xa = xa.clone();
        let app = &app;
        async move {
            let (ct, body) = multipart(
                &[("doc_number", "12/QĐ-UBND"), ("summary", "Quyết định")],
                Some((name, b"%PDF-1.4\n%test\n")),
            );
            send_raw(
                app,
                Request::post(format!("{api}/evidence"))
                    .header("authorization", format!("ApiToken {xa}"))
                    .header("content-type", ct)
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await
        }
    };
    let r = upload("quyet-dinh.pdf").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.json()["id"].as_str().unwrap().to_string();
    let r = as_user(&app, "POST", &format!("{api}/approval"), &huyen, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let before = s.counts().await.unwrap();
    let r = as_user(&app, "DELETE", &format!("/api/evidence/{id}"), &xa, None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("phê duyệt"), "{}", r.text);
    let r = as_user(
        &app,
        "DELETE",
        &format!("/api/evidence/{id}"),
        &app.token,
        None,
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not even an administrator"
    );
    assert_eq!(
        upload("them.pdf").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(s.counts().await.unwrap(), before);
    assert_eq!(
        as_user(&app, "GET", &format!("/api/evidence/{id}"), &xa, None)
            .await
            .status,
        StatusCode::OK
    );
    // Un-approved: both open again.
    let r = as_user(
        &app,
        "DELETE",
        &format!("{api}/approval"),
        &huyen,
        Some(json!({"reason": "Bổ sung minh chứng"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = as_user(&app, "DELETE", &format!("/api/evidence/{id}"), &xa, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(upload("them.pdf").await.status, StatusCode::OK);
    app.finish().await;
}
