//! Logging in and out, and changing one's password. Forms carry a CSRF token: the login form a
//! per-browser cookie's value (double submit), the others the session's token.

use crate::auth::Who;
use crate::auth::{
    self, constant_time_eq, Credential, LoginRefusal, LOGIN_CSRF_COOKIE, SESSION_COOKIE,
};
use crate::pages::{Page, PageQuery};
use crate::AppState;
use axum::extract::rejection::FormRejection;
use axum::extract::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chiso_core::account::{check_password, hash_password, random_secret, verify_password};
use chiso_core::Via;
use chiso_store::Actor;
use chiso_store::{secret_hash, SessionRecord};
use chrono::Utc;
use serde::Deserialize;

/// The longest user name accepted; a longer one is refused before any other work.
pub const MAX_USERNAME: usize = 64;

/// The longest password checked (argon2 is given nothing longer).
pub const MAX_PASSWORD: usize = 1024;

/// The largest login form accepted.
pub(crate) const MAX_LOGIN_BODY: usize = 16 * 1024;

pub(crate) fn cookie_header(st: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if st.auth.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
    ))
    .unwrap_or(HeaderValue::from_static("x=; Max-Age=0"))
}

pub(crate) fn redirect(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(LOCATION, v);
    }
    r
}

/// Where to go after logging in: only a same-site absolute path ("/units/58"). Anything else —
/// "//evil.example", "https://…", a backslash, a control character or whitespace anywhere
/// (browsers drop a tab and read "/\t/evil.example" as "//evil.example") — goes to "/".
pub fn safe_next(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace());
    if ok {
        next
    } else {
        "/"
    }
}

/// A path as the value of `?next=`: the characters that would end or split it escaped.
pub(crate) fn encode_next(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '%' | '&' | '?' | '#' | '+' | ' ' | '=' => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
    lang: Option<String>,
    /// Set when a form was posted after the session ended: the page says so.
    expired: Option<String>,
}

pub(crate) async fn login_form(
    State(st): State<AppState>,
    Query(q): Query<NextQuery>,
    headers: HeaderMap,
    uri: Uri,
    Extension(who): Extension<Who>,
) -> Response {
    let page = Page::new(
        &PageQuery {
            lang: q.lang.clone(),
        },
        &headers,
        &uri,
        &who,
    );
    let existing = auth::cookie(&headers, LOGIN_CSRF_COOKIE);
    let csrf = existing.clone().unwrap_or_else(random_secret);
    let next = safe_next(q.next.as_deref().unwrap_or("/")).to_string();
    let mut r = page.render(
        &st,
        StatusCode::OK,
        "login.html",
        minijinja::context! {
            login_csrf => csrf, next, username => "", error => "",
            notice => q.expired.is_some().then(|| st.i18n.t(page.lang, "login-session-ended", &[])),
        },
    );
    if existing.is_none() {
        r.headers_mut().append(
            SET_COOKIE,
            cookie_header(&st, LOGIN_CSRF_COOKIE, &csrf, 3600),
        );
    }
    r
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
    #[serde(default)]
    next: String,
}

/// A hash to verify against when the user name is unknown, so both cases take as long.
pub(crate) fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_secret()).unwrap_or_default())
}

