//! The SQLite backend: the embedded default. WAL journal, `synchronous=FULL` (a write is on
//! disk when it is acknowledged; `?synchronous=normal` in the URL trades that for speed), a
//! busy timeout, foreign keys on, and every write transaction opened with `BEGIN IMMEDIATE` so
//! that two writers never deadlock upgrading a read lock.

use crate::bulk::ValueOut;
use crate::migrate;
use crate::{Result, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::str::FromStr;

pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
}

impl SqliteStore {
    /// Open (creating the file when missing) and migrate. `url` is `sqlite://PATH`.
    pub async fn open(url: &str) -> Result<SqliteStore> {
        let (rest, synchronous) = synchronous_of(url)?;
        let opts = SqliteConnectOptions::from_str(&rest)
            .map_err(|e| StoreError::BadUrl(format!("{url}: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            // Another process holding the write lock is waited for as long as a statement.
            .busy_timeout(crate::outage::busy_wait())
            .foreign_keys(true)
            // 64 MiB of page cache per connection: a large import's pages stay in memory
            // until commit instead of spilling to the log mid-transaction.
            .pragma("cache_size", "-65536");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(crate::outage::connect_wait())
            .connect_with(opts)
            .await?;
        let store = SqliteStore { pool };
        store.migrate().await?;
        crate::audit::seal_audit_log(&store).await?;
        Ok(store)
    }

    /// Open a SQLite database file by path.
    pub async fn open_path(path: &std::path::Path) -> Result<SqliteStore> {
        SqliteStore::open(&format!("sqlite://{}", path.display())).await
    }

    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Check and apply the migrations ([`migrate::run`]) in one write transaction.
    async fn migrate(&self) -> Result<()> {
        let mut tx: crate::sql::Tx<SqliteStore> = crate::sql::Tx(self.begin_write().await?);
        migrate::run(&mut tx, migrate::SQLITE).await?;
        tx.commit().await
    }

    /// Copy the live database to `path` (a consistent online backup).
    pub async fn backup_to(&self, path: &std::path::Path) -> Result<()> {
        sqlx::query("VACUUM INTO $1")
            .bind(path.display().to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl crate::Liveness for SqliteStore {
    fn pool_use(&self) -> crate::PoolUse {
        crate::PoolUse {
            size: self.pool.size(),
            idle: self.pool.num_idle() as u32,
            max: self.pool.options().get_max_connections(),
        }
    }

    fn change_signal(&self) -> Option<std::sync::Arc<tokio::sync::Notify>> {
        None
    }
}

/// The URL without its `synchronous=full|normal` parameter (chiso's own, not the driver's),
/// and that setting: FULL unless the URL asks for NORMAL.
fn synchronous_of(url: &str) -> Result<(String, SqliteSynchronous)> {
    let Some((path, query)) = url.split_once('?') else {
        return Ok((url.to_string(), SqliteSynchronous::Full));
    };
    let mut chosen = SqliteSynchronous::Full;
    let mut kept = Vec::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("synchronous", v)) => {
                chosen = match v.to_ascii_lowercase().as_str() {
                    "full" => SqliteSynchronous::Full,
                    "normal" => SqliteSynchronous::Normal,
                    _ => {
                        return Err(StoreError::BadUrl(format!(
                        "{url}: synchronous={v} — dùng synchronous=full hoặc synchronous=normal \
                             (use synchronous=full or synchronous=normal)"
                    )))
                    }
                }
            }
            _ => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", kept.join("&"))
    };
    Ok((rest, chosen))
}

crate::sql::sqlx_backend!(
    SqliteStore, Sqlite, sqlx::sqlite::SqliteRow,
    kind: crate::Backend::Sqlite,
    row_lock: "",
    chain_lock: "",
    pack: "group_concat(period, ';') AS periods, group_concat(breakdown, ';') AS breakdowns, \
           group_concat(value, ';') AS vals",
    begin: |s| s.pool.begin_with("BEGIN IMMEDIATE").await?,
);

#[async_trait::async_trait]
impl crate::sql::Bulk for SqliteStore {
    async fn insert_new_values<U: Send, F: FnOnce() -> U + Send>(
        tx: &mut crate::sql::Tx<Self>,
        rows: &[&ValueOut<'_>],
        by: &str,
        at: chrono::DateTime<chrono::Utc>,
        beside: F,
    ) -> Result<U> {
        insert_new_values(&mut tx.0, rows, by, at, beside).await
    }

    async fn update_values(
        tx: &mut crate::sql::Tx<Self>,
        rows: &[&ValueOut<'_>],
        by: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        update_values(&mut tx.0, rows, by, at).await
    }

    async fn insert_audit_rows(
        tx: &mut crate::sql::Tx<Self>,
        at: chrono::DateTime<chrono::Utc>,
        actor: &crate::Actor,
        rows: &[crate::common::AuditRow<'_>],
    ) -> Result<()> {
        insert_audit_rows(&mut tx.0, at, actor, rows).await
    }
}

/// Values per INSERT statement: fewer statements to step, still a short statement to prepare.
const ROWS_PER_INSERT: usize = 20;
/// From this many values on, a write runs beside other work and tells the runtime it blocks.
const LONG_WRITE: usize = 10_000;

/// Prepared statements run directly on a connection's handle: binding text without copying
/// it, and stepping without a driver round trip per statement. Every unsafe call of the
/// backend is in here.
mod raw {
    use libsqlite3_sys as ffi;
    use std::ffi::{c_int, CStr};
    use std::marker::PhantomData;

    /// A connection handle, lent for `'c` by sqlx's lock on it.
    pub struct Conn<'c> {
        db: *mut ffi::sqlite3,
        _lent: PhantomData<&'c mut ()>,
    }

    /// A prepared statement whose text parameters borrow for `'s`; finalized on drop.
    pub struct Stmt<'c, 's> {
        db: *mut ffi::sqlite3,
        st: *mut ffi::sqlite3_stmt,
        _conn: PhantomData<&'c Conn<'c>>,
        _text: PhantomData<&'s str>,
    }

    fn error(db: *mut ffi::sqlite3, rc: c_int) -> String {
        // SAFETY: `db` is a live handle; sqlite3_errmsg returns a NUL-terminated string it
        // owns, copied here before any other call on the handle.
        let msg = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) };
        format!("{} (code {rc})", msg.to_string_lossy())
    }

    impl<'c> Conn<'c> {
        /// # Safety
        /// `db` must be a live connection that nothing else uses while the `Conn` lives.
        pub unsafe fn new(db: *mut ffi::sqlite3) -> Conn<'c> {
            Conn {
                db,
                _lent: PhantomData,
            }
        }

        pub fn prepare<'s>(&self, sql: &str) -> Result<Stmt<'c, 's>, String> {
            let len = c_int::try_from(sql.len()).map_err(|_| "statement too long".to_string())?;
            let mut st = std::ptr::null_mut();
            // SAFETY: the handle is live (Conn::new's contract); `sql` is valid for `len`
            // bytes; `st` receives the statement or stays null.
            let rc = unsafe {
                ffi::sqlite3_prepare_v2(
                    self.db,
                    sql.as_ptr().cast(),
                    len,
                    &mut st,
                    std::ptr::null_mut(),
                )
            };
            if rc != ffi::SQLITE_OK || st.is_null() {
                return Err(error(self.db, rc));
            }
            Ok(Stmt {
                db: self.db,
                st,
                _conn: PhantomData,
                _text: PhantomData,
            })
        }
    }

    impl<'s> Stmt<'_, 's> {
        fn check(&self, rc: c_int) -> Result<(), String> {
            if rc == ffi::SQLITE_OK {
                Ok(())
            } else {
                Err(error(self.db, rc))
            }
        }

        /// Bind text (1-based parameter), without copying: `s` outlives the statement.
        pub fn text(&mut self, i: usize, s: &'s str) -> Result<(), String> {
            let len = c_int::try_from(s.len()).map_err(|_| "text too long".to_string())?;
            let i = c_int::try_from(i).map_err(|_| "parameter number".to_string())?;
            // SAFETY: the statement is live; `s` stays valid and unchanged for 's, which
            // outlives the statement, as SQLITE_STATIC requires.
            let rc = unsafe {
                ffi::sqlite3_bind_text(self.st, i, s.as_ptr().cast(), len, ffi::SQLITE_STATIC())
            };
            self.check(rc)
        }

        pub fn opt_text(&mut self, i: usize, s: Option<&'s str>) -> Result<(), String> {
            match s {
                Some(s) => self.text(i, s),
                None => self.null(i),
            }
        }

        pub fn number(&mut self, i: usize, x: Option<f64>) -> Result<(), String> {
            let Some(x) = x else {
                return self.null(i);
            };
            let i = c_int::try_from(i).map_err(|_| "parameter number".to_string())?;
            // SAFETY: the statement is live.
            let rc = unsafe { ffi::sqlite3_bind_double(self.st, i, x) };
            self.check(rc)
        }

        fn null(&mut self, i: usize) -> Result<(), String> {
            let i = c_int::try_from(i).map_err(|_| "parameter number".to_string())?;
            // SAFETY: the statement is live.
            let rc = unsafe { ffi::sqlite3_bind_null(self.st, i) };
            self.check(rc)
        }

        /// Run the statement to its end (it returns no rows), then reset it for the next run;
        /// the bindings stay.
        pub fn run(&mut self) -> Result<(), String> {
            // SAFETY: the statement is live.
            let rc = unsafe { ffi::sqlite3_step(self.st) };
            // SAFETY: the statement is live; reset returns the step's error again, if any.
            let reset = unsafe { ffi::sqlite3_reset(self.st) };
            if rc == ffi::SQLITE_DONE {
                Ok(())
            } else {
                Err(error(
                    self.db,
                    if rc == ffi::SQLITE_ROW { reset } else { rc },
                ))
            }
        }
    }

    impl Drop for Stmt<'_, '_> {
        fn drop(&mut self) {
            // SAFETY: the statement is live and finalized once, here.
            unsafe {
                ffi::sqlite3_finalize(self.st);
            }
        }
    }
}

/// Run `work` with statements prepared on the transaction's own connection — the handle
/// sqlx holds, locked away from its worker thread meanwhile — and `beside`: on another thread
/// for a long `work` (when `long`), and a multi-threaded runtime is told this thread blocks.
async fn with_connection<T, U: Send>(
    tx: &mut Transaction<'static, Sqlite>,
    long: bool,
    work: impl for<'c> FnOnce(&raw::Conn<'c>) -> std::result::Result<T, String>,
    beside: impl FnOnce() -> U + Send,
) -> Result<(T, U)> {
    let mut handle = tx.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    if !long {
        let u = beside();
        // SAFETY: as below.
        let out = work(&unsafe { raw::Conn::new(db) });
        drop(handle);
        return out
            .map(|t| (t, u))
            .map_err(|e| StoreError::Db(sqlx::Error::Protocol(format!("SQLite: {e}"))));
    }
    let run = || {
        std::thread::scope(|s| {
            let side = s.spawn(beside);
            // SAFETY: `handle` keeps sqlx's worker off this connection until it drops, after
            // this connection's last use; it is used on this thread only.
            let out = work(&unsafe { raw::Conn::new(db) });
            let side = side
                .join()
                .map_err(|_| "a task beside the write failed".to_string());
            out.and_then(|t| side.map(|u| (t, u)))
        })
    };
    let multi = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    let out = if multi {
        tokio::task::block_in_place(run)
    } else {
        run()
    };
    drop(handle);
    out.map_err(|e| StoreError::Db(sqlx::Error::Protocol(format!("SQLite: {e}"))))
}

