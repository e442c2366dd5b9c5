//! Upgrading in place: a database written by release 0.1 (the fixtures of `tests/fixtures/`,
//! made by `examples/write_release_fixtures.rs` before migrations had checksums) opened by
//! this code; and the databases the migration checks refuse.

use super::*;
use sha2::{Digest, Sha256};
use sqlx::{Connection as _, Row as _};

/// The SQLite database of release 0.1.
const SQLITE_RELEASE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/release-0.1.db");
/// The same content in PostgreSQL: a dump loadable into any schema.
const POSTGRES_RELEASE: &str = include_str!("../fixtures/release-0.1.postgres.sql");

fn pg_url() -> String {
    std::env::var("CHISO_TEST_POSTGRES_URL").expect("CHISO_TEST_POSTGRES_URL")
}

/// A database the test opens itself: a SQLite file or a PostgreSQL schema.
enum Place {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

/// One row of `schema_migrations`: version, name, checksum.
type Recorded = (i64, String, Option<String>);

impl Place {
    /// The database of the test's own store.
    fn of(db: &Db) -> Place {
        match db {
            Db::Sqlite(_, dir) => Place::Sqlite(dir.join("test.db")),
            Db::Postgres(_, schema) => Place::Postgres(schema.clone()),
        }
    }

    /// Open with the store, migrations and all.
    async fn open(&self) -> Result<Box<dyn Store>, StoreError> {
        Ok(match self {
            Place::Sqlite(path) => Box::new(SqliteStore::open_path(path).await?),
            Place::Postgres(schema) => Box::new(PgStore::open_in_schema(&pg_url(), schema).await?),
        })
    }

    /// Run `f` on a connection of its own, behind the store's back.
    async fn raw<T>(
        &self,
        sql: &str,
        read: impl Fn(&[sqlx::sqlite::SqliteRow], &[sqlx::postgres::PgRow]) -> T,
    ) -> Result<T, sqlx::Error> {
        match self {
            Place::Sqlite(path) => {
                let pool =
                    sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await?;
                let rows = sqlx::query(sql).fetch_all(&pool).await;
                pool.close().await;
                Ok(read(&rows?, &[]))
            }
            Place::Postgres(schema) => {
                let opts: sqlx::postgres::PgConnectOptions = pg_url().parse()?;
                let pool =
                    sqlx::PgPool::connect_with(opts.options([("search_path", schema.as_str())]))
                        .await?;
                let rows = sqlx::query(sql).fetch_all(&pool).await;
                pool.close().await;
                Ok(read(&[], &rows?))
            }
        }
    }

    async fn exec(&self, sql: &str) {
        self.raw(sql, |_, _| ()).await.unwrap();
    }

