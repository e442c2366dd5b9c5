//! Writing a batch of data values: checked, sorted into key order, compared with what is
//! stored, written in bulk, audited.

use crate::audit::AuditBuffer;
use crate::common::*;
use crate::locks::*;
use crate::rows::*;
use crate::sql::{scalar, stmt, SqlBackend, Tx};
use crate::{Actor, Changes, FieldError, StoreError, StoredUnit, ValueKey};
use chiso_core::fasthash::{FastMap, FastSet};
use chiso_core::{Code, DataElement, DataValue, DataValueInput, Period, SourceTag};
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashSet};

/// The stored values of some keys (sorted by key), read per element and chunk of units
/// over the period range of the batch: seeks on the primary key, whatever the table's size.
pub(crate) async fn stored_values<'k, B: SqlBackend>(
    tx: &mut Tx<B>,
    keys: impl IntoIterator<Item = &'k crate::bulk::ValueOut<'k>>,
) -> Result<Vec<DataValue>, StoreError> {
    // element → (its units, lowest period, highest period); the keys come sorted by
    // element, then unit.
    let mut by: Vec<(&str, Vec<&str>, &str, &str)> = Vec::new();
    for k in keys {
        let p = k.period.text.as_str();
        match by.last_mut() {
            Some(e) if e.0 == k.element => {
                if e.1.last() != Some(&k.unit) {
                    e.1.push(k.unit);
                }
                if p < e.2 {
                    e.2 = p;
                }
                if p > e.3 {
                    e.3 = p;
                }
            }
            _ => by.push((k.element, vec![k.unit], p, p)),
        }
    }
    let mut out = Vec::new();
    for (element, units, lo, hi) in by {
        for chunk in units.chunks(500) {
            let mut b = stmt(format!(
                "SELECT {VALUE_COLS} FROM data_values WHERE element = "
            ));
            b.push_bind(element).push(" AND unit IN (");
            let mut s = b.separated(", ");
            for u in chunk {
                s.push_bind(*u);
            }
            b.push(") AND period >= ")
                .push_bind(lo)
                .push(" AND period <= ")
                .push_bind(hi);
            b.push(B::ROW_LOCK);
            for r in b.fetch_all(&mut *tx).await? {
                out.push(value_from_row(&r)?);
            }
        }
    }
    let mut keyed: Vec<((String, String, String, String), DataValue)> = out
        .into_iter()
        .map(|v| {
            let (e, u, p, b) = crate::bulk::stored_key(&v);
            ((e.to_string(), u.to_string(), p, b.to_string()), v)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(keyed.into_iter().map(|(_, v)| v).collect())
}

/// The value `v` (`input` as written) stands as once written by `by` at `at`.
pub(crate) fn written(
    v: &crate::bulk::ValueOut<'_>,
    input: &DataValueInput,
    by: &str,
    at: DateTime<Utc>,
) -> DataValue {
    DataValue {
        element: input.element.clone(),
        unit: input.unit.clone(),
        period: input.period,
        breakdown: input.breakdown.clone(),
        value: v.value.clone(),
        num: v.num,
        comment: v.comment.map(str::to_string),
        source: input.source.clone(),
        stored_by: by.to_string(),
        stored_at: at,
    }
}

/// The audit row of `v` (`input` as written by `by` at `at`) replacing `old`.
pub(crate) fn audit_row(
    rows: &mut AuditBuffer,
    v: &crate::bulk::ValueOut<'_>,
    input: &DataValueInput,
    old: Option<&DataValue>,
    by: &str,
    at: DateTime<Utc>,
) {
    let new = written(v, input, by, at);
    let entity = format!(
        "data_value:{}/{}/{}/{}",
        v.element, v.unit, v.period.text, v.breakdown
    );
    let action = if old.is_some() {
        "data_value.update"
    } else {
        "data_value.insert"
    };
    rows.push(action, &entity, old.map(json), Some(json(&new)));
}

/// Whether writing `v` over `old` changes nothing: the same value with the same comment,
/// whoever brings it and however — it is not rewritten nor audited, and keeps its source
/// (an illustrative value uploaded again unchanged stays illustrative).
pub(crate) fn unchanged(old: &DataValue, v: &crate::bulk::ValueOut<'_>) -> bool {
    old.value == v.value && old.comment.as_deref() == v.comment
}

/// The refusal of a change to `v` (item `i`) that an approved report locks, if one does.
pub(crate) fn locked_error(
    locked: &Locked,
    i: usize,
    v: &crate::bulk::ValueOut<'_>,
) -> Result<Option<FieldError>, StoreError> {
    if locked.is_empty() {
        return Ok(None);
    }
    let Some((ds, period)) = locked_in(locked, v.element, v.unit, &v.period.text)? else {
        return Ok(None);
    };
    let unit = Code::parse(v.unit).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(Some(FieldError::new(
        Some(i),
        "value",
        locked_reason(ds, &unit, period),
    )))
}

/// Write a batch's audit: one chained row per value for a small batch, or one row for
/// the whole batch with its body (see `bulk`).
pub(crate) enum ValueAudit {
    Rows(AuditBuffer),
    Batch(crate::bulk::BatchBody),
}

impl ValueAudit {
    pub(crate) fn for_count(n: usize) -> ValueAudit {
        if n >= crate::bulk::BATCH_AUDIT_MIN {
            ValueAudit::Batch(crate::bulk::BatchBody::new(n))
        } else {
            ValueAudit::Rows(AuditBuffer::default())
        }
    }

    /// `v` is `input` as written.
    pub(crate) fn wrote(
        &mut self,
        v: &crate::bulk::ValueOut<'_>,
        input: &DataValueInput,
        old: Option<&DataValue>,
        by: &str,
        at: DateTime<Utc>,
    ) {
        match self {
            ValueAudit::Batch(b) => b.wrote(v, old),
            ValueAudit::Rows(rows) => audit_row(rows, v, input, old, by, at),
        }
    }

    pub(crate) fn deleted(&mut self, key: &ValueKey, old: &DataValue) {
        match self {
            ValueAudit::Batch(b) => b.deleted(old),
            ValueAudit::Rows(rows) => {
                rows.push("data_value.delete", &key.entity(), Some(json(old)), None)
            }
        }
    }

    pub(crate) async fn flush<B: SqlBackend>(
        self,
        tx: &mut Tx<B>,
        at: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        match self {
            ValueAudit::Rows(rows) => rows.flush(tx, at, actor).await,
            ValueAudit::Batch(b) => {
                if b.len() == 0 {
                    return Ok(());
                }
                let (body, elements, summary) = b.finish();
                let mut rows = AuditBuffer::default();
                rows.push(
                    crate::bulk::BATCH_ACTION,
                    crate::bulk::BATCH_ENTITY,
                    None,
                    Some(summary),
                );
                rows.flush(tx, at, actor).await?;
                let id: i64 = scalar("SELECT MAX(id) FROM audit_log")
                    .fetch_one(&mut *tx)
                    .await?;
                stmt("INSERT INTO audit_batches (audit_id, elements, body) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(elements)
                    .bind(body)
                    .execute(&mut *tx)
                    .await?;
                Ok(())
            }
        }
    }
}

/// What a batch of values is checked against, read once inside the transaction: every
/// element and breakdown option, the batch's units, its periods, and the locks of approved
/// reports. Elements, options, units and periods are numbered in code order as they are
/// read, so the rows are sorted into key order by comparing numbers, not strings. A group of
/// writes ([`crate::group`]) reads it once for all of them.
pub(crate) struct Checks {
    elements: FastMap<String, (DataElement, u128)>,
    options: FastMap<String, HashSet<String>>,
    /// No breakdown ("") sorts first.
    option_rank: FastMap<String, u128>,
    units: FastMap<String, (StoredUnit, u128)>,
    periods: FastMap<Period, (crate::bulk::PeriodCols, u128)>,
    /// Each distinct source of the batches, and its stored text.
    sources: Vec<(SourceTag, String)>,
    pub(crate) locked: Locked,
}

/// A value that passed the checks: its index in the request and its written form.
pub(crate) type Row<'c> = (usize, crate::bulk::ValueOut<'c>);

impl Checks {
    /// Read what `batches` are checked against (inside `tx`, so it cannot change before the
    /// values are written).
    pub(crate) async fn read<B: SqlBackend>(
        tx: &mut Tx<B>,
        batches: &[&[DataValueInput]],
    ) -> Result<Checks, StoreError> {
        let values = || batches.iter().flat_map(|b| b.iter());
        let mut element_list: Vec<DataElement> =
            stmt(format!("SELECT {ELEMENT_COLS} FROM data_elements"))
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(element_from_row)
                .collect::<Result<_, StoreError>>()?;
        element_list.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
        let elements = element_list
            .into_iter()
            .zip(0u128..)
            .map(|(e, k)| (e.code.to_string(), (e, k)))
            .collect();
        let mut options: FastMap<String, HashSet<String>> = FastMap::default();
        let mut option_codes: BTreeSet<String> = BTreeSet::new();
        for r in stmt("SELECT breakdown, code FROM breakdown_options")
            .fetch_all(&mut *tx)
            .await?
        {
            let code: String = r.get("code")?;
            option_codes.insert(code.clone());
            options.entry(r.get("breakdown")?).or_default().insert(code);
        }
        let option_rank = option_codes.into_iter().zip(1u128..).collect();
        let mut wanted: Vec<&str> = values()
            .map(|v| v.unit.as_str())
            .collect::<FastSet<_>>()
            .into_iter()
            .collect();
        wanted.sort_unstable();
        let mut units: FastMap<String, (StoredUnit, u128)> = FastMap::default();
        for chunk in wanted.chunks(500) {
            let mut b = stmt(format!("SELECT {UNIT_COLS} FROM units WHERE code IN ("));
            let mut sep = b.separated(", ");
            for c in chunk {
                sep.push_bind(*c);
            }
            b.push(")");
            for r in b.fetch_all(&mut *tx).await? {
                let u = unit_from_row(&r)?;
                let rank = wanted.binary_search(&u.unit.code.as_str()).unwrap_or(0) as u128;
                units.insert(u.unit.code.to_string(), (u, rank));
            }
        }
        let mut period_list: Vec<crate::bulk::PeriodCols> = values()
            .map(|v| v.period)
            .collect::<FastSet<_>>()
            .iter()
            .map(crate::bulk::PeriodCols::of)
            .collect();
        period_list.sort_by(|a, b| a.text.cmp(&b.text));
        let periods = period_list
            .into_iter()
            .zip(0u128..)
            .map(|(p, k)| (p.period, (p, k)))
            .collect();
        let mut sources: Vec<(SourceTag, String)> = Vec::new();
        for v in values() {
            if !sources.iter().any(|(s, _)| s == &v.source) {
                sources.push((v.source.clone(), v.source.to_string()));
            }
        }
        Ok(Checks {
            elements,
            options,
            option_rank,
            units,
            periods,
            sources,
            locked: approved_cells(tx).await?,
        })
    }

    fn source_of(&self, s: &SourceTag) -> &str {
        self.sources
            .iter()
            .find(|(t, _)| t == s)
            .map(|(_, text)| text.as_str())
            .unwrap_or("")
    }

    /// Check each value of `values` (one of the batches read) on its own, and against the
    /// others: the rows in key order, or every error found (sorted by item).
    pub(crate) fn rows<'c>(
        &'c self,
        values: &'c [DataValueInput],
    ) -> Result<Vec<Row<'c>>, StoreError> {
        // (index in the request, the input, its parsed value, its key as numbers, its period)
        type Checked<'v, 'p> = (
            usize,
            &'v DataValueInput,
            chiso_core::ParsedValue,
            u128,
            &'p crate::bulk::PeriodCols,
        );
        let check = |range: std::ops::Range<usize>| {
            let mut checked: Vec<Checked<'_, '_>> = Vec::with_capacity(range.len());
            let mut errors = Vec::new();
            // The last unit and period seen, whether the unit existed then, and its number:
            // rows of one unit and period tend to come together.
            let mut last_unit: Option<(&str, Period, bool, u128)> = None;
            for (i, v) in values.iter().enumerate().take(range.end).skip(range.start) {
                let mut ok = true;
                let mut p = None;
                let mut key = 0u128;
                match self.elements.get(v.element.as_str()) {
                    None => {
                        push_error(
                            &mut errors,
                            FieldError::new(
                                Some(i),
                                "element",
                                format!("unknown data element {}", v.element),
                            ),
                        );
                        ok = false;
                    }
                    Some((e, rank)) => {
                        key |= rank << 96;
                        match (&e.breakdown, &v.breakdown) {
                            (None, Some(b)) => {
                                push_error(
                                    &mut errors,
                                    FieldError::new(
                                        Some(i),
                                        "breakdown",
                                        format!(
                                            "data element {} has no breakdown, but {b} was given",
                                            e.code
                                        ),
                                    ),
                                );
                                ok = false;
                            }
                            (Some(cat), None) => {
                                push_error(&mut errors, FieldError::new(Some(i), "breakdown",
                                    format!("data element {} is broken down by {cat}; name one of its options", e.code)));
                                ok = false;
                            }
                            (Some(cat), Some(b)) => {
                                if !self
                                    .options
                                    .get(cat.as_str())
                                    .is_some_and(|o| o.contains(b.as_str()))
                                {
                                    push_error(
                                        &mut errors,
                                        FieldError::new(
                                            Some(i),
                                            "breakdown",
                                            format!("{b} is not an option of breakdown {cat}"),
                                        ),
                                    );
                                    ok = false;
                                }
                                key |= self.option_rank.get(b.as_str()).copied().unwrap_or(0);
                            }
                            (None, None) => {}
                        }
                        match parse_value(e.value_type, &v.value) {
                            Ok(x) => p = Some(x),
                            Err(reason) => {
                                push_error(&mut errors, FieldError::new(Some(i), "value", reason));
                                ok = false;
                            }
                        }
                    }
                }
                let (exists, unit_rank) = match last_unit {
                    Some((u, pe, e, r)) if u == v.unit.as_str() && pe == v.period => (e, r),
                    _ => {
                        let found = self.units.get(v.unit.as_str());
                        let e = found.is_some_and(|(u, _)| {
                            u.unit.exists_during(v.period.start(), v.period.end())
                        });
                        let r = found.map(|(_, r)| *r).unwrap_or(0);
                        last_unit = Some((v.unit.as_str(), v.period, e, r));
                        (e, r)
                    }
                };
                key |= unit_rank << 64;
                if !exists {
                    match self.units.get(v.unit.as_str()) {
                        None => push_error(
                            &mut errors,
                            FieldError::new(Some(i), "unit", format!("unknown unit {}", v.unit)),
                        ),
                        Some((u, _)) => {
                            let from = u
                                .unit
                                .valid_from
                                .map(|d| d.to_string())
                                .unwrap_or_else(|| "…".into());
                            let to = u
                                .unit
                                .valid_to
                                .map(|d| d.to_string())
                                .unwrap_or_else(|| "…".into());
                            push_error(&mut errors, FieldError::new(Some(i), "period",
                                format!("unit {} did not exist in period {} (it exists from {from} to {to})", v.unit, v.period)));
                        }
                    }
                    ok = false;
                }
                if v.comment
                    .as_ref()
                    .is_some_and(|c| c.chars().count() > chiso_core::value::MAX_COMMENT_LEN)
                {
                    push_error(
                        &mut errors,
                        FieldError::new(
                            Some(i),
                            "comment",
                            format!(
                                "the comment is longer than {} characters",
                                chiso_core::value::MAX_COMMENT_LEN
                            ),
                        ),
                    );
                    ok = false;
                }
                if let (true, Some(p), Some((cols, period_rank))) =
                    (ok, p, self.periods.get(&v.period))
                {
                    key |= period_rank << 32;
                    checked.push((i, v, p, key, cols));
                }
            }
            (checked, errors)
        };
        // Many values are checked in two halves at once.
        let mut checked: Vec<Checked<'_, '_>> = Vec::with_capacity(values.len());
        let mut errors = Vec::new();
        for (c, e) in chiso_core::parallel::in_halves(values.len(), 50_000, check) {
            checked.extend(c);
            for e in e {
                push_error(&mut errors, e);
            }
        }
        // In key order (then request order: the sort is stable): the primary key's tree then
        // grows at its end instead of splitting pages all over, and the same key twice sits
        // side by side.
        checked.sort_by_key(|c| c.3);
        for w in checked.windows(2) {
            if w[0].3 == w[1].3 {
                push_error(
                    &mut errors,
                    FieldError::new(
                        Some(w[1].0),
                        "value",
                        format!(
                            "the same element, unit, period and breakdown as item {}",
                            w[0].0 + 1
                        ),
                    ),
                );
            }
        }
        let rows: Vec<Row<'c>> = checked
            .into_iter()
            .map(|(i, v, p, _, cols)| {
                (
                    i,
                    crate::bulk::ValueOut {
                        element: v.element.as_str(),
                        unit: v.unit.as_str(),
                        period: cols,
                        breakdown: v.breakdown.as_ref().map(|b| b.as_str()).unwrap_or(""),
                        value: p.text,
                        num: p.num,
                        comment: v
                            .comment
                            .as_deref()
                            .map(str::trim)
                            .filter(|c| !c.is_empty()),
                        source: self.source_of(&v.source),
                    },
                )
            })
            .collect();
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.index);
            return Err(StoreError::Invalid(errors));
        }
        Ok(rows)
    }
}

