//! The electronic data store's writes and its logged reads, through the rules of
//! `chiso_p06::rules`: every read and every write of a subject's store, allowed or refused,
//! goes into the store's access log; every write is committed whole and then the store's
//! figures of the months it touched are recomputed and written through the engine's one
//! write path (source `derived`), like the figures of plans.

mod figures;
mod import;
mod reads;

pub use figures::{PANEL_ACTION, PANEL_META};
pub use import::ImportRefused;
pub use reads::{OwnerExport, ResultHistory, StoreView};

use crate::App;
use chiso_core::account::{Assignment, Role};
use chiso_core::{Code, Via};
use chiso_p06::rules::{self, Decision};
use chiso_p06::{
    Dossier, DossierCode, DossierStatus, Rating, RatingValue, ResultKind, StoredResult, Subject,
    SubjectId,
};
use chiso_store::{AccessRecord, Actor, DossierQuery, FileMeta, P06Write, ResultQuery, StoreError};
use chrono::{NaiveDate, Utc};
use std::collections::{BTreeSet, HashSet};

/// Who asks: the account, how it came, its roles, and the subject it owns (if any).
#[derive(Debug, Clone)]
pub struct P06Who {
    pub username: String,
    pub via: Via,
    pub assignments: Vec<Assignment>,
    pub owner: Option<SubjectId>,
}

impl P06Who {
    fn actor(&self) -> Actor {
        Actor::new(&self.username, self.via)
    }
}

/// Why a request to the store was not done.
#[derive(Debug, thiserror::Error)]
pub enum P06Error {
    /// The rules refused it (logged in the access log); the reason in words.
    #[error("{0}")]
    Refused(String),
    /// Nothing there.
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type P06Result<T> = Result<T, P06Error>;

/// A result or scan to write.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct NewResult {
    pub kind: ResultKind,
    #[schema(value_type = String)]
    pub doc_type: Code,
    pub name: String,
    /// The issuing unit (a result); a scan is signed by the receiving desk.
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub issuer: Option<Code>,
    #[serde(default)]
    pub original_issuer: Option<String>,
    pub number: String,
    pub issued: NaiveDate,
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
    #[serde(default)]
    pub retain_until: Option<NaiveDate>,
    /// The signing certificate's fingerprint (hex).
    #[serde(default)]
    pub signer: Option<String>,
    #[serde(default)]
    pub link: Option<String>,
    /// Finish the dossier on this day with this result.
    #[serde(default)]
    pub finish: Option<NaiveDate>,
}

fn refusal(reason: &str) -> String {
    let vi = match reason {
        "not the owner" => "chỉ chủ sở hữu Kho được xem",
        "no open dossier of this owner" => "đơn vị không có hồ sơ đang xử lý của người này",
        "revoked or expired: only the owner and the issuer" => {
            "kết quả đã thu hồi hoặc hết hạn: chỉ chủ sở hữu và cơ quan cấp được xem"
        }
        "only the issuing unit writes its result" => {
            "chỉ cơ quan có thẩm quyền cấp mới ghi kết quả"
        }
        "only the receiving one-stop desk scans its dossier's papers" => {
            "chỉ bộ phận một cửa tiếp nhận hồ sơ mới số hóa giấy tờ của hồ sơ"
        }
        "the dossier is no longer open" => "hồ sơ không còn đang xử lý",
        "a scan must be digitally signed by the officer" => "bản số hóa phải được công chức ký số",
        "only the issuing unit revokes its result" => "chỉ cơ quan cấp mới thu hồi kết quả",
        "already revoked" => "kết quả đã bị thu hồi",
        "only the applicant rates a dossier" => "chỉ người nộp hồ sơ được đánh giá",
        "only a finished dossier is rated" => "chỉ đánh giá hồ sơ đã giải quyết",
        "the dossier was already rated" => "hồ sơ đã được đánh giá: mỗi hồ sơ một lần",
        "the dossier was withdrawn" => "hồ sơ đã rút",
        "not an officer of this unit" => "tài khoản không làm việc cho đơn vị này",
        _ => "không được phép",
    };
    format!("{vi} ({reason})")
}

