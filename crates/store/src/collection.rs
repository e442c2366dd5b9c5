//! Data collection: data sets, validation rules, completions, approvals, lock exceptions,
//! evidence files.

use crate::audit::AuditBuffer;
use crate::common::*;
use crate::rows::*;
use crate::sql::{scalar, stmt, SqlBackend, Tx};
use crate::{Actor, Changes, FieldError, StoreError};
use chiso_core::{Code, Period};
use chrono::Utc;
use std::collections::{HashMap, HashSet};

/// Evidence is locked with its report's values: refused while the report has any
/// approval step.
pub(crate) async fn refuse_if_approved<B: SqlBackend>(
    tx: &mut Tx<B>,
    data_set: &Code,
    unit: &Code,
    period: &Period,
) -> Result<(), StoreError> {
    let steps: i64 =
        scalar("SELECT COUNT(*) FROM approvals WHERE data_set = $1 AND unit = $2 AND period = $3")
            .bind(data_set.as_str())
            .bind(unit.as_str())
            .bind(period.to_string())
            .fetch_one(&mut *tx)
            .await?;
    if steps > 0 {
        return Err(StoreError::invalid(None, "evidence", format!(
            "báo cáo {data_set} của {unit} kỳ {period} đã được phê duyệt nên minh chứng đã khoá; cần huỷ phê duyệt trước \
             (the report is approved, so its evidence is locked; un-approve it first)")));
    }
    Ok(())
}

pub(crate) async fn data_sets_in<B: SqlBackend>(
    tx: &mut Tx<B>,
) -> Result<Vec<chiso_core::DataSet>, StoreError> {
    let rows = stmt(
        "SELECT code, name_vi, name_en, period_type, convention, reporters, scope, open_days, due_days, lock_days, approval FROM data_sets ORDER BY code",
    )
    .fetch_all(&mut *tx)
    .await?;
    // Each data set's elements, and its compulsory ones, in the form's order.
    let mut elements: HashMap<String, (Vec<Code>, Vec<Code>)> = HashMap::new();
    for r in stmt(
        "SELECT data_set, element, compulsory FROM data_set_elements ORDER BY data_set, position",
    )
    .fetch_all(&mut *tx)
    .await?
    {
        let ds: String = r.get("data_set")?;
        let element = code_of(r.get("element")?)?;
        let entry = elements.entry(ds).or_default();
        if r.get::<bool>("compulsory")? {
            entry.1.push(element.clone());
        }
        entry.0.push(element);
    }
    rows.iter()
        .map(|r| {
            let code: String = r.get("code")?;
            let pt: String = r.get("period_type")?;
            let conv: String = r.get("convention")?;
            let reporters: String = r.get("reporters")?;
            let (elements, compulsory) = elements.remove(&code).unwrap_or_default();
            Ok(chiso_core::DataSet {
                elements,
                compulsory,
                code: code_of(code)?,
                name_vi: r.get("name_vi")?,
                name_en: r.get("name_en")?,
                period_type: chiso_core::PeriodType::parse(&pt)
                    .ok_or_else(|| StoreError::Corrupt(format!("period type '{pt}'")))?,
                convention: chiso_core::Convention::parse(&conv)
                    .ok_or_else(|| StoreError::Corrupt(format!("convention '{conv}'")))?,
                reporters: serde_json::from_str(&reporters)
                    .map_err(|e| StoreError::Corrupt(format!("reporters: {e}")))?,
                scope: opt_code(r.get("scope")?)?,
                open_days: r.get::<i32>("open_days")?,
                due_days: r.get::<i32>("due_days")?,
                lock_days: r.get::<Option<i32>>("lock_days")?,
                approval: r.get("approval")?,
            })
        })
        .collect()
}

