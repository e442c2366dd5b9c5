//! Group commit: several value writes in one transaction, each all or nothing on its own. A
//! write runs inside a savepoint; when it fails (a refused value, a locked report) it is
//! rolled back to that savepoint and keeps its own error, and the others commit together —
//! one commit, one flush to disk, for the whole group. The audit chain runs through the
//! group in order: each write's rows are chained to the rows of the write before it.

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

/// The same error again, for each write of a group whose transaction failed: the refusal as
/// it was, a database error of the same kind with the same message.
pub fn shared_error(e: &StoreError) -> StoreError {
    use sqlx::Error as E;
    match e {
        StoreError::Invalid(v) => StoreError::Invalid(v.clone()),
        StoreError::BadUrl(s) => StoreError::BadUrl(s.clone()),
        StoreError::Corrupt(s) => StoreError::Corrupt(s.clone()),
        StoreError::Migration(s) => StoreError::Migration(s.clone()),
        StoreError::Unavailable(s) => StoreError::Unavailable(s.clone()),
        StoreError::Db(d) => StoreError::Db(match d {
            E::Io(io) => E::Io(std::io::Error::new(io.kind(), io.to_string())),
            E::PoolTimedOut => E::PoolTimedOut,
            E::PoolClosed => E::PoolClosed,
            E::WorkerCrashed => E::WorkerCrashed,
            other => E::Protocol(other.to_string()),
        }),
    }
}
