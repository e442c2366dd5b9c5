//! Who is asking, and what they may do: sessions (a cookie holding a random secret; the
//! server keeps its hash), API tokens in DHIS2's `Authorization: ApiToken …` form, CSRF
//! tokens, and the one authorization function every route calls.
//!
//! *Invariant*: every route that reads or changes data calls [`allowed`] for every unit it
//! touches, on the server; hiding a button is never the protection.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::Response;
use chiso_core::account::Assignment;
use chiso_engine::Engine;
use chrono::{DateTime, Duration, Utc};
use std::sync::Mutex;

pub const SESSION_COOKIE: &str = "chiso_session";
pub const LOGIN_CSRF_COOKIE: &str = "chiso_login_csrf";

/// Session and login settings.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Anyone may read everything (the demo); writes still need an account.
    pub public_read: bool,
    /// Anyone may read the indicators marked published (analytics and indicator values), and
    /// nothing else.
    pub public_published: bool,
    /// Mark cookies `Secure` (serving over HTTPS, or behind a TLS proxy).
    pub secure_cookies: bool,
    /// Take the client's address from the last entry of `X-Forwarded-For` (set this only
    /// behind a reverse proxy that writes it); otherwise the connection's own address.
    pub trust_forwarded_for: bool,
    pub idle_timeout: Duration,
    pub absolute_timeout: Duration,
    /// Who may read `/metrics` besides the local machine: `Authorization: Bearer TOKEN`.
    pub metrics_token: Option<String>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            public_read: false,
            public_published: false,
            secure_cookies: false,
            trust_forwarded_for: false,
            idle_timeout: Duration::minutes(30),
            absolute_timeout: Duration::hours(12),
            metrics_token: None,
        }
    }
}

/// How a request was authenticated.
#[derive(Debug, Clone, PartialEq)]
pub enum Credential {
    Session {
        id_hash: String,
        csrf_token: String,
        must_change_password: bool,
    },
    Token {
        id: String,
    },
}

/// The account behind a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub username: String,
    pub display_name: String,
    pub assignments: Vec<Assignment>,
    pub credential: Credential,
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq)]
pub enum Who {
    Anonymous,
    User(Principal),
}

impl Who {
    pub fn name(&self) -> String {
        match self {
            Who::Anonymous => "anonymous".into(),
            Who::User(p) => p.username.clone(),
        }
    }
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Who::User(p) => Some(p),
            Who::Anonymous => None,
        }
    }
}

pub use chiso_core::access::Action;
use chiso_core::access::{self, Person};

impl Who {
    /// The person as the access rules see them.
    pub fn person(&self, public_read: bool) -> Person<'_> {
        match self {
            Who::Anonymous => Person::Anonymous { public_read },
            Who::User(p) => Person::Account {
                assignments: &p.assignments,
                must_change_password: matches!(
                    p.credential,
                    Credential::Session {
                        must_change_password: true,
                        ..
                    }
                ),
            },
        }
    }
}

/// The one authorization function: the access rules of `chiso_core::access` over the
/// engine's unit tree. `unit` is the unit touched (None: no particular unit, which then needs
/// a role over every unit — except for reading the structure and managing the framework).
pub fn allowed(
    who: &Who,
    action: Action,
    unit: Option<&str>,
    engine: &Engine,
    public_read: bool,
) -> bool {
    access::allowed(who.person(public_read), action, unit, engine.tree())
}

/// Whether a person approves reports at a level (a district, a province): an approver assigned
/// to that very unit — not one above it, so every level approves in turn — or an
/// administrator of every unit.
pub fn approves_at(who: &Who, level: &str, engine: &Engine) -> bool {
    access::approves_at(who.person(false), level, engine.tree())
}

/// A cookie's value, as the browser sent it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    axum_extra::extract::cookie::CookieJar::from_headers(headers)
        .get(name)
        .map(|c| c.value().to_string())
}

