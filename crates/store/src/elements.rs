//! Breakdowns and data elements.

use crate::audit::AuditBuffer;
use crate::common::*;
use crate::rows::*;
use crate::sql::{scalar, stmt, SqlBackend};
use crate::{Actor, Changes, FieldError, StoreError};
use chiso_core::{Breakdown, BreakdownOption, Code, DataElement};
use chrono::Utc;
use std::collections::{HashMap, HashSet};

pub(crate) async fn load_breakdowns<B: SqlBackend>(db: &B) -> Result<Vec<Breakdown>, StoreError> {
    let heads = stmt("SELECT code, name_vi, name_en FROM breakdowns ORDER BY code")
        .fetch_all(db)
        .await?;
    let opts = stmt(
        "SELECT breakdown, code, name_vi, name_en FROM breakdown_options ORDER BY breakdown, sort, code",
    )
    .fetch_all(db)
    .await?;
    let mut by: HashMap<String, Vec<BreakdownOption>> = HashMap::new();
    for r in &opts {
        by.entry(r.get("breakdown")?)
            .or_default()
            .push(BreakdownOption {
                code: code_of(r.get("code")?)?,
                name_vi: r.get("name_vi")?,
                name_en: r.get("name_en")?,
            });
    }
    heads
        .iter()
        .map(|r| {
            let code: String = r.get("code")?;
            Ok(Breakdown {
                options: by.remove(&code).unwrap_or_default(),
                code: code_of(code)?,
                name_vi: r.get("name_vi")?,
                name_en: r.get("name_en")?,
            })
        })
        .collect()
}

#[async_trait::async_trait]
impl<B: SqlBackend> crate::ElementReads for B {
    async fn breakdowns(&self) -> Result<Vec<Breakdown>, StoreError> {
        load_breakdowns(self).await
    }

    async fn elements(&self) -> Result<Vec<DataElement>, StoreError> {
        let rows = stmt(format!(
            "SELECT {ELEMENT_COLS} FROM data_elements ORDER BY code"
        ))
        .fetch_all(self)
        .await?;
        rows.iter().map(element_from_row).collect()
    }

    async fn element(&self, code: &Code) -> Result<Option<DataElement>, StoreError> {
        let row = stmt(format!(
            "SELECT {ELEMENT_COLS} FROM data_elements WHERE code = $1"
        ))
        .bind(code.as_str())
        .fetch_optional(self)
        .await?;
        row.as_ref().map(element_from_row).transpose()
    }
}