pub(crate) async fn rules_in<B: SqlBackend>(
    tx: &mut Tx<B>,
) -> Result<Vec<chiso_core::ValidationRule>, StoreError> {
    stmt("SELECT code, name_vi, name_en, left_side, operator, right_side, severity FROM validation_rules ORDER BY code")
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| {
            let op: String = r.get("operator")?;
            let sev: String = r.get("severity")?;
            Ok(chiso_core::ValidationRule {
                code: code_of(r.get("code")?)?,
                name_vi: r.get("name_vi")?,
                name_en: r.get("name_en")?,
                left: r.get("left_side")?,
                operator: chiso_core::RuleOperator::parse(&op).ok_or_else(|| StoreError::Corrupt(format!("operator '{op}'")))?,
                right: r.get("right_side")?,
                severity: chiso_core::Severity::parse(&sev).ok_or_else(|| StoreError::Corrupt(format!("severity '{sev}'")))?,
            })
        })
        .collect()
}

#[async_trait::async_trait]
impl<B: SqlBackend> crate::CollectionReads for B {
    async fn data_sets(&self) -> Result<Vec<chiso_core::DataSet>, StoreError> {
        let mut tx = self.begin_read().await?;
        data_sets_in(&mut tx).await
    }

    async fn validation_rules(&self) -> Result<Vec<chiso_core::ValidationRule>, StoreError> {
        let mut tx = self.begin_read().await?;
        rules_in(&mut tx).await
    }

    async fn completions(
        &self,
        data_set: Option<&Code>,
        period: Option<&Period>,
    ) -> Result<Vec<chiso_core::Completion>, StoreError> {
        let mut b = stmt(
            "SELECT data_set, unit, period, completed_by, completed_at, on_time FROM completions WHERE 1 = 1",
        );
        if let Some(d) = data_set {
            b.push(" AND data_set = ").push_bind(d.to_string());
        }
        if let Some(p) = period {
            b.push(" AND period = ").push_bind(p.to_string());
        }
        b.push(" ORDER BY data_set, period, unit");
        b.fetch_all(self)
            .await?
            .iter()
            .map(completion_from_row)
            .collect()
    }

    async fn approvals(
        &self,
        data_set: Option<&Code>,
        period: Option<&Period>,
    ) -> Result<Vec<chiso_core::Approval>, StoreError> {
        let mut b = stmt(
            "SELECT data_set, unit, period, step, level_unit, approved_by, approved_at FROM approvals WHERE 1 = 1",
        );
        if let Some(d) = data_set {
            b.push(" AND data_set = ").push_bind(d.to_string());
        }
        if let Some(p) = period {
            b.push(" AND period = ").push_bind(p.to_string());
        }
        b.push(" ORDER BY data_set, period, unit, step");
        b.fetch_all(self)
            .await?
            .iter()
            .map(approval_from_row)
            .collect()
    }

    async fn lock_exceptions(
        &self,
        data_set: Option<&Code>,
        period: Option<&Period>,
    ) -> Result<Vec<chiso_core::LockException>, StoreError> {
        let mut b = stmt(
            "SELECT data_set, unit, period, until, granted_by, reason FROM lock_exceptions WHERE 1 = 1",
        );
        if let Some(d) = data_set {
            b.push(" AND data_set = ").push_bind(d.to_string());
        }
        if let Some(p) = period {
            b.push(" AND period = ").push_bind(p.to_string());
        }
        b.push(" ORDER BY data_set, period, unit");
        b.fetch_all(self)
            .await?
            .iter()
            .map(exception_from_row)
            .collect()
    }

    async fn evidence(
        &self,
        data_set: &Code,
        unit: &Code,
        period: &Period,
    ) -> Result<Vec<chiso_core::Evidence>, StoreError> {
        stmt(format!("SELECT {EVIDENCE_COLS} FROM evidence WHERE data_set = $1 AND unit = $2 AND period = $3 ORDER BY uploaded_at, id"))
            .bind(data_set.as_str()).bind(unit.as_str()).bind(period.to_string())
            .fetch_all(self).await?.iter().map(evidence_from_row).collect()
    }

