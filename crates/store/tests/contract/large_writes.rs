use super::*;

/// `count` monthly VB_DEN values of two communes from January 1975 on, valued by `f`.
fn months(count: usize, f: impl Fn(usize) -> String) -> Vec<DataValueInput> {
    (0..count)
        .map(|i| {
            let unit = if i % 2 == 0 { "22738" } else { "22741" };
            let m = i / 2;
            let period = format!("{}{:02}", 1975 + m / 12, m % 12 + 1);
            DataValueInput {
                source: SourceTag::Import("B1".into()),
                ..val("VB_DEN", unit, &period, &f(i))
            }
        })
        .collect()
}

pub(crate) async fn large_writes_are_audited_as_one_batch(db: &Db) {
    seeded(db).await;
    let s = db.store();
    let history = |entity: &str| AuditQuery {
        entity_prefix: Some(entity.to_string()),
        ..Default::default()
    };
    // 1,200 new values: one audit row, whose body holds every value.
    let rows_before = s.counts().await.unwrap().audit_log;
    let first = months(1200, |i| (100 + i).to_string());
    let ch = s.write_values(&first, &actor()).await.unwrap();
    assert_eq!((ch.inserted, ch.updated, ch.unchanged), (1200, 0, 0));
    assert_eq!(s.counts().await.unwrap().audit_log, rows_before + 1);
    assert_eq!(s.counts().await.unwrap().data_values, 1200);
    let batch = s.last_audit_id().await.unwrap();
    let row = s.audit_since(batch - 1, 10).await.unwrap().remove(0);
    assert_eq!(
        (row.action.as_str(), row.entity.as_str()),
        ("data_value.batch", "data_value:*")
    );
    let summary: serde_json::Value =
        serde_json::from_str(row.new_value.as_deref().unwrap()).unwrap();
    assert_eq!(
        (summary["values"].as_u64(), summary["inserted"].as_u64()),
        (Some(1200), Some(1200))
    );
    let entries = s.audit_batch(batch).await.unwrap();
    assert_eq!(entries.len(), 1200);
    assert_eq!(entries[0].action, "data_value.insert");
    // Stored and read back exactly; reads by unit alone find them.
    let v = s
        .values(&ValueQuery {
            units: vec![c("22741")],
            periods: vec![Period::parse("200503").unwrap()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(v.len(), 1);
    assert_eq!((v[0].value.as_str(), v[0].num), ("825", Some(825.0)));
    assert_eq!(v[0].source, SourceTag::Import("B1".into()));

    // 1,000 changed and 200 the same (another import batch bringing the same value is no change).
    let second: Vec<DataValueInput> = months(1200, |i| {
        if i < 1000 {
            (5000 + i).to_string()
        } else {
            (100 + i).to_string()
        }
    })
    .into_iter()
    .map(|v| DataValueInput {
        source: SourceTag::Import("B2".into()),
        ..v
    })
    .collect();
    let ch = s.write_values(&second, &actor()).await.unwrap();
    assert_eq!((ch.inserted, ch.updated, ch.unchanged), (0, 1000, 200));
    let updated_batch = s.last_audit_id().await.unwrap();
    // A value's history reads through the batches, newest first, as a small write's rows.
    let h = s
        .audit(&history("data_value:VB_DEN/22741/200503/"))
        .await
        .unwrap();
    assert_eq!(
        h.iter()
            .map(|e| (e.id, e.action.as_str()))
            .collect::<Vec<_>>(),
        vec![
            (updated_batch, "data_value.update"),
            (batch, "data_value.insert")
        ]
    );
    let old: serde_json::Value = serde_json::from_str(h[0].old_value.as_deref().unwrap()).unwrap();
    let new: serde_json::Value = serde_json::from_str(h[0].new_value.as_deref().unwrap()).unwrap();
    assert_eq!(
        (old["value"].as_str(), new["value"].as_str()),
        (Some("825"), Some("5725"))
    );
    assert_eq!(
        (new["num"].as_f64(), new["stored_by"].as_str()),
        (Some(5725.0), Some("tester"))
    );
    assert_eq!(new["source"], "import:B2");
    // Filters by action and a limit apply to those entries too.
    let h = s
        .audit(&AuditQuery {
            action_prefix: Some("data_value.insert".into()),
            limit: Some(3),
            ..history("data_value:VB_DEN/")
        })
        .await
        .unwrap();
    assert_eq!(h.len(), 3);
    assert!(h
        .iter()
        .all(|e| e.id == batch && e.action == "data_value.insert"));
    // The newest three: the batch's last values, in key order, taken from its end.
    assert_eq!(
        h.iter().map(|e| e.entity.as_str()).collect::<Vec<_>>(),
        vec![
            "data_value:VB_DEN/22741/202412/",
            "data_value:VB_DEN/22741/202411/",
            "data_value:VB_DEN/22741/202410/"
        ]
    );
    // A small write after them is one row per value, and sorts first.
    s.write_values(&[val("VB_DEN", "22741", "200503", "7")], &actor())
        .await
        .unwrap();
    let h = s
        .audit(&history("data_value:VB_DEN/22741/200503/"))
        .await
        .unwrap();
    assert_eq!(h.len(), 3);
    assert!(h[0].id > updated_batch && h[0].action == "data_value.update");

    // 1,100 deletions (100 of keys never stored): one batch row again.
    let keys: Vec<ValueKey> = months(1300, |_| String::new())
        .into_iter()
        .skip(200)
        .map(|v| ValueKey {
            element: v.element,
            unit: v.unit,
            period: v.period,
            breakdown: None,
        })
        .collect();
    let ch = s.delete_values(&keys, &actor()).await.unwrap();
    assert_eq!((ch.deleted, ch.unchanged), (1000, 100));
    assert_eq!(s.counts().await.unwrap().data_values, 200);
    let h = s
        .audit(&history("data_value:VB_DEN/22738/201006/"))
        .await
        .unwrap();
    assert_eq!(h[0].action, "data_value.delete");
    assert!(h[0].new_value.is_none());

    // The chain covers the bodies: an edited body is found, at its row.
    assert_eq!(s.verify_audit().await.unwrap().broken, None);
    let edit = match db {
        Db::Sqlite(..) => format!(
            "UPDATE audit_batches SET body = CAST(REPLACE(CAST(body AS TEXT), ',5725,', ',5726,') AS BLOB) WHERE audit_id = {updated_batch}"
        ),
        Db::Postgres(..) => format!(
            "UPDATE audit_batches SET body = convert_to(replace(convert_from(body, 'UTF8'), ',5725,', ',5726,'), 'UTF8') WHERE audit_id = {updated_batch}"
        ),
    };
    tamper(db, &edit).await;
    let bad = s.verify_audit().await.unwrap();
    assert_eq!(
        bad.broken.as_ref().map(|b| b.0),
        Some(updated_batch),
        "{bad:?}"
    );
    assert!(bad.broken.unwrap().1.contains("batch"));
}

pub(crate) async fn a_long_write_is_audited_beside_it(db: &Db) {
    seeded(db).await;
    let s = db.store();
    // 12,000 values (7 units × 3 elements × months): written on one thread while the batch's
    // audit is written on another.
    let units = ["22738", "22741", "22753", "582", "584", "58", "58-SO-TTTT"];
    let mut values = Vec::new();
    'all: for m in 0..600usize {
        for u in units {
            for (e, v) in [("VB_DEN", "12"), ("TY_LE", "97.5"), ("GHI_CHU", "ghi chú")] {
                values.push(val(e, u, &format!("{}{:02}", 1975 + m / 12, m % 12 + 1), v));
                if values.len() == 12_000 {
                    break 'all;
                }
            }
        }
    }
    // A comment with the characters a CSV body must quote.
    values[5].comment = Some("số 12, \"khẩn\"\ndòng hai".into());
    let ch = s.write_values(&values, &actor()).await.unwrap();
    assert_eq!((ch.inserted, ch.unchanged), (12_000, 0));
    assert_eq!(s.counts().await.unwrap().data_values, 12_000);
    let id = s.last_audit_id().await.unwrap();
    let entries = s.audit_batch(id).await.unwrap();
    assert_eq!(entries.len(), 12_000);
    let key = format!(
        "data_value:{}/{}/{}/",
        values[5].element, values[5].unit, values[5].period
    );
    let e = entries.iter().find(|e| e.entity == key).unwrap();
    let new: serde_json::Value = serde_json::from_str(e.new_value.as_deref().unwrap()).unwrap();
    assert_eq!(new["comment"], "số 12, \"khẩn\"\ndòng hai");
    let pct = s
        .values(&ValueQuery {
            elements: vec![c("TY_LE")],
            units: vec![c("58-SO-TTTT")],
            periods: vec![Period::parse("197501").unwrap()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!((pct[0].value.as_str(), pct[0].num), ("97.5", Some(97.5)));
    assert_eq!(s.verify_audit().await.unwrap().broken, None);
}
