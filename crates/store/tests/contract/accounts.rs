use super::*;

pub(crate) async fn accounts_and_roles(db: &Db) {
    seeded(db).await;
    let s = db.store();
    use chiso_core::account::{Assignment, Role};
    let user = chiso_store::UserRecord {
        username: "nguyen.van.a".into(),
        display_name: "Nguyễn Văn A".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        must_change_password: true,
        disabled: false,
        created_at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
        assignments: vec![Assignment {
            role: Role::DataEntry,
            unit: Some(c("22738")),
        }],
    };
    s.create_user(&user, &actor()).await.unwrap();
    assert_eq!(s.user("nguyen.van.a").await.unwrap(), Some(user.clone()));
    match s.create_user(&user, &actor()).await {
        Err(StoreError::Invalid(e)) => assert!(e[0].reason.contains("already exists")),
        other => panic!("{other:?}"),
    }
    s.set_password("nguyen.van.a", "$argon2id$new", false, &actor())
        .await
        .unwrap();
    s.set_disabled("nguyen.van.a", true, &actor())
        .await
        .unwrap();
    let roles = vec![
        Assignment {
            role: Role::Viewer,
            unit: None,
        },
        Assignment {
            role: Role::Approver,
            unit: Some(c("582")),
        },
    ];
    s.set_assignments("nguyen.van.a", &roles, &actor())
        .await
        .unwrap();
    let got = s.user("nguyen.van.a").await.unwrap().unwrap();
    assert_eq!(
        (
            got.password_hash.as_str(),
            got.must_change_password,
            got.disabled
        ),
        ("$argon2id$new", false, true)
    );
    assert_eq!(got.assignments.len(), 2);
    assert!(got.assignments.contains(&Assignment {
        role: Role::Viewer,
        unit: None
    }));
    assert_eq!(s.users().await.unwrap().len(), 1);
    let before = s.counts().await.unwrap();
    match s
        .set_assignments(
            "nguyen.van.a",
            &[Assignment {
                role: Role::Viewer,
                unit: Some(c("00000")),
            }],
            &actor(),
        )
        .await
    {
        Err(StoreError::Invalid(e)) => assert_eq!(e[0].field, "unit"),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.counts().await.unwrap(), before);
    // Every account change is audited, and no password hash is ever written to the log.
    let log = s
        .audit(&AuditQuery {
            entity_prefix: Some("user:".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["user.insert", "user.password", "user.disable", "user.roles"]
    );
    assert!(log
        .iter()
        .all(|e| !e.new_value.as_deref().unwrap_or("").contains("argon2")));
    assert_eq!(s.verify_audit().await.unwrap().broken, None);
}

pub(crate) async fn sessions_and_tokens(db: &Db) {
    seeded(db).await;
    let s = db.store();
    let t0 = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
    let user = chiso_store::UserRecord {
        username: "tran.thi.b".into(),
        display_name: "Trần Thị B".into(),
        password_hash: "$argon2id$x".into(),
        must_change_password: false,
        disabled: false,
        created_at: t0,
        assignments: vec![],
    };
    s.create_user(&user, &actor()).await.unwrap();
    let sess = |id: &str| chiso_store::SessionRecord {
        id_hash: chiso_store::secret_hash(id),
        username: "tran.thi.b".into(),
        csrf_token: format!("csrf-{id}"),
        created_at: t0,
        last_seen_at: t0,
        expires_at: t0 + chrono::Duration::hours(12),
    };
    s.create_session(&sess("a")).await.unwrap();
    s.create_session(&sess("b")).await.unwrap();
    assert_eq!(
        s.session(&chiso_store::secret_hash("a")).await.unwrap(),
        Some(sess("a"))
    );
    let later = t0 + chrono::Duration::minutes(5);
    s.touch_session(&chiso_store::secret_hash("a"), later)
        .await
        .unwrap();
    assert_eq!(
        s.session(&chiso_store::secret_hash("a"))
            .await
            .unwrap()
            .unwrap()
            .last_seen_at,
        later
    );
    s.delete_session(&chiso_store::secret_hash("a"))
        .await
        .unwrap();
    assert!(s
        .session(&chiso_store::secret_hash("a"))
        .await
        .unwrap()
        .is_none());
    assert_eq!(s.delete_sessions_of("tran.thi.b").await.unwrap(), 1);

    let tok = chiso_store::TokenRecord {
        id: "tk1".into(),
        username: "tran.thi.b".into(),
        name: "Cổng dịch vụ công".into(),
        token_hash: chiso_store::secret_hash("secret"),
        created_at: t0,
        last_used_at: None,
        revoked_at: None,
    };
    s.create_token(&tok, &actor()).await.unwrap();
    assert_eq!(
        s.token_by_hash(&chiso_store::secret_hash("secret"))
            .await
            .unwrap(),
        Some(tok.clone())
    );
    s.touch_token("tk1", later).await.unwrap();
    s.revoke_token("tk1", &actor()).await.unwrap();
    let got = s.tokens().await.unwrap();
    assert_eq!(
        (got[0].last_used_at, got[0].revoked_at.is_some()),
        (Some(later), true)
    );
    assert!(s.revoke_token("nope", &actor()).await.is_err());
    let mut bad = tok.clone();
    bad.id = "tk2".into();
    bad.username = "nobody".into();
    assert!(s.create_token(&bad, &actor()).await.is_err());
    s.log_event(
        "login.failure",
        "user:tran.thi.b",
        Some("wrong password"),
        &actor(),
    )
    .await
    .unwrap();
    let log = s
        .audit(&AuditQuery {
            action_prefix: Some("token.".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(log.len(), 2);
    assert!(
        log.iter().all(|e| !e
            .new_value
            .as_deref()
            .unwrap_or("")
            .contains(&chiso_store::secret_hash("secret"))),
        "no token hash in the log"
    );
    assert_eq!(s.verify_audit().await.unwrap().broken, None);
}

/// Failed logins are kept per (user name, address) and shared by every server of the
/// database: counted, read back by name, reset after an hour of quiet, cleared per address.
pub(crate) async fn login_failures_are_shared_per_name_and_address(db: &Db) {
    let s = db.store();
    let t0 = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    let at = |secs: i64| t0 + chrono::Duration::seconds(secs);
    for i in 0..6 {
        let n = s
            .record_login_failure("admin", "203.0.113.9", at(i))
            .await
            .unwrap();
        assert_eq!(n, i as u32 + 1);
    }
    assert_eq!(
        s.record_login_failure("admin", "198.51.100.7", at(10))
            .await
            .unwrap(),
        1
    );
    let seen = s.login_failures("admin", t0).await.unwrap();
    assert_eq!(
        seen.iter()
            .map(|f| (f.address.as_str(), f.failures))
            .collect::<Vec<_>>(),
        [("198.51.100.7", 1), ("203.0.113.9", 6)]
    );
    assert_eq!(seen[1].last_failure_at, at(5));
    // Only the failures since a moment are read.
    assert_eq!(s.login_failures("admin", at(6)).await.unwrap().len(), 1);
    assert!(s
        .login_failures("someone.else", t0)
        .await
        .unwrap()
        .is_empty());
    // After an hour of quiet a pair starts counting again.
    assert_eq!(
        s.record_login_failure("admin", "203.0.113.9", at(5 + 3601))
            .await
            .unwrap(),
        1
    );
    // A good login from one address clears that address only.
    s.clear_login_failures("admin", "198.51.100.7")
        .await
        .unwrap();
    let seen = s.login_failures("admin", t0).await.unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].address, "203.0.113.9");
}
