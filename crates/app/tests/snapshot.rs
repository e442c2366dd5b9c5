//! The engine's snapshot on the demo, on SQLite and PostgreSQL: a start from the snapshot
//! answers exactly what a start from the database answers — with the writes made after the
//! snapshot by this process and by another one — and a snapshot that is damaged, cut short,
//! of another database, of another chain or older than a restored backup is refused, and the
//! database load is used instead.

use chiso_app::live::Live;
use chiso_app::Loaded;
use chiso_core::{Code, DataValueInput, Period, SourceTag, Via};
use chiso_engine::{Engine, Scope, SnapshotHead, View};
use chiso_store::{Actor, PgStore, SqliteStore, Store, ValueKey};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn c(s: &str) -> Code {
    Code::parse(s).unwrap()
}

/// A temporary directory, removed when dropped (also when a test fails).
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("chiso-snap-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The demo in a database: a SQLite file in `dir`, or a PostgreSQL schema of its own.
struct Db {
    store: Arc<dyn Store>,
    /// Opens a second connection to the same database (another process).
    url: Option<(String, String)>,
    sqlite: Option<PathBuf>,
}

impl Db {
    async fn demo(dir: &TempDir, name: &str, pg: bool) -> Db {
        let db = if pg {
            let url = std::env::var("CHISO_TEST_POSTGRES_URL").unwrap_or_else(|_| {
                panic!("set CHISO_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test)")
            });
            let schema = format!("chiso_snap_{name}_{}", std::process::id());
            let s = PgStore::open_in_schema(&url, &schema).await.unwrap();
            Db {
                store: Arc::new(s),
                url: Some((url, schema)),
                sqlite: None,
            }
        } else {
            let path = dir.0.join(format!("{name}.db"));
            Db {
                store: Arc::new(SqliteStore::open_path(&path).await.unwrap()),
                url: None,
                sqlite: Some(path),
            }
        };
        chiso_demo::load(db.store.as_ref()).await.unwrap();
        db
    }

    async fn other(&self) -> Arc<dyn Store> {
        match (&self.url, &self.sqlite) {
            (Some((url, schema)), _) => {
                Arc::new(PgStore::open_in_schema(url, schema).await.unwrap())
            }
            (None, Some(path)) => Arc::new(SqliteStore::open_path(path).await.unwrap()),
            (None, None) => unreachable!(),
        }
    }

    async fn drop_schema(self) {
        if let Some((url, schema)) = &self.url {
            let s = PgStore::open_in_schema(url, schema).await.unwrap();
            s.drop_schema(schema).await.unwrap();
        }
    }
}

/// Every element of the demo at every unit, in the years and the months of two years, in
/// both views, and every indicator's roll-up over every unit: what the engine answers.
async fn figures(store: &dyn Store, e: &Engine) -> Vec<String> {
    let elements = store.elements().await.unwrap();
    let units = store.units(&Default::default()).await.unwrap();
    let indicators: Vec<String> = store
        .indicators()
        .await
        .unwrap()
        .iter()
        .map(|i| i.code.to_string())
        .collect();
    let mut periods: Vec<Period> = (2019..=2025).map(Period::Year).collect();
    periods.extend((1..=12).flat_map(|m| [Period::Month(2023, m), Period::Month(2024, m)]));
    let mut out = Vec::new();
    for view in [View::Live, View::Official] {
        let v = e.view(view);
        for el in &elements {
            for u in &units {
                let scope = Scope::Unit(u.unit.code.clone());
                for p in &periods {
                    let x = v.element(&el.code, None, &scope, p, None);
                    out.push(format!("{view:?} {} {} {p} {x:?}", el.code, u.unit.code));
                }
            }
        }
        let years: Vec<Period> = (2019..=2025).map(Period::Year).collect();
        let r = v.rollup_all(&indicators, &years).unwrap();
        for (i, code) in indicators.iter().enumerate() {
            for (p, per) in years.iter().enumerate() {
                for u in 0..r.units {
                    out.push(format!(
                        "{view:?} {code} {per} {u} {:?}",
                        r.get(i, p, u).to_bits()
                    ));
                }
            }
        }
    }
    out
}

/// The engine of `live` answers exactly what an engine loaded from the database answers.
async fn assert_same_as_database(live: &Live, store: &Arc<dyn Store>) {
    let fresh = Live::load(store.clone()).await.unwrap();
    let want = figures(store.as_ref(), &*fresh.read().await).await;
    let got = figures(store.as_ref(), &*live.read().await).await;
    assert_eq!(want.len(), got.len());
    if let Some((w, g)) = want.iter().zip(&got).find(|(w, g)| w != g) {
        panic!("the engine answers {g}, the database {w}");
    }
    assert!(want.iter().filter(|f| f.contains("Some(")).count() > 1000);
}

fn val(element: &str, unit: &str, period: Period, value: &str) -> DataValueInput {
    DataValueInput {
        element: c(element),
        unit: c(unit),
        period,
        breakdown: None,
        value: value.into(),
        comment: None,
        source: SourceTag::Entered,
    }
}

async fn province_may(live: &Live) -> Option<f64> {
    live.read()
        .await
        .element(
            &c("VB_DEN"),
            None,
            &Scope::Unit(c("22738")),
            &Period::Month(2024, 5),
            None,
        )
        .unwrap()
}

async fn started_from_the_snapshot_answers_as_the_database(pg: bool) {
    let dir = TempDir::new(if pg { "same-pg" } else { "same" });
    let db = Db::demo(&dir, "same", pg).await;
    let path = dir.0.join("engine.snapshot");
    let a = Live::load(db.store.clone()).await.unwrap();
    let head = a.write_snapshot(&path).await.unwrap();
    assert_eq!(head.seq, db.store.last_audit_id().await.unwrap());

    // Writes after the snapshot: one by this process, one and a deletion by another.
    let actor = Actor::new("t", Via::Api);
    a.write_values(
        &[val("VB_DEN", "22738", Period::Month(2024, 5), "77")],
        &actor,
    )
    .await
    .unwrap();
    let b = Live::load(db.other().await).await.unwrap();
    b.write_values(
        &[val("VB_DEN", "22741", Period::Month(2024, 5), "5")],
        &actor,
    )
    .await
    .unwrap();
    let stored = db
        .store
        .values(&Default::default())
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.num.is_some() && v.element.as_str() != "VB_DEN")
        .unwrap();
    let key = ValueKey {
        element: stored.element.clone(),
        unit: stored.unit.clone(),
        period: stored.period,
        breakdown: stored.breakdown.clone(),
    };
    b.delete_values(&[key], &actor).await.unwrap();

    let (c_, loaded) = Live::load_with_snapshot(db.store.clone(), &path)
        .await
        .unwrap();
    assert_eq!(
        loaded,
        Loaded::Snapshot {
            seq: head.seq,
            applied: 3
        }
    );
    assert_eq!(province_may(&c_).await, Some(77.0));
    assert_same_as_database(&c_, &db.store).await;

    // And it follows what is written afterwards, like any server.
    b.write_values(
        &[val("VB_DEN", "22738", Period::Month(2024, 5), "78")],
        &actor,
    )
    .await
    .unwrap();
    assert_eq!(c_.sync().await.unwrap(), 1);
    assert_eq!(province_may(&c_).await, Some(78.0));
    assert_same_as_database(&c_, &db.store).await;

    // A snapshot written now reads back to the same engine, with nothing to apply.
    let again = c_.write_snapshot(&path).await.unwrap();
    let (d, loaded) = Live::load_with_snapshot(db.store.clone(), &path)
        .await
        .unwrap();
    assert_eq!(
        loaded,
        Loaded::Snapshot {
            seq: again.seq,
            applied: 0
        }
    );
    assert_same_as_database(&d, &db.store).await;
    db.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn started_from_the_snapshot_answers_as_the_database_sqlite() {
    started_from_the_snapshot_answers_as_the_database(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn started_from_the_snapshot_answers_as_the_database_postgres() {
    started_from_the_snapshot_answers_as_the_database(true).await;
}

/// Load with the snapshot at `path`; it must be refused for a reason containing `why`, and
/// the engine must be the database's.
async fn assert_refused(store: &Arc<dyn Store>, path: &Path, why: &str) {
    let (live, loaded) = Live::load_with_snapshot(store.clone(), path).await.unwrap();
    match &loaded {
        Loaded::Database { refused: Some(r) } => {
            assert!(r.contains(why), "refused for «{r}», expected «{why}»")
        }
        other => panic!("expected a refusal ({why}), got {other:?}"),
    }
    assert_same_as_database(&live, store).await;
}

async fn a_bad_snapshot_is_refused_and_the_database_used(pg: bool) {
    let dir = TempDir::new(if pg { "bad-pg" } else { "bad" });
    let db = Db::demo(&dir, "bad", pg).await;
    let path = dir.0.join("engine.snapshot");
    let live = Live::load(db.store.clone()).await.unwrap();
    live.write_snapshot(&path).await.unwrap();
    let good = std::fs::read(&path).unwrap();
    // A write after the snapshot: a refused snapshot must not hide it.
    live.write_values(
        &[val("VB_DEN", "22738", Period::Month(2024, 5), "91")],
        &Actor::new("t", Via::Api),
    )
    .await
    .unwrap();

    assert_refused(&db.store, &dir.0.join("missing.snapshot"), "there is none").await;

    let mut damaged = good.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x40;
    std::fs::write(&path, &damaged).unwrap();
    assert_refused(&db.store, &path, "checksum").await;

    std::fs::write(&path, &good[..good.len() - 1000]).unwrap();
    assert_refused(&db.store, &path, "truncated").await;

    let mut other_version = good.clone();
    other_version[8] = 9;
    std::fs::write(&path, &other_version).unwrap();
    assert_refused(&db.store, &path, "format version 9").await;

    // A whole, well-formed snapshot whose audit row has another hash in this database.
    let head = SnapshotHead {
        seq: db.store.last_audit_id().await.unwrap() - 1,
        hash: "0".repeat(64),
    };
    let bytes = live.read().await.write_snapshot(Vec::new(), &head).unwrap();
    std::fs::write(&path, bytes).unwrap();
    assert_refused(&db.store, &path, "another hash").await;

    // The snapshot of another database (the demo loaded again elsewhere: its own chain).
    let other_dir = TempDir::new(if pg { "other-pg" } else { "other" });
    let other = Db::demo(&other_dir, "other", pg).await;
    let other_path = other_dir.0.join("engine.snapshot");
    Live::load(other.store.clone())
        .await
        .unwrap()
        .write_snapshot(&other_path)
        .await
        .unwrap();
    assert_refused(&db.store, &other_path, "another hash").await;
    other.drop_schema().await;

    std::fs::write(&path, &good).unwrap();
    let (back, loaded) = Live::load_with_snapshot(db.store.clone(), &path)
        .await
        .unwrap();
    assert!(
        matches!(loaded, Loaded::Snapshot { applied: 1, .. }),
        "{loaded:?}"
    );
    assert_eq!(province_may(&back).await, Some(91.0));
    db.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_snapshot_is_refused_and_the_database_used_sqlite() {
    a_bad_snapshot_is_refused_and_the_database_used(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_snapshot_is_refused_and_the_database_used_postgres() {
    a_bad_snapshot_is_refused_and_the_database_used(true).await;
}

/// A backup taken, writes and a snapshot after it, then the backup restored: the snapshot
/// reflects rows the restored database does not hold — refused; and once the restored
/// database has written rows up to the snapshot's sequence number again, their hashes differ
/// — refused too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_does_not_survive_the_restore_of_an_older_backup() {
    let dir = TempDir::new("restore");
    let db = Db::demo(&dir, "live", false).await;
    let backup = dir.0.join("backup.db");
    let sqlite = SqliteStore::open_path(db.sqlite.as_ref().unwrap())
        .await
        .unwrap();
    sqlite.backup_to(&backup).await.unwrap();
    let live = Live::load(db.store.clone()).await.unwrap();
    let actor = Actor::new("t", Via::Api);
    for (i, x) in ["1", "2"].into_iter().enumerate() {
        live.write_values(
            &[val("VB_DEN", "22738", Period::Month(2024, i as u8 + 1), x)],
            &actor,
        )
        .await
        .unwrap();
    }
    let path = dir.0.join("engine.snapshot");
    let head = live.write_snapshot(&path).await.unwrap();

    let restored: Arc<dyn Store> = Arc::new(SqliteStore::open_path(&backup).await.unwrap());
    assert!(restored.last_audit_id().await.unwrap() < head.seq);
    assert_refused(&restored, &path, "does not hold").await;

    let again = Live::load(restored.clone()).await.unwrap();
    let mut n = 100;
    while restored.last_audit_id().await.unwrap() < head.seq {
        n += 1;
        again
            .write_values(
                &[val(
                    "VB_DEN",
                    "22738",
                    Period::Month(2024, 1),
                    &n.to_string(),
                )],
                &actor,
            )
            .await
            .unwrap();
    }
    assert_refused(&restored, &path, "another hash").await;
}
