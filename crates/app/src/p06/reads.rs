//! Reads of a subject's store, each asked of `chiso_p06::rules::may_read` and each logged in
//! the access log — allowed or refused: the owner's view (with who has read what), an
//! agency's view while it holds an open dossier of the owner, a result's history, a unit's
//! own dossiers, and the owner's export.

use super::{P06Error, P06Result, P06Who};
use crate::App;
use chiso_p06::rules::{self, Decision, Reader};
use chiso_p06::{Dossier, Rating, StoredResult, Subject, SubjectId};
use chiso_store::{
    AccessEntry, AccessQuery, AccessRecord, DossierQuery, FileMeta, ResultQuery, StoreError,
};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashSet;

/// A subject's store as one reader may see it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct StoreView {
    pub subject: Subject,
    /// Why the reader may read it (`owner`, `open dossier`, `issuer`).
    pub basis: String,
    pub dossiers: Vec<Dossier>,
    /// The results the reader may read (an agency: the valid ones, and those it issued).
    pub results: Vec<StoredResult>,
    pub ratings: Vec<Rating>,
    /// Who has read or written what (the owner only; empty for an agency).
    pub access: Vec<AccessEntry>,
}

/// The owner's export of their own store.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct OwnerExport {
    pub subject: Subject,
    pub exported_at: DateTime<Utc>,
    pub dossiers: Vec<Dossier>,
    pub results: Vec<StoredResult>,
    /// The kept files' metadata (the files themselves are downloaded one by one).
    pub files: Vec<FileMeta>,
    pub ratings: Vec<Rating>,
    /// Who read or wrote what, newest first.
    pub access: Vec<AccessEntry>,
}

/// A result and everything that happened to it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ResultHistory {
    pub result: StoredResult,
    /// Writes, reads and refusals of it, newest first (the owner and the issuer see them).
    pub access: Vec<AccessEntry>,
}

fn today() -> NaiveDate {
    chiso_core::clock::today_in_vietnam()
}

impl App {
    /// The subject's dossiers and results, and which units among them the person acts for.
    async fn p06_held(
        &self,
        who: &P06Who,
        subject: &SubjectId,
    ) -> P06Result<(Vec<Dossier>, Vec<StoredResult>, HashSet<String>)> {
        let dossiers = self
            .store()
            .p06_dossiers(&DossierQuery {
                subject: Some(subject.clone()),
                newest_first: true,
                ..Default::default()
            })
            .await?;
        let results = self
            .store()
            .p06_results(&ResultQuery {
                subject: Some(subject.clone()),
                ..Default::default()
            })
            .await?;
        let units: Vec<&str> = dossiers
            .iter()
            .map(|d| d.unit.as_str())
            .chain(results.iter().map(|r| r.issuer.as_str()))
            .collect();
        let acting = self.p06_reading(who, &units).await;
        Ok((dossiers, results, acting))
    }

    /// The unit an agency reads for: the one holding an open dossier, else the first it acts
    /// for among those named.
    fn p06_reading_unit(dossiers: &[Dossier], acting: &HashSet<String>) -> Option<String> {
        dossiers
            .iter()
            .find(|d| d.is_open() && acting.contains(d.unit.as_str()))
            .map(|d| d.unit.to_string())
            .or_else(|| {
                let mut a: Vec<&String> = acting.iter().collect();
                a.sort();
                a.first().map(|s| s.to_string())
            })
    }

