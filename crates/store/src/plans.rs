//! Plans, directives and register entries: definitions kept as JSON beside their key
//! columns, checked against the units, targets and indicators they name.

/// A change to one plan, applied under the store's row lock; an error refuses it.
pub type PlanChange<'a> = dyn Fn(&mut chiso_core::plan::Plan) -> std::result::Result<(), crate::FieldError>
    + Send
    + Sync
    + 'a;
/// A change to one directive, applied under the store's row lock.
pub type DirectiveChange<'a> = dyn Fn(&mut chiso_core::plan::Directive) -> std::result::Result<(), crate::FieldError>
    + Send
    + Sync
    + 'a;

use crate::audit::AuditBuffer;
use crate::common::*;
use crate::rows::*;
use crate::sql::{scalar, stmt, SqlBackend, Tx};
use crate::{Actor, Changes, FieldError, StoreError};
use chiso_core::Code;
use chrono::Utc;
use std::collections::{BTreeSet, HashMap, HashSet};

#[async_trait::async_trait]
impl<B: SqlBackend> crate::PlanReads for B {
    async fn plan(&self, code: &Code) -> Result<Option<chiso_core::plan::Plan>, StoreError> {
        let def: Option<String> = scalar("SELECT definition FROM plans WHERE code = $1")
            .bind(code.as_str())
            .fetch_optional(self)
            .await?;
        def.map(|d| from_json(&d, "plan")).transpose()
    }

    async fn plans(
        &self,
        unit: Option<&Code>,
        year: Option<i32>,
    ) -> Result<Vec<chiso_core::plan::Plan>, StoreError> {
        let defs: Vec<String> = scalar(
            "SELECT definition FROM plans WHERE ($1 IS NULL OR unit = $1) AND ($2 IS NULL OR year = $2) ORDER BY year, unit",
        )
        .bind(unit.map(|u| u.as_str()))
        .bind(year.map(i64::from))
        .fetch_all(self)
        .await?;
        defs.iter().map(|d| from_json(d, "plan")).collect()
    }

    async fn directives(&self) -> Result<Vec<chiso_core::plan::Directive>, StoreError> {
        let defs: Vec<String> = scalar("SELECT definition FROM directives ORDER BY code")
            .fetch_all(self)
            .await?;
        defs.iter().map(|d| from_json(d, "directive")).collect()
    }

    async fn register(
        &self,
        kind: Option<chiso_core::plan::RegisterKind>,
    ) -> Result<Vec<chiso_core::plan::RegisterEntry>, StoreError> {
        let defs: Vec<String> = scalar(
            "SELECT definition FROM register_entries WHERE ($1 IS NULL OR kind = $1) ORDER BY kind, code",
        )
        .bind(kind.map(|k| k.as_str()))
        .fetch_all(self)
        .await?;
        defs.iter()
            .map(|d| from_json(d, "register entry"))
            .collect()
    }
}

#[async_trait::async_trait]
impl<B: SqlBackend> crate::PlanWrites for B {
    async fn upsert_plans(
        &self,
        plans: &[chiso_core::plan::Plan],
        actor: &Actor,
    ) -> Result<Changes, StoreError> {
        let mut tx = self.begin_write().await?;
        let changes = save_plans(&mut tx, plans, actor).await?;
        tx.commit().await?;
        Ok(changes)
    }

