//! Units, groups and successor links.

use crate::audit::AuditBuffer;
use crate::common::*;
use crate::rows::*;
use crate::sql::{scalar, stmt, SqlBackend, Tx};
use crate::{Actor, Changes, FieldError, StoreError, StoredUnit, UnitQuery};
use chiso_core::{Code, SuccessorLink, Unit, UnitGroup};
use chrono::Utc;
use std::collections::{BTreeSet, HashMap, HashSet};

pub(crate) async fn all_units<B: SqlBackend>(
    tx: &mut Tx<B>,
) -> Result<HashMap<String, StoredUnit>, StoreError> {
    let rows = stmt(format!("SELECT {UNIT_COLS} FROM units"))
        .fetch_all(&mut *tx)
        .await?;
    rows.iter()
        .map(|r| unit_from_row(r).map(|u| (u.unit.code.to_string(), u)))
        .collect()
}

pub(crate) async fn update_unit<B: SqlBackend>(
    tx: &mut Tx<B>,
    u: &Unit,
    level: i32,
) -> Result<(), StoreError> {
    stmt(
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
    .execute(&mut *tx)
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl<B: SqlBackend> crate::UnitReads for B {
    async fn unit(&self, code: &Code) -> Result<Option<StoredUnit>, StoreError> {
        let row = stmt(format!("SELECT {UNIT_COLS} FROM units WHERE code = $1"))
            .bind(code.as_str())
            .fetch_optional(self)
            .await?;
        row.as_ref().map(unit_from_row).transpose()
    }

    async fn units(&self, q: &UnitQuery) -> Result<Vec<StoredUnit>, StoreError> {
        let mut b = stmt("");
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
            b.push(" AND (valid_from IS NULL OR valid_from <= ")
                .push_bind(d);
            b.push(") AND (valid_to IS NULL OR valid_to >= ")
                .push_bind(d)
                .push(")");
        }
        if let Some(s) = &q.search {
            let pat = format!("%{}%", s.to_lowercase().replace(['\\', '%', '_'], ""));
            b.push(" AND (LOWER(name_vi) LIKE ").push_bind(pat.clone());
            b.push(" OR LOWER(COALESCE(name_en, '')) LIKE ")
                .push_bind(pat)
                .push(")");
        }
        b.push(" ORDER BY level, code");
        if let Some(l) = q.limit {
            b.push(" LIMIT ").push_bind(l.max(0));
            if let Some(o) = q.offset {
                b.push(" OFFSET ").push_bind(o.max(0));
            }
        }
        let rows = b.fetch_all(self).await?;
        rows.iter().map(unit_from_row).collect()
    }

    async fn groups(&self) -> Result<Vec<UnitGroup>, StoreError> {
        let heads = stmt("SELECT code, name_vi, name_en FROM unit_groups ORDER BY code")
            .fetch_all(self)
            .await?;
        let members = stmt("SELECT grp, unit FROM unit_group_members ORDER BY grp, unit")
            .fetch_all(self)
            .await?;
        let mut by: HashMap<String, Vec<Code>> = HashMap::new();
        for r in &members {
            by.entry(r.get("grp")?)
                .or_default()
                .push(code_of(r.get("unit")?)?);
        }
        heads
            .iter()
            .map(|r| {
                let code: String = r.get("code")?;
                Ok(UnitGroup {
                    members: by.remove(&code).unwrap_or_default(),
                    code: code_of(code)?,
                    name_vi: r.get("name_vi")?,
                    name_en: r.get("name_en")?,
                })
            })
            .collect()
    }

    async fn successors(&self, from: Option<&Code>) -> Result<Vec<SuccessorLink>, StoreError> {
        load_links(self, from, None).await
    }

    async fn predecessors(&self, to: &Code) -> Result<Vec<SuccessorLink>, StoreError> {
        load_links(self, None, Some(to)).await
    }
}

#[async_trait::async_trait]
impl<B: SqlBackend> crate::UnitWrites for B {
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
            let new = StoredUnit {
                unit: u.clone(),
                level,
            };
            match existing.get(u.code.as_str()) {
                None => {
                    audit.push(
                        "unit.insert",
                        &format!("unit:{}", u.code),
                        None,
                        Some(json(&new)),
                    );
                    inserts.push((u, level));
                    changes.inserted += 1;
                }
                Some(old) if *old == new => changes.unchanged += 1,
                Some(old) => {
                    audit.push(
                        "unit.update",
                        &format!("unit:{}", u.code),
                        Some(json(old)),
                        Some(json(&new)),
                    );
                    updates.push((u, level));
                    changes.updated += 1;
                }
            }
        }
        for chunk in inserts.chunks(1000) {
            let mut b = stmt(format!("INSERT INTO units ({UNIT_COLS}) "));
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
            b.execute(&mut tx).await?;
        }
        for (u, level) in updates {
            update_unit(&mut tx, u, level).await?;
        }
        // Units outside the batch whose level moved because an ancestor moved.
        for (code, old) in &existing {
            let level = levels.get(code.as_str()).copied().unwrap_or(old.level);
            if !batch.contains(code.as_str()) && level != old.level {
                update_unit(&mut tx, &old.unit, level).await?;
                let new = StoredUnit {
                    unit: old.unit.clone(),
                    level,
                };
                audit.push(
                    "unit.update",
                    &format!("unit:{code}"),
                    Some(json(old)),
                    Some(json(&new)),
                );
                changes.updated += 1;
            }
        }
        audit.flush(&mut tx, now, actor).await?;
        tx.commit().await?;
        Ok(changes)
    }

    async fn upsert_groups(
        &self,
        groups: &[UnitGroup],
        actor: &Actor,
    ) -> Result<Changes, StoreError> {
        let mut tx = self.begin_write().await?;
        let known: HashSet<String> = scalar("SELECT code FROM units")
            .fetch_all::<_, _, String>(&mut tx)
            .await?
            .into_iter()
            .collect();
        let mut errors = Vec::new();
        for (i, g) in groups.iter().enumerate() {
            if g.name_vi.trim().is_empty() {
                push_error(
                    &mut errors,
                    FieldError::new(Some(i), "name_vi", "the Vietnamese name is empty"),
                );
            }
            for m in &g.members {
                if !known.contains(m.as_str()) {
                    push_error(
                        &mut errors,
                        FieldError::new(Some(i), "members", format!("unknown unit {m}")),
                    );
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
            let head = stmt(format!(
                "SELECT name_vi, name_en FROM unit_groups WHERE code = $1{}",
                B::ROW_LOCK
            ))
            .bind(g.code.as_str())
            .fetch_optional(&mut tx)
            .await?;
            let old_members: BTreeSet<String> =
                scalar("SELECT unit FROM unit_group_members WHERE grp = $1")
                    .bind(g.code.as_str())
                    .fetch_all::<_, _, String>(&mut tx)
                    .await?
                    .into_iter()
                    .collect();
            let new_members: BTreeSet<String> = g.members.iter().map(|m| m.to_string()).collect();
            let entity = format!("unit_group:{}", g.code);
            let old = match &head {
                None => None,
                Some(r) => Some(UnitGroup {
                    code: g.code.clone(),
                    name_vi: r.get("name_vi")?,
                    name_en: r.get("name_en")?,
                    members: old_members
                        .iter()
                        .map(|m| code_of(m.clone()))
                        .collect::<Result<_, _>>()?,
                }),
            };
            let mut sorted = g.clone();
            sorted.members = new_members
                .iter()
                .map(|m| code_of(m.clone()))
                .collect::<Result<_, _>>()?;
            if old.as_ref() == Some(&sorted) {
                changes.unchanged += 1;
                continue;
            }
            stmt(
                "INSERT INTO unit_groups (code, name_vi, name_en) VALUES ($1, $2, $3) \
                 ON CONFLICT (code) DO UPDATE SET name_vi = excluded.name_vi, name_en = excluded.name_en",
            )
            .bind(g.code.as_str())
            .bind(&g.name_vi)
            .bind(&g.name_en)
            .execute(&mut tx)
            .await?;
            stmt("DELETE FROM unit_group_members WHERE grp = $1")
                .bind(g.code.as_str())
                .execute(&mut tx)
                .await?;
            for m in &new_members {
                stmt("INSERT INTO unit_group_members (grp, unit) VALUES ($1, $2)")
                    .bind(g.code.as_str())
                    .bind(m)
                    .execute(&mut tx)
                    .await?;
            }
            let action = if old.is_some() {
                "unit_group.update"
            } else {
                "unit_group.insert"
            };
            audit.push(action, &entity, old.as_ref().map(json), Some(json(&sorted)));
            changes.wrote(old.is_some());
        }
        audit.flush(&mut tx, now, actor).await?;
        tx.commit().await?;
        Ok(changes)
    }

    async fn upsert_successors(
        &self,
        links: &[SuccessorLink],
        actor: &Actor,
    ) -> Result<Changes, StoreError> {
        let mut tx = self.begin_write().await?;
        let known: HashSet<String> = scalar("SELECT code FROM units")
            .fetch_all::<_, _, String>(&mut tx)
            .await?
            .into_iter()
            .collect();
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        for (i, l) in links.iter().enumerate() {
            check_link(i, l, &mut errors);
            for (field, c) in [("from", &l.from), ("to", &l.to)] {
                if !known.contains(c.as_str()) {
                    push_error(
                        &mut errors,
                        FieldError::new(Some(i), field, format!("unknown unit {c}")),
                    );
                }
            }
            if !seen.insert((l.from.as_str(), l.to.as_str())) {
                push_error(
                    &mut errors,
                    FieldError::new(
                        Some(i),
                        "to",
                        format!("the link {} → {} appears twice", l.from, l.to),
                    ),
                );
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let existing: HashMap<(String, String), SuccessorLink> =
            stmt("SELECT from_unit, to_unit, effective, weight, is_default FROM successor_links")
                .fetch_all(&mut tx)
                .await?
                .iter()
                .map(|r| {
                    let l = SuccessorLink {
                        from: code_of(r.get("from_unit")?)?,
                        to: code_of(r.get("to_unit")?)?,
                        effective: r.get("effective")?,
                        weight: r.get("weight")?,
                        is_default: r.get("is_default")?,
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
            let action = if old.is_some() {
                "successor.update"
            } else {
                "successor.insert"
            };
            audit.push(action, &entity, old.map(json), Some(json(l)));
            changes.wrote(old.is_some());
        }
        for chunk in to_write.chunks(1000) {
            let mut b = stmt(
                "INSERT INTO successor_links (from_unit, to_unit, effective, weight, is_default) ",
            );
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
            b.execute(&mut tx).await?;
        }
        audit.flush(&mut tx, now, actor).await?;
        tx.commit().await?;
        Ok(changes)
    }
}

pub(crate) async fn load_links<B: SqlBackend>(
    db: &B,
    from: Option<&Code>,
    to: Option<&Code>,
) -> Result<Vec<SuccessorLink>, StoreError> {
    let mut b = stmt(
        "SELECT from_unit, to_unit, effective, weight, is_default FROM successor_links WHERE 1 = 1",
    );
    if let Some(f) = from {
        b.push(" AND from_unit = ").push_bind(f.to_string());
    }
    if let Some(t) = to {
        b.push(" AND to_unit = ").push_bind(t.to_string());
    }
    b.push(" ORDER BY from_unit, to_unit");
    let rows = b.fetch_all(db).await?;
    rows.iter()
        .map(|r| {
            Ok(SuccessorLink {
                from: code_of(r.get("from_unit")?)?,
                to: code_of(r.get("to_unit")?)?,
                effective: r.get("effective")?,
                weight: r.get("weight")?,
                is_default: r.get("is_default")?,
            })
        })
        .collect()
}
