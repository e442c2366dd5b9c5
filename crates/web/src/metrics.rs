//! `/metrics`: what the server measures, in Prometheus's text format (see
//! [`chiso_app::metrics`]), and the layer that times every request by its route template.
//!
//! Who may read it: a client on the same machine (a loopback address, with no
//! `X-Forwarded-For` or `Forwarded` header — so a reverse proxy on the same machine does not
//! pass it on), or anyone sending `Authorization: Bearer TOKEN` with the server's
//! `--metrics-token`. Anyone else gets 404, as if there were nothing there.

use crate::AppState;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::time::Instant;

/// Time every request, labelled with its method, its route template (`/api/units/{code}`),
/// never the raw path, and its status; requests no route matched are labelled `(unmatched)`.
pub(crate) async fn measure(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    // HTTP lets a client invent methods: any other than the standard ones is `other`, so that
    // no request adds a series of its own (the labels are kept for the process's life).
    let method = match req.method().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS") => m,
        _ => "other",
    }
    .to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "(unmatched)".into());
    let r = next.run(req).await;
    st.app
        .metrics
        .request(&method, &route, r.status().as_u16(), start.elapsed());
    r
}

/// Whether the request may read `/metrics`.
pub fn may_read(token: Option<&str>, peer: Option<SocketAddr>, headers: &HeaderMap) -> bool {
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        let sent = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if sent
            .is_some_and(|s| crate::auth::constant_time_eq(s.trim().as_bytes(), token.as_bytes()))
        {
            return true;
        }
    }
    let forwarded = headers.contains_key("x-forwarded-for") || headers.contains_key("forwarded");
    !forwarded && peer.is_some_and(|p| p.ip().is_loopback())
}

/// The metrics, for a reader allowed by [`may_read`].
pub(crate) async fn metrics(
    State(st): State<AppState>,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
) -> Response {
    if !may_read(
        st.auth.metrics_token.as_deref(),
        peer.map(|axum::Extension(ConnectInfo(p))| p),
        &headers,
    ) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let h = st.app.health();
    let pool = st.store.pool_use();
    let text = st.app.metrics.render(&chiso_app::metrics::Gauges {
        database_reachable: h.database_reachable,
        engine_seen: h.seen,
        database_head: h.head,
        lag_seconds: h.lag_seconds,
        pool_size: pool.size,
        pool_idle: pool.idle,
        pool_max: pool.max,
    });
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        text,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_without_a_proxy_or_the_token_may_read() {
        let local: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let remote: SocketAddr = "10.0.0.7:5000".parse().unwrap();
        let none = HeaderMap::new();
        assert!(may_read(None, Some(local), &none));
        assert!(!may_read(None, Some(remote), &none));
        assert!(!may_read(None, None, &none));
        let mut proxied = HeaderMap::new();
        proxied.insert("x-forwarded-for", "203.0.113.9".parse().unwrap());
        assert!(!may_read(None, Some(local), &proxied));
        let mut bearer = HeaderMap::new();
        bearer.insert(AUTHORIZATION, "Bearer s3cret".parse().unwrap());
        assert!(may_read(Some("s3cret"), Some(remote), &bearer));
        assert!(!may_read(Some("other"), Some(remote), &bearer));
        assert!(!may_read(None, Some(remote), &bearer));
    }
}