pub(crate) async fn login(
    State(st): State<AppState>,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    uri: Uri,
    Extension(who): Extension<Who>,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let page = Page::new(&PageQuery { lang: None }, &headers, &uri, &who);
    let lang = page.lang;
    let f = match form {
        Ok(Form(f)) => f,
        // Over the login form's limit (16 KiB): refused before anything is looked up.
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return page.error(
                &st,
                StatusCode::PAYLOAD_TOO_LARGE,
                st.i18n.t(lang, "login-bad-form", &[]),
            )
        }
        Err(_) => {
            return page.error(
                &st,
                StatusCode::BAD_REQUEST,
                st.i18n.t(lang, "login-bad-form", &[]),
            )
        }
    };
    let cookie_token = auth::cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    if cookie_token.is_empty() || !constant_time_eq(cookie_token.as_bytes(), f.csrf.as_bytes()) {
        return page.error(
            &st,
            StatusCode::FORBIDDEN,
            st.i18n.t(lang, "csrf-failed", &[]),
        );
    }
    // A user name or password past its limit is refused before any lookup, hash or audit.
    if f.username.chars().count() > MAX_USERNAME || f.password.len() > MAX_PASSWORD {
        return page.render(
            &st,
            StatusCode::UNPROCESSABLE_ENTITY,
            "login.html",
            minijinja::context! {
                login_csrf => f.csrf.clone(), next => safe_next(&f.next).to_string(), username => "",
                error => st.i18n.t(lang, "login-too-long", &[("max", MAX_USERNAME.to_string())]),
            },
        );
    }
    let username = f.username.trim().to_lowercase();
    let now = Utc::now();
    auth::flush_login_audit(&st, now).await;
    let again = |status: StatusCode, error: String| {
        page.render(&st, status, "login.html", minijinja::context! { login_csrf => f.csrf.clone(), next => safe_next(&f.next).to_string(), username => username.clone(), error })
    };
    // Failed logins are counted per name and client address, in the database all servers
    // share: locked for the address that failed, only slowed for the others.
    let address = auth::client_address(
        &headers,
        peer.map(|Extension(ConnectInfo(a))| a),
        st.auth.trust_forwarded_for,
    );
    // Until this attempt's failure is recorded, the next one of the pair waits.
    let _one_at_a_time = st.login_gate.enter(&username, &address).await;
    let failures = match st
        .store
        .login_failures(&username, now - auth::FAILURE_MEMORY)
        .await
    {
        Ok(f) => f,
        Err(e) => return internal(&st, &page, e),
    };
    match auth::verdict(&failures, &address, now) {
        auth::Verdict::Locked(until) => {
            let time = (until + chrono::Duration::hours(7))
                .format("%H:%M:%S")
                .to_string();
            st.login_audit.count(&username, LoginRefusal::Locked, now);
            return again(
                StatusCode::TOO_MANY_REQUESTS,
                st.i18n.t(lang, "login-locked", &[("time", time)]),
            );
        }
        auth::Verdict::Slowed(wait) => tokio::time::sleep(wait).await,
        auth::Verdict::Free => {}
    }
    let user = match st.store.user(&username).await {
        Ok(u) => u,
        Err(e) => return internal(&st, &page, e),
    };
    // argon2 runs on a blocking thread; an unknown name costs as long as a known one.
    let (password, hash, usable) = match &user {
        Some(u) => (f.password.clone(), u.password_hash.clone(), !u.disabled),
        None => (f.password.clone(), dummy_hash().to_string(), false),
    };
    let verified = crate::params::blocking(move || verify_password(&password, &hash)).await;
    let good = match verified {
        Ok(ok) => ok && usable,
        Err(e) => return internal(&st, &page, e),
    };
    let Some(user) = user.filter(|_| good) else {
        if let Err(e) = st.app.record_login_failure(&username, &address, now).await {
            return internal(&st, &page, e);
        }
        st.login_audit.count(&username, LoginRefusal::Failure, now);
        return again(
            StatusCode::UNAUTHORIZED,
            st.i18n.t(lang, "login-failed", &[]),
        );
    };
    if let Err(e) = st.app.clear_login_failures(&username, &address).await {
        return internal(&st, &page, e);
    }
    // A new session id at every login; any session this browser had ends (or nobody logs in).
    if let Some(old) = auth::cookie(&headers, SESSION_COOKIE) {
        if let Err(e) = st.app.delete_session(&secret_hash(&old)).await {
            return internal(&st, &page, e);
        }
    }
    let secret = match new_session(&st, &user.username).await {
        Ok(secret) => secret,
        Err(e) => return internal(&st, &page, e),
    };
    let logged = st
        .app
        .log_event(
            "login.success",
            &format!("user:{}", user.username),
            None,
            &Actor::new(&user.username, Via::Web),
        )
        .await;
    if let Err(e) = logged {
        return internal(&st, &page, e);
    }
    let to = if user.must_change_password {
        "/account/password"
    } else {
        safe_next(&f.next)
    };
    let mut r = redirect(to);
    r.headers_mut().append(
        SET_COOKIE,
        cookie_header(
            &st,
            SESSION_COOKIE,
            &secret,
            st.auth.absolute_timeout.num_seconds(),
        ),
    );
    r
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub(crate) fn session_of(who: &Who) -> Option<(&str, &str, &str)> {
    match who {
        Who::User(p) => match &p.credential {
            Credential::Session {
                id_hash,
                csrf_token,
                ..
            } => Some((p.username.as_str(), id_hash.as_str(), csrf_token.as_str())),
            Credential::Token { .. } => None,
        },
        Who::Anonymous => None,
    }
}

