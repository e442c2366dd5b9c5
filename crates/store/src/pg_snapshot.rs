//! A snapshot of a PostgreSQL database held open so that `pg_dump --snapshot` dumps exactly
//! what it sees, and the audit head read in that same snapshot: the head a backup records is
//! the head of the rows it holds, whatever is written meanwhile.

use crate::{PgStore, Result};
use sqlx::pool::PoolConnection;
use sqlx::{Postgres, Row};

/// An exported snapshot: its id (for `pg_dump --snapshot=ID`) and the audit log's head in it.
/// Keep it until the dump is done, then [`ExportedSnapshot::end`] it.
pub struct ExportedSnapshot {
    conn: PoolConnection<Postgres>,
    /// The snapshot's id, as `pg_export_snapshot()` gives it.
    pub id: String,
    /// The audit log's last row (sequence number and hash) in the snapshot; none when empty.
    pub head: Option<(i64, String)>,
    /// Data values in the snapshot.
    pub data_values: i64,
}

impl PgStore {
    /// Open a read-only repeatable-read transaction, export its snapshot and read the audit
    /// head in it.
    pub async fn export_snapshot(&self) -> Result<ExportedSnapshot> {
        let mut conn = self.pool.acquire().await?;
        sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *conn)
            .await?;
        let read = async {
            let id: String = sqlx::query_scalar("SELECT pg_export_snapshot()")
                .fetch_one(&mut *conn)
                .await?;
            let head = sqlx::query("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
                .fetch_optional(&mut *conn)
                .await?
                .map(|r| -> std::result::Result<(i64, String), sqlx::Error> {
                    Ok((
                        r.try_get("id")?,
                        r.try_get::<Option<String>, _>("hash")?.unwrap_or_default(),
                    ))
                })
                .transpose()?;
            let data_values: i64 = sqlx::query_scalar("SELECT count(*) FROM data_values")
                .fetch_one(&mut *conn)
                .await?;
            Ok::<_, sqlx::Error>((id, head, data_values))
        }
        .await;
        match read {
            Ok((id, head, data_values)) => Ok(ExportedSnapshot {
                conn,
                id,
                head,
                data_values,
            }),
            Err(e) => {
                // Never hand a connection inside a transaction back to the pool.
                let _ = conn.detach();
                Err(e.into())
            }
        }
    }
}

impl ExportedSnapshot {
    /// End the transaction holding the snapshot.
    pub async fn end(mut self) -> Result<()> {
        if let Err(e) = sqlx::query("ROLLBACK").execute(&mut *self.conn).await {
            let _ = self.conn.detach();
            return Err(e.into());
        }
        Ok(())
    }
}
