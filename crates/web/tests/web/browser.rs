//! A browser's side of the web tests: a cookie jar, forms posted as a browser encodes them
//! with the token the page's hidden field shows (never a token read from a cookie), and the
//! helpers the browser-like tests share.

use super::*;
use std::collections::BTreeMap;

const HOST: &str = "chiso.test";

/// What a browser keeps between requests: its cookies. Requests carry what a browser sends
/// (cookies it was given, `Host`, and on posts `Origin` and `Sec-Fetch-Site`), never a
/// token read from a cookie.
pub(crate) struct Browser<'a> {
    app: &'a App,
    pub(crate) cookies: BTreeMap<String, String>,
}

impl<'a> Browser<'a> {
    pub(crate) fn new(app: &'a App) -> Browser<'a> {
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

    pub(crate) async fn get(&mut self, uri: &str) -> Resp {
        self.send(Request::get(uri), Body::empty()).await
    }

    fn post_to(uri: &str) -> axum::http::request::Builder {
        Request::post(uri)
            .header("origin", format!("http://{HOST}"))
            .header("sec-fetch-site", "same-origin")
    }

    /// Post a form as the browser encodes it.
    pub(crate) async fn post_form(&mut self, uri: &str, fields: &[(&str, &str)]) -> Resp {
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

    pub(crate) async fn post_multipart(
        &mut self,
        uri: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Resp {
        self.send(
            Self::post_to(uri).header("content-type", content_type),
            Body::from(body),
        )
        .await
    }

    /// The session's own CSRF token, as the server keeps it.
    pub(crate) async fn session_token(&self) -> String {
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
pub(crate) async fn browser_login<'a>(
    app: &'a App,
    username: &str,
    password: &str,
) -> (Browser<'a>, Resp) {
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
pub(crate) async fn assert_forms_carry_the_session_token(b: &mut Browser<'_>, uri: &str) -> Resp {
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

/// Take back the approvals of a commune's report (the demo's 2023 reports are approved by the
/// district and the province), so a test can change and send it again.
pub(crate) async fn reopen(app: &App, unit: &str, period: &str) {
    for _ in 0..2 {
        let r = as_user(
            app,
            "DELETE",
            &format!("/api/forms/BM_CDS_XA/{unit}/{period}/approval"),
            &app.token,
            Some(json!({"reason": "Mở lại để kiểm thử"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
}

pub(crate) async fn grant_exception(app: &App, unit: &str, period: &str) {
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

pub(crate) fn user(role: Role, unit: &str) -> Assignment {
    Assignment {
        role,
        unit: Some(Code::parse(unit).unwrap()),
    }
}
