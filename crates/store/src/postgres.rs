//! The PostgreSQL backend, for multi-user production.

use crate::bulk::ValueOut;
use crate::migrate;
use crate::{Result, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use tokio::sync::Notify;

pub struct PgStore {
    pub(crate) pool: PgPool,
    /// Woken by the listener of [`crate::CHANGES_CHANNEL`], started at the first
    /// [`crate::Liveness::change_signal`].
    signal: std::sync::OnceLock<Arc<Notify>>,
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

    /// Drop a schema made by [`PgStore::open_in_schema`] from outside any runtime, waiting for
    /// it: what a test's guard calls when it is dropped (also while a failed test unwinds, so
    /// errors are ignored). Runs on a thread of its own with a runtime of its own.
    pub fn drop_schema_now(url: &str, schema: &str) {
        let valid = !schema.is_empty()
            && schema
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            return;
        }
        let (url, schema) = (url.to_string(), schema.to_string());
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                let Ok(opts) = PgConnectOptions::from_str(&url) else {
                    return;
                };
                if let Ok(pool) = PgPoolOptions::new()
                    .max_connections(1)
                    .connect_with(opts)
                    .await
                {
                    let drop = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
                    let _ = sqlx::query(&drop).execute(&pool).await;
                    pool.close().await;
                }
            });
        })
        .join();
    }

    async fn open_with(opts: PgConnectOptions) -> Result<PgStore> {
        // The server probes each connection after 10 s of silence (every 5 s, 3 times), so a
        // client gone behind a partition frees its backend and its locks within ~25 s; this
        // side bounds each wait (see `outage`), as sqlx has no keepalive of its own.
        let opts = opts.options([
            ("tcp_keepalives_idle", "10"),
            ("tcp_keepalives_interval", "5"),
            ("tcp_keepalives_count", "3"),
        ]);
        let pool = PgPoolOptions::new()
            // One more than the requests use: the listener of other servers' writes holds one.
            .max_connections(9)
            .acquire_timeout(crate::outage::connect_wait())
            .connect_with(opts)
            .await?;
        let store = PgStore {
            pool,
            signal: std::sync::OnceLock::new(),
        };
        store.migrate().await?;
        crate::audit::seal_audit_log(&store).await?;
        Ok(store)
    }

    /// Check and apply the migrations ([`migrate::run`]) in one transaction, under an
    /// advisory lock: one migrating process at a time, however many servers start together.
    async fn migrate(&self) -> Result<()> {
        let mut tx: crate::sql::Tx<PgStore> = crate::sql::Tx(self.pool.begin().await?);
        crate::sql::stmt("SELECT pg_advisory_xact_lock(7265110001)")
            .execute(&mut tx)
            .await?;
        migrate::run(&mut tx, migrate::POSTGRES).await?;
        tx.commit().await
    }
}

impl crate::Liveness for PgStore {
    fn pool_use(&self) -> crate::PoolUse {
        crate::PoolUse {
            size: self.pool.size(),
            idle: self.pool.num_idle() as u32,
            max: self.pool.options().get_max_connections(),
        }
    }

    fn change_signal(&self) -> Option<Arc<Notify>> {
        let signal = self.signal.get_or_init(|| {
            let signal = Arc::new(Notify::new());
            tokio::spawn(listen(self.pool.clone(), signal.clone()));
            signal
        });
        Some(signal.clone())
    }
}

