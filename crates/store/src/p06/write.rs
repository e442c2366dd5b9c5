//! The store's writes: checked whole in the transaction, chained into the access log and
//! audited in it.

use super::{access_hash, dossier_of, result_of, AccessRecord, FilesDir, P06Write};
use crate::audit::AuditBuffer;
use crate::common::{json, push_error};
use crate::plans::existing_codes;
use crate::sql::{scalar, stmt, SqlBackend, Tx};
use crate::{Actor, Changes, FieldError, Result, StoreError};
use async_trait::async_trait;
use chiso_p06::{Rating, StoredResult, SubjectId};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

/// From this many records on, a write is audited as one row.
const BATCH: usize = 1000;

/// Append entries to the access log, chained to the last one.
pub(crate) async fn append_log<B: SqlBackend>(tx: &mut Tx<B>, log: &[AccessRecord]) -> Result<()> {
    if log.is_empty() {
        return Ok(());
    }
    if !B::CHAIN_LOCK.is_empty() {
        stmt(B::CHAIN_LOCK).execute(&mut *tx).await?;
    }
    let mut prev: String = scalar("SELECT hash FROM p06_access_log ORDER BY id DESC LIMIT 1")
        .fetch_optional::<_, _, String>(&mut *tx)
        .await?
        .unwrap_or_default();
    for chunk in log.chunks(300) {
        let mut b = stmt(
            "INSERT INTO p06_access_log (at, actor, via, unit, subject, action, entity, reason, prev_hash, hash) ",
        );
        let mut rows = Vec::with_capacity(chunk.len());
        for r in chunk {
            // Microseconds: what both databases keep, so the hash can be recomputed.
            let mut r = r.clone();
            r.at = DateTime::<Utc>::from_timestamp_micros(r.at.timestamp_micros()).unwrap_or(r.at);
            let hash = access_hash(&prev, &r);
            rows.push((r, std::mem::replace(&mut prev, hash.clone()), hash));
        }
        b.push_values(rows, |mut s, (r, p, h)| {
            s.push_bind(r.at)
                .push_bind(r.actor)
                .push_bind(r.via)
                .push_bind(r.unit)
                .push_bind(r.subject)
                .push_bind(r.action)
                .push_bind(r.entity)
                .push_bind(r.reason)
                .push_bind(p)
                .push_bind(h);
        });
        b.execute(&mut *tx).await?;
    }
    Ok(())
}

async fn stored_defs<B: SqlBackend>(
    tx: &mut Tx<B>,
    table: &'static str,
    codes: &[&str],
    lock: bool,
) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for chunk in codes.chunks(500) {
        let mut b = stmt(format!(
            "SELECT code, definition FROM {table} WHERE code IN ("
        ));
        let mut s = b.separated(", ");
        for c in chunk {
            s.push_bind(*c);
        }
        b.push(")");
        if lock {
            b.push(B::ROW_LOCK);
        }
        for r in b.fetch_all(&mut *tx).await? {
            out.insert(r.get("code")?, r.get("definition")?);
        }
    }
    Ok(out)
}

