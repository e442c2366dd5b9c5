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

/// Many logins sent at once from one address check no more passwords than the free tries:
/// each attempt of a name and address waits until the one before has recorded its failure,
/// so the lock holds however many arrive together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_sent_at_once_check_no_more_passwords_than_the_free_tries() {
    let app = spawn_app(false).await;
    let password = make_user(app.store.as_ref(), "dong.thoi", vec![]).await;
    let attacker = "203.0.113.77";
    let tries: Vec<_> = (0..16)
        .map(|i| {
            let router = app.router.clone();
            tokio::spawn(async move {
                super::hardening::login_from(&router, attacker, "dong.thoi", &format!("sai-{i}"))
                    .await
                    .status
            })
        })
        .collect();
    let mut checked = 0;
    for t in tries {
        match t.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("{other}"),
        }
    }
    assert_eq!(
        checked,
        chiso_web::auth::FREE_TRIES as usize,
        "passwords checked while the name was to be locked"
    );
    let r = super::hardening::login_from(&app.router, attacker, "dong.thoi", &password).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    app.finish().await;
}

/// While the database is taken for unavailable, a credential verified lately still reads
/// from memory, but a write has its credential checked in the database (a revoked one never
/// writes again), and a session logged out is not honoured from memory.
#[tokio::test]
async fn in_an_outage_a_remembered_credential_reads_but_does_not_write_and_a_logout_is_kept() {
    let (app, state) = private_app_and_state().await;
    let down = || {
        state
            .app
            .database_unavailable(&chiso_store::StoreError::Unavailable("test".into()))
    };
    assert_eq!(
        call(&app, &app.token, "GET", "/api/me", None).await.status,
        StatusCode::OK
    );
    // A session, used once (remembered), then logged out.
    let password = make_user(
        app.store.as_ref(),
        "dang.xuat",
        vec![Assignment {
            role: Role::Viewer,
            unit: None,
        }],
    )
    .await;
    let r = login(&app, "dang.xuat", &password).await;
    let session = set_cookie(&r, "chiso_session").unwrap();
    let page = send_raw(
        &app,
        Request::get("/account/password")
            .header("cookie", &session)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = hidden(&page.text, "csrf").remove(0);
    let out = send_raw(
        &app,
        Request::post("/logout")
            .header("cookie", &session)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!("csrf={}", urlencode(&csrf))))
            .unwrap(),
    )
    .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.text);

    down();
    // The token reads from memory…
    assert_eq!(
        call(&app, &app.token, "GET", "/api/me", None).await.status,
        StatusCode::OK
    );
    // …and its write goes to the database (which answers: the write is done).
    let w = post(
        &app,
        "/api/data-values",
        json!({"data_values": [{"element": "VB_DEN", "unit": "22738", "period": "202403", "value": 42}]}),
    )
    .await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.text);
    // Its token revoked in the database meanwhile: reads may still be answered from memory
    // for a few minutes, but the next write is refused, not recalled.
    let hash = chiso_store::secret_hash(&app.token);
    let id = app
        .store
        .tokens()
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.token_hash == hash)
        .map(|t| t.id)
        .unwrap();
    app.store
        .revoke_token(&id, &Actor::new("test", Via::Cli))
        .await
        .unwrap();
    // (A token verified less than a second ago is taken again without asking: see
    // `verified::FRESH_TOKEN`.)
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    down();
    let w = post(
        &app,
        "/api/data-values",
        json!({"data_values": [{"element": "VB_DEN", "unit": "22738", "period": "202403", "value": 43}]}),
    )
    .await;
    assert_eq!(
        w.status,
        StatusCode::UNAUTHORIZED,
        "a revoked token wrote: {}",
        w.text
    );
    let ended = send_raw(
        &app,
        Request::get("/account/password")
            .header("cookie", &session)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_ne!(
        ended.status,
        StatusCode::OK,
        "a logged-out session was honoured from memory"
    );
    app.finish().await;
}
