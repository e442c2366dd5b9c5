//! What a reading of the code found a client could do, each with the test that failed before
//! its fix.

use super::*;
use axum::extract::ConnectInfo;

async fn local(app: &App, mut req: Request<Body>) -> Resp {
    let peer: std::net::SocketAddr = "127.0.0.1:40000".parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(peer));
    send_raw(app, req).await
}

/// Invented HTTP methods are counted together as `other`: a client sending a new method name
/// with every request cannot grow the server's memory through `/metrics`.
#[tokio::test]
async fn invented_methods_add_no_series_to_the_metrics() {
    let app = spawn_app(false).await;
    for i in 0..50 {
        let m = format!("X{i:04}{}", "A".repeat(200));
        let req = Request::builder()
            .method(m.as_str())
            .uri("/api/health")
            .body(Body::empty())
            .unwrap();
        local(&app, req).await;
    }
    let text = local(&app, Request::get("/metrics").body(Body::empty()).unwrap()).await;
    assert_eq!(text.status, StatusCode::OK);
    assert!(
        !text.text.contains("X0001"),
        "an invented method has its own series"
    );
    assert!(text.text.contains("method=\"other\""), "{}", text.text);
    app.finish().await;
}
