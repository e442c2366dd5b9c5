//! The PostgreSQL backend, for multi-user production.

use crate::migrate;
use crate::{Result, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use std::str::FromStr;

pub struct PgStore {
    pub(crate) pool: PgPool,
}

impl PgStore {
    /// Connect and migrate. `url` is `postgres://USER@HOST:PORT/DATABASE`.
    pub async fn open(url: &str) -> Result<PgStore> {
        let opts = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::BadUrl(format!("{url}: {e}")))?;
        PgStore::open_with(opts).await
    }

    /// Connect with every table inside `schema` (created when missing). Tests use this to get a
    /// fresh, isolated database on a shared server.
    pub async fn open_in_schema(url: &str, schema: &str) -> Result<PgStore> {
        let valid = !schema.is_empty()
            && schema
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return Err(StoreError::BadUrl(format!(
                "schema name '{schema}' must be lower-case letters, digits and '_'"
            )));
        }
        let opts = PgConnectOptions::from_str(url)
            .map_err(|e| StoreError::BadUrl(format!("{url}: {e}")))?;
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(opts.clone())
            .await?;
        sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
            .execute(&admin)
            .await?;
        admin.close().await;
        PgStore::open_with(opts.options([("search_path", schema)])).await
    }

    /// Drop a schema made by [`PgStore::open_in_schema`].
    pub async fn drop_schema(&self, schema: &str) -> Result<()> {
        let valid = schema
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if valid {
            sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    async fn open_with(opts: PgConnectOptions) -> Result<PgStore> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await?;
        let store = PgStore { pool };
        store.migrate().await?;
        seal_audit_log(&store.pool, "BEGIN").await?;
        Ok(store)
    }

    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }

    async fn migrate(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        // One migrating process at a time, however many servers start together.
        sqlx::query("SELECT pg_advisory_xact_lock(7265110001)")
            .execute(&mut *tx)
            .await?;
        sqlx::query(migrate::CREATE_TABLE).execute(&mut *tx).await?;
        let current: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
            .fetch_one(&mut *tx)
            .await?;
        for m in migrate::POSTGRES
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
                "applied PostgreSQL migration"
            );
        }
        tx.commit().await?;
        Ok(())
    }
}

crate::imp::impl_store!(
    PgStore,
    Postgres,
    crate::Backend::Postgres,
    " FOR UPDATE",
    "SELECT pg_advisory_xact_lock(7265110002)",
    "string_agg(period, ';' ORDER BY period, breakdown) AS periods, \
     string_agg(breakdown, ';' ORDER BY period, breakdown) AS breakdowns, \
     string_agg(value, ';' ORDER BY period, breakdown) AS vals"
);
