//! The one implementation of [`crate::Store`], written once and instantiated for each backend
//! by `impl_store!`. The SQL is the dialect both databases share (`$n` parameters, `ON
//! CONFLICT`, recursive CTEs); only the row-lock suffix differs.

use crate::{FieldError, StoreError, StoredUnit};
use chiso_core::{
    AggregationType, Code, DataElement, ParsedValue, Period, SuccessorLink, Unit, UnitKind,
    ValueType,
};
use std::collections::{HashMap, HashSet};

/// Most field errors reported for one request; past that the list says how many more.
pub(crate) const MAX_ERRORS: usize = 100;

pub(crate) fn push_error(errors: &mut Vec<FieldError>, e: FieldError) {
    if errors.len() < MAX_ERRORS {
        errors.push(e);
    }
}

pub(crate) fn code_of(s: String) -> Result<Code, StoreError> {
    Code::parse(&s).map_err(|e| StoreError::Corrupt(format!("stored code '{s}': {e}")))
}

pub(crate) fn opt_code(s: Option<String>) -> Result<Option<Code>, StoreError> {
    s.filter(|s| !s.is_empty()).map(code_of).transpose()
}

pub(crate) fn kind_of(s: &str) -> Result<UnitKind, StoreError> {
    UnitKind::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unit kind '{s}'")))
}

pub(crate) fn value_type_of(s: &str) -> Result<ValueType, StoreError> {
    ValueType::parse(s).ok_or_else(|| StoreError::Corrupt(format!("value type '{s}'")))
}

pub(crate) fn aggregation_of(s: &str) -> Result<AggregationType, StoreError> {
    AggregationType::parse(s).ok_or_else(|| StoreError::Corrupt(format!("aggregation '{s}'")))
}

pub(crate) fn period_of(s: &str) -> Result<Period, StoreError> {
    Period::parse(s).map_err(|e| StoreError::Corrupt(format!("stored period: {e}")))
}

pub(crate) fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Check a batch of units against each other and the stored ones, and compute every unit's
/// level. Returns the levels of all units (stored and new) or the errors.
pub(crate) fn plan_units(
    units: &[Unit],
    existing: &HashMap<String, StoredUnit>,
) -> Result<HashMap<String, i32>, StoreError> {
    let mut errors = Vec::new();
    let mut parents: HashMap<&str, Option<&str>> = existing
        .iter()
        .map(|(c, u)| (c.as_str(), u.unit.parent.as_ref().map(|p| p.as_str())))
        .collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, u) in units.iter().enumerate() {
        if let Err(e) = u.check() {
            push_error(&mut errors, FieldError::new(Some(i), "unit", e.to_string()));
        }
        if let Some(j) = seen.insert(u.code.as_str(), i) {
            push_error(
                &mut errors,
                FieldError::new(
                    Some(i),
                    "code",
                    format!("unit {} appears twice (also item {})", u.code, j + 1),
                ),
            );
        }
        parents.insert(u.code.as_str(), u.parent.as_ref().map(|p| p.as_str()));
    }
    for (i, u) in units.iter().enumerate() {
        if let Some(p) = &u.parent {
            if !parents.contains_key(p.as_str()) {
                push_error(
                    &mut errors,
                    FieldError::new(Some(i), "parent", format!("unknown parent unit {p}")),
                );
            }
        }
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    let mut levels: HashMap<String, i32> = HashMap::new();
    for &start in parents.keys() {
        if levels.contains_key(start) {
            continue;
        }
        // Walk up to a unit whose level is known (or a root), then fill the chain.
        let mut chain = vec![start];
        let mut on_chain: HashSet<&str> = HashSet::from([start]);
        let mut base = 0;
        let mut cur = start;
        loop {
            match parents.get(cur).copied().flatten() {
                None => break,
                Some(p) => {
                    if let Some(l) = levels.get(p) {
                        base = *l;
                        break;
                    }
                    if !on_chain.insert(p) {
                        // Name the submitted unit that closes the cycle.
                        let i = units
                            .iter()
                            .position(|u| on_chain.contains(u.code.as_str()));
                        let who = i.map(|i| units[i].code.as_str()).unwrap_or(start);
                        return Err(StoreError::invalid(
                            i,
                            "parent",
                            format!("unit {who} would be below itself (a cycle through {p})"),
                        ));
                    }
                    chain.push(p);
                    cur = p;
                }
            }
        }
        for (depth, c) in chain.iter().rev().enumerate() {
            levels.insert((*c).to_string(), base + depth as i32 + 1);
        }
    }
    Ok(levels)
}

/// Check an element definition against the known breakdowns.
pub(crate) fn check_element(
    i: usize,
    e: &DataElement,
    breakdowns: &HashSet<String>,
    errors: &mut Vec<FieldError>,
) {
    if let Err(r) = e.check() {
        push_error(errors, FieldError::new(Some(i), "data_element", r));
    }
    if let Some(b) = &e.breakdown {
        if !breakdowns.contains(b.as_str()) {
            push_error(
                errors,
                FieldError::new(Some(i), "breakdown", format!("unknown breakdown {b}")),
            );
        }
    }
}

/// Check a successor link's shape.
pub(crate) fn check_link(i: usize, l: &SuccessorLink, errors: &mut Vec<FieldError>) {
    if let Err(r) = l.check() {
        push_error(errors, FieldError::new(Some(i), "successor", r));
    }
}

/// A value checked against its element: the parsed value or the reason.
pub(crate) fn parse_value(value_type: ValueType, raw: &str) -> Result<ParsedValue, String> {
    ParsedValue::parse(value_type, raw).map_err(|e| e.to_string())
}

/// One audit row, chained, ready to insert.
pub(crate) struct AuditRow<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub old: Option<&'a str>,
    pub new: Option<&'a str>,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

