//! Imports of a one-stop system's export into the store (the file is read and checked whole by
//! `chiso_p06::import`): all or nothing, with a dry run. From the web, the person must act
//! for every receiving unit in the file (a data-entry role over it or a unit above); a row of
//! any other unit is refused by its row, the refusal logged, and nothing is written. Every
//! error names the file's row and field, whichever check found it.

use super::{refusal, P06Who};
use crate::App;
use chiso_p06::import::{Batch, RowError};
use chiso_p06::rules::Decision;
use chiso_p06::DossierCode;
use chiso_store::{
    AccessRecord, Actor, Changes, DossierQuery, FieldError, P06Write, ResultQuery, StoreError,
};
use std::collections::HashMap;

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportRefused {
    /// Rows of units the person does not act for.
    #[error("{} row(s) of units the account does not act for", .0.len())]
    OutOfScope(Vec<RowError>),
    /// Rows the checks against the stored records refused (a unit that did not exist on the
    /// day, a stored result that would change, …).
    #[error("{} error(s) in the file", .0.len())]
    Invalid(Vec<RowError>),
    #[error(transparent)]
    Store(StoreError),
}

/// Where each of a batch's dossiers and results stands in the file, to name the row of an
/// error found once the batch is read.
struct Places {
    dossier_rows: Vec<usize>,
    /// Each result's row and its field prefix (`results[n]`).
    results: Vec<(usize, String)>,
    subject_rows: Vec<usize>,
}

impl Places {
    fn of(batch: &Batch) -> Places {
        let row_of: HashMap<&str, usize> = batch
            .dossiers
            .iter()
            .zip(&batch.rows)
            .map(|(d, row)| (d.code.as_str(), *row))
            .collect();
        let results = batch
            .results
            .iter()
            .map(|r| {
                let n = r.code.rsplit("-KQ").next().unwrap_or("1");
                (
                    row_of.get(r.dossier.as_str()).copied().unwrap_or(0),
                    format!("results[{n}]"),
                )
            })
            .collect();
        let subject_rows = batch
            .subjects
            .iter()
            .map(|s| {
                batch
                    .dossiers
                    .iter()
                    .zip(&batch.rows)
                    .find(|(d, _)| d.subject == s.id)
                    .map_or(0, |(_, row)| *row)
            })
            .collect();
        Places {
            dossier_rows: batch.rows.clone(),
            results,
            subject_rows,
        }
    }

    /// A store's error (`dossiers.unit` at index 3) as the file's row and field.
    fn row_error(&self, f: &FieldError) -> RowError {
        let (list, field) = f.field.split_once('.').unwrap_or(("", f.field.as_str()));
        let at = |rows: &[usize]| f.index.and_then(|i| rows.get(i)).copied().unwrap_or(0);
        let (row, field) = match list {
            "dossiers" => (at(&self.dossier_rows), field.to_string()),
            "subjects" => (at(&self.subject_rows), "subject".to_string()),
            "results" => match f.index.and_then(|i| self.results.get(i)) {
                Some((row, prefix)) => (*row, format!("{prefix}.{field}")),
                None => (0, f.field.clone()),
            },
            _ => (0, f.field.clone()),
        };
        RowError {
            row,
            field,
            reason: f.reason.clone(),
        }
    }
}

impl App {
    /// Import an export as a person: every receiving unit must be one they act for (checked
    /// before anything is written; the refused rows named and, unless a dry run, logged);
    /// then as [`App::p06_import`], every error by the file's row and field.
    pub async fn p06_import_as(
        &self,
        who: &P06Who,
        batch: Batch,
        dry_run: bool,
    ) -> Result<Changes, ImportRefused> {
        let units: Vec<&str> = batch.dossiers.iter().map(|d| d.unit.as_str()).collect();
        let acting = self.p06_acting(who, &units).await;
        let no = Decision::Refused("not an officer of this unit");
        let (mut errors, mut log) = (Vec::new(), Vec::new());
        for (d, row) in batch.dossiers.iter().zip(&batch.rows) {
            if !acting.contains(d.unit.as_str()) {
                errors.push(RowError {
                    row: *row,
                    field: "unit".into(),
                    reason: format!("{}: {}", d.unit, refusal(no.reason())),
                });
                log.push(Self::p06_dossier_record(who, d, &no, "write"));
            }
        }
        if !errors.is_empty() {
            if !dry_run {
                self.store()
                    .p06_log(&log)
                    .await
                    .map_err(ImportRefused::Store)?;
            }
            return Err(ImportRefused::OutOfScope(errors));
        }
        let places = Places::of(&batch);
        match self.p06_import(batch, &who.actor(), dry_run).await {
            Ok(c) => Ok(c),
            Err(StoreError::Invalid(fields)) => Err(ImportRefused::Invalid(
                fields.iter().map(|f| places.row_error(f)).collect(),
            )),
            Err(e) => Err(ImportRefused::Store(e)),
        }
    }