    async fn evidence_file(
        &self,
        id: &str,
    ) -> Result<Option<(chiso_core::Evidence, Vec<u8>)>, StoreError> {
        let row = stmt(format!(
            "SELECT {EVIDENCE_COLS}, content FROM evidence WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self)
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some((evidence_from_row(&r)?, r.get("content")?))),
        }
    }
}

#[async_trait::async_trait]
impl<B: SqlBackend> crate::CollectionWrites for B {
    async fn upsert_data_sets(
        &self,
        sets: &[chiso_core::DataSet],
        actor: &Actor,
    ) -> Result<Changes, StoreError> {
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        let mut tx = self.begin_write().await?;
        let elements: HashSet<String> = scalar("SELECT code FROM data_elements")
            .fetch_all::<_, _, String>(&mut tx)
            .await?
            .into_iter()
            .collect();
        for (i, ds) in sets.iter().enumerate() {
            if let Err(e) = ds.check() {
                push_error(&mut errors, FieldError::new(Some(i), "data_set", e));
            }
            for e in ds.compulsory_errors() {
                push_error(&mut errors, FieldError::new(Some(i), "compulsory", e));
            }
            if !seen.insert(ds.code.as_str()) {
                push_error(
                    &mut errors,
                    FieldError::new(
                        Some(i),
                        "code",
                        format!("data set {} appears twice", ds.code),
                    ),
                );
            }
            for e in &ds.elements {
                if !elements.contains(e.as_str()) {
                    push_error(
                        &mut errors,
                        FieldError::new(Some(i), "elements", format!("unknown data element {e}")),
                    );
                }
            }
            let mut units: Vec<&Code> = ds.scope.iter().collect();
            for r in &ds.reporters {
                match r {
                    chiso_core::Reporters::Unit(u) => units.push(u),
                    chiso_core::Reporters::Group(g) => {
                        let n: i64 = scalar("SELECT COUNT(*) FROM unit_groups WHERE code = $1")
                            .bind(g.as_str())
                            .fetch_one(&mut tx)
                            .await?;
                        if n == 0 {
                            push_error(
                                &mut errors,
                                FieldError::new(
                                    Some(i),
                                    "reporters",
                                    format!("unknown unit group {g}"),
                                ),
                            );
                        }
                    }
                    chiso_core::Reporters::Kind(_) => {}
                }
            }
            for u in units {
                let n: i64 = scalar("SELECT COUNT(*) FROM units WHERE code = $1")
                    .bind(u.as_str())
                    .fetch_one(&mut tx)
                    .await?;
                if n == 0 {
                    push_error(
                        &mut errors,
                        FieldError::new(Some(i), "reporters", format!("unknown unit {u}")),
                    );
                }
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let existing: HashMap<String, chiso_core::DataSet> = data_sets_in(&mut tx)
            .await?
            .into_iter()
            .map(|d| (d.code.to_string(), d))
            .collect();
        let now = Utc::now();
        let mut audit = AuditBuffer::default();
        let mut changes = Changes::default();
        for ds in sets {
            // Compulsory elements are kept in the form's order, whatever order they came in.
            let ds = &chiso_core::DataSet {
                compulsory: ds.compulsory_in_form_order(),
                ..ds.clone()
            };
            let old = existing.get(ds.code.as_str());
            if old == Some(ds) {
                changes.unchanged += 1;
                continue;
            }
            stmt(
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
            .execute(&mut tx)
            .await?;
            stmt("DELETE FROM data_set_elements WHERE data_set = $1")
                .bind(ds.code.as_str())
                .execute(&mut tx)
                .await?;
            for (pos, e) in ds.elements.iter().enumerate() {
                stmt("INSERT INTO data_set_elements (data_set, element, position, compulsory) VALUES ($1, $2, $3, $4)")
                    .bind(ds.code.as_str())
                    .bind(e.as_str())
                    .bind(pos as i64)
                    .bind(ds.is_compulsory(e))
                    .execute(&mut tx)
                    .await?;
            }
            let action = if old.is_some() {
                "data_set.update"
            } else {
                "data_set.insert"
            };
            audit.push(
                action,
                &format!("data_set:{}", ds.code),
                old.map(json),
                Some(json(ds)),
            );
            changes.wrote(old.is_some());
        }
        audit.flush(&mut tx, now, actor).await?;
        tx.commit().await?;
        Ok(changes)
    }

    async fn upsert_validation_rules(
        &self,
        rules: &[chiso_core::ValidationRule],
        actor: &Actor,
    ) -> Result<Changes, StoreError> {
        let mut errors = Vec::new();
        let mut seen = HashSet::new();
        let mut tx = self.begin_write().await?;
        let elements: HashSet<String> = scalar("SELECT code FROM data_elements")
            .fetch_all::<_, _, String>(&mut tx)
            .await?
            .into_iter()
            .collect();
        for (i, r) in rules.iter().enumerate() {
            match r.compile() {
                Err(e) => push_error(&mut errors, FieldError::new(Some(i), "expression", e)),
                Ok(_) => {
                    for e in r.elements() {
                        if !elements.contains(e.as_str()) {
                            push_error(
                                &mut errors,
                                FieldError::new(
                                    Some(i),
                                    "expression",
                                    format!("unknown data element {e}"),
                                ),
                            );
                        }
                    }
                }
            }
            if !seen.insert(r.code.as_str()) {
                push_error(
                    &mut errors,
                    FieldError::new(Some(i), "code", format!("rule {} appears twice", r.code)),
                );
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let existing: HashMap<String, chiso_core::ValidationRule> = rules_in(&mut tx)
            .await?
            .into_iter()
            .map(|r| (r.code.to_string(), r))
            .collect();
        let now = Utc::now();
        let mut audit = AuditBuffer::default();
        let mut changes = Changes::default();
        for r in rules {
            let old = existing.get(r.code.as_str());
            if old == Some(r) {
                changes.unchanged += 1;
                continue;
            }
            stmt(
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
            .execute(&mut tx)
            .await?;
            let action = if old.is_some() {
                "validation_rule.update"
            } else {
                "validation_rule.insert"
            };
            audit.push(
                action,
                &format!("validation_rule:{}", r.code),
                old.map(json),
                Some(json(r)),
            );
            changes.wrote(old.is_some());
        }
        audit.flush(&mut tx, now, actor).await?;
        tx.commit().await?;
        Ok(changes)
    }

    async fn complete(
        &self,
        c: &chiso_core::Completion,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = stmt(
            "INSERT INTO completions (data_set, unit, period, completed_by, completed_at, on_time) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (data_set, unit, period) DO NOTHING",
        )
        .bind(c.data_set.as_str())
        .bind(c.unit.as_str())
        .bind(c.period.to_string())
        .bind(&c.completed_by)
        .bind(c.completed_at)
        .bind(c.on_time)
        .execute(&mut tx)
        .await?
        ;
        if done == 0 {
            return Ok(false);
        }
        let mut audit = AuditBuffer::default();
        audit.push(
            "completion.insert",
            &report_key(&c.data_set, &c.unit, &c.period),
            None,
            Some(json(c)),
        );
        audit.flush(&mut tx, Utc::now(), actor).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn uncomplete(
        &self,
        data_set: &Code,
        unit: &Code,
        period: &Period,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let steps: i64 = scalar(
            "SELECT COUNT(*) FROM approvals WHERE data_set = $1 AND unit = $2 AND period = $3",
        )
        .bind(data_set.as_str())
        .bind(unit.as_str())
        .bind(period.to_string())
        .fetch_one(&mut tx)
        .await?;
        if steps > 0 {
            return Err(StoreError::invalid(None, "approval", "báo cáo đã được phê duyệt; cần huỷ phê duyệt trước (the report is approved; un-approve it first)"));
        }
        let old = stmt("DELETE FROM completions WHERE data_set = $1 AND unit = $2 AND period = $3 \
                               RETURNING data_set, unit, period, completed_by, completed_at, on_time")
            .bind(data_set.as_str()).bind(unit.as_str()).bind(period.to_string())
            .fetch_optional(&mut tx).await?;
        let Some(old) = old.as_ref().map(completion_from_row).transpose()? else {
            return Ok(false);
        };
        let mut audit = AuditBuffer::default();
        audit.push(
            "completion.delete",
            &report_key(data_set, unit, period),
            Some(json(&old)),
            None,
        );
        audit.flush(&mut tx, Utc::now(), actor).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn approve(&self, a: &chiso_core::Approval, actor: &Actor) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let completed_by: Option<String> = scalar("SELECT completed_by FROM completions WHERE data_set = $1 AND unit = $2 AND period = $3")
            .bind(a.data_set.as_str()).bind(a.unit.as_str()).bind(a.period.to_string())
            .fetch_optional(&mut tx).await?;
        let Some(completed_by) = completed_by else {
            return Err(StoreError::invalid(
                None,
                "completion",
                "báo cáo chưa được đánh dấu hoàn thành (the report is not complete)",
            ));
        };
        // Nobody approves a report they submitted themselves.
        if completed_by == a.approved_by {
            return Err(StoreError::invalid(
                None,
                "approval",
                format!(
                "{} đã gửi báo cáo này nên không được tự phê duyệt; cần một người phê duyệt khác \
                 ({} submitted this report and may not approve it; another approver must)",
                a.approved_by, a.approved_by),
            ));
        }
        let steps: i64 = scalar(
            "SELECT COUNT(*) FROM approvals WHERE data_set = $1 AND unit = $2 AND period = $3",
        )
        .bind(a.data_set.as_str())
        .bind(a.unit.as_str())
        .bind(a.period.to_string())
        .fetch_one(&mut tx)
        .await?;
        if i64::from(a.step) != steps + 1 {
            return Err(StoreError::invalid(None, "step", format!(
                "báo cáo đã qua {steps} bước phê duyệt; bước tiếp theo là {} (the report has {steps} approval steps; the next is {})",
                steps + 1, steps + 1)));
        }
        stmt("INSERT INTO approvals (data_set, unit, period, step, level_unit, approved_by, approved_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(a.data_set.as_str())
            .bind(a.unit.as_str())
            .bind(a.period.to_string())
            .bind(i64::from(a.step))
            .bind(a.level_unit.as_str())
            .bind(&a.approved_by)
            .bind(a.approved_at)
            .execute(&mut tx)
            .await?;
        let mut audit = AuditBuffer::default();
        audit.push(
            "approval.insert",
            &report_key(&a.data_set, &a.unit, &a.period),
            None,
            Some(json(a)),
        );
        audit.flush(&mut tx, Utc::now(), actor).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn unapprove(
        &self,
        data_set: &Code,
        unit: &Code,
        period: &Period,
        reason: &str,
        actor: &Actor,
    ) -> Result<u8, StoreError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(StoreError::invalid(
                None,
                "reason",
                "cần nêu lý do huỷ phê duyệt (give the reason for un-approving)",
            ));
        }
        if reason.chars().count() > chiso_core::value::MAX_COMMENT_LEN {
            return Err(StoreError::invalid(
                None,
                "reason",
                "lý do quá dài (the reason is too long)",
            ));
        }
        let mut tx = self.begin_write().await?;
        let last = stmt(
            "SELECT data_set, unit, period, step, level_unit, approved_by, approved_at FROM approvals \
             WHERE data_set = $1 AND unit = $2 AND period = $3 ORDER BY step DESC LIMIT 1",
        )
        .bind(data_set.as_str()).bind(unit.as_str()).bind(period.to_string())
        .fetch_optional(&mut tx).await?;
        let Some(last) = last.as_ref().map(approval_from_row).transpose()? else {
            return Err(StoreError::invalid(
                None,
                "approval",
                "báo cáo chưa được phê duyệt (the report is not approved)",
            ));
        };
        stmt(
            "DELETE FROM approvals WHERE data_set = $1 AND unit = $2 AND period = $3 AND step = $4",
        )
        .bind(data_set.as_str())
        .bind(unit.as_str())
        .bind(period.to_string())
        .bind(i64::from(last.step))
        .execute(&mut tx)
        .await?;
        let mut audit = AuditBuffer::default();
        audit.push(
            "approval.delete",
            &report_key(data_set, unit, period),
            Some(json(&last)),
            Some(serde_json::json!({ "reason": reason }).to_string()),
        );
        audit.flush(&mut tx, Utc::now(), actor).await?;
        tx.commit().await?;
        Ok(last.step)
    }

    async fn grant_lock_exception(
        &self,
        e: &chiso_core::LockException,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        if e.reason.trim().is_empty() {
            return Err(StoreError::invalid(
                None,
                "reason",
                "cần nêu lý do (give a reason)",
            ));
        }
        let mut tx = self.begin_write().await?;
        let old = stmt("SELECT data_set, unit, period, until, granted_by, reason FROM lock_exceptions WHERE data_set = $1 AND unit = $2 AND period = $3")
            .bind(e.data_set.as_str()).bind(e.unit.as_str()).bind(e.period.to_string())
            .fetch_optional(&mut tx).await?;
        let old = old.as_ref().map(exception_from_row).transpose()?;
        stmt("INSERT INTO lock_exceptions (data_set, unit, period, until, granted_by, reason) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (data_set, unit, period) DO UPDATE SET until = excluded.until, granted_by = excluded.granted_by, reason = excluded.reason")
            .bind(e.data_set.as_str())
            .bind(e.unit.as_str())
            .bind(e.period.to_string())
            .bind(e.until)
            .bind(&e.granted_by)
            .bind(e.reason.trim())
            .execute(&mut tx)
            .await?;
        let mut audit = AuditBuffer::default();
        let action = if old.is_some() {
            "lock_exception.update"
        } else {
            "lock_exception.insert"
        };
        audit.push(
            action,
            &report_key(&e.data_set, &e.unit, &e.period),
            old.as_ref().map(json),
            Some(json(e)),
        );
        audit.flush(&mut tx, Utc::now(), actor).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_evidence(
        &self,
        e: &chiso_core::Evidence,
        content: &[u8],
        actor: &Actor,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        refuse_if_approved(&mut tx, &e.data_set, &e.unit, &e.period).await?;
        stmt(format!("INSERT INTO evidence ({EVIDENCE_COLS}, content) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"))
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
            .execute(&mut tx)
            .await?;
        let mut audit = AuditBuffer::default();
        audit.push(
            "evidence.insert",
            &format!("evidence:{}", e.id),
            None,
            Some(json(e)),
        );
        audit.flush(&mut tx, Utc::now(), actor).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_evidence(&self, id: &str, actor: &Actor) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let old = stmt(format!(
            "DELETE FROM evidence WHERE id = $1 RETURNING {EVIDENCE_COLS}"
        ))
        .bind(id)
        .fetch_optional(&mut tx)
        .await?;
        let Some(old) = old.as_ref().map(evidence_from_row).transpose()? else {
            return Ok(false);
        };
        refuse_if_approved(&mut tx, &old.data_set, &old.unit, &old.period).await?;
        let mut audit = AuditBuffer::default();
        audit.push(
            "evidence.delete",
            &format!("evidence:{id}"),
            Some(json(&old)),
            None,
        );
        audit.flush(&mut tx, Utc::now(), actor).await?;
        tx.commit().await?;
        Ok(true)
    }

    // ---- plans, directives and registers ------------------------------------------------
}