pub(crate) async fn end_sessions(
    st: AppState,
    headers: HeaderMap,
    uri: Uri,
    who: Who,
    f: CsrfForm,
    everywhere: bool,
) -> Response {
    let page = Page::new(&PageQuery { lang: None }, &headers, &uri, &who);
    let Some((username, id_hash, csrf)) = session_of(&who) else {
        return redirect("/");
    };
    if !constant_time_eq(csrf.as_bytes(), f.csrf.as_bytes()) {
        return page.error(
            &st,
            StatusCode::FORBIDDEN,
            st.i18n.t(page.lang, "csrf-failed", &[]),
        );
    }
    let actor = Actor::new(username, Via::Web);
    // Not honoured from memory in an outage either (see `auth::Verified`).
    if everywhere {
        st.verified.forget_user(username);
    } else if let Some(k) = crate::auth::credential_key(&headers) {
        st.verified.forget(&k);
    }
    let ended = if everywhere {
        match st.app.delete_sessions_of(username).await {
            Ok(n) => {
                st.app
                    .log_event(
                        "logout.everywhere",
                        &format!("user:{username}"),
                        Some(&format!("{n} sessions ended")),
                        &actor,
                    )
                    .await
            }
            Err(e) => Err(e),
        }
    } else {
        match st.app.delete_session(id_hash).await {
            Ok(()) => {
                st.app
                    .log_event("logout", &format!("user:{username}"), None, &actor)
                    .await
            }
            Err(e) => Err(e),
        }
    };
    if let Err(e) = ended {
        return internal(&st, &page, e);
    }
    let mut r = redirect("/");
    r.headers_mut()
        .append(SET_COOKIE, cookie_header(&st, SESSION_COOKIE, "", 0));
    r
}

pub(crate) async fn logout(
    State(st): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Extension(who): Extension<Who>,
    Form(f): Form<CsrfForm>,
) -> Response {
    end_sessions(st, headers, uri, who, f, false).await
}

pub(crate) async fn logout_everywhere(
    State(st): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Extension(who): Extension<Who>,
    Form(f): Form<CsrfForm>,
) -> Response {
    end_sessions(st, headers, uri, who, f, true).await
}

pub(crate) async fn password_form(
    State(st): State<AppState>,
    Query(q): Query<NextQuery>,
    headers: HeaderMap,
    uri: Uri,
    Extension(who): Extension<Who>,
) -> Response {
    let page = Page::new(&PageQuery { lang: q.lang }, &headers, &uri, &who);
    if session_of(&who).is_none() {
        return redirect("/login?next=/account/password");
    }
    let must_change = matches!(&who, Who::User(p) if matches!(p.credential, Credential::Session { must_change_password: true, .. }));
    page.render(
        &st,
        StatusCode::OK,
        "password.html",
        minijinja::context! { must_change, error => "" },
    )
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
    repeat: String,
}

