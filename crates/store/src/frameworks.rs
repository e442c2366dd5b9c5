//! Indicators, constants, target frameworks and scorecards.

use crate::audit::AuditBuffer;
use crate::common::*;
use crate::plans::upsert_definitions;
use crate::rows::*;
use crate::sql::{scalar, stmt, SqlBackend, Tx};
use crate::{Actor, Changes, FieldError, StoreError};
use chiso_core::{Code, Framework, Indicator, Scorecard, Target, TargetPillar, TargetScope};
use chrono::Utc;
use std::collections::{HashMap, HashSet};

pub(crate) async fn load_frameworks<B: SqlBackend>(
    tx: &mut Tx<B>,
) -> Result<Vec<Framework>, StoreError> {
    let heads = stmt(
        "SELECT code, name_vi, name_en, description, pillars FROM target_frameworks ORDER BY code",
    )
    .fetch_all(&mut *tx)
    .await?;
    let rows = stmt(format!(
        "SELECT {TARGET_COLS} FROM targets ORDER BY framework, position"
    ))
    .fetch_all(&mut *tx)
    .await?;
    let mut by: HashMap<String, Vec<Target>> = HashMap::new();
    for r in &rows {
        let kind: String = r.get("scope_kind")?;
        let scope = code_of(r.get("scope_code")?)?;
        let comparator: Option<String> = r.get("comparator")?;
        let t = Target {
            code: code_of(r.get("code")?)?,
            name_vi: r.get("name_vi")?,
            name_en: r.get("name_en")?,
            scope: if kind == "group" {
                TargetScope::Group(scope)
            } else {
                TargetScope::Unit(scope)
            },
            period: period_of(&r.get::<String>("period")?)?,
            indicator: opt_code(r.get("indicator")?)?,
            comparator: comparator
                .map(|c| {
                    chiso_core::Comparator::parse(&c)
                        .ok_or_else(|| StoreError::Corrupt(format!("comparator '{c}'")))
                })
                .transpose()?,
            value: r.get("value")?,
            due: r.get("due")?,
            completed_on: r.get("completed_on")?,
            note: r.get("note")?,
            pillar: r
                .get::<Option<String>>("pillar")?
                .map(|p| {
                    TargetPillar::parse(&p)
                        .ok_or_else(|| StoreError::Corrupt(format!("pillar '{p}'")))
                })
                .transpose()?,
        };
        by.entry(r.get("framework")?).or_default().push(t);
    }
    heads
        .iter()
        .map(|r| {
            let code: String = r.get("code")?;
            let pillars: Option<String> = r.get("pillars")?;
            let pillars = pillars
                .iter()
                .flat_map(|p| p.split(','))
                .filter(|p| !p.trim().is_empty())
                .map(|p| {
                    TargetPillar::parse(p)
                        .ok_or_else(|| StoreError::Corrupt(format!("framework pillar '{p}'")))
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            Ok(Framework {
                pillars,
                targets: by.remove(&code).unwrap_or_default(),
                code: code_of(code)?,
                name_vi: r.get("name_vi")?,
                name_en: r.get("name_en")?,
                description: r.get("description")?,
            })
        })
        .collect()
}

#[async_trait::async_trait]
impl<B: SqlBackend> crate::FrameworkReads for B {
    async fn indicators(&self) -> Result<Vec<Indicator>, StoreError> {
        let rows = stmt(format!(
            "SELECT {INDICATOR_COLS} FROM indicators ORDER BY code"
        ))
        .fetch_all(self)
        .await?;
        rows.iter().map(indicator_from_row).collect()
    }

    async fn constants(&self) -> Result<Vec<chiso_core::Constant>, StoreError> {
        let rows = stmt("SELECT code, name_vi, name_en, value FROM constants ORDER BY code")
            .fetch_all(self)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(chiso_core::Constant {
                    code: code_of(r.get("code")?)?,
                    name_vi: r.get("name_vi")?,
                    name_en: r.get("name_en")?,
                    value: r.get("value")?,
                })
            })
            .collect()
    }

    async fn frameworks(&self) -> Result<Vec<Framework>, StoreError> {
        let mut tx = self.begin_read().await?;
        load_frameworks(&mut tx).await
    }

    async fn scorecards(&self) -> Result<Vec<Scorecard>, StoreError> {
        let rows = stmt("SELECT code, definition FROM scorecards ORDER BY code")
            .fetch_all(self)
            .await?;
        rows.iter()
            .map(|r| {
                let def: String = r.get("definition")?;
                serde_json::from_str(&def)
                    .map_err(|e| StoreError::Corrupt(format!("scorecard definition: {e}")))
            })
            .collect()
    }
}