    async fn edit_plans(
        &self,
        plans: &[chiso_core::plan::Plan],
        actor: &Actor,
    ) -> Result<Changes, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut errors = Vec::new();
        let mut edited = Vec::with_capacity(plans.len());
        for (i, p) in plans.iter().enumerate() {
            let def: Option<String> = scalar(format!(
                "SELECT definition FROM plans WHERE code = $1{}",
                B::ROW_LOCK
            ))
            .bind(p.code.as_str())
            .fetch_optional(&mut tx)
            .await?;
            let mut p = p.clone();
            match def
                .map(|d| from_json::<chiso_core::plan::Plan>(&d, "plan"))
                .transpose()?
            {
                Some(old) if !old.status.editable() => push_error(
                    &mut errors,
                    FieldError::new(
                        Some(i),
                        "status",
                        format!(
                    "kế hoạch {} đang ở trạng thái '{}': chỉ sửa được bản nháp hoặc bản bị trả lại",
                    p.code, old.status.as_str()
                ),
                    ),
                ),
                Some(old) if old.unit != p.unit => push_error(
                    &mut errors,
                    FieldError::new(
                        Some(i),
                        "unit",
                        format!("kế hoạch {} thuộc đơn vị {}", p.code, old.unit),
                    ),
                ),
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

    async fn modify_plan(
        &self,
        code: &Code,
        change: &crate::PlanChange<'_>,
        actor: &Actor,
    ) -> Result<chiso_core::plan::Plan, StoreError> {
        let mut tx = self.begin_write().await?;
        let def: Option<String> = scalar(format!(
            "SELECT definition FROM plans WHERE code = $1{}",
            B::ROW_LOCK
        ))
        .bind(code.as_str())
        .fetch_optional(&mut tx)
        .await?;
        let Some(def) = def else {
            return Err(StoreError::invalid(
                None,
                "code",
                format!("không có kế hoạch {code}"),
            ));
        };
        let mut plan: chiso_core::plan::Plan = from_json(&def, "plan")?;
        let (unit, year) = (plan.unit.clone(), plan.year);
        change(&mut plan).map_err(|e| StoreError::Invalid(vec![e]))?;
        if plan.code != *code || plan.unit != unit || plan.year != year {
            return Err(StoreError::invalid(
                None,
                "code",
                "không đổi được mã, đơn vị hay năm của kế hoạch",
            ));
        }
        save_plans(&mut tx, std::slice::from_ref(&plan), actor).await?;
        tx.commit().await?;
        Ok(plan)
    }

    async fn upsert_directives(
        &self,
        directives: &[chiso_core::plan::Directive],
        actor: &Actor,
    ) -> Result<Changes, StoreError> {
        let mut tx = self.begin_write().await?;
        let names: Vec<&str> = directives
            .iter()
            .flat_map(|d| &d.assignees)
            .map(|c| c.as_str())
            .collect();
        let units = existing_codes(&mut tx, "units", &names).await?;
        let target_names: Vec<&str> = directives
            .iter()
            .flat_map(|d| &d.targets)
            .map(|c| c.as_str())
            .collect();
        let targets = existing_codes(&mut tx, "targets", &target_names).await?;
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        for (i, d) in directives.iter().enumerate() {
            for t in &d.targets {
                if !targets.contains(t.as_str()) {
                    push_error(
                        &mut errors,
                        FieldError::new(Some(i), "targets", format!("không có chỉ tiêu {t}")),
                    );
                }
            }
            for pr in d.check() {
                push_error(&mut errors, FieldError::new(Some(i), &pr.field, pr.reason));
            }
            if !seen.insert(d.code.as_str()) {
                push_error(
                    &mut errors,
                    FieldError::new(
                        Some(i),
                        "code",
                        format!("chỉ đạo {} xuất hiện hai lần", d.code),
                    ),
                );
            }
            for u in &d.assignees {
                if !units.contains(u.as_str()) {
                    push_error(
                        &mut errors,
                        FieldError::new(Some(i), "assignees", format!("không có đơn vị {u}")),
                    );
                }
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let items: Vec<(&str, String)> = directives
            .iter()
            .map(|d| (d.code.as_str(), json(d)))
            .collect();
        let changes = upsert_definitions(&mut tx, "directives", "directive", &items, actor).await?;
        tx.commit().await?;
        Ok(changes)
    }

    async fn modify_directive(
        &self,
        code: &Code,
        change: &crate::DirectiveChange<'_>,
        actor: &Actor,
    ) -> Result<chiso_core::plan::Directive, StoreError> {
        let mut tx = self.begin_write().await?;
        let def: Option<String> = scalar(format!(
            "SELECT definition FROM directives WHERE code = $1{}",
            B::ROW_LOCK
        ))
        .bind(code.as_str())
        .fetch_optional(&mut tx)
        .await?;
        let Some(def) = def else {
            return Err(StoreError::invalid(
                None,
                "code",
                format!("không có chỉ đạo {code}"),
            ));
        };
        let mut d: chiso_core::plan::Directive = from_json(&def, "directive")?;
        change(&mut d).map_err(|e| StoreError::Invalid(vec![e]))?;
        if d.code != *code {
            return Err(StoreError::invalid(
                None,
                "code",
                "không đổi được mã của chỉ đạo",
            ));
        }
        let problems: Vec<FieldError> = d
            .check()
            .into_iter()
            .map(|p| FieldError::new(None, &p.field, p.reason))
            .collect();
        if !problems.is_empty() {
            return Err(StoreError::Invalid(problems));
        }
        let new = json(&d);
        if new != def {
            stmt("UPDATE directives SET definition = $1 WHERE code = $2")
                .bind(&new)
                .bind(code.as_str())
                .execute(&mut tx)
                .await?;
            let mut audit = AuditBuffer::default();
            audit.push(
                "directive.update",
                &format!("directive:{code}"),
                Some(def),
                Some(new),
            );
            audit.flush(&mut tx, Utc::now(), actor).await?;
        }
        tx.commit().await?;
        Ok(d)
    }

    async fn upsert_register(
        &self,
        entries: &[chiso_core::plan::RegisterEntry],
        actor: &Actor,
    ) -> Result<Changes, StoreError> {
        let mut tx = self.begin_write().await?;
        let names: Vec<&str> = entries
            .iter()
            .flat_map(|e| e.units())
            .map(|c| c.as_str())
            .collect();
        let units = existing_codes(&mut tx, "units", &names).await?;
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        for (i, e) in entries.iter().enumerate() {
            for pr in e.check() {
                push_error(&mut errors, FieldError::new(Some(i), &pr.field, pr.reason));
            }
            if !seen.insert((e.kind(), e.code().as_str())) {
                push_error(
                    &mut errors,
                    FieldError::new(
                        Some(i),
                        "code",
                        format!("mục {} xuất hiện hai lần", e.code()),
                    ),
                );
            }
            for u in e.units() {
                if !units.contains(u.as_str()) {
                    push_error(
                        &mut errors,
                        FieldError::new(Some(i), "owner", format!("không có đơn vị {u}")),
                    );
                }
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let existing = definitions(
            &mut tx,
            "SELECT kind || '/' || code AS code, definition FROM register_entries",
        )
        .await?;
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
            stmt("INSERT INTO register_entries (kind, code, owner, definition) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (kind, code) DO UPDATE SET owner = excluded.owner, definition = excluded.definition")
                .bind(e.kind().as_str())
                .bind(e.code().as_str())
                .bind(e.owner().as_str())
                .bind(&def)
                .execute(&mut tx)
                .await?;
            let action = if old.is_some() {
                "register.update"
            } else {
                "register.insert"
            };
            audit.push(action, &format!("register:{key}"), old.cloned(), Some(def));
            changes.wrote(old.is_some());
        }
        audit.flush(&mut tx, now, actor).await?;
        tx.commit().await?;
        Ok(changes)
    }

    async fn delete_register(
        &self,
        kind: chiso_core::plan::RegisterKind,
        code: &Code,
        actor: &Actor,
    ) -> Result<Changes, StoreError> {
        let mut tx = self.begin_write().await?;
        let old: Option<String> = scalar(format!(
            "SELECT definition FROM register_entries WHERE kind = $1 AND code = $2{}",
            B::ROW_LOCK
        ))
        .bind(kind.as_str())
        .bind(code.as_str())
        .fetch_optional(&mut tx)
        .await?;
        let Some(old) = old else {
            return Ok(Changes {
                unchanged: 1,
                ..Default::default()
            });
        };
        stmt("DELETE FROM register_entries WHERE kind = $1 AND code = $2")
            .bind(kind.as_str())
            .bind(code.as_str())
            .execute(&mut tx)
            .await?;
        let mut audit = AuditBuffer::default();
        audit.push(
            "register.delete",
            &format!("register:{}/{code}", kind.as_str()),
            Some(old),
            None,
        );
        audit.flush(&mut tx, Utc::now(), actor).await?;
        tx.commit().await?;
        Ok(Changes {
            deleted: 1,
            ..Default::default()
        })
    }
}

/// Check plans against each other and the stored units, targets and indicators, then
/// write them with an audit row each (inside the caller's transaction).
pub(crate) async fn save_plans<B: SqlBackend>(
    tx: &mut Tx<B>,
    plans: &[chiso_core::plan::Plan],
    actor: &Actor,
) -> Result<Changes, StoreError> {
    let mut errors = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for p in plans {
        names.extend(p.units().into_iter().map(|c| c.as_str()));
    }
    let units = existing_codes(tx, "units", &names).await?;
    let targets: Vec<&str> = plans
        .iter()
        .flat_map(|p| &p.tasks)
        .flat_map(|t| &t.targets)
        .map(|c| c.as_str())
        .collect();
    let targets = existing_codes(tx, "targets", &targets).await?;
    let inds: Vec<&str> = plans
        .iter()
        .flat_map(|p| &p.tasks)
        .flat_map(|t| &t.indicators)
        .map(|c| c.as_str())
        .collect();
    let inds = existing_codes(tx, "indicators", &inds).await?;
    let mut seen = HashSet::new();
    let mut seen_unit_year = HashSet::new();
    for (i, p) in plans.iter().enumerate() {
        for pr in p.check() {
            push_error(&mut errors, FieldError::new(Some(i), &pr.field, pr.reason));
        }
        if !seen.insert(p.code.as_str()) {
            push_error(
                &mut errors,
                FieldError::new(
                    Some(i),
                    "code",
                    format!("kế hoạch {} xuất hiện hai lần", p.code),
                ),
            );
        }
        if !seen_unit_year.insert((p.unit.as_str(), p.year)) {
            push_error(
                &mut errors,
                FieldError::new(
                    Some(i),
                    "unit",
                    format!("đơn vị {} có hai kế hoạch năm {}", p.unit, p.year),
                ),
            );
        }
        if !units.contains(p.unit.as_str()) {
            push_error(
                &mut errors,
                FieldError::new(Some(i), "unit", format!("không có đơn vị {}", p.unit)),
            );
        }
        for (j, t) in p.tasks.iter().enumerate() {
            for u in std::iter::once(&t.lead).chain(&t.cooperating) {
                if !units.contains(u.as_str()) {
                    let field = if u == &t.lead { "lead" } else { "cooperating" };
                    push_error(
                        &mut errors,
                        FieldError::new(
                            Some(i),
                            &format!("tasks[{j}].{field}"),
                            format!("không có đơn vị {u}"),
                        ),
                    );
                }
            }
            for c in &t.targets {
                if !targets.contains(c.as_str()) {
                    push_error(
                        &mut errors,
                        FieldError::new(
                            Some(i),
                            &format!("tasks[{j}].targets"),
                            format!("không có chỉ tiêu {c}"),
                        ),
                    );
                }
            }
            for c in &t.indicators {
                if !inds.contains(c.as_str()) {
                    push_error(
                        &mut errors,
                        FieldError::new(
                            Some(i),
                            &format!("tasks[{j}].indicators"),
                            format!("không có chỉ số {c}"),
                        ),
                    );
                }
            }
        }
    }
    let mut existing: HashMap<String, String> = HashMap::new();
    let mut taken: HashMap<(String, i64), String> = HashMap::new();
    for r in stmt("SELECT code, unit, year, definition FROM plans")
        .fetch_all(&mut *tx)
        .await?
    {
        let code: String = r.get("code")?;
        taken.insert((r.get("unit")?, r.get::<i64>("year")?), code.clone());
        existing.insert(code, r.get("definition")?);
    }
    for (i, p) in plans.iter().enumerate() {
        if let Some(other) = taken.get(&(p.unit.to_string(), i64::from(p.year))) {
            if other != p.code.as_str() {
                push_error(
                    &mut errors,
                    FieldError::new(
                        Some(i),
                        "unit",
                        format!("đơn vị {} đã có kế hoạch năm {} ({other})", p.unit, p.year),
                    ),
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
    for p in plans {
        let def = json(p);
        let old = existing.get(p.code.as_str());
        if old == Some(&def) {
            changes.unchanged += 1;
            continue;
        }
        stmt("INSERT INTO plans (code, unit, year, status, definition) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (code) DO UPDATE SET unit = excluded.unit, year = excluded.year, status = excluded.status, definition = excluded.definition")
            .bind(p.code.as_str())
            .bind(p.unit.as_str())
            .bind(i64::from(p.year))
            .bind(p.status.as_str())
            .bind(&def)
            .execute(&mut *tx)
            .await?;
        let action = if old.is_some() {
            "plan.update"
        } else {
            "plan.insert"
        };
        audit.push(action, &format!("plan:{}", p.code), old.cloned(), Some(def));
        changes.wrote(old.is_some());
    }
    audit.flush(tx, now, actor).await?;
    Ok(changes)
}

/// Which of `codes` are in `table` (a table with a `code` column).
pub(crate) async fn existing_codes<B: SqlBackend>(
    tx: &mut Tx<B>,
    table: &str,
    codes: &[&str],
) -> Result<HashSet<String>, StoreError> {
    let wanted: BTreeSet<&str> = codes.iter().copied().collect();
    let mut found = HashSet::new();
    let wanted: Vec<&str> = wanted.into_iter().collect();
    for chunk in wanted.chunks(500) {
        let mut b = stmt("SELECT code FROM ");
        b.push(table).push(" WHERE code IN (");
        let mut s = b.separated(", ");
        for c in chunk {
            s.push_bind(*c);
        }
        b.push(")");
        for r in b.fetch_all(&mut *tx).await? {
            found.insert(r.get::<String>("code")?);
        }
    }
    Ok(found)
}

/// Write (code, definition as JSON) rows into a table of definitions — scorecards,
/// directives — with an audit row for each one that changed. `table` and `kind` are the
/// code's own names, never input.
pub(crate) async fn upsert_definitions<B: SqlBackend>(
    tx: &mut Tx<B>,
    table: &'static str,
    kind: &'static str,
    items: &[(&str, String)],
    actor: &Actor,
) -> Result<Changes, StoreError> {
    let existing: HashMap<String, String> = stmt(format!("SELECT code, definition FROM {table}"))
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok((r.get::<String>("code")?, r.get::<String>("definition")?)))
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
        stmt(format!(
            "INSERT INTO {table} (code, definition) VALUES ($1, $2) ON CONFLICT (code) DO UPDATE SET definition = excluded.definition"
        ))
        .bind(*code)
        .bind(def)
        .execute(&mut *tx)
        .await?;
        let action = if old.is_some() {
            format!("{kind}.update")
        } else {
            format!("{kind}.insert")
        };
        audit.push(
            &action,
            &format!("{kind}:{code}"),
            old.cloned(),
            Some(def.clone()),
        );
        changes.wrote(old.is_some());
    }
    audit.flush(tx, now, actor).await?;
    Ok(changes)
}

/// (code, definition) of every row a query returns.
pub(crate) async fn definitions<B: SqlBackend>(
    tx: &mut Tx<B>,
    sql: &'static str,
) -> Result<HashMap<String, String>, StoreError> {
    stmt(sql)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok((r.get::<String>("code")?, r.get::<String>("definition")?)))
        .collect()
}
