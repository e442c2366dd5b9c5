//! Public pages and analytics answers kept between writes.
//!
//! The dashboard, the unit, framework, indicator, ranking, scorecard, map and explorer pages,
//! the electronic data store's panel and `/api/analytics` are the same for everyone who asks the same thing with the same rights
//! until something is written. Each answer (a `200` whose body is known in full and small) is
//! kept under everything it depends on:
//!
//! - the request's path and query (period, as-of day, structure, view, language…);
//! - the language the request is answered in and the one its pages read from the cookie;
//! - who is asking: nobody, or the signed-in person's account, session (the page carries its
//!   CSRF token) or token, and their roles — so one person's page is never another's;
//! - today's date in Vietnam (the default "as of" day);
//! - the write sequence: this server's count of answered requests that may write (every
//!   method but `GET`, `HEAD` and `OPTIONS`, counted when the answer is ready, after the
//!   store committed and the engine applied the write), and the engine's newest audit row
//!   applied from other processes ([`chiso_app::Health::seen`]).
//!
//! A write therefore shows on the next request. An answer begun before a write is kept under
//! the sequence it began with, which no later request asks for.

use crate::auth::{Credential, Who};
use crate::i18n::{request_lang, Lang};
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Answers kept at most, and their bytes at most: past either, the oldest go first (a write
/// drops them all). Whatever the requests — a new query parameter makes a new key — the cache
/// stays within these bounds.
const MAX_ENTRIES: usize = 512;
const MAX_BYTES: usize = 64 * 1024 * 1024;
/// Largest answer kept.
const MAX_BODY: u64 = 2 * 1024 * 1024;

/// The paths whose `GET` answers are kept.
fn kept(path: &str) -> bool {
    matches!(
        path,
        "/" | "/units"
            | "/explore"
            | "/rankings"
            | "/scorecards"
            | "/api/analytics"
            | "/api/analytics.csv"
            | "/p06/panel"
    ) || ["/units/", "/frameworks/", "/indicators/", "/scorecards/"]
        .iter()
        .any(|p| path.strip_prefix(p).is_some_and(|rest| !rest.is_empty()))
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    path_and_query: String,
    /// The request's language with Vietnamese and with English as the default: together they
    /// are what `request_lang` answers for any path.
    langs: (Lang, Lang),
    /// The page's language cookie.
    cookie_lang: Option<String>,
    who: Option<WhoKey>,
    today: chrono::NaiveDate,
    writes: u64,
    seen: i64,
}

/// Everything of the person the answer may depend on.
#[derive(Clone, PartialEq, Eq, Hash)]
struct WhoKey {
    username: String,
    display_name: String,
    /// The session's CSRF token (one session), or the token's id.
    credential: String,
    must_change_password: bool,
    assignments: String,
}

struct Kept {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// The kept answers and the write sequence.
#[derive(Default)]
pub(crate) struct PageCache {
    writes: AtomicU64,
    entries: Mutex<Entries>,
}

/// The answers, the order they were kept in, and their bytes.
#[derive(Default)]
struct Entries {
    map: HashMap<Key, Arc<Kept>>,
    order: VecDeque<Key>,
    bytes: usize,
}

impl Entries {
    fn insert(&mut self, key: Key, kept: Kept) {
        if self.map.contains_key(&key) {
            return;
        }
        self.bytes += kept.body.len();
        self.order.push_back(key.clone());
        self.map.insert(key, Arc::new(kept));
        while self.map.len() > MAX_ENTRIES || self.bytes > MAX_BYTES {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(k) = self.map.remove(&oldest) {
                self.bytes -= k.body.len();
            }
        }
    }

    /// Keep only the answers of one sequence.
    fn keep_sequence(&mut self, writes: u64, seen: i64) {
        self.map.retain(|k, _| k.writes == writes && k.seen == seen);
        let map = &self.map;
        self.order.retain(|k| map.contains_key(k));
        self.bytes = self.map.values().map(|k| k.body.len()).sum();
    }
}

impl PageCache {
    fn get(&self, key: &Key) -> Option<Arc<Kept>> {
        let mut entries = self.entries.lock().ok()?;
        let hit = entries.map.get(key).cloned();
        if hit.is_none() {
            // Answers of an earlier sequence are never asked for again.
            entries.keep_sequence(key.writes, key.seen);
        }
        hit
    }

    fn put(&self, key: Key, kept: Kept) {
        if key.writes != self.writes.load(Ordering::SeqCst) {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(key, kept);
        }
    }
}

fn who_key(who: &Who) -> Option<WhoKey> {
    match who {
        Who::Anonymous => None,
        Who::User(p) => {
            let (credential, must_change_password) = match &p.credential {
                Credential::Session {
                    csrf_token,
                    must_change_password,
                    ..
                } => (format!("session:{csrf_token}"), *must_change_password),
                Credential::Token { id } => (format!("token:{id}"), false),
            };
            Some(WhoKey {
                username: p.username.clone(),
                display_name: p.display_name.clone(),
                credential,
                must_change_password,
                assignments: format!("{:?}", p.assignments),
            })
        }
    }
}

/// Count the requests that may write, once answered (see the module's text).
pub(crate) async fn count_writes(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let safe = crate::auth::reads_only(req.method());
    let resp = next.run(req).await;
    if !safe {
        st.page_cache.writes.fetch_add(1, Ordering::SeqCst);
    }
    resp
}

/// Answer a kept request from the cache, or answer it and keep the answer.
pub(crate) async fn answer(State(st): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::GET || !kept(req.uri().path()) {
        return next.run(req).await;
    }
    let who = req
        .extensions()
        .get::<Who>()
        .cloned()
        .unwrap_or(Who::Anonymous);
    let key = Key {
        path_and_query: req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        langs: (
            request_lang(req.uri(), req.headers(), Lang::Vi),
            request_lang(req.uri(), req.headers(), Lang::En),
        ),
        cookie_lang: crate::auth::cookie(req.headers(), "lang"),
        who: who_key(&who),
        today: crate::clock::today_in_vietnam(),
        writes: st.page_cache.writes.load(Ordering::SeqCst),
        seen: st.app.health().seen,
    };
    if let Some(k) = st.page_cache.get(&key) {
        let mut resp = Response::new(Body::from(k.body.clone()));
        *resp.status_mut() = k.status;
        *resp.headers_mut() = k.headers.clone();
        return resp;
    }
    let resp = next.run(req).await;
    let small = axum::body::HttpBody::size_hint(resp.body())
        .exact()
        .is_some_and(|n| n <= MAX_BODY);
    // Only a whole answer, and never one that sets a cookie other than the language's.
    let cookies_ok = resp
        .headers()
        .get_all(axum::http::header::SET_COOKIE)
        .iter()
        .all(|v| v.as_bytes().starts_with(b"lang="));
    if resp.status() != StatusCode::OK || !small || !cookies_ok {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    match axum::body::to_bytes(body, MAX_BODY as usize).await {
        Ok(bytes) => {
            st.page_cache.put(
                key,
                Kept {
                    status: parts.status,
                    headers: parts.headers.clone(),
                    body: bytes.clone(),
                },
            );
            Response::from_parts(parts, Body::from(bytes))
        }
        Err(e) => {
            tracing::error!(error = %e, "an answer could not be read whole");
            axum::response::IntoResponse::into_response(crate::error::ApiError::Internal(
                e.to_string(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: usize) -> Key {
        Key {
            path_and_query: format!("/api/analytics?x={n}"),
            langs: (Lang::Vi, Lang::En),
            cookie_lang: None,
            who: None,
            today: chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
            writes: 0,
            seen: 0,
        }
    }

    fn kept(bytes: usize) -> Kept {
        Kept {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from(vec![b'x'; bytes]),
        }
    }

    /// However many different keys are asked for, the cache holds at most its bytes and its
    /// entries, dropping the oldest first: the newest answers stay.
    #[test]
    fn the_cache_stays_within_its_bytes_and_entries_and_drops_the_oldest() {
        let cache = PageCache::default();
        let big = MAX_BODY as usize;
        for n in 0..100 {
            cache.put(key(n), kept(big));
            let e = cache.entries.lock().unwrap();
            assert!(e.bytes <= MAX_BYTES && e.map.len() <= MAX_ENTRIES);
            assert_eq!(e.bytes, e.map.values().map(|k| k.body.len()).sum::<usize>());
        }
        assert!(cache.get(&key(99)).is_some(), "the newest is kept");
        assert!(cache.get(&key(0)).is_none(), "the oldest went first");
        assert_eq!(cache.entries.lock().unwrap().map.len(), MAX_BYTES / big);
        for n in 100..100 + MAX_ENTRIES + 10 {
            cache.put(key(n), kept(10));
        }
        let e = cache.entries.lock().unwrap();
        assert_eq!(e.map.len(), MAX_ENTRIES);
        assert_eq!(e.order.len(), MAX_ENTRIES);
        assert!(e.map.contains_key(&key(100 + MAX_ENTRIES + 9)));
    }
}