    /// What `schema_migrations` records, in version order.
    async fn recorded(&self) -> Result<Vec<Recorded>, sqlx::Error> {
        self.raw(
            "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
            |lite, pg| {
                let lite = lite
                    .iter()
                    .map(|r| (r.get(0), r.get(1), r.get(2)))
                    .collect::<Vec<Recorded>>();
                let pg = pg.iter().map(|r| (r.get(0), r.get(1), r.get(2)));
                lite.into_iter().chain(pg).collect()
            },
        )
        .await
    }
}

/// A copy of release 0.1's database beside the test's own, removed at the end (also when the
/// test fails): a file in the test's directory, or a schema of its own.
async fn release_copy(db: &Db) -> (Place, Option<Cleanup>) {
    match db {
        Db::Sqlite(_, dir) => {
            let path = dir.join("release-0.1.db");
            std::fs::copy(SQLITE_RELEASE, &path).unwrap();
            (Place::Sqlite(path), None)
        }
        Db::Postgres(_, schema) => {
            let copy = format!("{schema}_release");
            let cleanup = Cleanup(Some(Leftover::Schema(copy.clone())));
            let opts: sqlx::postgres::PgConnectOptions = pg_url().parse().unwrap();
            let mut conn = sqlx::PgConnection::connect_with(&opts).await.unwrap();
            sqlx::query(&format!("CREATE SCHEMA {copy}"))
                .execute(&mut conn)
                .await
                .unwrap();
            sqlx::raw_sql(&format!("SET search_path TO {copy};\n{POSTGRES_RELEASE}"))
                .execute(&mut conn)
                .await
                .unwrap();
            conn.close().await.unwrap();
            (Place::Postgres(copy), Some(cleanup))
        }
    }
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn migration_error(r: Result<Box<dyn Store>, StoreError>) -> String {
    match r {
        Err(StoreError::Migration(m)) => m,
        Err(other) => panic!("expected a migration error, got {other:?}"),
        Ok(_) => panic!("expected the open to be refused"),
    }
}

pub(crate) async fn a_release_database_upgrades_in_place(db: &Db) {
    let (copy, _cleanup) = release_copy(db).await;
    // As release 0.1 left it: thirteen migrations, no checksums.
    let old = copy
        .raw("SELECT version FROM schema_migrations", |l, p| {
            l.len() + p.len()
        })
        .await
        .unwrap();
    assert_eq!(old, 13);
    assert!(copy.recorded().await.is_err(), "no checksum column yet");

    let s = copy.open().await.unwrap();

    // Every checksum filled in, the same as a database migrated by this code from scratch.
    let recorded = copy.recorded().await.unwrap();
    let fresh = Place::of(db).recorded().await.unwrap();
    assert_eq!(
        recorded.len(),
        18,
        "the release's thirteen, compulsory fields, the electronic data store, target pillars, \
         the units' geography and the failed logins"
    );
    assert!(recorded.iter().all(|r| r.2.is_some()), "{recorded:?}");
    assert_eq!(recorded, fresh);
    // A checksum is the SHA-256 of the migration's text.
    let sessions = match db {
        Db::Sqlite(..) => include_str!("../../migrations/sqlite/0007_sessions_tokens.sql"),
        Db::Postgres(..) => include_str!("../../migrations/postgres/0007_sessions_tokens.sql"),
    };
    assert_eq!(
        recorded[6],
        (
            7,
            "sessions_tokens".to_string(),
            Some(sha256_hex(&sessions.replace("\r\n", "\n")))
        )
    );

    // Everything is still there.
    let counts = s.counts().await.unwrap();
    assert_eq!(
        (
            counts.units,
            counts.data_elements,
            counts.data_values,
            counts.audit_log
        ),
        (6, 5, 10, 27)
    );
    let commune = s.unit(&c("22738")).await.unwrap().unwrap();
    assert_eq!(
        (
            commune.unit.name_vi.as_str(),
            commune.level,
            commune.unit.parent.clone()
        ),
        ("Phường Đô Vinh", 3, Some(c("582")))
    );
    assert_eq!(s.breakdowns().await.unwrap().len(), 1);
    let values = s.values(&ValueQuery::default()).await.unwrap();
    let value = |e: &str, u: &str, p: &str, b: Option<&str>| {
        values
            .iter()
            .find(|v| {
                v.element == c(e)
                    && v.unit == c(u)
                    && v.period.to_string() == p
                    && v.breakdown == b.map(c)
            })
            .map(|v| (v.value.clone(), v.num))
    };
    assert_eq!(values.len(), 10);
    assert_eq!(
        value("VB_DEN", "22741", "2023", None),
        Some(("81".into(), Some(81.0)))
    );
    assert_eq!(
        value("CB_KY_SO", "22738", "2023", Some("NU")),
        Some(("9".into(), Some(9.0)))
    );
    assert_eq!(
        value("TY_LE", "582", "2023", None),
        Some(("97.5".into(), Some(97.5)))
    );
    assert_eq!(
        value("GHI_CHU", "22753", "2023", None),
        Some(("Số liệu ước tính".into(), None))
    );
    let users = s.users().await.unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(
        (users[0].username.as_str(), users[0].display_name.as_str()),
        ("nguyen.van.a", "Nguyễn Văn A")
    );
    assert_eq!(users[0].assignments.len(), 1);
    let session = s
        .session(&chiso_store::secret_hash("release-0.1-session"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.username, "nguyen.van.a");
    // The release's form keeps its two elements, none of them compulsory.
    let sets = s.data_sets().await.unwrap();
    assert_eq!(sets.len(), 1);
    assert_eq!(
        (sets[0].elements.len(), sets[0].compulsory.len()),
        (2, 0),
        "{sets:?}"
    );
    let approvals = s.approvals(None, None).await.unwrap();
    assert_eq!(approvals.len(), 1);
    assert_eq!(approvals[0].approved_by, "huyen");

    // The audit chain written by release 0.1 is unbroken.
    let check = s.verify_audit().await.unwrap();
    assert_eq!((check.rows, check.broken), (27, None));

    // New writes work, and the approval still locks what it approved.
    let ch = s
        .write_values(&[val("VB_DEN", "22753", "2024", "50")], &actor())
        .await
        .unwrap();
    assert_eq!(ch.inserted, 1);
    assert!(s
        .write_values(&[val("VB_DEN", "22738", "2023", "101")], &actor())
        .await
        .is_err());
    let check = s.verify_audit().await.unwrap();
    assert_eq!((check.rows, check.broken), (28, None));
    s.close().await;

    // Opened again, nothing changes.
    let again = copy.open().await.unwrap();
    assert_eq!(copy.recorded().await.unwrap(), fresh);
    assert_eq!(again.counts().await.unwrap().data_values, 11);
    again.close().await;
}

pub(crate) async fn a_changed_migration_is_refused(db: &Db) {
    seeded(db).await;
    let place = Place::of(db);
    place
        .exec("UPDATE schema_migrations SET checksum = 'abc123' WHERE version = 7")
        .await;
    let msg = migration_error(place.open().await);
    assert!(
        msg.starts_with("migration 7 (sessions_tokens) was changed after it was applied: "),
        "{msg}"
    );
    assert!(msg.contains("abc123"), "{msg}");
    // Refused, nothing was written: the recorded checksum stays as it was.
    let recorded = place.recorded().await.unwrap();
    assert_eq!(recorded[6].2.as_deref(), Some("abc123"));

    // A migration recorded under another name is refused too.
    let fresh = db.store().counts().await.unwrap();
    place
        .exec("UPDATE schema_migrations SET checksum = NULL, name = 'sessions' WHERE version = 7")
        .await;
    let msg = migration_error(place.open().await);
    assert!(
        msg.starts_with("migration 7 is recorded in the database as 'sessions'"),
        "{msg}"
    );

    // Put back as before checksums were kept, it opens and the checksum is filled in.
    place
        .exec("UPDATE schema_migrations SET name = 'sessions_tokens' WHERE version = 7")
        .await;
    let s = place.open().await.unwrap();
    assert!(place.recorded().await.unwrap()[6].2.is_some());
    assert_eq!(s.counts().await.unwrap(), fresh);
    s.close().await;
}

pub(crate) async fn a_database_of_a_newer_release_is_refused(db: &Db) {
    let place = Place::of(db);
    place
        .exec(
            "INSERT INTO schema_migrations (version, name, applied_at, checksum) \
             VALUES (99, 'from_the_future', '2030-01-01T00:00:00+00:00', 'abc')",
        )
        .await;
    let msg = migration_error(place.open().await);
    assert!(
        msg.starts_with("migration 99 (from_the_future) is recorded in the database but unknown"),
        "{msg}"
    );
    assert!(msg.contains("newer release"), "{msg}");

    // A migration missing below the last one recorded is refused, naming it.
    place
        .exec("DELETE FROM schema_migrations WHERE version IN (5, 99)")
        .await;
    let msg = migration_error(place.open().await);
    assert!(
        msg.starts_with("migration 5 (audit_chain) was never applied"),
        "{msg}"
    );
}
