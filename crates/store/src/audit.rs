//! The audit log: chained rows appended in the writing transaction, read back, verified.

/// The result of checking the audit log's hash chain.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditCheck {
    pub rows: u64,
    /// The first row that breaks the chain, and why.
    pub broken: Option<(i64, String)>,
    /// The last row's id and hash: the head to anchor outside the database.
    #[serde(default)]
    pub head: Option<(i64, String)>,
    /// The first data value whose stored state differs from the chain's latest state of it
    /// (its entity), and why.
    #[serde(default)]
    pub values: Option<(String, String)>,
}

use crate::rows::*;
use crate::sql::{scalar, stmt, SqlBackend, Tx};
use crate::{Actor, AuditQuery, Counts, StoreError};
use chiso_core::AuditEntry;
use chrono::{DateTime, Utc};

/// Audit rows gathered during a write, written in a few multi-row statements just
/// before the transaction commits.
#[derive(Default)]
pub(crate) struct AuditBuffer {
    rows: Vec<(String, String, Option<String>, Option<String>)>,
}

impl AuditBuffer {
    pub(crate) fn push(
        &mut self,
        action: &str,
        entity: &str,
        old: Option<String>,
        new: Option<String>,
    ) {
        self.rows
            .push((action.to_string(), entity.to_string(), old, new));
    }

    pub(crate) async fn flush<B: SqlBackend>(
        self,
        tx: &mut Tx<B>,
        at: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        flush_each(tx, at, vec![(actor, self)]).await
    }
}

/// Append the audit rows of several writes, each by its own actor, chained in order after
/// the log's head (read once): the rows of one actor in a row go in one statement.
pub(crate) async fn flush_each<B: SqlBackend>(
    tx: &mut Tx<B>,
    at: DateTime<Utc>,
    buffers: Vec<(&Actor, AuditBuffer)>,
) -> Result<(), StoreError> {
    if buffers.iter().all(|(_, b)| b.rows.is_empty()) {
        return Ok(());
    }
    // Microseconds: what both databases keep, so the hash can be recomputed.
    let at = DateTime::<Utc>::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at);
    if !B::CHAIN_LOCK.is_empty() {
        stmt(B::CHAIN_LOCK).execute(&mut *tx).await?;
    }
    let mut prev: String = scalar("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
        .fetch_optional::<_, _, Option<String>>(&mut *tx)
        .await?
        .flatten()
        .unwrap_or_default();
    // (the actor, the rows: action, entity, old, new, previous hash, hash)
    type Chained<'b> = (
        &'b Actor,
        Vec<(
            &'b str,
            &'b str,
            Option<&'b str>,
            Option<&'b str>,
            String,
            String,
        )>,
    );
    let mut runs: Vec<Chained<'_>> = Vec::new();
    for (actor, buffer) in &buffers {
        if !runs.last().is_some_and(|(a, _)| *a == *actor) {
            runs.push((actor, Vec::with_capacity(buffer.rows.len())));
        }
        let Some((_, run)) = runs.last_mut() else {
            continue;
        };
        for (action, entity, old, new) in &buffer.rows {
            let hash = crate::audit_hash(
                &prev,
                at,
                &actor.who,
                actor.via.as_str(),
                action,
                entity,
                old.as_deref(),
                new.as_deref(),
            );
            run.push((
                action.as_str(),
                entity.as_str(),
                old.as_deref(),
                new.as_deref(),
                std::mem::replace(&mut prev, hash.clone()),
                hash,
            ));
        }
    }
    for (actor, run) in &runs {
        if run.is_empty() {
            continue;
        }
        let rows: Vec<crate::common::AuditRow<'_>> = run
            .iter()
            .map(
                |(action, entity, old, new, prev_hash, hash)| crate::common::AuditRow {
                    action,
                    entity,
                    old: *old,
                    new: *new,
                    prev_hash: prev_hash.as_str(),
                    hash: hash.as_str(),
                },
            )
            .collect();
        B::insert_audit_rows(tx, at, actor, &rows).await?;
    }
    Ok(())
}

