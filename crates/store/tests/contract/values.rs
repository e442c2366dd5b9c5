use super::*;

pub(crate) async fn elements_and_breakdowns(db: &Db) {
    let s = db.store();
    seeded(db).await;
    let got = s.elements().await.unwrap();
    assert_eq!(got.len(), 5);
    assert_eq!(
        s.element(&c("CB_KY_SO")).await.unwrap().unwrap().breakdown,
        Some(c("GIOI_TINH"))
    );
    assert_eq!(s.breakdowns().await.unwrap(), vec![sex()]);
    assert_eq!(
        s.upsert_elements(&elements(), &actor())
            .await
            .unwrap()
            .unchanged,
        5
    );

    let mut bad = elements()[0].clone();
    bad.breakdown = Some(c("KHONG_CO"));
    let mut text_sum = elements()[3].clone();
    text_sum.aggregation = AggregationType::Sum;
    let fields = invalid_fields(s.upsert_elements(&[bad, text_sum], &actor()).await);
    assert_eq!(
        fields,
        vec![
            (Some(0), "breakdown".to_string()),
            (Some(1), "data_element".to_string())
        ]
    );

    // Once values exist, the value type changes only to one every stored value fits.
    s.write_values(&[val("VB_DEN", "22738", "2023", "10")], &actor())
        .await
        .unwrap();
    let mut changed = elements()[0].clone();
    changed.value_type = ValueType::Text;
    changed.aggregation = AggregationType::Count;
    assert_eq!(
        invalid_fields(s.upsert_elements(&[changed], &actor()).await),
        vec![(Some(0), "value_type".to_string())]
    );
}