    /// Read a subject's store. The owner sees everything with the access log; an agency
    /// sees it only while it holds an open dossier of the subject (then the valid results,
    /// and whatever it issued), every result shown logged as read.
    pub async fn p06_store(&self, who: &P06Who, subject: &SubjectId) -> P06Result<StoreView> {
        let Some(s) = self.store().p06_subject(subject).await? else {
            return Err(P06Error::NotFound(format!(
                "Kho không có chủ thể {subject}"
            )));
        };
        let (dossiers, results, acting) = self.p06_held(who, subject).await?;
        let owner = who.owner.as_ref() == Some(subject);
        let unit = if owner {
            None
        } else {
            Self::p06_reading_unit(&dossiers, &acting)
        };
        // The rules' answers, asked before anything is awaited.
        let (whole, shown, mut log) = {
            let acts_for = |u: &str| acting.contains(u);
            let reader = if owner {
                Reader::Owner(subject)
            } else {
                Reader::Agency(&acts_for)
            };
            let refs: Vec<&Dossier> = dossiers.iter().collect();
            let day = today();
            let whole = rules::may_read(reader, subject, None, &refs, day);
            let mut shown = Vec::new();
            let mut log = Vec::new();
            for r in &results {
                let d = rules::may_read(reader, subject, Some(r), &refs, day);
                if d.allowed() {
                    log.push(Self::p06_record(
                        who,
                        unit.as_deref(),
                        subject,
                        &d,
                        "read",
                        &r.code,
                    ));
                    shown.push(r.clone());
                }
            }
            (whole, shown, log)
        };
        if !whole.allowed() && shown.is_empty() {
            let rec = Self::p06_record(who, unit.as_deref(), subject, &whole, "read", "store");
            return self.p06_refuse(rec).await;
        }
        let basis = if whole.allowed() {
            whole.reason()
        } else {
            "issuer"
        };
        let d = Decision::Allowed(basis);
        log.insert(
            0,
            Self::p06_record(who, unit.as_deref(), subject, &d, "read", "store"),
        );
        self.store().p06_log(&log).await?;
        let dossiers: Vec<Dossier> = if whole.allowed() {
            dossiers
        } else {
            // The issuer alone: the dossiers of its own results.
            let mine: HashSet<&str> = shown.iter().map(|r| r.dossier.as_str()).collect();
            dossiers
                .into_iter()
                .filter(|d| mine.contains(d.code.as_str()))
                .collect()
        };
        let codes: Vec<_> = dossiers.iter().map(|d| d.code.clone()).collect();
        let ratings = if owner && !codes.is_empty() {
            self.store().p06_ratings(&codes).await?
        } else {
            Vec::new()
        };
        let access = if owner {
            self.store()
                .p06_access_log(&AccessQuery {
                    subject: Some(subject.clone()),
                    entity: None,
                    limit: Some(500),
                })
                .await?
        } else {
            Vec::new()
        };
        Ok(StoreView {
            subject: s,
            basis: basis.to_string(),
            dossiers,
            results: shown,
            ratings,
            access,
        })
    }