/// Seal audit rows written before the log was chained (once, at open).
pub(crate) async fn seal_audit_log<B: SqlBackend>(db: &B) -> Result<u64, StoreError> {
    let mut tx = db.begin_write().await?;
    if !B::CHAIN_LOCK.is_empty() {
        stmt(B::CHAIN_LOCK).execute(&mut tx).await?;
    }
    let rows = stmt(
        "SELECT id, at, actor, via, action, entity, old_value, new_value FROM audit_log WHERE hash IS NULL ORDER BY id",
    )
    .fetch_all(&mut tx)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(0);
    };
    let first_id: i64 = first.get("id")?;
    let mut prev: String =
        scalar("SELECT hash FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT 1")
            .bind(first_id)
            .fetch_optional::<_, _, Option<String>>(&mut tx)
            .await?
            .flatten()
            .unwrap_or_default();
    for r in &rows {
        let at: DateTime<Utc> = r.get("at")?;
        let old: Option<String> = r.get("old_value")?;
        let new: Option<String> = r.get("new_value")?;
        let hash = crate::audit_hash(
            &prev,
            at,
            &r.get::<String>("actor")?,
            &r.get::<String>("via")?,
            &r.get::<String>("action")?,
            &r.get::<String>("entity")?,
            old.as_deref(),
            new.as_deref(),
        );
        stmt("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3")
            .bind(&prev)
            .bind(&hash)
            .bind(r.get::<i64>("id")?)
            .execute(&mut tx)
            .await?;
        prev = hash;
    }
    tx.commit().await?;
    Ok(rows.len() as u64)
}

#[async_trait::async_trait]
impl<B: SqlBackend> crate::AuditReads for B {
    fn backend(&self) -> crate::Backend {
        B::KIND
    }

