use super::*;
use chiso_store::ValueWrite;

/// Group commit: four writes in one transaction. The refused one keeps its own error and
/// leaves nothing; the dry run is counted and rolled back; the others commit, in order, each
/// chained into the audit log after the one before it.
pub(crate) async fn a_group_commits_each_write_on_its_own(db: &Db) {
    let s = db.store();
    seeded(db).await;
    let first = [val("VB_DEN", "22738", "2023", "10")];
    let refused = [
        val("VB_DEN", "22741", "2023", "20"),
        val("KHONG_CO", "22741", "2023", "1"),
    ];
    let second = [val("VB_DEN", "22738", "2023", "30")];
    let dry = [val("VB_DEN", "22753", "2023", "40")];
    let (a, b) = (actor(), Actor::new("nguoi_khac", Via::Api));
    let writes = [
        ValueWrite {
            values: &first,
            deletes: &[],
            actor: &a,
            dry_run: false,
        },
        ValueWrite {
            values: &refused,
            deletes: &[],
            actor: &b,
            dry_run: false,
        },
        ValueWrite {
            values: &second,
            deletes: &[],
            actor: &b,
            dry_run: false,
        },
        ValueWrite {
            values: &dry,
            deletes: &[],
            actor: &a,
            dry_run: true,
        },
    ];
    let before = s.last_audit_id().await.unwrap();
    let g = s.write_group(&writes).await.unwrap();
    assert_eq!(g.results.len(), 4);
    assert_eq!(g.results[0].as_ref().unwrap().inserted, 1);
    match &g.results[1] {
        Err(StoreError::Invalid(e)) => {
            assert_eq!((e[0].index, e[0].field.as_str()), (Some(1), "element"))
        }
        other => panic!("expected the second write refused, got {other:?}"),
    }
    assert_eq!(g.results[2].as_ref().unwrap().updated, 1);
    assert_eq!(g.results[3].as_ref().unwrap().inserted, 1, "counted");
    assert_eq!(g.head_before, before);
    assert!(g.head_after > g.head_before);
    assert_eq!(s.last_audit_id().await.unwrap(), g.head_after);

    let stored = s.values(&ValueQuery::default()).await.unwrap();
    let got: Vec<(String, String)> = stored
        .iter()
        .map(|v| (v.unit.to_string(), v.value.clone()))
        .collect();
    assert_eq!(got, vec![("22738".to_string(), "30".to_string())]);
    let check = s.verify_audit().await.unwrap();
    assert_eq!(check.broken, None);
    assert_eq!(check.values, None);
    // Two changes, two rows, by their own actors, in commit order.
    let rows = s.audit_since(before, 100).await.unwrap();
    let rows: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.action.as_str(), r.actor.as_str()))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("data_value.insert", "tester"),
            ("data_value.update", "nguoi_khac")
        ]
    );
    // The other servers' follower reads both changes.
    let changes = s.changes_since(before, 100).await.unwrap();
    assert_eq!(changes.len(), 2);

    // A group that changes nothing leaves the log as it was.
    let g = s.write_group(&writes[2..3]).await.unwrap();
    assert_eq!(g.results[0].as_ref().unwrap().unchanged, 1);
    assert_eq!(g.head_before, g.head_after);
}
