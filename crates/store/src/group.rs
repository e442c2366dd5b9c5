//! Group commit: several value writes in one transaction, each all or nothing on its own. A
//! write runs inside a savepoint; when it fails (a refused value, a locked report) it is
//! rolled back to that savepoint and keeps its own error, and the others commit together —
//! one commit, one flush to disk, for the whole group. The audit chain runs through the
//! group in order: each write's rows are chained to the rows of the write before it.

use crate::sql::{scalar, stmt, SqlBackend, Tx};
use crate::values::apply_values_tx;
use crate::{Actor, Changes, StoreError, ValueKey};
use chiso_core::DataValueInput;

/// One write of a group: values to delete and values to write, by one actor; with `dry_run`
/// it is checked and counted, then rolled back to its savepoint.
#[derive(Debug, Clone, Copy)]
pub struct ValueWrite<'a> {
    pub values: &'a [DataValueInput],
    pub deletes: &'a [ValueKey],
    pub actor: &'a Actor,
    pub dry_run: bool,
}

/// What a group commit did: one result per write, in the order given, and the audit log's
/// newest row before and after the group (equal when nothing was changed).
#[derive(Debug)]
pub struct Group {
    pub results: Vec<Result<Changes, StoreError>>,
    pub head_before: i64,
    pub head_after: i64,
}

/// The newest audit row's id inside the transaction.
async fn head<B: SqlBackend>(tx: &mut Tx<B>) -> Result<i64, StoreError> {
    scalar("SELECT COALESCE(MAX(id), 0) FROM audit_log")
        .fetch_one(&mut *tx)
        .await
}

/// One write inside its savepoint; the savepoint is rolled back when it fails or is a dry
/// run. An error of the savepoint statements themselves ends the group (the outer `Err`).
async fn one<B: SqlBackend>(
    tx: &mut Tx<B>,
    w: &ValueWrite<'_>,
) -> Result<Result<Changes, StoreError>, StoreError> {
    stmt("SAVEPOINT chiso_write").execute(&mut *tx).await?;
    let r = apply_values_tx(tx, w.values, w.deletes, w.actor).await;
    if r.is_err() || w.dry_run {
        stmt("ROLLBACK TO SAVEPOINT chiso_write")
            .execute(&mut *tx)
            .await?;
    }
    stmt("RELEASE SAVEPOINT chiso_write")
        .execute(&mut *tx)
        .await?;
    Ok(r)
}

/// Run `writes` in one transaction (see the module's description). An error here means the
/// transaction itself failed: nothing of the group was written.
pub(crate) async fn write_group<B: SqlBackend>(
    db: &B,
    writes: &[ValueWrite<'_>],
) -> Result<Group, StoreError> {
    let mut tx = db.begin_write().await?;
    // The chain's lock first (PostgreSQL): the head read below stays the head.
    if !B::CHAIN_LOCK.is_empty() {
        stmt(B::CHAIN_LOCK).execute(&mut tx).await?;
    }
    let head_before = head(&mut tx).await?;
    let mut results = Vec::with_capacity(writes.len());
    for w in writes {
        results.push(one(&mut tx, w).await?);
    }
    let head_after = head(&mut tx).await?;
    if results
        .iter()
        .any(|r| matches!(r, Ok(c) if c.changed() > 0))
    {
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    Ok(Group {
        results,
        head_before,
        head_after,
    })
}

/// The same error again, for each write of a group whose transaction failed: the refusal as
/// it was, a database error of the same kind with the same message.
pub fn shared_error(e: &StoreError) -> StoreError {
    use sqlx::Error as E;
    match e {
        StoreError::Invalid(v) => StoreError::Invalid(v.clone()),
        StoreError::BadUrl(s) => StoreError::BadUrl(s.clone()),
        StoreError::Corrupt(s) => StoreError::Corrupt(s.clone()),
        StoreError::Migration(s) => StoreError::Migration(s.clone()),
        StoreError::Db(d) => StoreError::Db(match d {
            E::Io(io) => E::Io(std::io::Error::new(io.kind(), io.to_string())),
            E::PoolTimedOut => E::PoolTimedOut,
            E::PoolClosed => E::PoolClosed,
            E::WorkerCrashed => E::WorkerCrashed,
            other => E::Protocol(other.to_string()),
        }),
    }
}
