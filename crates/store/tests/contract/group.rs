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

fn plain<'a>(values: &'a [DataValueInput], actor: &'a Actor) -> ValueWrite<'a> {
    ValueWrite {
        values,
        deletes: &[],
        actor,
        dry_run: false,
    }
}

/// (unit, value, stored by) of every stored value, in key order.
async fn stored(s: &dyn Store) -> Vec<(String, String, String)> {
    s.values(&ValueQuery::default())
        .await
        .unwrap()
        .into_iter()
        .map(|v| (v.unit.to_string(), v.value, v.stored_by))
        .collect()
}

/// Writes of values only are written together, in a few statements for the group: each
/// still reads as if written after the one before it — a value sent again unchanged counts
/// as unchanged, the next change of it is an update of what the write before left, a write
/// refused by an approved report's lock keeps nothing (not even its other value) — and the
/// database holds each key's last value by its last writer, with one audit row per change,
/// chained in order.
pub(crate) async fn writes_together_read_as_one_after_another(db: &Db) {
    let s = db.store();
    seeded(db).await;
    s.upsert_data_sets(&[super::collection::commune_form()], &actor())
        .await
        .unwrap();
    let y = Period::parse("2023").unwrap();
    s.write_values(&[val("VB_DEN", "22738", "2023", "1")], &actor())
        .await
        .unwrap();
    super::collection::approved_at_the_district(s, y).await;
    let (a, b) = (actor(), Actor::new("nguoi_khac", Via::Api));
    let w0 = [
        val("VB_DEN", "22741", "2023", "1"),
        val("VB_DEN", "22753", "2023", "7"),
    ];
    let w1 = [val("VB_DEN", "22741", "2023", "1")];
    let w2 = [val("VB_DEN", "22741", "2023", "2")];
    let w3 = [
        val("VB_DEN", "22753", "2023", "8"),
        val("VB_DEN", "22738", "2023", "5"),
    ];
    let w4 = [val("VB_DEN", "22741", "2023", "3")];
    let writes = [
        plain(&w0, &a),
        plain(&w1, &b),
        plain(&w2, &b),
        plain(&w3, &a),
        plain(&w4, &a),
    ];
    let before = s.last_audit_id().await.unwrap();
    let g = s.write_group(&writes).await.unwrap();
    let counts: Vec<Option<(u64, u64, u64)>> = g
        .results
        .iter()
        .map(|r| {
            r.as_ref()
                .ok()
                .map(|c| (c.inserted, c.updated, c.unchanged))
        })
        .collect();
    assert_eq!(
        counts,
        vec![
            Some((2, 0, 0)),
            Some((0, 0, 1)),
            Some((0, 1, 0)),
            None,
            Some((0, 1, 0))
        ]
    );
    match &g.results[3] {
        Err(StoreError::Invalid(e)) => {
            assert_eq!((e.len(), e[0].index), (1, Some(1)));
            assert!(e[0].reason.contains("phê duyệt"), "{}", e[0].reason);
        }
        other => panic!("expected the locked write refused, got {other:?}"),
    }
    assert_eq!(
        stored(s).await,
        vec![
            ("22738".into(), "1".into(), "tester".into()),
            ("22741".into(), "3".into(), "tester".into()),
            ("22753".into(), "7".into(), "tester".into()),
        ]
    );
    let rows = s.audit_since(before, 100).await.unwrap();
    let rows: Vec<(&str, &str, &str, Option<&str>)> = rows
        .iter()
        .map(|r| {
            (
                r.action.as_str(),
                r.actor.as_str(),
                r.entity.as_str(),
                r.old_value.as_deref(),
            )
        })
        .collect();
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert_eq!(
        rows.iter().map(|r| (r.0, r.1)).collect::<Vec<_>>(),
        vec![
            ("data_value.insert", "tester"),
            ("data_value.insert", "tester"),
            ("data_value.update", "nguoi_khac"),
            ("data_value.update", "tester"),
        ]
    );
    assert!(rows[3].2.contains("22741"), "{:?}", rows[3]);
    assert!(
        rows[3].3.is_some_and(|old| old.contains("\"value\":\"2\"")),
        "the last update replaces the value the write before it left: {:?}",
        rows[3]
    );
    let check = s.verify_audit().await.unwrap();
    assert_eq!((check.broken, check.values), (None, None));
    assert_eq!(s.changes_since(before, 100).await.unwrap().len(), 4);
    assert_eq!(g.head_after, s.last_audit_id().await.unwrap());
}

/// A write the database itself refuses (here a trigger, as a constraint added by an
/// administrator would) fails alone: the group is written again one write at a time, that
/// write gets the database's error, and the others of its group commit, audited.
pub(crate) async fn a_write_the_database_refuses_fails_alone(db: &Db) {
    let s = db.store();
    seeded(db).await;
    match db {
        Db::Sqlite(..) => {
            tamper(
                db,
                "CREATE TRIGGER refuse_666 BEFORE INSERT ON data_values WHEN NEW.value = '666' \
                 BEGIN SELECT RAISE(ABORT, 'refused by the administrator'); END",
            )
            .await
        }
        Db::Postgres(..) => {
            tamper(
                db,
                "CREATE FUNCTION refuse_666() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF NEW.value = '666' THEN RAISE EXCEPTION 'refused by the administrator'; END IF; \
                 RETURN NEW; END $$",
            )
            .await;
            tamper(
                db,
                "CREATE TRIGGER refuse_666 BEFORE INSERT ON data_values \
                 FOR EACH ROW EXECUTE FUNCTION refuse_666()",
            )
            .await
        }
    }
    let a = actor();
    let (w0, w1, w2) = (
        [val("VB_DEN", "22741", "2023", "1")],
        [val("VB_DEN", "22753", "2023", "666")],
        [val("VB_DEN", "22738", "2023", "3")],
    );
    let before = s.last_audit_id().await.unwrap();
    let g = s
        .write_group(&[plain(&w0, &a), plain(&w1, &a), plain(&w2, &a)])
        .await
        .unwrap();
    assert_eq!(g.results[0].as_ref().unwrap().inserted, 1);
    match &g.results[1] {
        Err(e @ StoreError::Db(_)) => {
            assert!(
                e.to_string().contains("refused by the administrator"),
                "{e}"
            )
        }
        other => panic!("expected the database's refusal, got {other:?}"),
    }
    assert_eq!(g.results[2].as_ref().unwrap().inserted, 1);
    assert_eq!(
        stored(s).await,
        vec![
            ("22738".into(), "3".into(), "tester".into()),
            ("22741".into(), "1".into(), "tester".into()),
        ]
    );
    assert_eq!(s.audit_since(before, 100).await.unwrap().len(), 2);
    let check = s.verify_audit().await.unwrap();
    assert_eq!((check.broken, check.values), (None, None));
}
