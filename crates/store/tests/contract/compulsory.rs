//! A data set's compulsory fields: stored, read back in the form's order, checked on write.

use super::*;

fn form(compulsory: &[&str]) -> chiso_core::DataSet {
    chiso_core::DataSet {
        code: c("BM_XA"),
        name_vi: "Biểu mẫu cấp xã".into(),
        name_en: Some("Commune form".into()),
        period_type: chiso_core::PeriodType::Year,
        convention: chiso_core::Convention::Calendar,
        elements: vec![c("VB_DEN"), c("VB_XL_MANG"), c("CB_KY_SO")],
        compulsory: compulsory.iter().map(|e| c(e)).collect(),
        reporters: vec![chiso_core::Reporters::Kind(UnitKind::Commune)],
        scope: Some(c("58")),
        open_days: -365,
        due_days: 15,
        lock_days: Some(90),
        approval: true,
    }
}

pub(crate) async fn compulsory_fields_are_stored_checked_and_read_back(db: &Db) {
    let s = db.store();
    seeded(db).await;
    let stored = || async { s.data_sets().await.unwrap() };
    // A form with none: every field optional.
    let ch = s.upsert_data_sets(&[form(&[])], &actor()).await.unwrap();
    assert_eq!(ch.inserted, 1);
    assert_eq!(stored().await, vec![form(&[])]);

    // Compulsory fields, given in any order, are kept and read back in the form's order.
    let ch = s
        .upsert_data_sets(&[form(&["CB_KY_SO", "VB_DEN"])], &actor())
        .await
        .unwrap();
    assert_eq!(ch.updated, 1);
    assert_eq!(stored().await, vec![form(&["VB_DEN", "CB_KY_SO"])]);
    // The change is audited with the list before and after.
    let last = s.last_audit_id().await.unwrap();
    let row = s.audit_since(last - 1, 1).await.unwrap().remove(0);
    assert_eq!(row.action, "data_set.update");
    let new: serde_json::Value = serde_json::from_str(row.new_value.as_deref().unwrap()).unwrap();
    let old: serde_json::Value = serde_json::from_str(row.old_value.as_deref().unwrap()).unwrap();
    assert_eq!(
        (old["compulsory"].clone(), new["compulsory"].clone()),
        (
            serde_json::json!([]),
            serde_json::json!(["VB_DEN", "CB_KY_SO"])
        )
    );

    // The same list again, in either order, is no change and writes no audit row.
    let audit = s.counts().await.unwrap().audit_log;
    for again in [form(&["VB_DEN", "CB_KY_SO"]), form(&["CB_KY_SO", "VB_DEN"])] {
        let ch = s.upsert_data_sets(&[again], &actor()).await.unwrap();
        assert_eq!((ch.unchanged, ch.updated), (1, 0));
    }
    assert_eq!(s.counts().await.unwrap().audit_log, audit);

    // Reordering the form's elements reorders the compulsory ones with them.
    let mut reordered = form(&["VB_DEN", "CB_KY_SO"]);
    reordered.elements.reverse();
    s.upsert_data_sets(&[reordered], &actor()).await.unwrap();
    assert_eq!(
        stored().await[0].compulsory,
        vec![c("CB_KY_SO"), c("VB_DEN")]
    );
    s.upsert_data_sets(&[form(&["VB_DEN", "CB_KY_SO"])], &actor())
        .await
        .unwrap();

    // An element that is not on the form, or one listed twice, is refused with the element
    // named, in the item's place; nothing of the batch is written.
    let before = s.counts().await.unwrap();
    let mut other = form(&[]);
    other.code = c("BM_KHAC");
    let bad = form(&["VB_DEN", "TY_LE", "VB_DEN"]);
    match s.upsert_data_sets(&[other, bad], &actor()).await {
        Err(StoreError::Invalid(errs)) => {
            let got: Vec<(Option<usize>, &str)> =
                errs.iter().map(|e| (e.index, e.field.as_str())).collect();
            assert_eq!(
                got,
                vec![(Some(1), "compulsory"), (Some(1), "compulsory")],
                "{errs:?}"
            );
            assert!(
                errs[0].reason.contains("TY_LE") && errs[0].reason.contains("BM_XA"),
                "{errs:?}"
            );
            assert!(
                errs[1].reason.contains("VB_DEN") && errs[1].reason.contains("hai lần"),
                "{errs:?}"
            );
        }
        other => panic!("expected the data sets to be refused, got {other:?}"),
    }
    assert_eq!(s.counts().await.unwrap(), before);
    assert_eq!(stored().await, vec![form(&["VB_DEN", "CB_KY_SO"])]);

    // Back to none compulsory.
    let ch = s.upsert_data_sets(&[form(&[])], &actor()).await.unwrap();
    assert_eq!(ch.updated, 1);
    assert!(stored().await[0].compulsory.is_empty());
}