/// Check a write against itself and the stored rows; the errors by list and field.
async fn check<B: SqlBackend>(
    tx: &mut Tx<B>,
    w: &P06Write,
) -> Result<(HashMap<String, String>, HashMap<String, String>)> {
    let mut errors = Vec::new();
    let mut err = |list: &str, i: usize, field: &str, reason: String| {
        push_error(
            &mut errors,
            FieldError::new(Some(i), &format!("{list}.{field}"), reason),
        )
    };
    let units: Vec<&str> = w
        .dossiers
        .iter()
        .map(|d| d.unit.as_str())
        .chain(w.results.iter().map(|r| r.issuer.as_str()))
        .collect();
    let units = existing_codes(tx, "units", &units).await?;
    let named: Vec<&str> = w
        .dossiers
        .iter()
        .map(|d| d.subject.as_str())
        .chain(w.results.iter().map(|r| r.subject.as_str()))
        .collect();
    let mut subjects: HashSet<String> = HashSet::new();
    for chunk in named.chunks(500) {
        let mut b = stmt("SELECT id FROM p06_subjects WHERE id IN (");
        let mut s = b.separated(", ");
        for c in chunk {
            s.push_bind(*c);
        }
        b.push(")");
        for r in b.fetch_all(&mut *tx).await? {
            subjects.insert(r.get("id")?);
        }
    }
    subjects.extend(w.subjects.iter().map(|s| s.id.to_string()));
    // The dossiers written and those the write was decided on, locked until the commit (on
    // PostgreSQL; SQLite's writers are one at a time already).
    let codes: Vec<&str> = w
        .dossiers
        .iter()
        .chain(&w.based_on)
        .map(|d| d.code.as_str())
        .collect();
    let stored = stored_defs(tx, "p06_dossiers", &codes, true).await?;
    for (i, d) in w.based_on.iter().enumerate() {
        if stored.get(d.code.as_str()) != Some(&json(d)) {
            err(
                "dossiers",
                i,
                "code",
                format!(
                    "hồ sơ {} vừa được người khác thay đổi: hãy tải lại trang và làm lại \
                     (the dossier changed meanwhile: reload and try again)",
                    d.code
                ),
            );
        }
    }
    let mut seen = HashSet::new();
    let mut batch_dossiers: HashMap<&str, &chiso_p06::Dossier> = HashMap::new();
    for (i, d) in w.dossiers.iter().enumerate() {
        for p in d.check() {
            err("dossiers", i, &p.field, p.reason);
        }
        if !seen.insert(d.code.as_str()) {
            err(
                "dossiers",
                i,
                "code",
                format!("hồ sơ {} xuất hiện hai lần", d.code),
            );
        }
        if !units.contains(d.unit.as_str()) {
            err("dossiers", i, "unit", format!("không có đơn vị {}", d.unit));
        }
        if !subjects.contains(d.subject.as_str()) {
            err(
                "dossiers",
                i,
                "subject",
                format!("Kho chưa có chủ thể {}", d.subject),
            );
        }
        if let Some(old) = stored.get(d.code.as_str()) {
            let old = dossier_of(old)?;
            if old.subject != d.subject || old.unit != d.unit || old.received != d.received {
                err("dossiers", i, "code", format!("hồ sơ {} giữ người nộp, đơn vị và ngày tiếp nhận (a dossier keeps its applicant, unit and day)", d.code));
            }
        }
        batch_dossiers.insert(d.code.as_str(), d);
    }
    let rcodes: Vec<&str> = w.results.iter().map(|r| r.code.as_str()).collect();
    let stored_results = stored_defs(tx, "p06_results", &rcodes, false).await?;
    let wanted: Vec<&str> = w
        .results
        .iter()
        .map(|r| r.dossier.as_str())
        .filter(|c| !batch_dossiers.contains_key(c))
        .collect();
    let other_dossiers = stored_defs(tx, "p06_dossiers", &wanted, false).await?;
    let mut rseen = HashSet::new();
    for (i, r) in w.results.iter().enumerate() {
        let dossier = match batch_dossiers.get(r.dossier.as_str()) {
            Some(d) => Some((*d).clone()),
            None => other_dossiers
                .get(r.dossier.as_str())
                .map(|d| dossier_of(d))
                .transpose()?,
        };
        match dossier {
            None => err(
                "results",
                i,
                "dossier",
                format!("Kho không có hồ sơ {}", r.dossier),
            ),
            Some(d) if d.subject != r.subject => err(
                "results",
                i,
                "subject",
                format!("kết quả của hồ sơ {} thuộc về {}", d.code, d.subject),
            ),
            Some(_) => {}
        }
        match chiso_p06::model::parse_result_code(&r.code) {
            Some((d, _)) if d == r.dossier => {}
            _ => err(
                "results",
                i,
                "code",
                format!(
                    "'{}' không phải mã <mã hồ sơ>-KQ<n> của hồ sơ {}",
                    r.code, r.dossier
                ),
            ),
        }
        if !rseen.insert(r.code.as_str()) {
            err(
                "results",
                i,
                "code",
                format!("kết quả {} xuất hiện hai lần", r.code),
            );
        }
        if !units.contains(r.issuer.as_str()) {
            err(
                "results",
                i,
                "issuer",
                format!("không có đơn vị {}", r.issuer),
            );
        }
        if chiso_p06::rules::is_id_card(&r.doc_type) {
            err(
                "results",
                i,
                "doc_type",
                "Kho không giữ căn cước (identity cards are not kept)".into(),
            );
        }
        if let Some(old) = stored_results.get(&r.code) {
            if result_of(old)? != *r {
                err("results", i, "code", format!("kết quả {} đã lưu và không được sửa: thu hồi rồi cấp kết quả mới (a stored result never changes)", r.code));
            }
        }
    }
    let rwanted: Vec<&str> = w
        .ratings
        .iter()
        .map(|r| r.dossier.as_str())
        .filter(|c| !batch_dossiers.contains_key(c))
        .collect();
    let rated_dossiers = stored_defs(tx, "p06_dossiers", &rwanted, false).await?;
    let mut rated = HashSet::new();
    for (i, r) in w.ratings.iter().enumerate() {
        let status = match batch_dossiers.get(r.dossier.as_str()) {
            Some(d) => Some(d.status),
            None => rated_dossiers
                .get(r.dossier.as_str())
                .map(|d| dossier_of(d).map(|d| d.status))
                .transpose()?,
        };
        match status {
            None => err(
                "ratings",
                i,
                "dossier",
                format!("Kho không có hồ sơ {}", r.dossier),
            ),
            Some(chiso_p06::DossierStatus::Finished) => {}
            Some(_) => err(
                "ratings",
                i,
                "dossier",
                format!(
                    "hồ sơ {} chưa giải quyết xong (only a finished dossier is rated)",
                    r.dossier
                ),
            ),
        }
        if !rated.insert(r.dossier.as_str()) {
            err(
                "ratings",
                i,
                "dossier",
                format!("hồ sơ {} được đánh giá hai lần (rated twice)", r.dossier),
            );
        }
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    Ok((stored, stored_results))
}

#[async_trait]
impl<B: SqlBackend + FilesDir> crate::P06Writes for B {
    async fn p06_save(&self, w: &P06Write, actor: &Actor, dry_run: bool) -> Result<Changes> {
        let mut tx = self.begin_write().await?;
        let (stored, stored_results) = check(&mut tx, w).await?;
        let now = Utc::now();
        let mut changes = Changes::default();
        let mut audit = AuditBuffer::default();
        let many = w.dossiers.len() + w.results.len() + w.subjects.len() + w.ratings.len() >= BATCH;
        // Subjects: insert, or update the name.
        for chunk in w.subjects.chunks(300) {
            let mut b = stmt("INSERT INTO p06_subjects (id, kind, name) ");
            b.push_values(chunk, |mut s, x| {
                s.push_bind(x.id.as_str())
                    .push_bind(x.id.kind().as_str())
                    .push_bind(x.name.as_str());
            });
            b.push(" ON CONFLICT (id) DO UPDATE SET name = excluded.name WHERE p06_subjects.name <> excluded.name");
            b.execute(&mut tx).await?;
        }
        if !many {
            for s in &w.subjects {
                audit.push(
                    "p06_subject.write",
                    &format!("p06_subject:{}", s.id),
                    None,
                    Some(json(s)),
                );
            }
        }
        let mut written = Vec::new();
        for d in &w.dossiers {
            let def = json(d);
            match stored.get(d.code.as_str()) {
                Some(old) if *old == def => changes.unchanged += 1,
                old => {
                    changes.wrote(old.is_some());
                    if !many {
                        let action = if old.is_some() {
                            "p06_dossier.update"
                        } else {
                            "p06_dossier.insert"
                        };
                        audit.push(
                            action,
                            &format!("p06_dossier:{}", d.code),
                            old.cloned(),
                            Some(def.clone()),
                        );
                    }
                    written.push((d, def));
                }
            }
        }
        for chunk in written.chunks(200) {
            let mut b = stmt("INSERT INTO p06_dossiers (code, subject, unit, received, finished, status, definition) ");
            b.push_values(chunk, |mut s, (d, def)| {
                s.push_bind(d.code.as_str())
                    .push_bind(d.subject.as_str())
                    .push_bind(d.unit.as_str())
                    .push_bind(d.received)
                    .push_bind(d.finished)
                    .push_bind(d.status.as_str())
                    .push_bind(def.as_str());
            });
            b.push(" ON CONFLICT (code) DO UPDATE SET finished = excluded.finished, status = excluded.status, definition = excluded.definition");
            b.execute(&mut tx).await?;
        }
        let new_results: Vec<&StoredResult> = w
            .results
            .iter()
            .filter(|r| !stored_results.contains_key(&r.code))
            .collect();
        changes.inserted += new_results.len() as u64;
        changes.unchanged += (w.results.len() - new_results.len()) as u64;
        for chunk in new_results.chunks(200) {
            let mut b = stmt("INSERT INTO p06_results (code, dossier, subject, doc_type, issuer, revoked_at, definition) ");
            b.push_values(chunk, |mut s, r| {
                s.push_bind(r.code.as_str())
                    .push_bind(r.dossier.as_str())
                    .push_bind(r.subject.as_str())
                    .push_bind(r.doc_type.as_str())
                    .push_bind(r.issuer.as_str())
                    .push_bind(r.revoked_at)
                    .push_bind(json(*r));
            });
            b.execute(&mut tx).await?;
        }
        if !many {
            for r in &new_results {
                audit.push(
                    "p06_result.insert",
                    &format!("p06_result:{}", r.code),
                    None,
                    Some(json(*r)),
                );
            }
        }
        for r in &w.ratings {
            let n = stmt("INSERT INTO p06_ratings (dossier, value, reason, rated_at, rated_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (dossier) DO NOTHING")
                .bind(r.dossier.as_str())
                .bind(r.value.as_str())
                .bind(r.reason.clone())
                .bind(r.at)
                .bind(actor.who.as_str())
                .execute(&mut tx)
                .await?;
            if n == 0 {
                changes.unchanged += 1;
            } else {
                changes.inserted += 1;
                if !many {
                    audit.push(
                        "p06_rating.insert",
                        &format!("p06_dossier:{}", r.dossier),
                        None,
                        Some(json(r)),
                    );
                }
            }
        }
        for f in &w.files {
            stmt("INSERT INTO p06_files (sha256, size, media_type, stored_at) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING")
                .bind(f.sha256.as_str())
                .bind(f.size)
                .bind(f.media_type.as_str())
                .bind(now)
                .execute(&mut tx)
                .await?;
        }
        if many && changes.changed() > 0 {
            let summary = serde_json::json!({
                "subjects": w.subjects.len(),
                "dossiers": w.dossiers.len(),
                "results": w.results.len(),
                "ratings": w.ratings.len(),
                "changes": changes,
                "sha256": chiso_p06::rules::sha256_hex(
                    json(&(&w.subjects, &w.dossiers, &w.results)).as_bytes()
                ),
            });
            audit.push("p06.batch", "p06:*", None, Some(summary.to_string()));
        }
        audit.flush(&mut tx, now, actor).await?;
        append_log(&mut tx, &w.log).await?;
        if dry_run {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(changes)
    }

    async fn p06_link_owner(
        &self,
        username: &str,
        subject: &SubjectId,
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let user: Option<String> = scalar("SELECT username FROM users WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut tx)
            .await?;
        let subj: Option<String> = scalar("SELECT id FROM p06_subjects WHERE id = $1")
            .bind(subject.as_str())
            .fetch_optional(&mut tx)
            .await?;
        let mut errors = Vec::new();
        if user.is_none() {
            errors.push(FieldError::new(
                None,
                "username",
                format!("không có tài khoản {username}"),
            ));
        }
        if subj.is_none() {
            errors.push(FieldError::new(
                None,
                "subject",
                format!("Kho chưa có chủ thể {subject}"),
            ));
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let old: Option<String> =
            scalar("SELECT subject FROM p06_owner_accounts WHERE username = $1")
                .bind(username)
                .fetch_optional(&mut tx)
                .await?;
        if old.as_deref() == Some(subject.as_str()) {
            return Ok(());
        }
        stmt("INSERT INTO p06_owner_accounts (username, subject) VALUES ($1, $2) ON CONFLICT (username) DO UPDATE SET subject = excluded.subject")
            .bind(username)
            .bind(subject.as_str())
            .execute(&mut tx)
            .await?;
        let mut audit = AuditBuffer::default();
        audit.push(
            "p06_owner.link",
            &format!("user:{username}"),
            old,
            Some(subject.to_string()),
        );
        audit.flush(&mut tx, Utc::now(), actor).await?;
        tx.commit().await
    }

    async fn p06_revoke(
        &self,
        code: &str,
        at: DateTime<Utc>,
        reason: &str,
        log: &[AccessRecord],
        actor: &Actor,
    ) -> Result<StoredResult> {
        let mut tx = self.begin_write().await?;
        let def: Option<String> = scalar(format!(
            "SELECT definition FROM p06_results WHERE code = $1{}",
            B::ROW_LOCK
        ))
        .bind(code)
        .fetch_optional(&mut tx)
        .await?;
        let Some(def) = def else {
            return Err(StoreError::invalid(
                None,
                "code",
                format!("Kho không có kết quả {code}"),
            ));
        };
        let mut r = result_of(&def)?;
        if r.revoked_at.is_some() {
            return Err(StoreError::invalid(
                None,
                "code",
                format!("kết quả {code} đã bị thu hồi (already revoked)"),
            ));
        }
        if reason.trim().is_empty() {
            return Err(StoreError::invalid(
                None,
                "reason",
                "nêu lý do thu hồi (give the reason)",
            ));
        }
        let at = DateTime::<Utc>::from_timestamp_micros(at.timestamp_micros()).unwrap_or(at);
        r.revoked_at = Some(at);
        r.revoked_reason = Some(reason.trim().to_string());
        let new = json(&r);
        stmt("UPDATE p06_results SET revoked_at = $1, definition = $2 WHERE code = $3")
            .bind(at)
            .bind(&new)
            .bind(code)
            .execute(&mut tx)
            .await?;
        let mut audit = AuditBuffer::default();
        audit.push(
            "p06_result.revoke",
            &format!("p06_result:{code}"),
            Some(def),
            Some(new),
        );
        audit.flush(&mut tx, Utc::now(), actor).await?;
        append_log(&mut tx, log).await?;
        tx.commit().await?;
        Ok(r)
    }

    async fn p06_rate(&self, r: &Rating, log: &[AccessRecord], actor: &Actor) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let exists: Option<String> = scalar("SELECT code FROM p06_dossiers WHERE code = $1")
            .bind(r.dossier.as_str())
            .fetch_optional(&mut tx)
            .await?;
        if exists.is_none() {
            return Err(StoreError::invalid(
                None,
                "dossier",
                format!("Kho không có hồ sơ {}", r.dossier),
            ));
        }
        let n = stmt("INSERT INTO p06_ratings (dossier, value, reason, rated_at, rated_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (dossier) DO NOTHING")
            .bind(r.dossier.as_str())
            .bind(r.value.as_str())
            .bind(r.reason.clone())
            .bind(r.at)
            .bind(actor.who.as_str())
            .execute(&mut tx)
            .await?;
        if n == 0 {
            return Err(StoreError::invalid(
                None,
                "dossier",
                format!(
                    "hồ sơ {} đã được đánh giá: mỗi hồ sơ một lần (already rated)",
                    r.dossier
                ),
            ));
        }
        let mut audit = AuditBuffer::default();
        audit.push(
            "p06_rating.insert",
            &format!("p06_dossier:{}", r.dossier),
            None,
            Some(json(r)),
        );
        audit.flush(&mut tx, Utc::now(), actor).await?;
        append_log(&mut tx, log).await?;
        tx.commit().await
    }

    async fn p06_log(&self, log: &[AccessRecord]) -> Result<()> {
        let mut tx = self.begin_write().await?;
        append_log(&mut tx, log).await?;
        tx.commit().await
    }
}
