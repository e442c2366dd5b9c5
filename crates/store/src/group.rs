//! Group commit: several value writes in one transaction, each all or nothing on its own.
//! Writes of values only are written together ([`write_run`]): checked in memory one after
//! the other, a refused one (a refused value, a locked report) keeps its own error and
//! leaves nothing, and the others' values and audit rows go in a few statements for the
//! group — one commit, one flush to disk, for the whole group. Deletions and dry runs run
//! each in a savepoint, rolled back when it fails or is a dry run. The audit chain runs
//! through the group in order: each write's rows are chained to the rows of the write
//! before it.

use crate::audit::{flush_each, AuditBuffer};
use crate::bulk::ValueOut;
use crate::common::push_error;
use crate::sql::{SqlBackend, Tx};
use crate::values_write::{
    audit_row, locked_error, stored_values, unchanged, written, Checks, Row,
};
use crate::{Actor, Changes, StoreError, ValueKey};
use chiso_core::{DataValue, DataValueInput};
use chrono::Utc;
use std::collections::{HashMap, HashSet};

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

/// Whether a write of a group runs together with its neighbours ([`write_run`]): values
/// only, really written, fewer than a batch audit's. Deletions and dry runs run alone, each
/// in its savepoint.
pub(crate) fn plain(w: &ValueWrite<'_>) -> bool {
    !w.dry_run && w.deletes.is_empty() && w.values.len() < crate::bulk::BATCH_AUDIT_MIN
}

/// A value's key, owned.
type Key = (String, String, String, String);

fn key_of(v: &ValueOut<'_>) -> Key {
    (
        v.element.to_string(),
        v.unit.to_string(),
        v.period.text.clone(),
        v.breakdown.to_string(),
    )
}

/// Plain writes ([`plain`]) of a group, written together inside `tx` as if one after the
/// other: what they are checked against is read once, the stored values of all their keys
/// in one read, and each write is checked in memory against the state the writes before it
/// left — refused on its own (its result an error, nothing of it kept) or counted and
/// audited as it would be alone. Then the values go in a few statements for the whole run
/// (the last state of each key, by its last writer) and the audit rows in one chain. An `Err`
/// is the database's: the transaction is then in an unknown state and must be rolled back.
pub(crate) async fn write_run<B: SqlBackend>(
    tx: &mut Tx<B>,
    writes: &[ValueWrite<'_>],
) -> Result<Vec<Result<Changes, StoreError>>, StoreError> {
    let batches: Vec<&[DataValueInput]> = writes.iter().map(|w| w.values).collect();
    let checks = Checks::read(tx, &batches).await?;
    // Microseconds, as both databases keep a time: the state a later write of the run
    // replaces reads as it would from the database.
    let now = Utc::now();
    let now = chrono::DateTime::<Utc>::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now);
    let mut results: Vec<Option<Result<Changes, StoreError>>> = Vec::with_capacity(writes.len());
    let mut rows: Vec<Vec<Row<'_>>> = Vec::with_capacity(writes.len());
    for b in &batches {
        match checks.rows(b) {
            Ok(r) => {
                results.push(None);
                rows.push(r);
            }
            Err(e) => {
                results.push(Some(Err(e)));
                rows.push(Vec::new());
            }
        }
    }
    let mut keys: Vec<&ValueOut<'_>> = rows.iter().flatten().map(|(_, v)| v).collect();
    keys.sort_by(|a, b| a.key().cmp(&b.key()));
    keys.dedup_by(|a, b| a.key() == b.key());
    // Each key's value as the run goes: as stored, then as the writes before left it.
    let mut current: HashMap<Key, DataValue> = stored_values(tx, keys)
        .await?
        .into_iter()
        .map(|v| {
            let (e, u, p, b) = crate::bulk::stored_key(&v);
            ((e.to_string(), u.to_string(), p, b.to_string()), v)
        })
        .collect();
    let existed: HashSet<Key> = current.keys().cloned().collect();
    // The last write of each key changed: (the write, its row).
    let mut last: HashMap<Key, (usize, usize)> = HashMap::new();
    let mut audits: Vec<(&Actor, AuditBuffer)> = Vec::new();
    for (k, w) in writes.iter().enumerate() {
        if results[k].is_some() {
            continue;
        }
        let mut changes = Changes::default();
        let mut errors = Vec::new();
        // (its row, the value it replaces)
        let mut wrote: Vec<(usize, Option<DataValue>)> = Vec::new();
        for (r, (i, v)) in rows[k].iter().enumerate() {
            let before = current.get(&key_of(v));
            if before.is_some_and(|o| unchanged(o, v)) {
                changes.unchanged += 1;
                continue;
            }
            if let Some(e) = locked_error(&checks.locked, *i, v)? {
                push_error(&mut errors, e);
                continue;
            }
            changes.wrote(before.is_some());
            wrote.push((r, before.cloned()));
        }
        if !errors.is_empty() {
            results[k] = Some(Err(StoreError::Invalid(errors)));
            continue;
        }
        // New values first, then changed ones: as a write alone audits them.
        let mut audit = AuditBuffer::default();
        for (r, before) in wrote
            .iter()
            .filter(|(_, b)| b.is_none())
            .chain(wrote.iter().filter(|(_, b)| b.is_some()))
        {
            let (i, v) = &rows[k][*r];
            audit_row(
                &mut audit,
                v,
                &w.values[*i],
                before.as_ref(),
                &w.actor.who,
                now,
            );
        }
        for (r, _) in wrote {
            let (i, v) = &rows[k][r];
            let key = key_of(v);
            current.insert(key.clone(), written(v, &w.values[*i], &w.actor.who, now));
            last.insert(key, (k, r));
        }
        audits.push((w.actor, audit));
        results[k] = Some(Ok(changes));
    }
    // The last state of each key changed, by its last writer, in key order.
    let mut out: Vec<(bool, &str, &ValueOut<'_>)> = last
        .iter()
        .map(|(key, &(k, r))| {
            (
                existed.contains(key),
                writes[k].actor.who.as_str(),
                &rows[k][r].1,
            )
        })
        .collect();
    out.sort_by(|a, b| (a.0, a.1, a.2.key()).cmp(&(b.0, b.1, b.2.key())));
    for chunk in out.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        let (existed, by) = (chunk[0].0, chunk[0].1);
        let values: Vec<&ValueOut<'_>> = chunk.iter().map(|(_, _, v)| *v).collect();
        if existed {
            B::update_values(tx, &values, by, now).await?;
        } else {
            B::insert_new_values(tx, &values, by, now, || ()).await?;
        }
    }
    flush_each(tx, now, audits).await?;
    Ok(results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Ok(Changes::default())))
        .collect())
}
