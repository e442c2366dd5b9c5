//! The SQLite backend: the embedded default. WAL journal, `synchronous=NORMAL`, a busy
//! timeout, foreign keys on, and every write transaction opened with `BEGIN IMMEDIATE` so that
//! two writers never deadlock upgrading a read lock.

use crate::migrate;
use crate::{Result, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
}

impl SqliteStore {
    /// Open (creating the file when missing) and migrate. `url` is `sqlite://PATH`.
    pub async fn open(url: &str) -> Result<SqliteStore> {
        let opts = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::BadUrl(format!("{url}: {e}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true)
            // 64 MiB of page cache per connection: a large import's pages stay in memory
            // until commit instead of spilling to the log mid-transaction.
            .pragma("cache_size", "-65536");
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await?;
        let store = SqliteStore { pool };
        store.migrate().await?;
        seal_audit_log(&store.pool, "BEGIN IMMEDIATE").await?;
        Ok(store)
    }

    /// Open a SQLite database file by path.
    pub async fn open_path(path: &std::path::Path) -> Result<SqliteStore> {
        SqliteStore::open(&format!("sqlite://{}", path.display())).await
    }

    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    async fn migrate(&self) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(migrate::CREATE_TABLE).execute(&mut *tx).await?;
        let current: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
            .fetch_one(&mut *tx)
            .await?;
        for m in migrate::SQLITE
            .iter()
            .filter(|m| m.version > current.unwrap_or(0))
        {
            sqlx::raw_sql(m.sql).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .bind(m.version)
            .bind(m.name)
            .bind(chrono::Utc::now().to_rfc3339())
            .execute(&mut *tx)
            .await?;
            tracing::info!(
                version = m.version,
                name = m.name,
                "applied SQLite migration"
            );
        }
        tx.commit().await?;
        Ok(())
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

crate::imp::impl_store!(
    SqliteStore,
    Sqlite,
    crate::Backend::Sqlite,
    "",
    "",
    "group_concat(period, ';') AS periods, group_concat(breakdown, ';') AS breakdowns, group_concat(value, ';') AS vals"
);

/// Insert (or update) data values in multi-row statements.
async fn insert_value_rows(
    tx: &mut Transaction<'static, Sqlite>,
    rows: &[chiso_core::DataValue],
) -> Result<()> {
    for chunk in rows.chunks(1000) {
        let mut b: sqlx::QueryBuilder<'_, Sqlite> = sqlx::QueryBuilder::new(
            "INSERT INTO data_values (element, unit, period, breakdown, value, num, comment, source, \
             stored_by, stored_at, period_type, period_start, period_end) ",
        );
        b.push_values(chunk, |mut row, v| {
            row.push_bind(v.element.as_str())
                .push_bind(v.unit.as_str())
                .push_bind(v.period.to_string())
                .push_bind(v.breakdown.as_ref().map(|b| b.as_str()).unwrap_or(""))
                .push_bind(v.value.as_str())
                .push_bind(v.num)
                .push_bind(v.comment.as_deref())
                .push_bind(v.source.to_string())
                .push_bind(v.stored_by.as_str())
                .push_bind(v.stored_at)
                .push_bind(v.period.period_type().as_str())
                .push_bind(v.period.start())
                .push_bind(v.period.end());
        });
        b.push(
            " ON CONFLICT (element, unit, period, breakdown) DO UPDATE SET value = excluded.value, \
             num = excluded.num, comment = excluded.comment, source = excluded.source, \
             stored_by = excluded.stored_by, stored_at = excluded.stored_at",
        );
        b.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// Append chained audit rows in multi-row statements, in order.
async fn insert_audit_rows(
    tx: &mut Transaction<'static, Sqlite>,
    at: chrono::DateTime<chrono::Utc>,
    actor: &crate::Actor,
    rows: &[crate::imp::AuditRow<'_>],
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