/// Listen on [`crate::CHANGES_CHANNEL`] and wake `signal` at each notification, until the pool
/// closes. A lost connection is opened again (and `signal` woken, since notifications sent
/// meanwhile are lost); a connection silent for 30 s is checked, so one cut off by a network
/// partition is noticed and replaced.
async fn listen(pool: PgPool, signal: Arc<Notify>) {
    use sqlx::postgres::PgListener;
    use std::time::Duration;
    let check = Duration::from_secs(30);
    loop {
        let listener = match PgListener::connect_with(&pool).await {
            Ok(mut l) => match l.listen(crate::CHANGES_CHANNEL).await {
                Ok(()) => Some(l),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for other servers' writes");
                    None
                }
            },
            Err(sqlx::Error::PoolClosed) => return,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for other servers' writes");
                None
            }
        };
        if let Some(mut l) = listener {
            signal.notify_one();
            loop {
                match tokio::time::timeout(check, l.try_recv()).await {
                    Ok(Ok(Some(_))) => signal.notify_one(),
                    // The connection was lost; the next call opens another.
                    Ok(Ok(None)) => signal.notify_one(),
                    Ok(Err(sqlx::Error::PoolClosed)) => return,
                    Ok(Err(_)) => break,
                    Err(_) => {
                        let alive = tokio::time::timeout(
                            crate::outage::connect_wait(),
                            sqlx::query("SELECT 1").execute(&mut l),
                        )
                        .await;
                        if !matches!(alive, Ok(Ok(_))) {
                            break;
                        }
                    }
                }
            }
        }
        if pool.is_closed() {
            return;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

crate::sql::sqlx_backend!(
    PgStore, Postgres, sqlx::postgres::PgRow,
    kind: crate::Backend::Postgres,
    row_lock: " FOR UPDATE",
    // With the chain's lock, every audited write notifies the servers that follow the
    // database (delivered at commit; see `Liveness::change_signal`).
    chain_lock: "SELECT pg_advisory_xact_lock(7265110002), pg_notify('chiso_changes', '')",
    pack: "string_agg(period, ';' ORDER BY period, breakdown) AS periods, \
           string_agg(breakdown, ';' ORDER BY period, breakdown) AS breakdowns, \
           string_agg(value, ';' ORDER BY period, breakdown) AS vals",
    begin: |s| s.pool.begin().await?,
);

#[async_trait::async_trait]
impl crate::sql::Bulk for PgStore {
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

/// Append one field to a COPY text-format line: backslash, tab, newline and carriage return
/// escaped.
fn copy_field(buf: &mut Vec<u8>, s: &str) {
    for &b in s.as_bytes() {
        match b {
            b'\\' => buf.extend_from_slice(b"\\\\"),
            b'\t' => buf.extend_from_slice(b"\\t"),
            b'\n' => buf.extend_from_slice(b"\\n"),
            b'\r' => buf.extend_from_slice(b"\\r"),
            _ => buf.push(b),
        }
    }
}

/// Insert values whose keys are not stored (the caller has checked), streamed to the server
/// with COPY inside the transaction, after running `beside` (returning what it returned).
async fn insert_new_values<U: Send>(
    tx: &mut Transaction<'static, Postgres>,
    rows: &[&ValueOut<'_>],
    by: &str,
    at: chrono::DateTime<chrono::Utc>,
    beside: impl FnOnce() -> U + Send,
) -> Result<U> {
    use std::io::Write;
    let out = beside();
    if rows.is_empty() {
        return Ok(out);
    }
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let mut by_field = Vec::new();
    copy_field(&mut by_field, by);
    let mut copy = tx
        .copy_in_raw(
            "COPY data_values (element, unit, period, breakdown, value, num, comment, source, \
             stored_by, stored_at) FROM STDIN",
        )
        .await?;
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 20);
    for v in rows {
        for f in [v.element, v.unit, &v.period.text, v.breakdown, &v.value] {
            copy_field(&mut buf, f);
            buf.push(b'\t');
        }
        match v.num {
            // Rust's shortest round-trip form; PostgreSQL reads it back to the same double.
            Some(x) if x.is_finite() => {
                let _ = write!(buf, "{x}");
            }
            _ => buf.extend_from_slice(b"\\N"),
        }
        buf.push(b'\t');
        match v.comment {
            Some(c) => copy_field(&mut buf, c),
            None => buf.extend_from_slice(b"\\N"),
        }
        buf.push(b'\t');
        copy_field(&mut buf, v.source);
        buf.push(b'\t');
        buf.extend_from_slice(&by_field);
        buf.push(b'\t');
        buf.extend_from_slice(at.as_bytes());
        buf.push(b'\n');
        if buf.len() >= 1 << 20 {
            copy.send(std::mem::replace(&mut buf, Vec::with_capacity(1 << 20)))
                .await?;
        }
    }
    if !buf.is_empty() {
        copy.send(buf).await?;
    }
    copy.finish().await?;
    Ok(out)
}

/// Update stored values in place: one statement per 10,000 rows, the columns sent as arrays.
async fn update_values(
    tx: &mut Transaction<'static, Postgres>,
    rows: &[&ValueOut<'_>],
    by: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    for chunk in rows.chunks(10_000) {
        let element: Vec<&str> = chunk.iter().map(|v| v.element).collect();
        let unit: Vec<&str> = chunk.iter().map(|v| v.unit).collect();
        let period: Vec<&str> = chunk.iter().map(|v| v.period.text.as_str()).collect();
        let breakdown: Vec<&str> = chunk.iter().map(|v| v.breakdown).collect();
        let value: Vec<&str> = chunk.iter().map(|v| v.value.as_str()).collect();
        let num: Vec<Option<f64>> = chunk.iter().map(|v| v.num).collect();
        let comment: Vec<Option<&str>> = chunk.iter().map(|v| v.comment).collect();
        let source: Vec<&str> = chunk.iter().map(|v| v.source).collect();
        sqlx::query(
            "UPDATE data_values d SET value = n.value, num = n.num, comment = n.comment, \
             source = n.source, stored_by = $9, stored_at = $10 \
             FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], \
             $6::float8[], $7::text[], $8::text[]) AS n(element, unit, period, breakdown, value, num, comment, source) \
             WHERE d.element = n.element AND d.unit = n.unit AND d.period = n.period AND d.breakdown = n.breakdown",
        )
        .bind(&element)
        .bind(&unit)
        .bind(&period)
        .bind(&breakdown)
        .bind(&value)
        .bind(&num)
        .bind(&comment)
        .bind(&source)
        .bind(by)
        .bind(at)
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
    rows: &[crate::common::AuditRow<'_>],
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