const VALUE_INSERT_COLS: &str = "INSERT INTO data_values (element, unit, period, breakdown, \
     value, num, comment, source, stored_by, stored_at) VALUES ";

/// `rows` placeholders of a value each; who and when, the same for all, are the last two.
fn value_places(rows: usize) -> String {
    let (by, at) = (PER_ROW * rows + 1, PER_ROW * rows + 2);
    (0..rows)
        .map(|r| {
            let f = PER_ROW * r;
            format!(
                "(?{},?{},?{},?{},?{},?{},?{},?{},?{by},?{at})",
                f + 1,
                f + 2,
                f + 3,
                f + 4,
                f + 5,
                f + 6,
                f + 7,
                f + 8
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Parameters of one value in an INSERT (who and when are bound once per statement).
const PER_ROW: usize = 8;

fn bind_value<'s>(
    st: &mut raw::Stmt<'_, 's>,
    row: usize,
    v: &'s ValueOut<'s>,
) -> std::result::Result<(), String> {
    let f = PER_ROW * row;
    st.text(f + 1, v.element)?;
    st.text(f + 2, v.unit)?;
    st.text(f + 3, &v.period.text)?;
    st.text(f + 4, v.breakdown)?;
    st.text(f + 5, &v.value)?;
    st.number(f + 6, v.num)?;
    st.opt_text(f + 7, v.comment)?;
    st.text(f + 8, v.source)
}

/// The time as sqlx writes it to SQLite, so that it reads back the same.
fn sqlite_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
}

/// Insert values whose keys are not stored (the caller has checked), in key order, while
/// `beside` runs on another thread; returns what it returned.
async fn insert_new_values<U: Send>(
    tx: &mut Transaction<'static, Sqlite>,
    rows: &[&ValueOut<'_>],
    by: &str,
    at: chrono::DateTime<chrono::Utc>,
    beside: impl FnOnce() -> U + Send,
) -> Result<U> {
    let at = sqlite_time(at);
    let full = format!("{VALUE_INSERT_COLS}{}", value_places(ROWS_PER_INSERT));
    let single = format!("{VALUE_INSERT_COLS}{}", value_places(1));
    let ((), out) = with_connection(
        tx,
        rows.len() >= LONG_WRITE,
        |conn| {
            let mut many = conn.prepare(&full)?;
            many.text(PER_ROW * ROWS_PER_INSERT + 1, by)?;
            many.text(PER_ROW * ROWS_PER_INSERT + 2, &at)?;
            let mut one = conn.prepare(&single)?;
            one.text(PER_ROW + 1, by)?;
            one.text(PER_ROW + 2, &at)?;
            for chunk in rows.chunks(ROWS_PER_INSERT) {
                if chunk.len() == ROWS_PER_INSERT {
                    for (k, v) in chunk.iter().enumerate() {
                        bind_value(&mut many, k, v)?;
                    }
                    many.run()?;
                } else {
                    for v in chunk {
                        bind_value(&mut one, 0, v)?;
                        one.run()?;
                    }
                }
            }
            Ok(())
        },
        beside,
    )
    .await?;
    Ok(out)
}

/// Update stored values in place, in key order.
async fn update_values(
    tx: &mut Transaction<'static, Sqlite>,
    rows: &[&ValueOut<'_>],
    by: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let at = sqlite_time(at);
    with_connection(
        tx,
        rows.len() >= LONG_WRITE,
        |conn| {
            let mut st = conn.prepare(
                "UPDATE data_values SET value = ?1, num = ?2, comment = ?3, source = ?4, \
                 stored_by = ?5, stored_at = ?6 \
                 WHERE element = ?7 AND unit = ?8 AND period = ?9 AND breakdown = ?10",
            )?;
            st.text(5, by)?;
            st.text(6, &at)?;
            for v in rows {
                st.text(1, &v.value)?;
                st.number(2, v.num)?;
                st.opt_text(3, v.comment)?;
                st.text(4, v.source)?;
                st.text(7, v.element)?;
                st.text(8, v.unit)?;
                st.text(9, &v.period.text)?;
                st.text(10, v.breakdown)?;
                st.run()?;
            }
            Ok(())
        },
        || (),
    )
    .await?;
    Ok(())
}

/// Append chained audit rows in multi-row statements, in order.
async fn insert_audit_rows(
    tx: &mut Transaction<'static, Sqlite>,
    at: chrono::DateTime<chrono::Utc>,
    actor: &crate::Actor,
    rows: &[crate::common::AuditRow<'_>],
) -> Result<()> {
    for chunk in rows.chunks(1000) {
        let mut b: sqlx::QueryBuilder<'_, Sqlite> = sqlx::QueryBuilder::new(
            "INSERT INTO audit_log (at, actor, via, action, entity, old_value, new_value, prev_hash, hash) ",
        );
        b.push_values(chunk, |mut row, r| {
            row.push_bind(at)
                .push_bind(actor.who.as_str())
                .push_bind(actor.via.as_str())
                .push_bind(r.action)
                .push_bind(r.entity)
                .push_bind(r.old)
                .push_bind(r.new)
                .push_bind(r.prev_hash)
                .push_bind(r.hash);
        });
        b.build().execute(&mut **tx).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn synchronous(url: &str) -> i64 {
        let s = SqliteStore::open(url).await.unwrap();
        let level = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&s.pool)
            .await
            .unwrap();
        s.pool.close().await;
        level
    }

    #[tokio::test]
    async fn acknowledged_writes_are_on_disk_unless_the_url_says_otherwise() {
        let dir = std::env::temp_dir().join(format!("chiso-synchronous-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("s.db").display());
        assert_eq!(synchronous(&url).await, 2, "FULL by default");
        assert_eq!(synchronous(&format!("{url}?synchronous=normal")).await, 1);
        assert_eq!(
            synchronous(&format!("{url}?synchronous=FULL&mode=rwc")).await,
            2
        );
        match SqliteStore::open(&format!("{url}?synchronous=off"))
            .await
            .err()
        {
            Some(StoreError::BadUrl(m)) => assert!(m.contains("synchronous=off"), "{m}"),
            other => panic!("expected the URL refused, got {other:?}"),
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