    async fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
        let mut b = stmt(
            "SELECT id, at, actor, via, action, entity, old_value, new_value FROM audit_log WHERE 1 = 1",
        );
        let like = |s: &str| format!("{}%", s.replace(['\\', '%'], "").replace('_', "\\_"));
        // A value's history also lies in the bodies of batch rows: those are read and
        // their matching entries returned in place of the batch rows.
        let expand = q
            .entity_prefix
            .as_deref()
            .filter(|p| p.starts_with("data_value:"));
        if let Some(p) = &q.entity_prefix {
            b.push(" AND entity LIKE ")
                .push_bind(like(p))
                .push(" ESCAPE '\\'");
        }
        if expand.is_some() {
            b.push(" AND action <> ")
                .push_bind(crate::bulk::BATCH_ACTION);
        }
        if let Some(p) = &q.action_prefix {
            b.push(" AND action LIKE ")
                .push_bind(like(p))
                .push(" ESCAPE '\\'");
        }
        if let Some(a) = &q.actor {
            b.push(" AND actor = ").push_bind(a.clone());
        }
        let limit = q.limit.unwrap_or(1000).clamp(0, 100_000);
        b.push(" ORDER BY id DESC LIMIT ").push_bind(limit);
        let rows = b.fetch_all(self).await?;
        let mut out: Vec<AuditEntry> = rows.iter().map(audit_from_row).collect::<Result<_, _>>()?;
        let Some(prefix) = expand else {
            return Ok(out);
        };
        let element = prefix["data_value:".len()..]
            .split_once('/')
            .map(|(e, _)| e);
        let mut b = stmt(
            "SELECT a.id, a.at, a.actor, a.via, a.action, a.entity, a.old_value, a.new_value \
             FROM audit_log a JOIN audit_batches b ON b.audit_id = a.id WHERE 1 = 1",
        );
        if let Some(e) = element {
            b.push(" AND b.elements LIKE ")
                .push_bind(format!("%;{}%", like(&format!("{e};"))))
                .push(" ESCAPE '\\'");
        }
        if let Some(a) = &q.actor {
            b.push(" AND a.actor = ").push_bind(a.clone());
        }
        b.push(" ORDER BY a.id DESC");
        let batches: Vec<AuditEntry> = b
            .fetch_all(self)
            .await?
            .iter()
            .map(audit_from_row)
            .collect::<Result<_, _>>()?;
        if batches.is_empty() {
            return Ok(out);
        }
        let types = value_types(self).await?;
        let mut found = 0usize;
        for row in batches {
            if found >= limit as usize {
                // Older than every entry already found: none of its entries would be kept.
                break;
            }
            let body: Vec<u8> = scalar("SELECT body FROM audit_batches WHERE audit_id = $1")
                .bind(row.id)
                .fetch_one(self)
                .await?;
            let mut entries = crate::bulk::expand_batch(
                &row,
                &body,
                &types,
                crate::bulk::BatchFilter {
                    entity: Some(prefix),
                    action: q.action_prefix.as_deref(),
                    last: Some(limit as usize - found),
                },
            )?;
            entries.reverse();
            found += entries.len();
            out.extend(entries);
        }
        out.sort_by_key(|e| std::cmp::Reverse(e.id));
        out.truncate(limit as usize);
        Ok(out)
    }

    async fn audit_since(&self, after: i64, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = stmt(
            "SELECT id, at, actor, via, action, entity, old_value, new_value FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(limit.clamp(1, 100_000))
        .fetch_all(self)
        .await?;
        rows.iter().map(audit_from_row).collect()
    }

    async fn audit_batch(&self, id: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let row = stmt(
            "SELECT a.id, a.at, a.actor, a.via, a.action, a.entity, a.old_value, a.new_value, b.body \
             FROM audit_log a JOIN audit_batches b ON b.audit_id = a.id WHERE a.id = $1",
        )
        .bind(id)
        .fetch_optional(self)
        .await?;
        let Some(row) = row else {
            return Ok(Vec::new());
        };
        let body: Vec<u8> = row.get("body")?;
        let types = value_types(self).await?;
        crate::bulk::expand_batch(&audit_from_row(&row)?, &body, &types, Default::default())
    }

    async fn changes_since(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<crate::Committed>, StoreError> {
        let rows = self.audit_since(after, limit).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            if row.action == crate::bulk::BATCH_ACTION {
                for entry in self.audit_batch(row.id).await? {
                    out.push(crate::Committed {
                        id: row.id,
                        change: change_of(&entry, row.id)?,
                    });
                }
            } else {
                out.push(crate::Committed {
                    id: row.id,
                    change: change_of(row, row.id)?,
                });
            }
        }
        Ok(out)
    }

    async fn last_audit_id(&self) -> Result<i64, StoreError> {
        let id: Option<i64> = scalar("SELECT MAX(id) FROM audit_log")
            .fetch_one(self)
            .await?;
        Ok(id.unwrap_or(0))
    }

    async fn verify_audit(&self) -> Result<crate::AuditCheck, StoreError> {
        // Read in pages by id, so the whole log is never held.
        let mut prev = String::new();
        let mut n = 0u64;
        let mut after = 0i64;
        loop {
            let rows = stmt(
                "SELECT id, at, actor, via, action, entity, old_value, new_value, prev_hash, hash \
                 FROM audit_log WHERE id > $1 ORDER BY id LIMIT 10000",
            )
            .bind(after)
            .fetch_all(self)
            .await?;
            let Some(last) = rows.last() else {
                break;
            };
            after = last.get("id")?;
            for r in &rows {
                n += 1;
                let id: i64 = r.get("id")?;
                let prev_hash: Option<String> = r.get("prev_hash")?;
                let hash: Option<String> = r.get("hash")?;
                let (Some(prev_hash), Some(hash)) = (prev_hash, hash) else {
                    return Ok(crate::AuditCheck {
                        rows: n,
                        broken: Some((id, "the row is not sealed".into())),
                        ..Default::default()
                    });
                };
                if prev_hash != prev {
                    return Ok(crate::AuditCheck {
                        rows: n,
                        broken: Some((id, "the link to the previous row does not match: a row before it was removed, added or edited".into())),
                        ..Default::default()
                    });
                }
                let at: DateTime<Utc> = r.get("at")?;
                let old: Option<String> = r.get("old_value")?;
                let new: Option<String> = r.get("new_value")?;
                let action: String = r.get("action")?;
                let expect = crate::audit_hash(
                    &prev,
                    at,
                    &r.get::<String>("actor")?,
                    &r.get::<String>("via")?,
                    &action,
                    &r.get::<String>("entity")?,
                    old.as_deref(),
                    new.as_deref(),
                );
                if expect != hash {
                    return Ok(crate::AuditCheck {
                        rows: n,
                        broken: Some((
                            id,
                            "the row's content does not match its hash: it was edited".into(),
                        )),
                        ..Default::default()
                    });
                }
                if action == crate::bulk::BATCH_ACTION {
                    let body: Option<Vec<u8>> =
                        scalar("SELECT body FROM audit_batches WHERE audit_id = $1")
                            .bind(id)
                            .fetch_optional(self)
                            .await?;
                    if !body.is_some_and(|b| crate::bulk::body_matches(new.as_deref(), &b)) {
                        return Ok(crate::AuditCheck {
                            rows: n,
                            broken: Some((id, "the batch's list of values does not match the digest in its row: it was edited or removed".into())),
                            ..Default::default()
                        });
                    }
                }
                prev = hash;
            }
        }
        let head = (!prev.is_empty()).then_some((after, prev));
        // The chain is whole: its latest state of every value must be what is stored.
        let values = crate::audit_replay::first_mismatch(self).await?;
        Ok(crate::AuditCheck {
            rows: n,
            broken: None,
            head,
            values,
        })
    }

    async fn audit_hash_at(&self, id: Option<i64>) -> Result<Option<(i64, String)>, StoreError> {
        let row = match id {
            Some(id) => {
                stmt("SELECT id, hash FROM audit_log WHERE id = $1")
                    .bind(id)
                    .fetch_optional(self)
                    .await?
            }
            None => {
                stmt("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
                    .fetch_optional(self)
                    .await?
            }
        };
        row.map(|r| {
            Ok((
                r.get("id")?,
                r.get::<Option<String>>("hash")?.unwrap_or_default(),
            ))
        })
        .transpose()
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        let mut c = Counts::default();
        for (table, slot) in [
            ("units", &mut c.units),
            ("unit_groups", &mut c.unit_groups),
            ("successor_links", &mut c.successor_links),
            ("data_elements", &mut c.data_elements),
            ("data_values", &mut c.data_values),
            ("indicators", &mut c.indicators),
            ("audit_log", &mut c.audit_log),
        ] {
            *slot = scalar(format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(self)
                .await?;
        }
        Ok(c)
    }

    async fn close(&self) {
        self.close_pool().await;
    }

    async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(self)
            .await?)
    }
}

