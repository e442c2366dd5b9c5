use super::*;
use chiso_p06::*;
use chiso_store::{AccessQuery, AccessRecord, DossierQuery, P06Write, ResultQuery};
use chrono::{TimeZone, Utc};

/// A meta value set with its audit row (the panel's configuration): both in one transaction, the old and new values in
/// the row, an unchanged value writing neither, the chain intact.
pub(crate) async fn an_audited_meta_value_is_in_the_chain(db: &Db) {
    let s = db.store();
    let rows = || async {
        s.audit(&chiso_store::AuditQuery {
            action_prefix: Some("p06_panel_config.update".into()),
            ..Default::default()
        })
        .await
        .unwrap()
    };
    // Two changes, then the second value again: written, written, unchanged.
    for (value, changed) in [
        ("{\"a\":1}", true),
        ("{\"a\":2}", true),
        ("{\"a\":2}", false),
    ] {
        let wrote = s
            .set_meta_audited(
                "p06_panel_config",
                value,
                "p06_panel_config.update",
                &actor(),
            )
            .await
            .unwrap();
        assert_eq!(wrote, changed, "{value}");
    }
    assert_eq!(
        s.meta("p06_panel_config").await.unwrap().as_deref(),
        Some("{\"a\":2}")
    );
    let mut log = rows().await;
    log.sort_by_key(|e| e.id);
    let seen: Vec<_> = log
        .iter()
        .map(|e| {
            (
                e.entity.as_str(),
                e.old_value.as_deref(),
                e.new_value.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("p06_panel_config", None, Some("{\"a\":1}")),
            ("p06_panel_config", Some("{\"a\":1}"), Some("{\"a\":2}")),
        ]
    );
    assert_eq!(log[0].actor, "tester");
    assert!(s.verify_audit().await.unwrap().broken.is_none());
}

fn subject(seed: &str) -> Subject {
    Subject {
        id: SubjectId::pseudonym(SubjectKind::Individual, seed),
        name: format!("Công dân {seed}"),
    }
}

fn dossier(code: &str, who: &Subject, unit: &str) -> Dossier {
    let code = DossierCode::parse(code).unwrap();
    let received = code.day().unwrap();
    Dossier {
        code,
        subject: who.id.clone(),
        procedure: c("1.001193"),
        procedure_name: "Đăng ký khai sinh".into(),
        essential: true,
        unit: c(unit),
        received,
        due: received + chrono::Days::new(3),
        finished: None,
        status: DossierStatus::Open,
        online: false,
        components: vec![Component {
            doc_type: c("GKS"),
            name: "Giấy khai sinh".into(),
            digitised: true,
            reused: false,
            reused_from: None,
            national_db: false,
        }],
    }
}

fn result(d: &Dossier, n: u32) -> StoredResult {
    StoredResult {
        code: d.code.result_code(n),
        dossier: d.code.clone(),
        subject: d.subject.clone(),
        kind: ResultKind::Result,
        doc_type: c("GKS"),
        name: "Giấy khai sinh".into(),
        issuer: d.unit.clone(),
        original_issuer: None,
        number: format!("{n}/2023"),
        issued: d.received,
        valid_until: None,
        revoked_at: None,
        revoked_reason: None,
        retain_until: None,
        signer: Some("ab".repeat(20)),
        sha256: None,
        media_type: None,
        size: None,
        link: None,
        created_at: Utc.with_ymd_and_hms(2023, 3, 1, 8, 0, 0).unwrap(),
        created_by: "tester".into(),
    }
}

fn log(who: &Subject, action: &str, entity: &str) -> AccessRecord {
    AccessRecord {
        at: Utc::now(),
        actor: "tester".into(),
        via: "cli".into(),
        unit: Some("22738".into()),
        subject: who.id.to_string(),
        action: action.into(),
        entity: entity.into(),
        reason: "test".into(),
    }
}

pub(crate) async fn the_electronic_data_store_keeps_records_whole_and_never_changes_a_result(
    db: &Db,
) {
    seeded(db).await;
    let s = db.store();
    let a = subject("a");
    let mut d = dossier("000.25.06.H58-230301-0001", &a, "22738");
    let w = P06Write {
        subjects: vec![a.clone()],
        dossiers: vec![d.clone()],
        results: vec![],
        files: vec![],
        ratings: vec![],
        log: vec![log(&a, "write", d.code.as_str())],
        based_on: vec![],
    };
    // A dry run checks and counts, and writes nothing.
    let dry = s.p06_save(&w, &actor(), true).await.unwrap();
    assert_eq!(dry.inserted, 1);
    assert!(s.p06_subject(&a.id).await.unwrap().is_none());
    assert_eq!(s.p06_save(&w, &actor(), false).await.unwrap().inserted, 1);
    assert_eq!(s.p06_save(&w, &actor(), false).await.unwrap().unchanged, 1);
    let read = s
        .p06_dossiers(&DossierQuery {
            units: vec![c("22738")],
            touching: Some((date(2023, 3, 1), date(2023, 3, 31))),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(read, vec![d.clone()]);

    // Finished, with its result.
    d.status = DossierStatus::Finished;
    d.finished = Some(date(2023, 3, 3));
    let r = result(&d, 1);
    let w2 = P06Write {
        dossiers: vec![d.clone()],
        results: vec![r.clone()],
        ..Default::default()
    };
    let ch = s.p06_save(&w2, &actor(), false).await.unwrap();
    assert_eq!((ch.updated, ch.inserted), (1, 1));
    let got = s
        .p06_results(&ResultQuery {
            subject: Some(a.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(got, vec![r.clone()]);

    // A stored result never changes; a dossier keeps its unit; unknown units and subjects,
    // and a result code of another dossier, are refused by field — and nothing is written.
    let mut changed = r.clone();
    changed.number = "99/2023".into();
    let mut moved = d.clone();
    moved.unit = c("22741");
    let stranger = dossier("000.25.06.H58-230302-0001", &subject("nobody"), "99999");
    let mut wrong = result(&d, 2);
    wrong.code = "000.25.06.H58-230302-0009-KQ2".into();
    let bad = P06Write {
        dossiers: vec![moved, stranger],
        results: vec![changed, wrong],
        ..Default::default()
    };
    let fields: Vec<String> = match s.p06_save(&bad, &actor(), false).await {
        Err(StoreError::Invalid(e)) => e.into_iter().map(|e| e.field).collect(),
        other => panic!("{other:?}"),
    };
    for f in [
        "dossiers.code",
        "dossiers.unit",
        "dossiers.subject",
        "results.code",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f}: {fields:?}");
    }
    assert_eq!(
        s.p06_results(&ResultQuery::default()).await.unwrap(),
        vec![r.clone()]
    );

    // Revocation flags and never deletes; a second is refused.
    let at = Utc.with_ymd_and_hms(2023, 6, 1, 0, 0, 0).unwrap();
    let revoked = s
        .p06_revoke(
            &r.code,
            at,
            "Cấp lại",
            &[log(&a, "write", &r.code)],
            &actor(),
        )
        .await
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(at));
    let kept = s.p06_results(&ResultQuery::default()).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].revoked_at, Some(at));
    assert!(s.p06_revoke(&r.code, at, "x", &[], &actor()).await.is_err());

    // A rating once.
    let rating = Rating {
        dossier: d.code.clone(),
        value: RatingValue::Satisfied,
        reason: None,
        at,
    };
    s.p06_rate(&rating, &[], &actor()).await.unwrap();
    assert!(matches!(
        s.p06_rate(&rating, &[], &actor()).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(s.p06_ratings(&[]).await.unwrap(), vec![rating.clone()]);

    // Ratings in a write: of a finished dossier only, once (a second is left alone).
    let open_one = dossier("000.25.06.H58-230301-0002", &a, "22738");
    let bad = P06Write {
        dossiers: vec![open_one.clone()],
        ratings: vec![Rating {
            dossier: open_one.code.clone(),
            ..rating.clone()
        }],
        ..Default::default()
    };
    match s.p06_save(&bad, &actor(), false).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e[0].field, "ratings.dossier"),
        other => panic!("an open dossier's rating must be refused: {other:?}"),
    }
    let again = P06Write {
        ratings: vec![Rating {
            value: RatingValue::Unsatisfied,
            ..rating.clone()
        }],
        ..Default::default()
    };
    assert_eq!(
        s.p06_save(&again, &actor(), false).await.unwrap().unchanged,
        1
    );
    assert_eq!(s.p06_ratings(&[]).await.unwrap(), vec![rating.clone()]);

    // The owner's account.
    assert!(s.p06_link_owner("nobody", &a.id, &actor()).await.is_err());

    // Every write went into the access log and the audit log; the chain holds, and an edit
    // is found.
    let entries = s
        .p06_access_log(&AccessQuery {
            subject: Some(a.id.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(entries.len(), 3, "{entries:?}");
    assert_eq!(s.p06_verify_access().await.unwrap().broken, None);
    let audit = s
        .audit(&AuditQuery {
            entity_prefix: Some("p06_result:".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 2, "insert and revoke");
    tamper(
        db,
        "UPDATE p06_access_log SET reason = 'edited' WHERE id = 2",
    )
    .await;
    assert_eq!(
        s.p06_verify_access().await.unwrap().broken.map(|b| b.0),
        Some(2)
    );
}

pub(crate) async fn a_large_write_of_the_store_is_audited_as_one_row(db: &Db) {
    seeded(db).await;
    let s = db.store();
    let a = subject("many");
    let dossiers: Vec<Dossier> = (1..=1200)
        .map(|i| dossier(&format!("000.25.06.H58-230301-{i:04}"), &a, "22738"))
        .collect();
    let w = P06Write {
        subjects: vec![a],
        dossiers,
        ..Default::default()
    };
    assert_eq!(
        s.p06_save(&w, &actor(), false).await.unwrap().inserted,
        1200
    );
    let rows = s
        .audit(&AuditQuery {
            action_prefix: Some("p06".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].action, "p06.batch");
    assert_eq!(s.verify_audit().await.unwrap().broken, None);
}

/// A write decided on a dossier that another write changed meanwhile is refused, naming the
/// dossier, and writes nothing: the later of two desks never overwrites the earlier with a
/// stale copy (a withdrawn dossier reopened, a finished one unfinished).
pub(crate) async fn a_write_decided_on_a_stale_dossier_is_refused(db: &Db) {
    seeded(db).await;
    let s = db.store();
    let a = subject("stale");
    let open = dossier("000.25.06.H58-230305-0001", &a, "22738");
    let first = P06Write {
        subjects: vec![a.clone()],
        dossiers: vec![open.clone()],
        ..Default::default()
    };
    s.p06_save(&first, &actor(), false).await.unwrap();
    // One desk withdraws it, deciding on the open copy: accepted.
    let mut withdrawn = open.clone();
    withdrawn.status = DossierStatus::Withdrawn;
    withdrawn.finished = Some(date(2023, 3, 6));
    let w = P06Write {
        dossiers: vec![withdrawn.clone()],
        based_on: vec![open.clone()],
        ..Default::default()
    };
    assert_eq!(s.p06_save(&w, &actor(), false).await.unwrap().updated, 1);
    // The other desk, which read it open too, finishes it with a result: refused.
    let mut finished = open.clone();
    finished.status = DossierStatus::Finished;
    finished.finished = Some(date(2023, 3, 7));
    let late = P06Write {
        dossiers: vec![finished.clone()],
        results: vec![result(&finished, 1)],
        based_on: vec![open.clone()],
        ..Default::default()
    };
    match s.p06_save(&late, &actor(), false).await {
        Err(StoreError::Invalid(errors)) => {
            let text = format!("{errors:?}");
            assert!(
                text.contains("changed meanwhile") && text.contains(open.code.as_str()),
                "{text}"
            );
        }
        other => panic!("a stale write was accepted: {other:?}"),
    }
    let now = s
        .p06_dossiers(&DossierQuery {
            codes: vec![open.code.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(now, vec![withdrawn.clone()], "the withdrawal stands");
    let results = s
        .p06_results(&ResultQuery {
            dossiers: vec![open.code.clone()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(results.is_empty(), "nothing of the stale write was kept");
    // Decided on the copy as it is now, the write goes through.
    let again = P06Write {
        dossiers: vec![withdrawn.clone()],
        based_on: vec![withdrawn.clone()],
        ..Default::default()
    };
    assert_eq!(
        s.p06_save(&again, &actor(), false).await.unwrap().unchanged,
        1
    );
}