/// Find who is asking (token, then session cookie) and put it in the request's extensions.
/// A session past its idle or absolute time-out, or of a disabled account, is ended.
pub async fn authenticate(State(st): State<AppState>, req: Request, next: Next) -> Response {
    use axum::response::IntoResponse;
    let key = credential_key(req.headers());
    // While the database is known not to answer, a credential verified lately is honoured
    // from memory for reads, and any other one is answered 503 at once (see `Verified`). A
    // write always has its credential checked in the database: one ended or revoked since
    // it was remembered never writes again.
    let read = reads_only(req.method());
    if let (false, Some(k), true) = (st.app.database_reachable(), &key, read) {
        let Some(who) = st.verified.recall(k) else {
            return crate::error::ApiError::Unavailable.into_response();
        };
        return proceed(who, req, next).await;
    }
    // A token verified a moment ago, with no account or token changed since, is not asked
    // of the database again (see `Verified`).
    let version = st.app.accounts_version();
    if let Some(k) = key.as_deref().filter(|k| k.starts_with(TOKEN_KEY)) {
        if let Some(who) = st.verified.fresh_token(k, version) {
            if let Who::User(Principal {
                credential: Credential::Token { id },
                ..
            }) = &who
            {
                record_token_use(&st, id, None);
            }
            return proceed(who, req, next).await;
        }
    }
    let who = match identify(&st, req.headers()).await {
        Ok(who) => {
            if let Some(k) = key {
                match &who {
                    Who::User(_) => st.verified.remember(k, &who, version),
                    Who::Anonymous => st.verified.forget(&k),
                }
            }
            who
        }
        // A credential that was sent but is not good is refused, never taken as anonymous: a
        // client learns that its token is wrong even where anyone may read.
        Err(Refused::BadCredential(why)) => {
            if let Some(k) = key {
                st.verified.forget(&k);
            }
            return crate::error::ApiError::UnauthorizedBecause(why).into_response();
        }
        Err(Refused::Unavailable(e)) if e.is_unavailable() => {
            st.app.database_unavailable(&e);
            match key.filter(|_| read).and_then(|k| st.verified.recall(&k)) {
                Some(who) => who,
                None => return crate::error::ApiError::Unavailable.into_response(),
            }
        }
        Err(Refused::Unavailable(e)) => {
            tracing::error!(error = %e, "cannot check the credentials");
            return crate::error::ApiError::Internal(e.to_string()).into_response();
        }
    };
    proceed(who, req, next).await
}

/// The request, with who is asking in its extensions, after the API's CSRF check.
async fn proceed(who: Who, mut req: Request, next: Next) -> Response {
    use axum::response::IntoResponse;
    // The JSON API, called with a session cookie, must send the session's CSRF token back in
    // `X-CSRF-Token`; forms are checked by their handlers.
    if req.uri().path().starts_with("/api/") && !csrf_ok(&who, req.method(), req.headers(), None) {
        return crate::error::ApiError::Forbidden(
            "missing or wrong X-CSRF-Token for a request made with a session".into(),
        )
        .into_response();
    }
    req.extensions_mut().insert(who);
    next.run(req).await
}

