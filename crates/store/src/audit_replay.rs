//! The audit log's latest state of every data value, replayed and compared with the
//! `data_values` table: a value written, changed or deleted around chiso (a direct edit of
//! the table) does not match the chain that should record it.

use crate::sql::{stmt, SqlBackend};
use crate::{AuditReads, Change, StoreError};
use std::collections::HashMap;

type Key = (String, String, String, String);

/// The first value whose stored state differs from the audit log's latest state of it: its
/// entity (`data_value:ELEMENT/UNIT/PERIOD/OPTION`) and why. Holds one entry per value key
/// the log names while it runs.
pub(crate) async fn first_mismatch<B: SqlBackend + AuditReads>(
    b: &B,
) -> Result<Option<(String, String)>, StoreError> {
    let mut latest: HashMap<Key, Option<String>> = HashMap::new();
    let mut after = 0i64;
    loop {
        let page = b.changes_since(after, 10_000).await?;
        let Some(last) = page.last() else {
            break;
        };
        after = last.id;
        for c in page {
            if let Change::Value { key, value } = c.change {
                let k = (
                    key.element.to_string(),
                    key.unit.to_string(),
                    key.period.to_string(),
                    key.breakdown.map(|o| o.to_string()).unwrap_or_default(),
                );
                latest.insert(k, value.map(|v| v.value));
            }
        }
    }
    let entity = |k: &Key| format!("data_value:{}/{}/{}/{}", k.0, k.1, k.2, k.3);
    // The table in key order, a page at a time.
    let mut from: Option<Key> = None;
    loop {
        let rows = match &from {
            None => {
                stmt(
                    "SELECT element, unit, period, breakdown, value FROM data_values \
                 ORDER BY element, unit, period, breakdown LIMIT 10000",
                )
                .fetch_all(b)
                .await?
            }
            Some(k) => {
                stmt(
                    "SELECT element, unit, period, breakdown, value FROM data_values \
                 WHERE (element, unit, period, breakdown) > ($1, $2, $3, $4) \
                 ORDER BY element, unit, period, breakdown LIMIT 10000",
                )
                .bind(k.0.as_str())
                .bind(k.1.as_str())
                .bind(k.2.as_str())
                .bind(k.3.as_str())
                .fetch_all(b)
                .await?
            }
        };
        if rows.is_empty() {
            break;
        }
        for r in &rows {
            let k: Key = (
                r.get("element")?,
                r.get("unit")?,
                r.get("period")?,
                r.get("breakdown")?,
            );
            let value: String = r.get("value")?;
            match latest.remove(&k) {
                None => {
                    return Ok(Some((
                        entity(&k),
                        "the value is stored but the audit log never recorded it: it was \
                         written around chiso"
                            .into(),
                    )))
                }
                Some(None) => {
                    return Ok(Some((
                        entity(&k),
                        "the audit log recorded its deletion, yet it is stored".into(),
                    )))
                }
                Some(Some(logged)) if logged != value => {
                    return Ok(Some((
                        entity(&k),
                        format!(
                            "stored as '{value}', but the audit log's latest value is \
                             '{logged}': it was edited around chiso"
                        ),
                    )))
                }
                Some(Some(_)) => {}
            }
            from = Some(k);
        }
    }
    // What the log says exists but the table lacks.
    let mut missing: Vec<&Key> = latest
        .iter()
        .filter(|(_, v)| v.is_some())
        .map(|(k, _)| k)
        .collect();
    missing.sort();
    Ok(missing.first().map(|k| {
        (
            entity(k),
            "the audit log's latest state has this value, but it is not stored: it was \
             deleted around chiso"
                .into(),
        )
    }))
}