#[async_trait::async_trait]
impl<B: SqlBackend> crate::AuditWrites for B {
    async fn log_event(
        &self,
        action: &str,
        entity: &str,
        detail: Option<&str>,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let mut audit = AuditBuffer::default();
        audit.push(action, entity, None, detail.map(str::to_string));
        audit.flush(&mut tx, Utc::now(), actor).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        stmt("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_meta_audited(
        &self,
        key: &str,
        value: &str,
        action: &str,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let old: Option<String> = scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&mut tx)
            .await?;
        if old.as_deref() == Some(value) {
            return Ok(false);
        }
        stmt("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
            .bind(key)
            .bind(value)
            .execute(&mut tx)
            .await?;
        let mut audit = AuditBuffer::default();
        audit.push(action, key, old, Some(value.to_string()));
        audit.flush(&mut tx, Utc::now(), actor).await?;
        tx.commit().await?;
        Ok(true)
    }

    // ---- data collection ----
}

/// The actions whose rows record the structure figures are built from.
const STRUCTURE: [&str; 9] = [
    "unit.",
    "unit_group.",
    "successor.",
    "breakdown.",
    "data_element.",
    "indicator.",
    "constant.",
    "data_set.",
    "validation_rule.",
];

/// What an audit row records, typed. A data row whose JSON cannot be read is an error that
/// names the row.
fn change_of(e: &AuditEntry, id: i64) -> Result<crate::Change, StoreError> {
    fn read<T: serde::de::DeserializeOwned>(
        json: Option<&str>,
        id: i64,
        action: &str,
    ) -> Result<T, StoreError> {
        let text = json.ok_or_else(|| {
            StoreError::Corrupt(format!("audit row {id} ({action}) has no value to apply"))
        })?;
        serde_json::from_str(text).map_err(|err| {
            StoreError::Corrupt(format!("audit row {id} ({action}) cannot be read: {err}"))
        })
    }
    let key = |v: &chiso_core::DataValue| crate::ValueKey {
        element: v.element.clone(),
        unit: v.unit.clone(),
        period: v.period,
        breakdown: v.breakdown.clone(),
    };
    let action = e.action.as_str();
    Ok(match action {
        "data_value.insert" | "data_value.update" => {
            let v: chiso_core::DataValue = read(e.new_value.as_deref(), id, action)?;
            crate::Change::Value {
                key: key(&v),
                value: Some(v),
            }
        }
        "data_value.delete" => {
            let v: chiso_core::DataValue = read(e.old_value.as_deref(), id, action)?;
            crate::Change::Value {
                key: key(&v),
                value: None,
            }
        }
        "completion.insert" => crate::Change::Completion {
            completion: read(e.new_value.as_deref(), id, action)?,
            received: true,
        },
        "completion.delete" => crate::Change::Completion {
            completion: read(e.old_value.as_deref(), id, action)?,
            received: false,
        },
        "approval.insert" => crate::Change::Approval {
            approval: read(e.new_value.as_deref(), id, action)?,
            approved: true,
        },
        "approval.delete" => crate::Change::Approval {
            approval: read(e.old_value.as_deref(), id, action)?,
            approved: false,
        },
        a if a.starts_with("data_value.") => {
            return Err(StoreError::Corrupt(format!(
                "audit row {id}: unknown data action {a}"
            )))
        }
        a if STRUCTURE.iter().any(|p| a.starts_with(p)) => crate::Change::Structure,
        _ => crate::Change::Other,
    })
}