#[async_trait::async_trait]
impl<B: SqlBackend> crate::FrameworkWrites for B {
    async fn upsert_indicators(
        &self,
        indicators: &[Indicator],
        actor: &Actor,
    ) -> Result<Changes, StoreError> {
        let mut tx = self.begin_write().await?;
        let elements: HashMap<String, Option<String>> =
            stmt("SELECT code, breakdown FROM data_elements")
                .fetch_all(&mut tx)
                .await?
                .iter()
                .map(|r| {
                    Ok((
                        r.get::<String>("code")?,
                        r.get::<Option<String>>("breakdown")?,
                    ))
                })
                .collect::<Result<_, StoreError>>()?;
        let options: HashSet<(String, String)> =
            stmt("SELECT breakdown, code FROM breakdown_options")
                .fetch_all(&mut tx)
                .await?
                .iter()
                .map(|r| Ok((r.get::<String>("breakdown")?, r.get::<String>("code")?)))
                .collect::<Result<_, StoreError>>()?;
        let groups: HashSet<String> = scalar("SELECT code FROM unit_groups")
            .fetch_all::<_, _, String>(&mut tx)
            .await?
            .into_iter()
            .collect();
        let constants: HashSet<String> = scalar("SELECT code FROM constants")
            .fetch_all::<_, _, String>(&mut tx)
            .await?
            .into_iter()
            .collect();
        let element_ok = |e: &Code, o: Option<&Code>| match (elements.get(e.as_str()), o) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(cat), Some(o)) => cat
                .as_ref()
                .is_some_and(|c| options.contains(&(c.clone(), o.to_string()))),
        };
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        for (i, ind) in indicators.iter().enumerate() {
            if let Err(r) = ind.check() {
                push_error(&mut errors, FieldError::new(Some(i), "indicator", r));
            }
            if !seen.insert(ind.code.as_str()) {
                push_error(
                    &mut errors,
                    FieldError::new(
                        Some(i),
                        "code",
                        format!("indicator {} appears twice", ind.code),
                    ),
                );
            }
            match ind.compile() {
                Err((field, e)) => {
                    push_error(&mut errors, FieldError::new(Some(i), field, e.to_string()))
                }
                Ok(c) => {
                    for (field, e) in [("numerator", &c.numerator), ("denominator", &c.denominator)]
                    {
                        if let Err(err) =
                            e.check(&element_ok, &|c| constants.contains(c.as_str()), &|g| {
                                groups.contains(g.as_str())
                            })
                        {
                            push_error(
                                &mut errors,
                                FieldError::new(Some(i), field, err.to_string()),
                            );
                        }
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let existing: HashMap<String, Indicator> =
            stmt(format!("SELECT {INDICATOR_COLS} FROM indicators"))
                .fetch_all(&mut tx)
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
            stmt(format!(
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
            .execute(&mut tx)
            .await?;
            let action = if old.is_some() {
                "indicator.update"
            } else {
                "indicator.insert"
            };
            audit.push(
                action,
                &format!("indicator:{}", ind.code),
                old.map(json),
                Some(json(ind)),
            );
            changes.wrote(old.is_some());
        }
        audit.flush(&mut tx, now, actor).await?;
        tx.commit().await?;
        Ok(changes)
    }

    async fn upsert_constants(
        &self,
        constants: &[chiso_core::Constant],
        actor: &Actor,
    ) -> Result<Changes, StoreError> {
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        for (i, c) in constants.iter().enumerate() {
            if c.name_vi.trim().is_empty() {
                push_error(
                    &mut errors,
                    FieldError::new(Some(i), "name_vi", "the Vietnamese name is empty"),
                );
            }
            if !c.value.is_finite() {
                push_error(
                    &mut errors,
                    FieldError::new(Some(i), "value", "the value must be a number"),
                );
            }
            if !seen.insert(c.code.as_str()) {
                push_error(
                    &mut errors,
                    FieldError::new(
                        Some(i),
                        "code",
                        format!("constant {} appears twice", c.code),
                    ),
                );
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let mut tx = self.begin_write().await?;
        let existing: HashMap<String, chiso_core::Constant> =
            stmt("SELECT code, name_vi, name_en, value FROM constants")
                .fetch_all(&mut tx)
                .await?
                .iter()
                .map(|r| {
                    let c = chiso_core::Constant {
                        code: code_of(r.get("code")?)?,
                        name_vi: r.get("name_vi")?,
                        name_en: r.get("name_en")?,
                        value: r.get("value")?,
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
            stmt(
                "INSERT INTO constants (code, name_vi, name_en, value) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en, value = excluded.value",
            )
            .bind(c.code.as_str())
            .bind(&c.name_vi)
            .bind(&c.name_en)
            .bind(c.value)
            .execute(&mut tx)
            .await?;
            let action = if old.is_some() {
                "constant.update"
            } else {
                "constant.insert"
            };
            audit.push(
                action,
                &format!("constant:{}", c.code),
                old.map(json),
                Some(json(c)),
            );
            changes.wrote(old.is_some());
        }
        audit.flush(&mut tx, now, actor).await?;
        tx.commit().await?;
        Ok(changes)
    }

    async fn upsert_frameworks(
        &self,
        frameworks: &[Framework],
        actor: &Actor,
    ) -> Result<Changes, StoreError> {
        let mut tx = self.begin_write().await?;
        let set = |sql: &'static str| scalar(sql);
        let units: HashSet<String> = set("SELECT code FROM units")
            .fetch_all::<_, _, String>(&mut tx)
            .await?
            .into_iter()
            .collect();
        let groups: HashSet<String> = set("SELECT code FROM unit_groups")
            .fetch_all(&mut tx)
            .await?
            .into_iter()
            .collect();
        let indicators: HashSet<String> = set("SELECT code FROM indicators")
            .fetch_all(&mut tx)
            .await?
            .into_iter()
            .collect();
        let other_targets: HashMap<String, String> = stmt("SELECT code, framework FROM targets")
            .fetch_all(&mut tx)
            .await?
            .iter()
            .map(|r| Ok((r.get::<String>("code")?, r.get::<String>("framework")?)))
            .collect::<Result<_, StoreError>>()?;
        let mut errors = Vec::new();
        let mut seen_fw = HashSet::new();
        let mut seen_t: HashMap<String, usize> = HashMap::new();
        for (i, f) in frameworks.iter().enumerate() {
            if f.name_vi.trim().is_empty() {
                push_error(
                    &mut errors,
                    FieldError::new(Some(i), "name_vi", "the Vietnamese name is empty"),
                );
            }
            if !seen_fw.insert(f.code.as_str()) {
                push_error(
                    &mut errors,
                    FieldError::new(
                        Some(i),
                        "code",
                        format!("framework {} appears twice", f.code),
                    ),
                );
            }
            for (j, t) in f.targets.iter().enumerate() {
                let field = |name: &str| format!("targets[{j}].{name}");
                if let Err(r) = t.check() {
                    push_error(&mut errors, FieldError::new(Some(i), &field("target"), r));
                }
                match &t.scope {
                    TargetScope::Unit(u) if !units.contains(u.as_str()) => push_error(
                        &mut errors,
                        FieldError::new(Some(i), &field("scope"), format!("unknown unit {u}")),
                    ),
                    TargetScope::Group(g) if !groups.contains(g.as_str()) => push_error(
                        &mut errors,
                        FieldError::new(
                            Some(i),
                            &field("scope"),
                            format!("unknown unit group {g}"),
                        ),
                    ),
                    _ => {}
                }
                if let Some(ind) = &t.indicator {
                    if !indicators.contains(ind.as_str()) {
                        push_error(
                            &mut errors,
                            FieldError::new(
                                Some(i),
                                &field("indicator"),
                                format!("unknown indicator {ind}"),
                            ),
                        );
                    }
                }
                if let Some(prev) = seen_t.insert(t.code.to_string(), i) {
                    push_error(
                        &mut errors,
                        FieldError::new(
                            Some(i),
                            &field("code"),
                            format!(
                                "target {} appears twice (also in item {})",
                                t.code,
                                prev + 1
                            ),
                        ),
                    );
                } else if other_targets
                    .get(t.code.as_str())
                    .is_some_and(|fw| fw != f.code.as_str())
                {
                    push_error(
                        &mut errors,
                        FieldError::new(
                            Some(i),
                            &field("code"),
                            format!("target {} belongs to another framework", t.code),
                        ),
                    );
                }
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let existing: HashMap<String, Framework> = load_frameworks(&mut tx)
            .await?
            .into_iter()
            .map(|f| (f.code.to_string(), f))
            .collect();
        let now = Utc::now();
        let mut audit = AuditBuffer::default();
        let mut changes = Changes::default();
        for f in frameworks {
            let old = existing.get(f.code.as_str());
            if old == Some(f) {
                changes.unchanged += 1;
                continue;
            }
            stmt(
                "INSERT INTO target_frameworks (code, name_vi, name_en, description, pillars) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en, \
                 description = excluded.description, pillars = excluded.pillars",
            )
            .bind(f.code.as_str())
            .bind(&f.name_vi)
            .bind(&f.name_en)
            .bind(&f.description)
            .bind(
                (!f.pillars.is_empty()).then(|| {
                    f.pillars.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(",")
                }),
            )
            .execute(&mut tx)
            .await?;
            stmt("DELETE FROM targets WHERE framework = $1")
                .bind(f.code.as_str())
                .execute(&mut tx)
                .await?;
            for (pos, t) in f.targets.iter().enumerate() {
                let (kind, scope) = match &t.scope {
                    TargetScope::Unit(u) => ("unit", u.as_str()),
                    TargetScope::Group(g) => ("group", g.as_str()),
                };
                stmt(format!("INSERT INTO targets ({TARGET_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"))
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
                    .bind(t.pillar.map(|p| p.as_str()))
                    .execute(&mut tx)
                    .await?;
            }
            let action = if old.is_some() {
                "framework.update"
            } else {
                "framework.insert"
            };
            audit.push(
                action,
                &format!("framework:{}", f.code),
                old.map(json),
                Some(json(f)),
            );
            changes.wrote(old.is_some());
        }
        audit.flush(&mut tx, now, actor).await?;
        tx.commit().await?;
        Ok(changes)
    }

    async fn upsert_scorecards(
        &self,
        scorecards: &[Scorecard],
        actor: &Actor,
    ) -> Result<Changes, StoreError> {
        let mut tx = self.begin_write().await?;
        let indicators: HashSet<String> = scalar("SELECT code FROM indicators")
            .fetch_all::<_, _, String>(&mut tx)
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
                push_error(
                    &mut errors,
                    FieldError::new(
                        Some(i),
                        "code",
                        format!("scorecard {} appears twice", sc.code),
                    ),
                );
            }
            for c in sc.pillars.iter().flat_map(|p| &p.criteria) {
                if !indicators.contains(c.indicator.as_str()) {
                    push_error(
                        &mut errors,
                        FieldError::new(
                            Some(i),
                            "indicator",
                            format!("criterion {}: unknown indicator {}", c.code, c.indicator),
                        ),
                    );
                }
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let items: Vec<(&str, String)> = scorecards
            .iter()
            .map(|sc| (sc.code.as_str(), json(sc)))
            .collect();
        let changes = upsert_definitions(&mut tx, "scorecards", "scorecard", &items, actor).await?;
        tx.commit().await?;
        Ok(changes)
    }
}
