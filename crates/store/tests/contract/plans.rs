use super::*;

fn plan_task(code: &str, lead: &str) -> chiso_core::plan::Task {
    use chiso_core::plan::*;
    Task {
        code: c(code),
        parent: None,
        title: format!("Nhiệm vụ {code}"),
        title_en: Some(format!("Task {code}")),
        description: String::new(),
        deliverable: "Báo cáo".into(),
        deliverable_en: Some("Report".into()),
        person: Person {
            name: "Nguyễn Văn A".into(),
            position: Some("Phó Giám đốc".into()),
            position_en: Some("Deputy Director".into()),
            contact: None,
        },
        lead: c(lead),
        cooperating: vec![c("58-SO-TTTT")],
        start: date(2024, 1, 1),
        due: date(2024, 6, 30),
        milestones: vec![],
        budget_allocated: 500_000_000,
        budget_spent: 100_000_000,
        funding: FundingSource::LocalBudget,
        targets: vec![],
        indicators: vec![],
        status: TaskStatus::InProgress,
        progress: 20,
        completed_on: None,
        updates: vec![],
    }
}

fn a_plan(code: &str, unit: &str) -> chiso_core::plan::Plan {
    chiso_core::plan::Plan {
        code: c(code),
        unit: c(unit),
        year: 2024,
        title: format!("Kế hoạch CĐS năm 2024 của {unit}"),
        title_en: Some(format!("2024 DX plan of {unit}")),
        status: chiso_core::plan::PlanStatus::Draft,
        submitted_by: None,
        submitted_on: None,
        decided_by: None,
        approved_on: None,
        comments: vec![],
        tasks: vec![plan_task("1", unit)],
        note: Some("Số liệu minh họa".into()),
        note_en: Some("Illustrative".into()),
    }
}