impl App {
    /// The store's files on disk, when the store has a place for them.
    pub fn p06_files(&self) -> Option<chiso_store::FileStore> {
        self.store().p06_files()
    }

    /// The units among `units` the person acts for when writing: a data-entry role over the
    /// unit (or a unit above it — a district issues the results of dossiers its communes
    /// received). Administration alone gives no access to citizens' stores.
    pub(crate) async fn p06_acting(&self, who: &P06Who, units: &[&str]) -> HashSet<String> {
        self.p06_officer_of(who, units, false).await
    }

    /// The units among `units` the person reads for: a data-entry role at the unit itself.
    /// An officer of a unit above reads nothing of a citizen's store through that role: the
    /// rule is that an agency reads only what it issued or while it holds an open dossier.
    pub(crate) async fn p06_reading(&self, who: &P06Who, units: &[&str]) -> HashSet<String> {
        self.p06_officer_of(who, units, true).await
    }

    async fn p06_officer_of(&self, who: &P06Who, units: &[&str], exact: bool) -> HashSet<String> {
        let engine = self.read().await;
        let tree = engine.tree();
        units
            .iter()
            .filter(|u| {
                who.assignments.iter().any(|a| {
                    a.role == Role::DataEntry
                        && match (&a.unit, exact) {
                            (Some(s), true) => s.as_str() == **u,
                            (None, true) => false,
                            (scope, false) => {
                                scope.as_ref().is_none_or(|s| tree.is_within(u, s.as_str()))
                            }
                        }
                })
            })
            .map(|u| u.to_string())
            .collect()
    }

    pub(crate) fn p06_record(
        who: &P06Who,
        unit: Option<&str>,
        subject: &SubjectId,
        d: &Decision,
        action: &str,
        entity: &str,
    ) -> AccessRecord {
        AccessRecord {
            at: Utc::now(),
            actor: who.username.clone(),
            via: who.via.as_str().to_string(),
            unit: unit.map(str::to_string),
            subject: subject.to_string(),
            action: if d.allowed() {
                action.to_string()
            } else {
                "refused".to_string()
            },
            entity: entity.to_string(),
            reason: d.reason().to_string(),
        }
    }

    /// The access-log entry of a dossier at its receiving unit.
    pub(crate) fn p06_dossier_record(
        who: &P06Who,
        d: &Dossier,
        decision: &Decision,
        action: &str,
    ) -> AccessRecord {
        Self::p06_record(
            who,
            Some(d.unit.as_str()),
            &d.subject,
            decision,
            action,
            d.code.as_str(),
        )
    }

    /// Log a refusal and say it.
    pub(crate) async fn p06_refuse<T>(&self, rec: AccessRecord) -> P06Result<T> {
        let why = refusal(&rec.reason);
        self.store().p06_log(std::slice::from_ref(&rec)).await?;
        Err(P06Error::Refused(why))
    }

    /// Refuse a day on which the unit did not exist (a legacy commune after 30 June 2025):
    /// its figures could not be kept.
    pub(crate) async fn p06_unit_on(&self, unit: &Code, day: NaiveDate) -> P06Result<()> {
        if self.read().await.tree().exists_on(unit.as_str(), day) {
            Ok(())
        } else {
            Err(P06Error::Refused(format!(
                "đơn vị {unit} không tồn tại vào ngày {day} (the unit did not exist on that day)"
            )))
        }
    }

