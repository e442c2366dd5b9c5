//! Group commit through the application layer: writes waiting together go in one
//! transaction, each keeping its own all-or-nothing result; the engine holds every
//! acknowledged write; the audit chain verifies; a follower on the same database stays in
//! step while this process writes.

use chiso_app::live::Live;
use chiso_core::{
    AggregationType, Code, DataElement, DataValueInput, Period, SourceTag, Unit, UnitKind,
    ValueType, Via,
};
use chiso_engine::Scope;
use chiso_store::{Actor, PgStore, SqliteStore, Store, StoreError, ValueQuery};
use std::collections::HashMap;
use std::sync::Arc;

fn c(s: &str) -> Code {
    Code::parse(s).unwrap()
}

const COMMUNES: usize = 50;

fn unit(code: &str, kind: UnitKind, parent: Option<&str>) -> Unit {
    Unit {
        code: c(code),
        gso_code: None,
        name_vi: format!("Đơn vị {code}"),
        name_en: None,
        kind,
        parent: parent.map(c),
        valid_from: None,
        valid_to: None,
        lat: None,
        lon: None,
    }
}

fn commune(i: usize) -> String {
    format!("X{:03}", i % COMMUNES)
}

async fn seeded(store: &dyn Store) {
    let mut units = vec![
        unit("58", UnitKind::Province, None),
        unit("582", UnitKind::District, Some("58")),
    ];
    units.extend((0..COMMUNES).map(|i| unit(&commune(i), UnitKind::Commune, Some("582"))));
    let a = Actor::new("seed", Via::Cli);
    store.upsert_units(&units, &a).await.unwrap();
    let element = DataElement {
        code: c("VB_DEN"),
        name_vi: "Văn bản đến".into(),
        name_en: None,
        value_type: ValueType::Integer,
        aggregation: AggregationType::Sum,
        unit_of_measure: None,
        breakdown: None,
        description: None,
    };
    store.upsert_elements(&[element], &a).await.unwrap();
}

fn val(element: &str, unit: &str, period: Period, value: i64) -> DataValueInput {
    DataValueInput {
        element: c(element),
        unit: c(unit),
        period,
        breakdown: None,
        value: value.to_string(),
        comment: None,
        source: SourceTag::Entered,
    }
}

fn month(i: usize) -> Period {
    Period::Month(2023, (i / COMMUNES % 12 + 1) as u8)
}

async fn engine_value(live: &Live, unit: &str, period: Period) -> Option<f64> {
    live.read()
        .await
        .element(&c("VB_DEN"), None, &Scope::Unit(c(unit)), &period, None)
        .unwrap()
}