    /// Import a one-stop system's export (checked whole by `chiso_p06::import`): all or
    /// nothing; with `dry_run`, what would change and nothing written. The caller checks that
    /// the account may import.
    pub async fn p06_import(
        &self,
        batch: chiso_p06::import::Batch,
        actor: &Actor,
        dry_run: bool,
    ) -> Result<Changes, StoreError> {
        let ok = Decision::Allowed("import");
        let who = P06Who {
            username: actor.who.clone(),
            via: actor.via,
            assignments: Vec::new(),
            owner: None,
        };
        let log: Vec<AccessRecord> = batch
            .dossiers
            .iter()
            .map(|d| Self::p06_dossier_record(&who, d, &ok, "write"))
            .chain(batch.results.iter().map(|r| {
                Self::p06_record(
                    &who,
                    Some(r.issuer.as_str()),
                    &r.subject,
                    &ok,
                    "write",
                    &r.code,
                )
            }))
            .collect();
        {
            let engine = self.read().await;
            let tree = engine.tree();
            let mut errors = Vec::new();
            for (i, d) in batch.dossiers.iter().enumerate() {
                for (field, day) in [("received", Some(d.received)), ("finished", d.finished)] {
                    if let Some(day) = day.filter(|day| !tree.exists_on(d.unit.as_str(), *day)) {
                        errors.push(chiso_store::FieldError::new(
                            Some(i),
                            &format!("dossiers.{field}"),
                            format!(
                                "đơn vị {} không tồn tại vào ngày {day} (the unit did not exist on that day)",
                                d.unit
                            ),
                        ));
                    }
                }
            }
            if !errors.is_empty() {
                return Err(StoreError::Invalid(errors));
            }
        }
        // A result imported again keeps when and by whom it was first stored (a stored result
        // never changes: the rest must be the same).
        let mut batch = batch;
        let codes: Vec<String> = batch.results.iter().map(|r| r.code.clone()).collect();
        let mut stored = std::collections::HashMap::new();
        for chunk in codes.chunks(500) {
            for r in self
                .store()
                .p06_results(&ResultQuery {
                    codes: chunk.to_vec(),
                    ..Default::default()
                })
                .await?
            {
                stored.insert(r.code.clone(), r);
            }
        }
        for r in &mut batch.results {
            if let Some(s) = stored.get(&r.code) {
                r.created_at = s.created_at;
                r.created_by = s.created_by.clone();
                r.revoked_at = s.revoked_at;
                r.revoked_reason = s.revoked_reason.clone();
            }
        }
        // The figures of the months the dossiers count in now, and of those they counted in
        // before (a finish day or status changed by the import), and of the dossiers whose
        // results are imported.
        let mut keys = chiso_p06::figures::keys_of(&batch.dossiers);
        let named: std::collections::BTreeSet<DossierCode> = batch
            .dossiers
            .iter()
            .map(|d| d.code.clone())
            .chain(batch.results.iter().map(|r| r.dossier.clone()))
            .collect();
        let named: Vec<DossierCode> = named.into_iter().collect();
        for chunk in named.chunks(500) {
            let before = self
                .store()
                .p06_dossiers(&DossierQuery {
                    codes: chunk.to_vec(),
                    ..Default::default()
                })
                .await?;
            keys.extend(chiso_p06::figures::keys_of(&before));
        }
        let w = P06Write {
            subjects: batch.subjects,
            dossiers: batch.dossiers,
            results: batch.results,
            files: Vec::new(),
            ratings: Vec::new(),
            log,
            based_on: Vec::new(),
        };
        let changes = self.store().p06_save(&w, actor, dry_run).await?;
        if !dry_run && changes.changed() > 0 {
            self.p06_refresh(keys, &actor.who).await?;
        }
        Ok(changes)
    }
}