pub(crate) async fn change_password(
    State(st): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Extension(who): Extension<Who>,
    Form(f): Form<PasswordForm>,
) -> Response {
    let page = Page::new(&PageQuery { lang: None }, &headers, &uri, &who);
    let lang = page.lang;
    let Some((username, _, csrf)) = session_of(&who) else {
        return redirect("/login");
    };
    if !constant_time_eq(csrf.as_bytes(), f.csrf.as_bytes()) {
        return page.error(
            &st,
            StatusCode::FORBIDDEN,
            st.i18n.t(lang, "csrf-failed", &[]),
        );
    }
    let must_change = matches!(&who, Who::User(p) if matches!(p.credential, Credential::Session { must_change_password: true, .. }));
    let again = |error: String| {
        page.render(
            &st,
            StatusCode::UNPROCESSABLE_ENTITY,
            "password.html",
            minijinja::context! { must_change, error },
        )
    };
    let user = match st.store.user(username).await {
        Ok(Some(u)) => u,
        Ok(None) => return redirect("/login"),
        Err(e) => return internal(&st, &page, e),
    };
    let (current, stored) = (f.current.clone(), user.password_hash.clone());
    match crate::params::blocking(move || verify_password(&current, &stored)).await {
        Ok(true) => {}
        Ok(false) => return again(st.i18n.t(lang, "password-wrong", &[])),
        Err(e) => return internal(&st, &page, e),
    }
    if f.new != f.repeat {
        return again(st.i18n.t(lang, "password-mismatch", &[]));
    }
    // The new password is never the current one — the one-time password above all, which
    // whoever made the account has seen.
    if f.new == f.current {
        return again(st.i18n.t(lang, "password-same", &[]));
    }
    if let Err(reason) = check_password(username, &f.new) {
        return again(crate::i18n::one_language(&reason, lang));
    }
    let new = f.new.clone();
    let hash = match crate::params::blocking(move || hash_password(&new)).await {
        Ok(Ok(h)) => h,
        Ok(Err(e)) => return internal(&st, &page, e),
        Err(e) => return internal(&st, &page, e),
    };
    let actor = Actor::new(username, Via::Web);
    if let Err(e) = st.app.set_password(username, &hash, false, &actor).await {
        return internal(&st, &page, e);
    }
    // Every other session ends — an attacker's too — and this browser gets a fresh one. If
    // they cannot be ended, say so: the password is changed, the sessions are not.
    st.verified.forget_user(username);
    if let Err(e) = st.app.delete_sessions_of(username).await {
        tracing::error!(error = %e, user = %username, "cannot end the sessions after a password change");
        return page.error(
            &st,
            StatusCode::INTERNAL_SERVER_ERROR,
            st.i18n.t(lang, "password-sessions-not-ended", &[]),
        );
    }
    let secret = match new_session(&st, username).await {
        Ok(s) => s,
        Err(e) => return internal(&st, &page, e),
    };
    let mut r = redirect("/");
    r.headers_mut().append(
        SET_COOKIE,
        cookie_header(
            &st,
            SESSION_COOKIE,
            &secret,
            st.auth.absolute_timeout.num_seconds(),
        ),
    );
    r
}

/// An internal failure: logged with its cause, shown as the plain error page.
pub(crate) fn internal<E: std::fmt::Debug + 'static>(st: &AppState, page: &Page, e: E) -> Response {
    if crate::pages::unavailable_cause(&e) {
        return page.respond(st, Err(crate::pages::PageError::Unavailable));
    }
    tracing::error!(error = ?e, "account page failed");
    page.error(
        st,
        StatusCode::INTERNAL_SERVER_ERROR,
        st.i18n.t(page.lang, "internal-error", &[]),
    )
}

/// Start a session for an account: a fresh random secret for the cookie (only its hash is
/// stored) and a fresh CSRF token.
pub(crate) async fn new_session(
    st: &AppState,
    username: &str,
) -> Result<String, chiso_store::StoreError> {
    let now = Utc::now();
    let secret = random_secret();
    let session = SessionRecord {
        id_hash: secret_hash(&secret),
        username: username.to_string(),
        csrf_token: random_secret(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + st.auth.absolute_timeout,
    };
    st.app.create_session(&session).await?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_same_site_paths_are_followed_after_login() {
        for bad in [
            "/\t/evil.example/x",
            "/\n/evil.example",
            "/\r\n//evil.example",
            "/ /evil.example",
            "/\u{a0}/evil.example",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example/",
            "evil.example",
            "",
            "/units/58\u{0}",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
        for good in ["/", "/units/58", "/forms?unit=22738&lang=en", "/a/b%2F%2Fc"] {
            assert_eq!(safe_next(good), good);
        }
    }
}
