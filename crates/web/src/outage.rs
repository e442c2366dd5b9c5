//! When the database does not answer: a request that needs it is answered 503 with
//! `Retry-After` (JSON on the API, the error page elsewhere), logged and counted; a request
//! that needs only the engine is still answered — anonymous reads where they are public, and
//! those whose API token or session this server verified in the last minutes
//! ([`crate::verified::Verified`]: while the database answers, credentials are still checked
//! there, a token at most a second after its last check).

use crate::auth::Who;
use crate::pages::{Page, PageQuery};
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Mutex;

/// The names of elements and groups the analytics answer shows (the engine holds their codes,
/// not their names), as last read with the structure's version then
/// ([`chiso_app::App::structure_version`]): taken again without asking the database while
/// the structure stays, read again once it changed; from here whatever the version while the
/// database does not answer.
#[derive(Default)]
pub struct Names {
    elements: Memo<Vec<chiso_core::DataElement>>,
    groups: Memo<Vec<chiso_core::UnitGroup>>,
}

/// A read kept, and the structure's version read before it was made.
type Memo<T> = Mutex<Option<(u64, std::sync::Arc<T>)>>;

/// A read kept: while the structure stays, the one remembered; else the database's answer
/// (remembered), else — when it is unavailable, or known to be so (then without waiting for
/// it) — the last one remembered.
async fn kept<T: Clone>(
    st: &AppState,
    memo: &Memo<T>,
    read: impl std::future::Future<Output = Result<T, chiso_store::StoreError>>,
) -> Result<T, chiso_store::StoreError> {
    let version = st.app.structure_version();
    let last = memo.lock().ok().and_then(|m| m.clone());
    match &last {
        Some((v, kept)) if *v == version || !st.app.database_reachable() => {
            return Ok(kept.as_ref().clone())
        }
        _ => {}
    }
    match read.await {
        Ok(v) => {
            if let Ok(mut m) = memo.lock() {
                *m = Some((version, std::sync::Arc::new(v.clone())));
            }
            Ok(v)
        }
        Err(e) if e.is_unavailable() => match last {
            Some((_, v)) => Ok(v.as_ref().clone()),
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

/// Seconds a client should wait before trying again (`Retry-After`): the wait for a
/// connection, at least 1 s.
pub fn retry_after() -> u64 {
    chiso_store::timeouts().map_or(5, |t| t.connect.as_secs().max(1))
}

/// The 503 of a request that needs the database: the API's JSON error, or the error page.
fn unavailable(st: &AppState, uri: &Uri, headers: &HeaderMap) -> Response {
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

/// Every 503 says when to try again, is counted (`chiso_http_unavailable_total`) and logged;
/// one refused before its handler (by the sign-in, as JSON) is the error page on a page's path.
pub(crate) async fn retry_later(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let (uri, headers) = (req.uri().clone(), req.headers().clone());
    let mut r = next.run(req).await;
    if r.status() == StatusCode::SERVICE_UNAVAILABLE {
        let json = r
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/json"));
        if json && !uri.path().starts_with("/api/") {
            r = unavailable(&st, &uri, &headers);
        }
        r.headers_mut()
            .entry(RETRY_AFTER)
            .or_insert(HeaderValue::from(retry_after()));
        st.app.metrics.unavailable();
        tracing::warn!(path = %uri.path(), "answered 503: the database is unavailable or the engine stopped following it");
    }
    r
}