macro_rules! impl_store {
    ($store:ty, $db:ty, $backend:expr, $lock:expr, $chain_lock:expr, $pack:expr) => {
        use $crate::imp::{
            aggregation_of, check_element, check_link, code_of, json, kind_of, opt_code, parse_value,
            period_of, plan_units, push_error, value_type_of,
        };
        use $crate::{
            Actor, AuditQuery, Backend, Changes, Counts, FieldError, StoredUnit, UnitQuery, ValueKey,
            ValueQuery,
        };
        use chiso_core::account::Assignment;
        use chiso_core::{
            AuditEntry, Breakdown, BreakdownOption, Code, DataElement, DataValue, DataValueInput, Framework, Indicator, Period, Scorecard, Target, TargetScope,
            SourceTag, SuccessorLink, Unit, UnitGroup,
        };
        use chiso_core::fasthash::{FastMap, FastSet};
        use chrono::{DateTime, NaiveDate, Utc};
        use sqlx::{QueryBuilder, Row};
        use std::collections::{BTreeSet, HashMap, HashSet};

        const UNIT_COLS: &str =
            "code, gso_code, name_vi, name_en, kind, parent, level, valid_from, valid_to, lat, lon";
        const ELEMENT_COLS: &str =
            "code, name_vi, name_en, value_type, aggregation, unit_of_measure, breakdown, description";
        const INDICATOR_COLS: &str =
            "code, name_vi, name_en, numerator, denominator, factor, decimals, direction, unit_label, is_rate, description, published";
        const TARGET_COLS: &str = "code, framework, position, name_vi, name_en, scope_kind, scope_code, period, \
             indicator, comparator, value, due, completed_on, note";
        const TOKEN_COLS: &str = "id, username, name, token_hash, created_at, last_used_at, revoked_at";
        const VALUE_COLS: &str =
            "element, unit, period, breakdown, value, num, comment, source, stored_by, stored_at";

        type DbRow = <$db as sqlx::Database>::Row;
        type Tx = sqlx::Transaction<'static, $db>;

        const EVIDENCE_COLS: &str = "id, data_set, unit, period, element, file_name, content_type, size, sha256, doc_number, doc_date, summary, uploaded_by, uploaded_at";

        /// element → unit → the approved reports holding it (their period, data set and
        /// convention): a value of that element and unit in any period inside an approved
        /// report's period is locked until the report is un-approved. Nested so that a value's
        /// key is looked up without copying.
        type Locked = FastMap<String, FastMap<String, Vec<(Period, String, chiso_core::Convention)>>>;

        async fn approved_cells(tx: &mut Tx) -> Result<Locked, StoreError> {
            let rows = sqlx::query(
                "SELECT DISTINCT e.element, a.unit, a.period, a.data_set, d.convention FROM approvals a \
                 JOIN data_set_elements e ON e.data_set = a.data_set \
                 JOIN data_sets d ON d.code = a.data_set",
            )
            .fetch_all(&mut **tx)
            .await?;
            let mut out = Locked::default();
            for r in &rows {
                let period: String = r.try_get("period")?;
                let period = Period::parse(&period).map_err(|e| StoreError::Corrupt(format!("approval period {period}: {e}")))?;
                let convention: String = r.try_get("convention")?;
                let convention = chiso_core::Convention::parse(&convention)
                    .ok_or_else(|| StoreError::Corrupt(format!("data set convention {convention}")))?;
                out.entry(r.try_get("element")?)
                    .or_default()
                    .entry(r.try_get("unit")?)
                    .or_default()
                    .push((period, r.try_get("data_set")?, convention));
            }
            Ok(out)
        }

        /// The approved report that locks a value, if any: one of the same element and unit
        /// whose period is the value's or holds it (read on the calendar, as the engine adds
        /// periods up, or in the data set's own convention).
        fn locked_in<'l>(locked: &'l Locked, element: &str, unit: &str, period: &str) -> Result<Option<(&'l String, &'l Period)>, StoreError> {
            let Some(reports) = locked.get(element).and_then(|u| u.get(unit)) else {
                return Ok(None);
            };
            let p = Period::parse(period).map_err(|e| StoreError::Corrupt(format!("period {period}: {e}")))?;
            Ok(reports
                .iter()
                .find(|(lp, _, conv)| {
                    *lp == p
                        || lp.contains(&p, chiso_core::Convention::Calendar)
                        || lp.contains(&p, *conv)
                })
                .map(|(lp, ds, _)| (ds, lp)))
        }

        /// The stored values of some keys (sorted by key), read per element and chunk of units
        /// over the period range of the batch: seeks on the primary key, whatever the table's size.
        async fn stored_values(tx: &mut Tx, keys: &[(usize, $crate::bulk::ValueOut<'_>)]) -> Result<Vec<DataValue>, StoreError> {
            // element → (its units, lowest period, highest period); the keys come sorted by
            // element, then unit.
            let mut by: Vec<(&str, Vec<&str>, &str, &str)> = Vec::new();
            for (_, k) in keys {
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
                    let mut b: QueryBuilder<'_, $db> = QueryBuilder::new(format!("SELECT {VALUE_COLS} FROM data_values WHERE element = "));
                    b.push_bind(element).push(" AND unit IN (");
                    let mut s = b.separated(", ");
                    for u in chunk {
                        s.push_bind(*u);
                    }
                    b.push(") AND period >= ").push_bind(lo).push(" AND period <= ").push_bind(hi);
                    b.push($lock);
                    for r in b.build().fetch_all(&mut **tx).await? {
                        out.push(value_from_row(&r)?);
                    }
                }
            }
            let mut keyed: Vec<((String, String, String, String), DataValue)> = out
                .into_iter()
                .map(|v| {
                    let (e, u, p, b) = $crate::bulk::stored_key(&v);
                    ((e.to_string(), u.to_string(), p, b.to_string()), v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(keyed.into_iter().map(|(_, v)| v).collect())
        }

        /// Write a batch's audit: one chained row per value for a small batch, or one row for
        /// the whole batch with its body (see `bulk`).
        enum ValueAudit {
            Rows(AuditBuffer),
            Batch($crate::bulk::BatchBody),
        }

        impl ValueAudit {
            fn for_count(n: usize) -> ValueAudit {
                if n >= $crate::bulk::BATCH_AUDIT_MIN {
                    ValueAudit::Batch($crate::bulk::BatchBody::new(n))
                } else {
                    ValueAudit::Rows(AuditBuffer::default())
                }
            }

            /// `v` is `input` as written.
            fn wrote(&mut self, v: &$crate::bulk::ValueOut<'_>, input: &DataValueInput, old: Option<&DataValue>, by: &str, at: DateTime<Utc>) {
                match self {
                    ValueAudit::Batch(b) => b.wrote(v, old),
                    ValueAudit::Rows(rows) => {
                        let new = DataValue {
                            element: input.element.clone(),
                            unit: input.unit.clone(),
                            period: input.period,
                            breakdown: input.breakdown.clone(),
                            value: v.value.to_string(),
                            num: v.num,
                            comment: v.comment.map(str::to_string),
                            source: input.source.clone(),
                            stored_by: by.to_string(),
                            stored_at: at,
                        };
                        let entity = format!("data_value:{}/{}/{}/{}", v.element, v.unit, v.period.text, v.breakdown);
                        let action = if old.is_some() { "data_value.update" } else { "data_value.insert" };
                        rows.push(action, &entity, old.map(json), Some(json(&new)));
                    }
                }
            }

            fn deleted(&mut self, key: &ValueKey, old: &DataValue) {
                match self {
                    ValueAudit::Batch(b) => b.deleted(old),
                    ValueAudit::Rows(rows) => rows.push("data_value.delete", &key.entity(), Some(json(old)), None),
                }
            }

            async fn flush(self, tx: &mut Tx, at: DateTime<Utc>, actor: &Actor) -> Result<(), StoreError> {
                match self {
                    ValueAudit::Rows(rows) => rows.flush(tx, at, actor).await,
                    ValueAudit::Batch(b) => {
                        if b.len() == 0 {
                            return Ok(());
                        }
                        let (body, elements, summary) = b.finish();
                        let mut rows = AuditBuffer::default();
                        rows.push($crate::bulk::BATCH_ACTION, $crate::bulk::BATCH_ENTITY, None, Some(summary));
                        rows.flush(tx, at, actor).await?;
                        let id: i64 = sqlx::query_scalar("SELECT MAX(id) FROM audit_log").fetch_one(&mut **tx).await?;
                        sqlx::query("INSERT INTO audit_batches (audit_id, elements, body) VALUES ($1, $2, $3)")
                            .bind(id)
                            .bind(elements)
                            .bind(body)
                            .execute(&mut **tx)
                            .await?;
                        Ok(())
                    }
                }
            }
        }

        /// Check a batch of values and write it with its audit inside `tx` (the caller commits,
        /// or rolls back for a dry run). The values are checked and sorted without copying;
        /// the stored ones are read by key range; new rows are inserted and changed ones
        /// updated in bulk by the backend.
        async fn write_values_tx(tx: &mut Tx, values: &[DataValueInput], actor: &Actor) -> Result<Changes, StoreError> {
            // Writers queue here, as they would at the audit log's chain anyway: rows are then
            // never locked by two writers in different orders.
            if !$chain_lock.is_empty() {
                sqlx::query($chain_lock).execute(&mut **tx).await?;
            }
            if values.is_empty() {
                return Ok(Changes::default());
            }
            let started = std::time::Instant::now();
            // Every code is numbered in byte order as it is looked up: the rows are then sorted
            // into key order by comparing numbers, not strings.
            let mut element_list: Vec<DataElement> = sqlx::query(&format!("SELECT {ELEMENT_COLS} FROM data_elements"))
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(element_from_row)
                .collect::<Result<_, StoreError>>()?;
            element_list.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
            let elements: FastMap<String, (DataElement, u128)> = element_list
                .into_iter()
                .zip(0u128..)
                .map(|(e, k)| (e.code.to_string(), (e, k)))
                .collect();
            let mut options: FastMap<String, HashSet<String>> = FastMap::default();
            let mut option_codes: BTreeSet<String> = BTreeSet::new();
            for r in sqlx::query("SELECT breakdown, code FROM breakdown_options").fetch_all(&mut **tx).await? {
                let code: String = r.try_get("code")?;
                option_codes.insert(code.clone());
                options.entry(r.try_get("breakdown")?).or_default().insert(code);
            }
            // No breakdown ("") sorts first.
            let option_rank: FastMap<String, u128> = option_codes.into_iter().zip(1u128..).collect();
            let mut wanted: Vec<&str> = values.iter().map(|v| v.unit.as_str()).collect::<FastSet<_>>().into_iter().collect();
            wanted.sort_unstable();
            let mut units: FastMap<String, (StoredUnit, u128)> = FastMap::default();
            for chunk in wanted.chunks(500) {
                let mut b: QueryBuilder<'_, $db> = QueryBuilder::new(format!("SELECT {UNIT_COLS} FROM units WHERE code IN ("));
                let mut sep = b.separated(", ");
                for c in chunk {
                    sep.push_bind(*c);
                }
                b.push(")");
                for r in b.build().fetch_all(&mut **tx).await? {
                    let u = unit_from_row(&r)?;
                    let rank = wanted.binary_search(&u.unit.code.as_str()).unwrap_or(0) as u128;
                    units.insert(u.unit.code.to_string(), (u, rank));
                }
            }
            let mut period_list: Vec<$crate::bulk::PeriodCols> = values
                .iter()
                .map(|v| v.period)
                .collect::<FastSet<_>>()
                .iter()
                .map($crate::bulk::PeriodCols::of)
                .collect();
            period_list.sort_by(|a, b| a.text.cmp(&b.text));
            let periods: FastMap<Period, ($crate::bulk::PeriodCols, u128)> = period_list
                .into_iter()
                .zip(0u128..)
                .map(|(p, k)| (p.period, (p, k)))
                .collect();
            let mut sources: Vec<(&SourceTag, String)> = Vec::new();
            for v in values {
                if !sources.iter().any(|(s, _)| *s == &v.source) {
                    sources.push((&v.source, v.source.to_string()));
                }
            }
            let source_of = |s: &SourceTag| sources.iter().find(|(t, _)| *t == s).map(|(_, text)| text.as_str()).unwrap_or("");
            // (index in the request, the input, its parsed value, its key as numbers, its period)
            type Checked<'v, 'p> = (usize, &'v DataValueInput, chiso_core::ParsedValue, u128, &'p $crate::bulk::PeriodCols);
            // Checks of the values in `range`, each on its own.
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
                    match elements.get(v.element.as_str()) {
                        None => {
                            push_error(&mut errors, FieldError::new(Some(i), "element", format!("unknown data element {}", v.element)));
                            ok = false;
                        }
                        Some((e, rank)) => {
                            key |= rank << 96;
                            match (&e.breakdown, &v.breakdown) {
                                (None, Some(b)) => {
                                    push_error(&mut errors, FieldError::new(Some(i), "breakdown",
                                        format!("data element {} has no breakdown, but {b} was given", e.code)));
                                    ok = false;
                                }
                                (Some(cat), None) => {
                                    push_error(&mut errors, FieldError::new(Some(i), "breakdown",
                                        format!("data element {} is broken down by {cat}; name one of its options", e.code)));
                                    ok = false;
                                }
                                (Some(cat), Some(b)) => {
                                    if !options.get(cat.as_str()).is_some_and(|o| o.contains(b.as_str())) {
                                        push_error(&mut errors, FieldError::new(Some(i), "breakdown",
                                            format!("{b} is not an option of breakdown {cat}")));
                                        ok = false;
                                    }
                                    key |= option_rank.get(b.as_str()).copied().unwrap_or(0);
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
                            let found = units.get(v.unit.as_str());
                            let e = found.is_some_and(|(u, _)| u.unit.exists_during(v.period.start(), v.period.end()));
                            let r = found.map(|(_, r)| *r).unwrap_or(0);
                            last_unit = Some((v.unit.as_str(), v.period, e, r));
                            (e, r)
                        }
                    };
                    key |= unit_rank << 64;
                    if !exists {
                        match units.get(v.unit.as_str()) {
                            None => push_error(&mut errors, FieldError::new(Some(i), "unit", format!("unknown unit {}", v.unit))),
                            Some((u, _)) => {
                                let from = u.unit.valid_from.map(|d| d.to_string()).unwrap_or_else(|| "…".into());
                                let to = u.unit.valid_to.map(|d| d.to_string()).unwrap_or_else(|| "…".into());
                                push_error(&mut errors, FieldError::new(Some(i), "period",
                                    format!("unit {} did not exist in period {} (it exists from {from} to {to})", v.unit, v.period)));
                            }
                        }
                        ok = false;
                    }
                    if v.comment.as_ref().is_some_and(|c| c.chars().count() > chiso_core::value::MAX_COMMENT_LEN) {
                        push_error(&mut errors, FieldError::new(Some(i), "comment",
                            format!("the comment is longer than {} characters", chiso_core::value::MAX_COMMENT_LEN)));
                        ok = false;
                    }
                    if let (true, Some(p), Some((cols, period_rank))) = (ok, p, periods.get(&v.period)) {
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
            // In key order (then request order): the primary key's tree then grows at its end
            // instead of splitting pages all over, and the same key twice sits side by side.
            let mut order: Vec<(u128, u32)> = checked.iter().zip(0u32..).map(|(c, k)| (c.3, k)).collect();
            order.sort_unstable();
            let rows: Vec<(usize, $crate::bulk::ValueOut<'_>)> = order
                .iter()
                .map(|&(_, k)| {
                    let (i, v, p, _, cols) = &checked[k as usize];
                    (*i, $crate::bulk::ValueOut {
                        element: v.element.as_str(),
                        unit: v.unit.as_str(),
                        period: cols,
                        breakdown: v.breakdown.as_ref().map(|b| b.as_str()).unwrap_or(""),
                        value: p.text.as_str(),
                        num: p.num,
                        comment: v.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()),
                        source: source_of(&v.source),
                    })
                })
                .collect();
            for w in order.windows(2) {
                if w[0].0 == w[1].0 {
                    let (first, again) = (checked[w[0].1 as usize].0, checked[w[1].1 as usize].0);
                    push_error(&mut errors, FieldError::new(Some(again), "value",
                        format!("the same element, unit, period and breakdown as item {}", first + 1)));
                }
            }
            if !errors.is_empty() {
                errors.sort_by_key(|e| e.index);
                return Err(StoreError::Invalid(errors));
            }
            tracing::debug!(values = values.len(), ms = started.elapsed().as_millis() as u64, "store: values checked and sorted");
            let stored = stored_values(tx, &rows).await?;
            tracing::debug!(stored = stored.len(), ms = started.elapsed().as_millis() as u64, "store: stored values read");
            let now = Utc::now();
            let mut changes = Changes::default();
            // Values on approved reports are locked: changing one is refused (rewriting it
            // unchanged is not a change).
            let locked = approved_cells(tx).await?;
            let mut inserts: Vec<(usize, &$crate::bulk::ValueOut<'_>)> = Vec::with_capacity(rows.len());
            let mut updates: Vec<(usize, &$crate::bulk::ValueOut<'_>, &DataValue)> = Vec::new();
            let mut s = 0;
            for (i, v) in &rows {
                // Both lists are in key order: walk them together.
                let mut before = None;
                while s < stored.len() {
                    let sk = $crate::bulk::stored_key(&stored[s]);
                    match (sk.0, sk.1, sk.2.as_str(), sk.3).cmp(&v.key()) {
                        std::cmp::Ordering::Less => s += 1,
                        std::cmp::Ordering::Equal => {
                            before = Some(&stored[s]);
                            break;
                        }
                        std::cmp::Ordering::Greater => break,
                    }
                }
                if let Some(o) = before {
                    // Another import batch bringing the same value is no change.
                    let same_source = o.source.to_string() == v.source
                        || (matches!(o.source, SourceTag::Import(_)) && v.source.starts_with("import:"));
                    if o.value == v.value && o.comment.as_deref() == v.comment && same_source {
                        changes.unchanged += 1;
                        continue;
                    }
                }
                if !locked.is_empty() {
                    if let Some((ds, period)) = locked_in(&locked, v.element, v.unit, &v.period.text)? {
                        let unit = Code::parse(v.unit).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                        push_error(&mut errors, FieldError::new(Some(*i), "value", locked_reason(ds, &unit, period)));
                        continue;
                    }
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
            let new: Vec<&$crate::bulk::ValueOut<'_>> = inserts.iter().map(|(_, v)| *v).collect();
            let updated: Vec<&$crate::bulk::ValueOut<'_>> = updates.iter().map(|(_, v, _)| *v).collect();
            tracing::debug!(ms = started.elapsed().as_millis() as u64, "store: changes sorted out");
            let audit = insert_new_values(tx, &new, &actor.who, now, audit_of).await?;
            update_values(tx, &updated, &actor.who, now).await?;
            tracing::debug!(inserted = new.len(), updated = updated.len(), ms = started.elapsed().as_millis() as u64, "store: values written");
            audit.flush(tx, now, actor).await?;
            tracing::debug!(ms = started.elapsed().as_millis() as u64, "store: audit written");
            Ok(changes)
        }

        async fn delete_values_tx(tx: &mut Tx, keys: &[ValueKey], actor: &Actor) -> Result<Changes, StoreError> {
            if !$chain_lock.is_empty() {
                sqlx::query($chain_lock).execute(&mut **tx).await?;
            }
            let locked = approved_cells(tx).await?;
            if !locked.is_empty() {
                let mut errors = Vec::new();
                for (i, k) in keys.iter().enumerate() {
                    if let Some((ds, period)) = locked_in(&locked, k.element.as_str(), k.unit.as_str(), &k.period.to_string())? {
                        let exists: bool = sqlx::query_scalar(
                            "SELECT EXISTS (SELECT 1 FROM data_values WHERE element = $1 AND unit = $2 AND period = $3 AND breakdown = $4)",
                        )
                        .bind(k.element.as_str())
                        .bind(k.unit.as_str())
                        .bind(k.period.to_string())
                        .bind(k.breakdown.as_ref().map(|b| b.as_str()).unwrap_or(""))
                        .fetch_one(&mut **tx)
                        .await?;
                        if exists {
                            push_error(&mut errors, FieldError::new(Some(i), "value", locked_reason(ds, &k.unit, period)));
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
                let bd = key.breakdown.as_ref().map(|b| b.to_string()).unwrap_or_default();
                let old = sqlx::query(&format!(
                    "DELETE FROM data_values WHERE element = $1 AND unit = $2 AND period = $3 AND breakdown = $4 \
                     RETURNING {VALUE_COLS}"
                ))
                .bind(key.element.as_str())
                .bind(key.unit.as_str())
                .bind(key.period.to_string())
                .bind(&bd)
                .fetch_optional(&mut **tx)
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

        fn locked_reason(data_set: &str, unit: &Code, period: &Period) -> String {
            format!("báo cáo {data_set} của {unit} kỳ {period} đã được phê duyệt nên đã khoá; cần huỷ phê duyệt trước khi sửa \
                     (the report is approved and locked; un-approve it first)")
        }

        /// Evidence is locked with its report's values: refused while the report has any
        /// approval step.
        async fn refuse_if_approved(tx: &mut Tx, data_set: &Code, unit: &Code, period: &Period) -> Result<(), StoreError> {
            let steps: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM approvals WHERE data_set = $1 AND unit = $2 AND period = $3")
                .bind(data_set.as_str()).bind(unit.as_str()).bind(period.to_string())
                .fetch_one(&mut **tx).await?;
            if steps > 0 {
                return Err(StoreError::invalid(None, "evidence", format!(
                    "báo cáo {data_set} của {unit} kỳ {period} đã được phê duyệt nên minh chứng đã khoá; cần huỷ phê duyệt trước \
                     (the report is approved, so its evidence is locked; un-approve it first)")));
            }
            Ok(())
        }

        fn report_key(data_set: &Code, unit: &Code, period: &Period) -> String {
            format!("report:{data_set}/{unit}/{period}")
        }

        async fn data_sets_in(conn: &mut <$db as sqlx::Database>::Connection) -> Result<Vec<chiso_core::DataSet>, StoreError> {
            let rows = sqlx::query(
                "SELECT code, name_vi, name_en, period_type, convention, reporters, scope, open_days, due_days, lock_days, approval FROM data_sets ORDER BY code",
            )
            .fetch_all(&mut *conn)
            .await?;
            let mut elements: HashMap<String, Vec<Code>> = HashMap::new();
            for r in sqlx::query("SELECT data_set, element FROM data_set_elements ORDER BY data_set, position").fetch_all(&mut *conn).await? {
                let ds: String = r.try_get("data_set")?;
                elements.entry(ds).or_default().push(code_of(r.try_get("element")?)?);
            }
            rows.iter()
                .map(|r| {
                    let code: String = r.try_get("code")?;
                    let pt: String = r.try_get("period_type")?;
                    let conv: String = r.try_get("convention")?;
                    let reporters: String = r.try_get("reporters")?;
                    Ok(chiso_core::DataSet {
                        elements: elements.remove(&code).unwrap_or_default(),
                        code: code_of(code)?,
                        name_vi: r.try_get("name_vi")?,
                        name_en: r.try_get("name_en")?,
                        period_type: chiso_core::PeriodType::parse(&pt).ok_or_else(|| StoreError::Corrupt(format!("period type '{pt}'")))?,
                        convention: chiso_core::Convention::parse(&conv).ok_or_else(|| StoreError::Corrupt(format!("convention '{conv}'")))?,
                        reporters: serde_json::from_str(&reporters).map_err(|e| StoreError::Corrupt(format!("reporters: {e}")))?,
                        scope: opt_code(r.try_get("scope")?)?,
                        open_days: r.try_get::<i32, _>("open_days")?,
                        due_days: r.try_get::<i32, _>("due_days")?,
                        lock_days: r.try_get::<Option<i32>, _>("lock_days")?,
                        approval: r.try_get("approval")?,
                    })
                })
                .collect()
        }

        async fn rules_in(conn: &mut <$db as sqlx::Database>::Connection) -> Result<Vec<chiso_core::ValidationRule>, StoreError> {
            sqlx::query("SELECT code, name_vi, name_en, left_side, operator, right_side, severity FROM validation_rules ORDER BY code")
                .fetch_all(&mut *conn)
                .await?
                .iter()
                .map(|r| {
                    let op: String = r.try_get("operator")?;
                    let sev: String = r.try_get("severity")?;
                    Ok(chiso_core::ValidationRule {
                        code: code_of(r.try_get("code")?)?,
                        name_vi: r.try_get("name_vi")?,
                        name_en: r.try_get("name_en")?,
                        left: r.try_get("left_side")?,
                        operator: chiso_core::RuleOperator::parse(&op).ok_or_else(|| StoreError::Corrupt(format!("operator '{op}'")))?,
                        right: r.try_get("right_side")?,
                        severity: chiso_core::Severity::parse(&sev).ok_or_else(|| StoreError::Corrupt(format!("severity '{sev}'")))?,
                    })
                })
                .collect()
        }

        fn completion_from_row(r: &DbRow) -> Result<chiso_core::Completion, StoreError> {
            let p: String = r.try_get("period")?;
            Ok(chiso_core::Completion {
                data_set: code_of(r.try_get("data_set")?)?,
                unit: code_of(r.try_get("unit")?)?,
                period: period_of(&p)?,
                completed_by: r.try_get("completed_by")?,
                completed_at: r.try_get("completed_at")?,
                on_time: r.try_get("on_time")?,
            })
        }

        fn approval_from_row(r: &DbRow) -> Result<chiso_core::Approval, StoreError> {
            let p: String = r.try_get("period")?;
            let step: i32 = r.try_get("step")?;
            Ok(chiso_core::Approval {
                data_set: code_of(r.try_get("data_set")?)?,
                unit: code_of(r.try_get("unit")?)?,
                period: period_of(&p)?,
                step: u8::try_from(step).map_err(|_| StoreError::Corrupt(format!("approval step {step}")))?,
                level_unit: code_of(r.try_get("level_unit")?)?,
                approved_by: r.try_get("approved_by")?,
                approved_at: r.try_get("approved_at")?,
            })
        }

        fn exception_from_row(r: &DbRow) -> Result<chiso_core::LockException, StoreError> {
            let p: String = r.try_get("period")?;
            Ok(chiso_core::LockException {
                data_set: code_of(r.try_get("data_set")?)?,
                unit: code_of(r.try_get("unit")?)?,
                period: period_of(&p)?,
                until: r.try_get("until")?,
                granted_by: r.try_get("granted_by")?,
                reason: r.try_get("reason")?,
            })
        }

        fn evidence_from_row(r: &DbRow) -> Result<chiso_core::Evidence, StoreError> {
            let p: String = r.try_get("period")?;
            Ok(chiso_core::Evidence {
                id: r.try_get("id")?,
                data_set: code_of(r.try_get("data_set")?)?,
                unit: code_of(r.try_get("unit")?)?,
                period: period_of(&p)?,
                element: opt_code(r.try_get("element")?)?,
                file_name: r.try_get("file_name")?,
                content_type: r.try_get("content_type")?,
                size: r.try_get("size")?,
                sha256: r.try_get("sha256")?,
                doc_number: r.try_get("doc_number")?,
                doc_date: r.try_get("doc_date")?,
                summary: r.try_get("summary")?,
                uploaded_by: r.try_get("uploaded_by")?,
                uploaded_at: r.try_get("uploaded_at")?,
            })
        }

        fn unit_from_row(r: &DbRow) -> Result<StoredUnit, StoreError> {
            Ok(StoredUnit {
                unit: Unit {
                    code: code_of(r.try_get("code")?)?,
                    gso_code: r.try_get("gso_code")?,
                    name_vi: r.try_get("name_vi")?,
                    name_en: r.try_get("name_en")?,
                    kind: kind_of(&r.try_get::<String, _>("kind")?)?,
                    parent: opt_code(r.try_get("parent")?)?,
                    valid_from: r.try_get("valid_from")?,
                    valid_to: r.try_get("valid_to")?,
                    lat: r.try_get("lat")?,
                    lon: r.try_get("lon")?,
                },
                level: r.try_get("level")?,
            })
        }

        fn element_from_row(r: &DbRow) -> Result<DataElement, StoreError> {
            Ok(DataElement {
                code: code_of(r.try_get("code")?)?,
                name_vi: r.try_get("name_vi")?,
                name_en: r.try_get("name_en")?,
                value_type: value_type_of(&r.try_get::<String, _>("value_type")?)?,
                aggregation: aggregation_of(&r.try_get::<String, _>("aggregation")?)?,
                unit_of_measure: r.try_get("unit_of_measure")?,
                breakdown: opt_code(r.try_get("breakdown")?)?,
                description: r.try_get("description")?,
            })
        }

        fn indicator_from_row(r: &DbRow) -> Result<Indicator, StoreError> {
            let direction: String = r.try_get("direction")?;
            Ok(Indicator {
                code: code_of(r.try_get("code")?)?,
                name_vi: r.try_get("name_vi")?,
                name_en: r.try_get("name_en")?,
                numerator: r.try_get("numerator")?,
                denominator: r.try_get("denominator")?,
                factor: r.try_get("factor")?,
                decimals: r.try_get::<i32, _>("decimals")?.clamp(0, 6) as u8,
                direction: chiso_core::Direction::parse(&direction)
                    .ok_or_else(|| StoreError::Corrupt(format!("direction '{direction}'")))?,
                unit_label: r.try_get("unit_label")?,
                is_rate: r.try_get("is_rate")?,
                description: r.try_get("description")?,
                published: r.try_get("published")?,
            })
        }

        async fn load_frameworks(conn: &mut <$db as sqlx::Database>::Connection) -> Result<Vec<Framework>, StoreError> {
            let heads = sqlx::query("SELECT code, name_vi, name_en, description FROM target_frameworks ORDER BY code")
                .fetch_all(&mut *conn)
                .await?;
            let rows = sqlx::query(&format!("SELECT {TARGET_COLS} FROM targets ORDER BY framework, position"))
                .fetch_all(&mut *conn)
                .await?;
            let mut by: HashMap<String, Vec<Target>> = HashMap::new();
            for r in &rows {
                let kind: String = r.try_get("scope_kind")?;
                let scope = code_of(r.try_get("scope_code")?)?;
                let comparator: Option<String> = r.try_get("comparator")?;
                let t = Target {
                    code: code_of(r.try_get("code")?)?,
                    name_vi: r.try_get("name_vi")?,
                    name_en: r.try_get("name_en")?,
                    scope: if kind == "group" { TargetScope::Group(scope) } else { TargetScope::Unit(scope) },
                    period: period_of(&r.try_get::<String, _>("period")?)?,
                    indicator: opt_code(r.try_get("indicator")?)?,
                    comparator: comparator
                        .map(|c| chiso_core::Comparator::parse(&c).ok_or_else(|| StoreError::Corrupt(format!("comparator '{c}'"))))
                        .transpose()?,
                    value: r.try_get("value")?,
                    due: r.try_get("due")?,
                    completed_on: r.try_get("completed_on")?,
                    note: r.try_get("note")?,
                };
                by.entry(r.try_get("framework")?).or_default().push(t);
            }
            heads
                .iter()
                .map(|r| {
                    let code: String = r.try_get("code")?;
                    Ok(Framework {
                        targets: by.remove(&code).unwrap_or_default(),
                        code: code_of(code)?,
                        name_vi: r.try_get("name_vi")?,
                        name_en: r.try_get("name_en")?,
                        description: r.try_get("description")?,
                    })
                })
                .collect()
        }

        fn token_from_row(r: &DbRow) -> Result<$crate::TokenRecord, StoreError> {
            Ok($crate::TokenRecord {
                id: r.try_get("id")?,
                username: r.try_get("username")?,
                name: r.try_get("name")?,
                token_hash: r.try_get("token_hash")?,
                created_at: r.try_get("created_at")?,
                last_used_at: r.try_get("last_used_at")?,
                revoked_at: r.try_get("revoked_at")?,
            })
        }

        fn audit_from_row(r: &DbRow) -> Result<AuditEntry, StoreError> {
            Ok(AuditEntry {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                via: r.try_get("via")?,
                action: r.try_get("action")?,
                entity: r.try_get("entity")?,
                old_value: r.try_get("old_value")?,
                new_value: r.try_get("new_value")?,
            })
        }

        fn value_from_row(r: &DbRow) -> Result<DataValue, StoreError> {
            let source: String = r.try_get("source")?;
            Ok(DataValue {
                element: code_of(r.try_get("element")?)?,
                unit: code_of(r.try_get("unit")?)?,
                period: period_of(&r.try_get::<String, _>("period")?)?,
                breakdown: opt_code(r.try_get("breakdown")?)?,
                value: r.try_get("value")?,
                num: r.try_get("num")?,
                comment: r.try_get("comment")?,
                source: SourceTag::parse(&source).map_err(StoreError::Corrupt)?,
                stored_by: r.try_get("stored_by")?,
                stored_at: r.try_get("stored_at")?,
            })
        }

        /// Audit rows gathered during a write, written in a few multi-row statements just
        /// before the transaction commits.
        #[derive(Default)]
        struct AuditBuffer {
            rows: Vec<(String, String, Option<String>, Option<String>)>,
        }

        impl AuditBuffer {
            fn push(&mut self, action: &str, entity: &str, old: Option<String>, new: Option<String>) {
                self.rows.push((action.to_string(), entity.to_string(), old, new));
            }

            async fn flush(self, tx: &mut Tx, at: DateTime<Utc>, actor: &Actor) -> Result<(), StoreError> {
                if self.rows.is_empty() {
                    return Ok(());
                }
                // Microseconds: what both databases keep, so the hash can be recomputed.
                let at = DateTime::<Utc>::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at);
                if !$chain_lock.is_empty() {
                    sqlx::query($chain_lock).execute(&mut **tx).await?;
                }
                let mut prev: String = sqlx::query_scalar::<_, Option<String>>("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
                    .fetch_optional(&mut **tx)
                    .await?
                    .flatten()
                    .unwrap_or_default();
                let mut chained = Vec::with_capacity(self.rows.len());
                for (action, entity, old, new) in &self.rows {
                    let hash = $crate::audit_hash(&prev, at, &actor.who, actor.via.as_str(), action, entity, old.as_deref(), new.as_deref());
                    chained.push((action, entity, old, new, std::mem::replace(&mut prev, hash.clone()), hash));
                }
                let rows: Vec<$crate::imp::AuditRow<'_>> = chained
                    .iter()
                    .map(|(action, entity, old, new, prev_hash, hash)| $crate::imp::AuditRow {
                        action: action.as_str(),
                        entity: entity.as_str(),
                        old: old.as_deref(),
                        new: new.as_deref(),
                        prev_hash: prev_hash.as_str(),
                        hash: hash.as_str(),
                    })
                    .collect();
                insert_audit_rows(tx, at, actor, &rows).await?;
                Ok(())
            }
        }

        /// Seal audit rows written before the log was chained (once, at open).
        pub(crate) async fn seal_audit_log(pool: &sqlx::Pool<$db>, begin: &str) -> Result<u64, StoreError> {
            let mut tx = pool.begin_with(begin.to_string()).await?;
            if !$chain_lock.is_empty() {
                sqlx::query($chain_lock).execute(&mut *tx).await?;
            }
            let rows = sqlx::query(
                "SELECT id, at, actor, via, action, entity, old_value, new_value FROM audit_log WHERE hash IS NULL ORDER BY id",
            )
            .fetch_all(&mut *tx)
            .await?;
            let Some(first) = rows.first() else {
                return Ok(0);
            };
            let first_id: i64 = first.try_get("id")?;
            let mut prev: String = sqlx::query_scalar::<_, Option<String>>("SELECT hash FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT 1")
                .bind(first_id)
                .fetch_optional(&mut *tx)
                .await?
                .flatten()
                .unwrap_or_default();
            for r in &rows {
                let at: DateTime<Utc> = r.try_get("at")?;
                let old: Option<String> = r.try_get("old_value")?;
                let new: Option<String> = r.try_get("new_value")?;
                let hash = $crate::audit_hash(
                    &prev,
                    at,
                    r.try_get::<&str, _>("actor")?,
                    r.try_get::<&str, _>("via")?,
                    r.try_get::<&str, _>("action")?,
                    r.try_get::<&str, _>("entity")?,
                    old.as_deref(),
                    new.as_deref(),
                );
                sqlx::query("UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE id = $3")
                    .bind(&prev)
                    .bind(&hash)
                    .bind(r.try_get::<i64, _>("id")?)
                    .execute(&mut *tx)
                    .await?;
                prev = hash;
            }
            tx.commit().await?;
            Ok(rows.len() as u64)
        }

        async fn write_assignments(tx: &mut Tx, username: &str, assignments: &[Assignment]) -> Result<(), StoreError> {
            let mut seen = HashSet::new();
            for a in assignments {
                let unit = a.unit.as_ref().map(|u| u.to_string()).unwrap_or_default();
                if !seen.insert((a.role, unit.clone())) {
                    continue;
                }
                sqlx::query("INSERT INTO role_assignments (username, role, unit) VALUES ($1, $2, $3)")
                    .bind(username)
                    .bind(a.role.as_str())
                    .bind(unit)
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(())
        }

        async fn load_users(conn: &mut <$db as sqlx::Database>::Connection, only: Option<&str>) -> Result<Vec<$crate::UserRecord>, StoreError> {
            let mut b: QueryBuilder<'_, $db> = QueryBuilder::new(
                "SELECT username, display_name, password_hash, must_change_password, disabled, created_at FROM users",
            );
            if let Some(u) = only {
                b.push(" WHERE username = ").push_bind(u.to_string());
            }
            b.push(" ORDER BY username");
            let heads = b.build().fetch_all(&mut *conn).await?;
            let mut out = Vec::with_capacity(heads.len());
            for r in &heads {
                let username: String = r.try_get("username")?;
                let assignments = sqlx::query("SELECT role, unit FROM role_assignments WHERE username = $1 ORDER BY role, unit")
                    .bind(&username)
                    .fetch_all(&mut *conn)
                    .await?
                    .iter()
                    .map(|a| {
                        let role: String = a.try_get("role")?;
                        let unit: String = a.try_get("unit")?;
                        Ok(Assignment {
                            role: chiso_core::account::Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role '{role}'")))?,
                            unit: opt_code(Some(unit))?,
                        })
                    })
                    .collect::<Result<Vec<_>, StoreError>>()?;
                out.push($crate::UserRecord {
                    username,
                    display_name: r.try_get("display_name")?,
                    password_hash: r.try_get("password_hash")?,
                    must_change_password: r.try_get("must_change_password")?,
                    disabled: r.try_get("disabled")?,
                    created_at: r.try_get("created_at")?,
                    assignments,
                });
            }
            Ok(out)
        }

        async fn all_units(tx: &mut Tx) -> Result<HashMap<String, StoredUnit>, StoreError> {
            let rows = sqlx::query(&format!("SELECT {UNIT_COLS} FROM units"))
                .fetch_all(&mut **tx)
                .await?;
            rows.iter()
                .map(|r| unit_from_row(r).map(|u| (u.unit.code.to_string(), u)))
                .collect()
        }

        async fn update_unit(tx: &mut Tx, u: &Unit, level: i32) -> Result<(), StoreError> {
            sqlx::query(
                "UPDATE units SET gso_code = $2, name_vi = $3, name_en = $4, kind = $5, parent = $6, \
                 level = $7, valid_from = $8, valid_to = $9, lat = $10, lon = $11 WHERE code = $1",
            )
            .bind(u.code.as_str())
            .bind(&u.gso_code)
            .bind(&u.name_vi)
            .bind(&u.name_en)
            .bind(u.kind.as_str())
            .bind(u.parent.as_ref().map(|p| p.as_str()))
            .bind(level)
            .bind(u.valid_from)
            .bind(u.valid_to)
            .bind(u.lat)
            .bind(u.lon)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        async fn load_breakdowns(pool: &sqlx::Pool<$db>) -> Result<Vec<Breakdown>, StoreError> {
            let heads = sqlx::query("SELECT code, name_vi, name_en FROM breakdowns ORDER BY code")
                .fetch_all(pool)
                .await?;
            let opts = sqlx::query(
                "SELECT breakdown, code, name_vi, name_en FROM breakdown_options ORDER BY breakdown, sort, code",
            )
            .fetch_all(pool)
            .await?;
            let mut by: HashMap<String, Vec<BreakdownOption>> = HashMap::new();
            for r in &opts {
                by.entry(r.try_get("breakdown")?).or_default().push(BreakdownOption {
                    code: code_of(r.try_get("code")?)?,
                    name_vi: r.try_get("name_vi")?,
                    name_en: r.try_get("name_en")?,
                });
            }
            heads
                .iter()
                .map(|r| {
                    let code: String = r.try_get("code")?;
                    Ok(Breakdown {
                        options: by.remove(&code).unwrap_or_default(),
                        code: code_of(code)?,
                        name_vi: r.try_get("name_vi")?,
                        name_en: r.try_get("name_en")?,
                    })
                })
                .collect()
        }

            async fn load_links(pool: &sqlx::Pool<$db>, from: Option<&Code>, to: Option<&Code>) -> Result<Vec<SuccessorLink>, StoreError> {
                let mut b: QueryBuilder<'_, $db> = QueryBuilder::new(
                    "SELECT from_unit, to_unit, effective, weight, is_default FROM successor_links WHERE 1 = 1",
                );
                if let Some(f) = from {
                    b.push(" AND from_unit = ").push_bind(f.to_string());
                }
                if let Some(t) = to {
                    b.push(" AND to_unit = ").push_bind(t.to_string());
                }
                b.push(" ORDER BY from_unit, to_unit");
                let rows = b.build().fetch_all(pool).await?;
                rows.iter()
                    .map(|r| {
                        Ok(SuccessorLink {
                            from: code_of(r.try_get("from_unit")?)?,
                            to: code_of(r.try_get("to_unit")?)?,
                            effective: r.try_get("effective")?,
                            weight: r.try_get("weight")?,
                            is_default: r.try_get("is_default")?,
                        })
                    })
                    .collect()
            }

        impl $store {
            /// Each data element's value type, by code.
            async fn value_types(&self) -> Result<HashMap<String, chiso_core::ValueType>, StoreError> {
                sqlx::query(&format!("SELECT {ELEMENT_COLS} FROM data_elements"))
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|r| element_from_row(r).map(|e| (e.code.to_string(), e.value_type)))
                    .collect()
            }
        }

        #[async_trait::async_trait]
        impl $crate::Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn upsert_units(&self, units: &[Unit], actor: &Actor) -> Result<Changes, StoreError> {
                let mut tx = self.begin_write().await?;
                let existing = all_units(&mut tx).await?;
                let levels = plan_units(units, &existing)?;
                let now = Utc::now();
                let mut audit = AuditBuffer::default();
                let mut changes = Changes::default();
                // Parents before children.
                let mut order: Vec<&Unit> = units.iter().collect();
                order.sort_by_key(|u| levels.get(u.code.as_str()).copied().unwrap_or(0));
                let batch: HashSet<&str> = units.iter().map(|u| u.code.as_str()).collect();
                // New units first (in a few multi-row statements, parents before children),
                // then updates, which may point at a new parent.
                let mut inserts: Vec<(&Unit, i32)> = Vec::new();
                let mut updates: Vec<(&Unit, i32)> = Vec::new();
                for u in order {
                    let level = levels.get(u.code.as_str()).copied().unwrap_or(1);
                    let new = StoredUnit { unit: u.clone(), level };
                    match existing.get(u.code.as_str()) {
                        None => {
                            audit.push("unit.insert", &format!("unit:{}", u.code), None, Some(json(&new)));
                            inserts.push((u, level));
                            changes.inserted += 1;
                        }
                        Some(old) if *old == new => changes.unchanged += 1,
                        Some(old) => {
                            audit.push("unit.update", &format!("unit:{}", u.code), Some(json(old)), Some(json(&new)));
                            updates.push((u, level));
                            changes.updated += 1;
                        }
                    }
                }
                for chunk in inserts.chunks(1000) {
                    let mut b: QueryBuilder<'_, $db> = QueryBuilder::new(format!("INSERT INTO units ({UNIT_COLS}) "));
                    b.push_values(chunk, |mut row, (u, level)| {
                        row.push_bind(u.code.as_str())
                            .push_bind(u.gso_code.as_deref())
                            .push_bind(u.name_vi.as_str())
                            .push_bind(u.name_en.as_deref())
                            .push_bind(u.kind.as_str())
                            .push_bind(u.parent.as_ref().map(|p| p.as_str()))
                            .push_bind(*level)
                            .push_bind(u.valid_from)
                            .push_bind(u.valid_to)
                            .push_bind(u.lat)
                            .push_bind(u.lon);
                    });
                    b.build().execute(&mut *tx).await?;
                }
                for (u, level) in updates {
                    update_unit(&mut tx, u, level).await?;
                }
                // Units outside the batch whose level moved because an ancestor moved.
                for (code, old) in &existing {
                    let level = levels.get(code.as_str()).copied().unwrap_or(old.level);
                    if !batch.contains(code.as_str()) && level != old.level {
                        update_unit(&mut tx, &old.unit, level).await?;
                        let new = StoredUnit { unit: old.unit.clone(), level };
                        audit.push("unit.update", &format!("unit:{code}"), Some(json(old)), Some(json(&new)));
                        changes.updated += 1;
                    }
                }
                audit.flush(&mut tx, now, actor).await?;
                tx.commit().await?;
                Ok(changes)
            }

            async fn unit(&self, code: &Code) -> Result<Option<StoredUnit>, StoreError> {
                let row = sqlx::query(&format!("SELECT {UNIT_COLS} FROM units WHERE code = $1"))
                    .bind(code.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(unit_from_row).transpose()
            }

            async fn units(&self, q: &UnitQuery) -> Result<Vec<StoredUnit>, StoreError> {
                let mut b: QueryBuilder<'_, $db> = QueryBuilder::new("");
                if let Some(under) = &q.under {
                    b.push("WITH RECURSIVE sub(code) AS (SELECT code FROM units WHERE code = ");
                    b.push_bind(under.to_string());
                    b.push(" UNION SELECT u.code FROM units u JOIN sub s ON u.parent = s.code) ");
                }
                b.push(format!("SELECT {UNIT_COLS} FROM units WHERE 1 = 1"));
                if q.under.is_some() {
                    b.push(" AND code IN (SELECT code FROM sub)");
                }
                if !q.codes.is_empty() {
                    b.push(" AND code IN (");
                    let mut s = b.separated(", ");
                    for c in &q.codes {
                        s.push_bind(c.to_string());
                    }
                    b.push(")");
                }
                if let Some(p) = &q.parent {
                    b.push(" AND parent = ").push_bind(p.to_string());
                }
                if q.roots {
                    b.push(" AND parent IS NULL");
                }
                if let Some(k) = q.kind {
                    b.push(" AND kind = ").push_bind(k.as_str());
                }
                if let Some(l) = q.level {
                    b.push(" AND level = ").push_bind(l);
                }
                if let Some(g) = &q.group {
                    b.push(" AND code IN (SELECT unit FROM unit_group_members WHERE grp = ")
                        .push_bind(g.to_string())
                        .push(")");
                }
                if let Some(g) = &q.gso_code {
                    b.push(" AND gso_code = ").push_bind(g.clone());
                }
                if let Some(d) = q.as_of {
                    b.push(" AND (valid_from IS NULL OR valid_from <= ").push_bind(d);
                    b.push(") AND (valid_to IS NULL OR valid_to >= ").push_bind(d).push(")");
                }
                if let Some(s) = &q.search {
                    let pat = format!("%{}%", s.to_lowercase().replace('\\', "").replace('%', "").replace('_', ""));
                    b.push(" AND (LOWER(name_vi) LIKE ").push_bind(pat.clone());
                    b.push(" OR LOWER(COALESCE(name_en, '')) LIKE ").push_bind(pat).push(")");
                }
                b.push(" ORDER BY level, code");
                if let Some(l) = q.limit {
                    b.push(" LIMIT ").push_bind(l.max(0));
                    if let Some(o) = q.offset {
                        b.push(" OFFSET ").push_bind(o.max(0));
                    }
                }
                let rows = b.build().fetch_all(&self.pool).await?;
                rows.iter().map(unit_from_row).collect()
            }

            async fn upsert_groups(&self, groups: &[UnitGroup], actor: &Actor) -> Result<Changes, StoreError> {
                let mut tx = self.begin_write().await?;
                let known: HashSet<String> = sqlx::query_scalar::<_, String>("SELECT code FROM units")
                    .fetch_all(&mut *tx)
                    .await?
                    .into_iter()
                    .collect();
                let mut errors = Vec::new();
                for (i, g) in groups.iter().enumerate() {
                    if g.name_vi.trim().is_empty() {
                        push_error(&mut errors, FieldError::new(Some(i), "name_vi", "the Vietnamese name is empty"));
                    }
                    for m in &g.members {
                        if !known.contains(m.as_str()) {
                            push_error(&mut errors, FieldError::new(Some(i), "members", format!("unknown unit {m}")));
                        }
                    }
                }
                if !errors.is_empty() {
                    return Err(StoreError::Invalid(errors));
                }
                let now = Utc::now();
                let mut audit = AuditBuffer::default();
                let mut changes = Changes::default();
                for g in groups {
                    let head = sqlx::query(&format!("SELECT name_vi, name_en FROM unit_groups WHERE code = $1{}", $lock))
                        .bind(g.code.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                    let old_members: BTreeSet<String> =
                        sqlx::query_scalar::<_, String>("SELECT unit FROM unit_group_members WHERE grp = $1")
                            .bind(g.code.as_str())
                            .fetch_all(&mut *tx)
                            .await?
                            .into_iter()
                            .collect();
                    let new_members: BTreeSet<String> = g.members.iter().map(|m| m.to_string()).collect();
                    let entity = format!("unit_group:{}", g.code);
                    let old = match &head {
                        None => None,
                        Some(r) => Some(UnitGroup {
                            code: g.code.clone(),
                            name_vi: r.try_get("name_vi")?,
                            name_en: r.try_get("name_en")?,
                            members: old_members.iter().map(|m| code_of(m.clone())).collect::<Result<_, _>>()?,
                        }),
                    };
                    let mut sorted = g.clone();
                    sorted.members = new_members.iter().map(|m| code_of(m.clone())).collect::<Result<_, _>>()?;
                    if old.as_ref() == Some(&sorted) {
                        changes.unchanged += 1;
                        continue;
                    }
                    sqlx::query(
                        "INSERT INTO unit_groups (code, name_vi, name_en) VALUES ($1, $2, $3) \
                         ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en",
                    )
                    .bind(g.code.as_str())
                    .bind(&g.name_vi)
                    .bind(&g.name_en)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("DELETE FROM unit_group_members WHERE grp = $1")
                        .bind(g.code.as_str())
                        .execute(&mut *tx)
                        .await?;
                    for m in &new_members {
                        sqlx::query("INSERT INTO unit_group_members (grp, unit) VALUES ($1, $2)")
                            .bind(g.code.as_str())
                            .bind(m)
                            .execute(&mut *tx)
                            .await?;
                    }
                    let action = if old.is_some() { "unit_group.update" } else { "unit_group.insert" };
                    audit.push(action, &entity, old.as_ref().map(json), Some(json(&sorted)));
                    changes.wrote(old.is_some());
                }
                audit.flush(&mut tx, now, actor).await?;
                tx.commit().await?;
                Ok(changes)
            }

            async fn groups(&self) -> Result<Vec<UnitGroup>, StoreError> {
                let heads = sqlx::query("SELECT code, name_vi, name_en FROM unit_groups ORDER BY code")
                    .fetch_all(&self.pool)
                    .await?;
                let members = sqlx::query("SELECT grp, unit FROM unit_group_members ORDER BY grp, unit")
                    .fetch_all(&self.pool)
                    .await?;
                let mut by: HashMap<String, Vec<Code>> = HashMap::new();
                for r in &members {
                    by.entry(r.try_get("grp")?).or_default().push(code_of(r.try_get("unit")?)?);
                }
                heads
                    .iter()
                    .map(|r| {
                        let code: String = r.try_get("code")?;
                        Ok(UnitGroup {
                            members: by.remove(&code).unwrap_or_default(),
                            code: code_of(code)?,
                            name_vi: r.try_get("name_vi")?,
                            name_en: r.try_get("name_en")?,
                        })
                    })
                    .collect()
            }

            async fn upsert_successors(&self, links: &[SuccessorLink], actor: &Actor) -> Result<Changes, StoreError> {
                let mut tx = self.begin_write().await?;
                let known: HashSet<String> = sqlx::query_scalar::<_, String>("SELECT code FROM units")
                    .fetch_all(&mut *tx)
                    .await?
                    .into_iter()
                    .collect();
                let mut errors = Vec::new();
                let mut seen = HashSet::new();
                for (i, l) in links.iter().enumerate() {
                    check_link(i, l, &mut errors);
                    for (field, c) in [("from", &l.from), ("to", &l.to)] {
                        if !known.contains(c.as_str()) {
                            push_error(&mut errors, FieldError::new(Some(i), field, format!("unknown unit {c}")));
                        }
                    }
                    if !seen.insert((l.from.as_str(), l.to.as_str())) {
                        push_error(&mut errors, FieldError::new(Some(i), "to", format!("the link {} → {} appears twice", l.from, l.to)));
                    }
                }
                if !errors.is_empty() {
                    return Err(StoreError::Invalid(errors));
                }
                let existing: HashMap<(String, String), SuccessorLink> = sqlx::query(
                    "SELECT from_unit, to_unit, effective, weight, is_default FROM successor_links",
                )
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| {
                    let l = SuccessorLink {
                        from: code_of(r.try_get("from_unit")?)?,
                        to: code_of(r.try_get("to_unit")?)?,
                        effective: r.try_get("effective")?,
                        weight: r.try_get("weight")?,
                        is_default: r.try_get("is_default")?,
                    };
                    Ok(((l.from.to_string(), l.to.to_string()), l))
                })
                .collect::<Result<_, StoreError>>()?;
                let now = Utc::now();
                let mut audit = AuditBuffer::default();
                let mut changes = Changes::default();
                let mut to_write: Vec<&SuccessorLink> = Vec::new();
                for l in links {
                    let key = (l.from.to_string(), l.to.to_string());
                    let entity = format!("successor:{}>{}", l.from, l.to);
                    let old = existing.get(&key);
                    if old == Some(l) {
                        changes.unchanged += 1;
                        continue;
                    }
                    to_write.push(l);
                    let action = if old.is_some() { "successor.update" } else { "successor.insert" };
                    audit.push(action, &entity, old.map(json), Some(json(l)));
                    changes.wrote(old.is_some());
                }
                for chunk in to_write.chunks(1000) {
                    let mut b: QueryBuilder<'_, $db> =
                        QueryBuilder::new("INSERT INTO successor_links (from_unit, to_unit, effective, weight, is_default) ");
                    b.push_values(chunk, |mut row, l| {
                        row.push_bind(l.from.as_str())
                            .push_bind(l.to.as_str())
                            .push_bind(l.effective)
                            .push_bind(l.weight)
                            .push_bind(l.is_default);
                    });
                    b.push(
                        " ON CONFLICT (from_unit, to_unit) DO UPDATE SET effective = excluded.effective, \
                         weight = excluded.weight, is_default = excluded.is_default",
                    );
                    b.build().execute(&mut *tx).await?;
                }
                audit.flush(&mut tx, now, actor).await?;
                tx.commit().await?;
                Ok(changes)
            }

            async fn successors(&self, from: Option<&Code>) -> Result<Vec<SuccessorLink>, StoreError> {
                load_links(&self.pool, from, None).await
            }

            async fn predecessors(&self, to: &Code) -> Result<Vec<SuccessorLink>, StoreError> {
                load_links(&self.pool, None, Some(to)).await
            }

            async fn upsert_breakdowns(&self, breakdowns: &[Breakdown], actor: &Actor) -> Result<Changes, StoreError> {
                let mut errors = Vec::new();
                for (i, b) in breakdowns.iter().enumerate() {
                    if b.name_vi.trim().is_empty() || b.options.iter().any(|o| o.name_vi.trim().is_empty()) {
                        push_error(&mut errors, FieldError::new(Some(i), "name_vi", "a Vietnamese name is empty"));
                    }
                    let mut seen = HashSet::new();
                    for o in &b.options {
                        if !seen.insert(o.code.as_str()) {
                            push_error(&mut errors, FieldError::new(Some(i), "options", format!("option {} appears twice", o.code)));
                        }
                    }
                }
                if !errors.is_empty() {
                    return Err(StoreError::Invalid(errors));
                }
                let existing: HashMap<String, Breakdown> = load_breakdowns(&self.pool)
                    .await?
                    .into_iter()
                    .map(|b| (b.code.to_string(), b))
                    .collect();
                let mut tx = self.begin_write().await?;
                let now = Utc::now();
                let mut audit = AuditBuffer::default();
                let mut changes = Changes::default();
                for b in breakdowns {
                    let old = existing.get(b.code.as_str());
                    // Options are added or renamed, never dropped: stored values may use them.
                    let mut merged = b.clone();
                    if let Some(o) = old {
                        for opt in &o.options {
                            if !merged.options.iter().any(|n| n.code == opt.code) {
                                merged.options.push(opt.clone());
                            }
                        }
                    }
                    if old == Some(&merged) {
                        changes.unchanged += 1;
                        continue;
                    }
                    sqlx::query(
                        "INSERT INTO breakdowns (code, name_vi, name_en) VALUES ($1, $2, $3) \
                         ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en",
                    )
                    .bind(b.code.as_str())
                    .bind(&b.name_vi)
                    .bind(&b.name_en)
                    .execute(&mut *tx)
                    .await?;
                    for (sort, o) in merged.options.iter().enumerate() {
                        sqlx::query(
                            "INSERT INTO breakdown_options (breakdown, code, name_vi, name_en, sort) VALUES ($1, $2, $3, $4, $5) \
                             ON CONFLICT (breakdown, code) DO UPDATE SET name_vi = excluded.name_vi, \
                             name_en = excluded.name_en, sort = excluded.sort",
                        )
                        .bind(b.code.as_str())
                        .bind(o.code.as_str())
                        .bind(&o.name_vi)
                        .bind(&o.name_en)
                        .bind(sort as i32)
                        .execute(&mut *tx)
                        .await?;
                    }
                    let action = if old.is_some() { "breakdown.update" } else { "breakdown.insert" };
                    audit.push(action, &format!("breakdown:{}", b.code), old.map(json), Some(json(&merged)));
                    changes.wrote(old.is_some());
                }
                audit.flush(&mut tx, now, actor).await?;
                tx.commit().await?;
                Ok(changes)
            }

            async fn breakdowns(&self) -> Result<Vec<Breakdown>, StoreError> {
                load_breakdowns(&self.pool).await
            }

            async fn upsert_elements(&self, elements: &[DataElement], actor: &Actor) -> Result<Changes, StoreError> {
                let mut tx = self.begin_write().await?;
                let breakdowns: HashSet<String> = sqlx::query_scalar::<_, String>("SELECT code FROM breakdowns")
                    .fetch_all(&mut *tx)
                    .await?
                    .into_iter()
                    .collect();
                let existing: HashMap<String, DataElement> = sqlx::query(&format!("SELECT {ELEMENT_COLS} FROM data_elements"))
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|r| element_from_row(r).map(|e| (e.code.to_string(), e)))
                    .collect::<Result<_, _>>()?;
                let mut errors = Vec::new();
                let mut seen = HashSet::new();
                for (i, e) in elements.iter().enumerate() {
                    check_element(i, e, &breakdowns, &mut errors);
                    if !seen.insert(e.code.as_str()) {
                        push_error(&mut errors, FieldError::new(Some(i), "code", format!("data element {} appears twice", e.code)));
                    }
                    if let Some(old) = existing.get(e.code.as_str()) {
                        if old.value_type != e.value_type || old.breakdown != e.breakdown {
                            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM data_values WHERE element = $1")
                                .bind(e.code.as_str())
                                .fetch_one(&mut *tx)
                                .await?;
                            if n > 0 {
                                push_error(&mut errors, FieldError::new(Some(i), "value_type",
                                    format!("{} already has {n} values; its value type and breakdown cannot change", e.code)));
                            }
                        }
                    }
                }
                if !errors.is_empty() {
                    return Err(StoreError::Invalid(errors));
                }
                let now = Utc::now();
                let mut audit = AuditBuffer::default();
                let mut changes = Changes::default();
                for e in elements {
                    let old = existing.get(e.code.as_str());
                    if old == Some(e) {
                        changes.unchanged += 1;
                        continue;
                    }
                    sqlx::query(&format!(
                        "INSERT INTO data_elements ({ELEMENT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                         ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en, \
                         value_type = excluded.value_type, aggregation = excluded.aggregation, \
                         unit_of_measure = excluded.unit_of_measure, breakdown = excluded.breakdown, \
                         description = excluded.description"
                    ))
                    .bind(e.code.as_str())
                    .bind(&e.name_vi)
                    .bind(&e.name_en)
                    .bind(e.value_type.as_str())
                    .bind(e.aggregation.as_str())
                    .bind(&e.unit_of_measure)
                    .bind(e.breakdown.as_ref().map(|b| b.as_str()))
                    .bind(&e.description)
                    .execute(&mut *tx)
                    .await?;
                    let action = if old.is_some() { "data_element.update" } else { "data_element.insert" };
                    audit.push(action, &format!("data_element:{}", e.code), old.map(json), Some(json(e)));
                    changes.wrote(old.is_some());
                }
                audit.flush(&mut tx, now, actor).await?;
                tx.commit().await?;
                Ok(changes)
            }

            async fn elements(&self) -> Result<Vec<DataElement>, StoreError> {
                let rows = sqlx::query(&format!("SELECT {ELEMENT_COLS} FROM data_elements ORDER BY code"))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(element_from_row).collect()
            }

            async fn element(&self, code: &Code) -> Result<Option<DataElement>, StoreError> {
                let row = sqlx::query(&format!("SELECT {ELEMENT_COLS} FROM data_elements WHERE code = $1"))
                    .bind(code.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(element_from_row).transpose()
            }

            async fn upsert_indicators(&self, indicators: &[Indicator], actor: &Actor) -> Result<Changes, StoreError> {
                let mut tx = self.begin_write().await?;
                let elements: HashMap<String, Option<String>> = sqlx::query("SELECT code, breakdown FROM data_elements")
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|r| Ok((r.try_get::<String, _>("code")?, r.try_get::<Option<String>, _>("breakdown")?)))
                    .collect::<Result<_, StoreError>>()?;
                let options: HashSet<(String, String)> = sqlx::query("SELECT breakdown, code FROM breakdown_options")
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|r| Ok((r.try_get::<String, _>("breakdown")?, r.try_get::<String, _>("code")?)))
                    .collect::<Result<_, StoreError>>()?;
                let groups: HashSet<String> = sqlx::query_scalar::<_, String>("SELECT code FROM unit_groups")
                    .fetch_all(&mut *tx)
                    .await?
                    .into_iter()
                    .collect();
                let constants: HashSet<String> = sqlx::query_scalar::<_, String>("SELECT code FROM constants")
                    .fetch_all(&mut *tx)
                    .await?
                    .into_iter()
                    .collect();
                let element_ok = |e: &Code, o: Option<&Code>| match (elements.get(e.as_str()), o) {
                    (None, _) => false,
                    (Some(_), None) => true,
                    (Some(cat), Some(o)) => cat.as_ref().is_some_and(|c| options.contains(&(c.clone(), o.to_string()))),
                };
                let mut errors = Vec::new();
                let mut seen = HashSet::new();
                for (i, ind) in indicators.iter().enumerate() {
                    if let Err(r) = ind.check() {
                        push_error(&mut errors, FieldError::new(Some(i), "indicator", r));
                    }
                    if !seen.insert(ind.code.as_str()) {
                        push_error(&mut errors, FieldError::new(Some(i), "code", format!("indicator {} appears twice", ind.code)));
                    }
                    match ind.compile() {
                        Err((field, e)) => push_error(&mut errors, FieldError::new(Some(i), field, e.to_string())),
                        Ok(c) => {
                            for (field, e) in [("numerator", &c.numerator), ("denominator", &c.denominator)] {
                                if let Err(err) = e.check(&element_ok, &|c| constants.contains(c.as_str()), &|g| groups.contains(g.as_str())) {
                                    push_error(&mut errors, FieldError::new(Some(i), field, err.to_string()));
                                }
                            }
                        }
                    }
                }
                if !errors.is_empty() {
                    return Err(StoreError::Invalid(errors));
                }
                let existing: HashMap<String, Indicator> = sqlx::query(&format!("SELECT {INDICATOR_COLS} FROM indicators"))
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|r| indicator_from_row(r).map(|i| (i.code.to_string(), i)))
                    .collect::<Result<_, _>>()?;
                let now = Utc::now();
                let mut audit = AuditBuffer::default();
                let mut changes = Changes::default();
                for ind in indicators {
                    let old = existing.get(ind.code.as_str());
                    if old == Some(ind) {
                        changes.unchanged += 1;
                        continue;
                    }
                    sqlx::query(&format!(
                        "INSERT INTO indicators ({INDICATOR_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
                         ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en, \
                         numerator = excluded.numerator, denominator = excluded.denominator, factor = excluded.factor, \
                         decimals = excluded.decimals, direction = excluded.direction, unit_label = excluded.unit_label, \
                         is_rate = excluded.is_rate, description = excluded.description, \
                         published = excluded.published"
                    ))
                    .bind(ind.code.as_str())
                    .bind(&ind.name_vi)
                    .bind(&ind.name_en)
                    .bind(&ind.numerator)
                    .bind(&ind.denominator)
                    .bind(ind.factor)
                    .bind(ind.decimals as i32)
                    .bind(ind.direction.as_str())
                    .bind(&ind.unit_label)
                    .bind(ind.is_rate)
                    .bind(&ind.description)
                    .bind(ind.published)
                    .execute(&mut *tx)
                    .await?;
                    let action = if old.is_some() { "indicator.update" } else { "indicator.insert" };
                    audit.push(action, &format!("indicator:{}", ind.code), old.map(json), Some(json(ind)));
                    changes.wrote(old.is_some());
                }
                audit.flush(&mut tx, now, actor).await?;
                tx.commit().await?;
                Ok(changes)
            }

            async fn upsert_constants(&self, constants: &[chiso_core::Constant], actor: &Actor) -> Result<Changes, StoreError> {
                let mut errors = Vec::new();
                let mut seen = HashSet::new();
                for (i, c) in constants.iter().enumerate() {
                    if c.name_vi.trim().is_empty() {
                        push_error(&mut errors, FieldError::new(Some(i), "name_vi", "the Vietnamese name is empty"));
                    }
                    if !c.value.is_finite() {
                        push_error(&mut errors, FieldError::new(Some(i), "value", "the value must be a number"));
                    }
                    if !seen.insert(c.code.as_str()) {
                        push_error(&mut errors, FieldError::new(Some(i), "code", format!("constant {} appears twice", c.code)));
                    }
                }
                if !errors.is_empty() {
                    return Err(StoreError::Invalid(errors));
                }
                let mut tx = self.begin_write().await?;
                let existing: HashMap<String, chiso_core::Constant> = sqlx::query("SELECT code, name_vi, name_en, value FROM constants")
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|r| {
                        let c = chiso_core::Constant {
                            code: code_of(r.try_get("code")?)?,
                            name_vi: r.try_get("name_vi")?,
                            name_en: r.try_get("name_en")?,
                            value: r.try_get("value")?,
                        };
                        Ok((c.code.to_string(), c))
                    })
                    .collect::<Result<_, StoreError>>()?;
                let now = Utc::now();
                let mut audit = AuditBuffer::default();
                let mut changes = Changes::default();
                for c in constants {
                    let old = existing.get(c.code.as_str());
                    if old == Some(c) {
                        changes.unchanged += 1;
                        continue;
                    }
                    sqlx::query(
                        "INSERT INTO constants (code, name_vi, name_en, value) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en, value = excluded.value",
                    )
                    .bind(c.code.as_str())
                    .bind(&c.name_vi)
                    .bind(&c.name_en)
                    .bind(c.value)
                    .execute(&mut *tx)
                    .await?;
                    let action = if old.is_some() { "constant.update" } else { "constant.insert" };
                    audit.push(action, &format!("constant:{}", c.code), old.map(json), Some(json(c)));
                    changes.wrote(old.is_some());
                }
                audit.flush(&mut tx, now, actor).await?;
                tx.commit().await?;
                Ok(changes)
            }

            async fn constants(&self) -> Result<Vec<chiso_core::Constant>, StoreError> {
                let rows = sqlx::query("SELECT code, name_vi, name_en, value FROM constants ORDER BY code").fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        Ok(chiso_core::Constant {
                            code: code_of(r.try_get("code")?)?,
                            name_vi: r.try_get("name_vi")?,
                            name_en: r.try_get("name_en")?,
                            value: r.try_get("value")?,
                        })
                    })
                    .collect()
            }

            async fn indicators(&self) -> Result<Vec<Indicator>, StoreError> {
                let rows = sqlx::query(&format!("SELECT {INDICATOR_COLS} FROM indicators ORDER BY code"))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(indicator_from_row).collect()
            }

            async fn upsert_frameworks(&self, frameworks: &[Framework], actor: &Actor) -> Result<Changes, StoreError> {
                let mut tx = self.begin_write().await?;
                let set = |sql: &'static str| sqlx::query_scalar::<_, String>(sql);
                let units: HashSet<String> = set("SELECT code FROM units").fetch_all(&mut *tx).await?.into_iter().collect();
                let groups: HashSet<String> = set("SELECT code FROM unit_groups").fetch_all(&mut *tx).await?.into_iter().collect();
                let indicators: HashSet<String> = set("SELECT code FROM indicators").fetch_all(&mut *tx).await?.into_iter().collect();
                let other_targets: HashMap<String, String> = sqlx::query("SELECT code, framework FROM targets")
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|r| Ok((r.try_get::<String, _>("code")?, r.try_get::<String, _>("framework")?)))
                    .collect::<Result<_, StoreError>>()?;
                let mut errors = Vec::new();
                let mut seen_fw = HashSet::new();
                let mut seen_t: HashMap<String, usize> = HashMap::new();
                for (i, f) in frameworks.iter().enumerate() {
                    if f.name_vi.trim().is_empty() {
                        push_error(&mut errors, FieldError::new(Some(i), "name_vi", "the Vietnamese name is empty"));
                    }
                    if !seen_fw.insert(f.code.as_str()) {
                        push_error(&mut errors, FieldError::new(Some(i), "code", format!("framework {} appears twice", f.code)));
                    }
                    for (j, t) in f.targets.iter().enumerate() {
                        let field = |name: &str| format!("targets[{j}].{name}");
                        if let Err(r) = t.check() {
                            push_error(&mut errors, FieldError::new(Some(i), &field("target"), r));
                        }
                        match &t.scope {
                            TargetScope::Unit(u) if !units.contains(u.as_str()) => {
                                push_error(&mut errors, FieldError::new(Some(i), &field("scope"), format!("unknown unit {u}")))
                            }
                            TargetScope::Group(g) if !groups.contains(g.as_str()) => {
                                push_error(&mut errors, FieldError::new(Some(i), &field("scope"), format!("unknown unit group {g}")))
                            }
                            _ => {}
                        }
                        if let Some(ind) = &t.indicator {
                            if !indicators.contains(ind.as_str()) {
                                push_error(&mut errors, FieldError::new(Some(i), &field("indicator"), format!("unknown indicator {ind}")));
                            }
                        }
                        if let Some(prev) = seen_t.insert(t.code.to_string(), i) {
                            push_error(&mut errors, FieldError::new(Some(i), &field("code"), format!("target {} appears twice (also in item {})", t.code, prev + 1)));
                        } else if other_targets.get(t.code.as_str()).is_some_and(|fw| fw != f.code.as_str()) {
                            push_error(&mut errors, FieldError::new(Some(i), &field("code"), format!("target {} belongs to another framework", t.code)));
                        }
                    }
                }
                if !errors.is_empty() {
                    return Err(StoreError::Invalid(errors));
                }
                let existing: HashMap<String, Framework> = load_frameworks(&mut tx).await?.into_iter().map(|f| (f.code.to_string(), f)).collect();
                let now = Utc::now();
                let mut audit = AuditBuffer::default();
                let mut changes = Changes::default();
                for f in frameworks {
                    let old = existing.get(f.code.as_str());
                    if old == Some(f) {
                        changes.unchanged += 1;
                        continue;
                    }
                    sqlx::query(
                        "INSERT INTO target_frameworks (code, name_vi, name_en, description) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en, \
                         description = excluded.description",
                    )
                    .bind(f.code.as_str())
                    .bind(&f.name_vi)
                    .bind(&f.name_en)
                    .bind(&f.description)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("DELETE FROM targets WHERE framework = $1").bind(f.code.as_str()).execute(&mut *tx).await?;
                    for (pos, t) in f.targets.iter().enumerate() {
                        let (kind, scope) = match &t.scope {
                            TargetScope::Unit(u) => ("unit", u.as_str()),
                            TargetScope::Group(g) => ("group", g.as_str()),
                        };
                        sqlx::query(&format!("INSERT INTO targets ({TARGET_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"))
                            .bind(t.code.as_str())
                            .bind(f.code.as_str())
                            .bind(pos as i32)
                            .bind(&t.name_vi)
                            .bind(&t.name_en)
                            .bind(kind)
                            .bind(scope)
                            .bind(t.period.to_string())
                            .bind(t.indicator.as_ref().map(|c| c.as_str()))
                            .bind(t.comparator.map(|c| c.as_str()))
                            .bind(t.value)
                            .bind(t.due)
                            .bind(t.completed_on)
                            .bind(&t.note)
                            .execute(&mut *tx)
                            .await?;
                    }
                    let action = if old.is_some() { "framework.update" } else { "framework.insert" };
                    audit.push(action, &format!("framework:{}", f.code), old.map(json), Some(json(f)));
                    changes.wrote(old.is_some());
                }
                audit.flush(&mut tx, now, actor).await?;
                tx.commit().await?;
                Ok(changes)
            }

            async fn frameworks(&self) -> Result<Vec<Framework>, StoreError> {
                let mut conn = self.pool.acquire().await?;
                load_frameworks(&mut conn).await
            }

            async fn upsert_scorecards(&self, scorecards: &[Scorecard], actor: &Actor) -> Result<Changes, StoreError> {
                let mut tx = self.begin_write().await?;
                let indicators: HashSet<String> = sqlx::query_scalar::<_, String>("SELECT code FROM indicators")
                    .fetch_all(&mut *tx)
                    .await?
                    .into_iter()
                    .collect();
                let mut errors = Vec::new();
                let mut seen = HashSet::new();
                for (i, sc) in scorecards.iter().enumerate() {
                    if let Err(r) = sc.check() {
                        push_error(&mut errors, FieldError::new(Some(i), "scorecard", r));
                    }
                    if !seen.insert(sc.code.as_str()) {
                        push_error(&mut errors, FieldError::new(Some(i), "code", format!("scorecard {} appears twice", sc.code)));
                    }
                    for c in sc.pillars.iter().flat_map(|p| &p.criteria) {
                        if !indicators.contains(c.indicator.as_str()) {
                            push_error(&mut errors, FieldError::new(Some(i), "indicator", format!("criterion {}: unknown indicator {}", c.code, c.indicator)));
                        }
                    }
                }
                if !errors.is_empty() {
                    return Err(StoreError::Invalid(errors));
                }
                let items: Vec<(&str, String)> = scorecards.iter().map(|sc| (sc.code.as_str(), json(sc))).collect();
                let changes = upsert_definitions(&mut tx, "scorecards", "scorecard", &items, actor).await?;
                tx.commit().await?;
                Ok(changes)
            }

            async fn scorecards(&self) -> Result<Vec<Scorecard>, StoreError> {
                let rows = sqlx::query("SELECT code, definition FROM scorecards ORDER BY code").fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        let def: String = r.try_get("definition")?;
                        serde_json::from_str(&def).map_err(|e| StoreError::Corrupt(format!("scorecard definition: {e}")))
                    })
                    .collect()
            }

            async fn write_values(&self, values: &[DataValueInput], actor: &Actor) -> Result<Changes, StoreError> {
                let mut tx = self.begin_write().await?;
                let changes = write_values_tx(&mut tx, values, actor).await?;
                tx.commit().await?;
                Ok(changes)
            }

            async fn apply_values(&self, values: &[DataValueInput], deletes: &[ValueKey], actor: &Actor, dry_run: bool) -> Result<Changes, StoreError> {
                let mut tx = self.begin_write().await?;
                let mut changes = delete_values_tx(&mut tx, deletes, actor).await?;
                match write_values_tx(&mut tx, values, actor).await {
                    Ok(c) => changes.add(c),
                    Err(StoreError::Invalid(errors)) if !deletes.is_empty() => {
                        // Name the items as the caller numbered them: deletions first.
                        return Err(StoreError::Invalid(errors.into_iter().map(|mut e| {
                            e.index = e.index.map(|i| i + deletes.len());
                            e
                        }).collect()));
                    }
                    Err(e) => return Err(e),
                }
                let started = std::time::Instant::now();
                if dry_run {
                    tx.rollback().await?;
                } else {
                    tx.commit().await?;
                }
                tracing::debug!(ms = started.elapsed().as_millis() as u64, dry_run, "store: transaction ended");
                Ok(changes)
            }

            async fn delete_values(&self, keys: &[ValueKey], actor: &Actor) -> Result<Changes, StoreError> {
                let mut tx = self.begin_write().await?;
                let changes = delete_values_tx(&mut tx, keys, actor).await?;
                tx.commit().await?;
                Ok(changes)
            }

            async fn values(&self, q: &ValueQuery) -> Result<Vec<DataValue>, StoreError> {
                let mut b: QueryBuilder<'_, $db> = QueryBuilder::new("");
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
                // The key's order: read as stored, without sorting.
                b.push(" ORDER BY element, unit, period, breakdown");
                if let Some(l) = q.limit {
                    b.push(" LIMIT ").push_bind(l.max(0));
                    if let Some(o) = q.offset {
                        b.push(" OFFSET ").push_bind(o.max(0));
                    }
                }
                let rows = b.build().fetch_all(&self.pool).await?;
                rows.iter().map(value_from_row).collect()
            }

            async fn scan_numbers(&self, sink: &mut $crate::NumberSink<'_>) -> Result<u64, StoreError> {
                use futures_util::TryStreamExt;
                // One row per element and unit, read in key order (no sort: the SQLite table
                // itself, PostgreSQL's covering index), with the periods, breakdown options and
                // values packed by the database: a few rows through the driver instead of one
                // per value. The canonical value text is exact, as `num` is. The elements are
                // read in two halves at once, on two connections.
                let codes: Vec<String> = sqlx::query_scalar("SELECT code FROM data_elements ORDER BY code")
                    .fetch_all(&self.pool)
                    .await?;
                let mid = codes.get(codes.len() / 2).cloned().unwrap_or_default();
                let sql = |cmp: &str| format!(
                    "SELECT element, unit, {} FROM data_values WHERE num IS NOT NULL AND element {cmp} $1 GROUP BY element, unit",
                    $pack
                );
                let (low, high) = (sql("<"), sql(">="));
                let mut rows = futures_util::stream::select(
                    sqlx::query(&low).bind(mid.as_str()).fetch(&self.pool),
                    sqlx::query(&high).bind(mid.as_str()).fetch(&self.pool),
                );
                let mut n = 0u64;
                while let Some(r) = rows.try_next().await? {
                    let element: &str = r.try_get("element")?;
                    let unit: &str = r.try_get("unit")?;
                    let periods: &str = r.try_get("periods")?;
                    let breakdowns: &str = r.try_get("breakdowns")?;
                    let values: &str = r.try_get("vals")?;
                    for ((period, breakdown), value) in periods.split(';').zip(breakdowns.split(';')).zip(values.split(';')) {
                        let num = match value {
                            "true" => 1.0,
                            "false" => 0.0,
                            v => match v.parse::<f64>() {
                                Ok(x) => x,
                                Err(_) => continue,
                            },
                        };
                        sink(element, breakdown, unit, period, num);
                        n += 1;
                    }
                }
                Ok(n)
            }

            async fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError> {
                let mut b: QueryBuilder<'_, $db> = QueryBuilder::new(
                    "SELECT id, at, actor, via, action, entity, old_value, new_value FROM audit_log WHERE 1 = 1",
                );
                let like = |s: &str| format!("{}%", s.replace('\\', "").replace('%', "").replace('_', "\\_"));
                // A value's history also lies in the bodies of batch rows: those are read and
                // their matching entries returned in place of the batch rows.
                let expand = q.entity_prefix.as_deref().filter(|p| p.starts_with("data_value:"));
                if let Some(p) = &q.entity_prefix {
                    b.push(" AND entity LIKE ").push_bind(like(p)).push(" ESCAPE '\\'");
                }
                if expand.is_some() {
                    b.push(" AND action <> ").push_bind($crate::bulk::BATCH_ACTION);
                }
                if let Some(p) = &q.action_prefix {
                    b.push(" AND action LIKE ").push_bind(like(p)).push(" ESCAPE '\\'");
                }
                if let Some(a) = &q.actor {
                    b.push(" AND actor = ").push_bind(a.clone());
                }
                let limit = q.limit.unwrap_or(1000).clamp(0, 100_000);
                b.push(" ORDER BY id DESC LIMIT ").push_bind(limit);
                let rows = b.build().fetch_all(&self.pool).await?;
                let mut out: Vec<AuditEntry> = rows.iter().map(audit_from_row).collect::<Result<_, _>>()?;
                let Some(prefix) = expand else {
                    return Ok(out);
                };
                let element = prefix["data_value:".len()..].split_once('/').map(|(e, _)| e);
                let mut b: QueryBuilder<'_, $db> = QueryBuilder::new(
                    "SELECT a.id, a.at, a.actor, a.via, a.action, a.entity, a.old_value, a.new_value \
                     FROM audit_log a JOIN audit_batches b ON b.audit_id = a.id WHERE 1 = 1",
                );
                if let Some(e) = element {
                    b.push(" AND b.elements LIKE ").push_bind(format!("%;{}%", like(&format!("{e};")))).push(" ESCAPE '\\'");
                }
                if let Some(a) = &q.actor {
                    b.push(" AND a.actor = ").push_bind(a.clone());
                }
                b.push(" ORDER BY a.id DESC");
                let batches: Vec<AuditEntry> = b.build().fetch_all(&self.pool).await?.iter().map(audit_from_row).collect::<Result<_, _>>()?;
                if batches.is_empty() {
                    return Ok(out);
                }
                let types = self.value_types().await?;
                let mut found = 0usize;
                for row in batches {
                    if found >= limit as usize {
                        // Older than every entry already found: none of its entries would be kept.
                        break;
                    }
                    let body: Vec<u8> = sqlx::query_scalar("SELECT body FROM audit_batches WHERE audit_id = $1")
                        .bind(row.id)
                        .fetch_one(&self.pool)
                        .await?;
                    let mut entries = $crate::bulk::expand_batch(&row, &body, &types, $crate::bulk::BatchFilter {
                        entity: Some(prefix),
                        action: q.action_prefix.as_deref(),
                        last: Some(limit as usize - found),
                    })?;
                    entries.reverse();
                    found += entries.len();
                    out.extend(entries);
                }
                out.sort_by(|a, b| b.id.cmp(&a.id));
                out.truncate(limit as usize);
                Ok(out)
            }

            async fn audit_batch(&self, id: i64) -> Result<Vec<AuditEntry>, StoreError> {
                let row = sqlx::query(
                    "SELECT a.id, a.at, a.actor, a.via, a.action, a.entity, a.old_value, a.new_value, b.body \
                     FROM audit_log a JOIN audit_batches b ON b.audit_id = a.id WHERE a.id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else {
                    return Ok(Vec::new());
                };
                let body: Vec<u8> = row.try_get("body")?;
                let types = self.value_types().await?;
                $crate::bulk::expand_batch(&audit_from_row(&row)?, &body, &types, Default::default())
            }

            async fn audit_since(&self, after: i64, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, at, actor, via, action, entity, old_value, new_value FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2",
                )
                .bind(after)
                .bind(limit.clamp(1, 100_000))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(audit_from_row).collect()
            }

            async fn verify_audit(&self) -> Result<$crate::AuditCheck, StoreError> {
                use futures_util::TryStreamExt;
                let mut rows = sqlx::query(
                    "SELECT id, at, actor, via, action, entity, old_value, new_value, prev_hash, hash FROM audit_log ORDER BY id",
                )
                .fetch(&self.pool);
                let mut prev = String::new();
                let mut n = 0u64;
                while let Some(r) = rows.try_next().await? {
                    n += 1;
                    let id: i64 = r.try_get("id")?;
                    let prev_hash: Option<String> = r.try_get("prev_hash")?;
                    let hash: Option<String> = r.try_get("hash")?;
                    let (Some(prev_hash), Some(hash)) = (prev_hash, hash) else {
                        return Ok($crate::AuditCheck { rows: n, broken: Some((id, "the row is not sealed".into())) });
                    };
                    if prev_hash != prev {
                        return Ok($crate::AuditCheck {
                            rows: n,
                            broken: Some((id, "the link to the previous row does not match: a row before it was removed, added or edited".into())),
                        });
                    }
                    let at: DateTime<Utc> = r.try_get("at")?;
                    let old: Option<String> = r.try_get("old_value")?;
                    let new: Option<String> = r.try_get("new_value")?;
                    let expect = $crate::audit_hash(
                        &prev,
                        at,
                        r.try_get::<&str, _>("actor")?,
                        r.try_get::<&str, _>("via")?,
                        r.try_get::<&str, _>("action")?,
                        r.try_get::<&str, _>("entity")?,
                        old.as_deref(),
                        new.as_deref(),
                    );
                    if expect != hash {
                        return Ok($crate::AuditCheck { rows: n, broken: Some((id, "the row's content does not match its hash: it was edited".into())) });
                    }
                    if r.try_get::<&str, _>("action")? == $crate::bulk::BATCH_ACTION {
                        let body: Option<Vec<u8>> = sqlx::query_scalar("SELECT body FROM audit_batches WHERE audit_id = $1")
                            .bind(id)
                            .fetch_optional(&self.pool)
                            .await?;
                        if !body.is_some_and(|b| $crate::bulk::body_matches(new.as_deref(), &b)) {
                            return Ok($crate::AuditCheck {
                                rows: n,
                                broken: Some((id, "the batch's list of values does not match the digest in its row: it was edited or removed".into())),
                            });
                        }
                    }
                    prev = hash;
                }
                Ok($crate::AuditCheck { rows: n, broken: None })
            }

            async fn last_audit_id(&self) -> Result<i64, StoreError> {
                let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM audit_log").fetch_one(&self.pool).await?;
                Ok(id.unwrap_or(0))
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
                    *slot = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                        .fetch_one(&self.pool)
                        .await?;
                }
                Ok(c)
            }

            async fn create_user(&self, user: &$crate::UserRecord, actor: &Actor) -> Result<(), StoreError> {
                if let Err(r) = chiso_core::account::check_username(&user.username) {
                    return Err(StoreError::invalid(None, "username", r));
                }
                if user.display_name.trim().is_empty() {
                    return Err(StoreError::invalid(None, "display_name", "the name is empty"));
                }
                let mut tx = self.begin_write().await?;
                let exists: Option<String> = sqlx::query_scalar(&format!("SELECT username FROM users WHERE username = $1{}", $lock))
                    .bind(&user.username)
                    .fetch_optional(&mut *tx)
                    .await?;
                if exists.is_some() {
                    return Err(StoreError::invalid(None, "username", format!("the user {} already exists", user.username)));
                }
                let mut errors = Vec::new();
                for (i, a) in user.assignments.iter().enumerate() {
                    if let Some(u) = &a.unit {
                        let found: Option<String> = sqlx::query_scalar("SELECT code FROM units WHERE code = $1")
                            .bind(u.as_str())
                            .fetch_optional(&mut *tx)
                            .await?;
                        if found.is_none() {
                            push_error(&mut errors, FieldError::new(Some(i), "unit", format!("unknown unit {u}")));
                        }
                    }
                }
                if !errors.is_empty() {
                    return Err(StoreError::Invalid(errors));
                }
                sqlx::query(
                    "INSERT INTO users (username, display_name, password_hash, must_change_password, disabled, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&user.username)
                .bind(&user.display_name)
                .bind(&user.password_hash)
                .bind(user.must_change_password)
                .bind(user.disabled)
                .bind(user.created_at)
                .execute(&mut *tx)
                .await?;
                write_assignments(&mut tx, &user.username, &user.assignments).await?;
                let now = Utc::now();
                let mut audit = AuditBuffer::default();
                audit.push("user.insert", &format!("user:{}", user.username), None, Some(user.audit_view()));
                audit.flush(&mut tx, now, actor).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn user(&self, username: &str) -> Result<Option<$crate::UserRecord>, StoreError> {
                let mut conn = self.pool.acquire().await?;
                Ok(load_users(&mut conn, Some(username)).await?.into_iter().next())
            }

            async fn users(&self) -> Result<Vec<$crate::UserRecord>, StoreError> {
                let mut conn = self.pool.acquire().await?;
                load_users(&mut conn, None).await
            }

            async fn set_password(&self, username: &str, password_hash: &str, must_change: bool, actor: &Actor) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let before = load_users(&mut tx, Some(username)).await?.into_iter().next()
                    .ok_or_else(|| StoreError::invalid(None, "username", format!("unknown user {username}")))?;
                sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2 WHERE username = $3")
                    .bind(password_hash)
                    .bind(must_change)
                    .bind(username)
                    .execute(&mut *tx)
                    .await?;
                let mut after = before.clone();
                after.must_change_password = must_change;
                let mut audit = AuditBuffer::default();
                audit.push("user.password", &format!("user:{username}"), Some(before.audit_view()), Some(after.audit_view()));
                audit.flush(&mut tx, Utc::now(), actor).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn set_disabled(&self, username: &str, disabled: bool, actor: &Actor) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let before = load_users(&mut tx, Some(username)).await?.into_iter().next()
                    .ok_or_else(|| StoreError::invalid(None, "username", format!("unknown user {username}")))?;
                if before.disabled == disabled {
                    return Ok(());
                }
                sqlx::query("UPDATE users SET disabled = $1 WHERE username = $2")
                    .bind(disabled)
                    .bind(username)
                    .execute(&mut *tx)
                    .await?;
                let mut after = before.clone();
                after.disabled = disabled;
                let mut audit = AuditBuffer::default();
                let action = if disabled { "user.disable" } else { "user.enable" };
                audit.push(action, &format!("user:{username}"), Some(before.audit_view()), Some(after.audit_view()));
                audit.flush(&mut tx, Utc::now(), actor).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn set_assignments(&self, username: &str, assignments: &[Assignment], actor: &Actor) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let before = load_users(&mut tx, Some(username)).await?.into_iter().next()
                    .ok_or_else(|| StoreError::invalid(None, "username", format!("unknown user {username}")))?;
                let mut errors = Vec::new();
                for (i, a) in assignments.iter().enumerate() {
                    if let Some(u) = &a.unit {
                        let found: Option<String> = sqlx::query_scalar("SELECT code FROM units WHERE code = $1")
                            .bind(u.as_str())
                            .fetch_optional(&mut *tx)
                            .await?;
                        if found.is_none() {
                            push_error(&mut errors, FieldError::new(Some(i), "unit", format!("unknown unit {u}")));
                        }
                    }
                }
                if !errors.is_empty() {
                    return Err(StoreError::Invalid(errors));
                }
                if before.assignments == assignments {
                    return Ok(());
                }
                sqlx::query("DELETE FROM role_assignments WHERE username = $1").bind(username).execute(&mut *tx).await?;
                write_assignments(&mut tx, username, assignments).await?;
                let mut after = before.clone();
                after.assignments = assignments.to_vec();
                let mut audit = AuditBuffer::default();
                audit.push("user.roles", &format!("user:{username}"), Some(before.audit_view()), Some(after.audit_view()));
                audit.flush(&mut tx, Utc::now(), actor).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_session(&self, s: &$crate::SessionRecord) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO sessions (id_hash, username, csrf_token, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&s.id_hash)
                .bind(&s.username)
                .bind(&s.csrf_token)
                .bind(s.created_at)
                .bind(s.last_seen_at)
                .bind(s.expires_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn session(&self, id_hash: &str) -> Result<Option<$crate::SessionRecord>, StoreError> {
                let r = sqlx::query("SELECT id_hash, username, csrf_token, created_at, last_seen_at, expires_at FROM sessions WHERE id_hash = $1")
                    .bind(id_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                r.map(|r| {
                    Ok($crate::SessionRecord {
                        id_hash: r.try_get("id_hash")?,
                        username: r.try_get("username")?,
                        csrf_token: r.try_get("csrf_token")?,
                        created_at: r.try_get("created_at")?,
                        last_seen_at: r.try_get("last_seen_at")?,
                        expires_at: r.try_get("expires_at")?,
                    })
                })
                .transpose()
            }

            async fn touch_session(&self, id_hash: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2").bind(at).bind(id_hash).execute(&self.pool).await?;
                Ok(())
            }

            async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(&self.pool).await?;
                Ok(())
            }

            async fn delete_sessions_of(&self, username: &str) -> Result<u64, StoreError> {
                Ok(sqlx::query("DELETE FROM sessions WHERE username = $1").bind(username).execute(&self.pool).await?.rows_affected())
            }

            async fn create_token(&self, t: &$crate::TokenRecord, actor: &Actor) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let user: Option<String> = sqlx::query_scalar("SELECT username FROM users WHERE username = $1")
                    .bind(&t.username)
                    .fetch_optional(&mut *tx)
                    .await?;
                if user.is_none() {
                    return Err(StoreError::invalid(None, "username", format!("unknown user {}", t.username)));
                }
                if t.name.trim().is_empty() {
                    return Err(StoreError::invalid(None, "name", "the token needs a name (which system uses it)"));
                }
                sqlx::query("INSERT INTO api_tokens (id, username, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&t.id)
                    .bind(&t.username)
                    .bind(&t.name)
                    .bind(&t.token_hash)
                    .bind(t.created_at)
                    .execute(&mut *tx)
                    .await?;
                let mut audit = AuditBuffer::default();
                audit.push("token.create", &format!("token:{}", t.id), None, Some(json(t)));
                audit.flush(&mut tx, Utc::now(), actor).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn token_by_hash(&self, token_hash: &str) -> Result<Option<$crate::TokenRecord>, StoreError> {
                let r = sqlx::query(&format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE token_hash = $1"))
                    .bind(token_hash)
                    .fetch_optional(&self.pool)
                    .await?;
                r.as_ref().map(token_from_row).transpose()
            }

            async fn tokens(&self) -> Result<Vec<$crate::TokenRecord>, StoreError> {
                let rows = sqlx::query(&format!("SELECT {TOKEN_COLS} FROM api_tokens ORDER BY username, created_at")).fetch_all(&self.pool).await?;
                rows.iter().map(token_from_row).collect()
            }

            async fn touch_token(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
                sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").bind(at).bind(id).execute(&self.pool).await?;
                Ok(())
            }

            async fn revoke_token(&self, id: &str, actor: &Actor) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let r = sqlx::query(&format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(before) = r.as_ref().map(token_from_row).transpose()? else {
                    return Err(StoreError::invalid(None, "id", format!("unknown token {id}")));
                };
                if before.revoked_at.is_some() {
                    return Ok(());
                }
                let now = Utc::now();
                sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut *tx).await?;
                let mut after = before.clone();
                after.revoked_at = Some(now);
                let mut audit = AuditBuffer::default();
                audit.push("token.revoke", &format!("token:{id}"), Some(json(&before)), Some(json(&after)));
                audit.flush(&mut tx, now, actor).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn log_event(&self, action: &str, entity: &str, detail: Option<&str>, actor: &Actor) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let mut audit = AuditBuffer::default();
                audit.push(action, entity, None, detail.map(str::to_string));
                audit.flush(&mut tx, Utc::now(), actor).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn close(&self) {
                self.pool.close().await;
            }

            async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
                Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                    .bind(key)
                    .bind(value)
                    .execute(&mut *tx)
                    .await?;
                                tx.commit().await?;
                Ok(())
            }

            // ---- data collection ----

            async fn upsert_data_sets(&self, sets: &[chiso_core::DataSet], actor: &Actor) -> Result<Changes, StoreError> {
                let mut errors = Vec::new();
                let mut seen = HashSet::new();
                let mut tx = self.begin_write().await?;
                let elements: HashSet<String> = sqlx::query_scalar::<_, String>("SELECT code FROM data_elements")
                    .fetch_all(&mut *tx).await?.into_iter().collect();
                for (i, ds) in sets.iter().enumerate() {
                    if let Err(e) = ds.check() {
                        push_error(&mut errors, FieldError::new(Some(i), "data_set", e));
                    }
                    if !seen.insert(ds.code.as_str()) {
                        push_error(&mut errors, FieldError::new(Some(i), "code", format!("data set {} appears twice", ds.code)));
                    }
                    for e in &ds.elements {
                        if !elements.contains(e.as_str()) {
                            push_error(&mut errors, FieldError::new(Some(i), "elements", format!("unknown data element {e}")));
                        }
                    }
                    let mut units: Vec<&Code> = ds.scope.iter().collect();
                    for r in &ds.reporters {
                        match r {
                            chiso_core::Reporters::Unit(u) => units.push(u),
                            chiso_core::Reporters::Group(g) => {
                                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM unit_groups WHERE code = $1")
                                    .bind(g.as_str()).fetch_one(&mut *tx).await?;
                                if n == 0 {
                                    push_error(&mut errors, FieldError::new(Some(i), "reporters", format!("unknown unit group {g}")));
                                }
                            }
                            chiso_core::Reporters::Kind(_) => {}
                        }
                    }
                    for u in units {
                        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM units WHERE code = $1")
                            .bind(u.as_str()).fetch_one(&mut *tx).await?;
                        if n == 0 {
                            push_error(&mut errors, FieldError::new(Some(i), "reporters", format!("unknown unit {u}")));
                        }
                    }
                }
                if !errors.is_empty() {
                    return Err(StoreError::Invalid(errors));
                }
                let existing: HashMap<String, chiso_core::DataSet> =
                    data_sets_in(&mut tx).await?.into_iter().map(|d| (d.code.to_string(), d)).collect();
                let now = Utc::now();
                let mut audit = AuditBuffer::default();
                let mut changes = Changes::default();
                for ds in sets {
                    let old = existing.get(ds.code.as_str());
                    if old == Some(ds) {
                        changes.unchanged += 1;
                        continue;
                    }
                    sqlx::query(
                        "INSERT INTO data_sets (code, name_vi, name_en, period_type, convention, reporters, scope, open_days, due_days, lock_days, approval) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, \
                         name_en = excluded.name_en, period_type = excluded.period_type, convention = excluded.convention, reporters = excluded.reporters, \
                         scope = excluded.scope, open_days = excluded.open_days, due_days = excluded.due_days, lock_days = excluded.lock_days, \
                         approval = excluded.approval",
                    )
                    .bind(ds.code.as_str())
                    .bind(&ds.name_vi)
                    .bind(&ds.name_en)
                    .bind(ds.period_type.as_str())
                    .bind(ds.convention.as_str())
                    .bind(json(&ds.reporters))
                    .bind(ds.scope.as_ref().map(|c| c.as_str()))
                    .bind(ds.open_days)
                    .bind(ds.due_days)
                    .bind(ds.lock_days)
                    .bind(ds.approval)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("DELETE FROM data_set_elements WHERE data_set = $1").bind(ds.code.as_str()).execute(&mut *tx).await?;
                    for (pos, e) in ds.elements.iter().enumerate() {
                        sqlx::query("INSERT INTO data_set_elements (data_set, element, position) VALUES ($1, $2, $3)")
                            .bind(ds.code.as_str())
                            .bind(e.as_str())
                            .bind(pos as i64)
                            .execute(&mut *tx)
                            .await?;
                    }
                    let action = if old.is_some() { "data_set.update" } else { "data_set.insert" };
                    audit.push(action, &format!("data_set:{}", ds.code), old.map(json), Some(json(ds)));
                    changes.wrote(old.is_some());
                }
                audit.flush(&mut tx, now, actor).await?;
                tx.commit().await?;
                Ok(changes)
            }

            async fn data_sets(&self) -> Result<Vec<chiso_core::DataSet>, StoreError> {
                let mut conn = self.pool.acquire().await?;
                data_sets_in(&mut conn).await
            }

            async fn upsert_validation_rules(&self, rules: &[chiso_core::ValidationRule], actor: &Actor) -> Result<Changes, StoreError> {
                let mut errors = Vec::new();
                let mut seen = HashSet::new();
                let mut tx = self.begin_write().await?;
                let elements: HashSet<String> = sqlx::query_scalar::<_, String>("SELECT code FROM data_elements")
                    .fetch_all(&mut *tx).await?.into_iter().collect();
                for (i, r) in rules.iter().enumerate() {
                    match r.compile() {
                        Err(e) => push_error(&mut errors, FieldError::new(Some(i), "expression", e)),
                        Ok(_) => {
                            for e in r.elements() {
                                if !elements.contains(e.as_str()) {
                                    push_error(&mut errors, FieldError::new(Some(i), "expression", format!("unknown data element {e}")));
                                }
                            }
                        }
                    }
                    if !seen.insert(r.code.as_str()) {
                        push_error(&mut errors, FieldError::new(Some(i), "code", format!("rule {} appears twice", r.code)));
                    }
                }
                if !errors.is_empty() {
                    return Err(StoreError::Invalid(errors));
                }
                let existing: HashMap<String, chiso_core::ValidationRule> =
                    rules_in(&mut tx).await?.into_iter().map(|r| (r.code.to_string(), r)).collect();
                let now = Utc::now();
                let mut audit = AuditBuffer::default();
                let mut changes = Changes::default();
                for r in rules {
                    let old = existing.get(r.code.as_str());
                    if old == Some(r) {
                        changes.unchanged += 1;
                        continue;
                    }
                    sqlx::query(
                        "INSERT INTO validation_rules (code, name_vi, name_en, left_side, operator, right_side, severity) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, \
                         name_en = excluded.name_en, left_side = excluded.left_side, operator = excluded.operator, \
                         right_side = excluded.right_side, severity = excluded.severity",
                    )
                    .bind(r.code.as_str())
                    .bind(&r.name_vi)
                    .bind(&r.name_en)
                    .bind(&r.left)
                    .bind(r.operator.as_str())
                    .bind(&r.right)
                    .bind(r.severity.as_str())
                    .execute(&mut *tx)
                    .await?;
                    let action = if old.is_some() { "validation_rule.update" } else { "validation_rule.insert" };
                    audit.push(action, &format!("validation_rule:{}", r.code), old.map(json), Some(json(r)));
                    changes.wrote(old.is_some());
                }
                audit.flush(&mut tx, now, actor).await?;
                tx.commit().await?;
                Ok(changes)
            }

            async fn validation_rules(&self) -> Result<Vec<chiso_core::ValidationRule>, StoreError> {
                let mut conn = self.pool.acquire().await?;
                rules_in(&mut conn).await
            }

            async fn complete(&self, c: &chiso_core::Completion, actor: &Actor) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query(
                    "INSERT INTO completions (data_set, unit, period, completed_by, completed_at, on_time) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (data_set, unit, period) DO NOTHING",
                )
                .bind(c.data_set.as_str())
                .bind(c.unit.as_str())
                .bind(c.period.to_string())
                .bind(&c.completed_by)
                .bind(c.completed_at)
                .bind(c.on_time)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if done == 0 {
                    return Ok(false);
                }
                let mut audit = AuditBuffer::default();
                audit.push("completion.insert", &report_key(&c.data_set, &c.unit, &c.period), None, Some(json(c)));
                audit.flush(&mut tx, Utc::now(), actor).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn uncomplete(&self, data_set: &Code, unit: &Code, period: &Period, actor: &Actor) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                let steps: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM approvals WHERE data_set = $1 AND unit = $2 AND period = $3")
                    .bind(data_set.as_str()).bind(unit.as_str()).bind(period.to_string())
                    .fetch_one(&mut *tx).await?;
                if steps > 0 {
                    return Err(StoreError::invalid(None, "approval", "báo cáo đã được phê duyệt; cần huỷ phê duyệt trước (the report is approved; un-approve it first)"));
                }
                let old = sqlx::query("DELETE FROM completions WHERE data_set = $1 AND unit = $2 AND period = $3 \
                                       RETURNING data_set, unit, period, completed_by, completed_at, on_time")
                    .bind(data_set.as_str()).bind(unit.as_str()).bind(period.to_string())
                    .fetch_optional(&mut *tx).await?;
                let Some(old) = old.as_ref().map(completion_from_row).transpose()? else {
                    return Ok(false);
                };
                let mut audit = AuditBuffer::default();
                audit.push("completion.delete", &report_key(data_set, unit, period), Some(json(&old)), None);
                audit.flush(&mut tx, Utc::now(), actor).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn completions(&self, data_set: Option<&Code>, period: Option<&Period>) -> Result<Vec<chiso_core::Completion>, StoreError> {
                let mut b: QueryBuilder<'_, $db> = QueryBuilder::new(
                    "SELECT data_set, unit, period, completed_by, completed_at, on_time FROM completions WHERE 1 = 1",
                );
                if let Some(d) = data_set {
                    b.push(" AND data_set = ").push_bind(d.to_string());
                }
                if let Some(p) = period {
                    b.push(" AND period = ").push_bind(p.to_string());
                }
                b.push(" ORDER BY data_set, period, unit");
                b.build().fetch_all(&self.pool).await?.iter().map(completion_from_row).collect()
            }

            async fn approve(&self, a: &chiso_core::Approval, actor: &Actor) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                let completed_by: Option<String> = sqlx::query_scalar("SELECT completed_by FROM completions WHERE data_set = $1 AND unit = $2 AND period = $3")
                    .bind(a.data_set.as_str()).bind(a.unit.as_str()).bind(a.period.to_string())
                    .fetch_optional(&mut *tx).await?;
                let Some(completed_by) = completed_by else {
                    return Err(StoreError::invalid(None, "completion", "báo cáo chưa được đánh dấu hoàn thành (the report is not complete)"));
                };
                // Nobody approves a report they submitted themselves.
                if completed_by == a.approved_by {
                    return Err(StoreError::invalid(None, "approval", format!(
                        "{} đã gửi báo cáo này nên không được tự phê duyệt; cần một người phê duyệt khác \
                         ({} submitted this report and may not approve it; another approver must)",
                        a.approved_by, a.approved_by)));
                }
                let steps: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM approvals WHERE data_set = $1 AND unit = $2 AND period = $3")
                    .bind(a.data_set.as_str()).bind(a.unit.as_str()).bind(a.period.to_string())
                    .fetch_one(&mut *tx).await?;
                if i64::from(a.step) != steps + 1 {
                    return Err(StoreError::invalid(None, "step", format!(
                        "báo cáo đã qua {steps} bước phê duyệt; bước tiếp theo là {} (the report has {steps} approval steps; the next is {})",
                        steps + 1, steps + 1)));
                }
                sqlx::query("INSERT INTO approvals (data_set, unit, period, step, level_unit, approved_by, approved_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(a.data_set.as_str())
                    .bind(a.unit.as_str())
                    .bind(a.period.to_string())
                    .bind(i64::from(a.step))
                    .bind(a.level_unit.as_str())
                    .bind(&a.approved_by)
                    .bind(a.approved_at)
                    .execute(&mut *tx)
                    .await?;
                let mut audit = AuditBuffer::default();
                audit.push("approval.insert", &report_key(&a.data_set, &a.unit, &a.period), None, Some(json(a)));
                audit.flush(&mut tx, Utc::now(), actor).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn unapprove(&self, data_set: &Code, unit: &Code, period: &Period, reason: &str, actor: &Actor) -> Result<u8, StoreError> {
                let reason = reason.trim();
                if reason.is_empty() {
                    return Err(StoreError::invalid(None, "reason", "cần nêu lý do huỷ phê duyệt (give the reason for un-approving)"));
                }
                if reason.chars().count() > chiso_core::value::MAX_COMMENT_LEN {
                    return Err(StoreError::invalid(None, "reason", "lý do quá dài (the reason is too long)"));
                }
                let mut tx = self.begin_write().await?;
                let last = sqlx::query(
                    "SELECT data_set, unit, period, step, level_unit, approved_by, approved_at FROM approvals \
                     WHERE data_set = $1 AND unit = $2 AND period = $3 ORDER BY step DESC LIMIT 1",
                )
                .bind(data_set.as_str()).bind(unit.as_str()).bind(period.to_string())
                .fetch_optional(&mut *tx).await?;
                let Some(last) = last.as_ref().map(approval_from_row).transpose()? else {
                    return Err(StoreError::invalid(None, "approval", "báo cáo chưa được phê duyệt (the report is not approved)"));
                };
                sqlx::query("DELETE FROM approvals WHERE data_set = $1 AND unit = $2 AND period = $3 AND step = $4")
                    .bind(data_set.as_str()).bind(unit.as_str()).bind(period.to_string()).bind(i64::from(last.step))
                    .execute(&mut *tx).await?;
                let mut audit = AuditBuffer::default();
                audit.push("approval.delete", &report_key(data_set, unit, period), Some(json(&last)),
                    Some(serde_json::json!({ "reason": reason }).to_string()));
                audit.flush(&mut tx, Utc::now(), actor).await?;
                tx.commit().await?;
                Ok(last.step)
            }

            async fn approvals(&self, data_set: Option<&Code>, period: Option<&Period>) -> Result<Vec<chiso_core::Approval>, StoreError> {
                let mut b: QueryBuilder<'_, $db> = QueryBuilder::new(
                    "SELECT data_set, unit, period, step, level_unit, approved_by, approved_at FROM approvals WHERE 1 = 1",
                );
                if let Some(d) = data_set {
                    b.push(" AND data_set = ").push_bind(d.to_string());
                }
                if let Some(p) = period {
                    b.push(" AND period = ").push_bind(p.to_string());
                }
                b.push(" ORDER BY data_set, period, unit, step");
                b.build().fetch_all(&self.pool).await?.iter().map(approval_from_row).collect()
            }

            async fn grant_lock_exception(&self, e: &chiso_core::LockException, actor: &Actor) -> Result<(), StoreError> {
                if e.reason.trim().is_empty() {
                    return Err(StoreError::invalid(None, "reason", "cần nêu lý do (give a reason)"));
                }
                let mut tx = self.begin_write().await?;
                let old = sqlx::query("SELECT data_set, unit, period, until, granted_by, reason FROM lock_exceptions WHERE data_set = $1 AND unit = $2 AND period = $3")
                    .bind(e.data_set.as_str()).bind(e.unit.as_str()).bind(e.period.to_string())
                    .fetch_optional(&mut *tx).await?;
                let old = old.as_ref().map(exception_from_row).transpose()?;
                sqlx::query("INSERT INTO lock_exceptions (data_set, unit, period, until, granted_by, reason) VALUES ($1, $2, $3, $4, $5, $6) \
                             ON CONFLICT (data_set, unit, period) DO UPDATE SET until = excluded.until, granted_by = excluded.granted_by, reason = excluded.reason")
                    .bind(e.data_set.as_str())
                    .bind(e.unit.as_str())
                    .bind(e.period.to_string())
                    .bind(e.until)
                    .bind(&e.granted_by)
                    .bind(e.reason.trim())
                    .execute(&mut *tx)
                    .await?;
                let mut audit = AuditBuffer::default();
                let action = if old.is_some() { "lock_exception.update" } else { "lock_exception.insert" };
                audit.push(action, &report_key(&e.data_set, &e.unit, &e.period), old.as_ref().map(json), Some(json(e)));
                audit.flush(&mut tx, Utc::now(), actor).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn lock_exceptions(&self, data_set: Option<&Code>, period: Option<&Period>) -> Result<Vec<chiso_core::LockException>, StoreError> {
                let mut b: QueryBuilder<'_, $db> = QueryBuilder::new(
                    "SELECT data_set, unit, period, until, granted_by, reason FROM lock_exceptions WHERE 1 = 1",
                );
                if let Some(d) = data_set {
                    b.push(" AND data_set = ").push_bind(d.to_string());
                }
                if let Some(p) = period {
                    b.push(" AND period = ").push_bind(p.to_string());
                }
                b.push(" ORDER BY data_set, period, unit");
                b.build().fetch_all(&self.pool).await?.iter().map(exception_from_row).collect()
            }

            async fn add_evidence(&self, e: &chiso_core::Evidence, content: &[u8], actor: &Actor) -> Result<(), StoreError> {
                let mut tx = self.begin_write().await?;
                refuse_if_approved(&mut tx, &e.data_set, &e.unit, &e.period).await?;
                sqlx::query(&format!("INSERT INTO evidence ({EVIDENCE_COLS}, content) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"))
                    .bind(&e.id)
                    .bind(e.data_set.as_str())
                    .bind(e.unit.as_str())
                    .bind(e.period.to_string())
                    .bind(e.element.as_ref().map(|c| c.as_str()))
                    .bind(&e.file_name)
                    .bind(&e.content_type)
                    .bind(e.size)
                    .bind(&e.sha256)
                    .bind(&e.doc_number)
                    .bind(e.doc_date)
                    .bind(&e.summary)
                    .bind(&e.uploaded_by)
                    .bind(e.uploaded_at)
                    .bind(content)
                    .execute(&mut *tx)
                    .await?;
                let mut audit = AuditBuffer::default();
                audit.push("evidence.insert", &format!("evidence:{}", e.id), None, Some(json(e)));
                audit.flush(&mut tx, Utc::now(), actor).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn evidence(&self, data_set: &Code, unit: &Code, period: &Period) -> Result<Vec<chiso_core::Evidence>, StoreError> {
                sqlx::query(&format!("SELECT {EVIDENCE_COLS} FROM evidence WHERE data_set = $1 AND unit = $2 AND period = $3 ORDER BY uploaded_at, id"))
                    .bind(data_set.as_str()).bind(unit.as_str()).bind(period.to_string())
                    .fetch_all(&self.pool).await?.iter().map(evidence_from_row).collect()
            }

            async fn evidence_file(&self, id: &str) -> Result<Option<(chiso_core::Evidence, Vec<u8>)>, StoreError> {
                let row = sqlx::query(&format!("SELECT {EVIDENCE_COLS}, content FROM evidence WHERE id = $1"))
                    .bind(id).fetch_optional(&self.pool).await?;
                match row {
                    None => Ok(None),
                    Some(r) => Ok(Some((evidence_from_row(&r)?, r.try_get("content")?))),
                }
            }

            async fn delete_evidence(&self, id: &str, actor: &Actor) -> Result<bool, StoreError> {
                let mut tx = self.begin_write().await?;
                let old = sqlx::query(&format!("DELETE FROM evidence WHERE id = $1 RETURNING {EVIDENCE_COLS}"))
                    .bind(id).fetch_optional(&mut *tx).await?;
                let Some(old) = old.as_ref().map(evidence_from_row).transpose()? else {
                    return Ok(false);
                };
                refuse_if_approved(&mut tx, &old.data_set, &old.unit, &old.period).await?;
                let mut audit = AuditBuffer::default();
                audit.push("evidence.delete", &format!("evidence:{id}"), Some(json(&old)), None);
                audit.flush(&mut tx, Utc::now(), actor).await?;
                tx.commit().await?;
                Ok(true)
            }

            // ---- plans, directives and registers ------------------------------------------------

            async fn upsert_plans(&self, plans: &[chiso_core::plan::Plan], actor: &Actor) -> Result<Changes, StoreError> {
                let mut tx = self.begin_write().await?;
                let changes = save_plans(&mut tx, plans, actor).await?;
                tx.commit().await?;
                Ok(changes)
            }

            async fn edit_plans(&self, plans: &[chiso_core::plan::Plan], actor: &Actor) -> Result<Changes, StoreError> {
                let mut tx = self.begin_write().await?;
                let mut errors = Vec::new();
                let mut edited = Vec::with_capacity(plans.len());
                for (i, p) in plans.iter().enumerate() {
                    let def: Option<String> = sqlx::query_scalar(&format!("SELECT definition FROM plans WHERE code = $1{}", $lock))
                        .bind(p.code.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                    let mut p = p.clone();
                    match def.map(|d| from_json::<chiso_core::plan::Plan>(&d, "plan")).transpose()? {
                        Some(old) if !old.status.editable() => push_error(&mut errors, FieldError::new(Some(i), "status", format!(
                            "kế hoạch {} đang ở trạng thái '{}': chỉ sửa được bản nháp hoặc bản bị trả lại",
                            p.code, old.status.as_str()
                        ))),
                        Some(old) if old.unit != p.unit => push_error(&mut errors, FieldError::new(Some(i), "unit", format!("kế hoạch {} thuộc đơn vị {}", p.code, old.unit))),
                        Some(old) => {
                            p.status = old.status;
                            p.submitted_by = old.submitted_by;
                            p.submitted_on = old.submitted_on;
                            p.decided_by = old.decided_by;
                            p.approved_on = old.approved_on;
                            p.comments = old.comments;
                        }
                        None => {
                            p.status = chiso_core::plan::PlanStatus::Draft;
                            p.submitted_by = None;
                            p.submitted_on = None;
                            p.decided_by = None;
                            p.approved_on = None;
                            p.comments = Vec::new();
                        }
                    }
                    edited.push(p);
                }
                if !errors.is_empty() {
                    return Err(StoreError::Invalid(errors));
                }
                let changes = save_plans(&mut tx, &edited, actor).await?;
                tx.commit().await?;
                Ok(changes)
            }

            async fn modify_plan(&self, code: &Code, change: &$crate::PlanChange<'_>, actor: &Actor) -> Result<chiso_core::plan::Plan, StoreError> {
                let mut tx = self.begin_write().await?;
                let def: Option<String> = sqlx::query_scalar(&format!("SELECT definition FROM plans WHERE code = $1{}", $lock))
                    .bind(code.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(def) = def else {
                    return Err(StoreError::invalid(None, "code", format!("không có kế hoạch {code}")));
                };
                let mut plan: chiso_core::plan::Plan = from_json(&def, "plan")?;
                let (unit, year) = (plan.unit.clone(), plan.year);
                change(&mut plan).map_err(|e| StoreError::Invalid(vec![e]))?;
                if plan.code != *code || plan.unit != unit || plan.year != year {
                    return Err(StoreError::invalid(None, "code", "không đổi được mã, đơn vị hay năm của kế hoạch"));
                }
                save_plans(&mut tx, std::slice::from_ref(&plan), actor).await?;
                tx.commit().await?;
                Ok(plan)
            }

            async fn modify_directive(&self, code: &Code, change: &$crate::DirectiveChange<'_>, actor: &Actor) -> Result<chiso_core::plan::Directive, StoreError> {
                let mut tx = self.begin_write().await?;
                let def: Option<String> = sqlx::query_scalar(&format!("SELECT definition FROM directives WHERE code = $1{}", $lock))
                    .bind(code.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(def) = def else {
                    return Err(StoreError::invalid(None, "code", format!("không có chỉ đạo {code}")));
                };
                let mut d: chiso_core::plan::Directive = from_json(&def, "directive")?;
                change(&mut d).map_err(|e| StoreError::Invalid(vec![e]))?;
                if d.code != *code {
                    return Err(StoreError::invalid(None, "code", "không đổi được mã của chỉ đạo"));
                }
                let problems: Vec<FieldError> = d.check().into_iter().map(|p| FieldError::new(None, &p.field, p.reason)).collect();
                if !problems.is_empty() {
                    return Err(StoreError::Invalid(problems));
                }
                let new = json(&d);
                if new != def {
                    sqlx::query("UPDATE directives SET definition = $1 WHERE code = $2")
                        .bind(&new)
                        .bind(code.as_str())
                        .execute(&mut *tx)
                        .await?;
                    let mut audit = AuditBuffer::default();
                    audit.push("directive.update", &format!("directive:{code}"), Some(def), Some(new));
                    audit.flush(&mut tx, Utc::now(), actor).await?;
                }
                tx.commit().await?;
                Ok(d)
            }

            async fn plan(&self, code: &Code) -> Result<Option<chiso_core::plan::Plan>, StoreError> {
                let def: Option<String> = sqlx::query_scalar("SELECT definition FROM plans WHERE code = $1")
                    .bind(code.as_str())
                    .fetch_optional(&self.pool)
                    .await?;
                def.map(|d| from_json(&d, "plan")).transpose()
            }

            async fn plans(&self, unit: Option<&Code>, year: Option<i32>) -> Result<Vec<chiso_core::plan::Plan>, StoreError> {
                let defs: Vec<String> = sqlx::query_scalar(
                    "SELECT definition FROM plans WHERE ($1 IS NULL OR unit = $1) AND ($2 IS NULL OR year = $2) ORDER BY year, unit",
                )
                .bind(unit.map(|u| u.as_str()))
                .bind(year.map(i64::from))
                .fetch_all(&self.pool)
                .await?;
                defs.iter().map(|d| from_json(d, "plan")).collect()
            }

            async fn upsert_directives(&self, directives: &[chiso_core::plan::Directive], actor: &Actor) -> Result<Changes, StoreError> {
                let mut tx = self.begin_write().await?;
                let names: Vec<&str> = directives.iter().flat_map(|d| &d.assignees).map(|c| c.as_str()).collect();
                let units = existing_codes(&mut tx, "units", &names).await?;
                let mut errors = Vec::new();
                let mut seen = HashSet::new();
                for (i, d) in directives.iter().enumerate() {
                    for pr in d.check() {
                        push_error(&mut errors, FieldError::new(Some(i), &pr.field, pr.reason));
                    }
                    if !seen.insert(d.code.as_str()) {
                        push_error(&mut errors, FieldError::new(Some(i), "code", format!("chỉ đạo {} xuất hiện hai lần", d.code)));
                    }
                    for u in &d.assignees {
                        if !units.contains(u.as_str()) {
                            push_error(&mut errors, FieldError::new(Some(i), "assignees", format!("không có đơn vị {u}")));
                        }
                    }
                }
                if !errors.is_empty() {
                    return Err(StoreError::Invalid(errors));
                }
                let items: Vec<(&str, String)> = directives.iter().map(|d| (d.code.as_str(), json(d))).collect();
                let changes = upsert_definitions(&mut tx, "directives", "directive", &items, actor).await?;
                tx.commit().await?;
                Ok(changes)
            }

            async fn directives(&self) -> Result<Vec<chiso_core::plan::Directive>, StoreError> {
                let defs: Vec<String> = sqlx::query_scalar("SELECT definition FROM directives ORDER BY code")
                    .fetch_all(&self.pool)
                    .await?;
                defs.iter().map(|d| from_json(d, "directive")).collect()
            }

            async fn upsert_register(&self, entries: &[chiso_core::plan::RegisterEntry], actor: &Actor) -> Result<Changes, StoreError> {
                let mut tx = self.begin_write().await?;
                let names: Vec<&str> = entries.iter().flat_map(|e| e.units()).map(|c| c.as_str()).collect();
                let units = existing_codes(&mut tx, "units", &names).await?;
                let mut errors = Vec::new();
                let mut seen = HashSet::new();
                for (i, e) in entries.iter().enumerate() {
                    for pr in e.check() {
                        push_error(&mut errors, FieldError::new(Some(i), &pr.field, pr.reason));
                    }
                    if !seen.insert((e.kind(), e.code().as_str())) {
                        push_error(&mut errors, FieldError::new(Some(i), "code", format!("mục {} xuất hiện hai lần", e.code())));
                    }
                    for u in e.units() {
                        if !units.contains(u.as_str()) {
                            push_error(&mut errors, FieldError::new(Some(i), "owner", format!("không có đơn vị {u}")));
                        }
                    }
                }
                if !errors.is_empty() {
                    return Err(StoreError::Invalid(errors));
                }
                let existing = definitions(&mut tx, "SELECT kind || '/' || code AS code, definition FROM register_entries").await?;
                let now = Utc::now();
                let mut audit = AuditBuffer::default();
                let mut changes = Changes::default();
                for e in entries {
                    let key = format!("{}/{}", e.kind().as_str(), e.code());
                    let def = json(e);
                    let old = existing.get(&key);
                    if old == Some(&def) {
                        changes.unchanged += 1;
                        continue;
                    }
                    sqlx::query("INSERT INTO register_entries (kind, code, owner, definition) VALUES ($1, $2, $3, $4) \
                                 ON CONFLICT (kind, code) DO UPDATE SET owner = excluded.owner, definition = excluded.definition")
                        .bind(e.kind().as_str())
                        .bind(e.code().as_str())
                        .bind(e.owner().as_str())
                        .bind(&def)
                        .execute(&mut *tx)
                        .await?;
                    let action = if old.is_some() { "register.update" } else { "register.insert" };
                    audit.push(action, &format!("register:{key}"), old.cloned(), Some(def));
                    changes.wrote(old.is_some());
                }
                audit.flush(&mut tx, now, actor).await?;
                tx.commit().await?;
                Ok(changes)
            }

            async fn delete_register(&self, kind: chiso_core::plan::RegisterKind, code: &Code, actor: &Actor) -> Result<Changes, StoreError> {
                let mut tx = self.begin_write().await?;
                let old: Option<String> = sqlx::query_scalar(&format!("SELECT definition FROM register_entries WHERE kind = $1 AND code = $2{}", $lock))
                    .bind(kind.as_str())
                    .bind(code.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                let Some(old) = old else {
                    return Ok(Changes { unchanged: 1, ..Default::default() });
                };
                sqlx::query("DELETE FROM register_entries WHERE kind = $1 AND code = $2")
                    .bind(kind.as_str())
                    .bind(code.as_str())
                    .execute(&mut *tx)
                    .await?;
                let mut audit = AuditBuffer::default();
                audit.push("register.delete", &format!("register:{}/{code}", kind.as_str()), Some(old), None);
                audit.flush(&mut tx, Utc::now(), actor).await?;
                tx.commit().await?;
                Ok(Changes { deleted: 1, ..Default::default() })
            }

            async fn register(&self, kind: Option<chiso_core::plan::RegisterKind>) -> Result<Vec<chiso_core::plan::RegisterEntry>, StoreError> {
                let defs: Vec<String> = sqlx::query_scalar(
                    "SELECT definition FROM register_entries WHERE ($1 IS NULL OR kind = $1) ORDER BY kind, code",
                )
                .bind(kind.map(|k| k.as_str()))
                .fetch_all(&self.pool)
                .await?;
                defs.iter().map(|d| from_json(d, "register entry")).collect()
            }
        }

    /// Check plans against each other and the stored units, targets and indicators, then
    /// write them with an audit row each (inside the caller's transaction).
    async fn save_plans(tx: &mut Tx, plans: &[chiso_core::plan::Plan], actor: &Actor) -> Result<Changes, StoreError> {
            let mut errors = Vec::new();
            let mut names: Vec<&str> = Vec::new();
            for p in plans {
                names.extend(p.units().into_iter().map(|c| c.as_str()));
            }
            let units = existing_codes(tx, "units", &names).await?;
            let targets: Vec<&str> = plans.iter().flat_map(|p| &p.tasks).flat_map(|t| &t.targets).map(|c| c.as_str()).collect();
            let targets = existing_codes(tx, "targets", &targets).await?;
            let inds: Vec<&str> = plans.iter().flat_map(|p| &p.tasks).flat_map(|t| &t.indicators).map(|c| c.as_str()).collect();
            let inds = existing_codes(tx, "indicators", &inds).await?;
            let mut seen = HashSet::new();
            let mut seen_unit_year = HashSet::new();
            for (i, p) in plans.iter().enumerate() {
                for pr in p.check() {
                    push_error(&mut errors, FieldError::new(Some(i), &pr.field, pr.reason));
                }
                if !seen.insert(p.code.as_str()) {
                    push_error(&mut errors, FieldError::new(Some(i), "code", format!("kế hoạch {} xuất hiện hai lần", p.code)));
                }
                if !seen_unit_year.insert((p.unit.as_str(), p.year)) {
                    push_error(&mut errors, FieldError::new(Some(i), "unit", format!("đơn vị {} có hai kế hoạch năm {}", p.unit, p.year)));
                }
                if !units.contains(p.unit.as_str()) {
                    push_error(&mut errors, FieldError::new(Some(i), "unit", format!("không có đơn vị {}", p.unit)));
                }
                for (j, t) in p.tasks.iter().enumerate() {
                    for u in std::iter::once(&t.lead).chain(&t.cooperating) {
                        if !units.contains(u.as_str()) {
                            let field = if u == &t.lead { "lead" } else { "cooperating" };
                            push_error(&mut errors, FieldError::new(Some(i), &format!("tasks[{j}].{field}"), format!("không có đơn vị {u}")));
                        }
                    }
                    for c in &t.targets {
                        if !targets.contains(c.as_str()) {
                            push_error(&mut errors, FieldError::new(Some(i), &format!("tasks[{j}].targets"), format!("không có chỉ tiêu {c}")));
                        }
                    }
                    for c in &t.indicators {
                        if !inds.contains(c.as_str()) {
                            push_error(&mut errors, FieldError::new(Some(i), &format!("tasks[{j}].indicators"), format!("không có chỉ số {c}")));
                        }
                    }
                }
            }
            let mut existing: HashMap<String, String> = HashMap::new();
            let mut taken: HashMap<(String, i64), String> = HashMap::new();
            for r in sqlx::query("SELECT code, unit, year, definition FROM plans").fetch_all(&mut **tx).await? {
                let code: String = r.try_get("code")?;
                taken.insert((r.try_get("unit")?, r.try_get::<i64, _>("year")?), code.clone());
                existing.insert(code, r.try_get("definition")?);
            }
            for (i, p) in plans.iter().enumerate() {
                if let Some(other) = taken.get(&(p.unit.to_string(), i64::from(p.year))) {
                    if other != p.code.as_str() {
                        push_error(&mut errors, FieldError::new(Some(i), "unit", format!("đơn vị {} đã có kế hoạch năm {} ({other})", p.unit, p.year)));
                    }
                }
            }
            if !errors.is_empty() {
                return Err(StoreError::Invalid(errors));
            }
            let now = Utc::now();
            let mut audit = AuditBuffer::default();
            let mut changes = Changes::default();
            for p in plans {
                let def = json(p);
                let old = existing.get(p.code.as_str());
                if old == Some(&def) {
                    changes.unchanged += 1;
                    continue;
                }
                sqlx::query("INSERT INTO plans (code, unit, year, status, definition) VALUES ($1, $2, $3, $4, $5) \
                             ON CONFLICT (code) DO UPDATE SET unit = excluded.unit, year = excluded.year, status = excluded.status, definition = excluded.definition")
                    .bind(p.code.as_str())
                    .bind(p.unit.as_str())
                    .bind(i64::from(p.year))
                    .bind(p.status.as_str())
                    .bind(&def)
                    .execute(&mut **tx)
                    .await?;
                let action = if old.is_some() { "plan.update" } else { "plan.insert" };
                audit.push(action, &format!("plan:{}", p.code), old.cloned(), Some(def));
                changes.wrote(old.is_some());
            }
            audit.flush(tx, now, actor).await?;
            Ok(changes)
        }

        /// Which of `codes` are in `table` (a table with a `code` column).
        async fn existing_codes(tx: &mut Tx, table: &str, codes: &[&str]) -> Result<HashSet<String>, StoreError> {
            let wanted: BTreeSet<&str> = codes.iter().copied().collect();
            let mut found = HashSet::new();
            let wanted: Vec<&str> = wanted.into_iter().collect();
            for chunk in wanted.chunks(500) {
                let mut b: QueryBuilder<'_, $db> = QueryBuilder::new("SELECT code FROM ");
                b.push(table).push(" WHERE code IN (");
                let mut s = b.separated(", ");
                for c in chunk {
                    s.push_bind(*c);
                }
                b.push(")");
                for r in b.build().fetch_all(&mut **tx).await? {
                    found.insert(r.try_get::<String, _>("code")?);
                }
            }
            Ok(found)
        }

        /// Write (code, definition as JSON) rows into a table of definitions — scorecards,
        /// directives — with an audit row for each one that changed. `table` and `kind` are the
        /// code's own names, never input.
        async fn upsert_definitions(
            tx: &mut Tx,
            table: &'static str,
            kind: &'static str,
            items: &[(&str, String)],
            actor: &Actor,
        ) -> Result<Changes, StoreError> {
            let existing: HashMap<String, String> = sqlx::query(&format!("SELECT code, definition FROM {table}"))
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|r| Ok((r.try_get::<String, _>("code")?, r.try_get::<String, _>("definition")?)))
                .collect::<Result<_, StoreError>>()?;
            let now = Utc::now();
            let mut audit = AuditBuffer::default();
            let mut changes = Changes::default();
            for (code, def) in items {
                let old = existing.get(*code);
                if old == Some(def) {
                    changes.unchanged += 1;
                    continue;
                }
                sqlx::query(&format!(
                    "INSERT INTO {table} (code, definition) VALUES ($1, $2) ON CONFLICT (code) DO UPDATE SET definition = excluded.definition"
                ))
                .bind(*code)
                .bind(def)
                .execute(&mut **tx)
                .await?;
                let action = if old.is_some() { format!("{kind}.update") } else { format!("{kind}.insert") };
                audit.push(&action, &format!("{kind}:{code}"), old.cloned(), Some(def.clone()));
                changes.wrote(old.is_some());
            }
            audit.flush(tx, now, actor).await?;
            Ok(changes)
        }

        /// (code, definition) of every row a query returns.
        async fn definitions(tx: &mut Tx, sql: &'static str) -> Result<HashMap<String, String>, StoreError> {
            sqlx::query(sql)
                .fetch_all(&mut **tx)
                .await?
                .iter()
                .map(|r| Ok((r.try_get::<String, _>("code")?, r.try_get::<String, _>("definition")?)))
                .collect()
        }

        fn from_json<T: serde::de::DeserializeOwned>(def: &str, what: &str) -> Result<T, StoreError> {
            serde_json::from_str(def).map_err(|e| StoreError::Corrupt(format!("{what} definition: {e}")))
        }

        #[allow(dead_code)]
        fn _unused(_: NaiveDate) {}
    };
}

pub(crate) use impl_store;