/// Why credentials that were sent are not taken.
enum Refused {
    /// An `Authorization` header that is not a good API token (unknown, revoked, of a
    /// disabled account, or not `ApiToken …` at all).
    BadCredential(&'static str),
    /// The store could not be asked.
    Unavailable(chiso_store::StoreError),
}

impl From<chiso_store::StoreError> for Refused {
    fn from(e: chiso_store::StoreError) -> Refused {
        Refused::Unavailable(e)
    }
}

/// Record a token's use, at most once a minute and off the request (see
/// [`crate::verified::Verified::token_use_due`]): a read of the in-memory figures never waits
/// on the database's write lock, nor fails with it. `stored` is the last use the database holds.
fn record_token_use(st: &AppState, id: &str, stored: Option<DateTime<Utc>>) {
    let now = Utc::now();
    if !st.verified.token_use_due(id, stored, now) {
        return;
    }
    let (app, id) = (st.app.clone(), id.to_string());
    tokio::spawn(async move {
        if let Err(e) = app.touch_token(&id, now).await {
            tracing::warn!(error = %e, token = %id, "cannot record the token's use");
        }
    });
}

async fn identify(st: &AppState, headers: &HeaderMap) -> Result<Who, Refused> {
    let now = Utc::now();
    if let Some(auth) = headers.get(AUTHORIZATION) {
        let bad = "the Authorization header is not a valid API token (send `Authorization: ApiToken …` with a token that is neither revoked nor of a disabled account)";
        let Some(secret) = auth.to_str().ok().and_then(|a| a.strip_prefix("ApiToken ")) else {
            return Err(Refused::BadCredential(bad));
        };
        let Some(t) = st
            .store
            .token_by_hash(&chiso_store::secret_hash(secret.trim()))
            .await?
        else {
            return Err(Refused::BadCredential(bad));
        };
        if t.revoked_at.is_some() {
            return Err(Refused::BadCredential(bad));
        }
        let Some(u) = st.store.user(&t.username).await? else {
            return Err(Refused::BadCredential(bad));
        };
        if u.disabled {
            return Err(Refused::BadCredential(bad));
        }
        record_token_use(st, &t.id, t.last_used_at);
        return Ok(Who::User(Principal {
            username: u.username,
            display_name: u.display_name,
            assignments: u.assignments,
            credential: Credential::Token { id: t.id },
        }));
    }
    // An unknown, expired or ended session cookie is no session: the person is anonymous
    // (the pages send them to log in again).
    let Some(secret) = cookie(headers, SESSION_COOKIE) else {
        return Ok(Who::Anonymous);
    };
    let id_hash = chiso_store::secret_hash(&secret);
    let Some(s) = st.store.session(&id_hash).await? else {
        return Ok(Who::Anonymous);
    };
    let expired = now > s.expires_at || now - s.last_seen_at > st.auth.idle_timeout;
    let user = match st.store.user(&s.username).await? {
        Some(u) if !u.disabled && !expired => u,
        _ => {
            if let Err(e) = st.app.delete_session(&id_hash).await {
                tracing::warn!(error = %e, "cannot delete an ended session");
            }
            return Ok(Who::Anonymous);
        }
    };
    if now - s.last_seen_at > Duration::seconds(30) {
        if let Err(e) = st.app.touch_session(&id_hash, now).await {
            tracing::warn!(error = %e, "cannot record the session's activity");
        }
    }
    Ok(Who::User(Principal {
        username: user.username,
        display_name: user.display_name,
        assignments: user.assignments,
        credential: Credential::Session {
            id_hash,
            csrf_token: s.csrf_token,
            must_change_password: user.must_change_password,
        },
    }))
}

/// How the key of an API token begins (a session's begins with `s:`).
const TOKEN_KEY: &str = "t:";

/// The key of the credential a request carries: its API token, else its session cookie.
pub(crate) fn credential_key(headers: &HeaderMap) -> Option<String> {
    if let Some(auth) = headers.get(AUTHORIZATION) {
        let secret = auth.to_str().ok()?.strip_prefix("ApiToken ")?;
        return Some(format!(
            "{TOKEN_KEY}{}",
            chiso_store::secret_hash(secret.trim())
        ));
    }
    cookie(headers, SESSION_COOKIE).map(|s| format!("s:{}", chiso_store::secret_hash(&s)))
}

/// Whether a request's method only reads (`GET`, `HEAD`, `OPTIONS`): it needs no CSRF token,
/// does not move the page cache's write sequence, and may be answered from remembered
/// credentials in an outage.
pub(crate) fn reads_only(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// For a state-changing request made with a session cookie: the CSRF token must come back,
/// in the `X-CSRF-Token` header (the JSON API) or the `csrf` form field (checked by the form's
/// handler). Token-authenticated requests carry no cookie and need none.
pub fn csrf_ok(who: &Who, method: &Method, headers: &HeaderMap, form_token: Option<&str>) -> bool {
    if reads_only(method) {
        return true;
    }
    match who {
        Who::User(Principal {
            credential: Credential::Session { csrf_token, .. },
            ..
        }) => {
            let sent = headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .or(form_token);
            sent.is_some_and(|t| constant_time_eq(t.as_bytes(), csrf_token.as_bytes()))
        }
        _ => true,
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// How often a token's last use is written.
pub const TOKEN_USE_GRAIN: Duration = Duration::minutes(1);

/// What the failed logins of a user name say about a new try from one client address.
/// Failures are stored per (name, address) and shared by every server of the database
/// (`login_failures`): after [`FREE_TRIES`] failures *from this address* the name is locked
/// for this address, 1 minute doubling with each further failure up to an hour; failures
/// from *other* addresses only slow this one down (a second per failure beyond the free
/// tries, at most [`MAX_SLOWDOWN`]), so that nobody can lock the rightful user out by failing
/// on purpose from elsewhere.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// Refused unchecked until then.
    Locked(DateTime<Utc>),
    /// Checked after this wait.
    Slowed(std::time::Duration),
    Free,
}

/// Free tries per (name, address) before the lock; and per name from other addresses before
/// the slow-down.
pub const FREE_TRIES: u32 = 5;
/// The longest a login is slowed by failures from other addresses.
pub const MAX_SLOWDOWN: std::time::Duration = std::time::Duration::from_secs(5);
/// How far back failures count.
pub const FAILURE_MEMORY: Duration = Duration::hours(1);

pub fn verdict(
    failures: &[chiso_store::LoginFailures],
    address: &str,
    now: DateTime<Utc>,
) -> Verdict {
    if let Some(own) = failures.iter().find(|f| f.address == address) {
        if own.failures >= FREE_TRIES {
            let minutes = 1i64 << (own.failures - FREE_TRIES).min(6);
            let until = own.last_failure_at + Duration::minutes(minutes.min(60));
            if until > now {
                return Verdict::Locked(until);
            }
        }
    }
    let elsewhere: u32 = failures
        .iter()
        .filter(|f| f.address != address && now - f.last_failure_at < FAILURE_MEMORY)
        .map(|f| f.failures)
        .fold(0, u32::saturating_add);
    if elsewhere > FREE_TRIES {
        let secs = u64::from(elsewhere - FREE_TRIES).min(MAX_SLOWDOWN.as_secs());
        return Verdict::Slowed(std::time::Duration::from_secs(secs));
    }
    Verdict::Free
}

/// The client's address: the connection's, or behind a trusted reverse proxy the last entry
/// of `X-Forwarded-For` (the one the proxy wrote); "unknown" when neither is known.
pub fn client_address(
    headers: &HeaderMap,
    peer: Option<std::net::SocketAddr>,
    trust_forwarded_for: bool,
) -> String {
    if trust_forwarded_for {
        // The entry the proxy itself wrote: the last of the last header.
        let last = headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|a| a.parse::<std::net::IpAddr>().is_ok());
        if let Some(a) = last {
            return a.to_string();
        }
    }
    peer.map(|p| p.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

/// What happened to a refused login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LoginRefusal {
    /// Wrong user name or password.
    Failure,
    /// Refused unchecked because the name is locked.
    Locked,
}

impl LoginRefusal {
    pub fn action(self) -> &'static str {
        match self {
            LoginRefusal::Failure => "login.failure",
            LoginRefusal::Locked => "login.locked",
        }
    }
}

/// Refused logins counted per user name and minute, so that a flood of attempts writes one
/// audit entry per name, kind and minute (with its count) instead of one per attempt. An
/// entry is written once its minute is over ([`LoginAudit::due`]). Bounded: past
/// [`LoginAudit::MAX_PENDING`] names in a minute, further names are counted under `*`.
#[derive(Default)]
pub struct LoginAudit {
    pending: Mutex<std::collections::BTreeMap<(i64, String, LoginRefusal), u32>>,
}

/// One audit entry's worth of refused logins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedLogins {
    /// The minute, as whole minutes since 1970 (UTC).
    pub minute: i64,
    pub username: String,
    pub kind: LoginRefusal,
    pub count: u32,
}

impl RefusedLogins {
    /// The audit entry's detail: the minute and how many attempts.
    pub fn detail(&self) -> String {
        let start = DateTime::<Utc>::from_timestamp(self.minute * 60, 0)
            .map(|t| t.to_rfc3339())
            .unwrap_or_default();
        serde_json::json!({ "minute": start, "attempts": self.count }).to_string()
    }
}

impl LoginAudit {
    pub const MAX_PENDING: usize = 10_000;

