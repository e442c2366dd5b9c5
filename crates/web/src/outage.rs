//! When the database does not answer: a request that needs it is answered 503 with
//! `Retry-After` (JSON on the API, the error page elsewhere), logged and counted; a request
//! that needs only the engine is still answered — anonymous reads where they are public, and
//! those whose API token or session this server verified in the last minutes
//! ([`Verified`]: while the database answers, every credential is still checked there first,
//! so a revoked token or an ended session is refused at once).

use crate::auth::{Who, SESSION_COOKIE};
use crate::pages::{Page, PageQuery};
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a credential verified against the database is honoured while the database does
/// not answer.
pub const KEEP_VERIFIED: Duration = Duration::from_secs(5 * 60);
/// The most credentials remembered (the oldest are dropped first).
const MAX_VERIFIED: usize = 10_000;

/// Credentials (API tokens and sessions, by the hash of their secret) verified against the
/// database, with who they were and when.
#[derive(Default)]
pub struct Verified(Mutex<HashMap<String, (Who, Instant)>>);

impl Verified {
    pub(crate) fn remember(&self, key: String, who: &Who) {
        let Ok(mut m) = self.0.lock() else { return };
        if m.len() >= MAX_VERIFIED && !m.contains_key(&key) {
            m.retain(|_, (_, at)| at.elapsed() < KEEP_VERIFIED);
            if m.len() >= MAX_VERIFIED {
                if let Some(oldest) = m
                    .iter()
                    .min_by_key(|(_, (_, at))| *at)
                    .map(|(k, _)| k.clone())
                {
                    m.remove(&oldest);
                }
            }
        }
        m.insert(key, (who.clone(), Instant::now()));
    }

    pub(crate) fn forget(&self, key: &str) {
        if let Ok(mut m) = self.0.lock() {
            m.remove(key);
        }
    }

    /// Who a credential was, when it was verified within [`KEEP_VERIFIED`].
    pub(crate) fn recall(&self, key: &str) -> Option<Who> {
        let m = self.0.lock().ok()?;
        m.get(key)
            .filter(|(_, at)| at.elapsed() < KEEP_VERIFIED)
            .map(|(who, _)| who.clone())
    }
}

/// The names of elements and groups the analytics answer shows (the engine holds their codes,
/// not their names), as last read: read from the database while it answers, from here while it
/// does not.
#[derive(Default)]
pub struct Names {
    elements: Mutex<Option<std::sync::Arc<Vec<chiso_core::DataElement>>>>,
    groups: Mutex<Option<std::sync::Arc<Vec<chiso_core::UnitGroup>>>>,
}

/// A read kept for the outage: the database's answer (remembered), else — when it is
/// unavailable, or known to be so (then without waiting for it) — the last one remembered.
async fn kept<T: Clone>(
    st: &AppState,
    memo: &Mutex<Option<std::sync::Arc<T>>>,
    read: impl std::future::Future<Output = Result<T, chiso_store::StoreError>>,
) -> Result<T, chiso_store::StoreError> {
    if !st.app.database_reachable() {
        if let Some(v) = memo.lock().ok().and_then(|m| m.clone()) {
            return Ok(v.as_ref().clone());
        }
    }
    match read.await {
        Ok(v) => {
            if let Ok(mut m) = memo.lock() {
                *m = Some(std::sync::Arc::new(v.clone()));
            }
            Ok(v)
        }
        Err(e) if e.is_unavailable() => match memo.lock().ok().and_then(|m| m.clone()) {
            Some(v) => Ok(v.as_ref().clone()),
            None => Err(e),
        },
        Err(e) => Err(e),
    }
}

impl Names {
    pub(crate) async fn elements(
        &self,
        st: &AppState,
    ) -> Result<Vec<chiso_core::DataElement>, chiso_store::StoreError> {
        kept(st, &self.elements, st.store.elements()).await
    }

    pub(crate) async fn groups(
        &self,
        st: &AppState,
    ) -> Result<Vec<chiso_core::UnitGroup>, chiso_store::StoreError> {
        kept(st, &self.groups, st.store.groups()).await
    }
}

/// The key of the credential a request carries: its API token, else its session cookie.
pub(crate) fn credential_key(headers: &HeaderMap) -> Option<String> {
    if let Some(auth) = headers.get(AUTHORIZATION) {
        let secret = auth.to_str().ok()?.strip_prefix("ApiToken ")?;
        return Some(format!("t:{}", chiso_store::secret_hash(secret.trim())));
    }
    crate::auth::cookie(headers, SESSION_COOKIE)
        .map(|s| format!("s:{}", chiso_store::secret_hash(&s)))
}

/// Seconds a client should wait before trying again (`Retry-After`): the wait for a
/// connection, at least 1 s.
pub fn retry_after() -> u64 {
    chiso_store::timeouts().map_or(5, |t| t.connect.as_secs().max(1))
}

/// The 503 of a request that needs the database: the API's JSON error, or the error page.
pub(crate) fn unavailable(st: &AppState, uri: &Uri, headers: &HeaderMap) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::error::ApiError::Unavailable.into_response();
    }
    let lang = uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "lang")
            .map(|(_, v)| v.to_string())
    });
    let page = Page::new(&PageQuery { lang }, headers, uri, &Who::Anonymous);
    let message = st.i18n.t(page.lang, "database-unavailable", &[]);
    page.error(st, StatusCode::SERVICE_UNAVAILABLE, message)
}

/// Every 503 says when to try again, is counted (`chiso_http_unavailable_total`) and logged.
pub(crate) async fn retry_later(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut r = next.run(req).await;
    if r.status() == StatusCode::SERVICE_UNAVAILABLE {
        r.headers_mut()
            .entry(RETRY_AFTER)
            .or_insert(HeaderValue::from(retry_after()));
        st.app.metrics.unavailable();
        tracing::warn!(path = %path, "answered 503: the database is unavailable or the engine stopped following it");
    }
    r
}