    pub(crate) async fn p06_dossier(&self, code: &DossierCode) -> P06Result<Dossier> {
        self.store()
            .p06_dossiers(&DossierQuery {
                codes: vec![code.clone()],
                ..Default::default()
            })
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| P06Error::NotFound(format!("Kho không có hồ sơ {code}")))
    }

    /// The next free code for a dossier received by `unit` on `day`: the unit's agency
    /// identifier (see [`figures::agency_id`]), the day, the day's next number.
    pub async fn p06_next_code(&self, unit: &Code, day: NaiveDate) -> P06Result<DossierCode> {
        let province = {
            let engine = self.read().await;
            let tree = engine.tree();
            tree.ancestors(unit.as_str())
                .last()
                .map(|u| u.code.to_string())
                .unwrap_or_else(|| unit.to_string())
        };
        let agency = figures::agency_id(unit.as_str(), &province);
        let today = self
            .store()
            .p06_dossiers(&DossierQuery {
                units: vec![unit.clone()],
                touching: Some((day, day)),
                ..Default::default()
            })
            .await?;
        let used: BTreeSet<String> = today.iter().map(|d| d.code.to_string()).collect();
        for seq in 1..=9999 {
            let c = DossierCode::compose(&agency, day, seq).map_err(P06Error::Refused)?;
            if !used.contains(c.as_str()) {
                let taken = !self
                    .store()
                    .p06_dossiers(&DossierQuery {
                        codes: vec![c.clone()],
                        ..Default::default()
                    })
                    .await?
                    .is_empty();
                if !taken {
                    return Ok(c);
                }
            }
        }
        Err(P06Error::Refused(
            "hết số hồ sơ trong ngày (no number left for the day)".into(),
        ))
    }

    /// Receive a dossier at a one-stop desk. The applicant's store is looked up first: a
    /// valid, unrevoked result of a required document type marks the component reused, and
    /// the citizen is not asked for it. Returns the dossier as kept and the results reused.
    pub async fn p06_receive(
        &self,
        who: &P06Who,
        mut d: Dossier,
        subject_name: Option<String>,
    ) -> P06Result<(Dossier, Vec<String>)> {
        let acting = self.p06_acting(who, &[d.unit.as_str()]).await;
        if !acting.contains(d.unit.as_str()) {
            let no = Decision::Refused("not an officer of this unit");
            return self
                .p06_refuse(Self::p06_dossier_record(who, &d, &no, "write"))
                .await;
        }
        self.p06_unit_on(&d.unit, d.received).await?;
        if !self
            .store()
            .p06_dossiers(&DossierQuery {
                codes: vec![d.code.clone()],
                ..Default::default()
            })
            .await?
            .is_empty()
        {
            return Err(P06Error::Refused(format!(
                "mã hồ sơ {} đã có (the code is taken)",
                d.code
            )));
        }
        d.status = DossierStatus::Open;
        d.finished = None;
        let mut subjects = Vec::new();
        if self.store().p06_subject(&d.subject).await?.is_none() {
            subjects.push(Subject {
                id: d.subject.clone(),
                name: subject_name.unwrap_or_else(|| format!("Công dân {}", d.subject)),
            });
        }
        let held = self
            .store()
            .p06_results(&ResultQuery {
                subject: Some(d.subject.clone()),
                ..Default::default()
            })
            .await?;
        let reused = rules::apply_reuse(&mut d, &held);
        let unit = Some(d.unit.as_str());
        let ok = Decision::Allowed("one-stop desk");
        let mut log = vec![Self::p06_record(
            who,
            unit,
            &d.subject,
            &ok,
            "write",
            d.code.as_str(),
        )];
        let open = Decision::Allowed("open dossier");
        for r in &reused {
            log.push(Self::p06_record(who, unit, &d.subject, &open, "read", r));
        }
        let w = P06Write {
            subjects,
            dossiers: vec![d.clone()],
            log,
            ..Default::default()
        };
        self.store().p06_save(&w, &who.actor(), false).await?;
        self.p06_refresh(chiso_p06::figures::keys_of([&d]), &who.username)
            .await?;
        Ok((d, reused))
    }

    /// Write a result (by its issuing unit) or a signed scan (by the receiving desk) into the
    /// applicant's store, with its file when one is given; a result may finish the dossier.
    pub async fn p06_add_result(
        &self,
        who: &P06Who,
        dossier: &DossierCode,
        new: NewResult,
        file: Option<Vec<u8>>,
    ) -> P06Result<StoredResult> {
        let mut d = self.p06_dossier(dossier).await?;
        let read = d.clone();
        let issuer = match new.kind {
            ResultKind::Result => new.issuer.clone().unwrap_or_else(|| d.unit.clone()),
            ResultKind::Scan => d.unit.clone(),
        };
        let acting = self
            .p06_acting(who, &[issuer.as_str(), d.unit.as_str()])
            .await;
        let acts_for = |u: &str| acting.contains(u);
        // The competent unit is the receiving one or a unit above it: no other unit puts a
        // result into this dossier.
        let competent = self
            .read()
            .await
            .tree()
            .is_within(d.unit.as_str(), issuer.as_str());
        let decision = match new.kind {
            ResultKind::Result if !competent => {
                Decision::Refused("only the issuing unit writes its result")
            }
            // A result finishes an open dossier only: a finished one keeps its day (and the
            // month its figures count in).
            ResultKind::Result if new.finish.is_some() && d.status != DossierStatus::Open => {
                Decision::Refused("the dossier is no longer open")
            }
            ResultKind::Result => rules::may_write_result(&acts_for, &issuer, &d),
            ResultKind::Scan => rules::may_write_scan(&acts_for, &d, new.signer.is_some()),
        };
        let n = self
            .store()
            .p06_results(&ResultQuery {
                dossiers: vec![d.code.clone()],
                ..Default::default()
            })
            .await?
            .len() as u32
            + 1;
        let code = d.code.result_code(n);
        let rec = Self::p06_record(
            who,
            Some(issuer.as_str()),
            &d.subject,
            &decision,
            "write",
            &code,
        );
        if !decision.allowed() {
            return self.p06_refuse(rec).await;
        }
        let mut files = Vec::new();
        let (mut sha256, mut media_type, mut size) = (None, None, None);
        if let Some(bytes) = file {
            let kind = match rules::check_file(&new.doc_type, &bytes) {
                Ok(k) => k,
                Err(why) => {
                    let mut refused = rec.clone();
                    refused.action = "refused".into();
                    refused.reason = "file refused".into();
                    self.store().p06_log(&[refused]).await?;
                    return Err(P06Error::Refused(why));
                }
            };
            let store = self.p06_files().ok_or_else(|| {
                P06Error::Refused(
                    "máy chủ chưa có nơi lưu tệp (CHISO_FILES_DIR) (no place for files)".into(),
                )
            })?;
            let bytes_len = bytes.len() as i64;
            let sha = tokio::task::spawn_blocking(move || store.put(&bytes))
                .await
                .map_err(|e| StoreError::Corrupt(e.to_string()))?
                .map_err(|e| StoreError::Corrupt(format!("cannot keep the file: {e}")))?;
            files.push(FileMeta {
                sha256: sha.clone(),
                size: bytes_len,
                media_type: kind.to_string(),
            });
            (sha256, media_type, size) = (Some(sha), Some(kind.to_string()), Some(bytes_len));
        } else if rules::is_id_card(&new.doc_type) {
            return Err(P06Error::Refused(
                "Kho không giữ căn cước: thông tin lấy từ CSDL quốc gia về dân cư (identity cards are not kept)".into(),
            ));
        }
        let r = StoredResult {
            code,
            dossier: d.code.clone(),
            subject: d.subject.clone(),
            kind: new.kind,
            doc_type: new.doc_type.clone(),
            name: new.name,
            issuer,
            original_issuer: new.original_issuer,
            number: new.number,
            issued: new.issued,
            valid_until: new.valid_until,
            revoked_at: None,
            revoked_reason: None,
            retain_until: new.retain_until,
            signer: new.signer.map(|s| s.to_lowercase()),
            sha256,
            media_type,
            size,
            link: new.link,
            created_at: Utc::now(),
            created_by: who.username.clone(),
        };
        let mut dossiers = Vec::new();
        if new.kind == ResultKind::Scan {
            for c in d
                .components
                .iter_mut()
                .filter(|c| c.doc_type == new.doc_type)
            {
                c.digitised = true;
            }
            dossiers.push(d.clone());
        }
        if let (ResultKind::Result, Some(day)) = (new.kind, new.finish) {
            self.p06_unit_on(&d.unit, day).await?;
            d.status = DossierStatus::Finished;
            d.finished = Some(day);
            dossiers.push(d.clone());
        }
        let w = P06Write {
            dossiers,
            results: vec![r.clone()],
            files,
            log: vec![rec],
            based_on: vec![read.clone()],
            ..Default::default()
        };
        self.store().p06_save(&w, &who.actor(), false).await?;
        self.p06_refresh(chiso_p06::figures::keys_of([&read, &d]), &who.username)
            .await?;
        Ok(r)
    }

    /// Finish or withdraw a dossier (its desk); only an open dossier is withdrawn.
    pub async fn p06_close(
        &self,
        who: &P06Who,
        dossier: &DossierCode,
        status: DossierStatus,
        day: NaiveDate,
    ) -> P06Result<Dossier> {
        let mut d = self.p06_dossier(dossier).await?;
        let acting = self.p06_acting(who, &[d.unit.as_str()]).await;
        let decision = if !acting.contains(d.unit.as_str()) {
            Decision::Refused("not an officer of this unit")
        } else if status == DossierStatus::Withdrawn && d.status != DossierStatus::Open {
            // Only an open dossier is withdrawn: a finished one keeps its results.
            Decision::Refused("the dossier is no longer open")
        } else {
            Decision::Allowed("one-stop desk")
        };
        let rec = Self::p06_dossier_record(who, &d, &decision, "write");
        if !decision.allowed() {
            return self.p06_refuse(rec).await;
        }
        if status != DossierStatus::Open {
            self.p06_unit_on(&d.unit, day).await?;
        }
        let read = d.clone();
        let before = chiso_p06::figures::keys_of([&d]);
        d.status = status;
        d.finished = (status != DossierStatus::Open).then_some(day);
        let w = P06Write {
            dossiers: vec![d.clone()],
            log: vec![rec],
            based_on: vec![read],
            ..Default::default()
        };
        self.store().p06_save(&w, &who.actor(), false).await?;
        let mut keys = before;
        keys.extend(chiso_p06::figures::keys_of([&d]));
        self.p06_refresh(keys, &who.username).await?;
        Ok(d)
    }

    /// Flag a result expired or cancelled (its issuer); it stays, flagged with the time.
    pub async fn p06_revoke(
        &self,
        who: &P06Who,
        code: &str,
        reason: &str,
    ) -> P06Result<StoredResult> {
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
        let acting = self.p06_acting(who, &[r.issuer.as_str()]).await;
        let decision = rules::may_revoke(&|u: &str| acting.contains(u), &r);
        let rec = Self::p06_record(
            who,
            Some(r.issuer.as_str()),
            &r.subject,
            &decision,
            "write",
            code,
        );
        if !decision.allowed() {
            return self.p06_refuse(rec).await;
        }
        Ok(self
            .store()
            .p06_revoke(code, Utc::now(), reason, &[rec], &who.actor())
            .await?)
    }

    /// The applicant's rating of a finished dossier: once, by the applicant only.
    pub async fn p06_rate(
        &self,
        who: &P06Who,
        dossier: &DossierCode,
        value: RatingValue,
        reason: Option<String>,
    ) -> P06Result<Rating> {
        let d = self.p06_dossier(dossier).await?;
        let rated = !self
            .store()
            .p06_ratings(std::slice::from_ref(&d.code))
            .await?
            .is_empty();
        let decision = rules::may_rate(who.owner.as_ref(), &d, rated);
        let rec = Self::p06_record(who, None, &d.subject, &decision, "write", d.code.as_str());
        if !decision.allowed() {
            return self.p06_refuse(rec).await;
        }
        let rating = Rating {
            dossier: d.code.clone(),
            value,
            reason: reason
                .map(|r| r.trim().chars().take(1000).collect())
                .filter(|r: &String| !r.is_empty()),
            at: chrono::DateTime::<Utc>::from_timestamp_micros(Utc::now().timestamp_micros())
                .unwrap_or_else(Utc::now),
        };
        self.store().p06_rate(&rating, &[rec], &who.actor()).await?;
        self.p06_refresh(chiso_p06::figures::keys_of([&d]), &who.username)
            .await?;
        Ok(rating)
    }

    /// Make an account the owner of a subject's store.
    pub async fn p06_link_owner(
        &self,
        username: &str,
        subject: &SubjectId,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        self.store().p06_link_owner(username, subject, actor).await
    }
}