    fn minute(t: DateTime<Utc>) -> i64 {
        t.timestamp().div_euclid(60)
    }

    pub fn count(&self, username: &str, kind: LoginRefusal, now: DateTime<Utc>) {
        let Ok(mut p) = self.pending.lock() else {
            return;
        };
        let mut key = (Self::minute(now), username.to_string(), kind);
        if p.len() >= Self::MAX_PENDING && !p.contains_key(&key) {
            key.1 = "*".into();
        }
        *p.entry(key).or_insert(0) += 1;
    }

    /// Take the counts of every minute that ended before `now`.
    pub fn due(&self, now: DateTime<Utc>) -> Vec<RefusedLogins> {
        let Ok(mut p) = self.pending.lock() else {
            return Vec::new();
        };
        let current = Self::minute(now);
        let later = p.split_off(&(current, String::new(), LoginRefusal::Failure));
        let done = std::mem::replace(&mut *p, later);
        done.into_iter()
            .map(|((minute, username, kind), count)| RefusedLogins {
                minute,
                username,
                kind,
                count,
            })
            .collect()
    }
}

/// Write the audit entries of refused logins whose minute ended before `now` (the server
/// calls this every second, and with a time past the last minute when it stops).
pub async fn flush_login_audit(st: &AppState, now: DateTime<Utc>) {
    for r in st.login_audit.due(now) {
        let written = st
            .app
            .log_event(
                r.kind.action(),
                &format!("user:{}", r.username),
                Some(&r.detail()),
                &chiso_store::Actor::new(&r.username, chiso_core::Via::Web),
            )
            .await;
        if let Err(e) = written {
            tracing::error!(error = %e, user = %r.username, "cannot audit refused logins");
        }
    }
}

/// Check an action on every unit a request touches (none: the action without a unit); the
/// first refused unit is named.
pub async fn require(
    st: &AppState,
    who: &Who,
    action: Action,
    units: &[&str],
) -> Result<(), crate::error::ApiError> {
    use crate::error::ApiError;
    let engine = st.app.read().await;
    let refused = if units.is_empty() {
        (!allowed(who, action, None, &engine, st.auth.public_read)).then(String::new)
    } else {
        units
            .iter()
            .find(|u| !allowed(who, action, Some(u), &engine, st.auth.public_read))
            .map(|u| u.to_string())
    };
    match (refused, who) {
        (None, _) => Ok(()),
        (Some(_), Who::Anonymous) => Err(ApiError::Unauthorized),
        (Some(_), Who::User(p))
            if matches!(
                p.credential,
                Credential::Session {
                    must_change_password: true,
                    ..
                }
            ) =>
        {
            Err(ApiError::Forbidden(
                "change your one-time password first (/account/password)".into(),
            ))
        }
        (Some(u), Who::User(p)) if u.is_empty() => Err(ApiError::Forbidden(format!(
            "tài khoản {0} không có quyền làm việc này / {0} may not do this",
            p.username
        ))),
        (Some(u), Who::User(p)) => Err(ApiError::Forbidden(format!(
            "tài khoản {0} không có quyền làm việc này ở đơn vị {u} / {0} may not do this for unit {u}",
            p.username
        ))),
    }
}

/// Check a scope: a unit, or every member of a group.
pub async fn require_scope(
    st: &AppState,
    who: &Who,
    action: Action,
    scope: &chiso_engine::Scope,
) -> Result<(), crate::error::ApiError> {
    match scope {
        chiso_engine::Scope::Unit(u) => require(st, who, action, &[u.as_str()]).await,
        chiso_engine::Scope::Group(g) => {
            let members = st.app.read().await.group_members(g)?;
            let refs: Vec<&str> = members.iter().map(|m| m.as_str()).collect();
            require(st, who, action, &refs).await
        }
        chiso_engine::Scope::Units(us) => {
            let refs: Vec<&str> = us.iter().map(|m| m.as_str()).collect();
            require(st, who, action, &refs).await
        }
    }
}

/// Whether an anonymous request may read these indicators by the public-access rule.
pub fn public_indicators(st: &AppState, who: &Who, engine: &Engine, codes: &[&str]) -> bool {
    matches!(who, Who::Anonymous)
        && st.auth.public_published
        && !codes.is_empty()
        && codes
            .iter()
            .all(|c| engine.indicator_def(c).is_some_and(|i| i.published))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_logins_are_counted_per_name_kind_and_minute() {
        let a = LoginAudit::default();
        let t0 = DateTime::<Utc>::from_timestamp(60 * 1000 + 5, 0).unwrap();
        for i in 0..30 {
            a.count("admin", LoginRefusal::Failure, t0 + Duration::seconds(i));
        }
        a.count("admin", LoginRefusal::Locked, t0);
        a.count("other", LoginRefusal::Failure, t0 + Duration::seconds(70));
        // Nothing is due while its minute runs.
        assert!(a.due(t0 + Duration::seconds(20)).is_empty());
        let due = a.due(t0 + Duration::seconds(60));
        assert_eq!(
            due,
            vec![
                RefusedLogins {
                    minute: 1000,
                    username: "admin".into(),
                    kind: LoginRefusal::Failure,
                    count: 30
                },
                RefusedLogins {
                    minute: 1000,
                    username: "admin".into(),
                    kind: LoginRefusal::Locked,
                    count: 1
                },
            ]
        );
        assert!(
            due[0].detail().contains("\"attempts\":30"),
            "{}",
            due[0].detail()
        );
        let later = a.due(t0 + Duration::seconds(200));
        assert_eq!(later.len(), 1);
        assert_eq!((later[0].username.as_str(), later[0].count), ("other", 1));
        assert!(a.due(t0 + Duration::seconds(500)).is_empty());
    }

    fn failures(rows: &[(&str, u32, DateTime<Utc>)]) -> Vec<chiso_store::LoginFailures> {
        rows.iter()
            .map(|(a, n, t)| chiso_store::LoginFailures {
                address: a.to_string(),
                failures: *n,
                last_failure_at: *t,
            })
            .collect()
    }

    #[test]
    fn back_off_per_address_and_only_slowed_from_elsewhere() {
        let now = Utc::now();
        let a = "203.0.113.9";
        assert_eq!(verdict(&failures(&[(a, 4, now)]), a, now), Verdict::Free);
        assert_eq!(
            verdict(&failures(&[(a, 5, now)]), a, now),
            Verdict::Locked(now + Duration::minutes(1))
        );
        assert_eq!(
            verdict(&failures(&[(a, 6, now)]), a, now),
            Verdict::Locked(now + Duration::minutes(2))
        );
        assert_eq!(
            verdict(&failures(&[(a, 40, now)]), a, now),
            Verdict::Locked(now + Duration::minutes(60))
        );
        assert_eq!(
            verdict(&failures(&[(a, 6, now)]), a, now + Duration::minutes(3)),
            Verdict::Free
        );
        // The same failures seen from another address: slowed, never locked.
        let b = "198.51.100.7";
        assert_eq!(verdict(&failures(&[(a, 5, now)]), b, now), Verdict::Free);
        assert_eq!(
            verdict(&failures(&[(a, 7, now)]), b, now),
            Verdict::Slowed(std::time::Duration::from_secs(2))
        );
        assert_eq!(
            verdict(&failures(&[(a, 1000, now)]), b, now),
            Verdict::Slowed(MAX_SLOWDOWN)
        );
        // Failures over an hour old do not slow anyone.
        assert_eq!(
            verdict(&failures(&[(a, 1000, now - Duration::minutes(61))]), b, now),
            Verdict::Free
        );
    }

    #[test]
    fn the_client_address_is_the_connections_unless_a_proxy_is_trusted() {
        let peer: std::net::SocketAddr = "10.0.0.2:51000".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "1.2.3.4, 203.0.113.9".parse().unwrap());
        assert_eq!(client_address(&h, Some(peer), false), "10.0.0.2");
        assert_eq!(client_address(&h, Some(peer), true), "203.0.113.9");
        assert_eq!(client_address(&HeaderMap::new(), None, false), "unknown");
        h.insert("x-forwarded-for", "not an address".parse().unwrap());
        assert_eq!(client_address(&h, Some(peer), true), "10.0.0.2");
    }

    #[test]
    fn constant_time_comparison() {
        assert!(
            constant_time_eq(b"abc", b"abc")
                && !constant_time_eq(b"abc", b"abd")
                && !constant_time_eq(b"ab", b"abc")
        );
    }
}
