//! The storage contract: every test here runs once on SQLite and once on PostgreSQL
//! (`sqlite::NAME` and `postgres::NAME` in the test output).
//!
//! PostgreSQL tests need `CHISO_TEST_POSTGRES_URL` (e.g. `postgres://postgres@127.0.0.1:5432/test`);
//! each test works in a fresh schema of its own. Without the variable they fail, naming it.

use chiso_core::{
    AggregationType, Breakdown, BreakdownOption, Code, DataElement, DataValueInput, Period,
    SourceTag, SuccessorLink, Unit, UnitGroup, UnitKind, ValueType, Via,
};
use chiso_store::{
    Actor, AuditQuery, PgStore, SqliteStore, Store, StoreError, UnitQuery, ValueKey, ValueQuery,
};
use chrono::NaiveDate;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

static NEXT: AtomicU32 = AtomicU32::new(0);

fn unique() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst),
        nanos
    )
}

pub enum Db {
    Sqlite(Arc<SqliteStore>, std::path::PathBuf),
    Postgres(Arc<PgStore>, String),
}

impl Db {
    async fn sqlite() -> Db {
        let dir = std::env::temp_dir().join(format!("chiso-contract-{}", unique()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = SqliteStore::open_path(&dir.join("test.db")).await.unwrap();
        Db::Sqlite(Arc::new(store), dir)
    }

    async fn postgres() -> Db {
        let url = std::env::var("CHISO_TEST_POSTGRES_URL").unwrap_or_else(|_| {
            panic!("set CHISO_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run the PostgreSQL contract tests")
        });
        let schema = format!("chiso_test_{}", unique());
        let store = PgStore::open_in_schema(&url, &schema).await.unwrap();
        Db::Postgres(Arc::new(store), schema)
    }

    fn store(&self) -> &dyn Store {
        match self {
            Db::Sqlite(s, _) => s.as_ref(),
            Db::Postgres(s, _) => s.as_ref(),
        }
    }

    fn shared(&self) -> Arc<dyn Store> {
        match self {
            Db::Sqlite(s, _) => s.clone(),
            Db::Postgres(s, _) => s.clone(),
        }
    }

    async fn finish(self) {
        match self {
            Db::Sqlite(_, dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Db::Postgres(s, schema) => {
                s.drop_schema(&schema).await.unwrap();
            }
        }
    }
}

fn c(s: &str) -> Code {
    Code::parse(s).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn unit(code: &str, name: &str, kind: UnitKind, parent: Option<&str>) -> Unit {
    Unit {
        code: c(code),
        gso_code: Some(code.to_string()),
        name_vi: name.to_string(),
        name_en: None,
        kind,
        parent: parent.map(c),
        valid_from: None,
        valid_to: Some(date(2025, 6, 30)),
        lat: None,
        lon: None,
    }
}

fn hierarchy() -> Vec<Unit> {
    // Deliberately children first: the store orders the batch itself.
    vec![
        unit("22738", "Phường Đô Vinh", UnitKind::Commune, Some("582")),
        unit("22741", "Phường Phước Mỹ", UnitKind::Commune, Some("582")),
        unit("22753", "Xã Phước Đại", UnitKind::Commune, Some("584")),
        unit(
            "582",
            "Thành phố Phan Rang - Tháp Chàm",
            UnitKind::District,
            Some("58"),
        ),
        unit("584", "Huyện Bác Ái", UnitKind::District, Some("58")),
        unit("58", "Tỉnh Ninh Thuận", UnitKind::Province, None),
        Unit {
            valid_to: None,
            valid_from: None,
            gso_code: None,
            ..unit(
                "58-SO-TTTT",
                "Sở Thông tin và Truyền thông",
                UnitKind::Agency,
                Some("58"),
            )
        },
    ]
}

fn elements() -> Vec<DataElement> {
    let e = |code: &str, vt, agg| DataElement {
        code: c(code),
        name_vi: format!("Phần tử {code}"),
        name_en: Some(format!("Element {code}")),
        value_type: vt,
        aggregation: agg,
        unit_of_measure: Some("văn bản".into()),
        breakdown: None,
        description: None,
    };
    vec![
        e("VB_DEN", ValueType::Integer, AggregationType::Sum),
        e("VB_XL_MANG", ValueType::Integer, AggregationType::Sum),
        e("TY_LE", ValueType::Percentage, AggregationType::Average),
        e("GHI_CHU", ValueType::Text, AggregationType::Count),
        DataElement {
            breakdown: Some(c("GIOI_TINH")),
            ..e("CB_KY_SO", ValueType::Integer, AggregationType::Sum)
        },
    ]
}

fn sex() -> Breakdown {
    Breakdown {
        code: c("GIOI_TINH"),
        name_vi: "Giới tính".into(),
        name_en: Some("Sex".into()),
        options: vec![
            BreakdownOption {
                code: c("NAM"),
                name_vi: "Nam".into(),
                name_en: Some("Male".into()),
            },
            BreakdownOption {
                code: c("NU"),
                name_vi: "Nữ".into(),
                name_en: Some("Female".into()),
            },
        ],
    }
}

fn val(element: &str, unit: &str, period: &str, value: &str) -> DataValueInput {
    DataValueInput {
        element: c(element),
        unit: c(unit),
        period: Period::parse(period).unwrap(),
        breakdown: None,
        value: value.to_string(),
        comment: None,
        source: SourceTag::Illustrative,
    }
}

fn actor() -> Actor {
    Actor::new("tester", Via::Cli)
}

async fn seeded(db: &Db) {
    let s = db.store();
    s.upsert_units(&hierarchy(), &actor()).await.unwrap();
    s.upsert_breakdowns(&[sex()], &actor()).await.unwrap();
    s.upsert_elements(&elements(), &actor()).await.unwrap();
}

fn invalid_fields(r: Result<chiso_store::Changes, StoreError>) -> Vec<(Option<usize>, String)> {
    match r {
        Err(StoreError::Invalid(errs)) => errs.into_iter().map(|e| (e.index, e.field)).collect(),
        other => panic!("expected the input to be refused, got {other:?}"),
    }
}

// ---- the contract ----------------------------------------------------------------------------

async fn migrations_run_once_and_reopen(db: &Db) {
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

async fn units_get_levels_and_filters(db: &Db) {
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

async fn units_upsert_twice_changes_nothing_and_updates_are_audited(db: &Db) {
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

async fn bad_units_are_refused_and_nothing_is_written(db: &Db) {
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

async fn groups_and_successors(db: &Db) {
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

async fn elements_and_breakdowns(db: &Db) {
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

    // Once values exist, the value type is fixed.
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

async fn values_are_written_read_and_audited(db: &Db) {
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

async fn bad_values_are_refused_with_their_field_and_nothing_is_written(db: &Db) {
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

async fn concurrent_writers_do_not_deadlock(db: &Db) {
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

async fn indicators_are_checked_and_stored(db: &Db) {
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

async fn frameworks_and_targets(db: &Db) {
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
    };
    let deadline = chiso_core::Target {
        indicator: None,
        comparator: None,
        value: None,
        due: Some(date(2023, 6, 30)),
        completed_on: Some(date(2023, 5, 9)),
        note: Some("hạn minh họa".into()),
        ..target("T2")
    };
    let fw = chiso_core::Framework {
        code: c("KH_2023"),
        name_vi: "Kế hoạch 2023".into(),
        name_en: Some("2023 plan".into()),
        description: None,
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

/// Change the database behind the store's back, as an intruder with file or SQL access would.
async fn tamper(db: &Db, sql: &str) {
    match db {
        Db::Sqlite(_, dir) => {
            let pool =
                sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join("test.db").display()))
                    .await
                    .unwrap();
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
        Db::Postgres(_, schema) => {
            let url = std::env::var("CHISO_TEST_POSTGRES_URL").unwrap();
            let opts: sqlx::postgres::PgConnectOptions = url.parse().unwrap();
            let pool = sqlx::PgPool::connect_with(opts.options([("search_path", schema.as_str())]))
                .await
                .unwrap();
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

async fn the_audit_log_is_a_hash_chain(db: &Db) {
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
    assert_eq!(ok, chiso_store::AuditCheck { rows, broken: None });

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

async fn accounts_and_roles(db: &Db) {
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

async fn sessions_and_tokens(db: &Db) {
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

async fn constants_for_expressions(db: &Db) {
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

async fn meta_values(db: &Db) {
    let s = db.store();
    assert_eq!(s.meta("demo").await.unwrap(), None);
    s.set_meta("demo", "ninh-thuan-2023").await.unwrap();
    s.set_meta("demo", "ninh-thuan-2023 v2").await.unwrap();
    assert_eq!(
        s.meta("demo").await.unwrap().as_deref(),
        Some("ninh-thuan-2023 v2")
    );
}

// ---- plans, directives and registers -----------------------------------------------------------

fn plan_task(code: &str, lead: &str) -> chiso_core::plan::Task {
    use chiso_core::plan::*;
    Task {
        code: c(code),
        parent: None,
        title: format!("Nhiệm vụ {code}"),
        description: String::new(),
        deliverable: "Báo cáo".into(),
        person: Person {
            name: "Nguyễn Văn A".into(),
            position: Some("Phó Giám đốc".into()),
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
        status: chiso_core::plan::PlanStatus::Draft,
        submitted_by: None,
        submitted_on: None,
        decided_by: None,
        approved_on: None,
        comments: vec![],
        tasks: vec![plan_task("1", unit)],
        note: None,
    }
}

async fn plans_are_checked_stored_and_audited(db: &Db) {
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

async fn directives_and_registers(db: &Db) {
    use chiso_core::plan::*;
    seeded(db).await;
    let s = db.store();
    let d = Directive {
        code: c("KL-02"),
        source: "Kết luận hội nghị".into(),
        number: 2,
        text: "Xóa vùng lõm sóng, phủ sóng 5G".into(),
        assignees: vec![c("58-SO-TTTT"), c("22753")],
        issued_on: date(2023, 12, 20),
        due: date(2024, 4, 30),
        status: DirectiveStatus::InProgress,
        progress: 70,
        completed_on: None,
        reports: vec![],
        note: None,
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
        owner: c("22738"),
        sector: "Hành chính".into(),
        product_type: ProductType::Software,
        status: ProductStatus::InUse,
        registered_on: date(2024, 3, 1),
        in_use_on: Some(date(2024, 4, 1)),
        link: None,
        evidence: None,
        note: None,
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

async fn concurrent_changes_to_a_plan_are_all_kept(db: &Db) {
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

async fn units_edit_drafts_only(db: &Db) {
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

async fn large_writes_are_audited_as_one_batch(db: &Db) {
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

async fn a_long_write_is_audited_beside_it(db: &Db) {
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

macro_rules! contract {
    ($backend:ident: $($name:ident),* $(,)?) => {
        mod $backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = super::Db::$backend().await;
                    super::$name(&db).await;
                    db.finish().await;
                }
            )*
        }
    };
}

macro_rules! contract_suite {
    ($($name:ident),* $(,)?) => {
        contract!(sqlite: $($name),*);
        contract!(postgres: $($name),*);
    };
}

fn commune_form() -> chiso_core::DataSet {
    chiso_core::DataSet {
        code: c("BM_XA"),
        name_vi: "Biểu mẫu cấp xã".into(),
        name_en: Some("Commune form".into()),
        period_type: chiso_core::PeriodType::Year,
        convention: chiso_core::Convention::Calendar,
        elements: vec![c("VB_DEN"), c("VB_XL_MANG")],
        reporters: vec![chiso_core::Reporters::Kind(UnitKind::Commune)],
        scope: Some(c("58")),
        open_days: -365,
        due_days: 15,
        lock_days: Some(90),
        approval: true,
    }
}

async fn data_sets_rules_and_reports(db: &Db) {
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

async fn a_dry_run_writes_nothing_and_deletes_go_with_writes(db: &Db) {
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
    // A bad value anywhere: the deletion is not done either; errors number deletions first.
    let bad = [val("VB_DEN", "22738", "2023", "nhiều")];
    match s
        .apply_values(&bad, std::slice::from_ref(&gone), &actor(), false)
        .await
    {
        Err(StoreError::Invalid(e)) => assert_eq!(e[0].index, Some(1)),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(s.counts().await.unwrap(), before);
    let ch = s
        .apply_values(&batch, &[gone], &actor(), false)
        .await
        .unwrap();
    assert_eq!((ch.inserted, ch.updated, ch.deleted), (2, 1, 1));
    assert_eq!(s.values(&Default::default()).await.unwrap().len(), 3);
    // The same value brought again by another import batch is no change; relabelled as
    // published, it is.
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
            .updated,
        1
    );
}

async fn evidence_files(db: &Db) {
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
async fn approved_at_the_district(s: &dyn Store, period: Period) {
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

async fn a_lock_covers_every_period_inside_the_approved_one(db: &Db) {
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

async fn approval_locks_evidence_and_is_never_by_the_submitter(db: &Db) {
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

contract_suite!(
    migrations_run_once_and_reopen,
    units_get_levels_and_filters,
    units_upsert_twice_changes_nothing_and_updates_are_audited,
    bad_units_are_refused_and_nothing_is_written,
    groups_and_successors,
    elements_and_breakdowns,
    values_are_written_read_and_audited,
    bad_values_are_refused_with_their_field_and_nothing_is_written,
    concurrent_writers_do_not_deadlock,
    indicators_are_checked_and_stored,
    frameworks_and_targets,
    the_audit_log_is_a_hash_chain,
    accounts_and_roles,
    sessions_and_tokens,
    constants_for_expressions,
    meta_values,
    data_sets_rules_and_reports,
    a_dry_run_writes_nothing_and_deletes_go_with_writes,
    evidence_files,
    plans_are_checked_stored_and_audited,
    directives_and_registers,
    concurrent_changes_to_a_plan_are_all_kept,
    units_edit_drafts_only,
    large_writes_are_audited_as_one_batch,
    a_long_write_is_audited_beside_it,
    a_lock_covers_every_period_inside_the_approved_one,
    approval_locks_evidence_and_is_never_by_the_submitter,
);