/// A directory removed when dropped.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir(name: &str) -> TempDir {
    let d = std::env::temp_dir().join(format!("chiso-group-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    TempDir(d)
}

/// 200 writers at once: every tenth also sends a value of an unknown element (its whole
/// write is refused, with its own error), every 25th is a dry run; the rest commit, in fewer
/// transactions than writes, and are in the store, the engine and a verifying audit chain.
async fn writes_waiting_together(store: Arc<dyn Store>) {
    seeded(store.as_ref()).await;
    let live = Arc::new(Live::load(store.clone()).await.unwrap());
    let mut tasks = Vec::new();
    for i in 0..200usize {
        let live = live.clone();
        tasks.push(tokio::spawn(async move {
            let a = Actor::new(format!("writer{i}"), Via::Api);
            let mut values = vec![val("VB_DEN", &commune(i), month(i), i as i64)];
            if i % 10 == 9 {
                values.push(val("KHONG_CO", &commune(i), month(i), 1));
            }
            let r = if i % 25 == 3 {
                live.apply_values(&values, &[], &a, true).await
            } else {
                live.write_values(&values, &a).await
            };
            (i, r)
        }));
    }
    let mut committed: HashMap<(String, Period), i64> = HashMap::new();
    for t in tasks {
        let (i, r) = t.await.unwrap();
        match r {
            Ok(changes) => {
                assert!(i % 10 != 9, "write {i} should have been refused");
                assert_eq!(changes.inserted, 1, "write {i}");
                if i % 25 != 3 {
                    committed.insert((commune(i), month(i)), i as i64);
                }
            }
            Err(StoreError::Invalid(e)) => {
                assert_eq!(i % 10, 9, "write {i} refused: {e:?}");
                assert_eq!((e[0].index, e[0].field.as_str()), (Some(1), "element"));
            }
            Err(e) => panic!("write {i}: {e}"),
        }
    }
    assert_eq!(committed.len(), 200 - 20 - 8);
    let stored = store.values(&ValueQuery::default()).await.unwrap();
    let stored: HashMap<(String, Period), i64> = stored
        .iter()
        .map(|v| ((v.unit.to_string(), v.period), v.value.parse().unwrap()))
        .collect();
    assert_eq!(
        stored, committed,
        "every acknowledged write, and nothing else"
    );
    for ((unit, period), v) in &committed {
        assert_eq!(engine_value(&live, unit, *period).await, Some(*v as f64));
    }
    for m in 1..=4u8 {
        let p = Period::Month(2023, m);
        let sum: i64 = committed
            .iter()
            .filter(|((_, q), _)| *q == p)
            .map(|(_, v)| v)
            .sum();
        assert_eq!(engine_value(&live, "58", p).await, Some(sum as f64));
    }
    let check = store.verify_audit().await.unwrap();
    assert_eq!((check.broken, check.values), (None, None));
    let (writes, groups) = live.group_commits();
    assert_eq!(writes, 200);
    assert!(groups < writes, "{groups} transactions for {writes} writes");
    // Nothing for the follower to catch up with: the groups moved it along.
    assert_eq!(live.sync().await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_waiting_together_commit_together_each_with_its_own_result_sqlite() {
    let dir = tempdir("together");
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open_path(&dir.0.join("g.db")).await.unwrap());
    writes_waiting_together(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_waiting_together_commit_together_each_with_its_own_result_postgres() {
    let url = std::env::var("CHISO_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!("set CHISO_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test)")
    });
    let schema = format!("chiso_group_{}", std::process::id());
    let store = Arc::new(PgStore::open_in_schema(&url, &schema).await.unwrap());
    writes_waiting_together(store.clone()).await;
    store.drop_schema(&schema).await.unwrap();
}

/// Two servers on one database write the same keys at once while each follows the other;
/// afterwards both engines hold exactly what the store holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follower_stays_in_step_while_its_own_writes_are_in_flight() {
    let dir = tempdir("follow");
    let path = dir.0.join("f.db");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open_path(&path).await.unwrap());
    seeded(store.as_ref()).await;
    let a = Arc::new(Live::load(store.clone()).await.unwrap());
    let other: Arc<dyn Store> = Arc::new(SqliteStore::open_path(&path).await.unwrap());
    let b = Arc::new(Live::load(other).await.unwrap());
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut followers = Vec::new();
    for live in [a.clone(), b.clone()] {
        let done = done.clone();
        followers.push(tokio::spawn(async move {
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                live.sync().await.unwrap();
                tokio::task::yield_now().await;
            }
        }));
    }
    let mut writers = Vec::new();
    for i in 0..300usize {
        let live = if i % 2 == 0 { a.clone() } else { b.clone() };
        writers.push(tokio::spawn(async move {
            let v = val("VB_DEN", &commune(i % 5), Period::Month(2024, 1), i as i64);
            live.write_values(&[v], &Actor::new("w", Via::Api))
                .await
                .unwrap();
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    for f in followers {
        f.await.unwrap();
    }
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    let stored = store.values(&ValueQuery::default()).await.unwrap();
    assert_eq!(stored.len(), 5);
    for v in stored {
        let want = Some(v.value.parse::<f64>().unwrap());
        for (name, live) in [("a", &a), ("b", &b)] {
            assert_eq!(
                engine_value(live, v.unit.as_str(), v.period).await,
                want,
                "server {name}, unit {}",
                v.unit
            );
        }
    }
    assert_eq!(store.verify_audit().await.unwrap().broken, None);
}

/// The accounts' version, which the web layer's memory of verified API tokens checks: moved
/// by every change of accounts or tokens made through the application, and by one made by
/// another process once the follower has read it — but not by value writes, however many.
async fn account_changes_move_the_accounts_version(store: Arc<dyn Store>) {
    use chiso_core::account::{Assignment, Role};
    seeded(store.as_ref()).await;
    let app = chiso_app::App::open(store.clone()).await.unwrap();
    let a = Actor::new("admin", Via::Cli);
    let user = chiso_store::UserRecord {
        username: "can.bo".into(),
        display_name: "Cán bộ".into(),
        password_hash: "x".into(),
        must_change_password: false,
        disabled: false,
        created_at: chrono::Utc::now(),
        assignments: Vec::new(),
    };
    let token = |id: &str| chiso_store::TokenRecord {
        id: id.into(),
        username: "can.bo".into(),
        name: id.into(),
        token_hash: chiso_store::secret_hash(id),
        created_at: chrono::Utc::now(),
        last_used_at: None,
        revoked_at: None,
    };
    let mut version = app.accounts_version();
    let mut moved = |now: u64, what: &str| {
        assert!(now > version, "{what}: the version stayed at {version}");
        version = now;
    };
    app.create_user(&user, &a).await.unwrap();
    moved(app.accounts_version(), "a user created");
    app.create_token(&token("t1"), &a).await.unwrap();
    app.create_token(&token("t2"), &a).await.unwrap();
    app.revoke_token("t1", &a).await.unwrap();
    moved(app.accounts_version(), "a token revoked");
    let role = vec![Assignment {
        role: Role::DataEntry,
        unit: Some(c("X001")),
    }];
    app.set_assignments("can.bo", &role, &a).await.unwrap();
    moved(app.accounts_version(), "roles changed");
    app.set_disabled("can.bo", true, &a).await.unwrap();
    moved(app.accounts_version(), "an account disabled");
    app.set_password("can.bo", "y", true, &a).await.unwrap();
    moved(app.accounts_version(), "a password set");
    // Value writes leave it alone, and so does the follower reading nothing new.
    app.sync().await.unwrap();
    let before = app.accounts_version();
    for i in 0..20 {
        app.write_values(&[val("VB_DEN", &commune(i), month(i), 1)], &a)
            .await
            .unwrap();
    }
    app.sync().await.unwrap();
    assert_eq!(app.accounts_version(), before, "value writes");
    // Another process revokes a token: seen once the follower reads it.
    store.revoke_token("t2", &a).await.unwrap();
    assert_eq!(app.accounts_version(), before, "not read yet");
    app.sync().await.unwrap();
    assert!(
        app.accounts_version() > before,
        "another process's revocation, read by the follower"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_changes_move_the_accounts_version_sqlite() {
    let dir = tempdir("accounts");
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open_path(&dir.0.join("a.db")).await.unwrap());
    account_changes_move_the_accounts_version(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_changes_move_the_accounts_version_postgres() {
    let url = std::env::var("CHISO_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!("set CHISO_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test)")
    });
    let schema = format!("chiso_accounts_{}", std::process::id());
    let store = Arc::new(PgStore::open_in_schema(&url, &schema).await.unwrap());
    account_changes_move_the_accounts_version(store.clone()).await;
    store.drop_schema(&schema).await.unwrap();
}