    /// A result, for its owner, its issuer, and an agency holding an open dossier of the owner
    /// (a valid result): the rules' answer logged in the access log as `action` (a read of the
    /// result, or of its file), or as a refusal.
    async fn p06_read_result(
        &self,
        who: &P06Who,
        code: &str,
        action: &str,
    ) -> P06Result<(StoredResult, Decision)> {
        let r = self
            .store()
            .p06_results(&ResultQuery {
                codes: vec![code.to_string()],
                ..Default::default()
            })
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| P06Error::NotFound(format!("Kho không có kết quả {code}")))?;
        let (dossiers, _, acting) = self.p06_held(who, &r.subject).await?;
        let owner = who.owner.as_ref() == Some(&r.subject);
        let d = {
            let acts_for = |u: &str| acting.contains(u);
            let reader = if owner {
                Reader::Owner(&r.subject)
            } else {
                Reader::Agency(&acts_for)
            };
            let refs: Vec<&Dossier> = dossiers.iter().collect();
            rules::may_read(reader, &r.subject, Some(&r), &refs, today())
        };
        let unit = if owner {
            None
        } else if acting.contains(r.issuer.as_str()) {
            Some(r.issuer.to_string())
        } else {
            Self::p06_reading_unit(&dossiers, &acting)
        };
        let rec = Self::p06_record(who, unit.as_deref(), &r.subject, &d, action, &r.code);
        if !d.allowed() {
            return self.p06_refuse(rec).await;
        }
        self.store().p06_log(&[rec]).await?;
        Ok((r, d))
    }

    /// A result with its history (created, revoked, read), for its owner, its issuer, and an
    /// agency holding an open dossier of the owner (a valid result; the reads are then not
    /// shown). Logged as a read.
    pub async fn p06_result_history(&self, who: &P06Who, code: &str) -> P06Result<ResultHistory> {
        let (r, d) = self.p06_read_result(who, code, "read").await?;
        let sees_log = matches!(d, Decision::Allowed("owner") | Decision::Allowed("issuer"));
        let access = if sees_log {
            self.store()
                .p06_access_log(&AccessQuery {
                    subject: None,
                    entity: Some(r.code.clone()),
                    limit: Some(500),
                })
                .await?
        } else {
            Vec::new()
        };
        Ok(ResultHistory { result: r, access })
    }

    /// A result's file (its bytes, checked against the SHA-256 recorded), for those who may
    /// read the result; logged as `read_file` (or a refusal) in the access log before a byte
    /// is served.
    pub async fn p06_result_file(
        &self,
        who: &P06Who,
        code: &str,
    ) -> P06Result<(StoredResult, Vec<u8>)> {
        let (r, _) = self.p06_read_result(who, code, "read_file").await?;
        let Some(sha) = r.sha256.clone() else {
            return Err(P06Error::NotFound(format!(
                "kết quả {code} không có tệp (the result has no file)"
            )));
        };
        let files = self.p06_files().ok_or_else(|| {
            P06Error::NotFound("máy chủ chưa có nơi lưu tệp (no place for files)".into())
        })?;
        let bytes = tokio::task::spawn_blocking(move || files.get(&sha))
            .await
            .map_err(|e| StoreError::Corrupt(e.to_string()))?
            .map_err(|e| StoreError::Corrupt(format!("the file of {code}: {e}")))?
            .ok_or_else(|| {
                P06Error::NotFound(format!(
                    "tệp của kết quả {code} không còn trên đĩa (the file is missing)"
                ))
            })?;
        Ok((r, bytes))
    }

    /// The dossiers a unit received, newest first (those received or finished between the
    /// days of `touching`, when given), with their results, for the unit's own officers (each
    /// listed dossier logged as read by the receiving unit).
    pub async fn p06_unit_dossiers(
        &self,
        who: &P06Who,
        unit: &chiso_core::Code,
        touching: Option<(NaiveDate, NaiveDate)>,
        limit: i64,
    ) -> P06Result<(Vec<Dossier>, Vec<StoredResult>)> {
        let acting = self.p06_reading(who, &[unit.as_str()]).await;
        if !acting.contains(unit.as_str()) {
            return Err(P06Error::Refused(super::refusal(
                "not an officer of this unit",
            )));
        }
        let dossiers = self
            .store()
            .p06_dossiers(&DossierQuery {
                units: vec![unit.clone()],
                touching,
                newest_first: true,
                limit: Some(limit.clamp(1, 1000)),
                ..Default::default()
            })
            .await?;
        let ok = Decision::Allowed("receiving unit");
        let log: Vec<AccessRecord> = dossiers
            .iter()
            .map(|d| {
                Self::p06_record(
                    who,
                    Some(unit.as_str()),
                    &d.subject,
                    &ok,
                    "read",
                    d.code.as_str(),
                )
            })
            .collect();
        self.store().p06_log(&log).await?;
        let codes: Vec<_> = dossiers.iter().map(|d| d.code.clone()).collect();
        let mut results = Vec::new();
        for chunk in codes.chunks(500) {
            results.extend(
                self.store()
                    .p06_results(&ResultQuery {
                        dossiers: chunk.to_vec(),
                        ..Default::default()
                    })
                    .await?,
            );
        }
        Ok((dossiers, results))
    }

    /// The owner's export of their own store: records, files' metadata and who read them.
    /// Only the owner; logged (and a refusal logged too).
    pub async fn p06_export(&self, who: &P06Who, subject: &SubjectId) -> P06Result<OwnerExport> {
        let d = match &who.owner {
            Some(o) => rules::may_read(Reader::Owner(o), subject, None, &[], today()),
            None => Decision::Refused("not the owner"),
        };
        let rec = Self::p06_record(who, None, subject, &d, "read", "export");
        if !d.allowed() {
            return self.p06_refuse(rec).await;
        }
        let Some(s) = self.store().p06_subject(subject).await? else {
            return Err(P06Error::NotFound(format!(
                "Kho không có chủ thể {subject}"
            )));
        };
        self.store().p06_log(&[rec]).await?;
        let (dossiers, results, _) = self.p06_held(who, subject).await?;
        let mut files = Vec::new();
        for sha in results.iter().filter_map(|r| r.sha256.as_deref()) {
            if files.iter().any(|f: &FileMeta| f.sha256 == sha) {
                continue;
            }
            if let Some(m) = self.store().p06_file_meta(sha).await? {
                files.push(m);
            }
        }
        let codes: Vec<_> = dossiers.iter().map(|d| d.code.clone()).collect();
        let ratings = if codes.is_empty() {
            Vec::new()
        } else {
            self.store().p06_ratings(&codes).await?
        };
        let access = self
            .store()
            .p06_access_log(&AccessQuery {
                subject: Some(subject.clone()),
                entity: None,
                limit: Some(100_000),
            })
            .await?;
        Ok(OwnerExport {
            subject: s,
            exported_at: Utc::now(),
            dossiers,
            results,
            files,
            ratings,
            access,
        })
    }
}