/// Check a batch of values and write it with its audit inside `tx` (the caller commits,
/// or rolls back for a dry run). The values are checked and sorted without copying;
/// the stored ones are read by key range; new rows are inserted and changed ones
/// updated in bulk by the backend.
pub(crate) async fn write_values_tx<B: SqlBackend>(
    tx: &mut Tx<B>,
    values: &[DataValueInput],
    actor: &Actor,
) -> Result<Changes, StoreError> {
    // Writers queue here, as they would at the audit log's chain anyway: rows are then
    // never locked by two writers in different orders.
    if !B::CHAIN_LOCK.is_empty() {
        stmt(B::CHAIN_LOCK).execute(&mut *tx).await?;
    }
    if values.is_empty() {
        return Ok(Changes::default());
    }
    let started = std::time::Instant::now();
    let checks = Checks::read(tx, &[values]).await?;
    let rows = checks.rows(values)?;
    tracing::debug!(
        values = values.len(),
        ms = started.elapsed().as_millis() as u64,
        "store: values checked and sorted"
    );
    let stored = stored_values(tx, rows.iter().map(|(_, v)| v)).await?;
    tracing::debug!(
        stored = stored.len(),
        ms = started.elapsed().as_millis() as u64,
        "store: stored values read"
    );
    let now = Utc::now();
    let mut changes = Changes::default();
    // Values on approved reports are locked: changing one is refused (rewriting it
    // unchanged is not a change).
    let mut errors = Vec::new();
    let mut inserts: Vec<(usize, &crate::bulk::ValueOut<'_>)> = Vec::with_capacity(rows.len());
    let mut updates: Vec<(usize, &crate::bulk::ValueOut<'_>, &DataValue)> = Vec::new();
    let mut s = 0;
    for (i, v) in &rows {
        // Both lists are in key order: walk them together.
        let mut before = None;
        while s < stored.len() {
            let sk = crate::bulk::stored_key(&stored[s]);
            match (sk.0, sk.1, sk.2.as_str(), sk.3).cmp(&v.key()) {
                std::cmp::Ordering::Less => s += 1,
                std::cmp::Ordering::Equal => {
                    before = Some(&stored[s]);
                    break;
                }
                std::cmp::Ordering::Greater => break,
            }
        }
        if before.is_some_and(|o| unchanged(o, v)) {
            changes.unchanged += 1;
            continue;
        }
        if let Some(e) = locked_error(&checks.locked, *i, v)? {
            push_error(&mut errors, e);
            continue;
        }
        changes.wrote(before.is_some());
        match before {
            Some(o) => updates.push((*i, v, o)),
            None => inserts.push((*i, v)),
        }
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    // The audit is written out beside the insertion, on another thread.
    let audit_of = || {
        let mut audit = ValueAudit::for_count(inserts.len() + updates.len());
        for (i, v) in &inserts {
            audit.wrote(v, &values[*i], None, &actor.who, now);
        }
        for (i, v, o) in &updates {
            audit.wrote(v, &values[*i], Some(o), &actor.who, now);
        }
        audit
    };
    let new: Vec<&crate::bulk::ValueOut<'_>> = inserts.iter().map(|(_, v)| *v).collect();
    let updated: Vec<&crate::bulk::ValueOut<'_>> = updates.iter().map(|(_, v, _)| *v).collect();
    tracing::debug!(
        ms = started.elapsed().as_millis() as u64,
        "store: changes sorted out"
    );
    let audit = B::insert_new_values(tx, &new, &actor.who, now, audit_of).await?;
    B::update_values(tx, &updated, &actor.who, now).await?;
    tracing::debug!(
        inserted = new.len(),
        updated = updated.len(),
        ms = started.elapsed().as_millis() as u64,
        "store: values written"
    );
    audit.flush(tx, now, actor).await?;
    tracing::debug!(
        ms = started.elapsed().as_millis() as u64,
        "store: audit written"
    );
    Ok(changes)
}