pub(crate) async fn values_are_written_read_and_audited(db: &Db) {
    let s = db.store();
    seeded(db).await;
    let audit0 = s.counts().await.unwrap().audit_log;
    let mut batch = vec![
        val("VB_DEN", "22738", "2023", "1200"),
        val("VB_XL_MANG", "22738", "2023", "1139"),
        val("VB_DEN", "22741", "2023", "800"),
        val("VB_DEN", "22753", "2023", "500"),
        val("VB_DEN", "22753", "2022", "450"),
        val("TY_LE", "58", "2023", "94.89"),
    ];
    batch[1].comment = Some("  số liệu minh họa  ".into());
    let mut by_sex = val("CB_KY_SO", "58-SO-TTTT", "202312", "12");
    by_sex.breakdown = Some(c("NU"));
    batch.push(by_sex);
    let ch = s.write_values(&batch, &actor()).await.unwrap();
    assert_eq!(ch.inserted, 7);
    assert_eq!(s.counts().await.unwrap().audit_log, audit0 + 7);

    let all = s.values(&Default::default()).await.unwrap();
    assert_eq!(all.len(), 7);
    let mut scanned = Vec::new();
    let n = s
        .scan_numbers(&mut |e, o, u, p, x| scanned.push(format!("{e}/{o}/{u}/{p}={x}")))
        .await
        .unwrap();
    scanned.sort();
    assert_eq!(n, 7);
    assert!(
        scanned.contains(&"CB_KY_SO/NU/58-SO-TTTT/202312=12".to_string()),
        "{scanned:?}"
    );
    assert!(
        scanned.contains(&"TY_LE//58/2023=94.89".to_string()),
        "{scanned:?}"
    );
    let v = all.iter().find(|v| v.element == c("VB_XL_MANG")).unwrap();
    assert_eq!((v.value.as_str(), v.num), ("1139", Some(1139.0)));
    assert_eq!(v.comment.as_deref(), Some("số liệu minh họa"));
    assert_eq!(v.source, SourceTag::Illustrative);
    assert_eq!(v.stored_by, "tester");
    let nu = all.iter().find(|v| v.element == c("CB_KY_SO")).unwrap();
    assert_eq!(nu.breakdown, Some(c("NU")));

    // Subtree and period filters.
    let q = ValueQuery {
        elements: vec![c("VB_DEN")],
        units: vec![c("58")],
        descendants: true,
        periods: vec![Period::Year(2023)],
        ..Default::default()
    };
    let sum: f64 = s
        .values(&q)
        .await
        .unwrap()
        .iter()
        .filter_map(|v| v.num)
        .sum();
    assert_eq!(sum, 2500.0);
    let q = ValueQuery {
        units: vec![c("584")],
        descendants: true,
        ..Default::default()
    };
    assert_eq!(s.values(&q).await.unwrap().len(), 2);
    let q = ValueQuery {
        units: vec![c("584")],
        descendants: false,
        ..Default::default()
    };
    assert!(s.values(&q).await.unwrap().is_empty());

    // The same batch again changes nothing and writes no audit row.
    let again = s.write_values(&batch, &actor()).await.unwrap();
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 7));
    assert_eq!(s.counts().await.unwrap().audit_log, audit0 + 7);

    // An update keeps the old value in the audit log.
    let ch = s
        .write_values(
            &[val("VB_DEN", "22738", "2023", "1250")],
            &Actor::new("nguyen.van.a", Via::Api),
        )
        .await
        .unwrap();
    assert_eq!(ch.updated, 1);
    let log = s
        .audit(&AuditQuery {
            entity_prefix: Some("data_value:VB_DEN/22738/2023/".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (
            log[0].action.as_str(),
            log[0].actor.as_str(),
            log[0].via.as_str()
        ),
        ("data_value.update", "nguyen.van.a", "api")
    );
    assert!(log[0].old_value.as_deref().unwrap().contains("\"1200\""));
    assert!(log[0].new_value.as_deref().unwrap().contains("\"1250\""));

    // Deletion is audited too; deleting what is absent changes nothing.
    let key = ValueKey {
        element: c("VB_DEN"),
        unit: c("22738"),
        period: Period::Year(2023),
        breakdown: None,
    };
    let ch = s
        .delete_values(&[key.clone(), key], &actor())
        .await
        .unwrap();
    assert_eq!((ch.deleted, ch.unchanged), (1, 1));
    let log = s
        .audit(&AuditQuery {
            action_prefix: Some("data_value.delete".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert!(log[0].new_value.is_none());
    assert_eq!(s.counts().await.unwrap().data_values, 6);
    // Other processes follow the log: ids rise, rows come oldest first.
    let last = s.last_audit_id().await.unwrap();
    let tail = s.audit_since(last - 3, 10).await.unwrap();
    assert_eq!(
        tail.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![last - 2, last - 1, last]
    );
    assert_eq!(tail[2].action, "data_value.delete");
    assert!(s.audit_since(last, 10).await.unwrap().is_empty());
}

pub(crate) async fn bad_values_are_refused_with_their_field_and_nothing_is_written(db: &Db) {
    let s = db.store();
    seeded(db).await;
    s.write_values(&[val("VB_DEN", "22738", "2023", "1200")], &actor())
        .await
        .unwrap();
    let before = s.counts().await.unwrap();
    let before_values = s.values(&Default::default()).await.unwrap();
    let mut wrong_option = val("CB_KY_SO", "22738", "2023", "3");
    wrong_option.breakdown = Some(c("KHAC"));
    let mut long_comment = val("VB_DEN", "22753", "2023", "1");
    long_comment.comment = Some("x".repeat(2001));
    let batch = vec![
        val("VB_DEN", "22738", "2023", "9999"), // 0: fine on its own (an update)
        val("VB_TONG", "22738", "2023", "1"),   // 1: unknown element
        val("VB_DEN", "99999", "2023", "1"),    // 2: unknown unit
        val("VB_DEN", "22741", "2023", "mười"), // 3: not a number
        val("VB_DEN", "22741", "2026", "5"),    // 4: the commune no longer exists in 2026
        val("TY_LE", "58", "2023", "101"),      // 5: percentage over 100
        wrong_option,                           // 6: not an option of the breakdown
        val("CB_KY_SO", "22738", "2023", "3"),  // 7: breakdown missing
        val("VB_DEN", "22738", "2023", "1"),    // 8: duplicate of item 1
        long_comment,                           // 9: comment too long
    ];
    let fields = invalid_fields(s.write_values(&batch, &actor()).await);
    assert_eq!(
        fields,
        vec![
            (Some(1), "element".to_string()),
            (Some(2), "unit".to_string()),
            (Some(3), "value".to_string()),
            (Some(4), "period".to_string()),
            (Some(5), "value".to_string()),
            (Some(6), "breakdown".to_string()),
            (Some(7), "breakdown".to_string()),
            (Some(8), "value".to_string()),
            (Some(9), "comment".to_string()),
        ]
    );
    assert_eq!(s.counts().await.unwrap(), before);
    assert_eq!(s.values(&Default::default()).await.unwrap(), before_values);

    // The reasons are plain words naming what was wrong.
    match s
        .write_values(&[val("VB_DEN", "22741", "2026", "5")], &actor())
        .await
    {
        Err(StoreError::Invalid(e)) => {
            assert!(
                e[0].reason.contains("did not exist in period 2026"),
                "{}",
                e[0].reason
            );
            assert!(e[0].reason.contains("2025-06-30"), "{}", e[0].reason);
        }
        other => panic!("{other:?}"),
    }
}

pub(crate) async fn concurrent_writers_do_not_deadlock(db: &Db) {
    seeded(db).await;
    let store = db.shared();
    let mut tasks = Vec::new();
    for t in 0..8 {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            for m in 1..=6u8 {
                let p = format!("2023{m:02}");
                // Each writer reads then writes the same rows as the others.
                s.write_values(
                    &[
                        val("VB_DEN", "22738", &p, &format!("{t}")),
                        val("VB_XL_MANG", "22741", &p, &format!("{m}")),
                    ],
                    &actor(),
                )
                .await
                .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let c = store.counts().await.unwrap();
    assert_eq!(c.data_values, 12);
    // Every change was audited; unchanged rewrites were not.
    let logged = store
        .audit(&AuditQuery {
            entity_prefix: Some("data_value:".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(
        logged.len() >= 12 && logged.len() <= 8 * 12,
        "{}",
        logged.len()
    );
}

pub(crate) async fn indicators_are_checked_and_stored(db: &Db) {
    seeded(db).await;
    let s = db.store();
    let ind = |code: &str, num: &str, den: &str| chiso_core::Indicator {
        code: c(code),
        name_vi: format!("Chỉ số {code}"),
        name_en: None,
        numerator: num.into(),
        denominator: den.into(),
        factor: 100.0,
        decimals: 2,
        direction: chiso_core::Direction::HigherIsBetter,
        unit_label: Some("%".into()),
        is_rate: true,
        description: None,
        published: false,
    };
    let good = vec![
        ind("KY_SO_NU", "#{CB_KY_SO.NU}", "1"),
        ind("VB_TY_LE", "#{VB_XL_MANG}", "#{VB_DEN}"),
    ];
    assert_eq!(
        s.upsert_indicators(&good, &actor()).await.unwrap().inserted,
        2
    );
    assert_eq!(
        s.upsert_indicators(&good, &actor())
            .await
            .unwrap()
            .unchanged,
        2
    );
    assert_eq!(s.indicators().await.unwrap(), good);
    let before = s.counts().await.unwrap();
    let bad = vec![
        ind("A", "#{VB_XL_MANG} / ", "1"),
        ind("B", "#{VB_XL_MANG}", "#{VB_TONG}"),
        ind("C", "#{CB_KY_SO.KHAC}", "1"),
        ind("D", "OUG{NO_GROUP}", "1"),
    ];
    match s.upsert_indicators(&bad, &actor()).await {
        Err(StoreError::Invalid(e)) => {
            let got: Vec<(Option<usize>, &str)> =
                e.iter().map(|f| (f.index, f.field.as_str())).collect();
            assert_eq!(
                got,
                vec![
                    (Some(0), "numerator"),
                    (Some(1), "denominator"),
                    (Some(2), "numerator"),
                    (Some(3), "numerator")
                ]
            );
            assert_eq!(e[1].reason, "unknown element VB_TONG at column 1");
            assert!(
                e[0].reason.contains("ends too early at column"),
                "{}",
                e[0].reason
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.counts().await.unwrap(), before);
}

pub(crate) async fn frameworks_and_targets(db: &Db) {
    seeded(db).await;
    let s = db.store();
    let ind = chiso_core::Indicator {
        code: c("VB_TY_LE"),
        name_vi: "Tỷ lệ".into(),
        name_en: None,
        numerator: "#{VB_XL_MANG}".into(),
        denominator: "#{VB_DEN}".into(),
        factor: 100.0,
        decimals: 2,
        direction: chiso_core::Direction::HigherIsBetter,
        unit_label: Some("%".into()),
        is_rate: true,
        description: None,
        published: false,
    };
    s.upsert_indicators(&[ind], &actor()).await.unwrap();
    let target = |code: &str| chiso_core::Target {
        code: c(code),
        name_vi: format!("Chỉ tiêu {code}"),
        name_en: None,
        scope: chiso_core::TargetScope::Unit(c("58")),
        period: Period::Year(2023),
        indicator: Some(c("VB_TY_LE")),
        comparator: Some(chiso_core::Comparator::AtLeast),
        value: Some(90.0),
        due: None,
        completed_on: None,
        note: None,
        pillar: Some(chiso_core::TargetPillar::DigitalGovernment),
    };
    let deadline = chiso_core::Target {
        indicator: None,
        comparator: None,
        value: None,
        due: Some(date(2023, 6, 30)),
        completed_on: Some(date(2023, 5, 9)),
        note: Some("hạn minh họa".into()),
        pillar: Some(chiso_core::TargetPillar::Project06),
        ..target("T2")
    };
    let fw = chiso_core::Framework {
        code: c("KH_2023"),
        name_vi: "Kế hoạch 2023".into(),
        name_en: Some("2023 plan".into()),
        description: None,
        pillars: vec![
            chiso_core::TargetPillar::Project06,
            chiso_core::TargetPillar::DigitalGovernment,
        ],
        targets: vec![target("T1"), deadline],
    };
    assert_eq!(
        s.upsert_frameworks(std::slice::from_ref(&fw), &actor())
            .await
            .unwrap()
            .inserted,
        1
    );
    assert_eq!(
        s.upsert_frameworks(std::slice::from_ref(&fw), &actor())
            .await
            .unwrap()
            .unchanged,
        1
    );
    assert_eq!(s.frameworks().await.unwrap(), vec![fw.clone()]);
    // The pillars and their order are kept; a target without a pillar reads back without one.
    let mut no_pillar = fw.clone();
    no_pillar.pillars.clear();
    no_pillar.targets[0].pillar = None;
    assert_eq!(
        s.upsert_frameworks(std::slice::from_ref(&no_pillar), &actor())
            .await
            .unwrap()
            .updated,
        1
    );
    assert_eq!(s.frameworks().await.unwrap(), vec![no_pillar]);
    s.upsert_frameworks(std::slice::from_ref(&fw), &actor())
        .await
        .unwrap();
    assert_eq!(s.frameworks().await.unwrap(), vec![fw.clone()]);
    // A directive names the targets it addresses; an unknown target is refused.
    let directive = chiso_core::plan::Directive {
        code: c("KL-01"),
        source: "Kết luận".into(),
        number: 1,
        text: "Nâng tỷ lệ văn bản điện tử".into(),
        text_en: None,
        assignees: vec![c("58")],
        targets: vec![c("T1")],
        issued_on: date(2023, 12, 20),
        due: date(2024, 6, 30),
        status: chiso_core::plan::DirectiveStatus::Open,
        progress: 0,
        completed_on: None,
        reports: vec![],
        note: None,
        note_en: None,
    };
    s.upsert_directives(std::slice::from_ref(&directive), &actor())
        .await
        .unwrap();
    assert_eq!(s.directives().await.unwrap(), vec![directive.clone()]);
    let unknown = chiso_core::plan::Directive {
        code: c("KL-02"),
        targets: vec![c("T1"), c("KHONG_CO")],
        ..directive.clone()
    };
    match s.upsert_directives(&[unknown], &actor()).await {
        Err(StoreError::Invalid(e)) => {
            assert_eq!(e.len(), 1, "{e:?}");
            assert_eq!(e[0].field, "targets");
            assert!(e[0].reason.contains("KHONG_CO"), "{e:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.directives().await.unwrap().len(), 1);
    // Replacing the targets: the old ones go.
    let mut fewer = fw.clone();
    fewer.targets.truncate(1);
    assert_eq!(
        s.upsert_frameworks(&[fewer.clone()], &actor())
            .await
            .unwrap()
            .updated,
        1
    );
    assert_eq!(s.frameworks().await.unwrap(), vec![fewer]);
    let before = s.counts().await.unwrap();
    let mut bad = fw.clone();
    bad.targets[0].indicator = Some(c("KHONG_CO"));
    bad.targets[1].scope = chiso_core::TargetScope::Group(c("NO_GROUP"));
    bad.targets.push(target("T1"));
    match s.upsert_frameworks(&[bad], &actor()).await {
        Err(StoreError::Invalid(e)) => {
            let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(
                fields,
                [
                    "targets[0].indicator",
                    "targets[1].scope",
                    "targets[2].code"
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.counts().await.unwrap(), before);
}

pub(crate) async fn the_audit_log_is_a_hash_chain(db: &Db) {
    seeded(db).await;
    let s = db.store();
    s.write_values(
        &[
            val("VB_DEN", "22738", "2023", "1200"),
            val("VB_DEN", "22741", "2023", "800"),
        ],
        &actor(),
    )
    .await
    .unwrap();
    s.write_values(&[val("VB_DEN", "22738", "2023", "1250")], &actor())
        .await
        .unwrap();
    let ok = s.verify_audit().await.unwrap();
    let rows = s.counts().await.unwrap().audit_log as u64;
    let head = s.audit_hash_at(None).await.unwrap();
    assert_eq!(
        ok,
        chiso_store::AuditCheck {
            rows,
            broken: None,
            head: head.clone(),
            values: None,
        }
    );
    assert_eq!(
        head.as_ref().map(|h| h.0),
        Some(s.last_audit_id().await.unwrap())
    );
    assert_eq!(
        s.audit_hash_at(head.as_ref().map(|h| h.0)).await.unwrap(),
        head
    );
    assert_eq!(s.audit_hash_at(Some(i64::MAX)).await.unwrap(), None);

    // A value edited, inserted or deleted in the table around chiso does not match the chain's
    // latest state of it.
    for (edit, undo, why) in [
        (
            "UPDATE data_values SET value = '7', num = 7 WHERE element = 'VB_DEN' AND unit = '22741'",
            "UPDATE data_values SET value = '800', num = 800 WHERE element = 'VB_DEN' AND unit = '22741'",
            "edited around chiso",
        ),
        (
            "DELETE FROM data_values WHERE element = 'VB_DEN' AND unit = '22741'",
            "INSERT INTO data_values (element, unit, period, breakdown, value, num, comment, source, stored_by, stored_at) SELECT element, '22741', period, breakdown, '800', 800, comment, source, stored_by, stored_at FROM data_values WHERE element = 'VB_DEN' AND unit = '22738'",
            "deleted around chiso",
        ),
    ] {
        tamper(db, edit).await;
        let bad = s.verify_audit().await.unwrap();
        assert_eq!(bad.broken, None, "the chain itself is whole");
        let (entity, reason) = bad.values.expect("the direct change was not seen");
        assert_eq!(entity, "data_value:VB_DEN/22741/2023/");
        assert!(reason.contains(why), "{reason}");
        tamper(db, undo).await;
        assert_eq!(s.verify_audit().await.unwrap().values, None, "{why}: undone");
    }
    tamper(
        db,
        "INSERT INTO data_values (element, unit, period, breakdown, value, num, comment, source, stored_by, stored_at) SELECT element, unit, '2022', breakdown, '5', 5, comment, source, stored_by, stored_at FROM data_values WHERE element = 'VB_DEN' AND unit = '22738'",
    )
    .await;
    let bad = s.verify_audit().await.unwrap();
    let (entity, reason) = bad
        .values
        .expect("a value written around chiso was not seen");
    assert_eq!(entity, "data_value:VB_DEN/22738/2022/");
    assert!(reason.contains("never recorded"), "{reason}");
    tamper(
        db,
        "DELETE FROM data_values WHERE element = 'VB_DEN' AND unit = '22738' AND period = '2022'",
    )
    .await;

    // An edited value is found, at its row.
    let last = s.last_audit_id().await.unwrap();
    tamper(
        db,
        &format!(
            "UPDATE audit_log SET new_value = REPLACE(new_value, '1250', '9999') WHERE id = {last}"
        ),
    )
    .await;
    let bad = s.verify_audit().await.unwrap();
    assert_eq!(bad.broken.as_ref().map(|b| b.0), Some(last), "{bad:?}");
    assert!(bad.broken.unwrap().1.contains("edited"));
    tamper(
        db,
        &format!(
            "UPDATE audit_log SET new_value = REPLACE(new_value, '9999', '1250') WHERE id = {last}"
        ),
    )
    .await;
    assert_eq!(
        s.verify_audit().await.unwrap().broken,
        None,
        "restored exactly, the chain holds again"
    );

    // A removed row breaks the link of the row after it.
    tamper(
        db,
        &format!("DELETE FROM audit_log WHERE id = {}", last - 1),
    )
    .await;
    let bad = s.verify_audit().await.unwrap();
    assert_eq!(bad.broken.map(|b| b.0), Some(last));
}

pub(crate) async fn constants_for_expressions(db: &Db) {
    seeded(db).await;
    let s = db.store();
    let k = chiso_core::Constant {
        code: c("DAN_SO_2019"),
        name_vi: "Dân số 2019".into(),
        name_en: None,
        value: 590_467.0,
    };
    assert_eq!(
        s.upsert_constants(std::slice::from_ref(&k), &actor())
            .await
            .unwrap()
            .inserted,
        1
    );
    assert_eq!(
        s.upsert_constants(std::slice::from_ref(&k), &actor())
            .await
            .unwrap()
            .unchanged,
        1
    );
    assert_eq!(s.constants().await.unwrap(), vec![k.clone()]);
    let bad = chiso_core::Constant {
        value: f64::NAN,
        ..k.clone()
    };
    assert!(matches!(
        s.upsert_constants(&[bad], &actor()).await,
        Err(StoreError::Invalid(_))
    ));
    let ind = chiso_core::Indicator {
        code: c("THEO_DAN"),
        name_vi: "Theo dân số".into(),
        name_en: None,
        numerator: "#{VB_DEN}".into(),
        denominator: "C{DAN_SO_2019}".into(),
        factor: 1000.0,
        decimals: 2,
        direction: chiso_core::Direction::HigherIsBetter,
        unit_label: None,
        is_rate: false,
        description: None,
        published: false,
    };
    assert_eq!(
        s.upsert_indicators(&[ind], &actor())
            .await
            .unwrap()
            .inserted,
        1
    );
}

pub(crate) async fn meta_values(db: &Db) {
    let s = db.store();
    assert_eq!(s.meta("demo").await.unwrap(), None);
    s.set_meta("demo", "ninh-thuan-2023").await.unwrap();
    s.set_meta("demo", "ninh-thuan-2023 v2").await.unwrap();
    assert_eq!(
        s.meta("demo").await.unwrap().as_deref(),
        Some("ninh-thuan-2023 v2")
    );
}

pub(crate) async fn an_unchanged_value_is_unchanged_whoever_brings_it(db: &Db) {
    let s = db.store();
    seeded(db).await;
    let mut den = val("VB_DEN", "22738", "2023", "1841");
    den.comment = Some("Số minh họa".into());
    let mang = val("VB_XL_MANG", "22738", "2023", "1741");
    let ch = s
        .write_values(&[den.clone(), mang.clone()], &actor())
        .await
        .unwrap();
    assert_eq!(ch.inserted, 2);
    let stored = || async {
        let mut v = s.values(&Default::default()).await.unwrap();
        v.sort_by(|a, b| a.element.cmp(&b.element));
        v
    };
    let first = stored().await;
    let audit = s.counts().await.unwrap().audit_log;

    // The same numbers and comments uploaded from a file, then typed into the form, by
    // someone else: unchanged, not rewritten, not audited, still illustrative.
    let upload = |source: SourceTag| {
        [den.clone(), mang.clone()].map(|mut v| {
            v.source = source.clone();
            v.comment = v.comment.map(|c| format!("  {c} "));
            v
        })
    };
    let clerk = Actor::new("can.bo.xa", Via::Web);
    for source in [
        SourceTag::Import("XLSX1".into()),
        SourceTag::Import("XLSX2".into()),
        SourceTag::Entered,
        SourceTag::Published,
    ] {
        let dry = s
            .apply_values(&upload(source.clone()), &[], &clerk, true)
            .await
            .unwrap();
        assert_eq!(
            (dry.inserted, dry.updated, dry.unchanged),
            (0, 0, 2),
            "dry run, {source}"
        );
        let ch = s
            .write_values(&upload(source.clone()), &clerk)
            .await
            .unwrap();
        assert_eq!(
            (ch.inserted, ch.updated, ch.unchanged),
            (0, 0, 2),
            "{source}"
        );
    }
    assert_eq!(s.counts().await.unwrap().audit_log, audit, "no audit row");
    assert_eq!(stored().await, first, "source, author and time kept");
    assert!(first.iter().all(|v| v.source == SourceTag::Illustrative));

    // A changed comment is a change: updated, audited, with the upload's source.
    let mut noted = upload(SourceTag::Import("XLSX3".into()));
    noted[0].comment = Some("Theo báo cáo của xã".into());
    let ch = s.write_values(&noted, &clerk).await.unwrap();
    assert_eq!((ch.updated, ch.unchanged), (1, 1));
    let after = stored().await;
    assert_eq!(
        (
            after[0].element.as_str(),
            after[0].source.clone(),
            after[0].stored_by.as_str()
        ),
        ("VB_DEN", SourceTag::Import("XLSX3".into()), "can.bo.xa")
    );
    assert_eq!(after[1], first[1], "the unchanged one is as it was");
    assert_eq!(s.counts().await.unwrap().audit_log, audit + 1);
    // A changed number too, with the source it came with.
    let mut typed = val("VB_XL_MANG", "22738", "2023", "1750");
    typed.source = SourceTag::Entered;
    let ch = s.write_values(&[typed], &clerk).await.unwrap();
    assert_eq!(ch.updated, 1);
    let after = stored().await;
    assert_eq!(
        (after[1].value.as_str(), after[1].source.clone()),
        ("1750", SourceTag::Entered)
    );
    assert_eq!(s.counts().await.unwrap().audit_log, audit + 2);
}