#[async_trait::async_trait]
impl<B: SqlBackend> crate::ElementWrites for B {
    async fn upsert_breakdowns(
        &self,
        breakdowns: &[Breakdown],
        actor: &Actor,
    ) -> Result<Changes, StoreError> {
        let mut errors = Vec::new();
        for (i, b) in breakdowns.iter().enumerate() {
            if b.name_vi.trim().is_empty() || b.options.iter().any(|o| o.name_vi.trim().is_empty())
            {
                push_error(
                    &mut errors,
                    FieldError::new(Some(i), "name_vi", "a Vietnamese name is empty"),
                );
            }
            let mut seen = HashSet::new();
            for o in &b.options {
                if !seen.insert(o.code.as_str()) {
                    push_error(
                        &mut errors,
                        FieldError::new(
                            Some(i),
                            "options",
                            format!("option {} appears twice", o.code),
                        ),
                    );
                }
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let existing: HashMap<String, Breakdown> = load_breakdowns(self)
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
            stmt(
                "INSERT INTO breakdowns (code, name_vi, name_en) VALUES ($1, $2, $3) \
                 ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en",
            )
            .bind(b.code.as_str())
            .bind(&b.name_vi)
            .bind(&b.name_en)
            .execute(&mut tx)
            .await?;
            for (sort, o) in merged.options.iter().enumerate() {
                stmt(
                    "INSERT INTO breakdown_options (breakdown, code, name_vi, name_en, sort) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (breakdown, code) DO UPDATE SET name_vi = excluded.name_vi, \
                     name_en = excluded.name_en, sort = excluded.sort",
                )
                .bind(b.code.as_str())
                .bind(o.code.as_str())
                .bind(&o.name_vi)
                .bind(&o.name_en)
                .bind(sort as i32)
                .execute(&mut tx)
                .await?;
            }
            let action = if old.is_some() {
                "breakdown.update"
            } else {
                "breakdown.insert"
            };
            audit.push(
                action,
                &format!("breakdown:{}", b.code),
                old.map(json),
                Some(json(&merged)),
            );
            changes.wrote(old.is_some());
        }
        audit.flush(&mut tx, now, actor).await?;
        tx.commit().await?;
        Ok(changes)
    }

    async fn upsert_elements(
        &self,
        elements: &[DataElement],
        actor: &Actor,
    ) -> Result<Changes, StoreError> {
        let mut tx = self.begin_write().await?;
        let breakdowns: HashSet<String> = scalar("SELECT code FROM breakdowns")
            .fetch_all::<_, _, String>(&mut tx)
            .await?
            .into_iter()
            .collect();
        let existing: HashMap<String, DataElement> =
            stmt(format!("SELECT {ELEMENT_COLS} FROM data_elements"))
                .fetch_all(&mut tx)
                .await?
                .iter()
                .map(|r| element_from_row(r).map(|e| (e.code.to_string(), e)))
                .collect::<Result<_, _>>()?;
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        for (i, e) in elements.iter().enumerate() {
            check_element(i, e, &breakdowns, &mut errors);
            if !seen.insert(e.code.as_str()) {
                push_error(
                    &mut errors,
                    FieldError::new(
                        Some(i),
                        "code",
                        format!("data element {} appears twice", e.code),
                    ),
                );
            }
            if let Some(old) = existing.get(e.code.as_str()) {
                if old.breakdown != e.breakdown {
                    let n: i64 = scalar("SELECT COUNT(*) FROM data_values WHERE element = $1")
                        .bind(e.code.as_str())
                        .fetch_one(&mut tx)
                        .await?;
                    if n > 0 {
                        push_error(
                            &mut errors,
                            FieldError::new(
                                Some(i),
                                "breakdown",
                                format!(
                                    "{} already has {n} values; its breakdown cannot change",
                                    e.code
                                ),
                            ),
                        );
                    }
                } else if old.value_type != e.value_type {
                    // A new type is taken when every stored value is a value of it, unchanged
                    // (text and number): e.g. a count that was `integer` becomes
                    // `integer_zero_or_positive` while none of its values is negative.
                    let rows = stmt("SELECT value, num FROM data_values WHERE element = $1")
                        .bind(e.code.as_str())
                        .fetch_all(&mut tx)
                        .await?;
                    let mut misfits = 0usize;
                    let mut first = None;
                    for r in &rows {
                        let text: String = r.get("value")?;
                        let num: Option<f64> = r.get("num")?;
                        let fits = chiso_core::ParsedValue::parse(e.value_type, &text)
                            .is_ok_and(|p| p.text == text && p.num == num);
                        if !fits {
                            misfits += 1;
                            first.get_or_insert(text);
                        }
                    }
                    if let Some(example) = first {
                        push_error(&mut errors, FieldError::new(Some(i), "value_type",
                            format!("{} has {misfits} stored values that are not of type {} (e.g. '{example}'); its value type cannot change to it",
                                e.code, e.value_type.as_str())));
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
            stmt(format!(
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
            .execute(&mut tx)
            .await?;
            let action = if old.is_some() {
                "data_element.update"
            } else {
                "data_element.insert"
            };
            audit.push(
                action,
                &format!("data_element:{}", e.code),
                old.map(json),
                Some(json(e)),
            );
            changes.wrote(old.is_some());
        }
        audit.flush(&mut tx, now, actor).await?;
        tx.commit().await?;
        Ok(changes)
    }
}
