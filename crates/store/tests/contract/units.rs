use super::*;

pub(crate) async fn migrations_run_once_and_reopen(db: &Db) {
    seeded(db).await;
    let before = db.store().counts().await.unwrap();
    let reopened: Box<dyn Store> = match db {
        Db::Sqlite(_, dir) => Box::new(SqliteStore::open_path(&dir.join("test.db")).await.unwrap()),
        Db::Postgres(_, schema) => {
            let url = std::env::var("CHISO_TEST_POSTGRES_URL").unwrap();
            Box::new(PgStore::open_in_schema(&url, schema).await.unwrap())
        }
    };
    assert_eq!(reopened.counts().await.unwrap(), before);
    assert_eq!(before.units, 7);
}

pub(crate) async fn units_get_levels_and_filters(db: &Db) {
    let s = db.store();
    let changes = s.upsert_units(&hierarchy(), &actor()).await.unwrap();
    assert_eq!(changes.inserted, 7);
    let p = s.unit(&c("58")).await.unwrap().unwrap();
    assert_eq!((p.level, p.unit.name_vi.as_str()), (1, "Tỉnh Ninh Thuận"));
    let commune = s.unit(&c("22753")).await.unwrap().unwrap();
    assert_eq!(commune.level, 3);
    assert_eq!(commune.unit.parent, Some(c("584")));
    assert!(s.unit(&c("99999")).await.unwrap().is_none());

    let districts = s
        .units(&UnitQuery {
            parent: Some(c("58")),
            kind: Some(UnitKind::District),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        districts
            .iter()
            .map(|u| u.unit.code.as_str())
            .collect::<Vec<_>>(),
        ["582", "584"]
    );
    let under = s
        .units(&UnitQuery {
            under: Some(c("582")),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(under.len(), 3);
    let level3 = s
        .units(&UnitQuery {
            level: Some(3),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(level3.len(), 3);
    let roots = s
        .units(&UnitQuery {
            roots: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(roots.len(), 1);
    let in_2026 = s
        .units(&UnitQuery {
            as_of: Some(date(2026, 1, 1)),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        in_2026
            .iter()
            .map(|u| u.unit.code.as_str())
            .collect::<Vec<_>>(),
        ["58-SO-TTTT"]
    );
    let found = s
        .units(&UnitQuery {
            search: Some("phước".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.len(), 2, "Vietnamese names are searchable: {found:?}");
    let page = s
        .units(&UnitQuery {
            limit: Some(2),
            offset: Some(1),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.len(), 2);
}

pub(crate) async fn units_upsert_twice_changes_nothing_and_updates_are_audited(db: &Db) {
    let s = db.store();
    s.upsert_units(&hierarchy(), &actor()).await.unwrap();
    let audit_before = s.counts().await.unwrap().audit_log;
    assert_eq!(audit_before, 7, "one audit row per inserted unit");
    let again = s.upsert_units(&hierarchy(), &actor()).await.unwrap();
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 7));
    assert_eq!(s.counts().await.unwrap().audit_log, audit_before);

    // Move a commune to the other district: its level stays, one update, audited with old and new.
    let mut moved = hierarchy()[0].clone();
    moved.parent = Some(c("584"));
    moved.name_en = Some("Do Vinh Ward".into());
    let ch = s.upsert_units(&[moved], &actor()).await.unwrap();
    assert_eq!(ch.updated, 1);
    let log = s
        .audit(&AuditQuery {
            entity_prefix: Some("unit:22738".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(log[0].action, "unit.update");
    assert!(log[0].old_value.as_deref().unwrap().contains("\"582\""));
    assert!(log[0]
        .new_value
        .as_deref()
        .unwrap()
        .contains("Do Vinh Ward"));
    assert_eq!(log[0].actor, "tester");
    assert_eq!(log[0].via, "cli");

    // Put district 584 under a new region unit: everything below moves one level down.
    let region = unit("R1", "Vùng thử", UnitKind::Other, Some("58"));
    let mut d = hierarchy()[4].clone();
    d.parent = Some(c("R1"));
    s.upsert_units(&[d, region], &actor()).await.unwrap();
    assert_eq!(s.unit(&c("22753")).await.unwrap().unwrap().level, 4);
}

pub(crate) async fn bad_units_are_refused_and_nothing_is_written(db: &Db) {
    let s = db.store();
    s.upsert_units(&hierarchy(), &actor()).await.unwrap();
    let before = s.counts().await.unwrap();
    let orphan = unit("11111", "Xã mồ côi", UnitKind::Commune, Some("999"));
    let good = unit("22744", "Phường Bảo An", UnitKind::Commune, Some("582"));
    let mut reversed = unit("22745", "Xã ngược", UnitKind::Commune, Some("582"));
    reversed.valid_from = Some(date(2026, 1, 1));
    let fields = invalid_fields(
        s.upsert_units(&[good.clone(), orphan, reversed, good], &actor())
            .await,
    );
    assert!(fields.contains(&(Some(1), "parent".into())), "{fields:?}");
    assert!(fields.contains(&(Some(2), "unit".into())), "{fields:?}");
    assert!(fields.contains(&(Some(3), "code".into())), "{fields:?}");
    // A cycle: the province under its own commune.
    let mut p = hierarchy()[5].clone();
    p.parent = Some(c("22738"));
    let fields = invalid_fields(s.upsert_units(&[p], &actor()).await);
    assert_eq!(fields, vec![(Some(0), "parent".to_string())]);
    assert_eq!(s.counts().await.unwrap(), before);
}

pub(crate) async fn groups_and_successors(db: &Db) {
    let s = db.store();
    s.upsert_units(&hierarchy(), &actor()).await.unwrap();
    let new_commune = Unit {
        valid_from: Some(date(2025, 7, 1)),
        valid_to: None,
        ..unit("2025-22738", "Phường Phan Rang", UnitKind::Commune, None)
    };
    s.upsert_units(&[new_commune], &actor()).await.unwrap();
    let g = UnitGroup {
        code: c("58_XA_MIEN_NUI"),
        name_vi: "Xã miền núi".into(),
        name_en: Some("Mountainous communes".into()),
        members: vec![c("22753"), c("22741")],
    };
    assert_eq!(
        s.upsert_groups(std::slice::from_ref(&g), &actor())
            .await
            .unwrap()
            .inserted,
        1
    );
    assert_eq!(
        s.upsert_groups(std::slice::from_ref(&g), &actor())
            .await
            .unwrap()
            .unchanged,
        1
    );
    let got = s.groups().await.unwrap();
    assert_eq!(got[0].members, vec![c("22741"), c("22753")]);
    let in_group = s
        .units(&UnitQuery {
            group: Some(c("58_XA_MIEN_NUI")),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(in_group.len(), 2);
    let bad = UnitGroup {
        members: vec![c("00000")],
        ..g
    };
    assert_eq!(
        invalid_fields(s.upsert_groups(&[bad], &actor()).await),
        vec![(Some(0), "members".to_string())]
    );

    let link = |from: &str, w: Option<f64>, d: bool| SuccessorLink {
        from: c(from),
        to: c("2025-22738"),
        effective: date(2025, 7, 1),
        weight: w,
        is_default: d,
    };
    let links = vec![link("22738", Some(1.0), true), link("22741", None, false)];
    assert_eq!(
        s.upsert_successors(&links, &actor())
            .await
            .unwrap()
            .inserted,
        2
    );
    assert_eq!(
        s.upsert_successors(&links, &actor())
            .await
            .unwrap()
            .unchanged,
        2
    );
    assert_eq!(
        s.successors(Some(&c("22741"))).await.unwrap(),
        vec![links[1].clone()]
    );
    assert_eq!(s.successors(None).await.unwrap().len(), 2);
    assert_eq!(s.predecessors(&c("2025-22738")).await.unwrap(), links);
    assert!(s.predecessors(&c("22738")).await.unwrap().is_empty());
    let before = s.counts().await.unwrap();
    let fields = invalid_fields(
        s.upsert_successors(
            &[link("22753", Some(1.5), false), link("77777", None, false)],
            &actor(),
        )
        .await,
    );
    assert_eq!(
        fields,
        vec![
            (Some(0), "successor".to_string()),
            (Some(1), "from".to_string())
        ]
    );
    assert_eq!(s.counts().await.unwrap(), before);
}
