use super::*;

pub(crate) fn commune_form() -> chiso_core::DataSet {
    chiso_core::DataSet {
        code: c("BM_XA"),
        name_vi: "Biểu mẫu cấp xã".into(),
        name_en: Some("Commune form".into()),
        period_type: chiso_core::PeriodType::Year,
        convention: chiso_core::Convention::Calendar,
        elements: vec![c("VB_DEN"), c("VB_XL_MANG")],
        compulsory: vec![],
        reporters: vec![chiso_core::Reporters::Kind(UnitKind::Commune)],
        scope: Some(c("58")),
        open_days: -365,
        due_days: 15,
        lock_days: Some(90),
        approval: true,
    }
}

pub(crate) async fn data_sets_rules_and_reports(db: &Db) {
    let s = db.store();
    seeded(db).await;
    let ds = commune_form();
    let ch = s
        .upsert_data_sets(std::slice::from_ref(&ds), &actor())
        .await
        .unwrap();
    assert_eq!(ch.inserted, 1);
    assert_eq!(s.data_sets().await.unwrap(), vec![ds.clone()]);
    assert_eq!(
        s.upsert_data_sets(std::slice::from_ref(&ds), &actor())
            .await
            .unwrap()
            .unchanged,
        1
    );
    // The element order is kept.
    let mut reordered = ds.clone();
    reordered.elements.reverse();
    s.upsert_data_sets(&[reordered.clone()], &actor())
        .await
        .unwrap();
    assert_eq!(
        s.data_sets().await.unwrap()[0].elements,
        vec![c("VB_XL_MANG"), c("VB_DEN")]
    );
    // Unknown elements, units and groups are refused, naming the field; nothing is written.
    let mut bad = ds.clone();
    bad.code = c("BM_SAI");
    bad.elements.push(c("KHONG_CO"));
    bad.reporters
        .push(chiso_core::Reporters::Group(c("KHONG_NHOM")));
    bad.scope = Some(c("99"));
    match s.upsert_data_sets(&[bad], &actor()).await {
        Err(StoreError::Invalid(errs)) => {
            let reasons: Vec<String> = errs.iter().map(|e| e.reason.clone()).collect();
            assert!(
                reasons.iter().any(|r| r.contains("KHONG_CO")),
                "{reasons:?}"
            );
            assert!(
                reasons.iter().any(|r| r.contains("KHONG_NHOM")),
                "{reasons:?}"
            );
            assert!(reasons.iter().any(|r| r.contains("99")), "{reasons:?}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(s.data_sets().await.unwrap().len(), 1);

    // Validation rules: expressions are checked.
    let rule = chiso_core::ValidationRule {
        code: c("MANG_LE_DEN"),
        name_vi: "Văn bản xử lý trên mạng không vượt quá văn bản đến".into(),
        name_en: None,
        left: "#{VB_XL_MANG}".into(),
        operator: chiso_core::RuleOperator::LessOrEqual,
        right: "#{VB_DEN}".into(),
        severity: chiso_core::Severity::Block,
    };
    s.upsert_validation_rules(std::slice::from_ref(&rule), &actor())
        .await
        .unwrap();
    assert_eq!(s.validation_rules().await.unwrap(), vec![rule.clone()]);
    let broken = chiso_core::ValidationRule {
        code: c("SAI"),
        right: "#{VB_DEN".into(),
        ..rule.clone()
    };
    let unknown = chiso_core::ValidationRule {
        code: c("SAI2"),
        right: "#{KHONG_CO}".into(),
        ..rule.clone()
    };
    match s
        .upsert_validation_rules(&[broken, unknown], &actor())
        .await
    {
        Err(StoreError::Invalid(errs)) => {
            assert_eq!(errs.len(), 2, "{errs:?}");
            assert!(errs[0].reason.starts_with("right side"), "{errs:?}");
            assert!(errs[1].reason.contains("KHONG_CO"), "{errs:?}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }

    // Completion, approval in steps, the lock on approved values, un-approval with a reason.
    let y = Period::parse("2023").unwrap();
    s.write_values(&[val("VB_DEN", "22738", "2023", "100")], &actor())
        .await
        .unwrap();
    let now = chrono::Utc::now();
    let approval = |step: u8, level: &str| chiso_core::Approval {
        data_set: c("BM_XA"),
        unit: c("22738"),
        period: y,
        step,
        level_unit: c(level),
        approved_by: "huyen".into(),
        approved_at: now,
    };
    assert!(
        s.approve(&approval(1, "582"), &actor()).await.is_err(),
        "not complete yet"
    );
    let done = chiso_core::Completion {
        data_set: c("BM_XA"),
        unit: c("22738"),
        period: y,
        completed_by: "xa".into(),
        completed_at: now,
        on_time: true,
    };
    assert!(s.complete(&done, &actor()).await.unwrap());
    assert!(!s.complete(&done, &actor()).await.unwrap(), "twice is once");
    let got = s.completions(Some(&c("BM_XA")), Some(&y)).await.unwrap();
    assert_eq!(got.len(), 1);
    assert!(got[0].on_time);
    assert!(
        s.approve(&approval(2, "58"), &actor()).await.is_err(),
        "steps go in order"
    );
    s.approve(&approval(1, "582"), &actor()).await.unwrap();
    assert!(
        s.approve(&approval(1, "582"), &actor()).await.is_err(),
        "a step once"
    );
    // Approved: the form's values are locked, for writing and deleting; other forms are not.
    let before = s.counts().await.unwrap();
    let r = s
        .write_values(&[val("VB_XL_MANG", "22738", "2023", "50")], &actor())
        .await;
    assert!(
        matches!(&r, Err(StoreError::Invalid(e)) if e[0].reason.contains("phê duyệt")),
        "{r:?}"
    );
    let key = ValueKey {
        element: c("VB_DEN"),
        unit: c("22738"),
        period: y,
        breakdown: None,
    };
    assert!(s
        .delete_values(std::slice::from_ref(&key), &actor())
        .await
        .is_err());
    assert_eq!(s.counts().await.unwrap(), before, "nothing written");
    s.write_values(&[val("VB_DEN", "22741", "2023", "7")], &actor())
        .await
        .unwrap();
    assert!(
        s.uncomplete(&c("BM_XA"), &c("22738"), &y, &actor())
            .await
            .is_err(),
        "approved: cannot take back"
    );
    assert!(
        s.unapprove(&c("BM_XA"), &c("22738"), &y, "  ", &actor())
            .await
            .is_err(),
        "a reason is needed"
    );
    assert_eq!(
        s.unapprove(
            &c("BM_XA"),
            &c("22738"),
            &y,
            "Số liệu văn bản đến chưa khớp",
            &actor()
        )
        .await
        .unwrap(),
        1
    );
    let log = s.audit(&AuditQuery::default()).await.unwrap();
    let un = log.iter().find(|e| e.action == "approval.delete").unwrap();
    assert!(
        un.new_value.as_deref().unwrap().contains("chưa khớp"),
        "{un:?}"
    );
    assert!(log
        .iter()
        .any(|e| e.action == "approval.insert" && e.entity == "report:BM_XA/22738/2023"));
    assert!(log.iter().any(|e| e.action == "completion.insert"));
    s.write_values(&[val("VB_XL_MANG", "22738", "2023", "50")], &actor())
        .await
        .unwrap();
    assert!(s
        .uncomplete(&c("BM_XA"), &c("22738"), &y, &actor())
        .await
        .unwrap());
    assert!(s.completions(None, None).await.unwrap().is_empty());

    // Lock exceptions.
    let ex = chiso_core::LockException {
        data_set: c("BM_XA"),
        unit: c("22741"),
        period: y,
        until: date(2024, 5, 1),
        granted_by: "admin".into(),
        reason: "Xã mới sáp nhập".into(),
    };
    s.grant_lock_exception(&ex, &actor()).await.unwrap();
    assert_eq!(s.lock_exceptions(None, None).await.unwrap(), vec![ex]);
}

pub(crate) async fn a_dry_run_writes_nothing_and_deletes_go_with_writes(db: &Db) {
    let s = db.store();
    seeded(db).await;
    s.write_values(
        &[
            val("VB_DEN", "22738", "2023", "100"),
            val("VB_DEN", "22741", "2023", "5"),
        ],
        &actor(),
    )
    .await
    .unwrap();
    let before = s.counts().await.unwrap();
    let values_before = s.values(&Default::default()).await.unwrap();
    let gone = ValueKey {
        element: c("VB_DEN"),
        unit: c("22741"),
        period: Period::parse("2023").unwrap(),
        breakdown: None,
    };
    let batch = [
        val("VB_DEN", "22738", "2023", "120"),
        val("VB_XL_MANG", "22738", "2023", "90"),
        val("VB_DEN", "22753", "2023", "1"),
    ];
    let ch = s
        .apply_values(&batch, std::slice::from_ref(&gone), &actor(), true)
        .await
        .unwrap();
    assert_eq!(
        (ch.inserted, ch.updated, ch.deleted, ch.unchanged),
        (2, 1, 1, 0)
    );
    assert_eq!(
        s.counts().await.unwrap(),
        before,
        "a dry run writes nothing, not even the audit log"
    );
    assert_eq!(s.values(&Default::default()).await.unwrap(), values_before);
    // A bad value anywhere: the deletion is not done either; the error names the value in
    // the values' own list.
    let bad = [val("VB_DEN", "22738", "2023", "nhiều")];
    match s
        .apply_values(&bad, std::slice::from_ref(&gone), &actor(), false)
        .await
    {
        Err(StoreError::Invalid(e)) => assert_eq!(
            (e[0].index, e[0].list),
            (Some(0), chiso_store::ItemList::Items)
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(s.counts().await.unwrap(), before);
    let ch = s
        .apply_values(&batch, &[gone], &actor(), false)
        .await
        .unwrap();
    assert_eq!((ch.inserted, ch.updated, ch.deleted), (2, 1, 1));
    assert_eq!(s.values(&Default::default()).await.unwrap().len(), 3);
    // The same value brought again by another import batch is no change; brought with
    // another source, it is no change either, and keeps the source it has.
    let batch = |tag: &str| {
        let mut v = val("VB_DEN", "22753", "2024", "9");
        v.source = SourceTag::Import(tag.into());
        v
    };
    assert_eq!(
        s.write_values(&[batch("B1")], &actor())
            .await
            .unwrap()
            .inserted,
        1
    );
    assert_eq!(
        s.write_values(&[batch("B2")], &actor())
            .await
            .unwrap()
            .unchanged,
        1
    );
    let mut published = batch("B3");
    published.source = SourceTag::Published;
    assert_eq!(
        s.write_values(&[published], &actor())
            .await
            .unwrap()
            .unchanged,
        1
    );
    let kept = s.values(&Default::default()).await.unwrap();
    assert!(
        kept.iter()
            .any(|v| v.unit == c("22753") && v.source == SourceTag::Import("B1".into())),
        "{kept:?}"
    );
}

pub(crate) async fn evidence_files(db: &Db) {
    let s = db.store();
    seeded(db).await;
    s.upsert_data_sets(&[commune_form()], &actor())
        .await
        .unwrap();
    let y = Period::parse("2023").unwrap();
    let e = chiso_core::Evidence {
        id: "ev1".into(),
        data_set: c("BM_XA"),
        unit: c("22738"),
        period: y,
        element: Some(c("VB_DEN")),
        file_name: "quyet-dinh.pdf".into(),
        content_type: "application/pdf".into(),
        size: 9,
        sha256: "abc".into(),
        doc_number: Some("123/QĐ-UBND".into()),
        doc_date: Some(date(2023, 12, 20)),
        summary: Some("Về việc ban hành kế hoạch".into()),
        uploaded_by: "xa".into(),
        uploaded_at: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(),
    };
    s.add_evidence(&e, b"%PDF-1.7\n", &actor()).await.unwrap();
    assert_eq!(
        s.evidence(&c("BM_XA"), &c("22738"), &y).await.unwrap(),
        vec![e.clone()]
    );
    let (meta, bytes) = s.evidence_file("ev1").await.unwrap().unwrap();
    assert_eq!((meta, bytes.as_slice()), (e, b"%PDF-1.7\n".as_slice()));
    assert!(s.evidence_file("nope").await.unwrap().is_none());
    assert!(s.delete_evidence("ev1", &actor()).await.unwrap());
    assert!(!s.delete_evidence("ev1", &actor()).await.unwrap());
}

/// Complete and approve `BM_XA` for 22738 in `period` (district step), as "huyen".
pub(crate) async fn approved_at_the_district(s: &dyn Store, period: Period) {
    let now = chrono::Utc::now();
    s.complete(
        &chiso_core::Completion {
            data_set: c("BM_XA"),
            unit: c("22738"),
            period,
            completed_by: "xa".into(),
            completed_at: now,
            on_time: true,
        },
        &actor(),
    )
    .await
    .unwrap();
    s.approve(
        &chiso_core::Approval {
            data_set: c("BM_XA"),
            unit: c("22738"),
            period,
            step: 1,
            level_unit: c("582"),
            approved_by: "huyen".into(),
            approved_at: now,
        },
        &actor(),
    )
    .await
    .unwrap();
}

pub(crate) async fn a_lock_covers_every_period_inside_the_approved_one(db: &Db) {
    let s = db.store();
    seeded(db).await;
    s.upsert_data_sets(&[commune_form()], &actor())
        .await
        .unwrap();
    let y = Period::parse("2023").unwrap();
    s.write_values(
        &[
            val("VB_DEN", "22738", "2023", "1939"),
            val("VB_DEN", "22738", "202306", "12"),
        ],
        &actor(),
    )
    .await
    .unwrap();
    approved_at_the_district(s, y).await;
    let before = s.counts().await.unwrap();
    // Every period inside 2023 is locked for the form's elements at that unit: a month, a
    // quarter, a half-year, a week, a day.
    for period in ["2023", "202307", "2023Q3", "2023S2", "2023W05", "20230704"] {
        let r = s
            .write_values(&[val("VB_DEN", "22738", period, "5")], &actor())
            .await;
        assert!(
            matches!(&r, Err(StoreError::Invalid(e)) if e[0].reason.contains("phê duyệt") && e[0].index == Some(0)),
            "{period}: {r:?}"
        );
    }
    // Deleting a stored value inside it too, alone or together with a write.
    let june = ValueKey {
        element: c("VB_DEN"),
        unit: c("22738"),
        period: Period::parse("202306").unwrap(),
        breakdown: None,
    };
    assert!(s
        .delete_values(std::slice::from_ref(&june), &actor())
        .await
        .is_err());
    assert!(s
        .apply_values(&[], std::slice::from_ref(&june), &actor(), false)
        .await
        .is_err());
    assert_eq!(s.counts().await.unwrap(), before, "nothing written");
    // Outside the period, another unit, another element: free.
    for v in [
        val("VB_DEN", "22738", "202401", "5"),
        val("VB_DEN", "22738", "2022", "5"),
        val("VB_DEN", "22741", "202307", "5"),
        val("TY_LE", "22738", "202307", "50"),
    ] {
        s.write_values(std::slice::from_ref(&v), &actor())
            .await
            .unwrap_or_else(|e| panic!("{v:?}: {e}"));
    }
    // Un-approved, the months are open again.
    s.unapprove(
        &c("BM_XA"),
        &c("22738"),
        &y,
        "Sửa số liệu tháng 7",
        &actor(),
    )
    .await
    .unwrap();
    s.write_values(&[val("VB_DEN", "22738", "202307", "5")], &actor())
        .await
        .unwrap();
    s.delete_values(std::slice::from_ref(&june), &actor())
        .await
        .unwrap();
}

pub(crate) async fn approval_locks_evidence_and_is_never_by_the_submitter(db: &Db) {
    let s = db.store();
    seeded(db).await;
    s.upsert_data_sets(&[commune_form()], &actor())
        .await
        .unwrap();
    let y = Period::parse("2023").unwrap();
    let evidence = |id: &str| chiso_core::Evidence {
        id: id.into(),
        data_set: c("BM_XA"),
        unit: c("22738"),
        period: y,
        element: None,
        file_name: format!("{id}.pdf"),
        content_type: "application/pdf".into(),
        size: 9,
        sha256: "abc".into(),
        doc_number: None,
        doc_date: None,
        summary: None,
        uploaded_by: "xa".into(),
        uploaded_at: chrono::Utc::now(),
    };
    s.add_evidence(&evidence("ev1"), b"%PDF-1.7\n", &actor())
        .await
        .unwrap();
    // The person who submitted a report does not approve it, at any step.
    let now = chrono::Utc::now();
    s.complete(
        &chiso_core::Completion {
            data_set: c("BM_XA"),
            unit: c("22738"),
            period: y,
            completed_by: "huyen".into(),
            completed_at: now,
            on_time: true,
        },
        &actor(),
    )
    .await
    .unwrap();
    let by = |who: &str| chiso_core::Approval {
        data_set: c("BM_XA"),
        unit: c("22738"),
        period: y,
        step: 1,
        level_unit: c("582"),
        approved_by: who.into(),
        approved_at: now,
    };
    match s.approve(&by("huyen"), &actor()).await {
        Err(StoreError::Invalid(e)) => assert!(e[0].reason.contains("tự phê duyệt"), "{e:?}"),
        other => panic!("self-approval: {other:?}"),
    }
    assert!(s.approvals(None, None).await.unwrap().is_empty());
    s.approve(&by("lanh.dao.huyen"), &actor()).await.unwrap();
    // Approved: its evidence can be neither removed nor added.
    let before = s.counts().await.unwrap();
    assert!(matches!(
        s.delete_evidence("ev1", &actor()).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(s.evidence_file("ev1").await.unwrap().is_some());
    assert!(matches!(
        s.add_evidence(&evidence("ev2"), b"%PDF-1.7\n", &actor())
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        s.evidence(&c("BM_XA"), &c("22738"), &y)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(s.counts().await.unwrap(), before, "nothing written");
    // Un-approval unlocks both.
    s.unapprove(&c("BM_XA"), &c("22738"), &y, "Thiếu quyết định", &actor())
        .await
        .unwrap();
    s.add_evidence(&evidence("ev2"), b"%PDF-1.7\n", &actor())
        .await
        .unwrap();
    assert!(s.delete_evidence("ev1", &actor()).await.unwrap());
}

/// A refusal of `apply_values` names the item in its own list — a deletion or a value — so a
/// caller finds the row without guessing from an offset.
pub(crate) async fn each_refused_item_is_named_in_its_own_list(db: &Db) {
    let s = db.store();
    seeded(db).await;
    s.upsert_data_sets(&[commune_form()], &actor())
        .await
        .unwrap();
    s.write_values(
        &[
            val("VB_DEN", "22738", "2023", "1939"),
            val("VB_DEN", "22741", "2023", "10"),
            val("VB_DEN", "22741", "2022", "11"),
        ],
        &actor(),
    )
    .await
    .unwrap();
    approved_at_the_district(s, Period::parse("2023").unwrap()).await;
    let key = |unit: &str, period: &str| ValueKey {
        element: c("VB_DEN"),
        unit: c(unit),
        period: Period::parse(period).unwrap(),
        breakdown: None,
    };
    // The second value is locked: index 1 of the values, whatever the deletions.
    let r = s
        .apply_values(
            &[
                val("VB_DEN", "22741", "2024", "1"),
                val("VB_DEN", "22738", "202305", "2"),
            ],
            &[key("22741", "2023"), key("22741", "2022")],
            &actor(),
            false,
        )
        .await;
    match r {
        Err(StoreError::Invalid(e)) => {
            assert_eq!(e.len(), 1, "{e:?}");
            assert_eq!(
                (e[0].index, e[0].list),
                (Some(1), chiso_store::ItemList::Items),
                "{e:?}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // The second deletion is locked: index 1 of the deletions.
    let r = s
        .apply_values(
            &[val("VB_DEN", "22741", "2024", "1")],
            &[key("22741", "2022"), key("22738", "2023")],
            &actor(),
            false,
        )
        .await;
    match r {
        Err(StoreError::Invalid(e)) => assert_eq!(
            (e[0].index, e[0].list),
            (Some(1), chiso_store::ItemList::Deletions),
            "{e:?}"
        ),
        other => panic!("expected a refusal, got {other:?}"),
    }
}
