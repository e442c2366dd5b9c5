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

/// Insert (or update) data values: one statement per 10,000 rows, the columns sent as arrays
/// and unnested by the server.
async fn insert_value_rows(
    tx: &mut Transaction<'static, Postgres>,
    rows: &[chiso_core::DataValue],
) -> Result<()> {
    for chunk in rows.chunks(10_000) {
        let mut element = Vec::with_capacity(chunk.len());
        let mut unit = Vec::with_capacity(chunk.len());
        let mut period = Vec::with_capacity(chunk.len());
        let mut breakdown = Vec::with_capacity(chunk.len());
        let mut value = Vec::with_capacity(chunk.len());
        let mut num = Vec::with_capacity(chunk.len());
        let mut comment = Vec::with_capacity(chunk.len());
        let mut source = Vec::with_capacity(chunk.len());
        let mut stored_by = Vec::with_capacity(chunk.len());
        let mut stored_at = Vec::with_capacity(chunk.len());
        let mut period_type = Vec::with_capacity(chunk.len());
        let mut start = Vec::with_capacity(chunk.len());
        let mut end = Vec::with_capacity(chunk.len());
        for v in chunk {
            element.push(v.element.as_str());
            unit.push(v.unit.as_str());
            period.push(v.period.to_string());
            breakdown.push(v.breakdown.as_ref().map(|b| b.as_str()).unwrap_or(""));
            value.push(v.value.as_str());
            num.push(v.num);
            comment.push(v.comment.as_deref());
            source.push(v.source.to_string());
            stored_by.push(v.stored_by.as_str());
            stored_at.push(v.stored_at);
            period_type.push(v.period.period_type().as_str());
            start.push(v.period.start());
            end.push(v.period.end());
        }
        sqlx::query(
            "INSERT INTO data_values (element, unit, period, breakdown, value, num, comment, source, \
             stored_by, stored_at, period_type, period_start, period_end) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], \
             $6::float8[], $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::text[], \
             $12::date[], $13::date[]) \
             ON CONFLICT (element, unit, period, breakdown) DO UPDATE SET value = excluded.value, \
             num = excluded.num, comment = excluded.comment, source = excluded.source, \
             stored_by = excluded.stored_by, stored_at = excluded.stored_at",
        )
        .bind(&element)
        .bind(&unit)
        .bind(&period)
        .bind(&breakdown)
        .bind(&value)
        .bind(&num)
        .bind(&comment)
        .bind(&source)
        .bind(&stored_by)
        .bind(&stored_at)
        .bind(&period_type)
        .bind(&start)
        .bind(&end)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Append chained audit rows, 10,000 per statement, in order (the ids follow the arrays).
async fn insert_audit_rows(
    tx: &mut Transaction<'static, Postgres>,
    at: chrono::DateTime<chrono::Utc>,
    actor: &crate::Actor,
    rows: &[crate::imp::AuditRow<'_>],
) -> Result<()> {
    for chunk in rows.chunks(10_000) {
        let action: Vec<&str> = chunk.iter().map(|r| r.action).collect();
        let entity: Vec<&str> = chunk.iter().map(|r| r.entity).collect();
        let old: Vec<Option<&str>> = chunk.iter().map(|r| r.old).collect();
        let new: Vec<Option<&str>> = chunk.iter().map(|r| r.new).collect();
        let prev: Vec<&str> = chunk.iter().map(|r| r.prev_hash).collect();
        let hash: Vec<&str> = chunk.iter().map(|r| r.hash).collect();
        sqlx::query(
            "INSERT INTO audit_log (at, actor, via, action, entity, old_value, new_value, prev_hash, hash) \
             SELECT $1, $2, $3, a, e, o, n, p, h FROM UNNEST($4::text[], $5::text[], $6::text[], \
             $7::text[], $8::text[], $9::text[]) WITH ORDINALITY AS t(a, e, o, n, p, h, i) ORDER BY i",
        )
        .bind(at)
        .bind(actor.who.as_str())
        .bind(actor.via.as_str())
        .bind(&action)
        .bind(&entity)
        .bind(&old)
        .bind(&new)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
