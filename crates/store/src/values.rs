//! Data values: reads, the locks of approved reports, deletions, and the write entry points.

use crate::common::*;
use crate::locks::*;
use crate::rows::*;
use crate::sql::{scalar, stmt, SqlBackend, Tx};
use crate::values_write::*;
use crate::{Actor, Changes, FieldError, StoreError, ValueKey, ValueQuery};
use chiso_core::{DataValue, DataValueInput};
use chrono::Utc;

pub(crate) async fn delete_values_tx<B: SqlBackend>(
    tx: &mut Tx<B>,
    keys: &[ValueKey],
    actor: &Actor,
) -> Result<Changes, StoreError> {
    if !B::CHAIN_LOCK.is_empty() {
        stmt(B::CHAIN_LOCK).execute(&mut *tx).await?;
    }
    let locked = approved_cells(tx).await?;
    if !locked.is_empty() {
        let mut errors = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            if let Some((ds, period)) = locked_in(
                &locked,
                k.element.as_str(),
                k.unit.as_str(),
                &k.period.to_string(),
            )? {
                let exists: bool = scalar(
                    "SELECT EXISTS (SELECT 1 FROM data_values WHERE element = $1 AND unit = $2 AND period = $3 AND breakdown = $4)",
                )
                .bind(k.element.as_str())
                .bind(k.unit.as_str())
                .bind(k.period.to_string())
                .bind(k.breakdown.as_ref().map(|b| b.as_str()).unwrap_or(""))
                .fetch_one(&mut *tx)
                .await?;
                if exists {
                    push_error(
                        &mut errors,
                        FieldError::new(Some(i), "value", locked_reason(ds, &k.unit, period)),
                    );
                }
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
    }
    let now = Utc::now();
    let mut audit = ValueAudit::for_count(keys.len());
    let mut changes = Changes::default();
    for key in keys {
        let bd = key
            .breakdown
            .as_ref()
            .map(|b| b.to_string())
            .unwrap_or_default();
        let old = stmt(format!(
            "DELETE FROM data_values WHERE element = $1 AND unit = $2 AND period = $3 AND breakdown = $4 \
             RETURNING {VALUE_COLS}"
        ))
        .bind(key.element.as_str())
        .bind(key.unit.as_str())
        .bind(key.period.to_string())
        .bind(&bd)
        .fetch_optional(&mut *tx)
        .await?;
        match old.as_ref().map(value_from_row).transpose()? {
            None => changes.unchanged += 1,
            Some(o) => {
                audit.deleted(key, &o);
                changes.deleted += 1;
            }
        }
    }
    audit.flush(tx, now, actor).await?;
    Ok(changes)
}

#[async_trait::async_trait]
impl<B: SqlBackend> crate::ValueReads for B {
    async fn values(&self, q: &ValueQuery) -> Result<Vec<DataValue>, StoreError> {
        let mut b = stmt("");
        let subtree = q.descendants && !q.units.is_empty();
        if subtree {
            b.push("WITH RECURSIVE sub(code) AS (SELECT code FROM units WHERE code IN (");
            let mut s = b.separated(", ");
            for u in &q.units {
                s.push_bind(u.to_string());
            }
            b.push(") UNION SELECT u.code FROM units u JOIN sub s ON u.parent = s.code) ");
        }
        b.push(format!("SELECT {VALUE_COLS} FROM data_values WHERE 1 = 1"));
        if subtree {
            b.push(" AND unit IN (SELECT code FROM sub)");
        } else if !q.units.is_empty() {
            b.push(" AND unit IN (");
            let mut s = b.separated(", ");
            for u in &q.units {
                s.push_bind(u.to_string());
            }
            b.push(")");
        }
        if !q.elements.is_empty() {
            b.push(" AND element IN (");
            let mut s = b.separated(", ");
            for e in &q.elements {
                s.push_bind(e.to_string());
            }
            b.push(")");
        } else if !q.units.is_empty() {
            // The key starts with the element: naming every element lets the database
            // seek each (element, unit) instead of reading the whole table.
            b.push(" AND element IN (SELECT code FROM data_elements)");
        }
        if !q.periods.is_empty() {
            b.push(" AND period IN (");
            let mut s = b.separated(", ");
            for p in &q.periods {
                s.push_bind(p.to_string());
            }
            b.push(")");
        }
        if let Some(k) = &q.after {
            b.push(" AND (element, unit, period, breakdown) > (")
                .push_bind(k.element.as_str())
                .push(", ")
                .push_bind(k.unit.as_str())
                .push(", ")
                .push_bind(k.period.to_string())
                .push(", ")
                .push_bind(k.breakdown.as_ref().map(|b| b.as_str()).unwrap_or(""))
                .push(")");
        }
        // The key's order: read as stored, without sorting.
        b.push(" ORDER BY element, unit, period, breakdown");
        if let Some(l) = q.limit {
            b.push(" LIMIT ").push_bind(l.max(0));
            if let Some(o) = q.offset {
                b.push(" OFFSET ").push_bind(o.max(0));
            }
        }
        let rows = b.fetch_all(self).await?;
        rows.iter().map(value_from_row).collect()
    }

    async fn scan_numbers(&self, sink: &mut crate::NumberSink<'_>) -> Result<u64, StoreError> {
        self.scan_numbers_packed(sink).await
    }

    async fn published_keys(
        &self,
        elements: &[chiso_core::Code],
    ) -> Result<Vec<ValueKey>, StoreError> {
        if elements.is_empty() {
            return Ok(Vec::new());
        }
        // Named elements: the key's first column, so each element's rows are sought.
        let mut b =
            stmt("SELECT element, unit, period, breakdown FROM data_values WHERE element IN (");
        let mut s = b.separated(", ");
        for e in elements {
            s.push_bind(e.to_string());
        }
        b.push(") AND num IS NOT NULL AND source IN ('published', 'derived')");
        let rows = b.fetch_all(self).await?;
        rows.iter()
            .map(|r| {
                Ok(ValueKey {
                    element: code_of(r.get("element")?)?,
                    unit: code_of(r.get("unit")?)?,
                    period: period_of(&r.get::<String>("period")?)?,
                    breakdown: opt_code(r.get("breakdown")?)?,
                })
            })
            .collect()
    }
}

/// Delete some values and write others inside `tx`, all or nothing (the caller commits or
/// rolls back). A deletion's error names its place in the deletions.
pub(crate) async fn apply_values_tx<B: SqlBackend>(
    tx: &mut Tx<B>,
    values: &[DataValueInput],
    deletes: &[ValueKey],
    actor: &Actor,
) -> Result<Changes, StoreError> {
    let mut changes = if deletes.is_empty() {
        Changes::default()
    } else {
        delete_values_tx(tx, deletes, actor)
            .await
            .map_err(|e| match e {
                StoreError::Invalid(errors) => StoreError::Invalid(
                    errors
                        .into_iter()
                        .map(|e| crate::FieldError {
                            list: crate::ItemList::Deletions,
                            ..e
                        })
                        .collect(),
                ),
                e => e,
            })?
    };
    changes.add(write_values_tx(tx, values, actor).await?);
    Ok(changes)
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
    w: &crate::ValueWrite<'_>,
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

/// Run `writes` in one transaction (see [`crate::group`]): runs of plain writes together
/// ([`crate::group::write_run`]), the others each in its savepoint. When the database fails a
/// run's statement, the transaction is rolled back and the group written again, every write
/// in its own savepoint: the write the database refuses gets its error, the others commit.
/// An error here means the transaction itself failed: nothing of the group was written.
async fn write_group<B: SqlBackend>(
    db: &B,
    writes: &[crate::ValueWrite<'_>],
) -> Result<crate::Group, StoreError> {
    match attempt(db, writes, true).await {
        Ok(g) => Ok(g),
        Err(Failed::Run(e)) if !e.is_unavailable() => {
            tracing::warn!(error = %e, writes = writes.len(),
                "a group's writes failed together; written again one at a time");
            attempt(db, writes, false).await.map_err(Failed::into_error)
        }
        Err(f) => Err(f.into_error()),
    }
}

/// Why a group's transaction failed: in a run of writes together, or elsewhere.
enum Failed {
    Run(StoreError),
    Other(StoreError),
}

impl Failed {
    fn into_error(self) -> StoreError {
        match self {
            Failed::Run(e) | Failed::Other(e) => e,
        }
    }
}

impl From<StoreError> for Failed {
    fn from(e: StoreError) -> Failed {
        Failed::Other(e)
    }
}

/// The group in one transaction; with `together`, runs of plain writes together.
async fn attempt<B: SqlBackend>(
    db: &B,
    writes: &[crate::ValueWrite<'_>],
    together: bool,
) -> Result<crate::Group, Failed> {
    let mut tx = db.begin_write().await?;
    // The chain's lock first (PostgreSQL): the head read below stays the head.
    if !B::CHAIN_LOCK.is_empty() {
        stmt(B::CHAIN_LOCK).execute(&mut tx).await?;
    }
    let head_before = head(&mut tx).await?;
    let mut results = Vec::with_capacity(writes.len());
    let mut k = 0;
    while k < writes.len() {
        let n = if together {
            writes[k..]
                .iter()
                .take_while(|w| crate::group::plain(w))
                .count()
        } else {
            0
        };
        if n > 0 {
            let run = crate::group::write_run(&mut tx, &writes[k..k + n])
                .await
                .map_err(Failed::Run)?;
            results.extend(run);
            k += n;
        } else {
            results.push(one(&mut tx, &writes[k]).await?);
            k += 1;
        }
    }
    let head_after = head(&mut tx).await?;
    // A dry run's changes were rolled back to its savepoint: only the others' count. A group
    // that changed nothing is rolled back, so the database is not touched at all.
    if writes
        .iter()
        .zip(&results)
        .any(|(w, r)| !w.dry_run && matches!(r, Ok(c) if c.changed() > 0))
    {
        tx.commit().await?;
    } else {
        tx.rollback().await?;
    }
    Ok(crate::Group {
        results,
        head_before,
        head_after,
    })
}

#[async_trait::async_trait]
impl<B: SqlBackend> crate::ValueWrites for B {
    async fn write_group(
        &self,
        writes: &[crate::ValueWrite<'_>],
    ) -> Result<crate::Group, StoreError> {
        write_group(self, writes).await
    }

    async fn write_values(
        &self,
        values: &[DataValueInput],
        actor: &Actor,
    ) -> Result<Changes, StoreError> {
        let mut tx = self.begin_write().await?;
        let changes = write_values_tx(&mut tx, values, actor).await?;
        tx.commit().await?;
        Ok(changes)
    }

    async fn apply_values(
        &self,
        values: &[DataValueInput],
        deletes: &[ValueKey],
        actor: &Actor,
        dry_run: bool,
    ) -> Result<Changes, StoreError> {
        let mut tx = self.begin_write().await?;
        let changes = apply_values_tx(&mut tx, values, deletes, actor).await?;
        let started = std::time::Instant::now();
        if dry_run {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        tracing::debug!(
            ms = started.elapsed().as_millis() as u64,
            dry_run,
            "store: transaction ended"
        );
        Ok(changes)
    }

    async fn delete_values(&self, keys: &[ValueKey], actor: &Actor) -> Result<Changes, StoreError> {
        let mut tx = self.begin_write().await?;
        let changes = delete_values_tx(&mut tx, keys, actor).await?;
        tx.commit().await?;
        Ok(changes)
    }
}