pub(crate) async fn plans_are_checked_stored_and_audited(db: &Db) {
    seeded(db).await;
    let s = db.store();
    let p = a_plan("KH2024-22738", "22738");
    let w = s
        .upsert_plans(std::slice::from_ref(&p), &actor())
        .await
        .unwrap();
    assert_eq!(w.inserted, 1);
    // The same plan again changes nothing and writes no audit row.
    assert_eq!(
        s.upsert_plans(std::slice::from_ref(&p), &actor())
            .await
            .unwrap()
            .unchanged,
        1
    );
    assert_eq!(s.plan(&c("KH2024-22738")).await.unwrap(), Some(p.clone()));
    let mut q = p.clone();
    q.tasks[0].progress = 60;
    assert_eq!(
        s.upsert_plans(&[q.clone()], &actor())
            .await
            .unwrap()
            .updated,
        1
    );
    assert_eq!(
        s.plans(Some(&c("22738")), Some(2024)).await.unwrap(),
        vec![q]
    );
    assert!(s.plans(None, Some(2023)).await.unwrap().is_empty());
    let audit = s
        .audit(&AuditQuery {
            entity_prefix: Some("plan:KH2024-22738".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 2);

    // Unknown units, a second plan for the same unit and year, a task due before it starts:
    // refused whole, each error naming its item and field.
    let mut bad = a_plan("KH2024-X", "99999");
    bad.tasks[0].due = date(2023, 12, 1);
    let again = a_plan("KH2024-22738-B", "22738");
    let fresh = a_plan("KH2024-22741", "22741");
    let err = s.upsert_plans(&[fresh, bad, again], &actor()).await;
    let fields = invalid_fields(err);
    assert!(fields.contains(&(Some(1), "unit".into())), "{fields:?}");
    assert!(
        fields.contains(&(Some(1), "tasks[0].due".into())),
        "{fields:?}"
    );
    assert!(
        fields.contains(&(Some(1), "tasks[0].lead".into())),
        "{fields:?}"
    );
    assert!(fields.contains(&(Some(2), "unit".into())), "{fields:?}");
    assert_eq!(s.plans(None, None).await.unwrap().len(), 1);
}

pub(crate) async fn directives_and_registers(db: &Db) {
    use chiso_core::plan::*;
    seeded(db).await;
    let s = db.store();
    let d = Directive {
        code: c("KL-02"),
        source: "Kết luận hội nghị".into(),
        number: 2,
        text: "Xóa vùng lõm sóng, phủ sóng 5G".into(),
        text_en: Some("Clear the dead zones, cover with 5G".into()),
        assignees: vec![c("58-SO-TTTT"), c("22753")],
        targets: vec![],
        issued_on: date(2023, 12, 20),
        due: date(2024, 4, 30),
        status: DirectiveStatus::InProgress,
        progress: 70,
        completed_on: None,
        reports: vec![ProgressUpdate {
            on: date(2024, 3, 1),
            progress: 70,
            note: "Đã xử lý 4/12 thôn".into(),
            note_en: Some("4 of 12 villages done".into()),
            evidence: None,
            by: "test".into(),
        }],
        note: None,
        note_en: None,
    };
    assert_eq!(
        s.upsert_directives(std::slice::from_ref(&d), &actor())
            .await
            .unwrap()
            .inserted,
        1
    );
    assert_eq!(s.directives().await.unwrap(), vec![d.clone()]);
    assert!(d.overdue(date(2024, 6, 30)));
    let bad = Directive {
        code: c("KL-03"),
        assignees: vec![c("NOPE")],
        ..d.clone()
    };
    let fields = invalid_fields(s.upsert_directives(&[bad], &actor()).await);
    assert_eq!(fields, vec![(Some(0), "assignees".into())]);

    let product = RegisterEntry::Product(Product {
        code: c("SP-1"),
        name: "Sổ tay đảng viên điện tử".into(),
        name_en: Some("Electronic party member's handbook".into()),
        owner: c("22738"),
        sector: "Hành chính".into(),
        sector_en: Some("Administration".into()),
        product_type: ProductType::Software,
        status: ProductStatus::InUse,
        registered_on: date(2024, 3, 1),
        in_use_on: Some(date(2024, 4, 1)),
        link: None,
        evidence: None,
        note: None,
        note_en: None,
    });
    let zone = RegisterEntry::DeadZone(DeadZone {
        code: c("VL-1"),
        owner: c("22753"),
        village: "Thôn Ma Hoa".into(),
        operator: c("58-SO-TTTT"),
        found_on: date(2023, 5, 1),
        planned_on: Some(date(2024, 4, 30)),
        resolved_on: None,
        note: None,
    });
    let w = s
        .upsert_register(&[product.clone(), zone.clone()], &actor())
        .await
        .unwrap();
    assert_eq!(w.inserted, 2);
    assert_eq!(
        s.register(Some(RegisterKind::Product)).await.unwrap(),
        vec![product.clone()]
    );
    assert_eq!(s.register(None).await.unwrap().len(), 2);
    // An in-use product without its date is refused; nothing is written.
    let RegisterEntry::Product(p) = &product else {
        unreachable!()
    };
    let broken = RegisterEntry::Product(Product {
        code: c("SP-2"),
        in_use_on: None,
        ..p.clone()
    });
    let fields = invalid_fields(s.upsert_register(&[broken], &actor()).await);
    assert_eq!(fields, vec![(Some(0), "in_use_on".into())]);
    assert_eq!(s.register(None).await.unwrap().len(), 2);
    // Delete: audited with what it was; deleting again changes nothing.
    let zone_code = c("VL-2");
    let RegisterEntry::DeadZone(z) = &zone else {
        unreachable!()
    };
    let extra = RegisterEntry::DeadZone(DeadZone {
        code: zone_code.clone(),
        ..z.clone()
    });
    s.upsert_register(&[extra], &actor()).await.unwrap();
    assert_eq!(
        s.delete_register(RegisterKind::DeadZone, &zone_code, &actor())
            .await
            .unwrap()
            .deleted,
        1
    );
    assert_eq!(
        s.delete_register(RegisterKind::DeadZone, &zone_code, &actor())
            .await
            .unwrap()
            .unchanged,
        1
    );
    let audit = s
        .audit(&AuditQuery {
            entity_prefix: Some("register:dead_zone/VL-2".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 2);
    assert_eq!(s.register(None).await.unwrap().len(), 2);

    // The derived figures of 2024: one product in the ward, one open dead zone in the commune.
    let units: Vec<Unit> = s
        .units(&UnitQuery::default())
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.unit)
        .collect();
    let plans = vec![a_plan("KH2024-22738", "22738")];
    let values = chiso_core::derived::values(
        2024,
        date(2024, 6, 30),
        &units,
        &plans,
        &[d],
        &s.register(None).await.unwrap(),
    );
    let get = |e: &str, u: &str| {
        values
            .iter()
            .find(|v| v.element.as_str() == e && v.unit.as_str() == u)
            .map(|v| v.value.clone())
    };
    assert_eq!(get("SP_CDS_CO", "22738").as_deref(), Some("1"));
    assert_eq!(get("SP_CDS_CO", "22741").as_deref(), Some("0"));
    assert_eq!(get("VUNG_LOM_CON", "22753").as_deref(), Some("1"));
    assert_eq!(get("CD_QUA_HAN", "22753").as_deref(), Some("1"));
    assert_eq!(get("KH_THUOC_DIEN", "22738").as_deref(), Some("1"));
    assert_eq!(get("KH_DA_DUYET", "22738").as_deref(), Some("0"));
    assert_eq!(get("NS_PHAN_BO", "22738").as_deref(), Some("500000000"));
    assert_eq!(get("CV_QUA_HAN", "22738").as_deref(), Some("0"));
    assert_eq!(get("KH_THUOC_DIEN", "58").as_deref(), Some("0"));
}

pub(crate) async fn concurrent_changes_to_a_plan_are_all_kept(db: &Db) {
    seeded(db).await;
    let s = db.shared();
    s.upsert_plans(&[a_plan("KH2024-22738", "22738")], &actor())
        .await
        .unwrap();
    let mut handles = Vec::new();
    for n in 0..8u8 {
        let s = s.clone();
        handles.push(tokio::spawn(async move {
            let change = move |p: &mut chiso_core::plan::Plan| {
                p.tasks[0].updates.push(chiso_core::plan::ProgressUpdate {
                    on: date(2024, 3, 1),
                    progress: n * 10,
                    note: format!("báo cáo {n}"),
                    note_en: None,
                    evidence: None,
                    by: "test".into(),
                });
                Ok(())
            };
            s.modify_plan(&c("KH2024-22738"), &change, &actor())
                .await
                .unwrap();
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let p = s.plan(&c("KH2024-22738")).await.unwrap().unwrap();
    assert_eq!(p.tasks[0].updates.len(), 8);
    // A change that breaks the plan, or moves it to another unit, is refused.
    let bad = |p: &mut chiso_core::plan::Plan| {
        p.tasks[0].progress = 140;
        Ok(())
    };
    let r = s.modify_plan(&c("KH2024-22738"), &bad, &actor()).await;
    assert!(
        matches!(r, Err(StoreError::Invalid(ref e)) if e[0].field == "tasks[0].progress"),
        "{r:?}"
    );
    let moved = |p: &mut chiso_core::plan::Plan| {
        p.unit = c("22741");
        Ok(())
    };
    assert!(s
        .modify_plan(&c("KH2024-22738"), &moved, &actor())
        .await
        .is_err());
    let missing = |_: &mut chiso_core::plan::Plan| Ok(());
    assert!(s.modify_plan(&c("NOPE"), &missing, &actor()).await.is_err());
    let audit = s
        .audit(&AuditQuery {
            entity_prefix: Some("plan:KH2024-22738".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 9);
}

pub(crate) async fn units_edit_drafts_only(db: &Db) {
    use chiso_core::plan::PlanStatus;
    seeded(db).await;
    let s = db.store();
    // A new plan claiming to be approved is stored as a draft.
    let mut p = a_plan("KH2024-22738", "22738");
    p.status = PlanStatus::Approved;
    p.approved_on = Some(date(2024, 1, 1));
    assert_eq!(
        s.edit_plans(std::slice::from_ref(&p), &actor())
            .await
            .unwrap()
            .inserted,
        1
    );
    let stored = s.plan(&c("KH2024-22738")).await.unwrap().unwrap();
    assert_eq!(
        (stored.status, stored.approved_on),
        (PlanStatus::Draft, None)
    );
    // Submitted: the unit can no longer edit it, and an edit cannot move it to another unit.
    let submit = |p: &mut chiso_core::plan::Plan| {
        p.submit("xa", date(2024, 1, 5))
            .map_err(|r| chiso_store::FieldError::new(None, "status", r))
    };
    s.modify_plan(&c("KH2024-22738"), &submit, &actor())
        .await
        .unwrap();
    let mut edit = stored.clone();
    edit.title = "Sửa sau khi gửi".into();
    let fields = invalid_fields(s.edit_plans(&[edit], &actor()).await);
    assert_eq!(fields, vec![(Some(0), "status".into())]);
    let mut moved = a_plan("KH2024-22738", "22741");
    moved.title = "Chuyển đơn vị".into();
    let fields = invalid_fields(s.edit_plans(&[moved], &actor()).await);
    assert_eq!(fields, vec![(Some(0), "status".into())]);
    let p = s.plan(&c("KH2024-22738")).await.unwrap().unwrap();
    assert_eq!(
        (p.status, p.title.as_str()),
        (PlanStatus::Submitted, stored.title.as_str())
    );
}
