//! Project 06's electronic data store: subjects, dossiers, results, ratings, files' metadata
//! and the access log, by role ([`P06Reads`], [`P06Writes`]). Records are kept whole as JSON
//! beside the columns lists filter on; every unit, subject and dossier named is checked in the
//! writing transaction; nothing is deleted. Every write appends to the access log (a hash
//! chain of its own, like the audit log) and to the audit log in the same transaction.

mod files;
mod write;

pub use files::FileStore;

use crate::rows::from_json;
use crate::sql::{stmt, SqlBackend};
use crate::{Actor, AuditCheck, Changes, Result, StoreError};
use async_trait::async_trait;
use chiso_core::Code;
use chiso_p06::{Dossier, DossierCode, DossierStatus, Rating, StoredResult, Subject, SubjectId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Which dossiers to read. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct DossierQuery {
    pub codes: Vec<DossierCode>,
    pub units: Vec<Code>,
    pub subject: Option<SubjectId>,
    /// Received or finished between these days (inclusive).
    pub touching: Option<(NaiveDate, NaiveDate)>,
    pub status: Option<DossierStatus>,
    /// Newest received first (else by code).
    pub newest_first: bool,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Which results to read. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct ResultQuery {
    pub codes: Vec<String>,
    pub dossiers: Vec<DossierCode>,
    pub subject: Option<SubjectId>,
    pub issuer: Option<Code>,
    pub limit: Option<i64>,
}

/// One entry of the access log, before it is chained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AccessRecord {
    pub at: DateTime<Utc>,
    /// The account (or `demo`, `import`).
    pub actor: String,
    pub via: String,
    /// The unit the account acted for, when an agency.
    pub unit: Option<String>,
    /// Whose store.
    pub subject: String,
    /// `read`, `write` or `refused`.
    pub action: String,
    /// What was read or written: `store`, a dossier's or a result's code, `export`…
    pub entity: String,
    /// Why it was allowed or refused (the rule's answer).
    pub reason: String,
}

/// An entry of the access log as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AccessEntry {
    pub id: i64,
    #[serde(flatten)]
    pub record: AccessRecord,
}

/// Which access-log entries to read, newest first.
#[derive(Debug, Clone, Default)]
pub struct AccessQuery {
    pub subject: Option<SubjectId>,
    pub entity: Option<String>,
    pub limit: Option<i64>,
}

/// A kept file's metadata (the file lies on disk, named by its SHA-256).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FileMeta {
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
}

/// What one write of the store holds: all of it is written, or nothing.
#[derive(Debug, Clone, Default)]
pub struct P06Write {
    pub subjects: Vec<Subject>,
    pub dossiers: Vec<Dossier>,
    pub results: Vec<StoredResult>,
    pub files: Vec<FileMeta>,
    /// Applicants' ratings of finished dossiers (in the batch or stored); a dossier already
    /// rated keeps its rating (a rating is given once).
    pub ratings: Vec<Rating>,
    /// The access-log entries of this write (and of the reads that led to it).
    pub log: Vec<AccessRecord>,
    /// The dossiers as they were read when this write was decided: the write is refused,
    /// nothing written, when one of them changed meanwhile (another desk finished, withdrew
    /// or digitised it) — so that no write overwrites another with a stale copy.
    pub based_on: Vec<Dossier>,
}

/// The hash of one access-log entry, chained to the previous entry's hash (each field with
/// its length first, as [`crate::audit_hash`] does).
pub fn access_hash(prev: &str, r: &AccessRecord) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let at = r.at.timestamp_micros().to_string();
    for f in [
        Some(prev),
        Some(at.as_str()),
        Some(r.actor.as_str()),
        Some(r.via.as_str()),
        r.unit.as_deref(),
        Some(r.subject.as_str()),
        Some(r.action.as_str()),
        Some(r.entity.as_str()),
        Some(r.reason.as_str()),
    ] {
        match f {
            None => h.update(b"-;"),
            Some(s) => {
                h.update(itoa::Buffer::new().format(s.len()).as_bytes());
                h.update(b":");
                h.update(s.as_bytes());
                h.update(b";");
            }
        }
    }
    hex::encode(h.finalize())
}

/// The store's records: reads.
#[async_trait]
pub trait P06Reads: Send + Sync {
    async fn p06_subject(&self, id: &SubjectId) -> Result<Option<Subject>>;
    /// Subjects whose id or name holds `search` (all when empty), at most `limit`.
    async fn p06_subjects(&self, search: &str, limit: i64) -> Result<Vec<Subject>>;
    /// The subject an account is the owner of.
    async fn p06_owner_of(&self, username: &str) -> Result<Option<SubjectId>>;
    async fn p06_dossiers(&self, q: &DossierQuery) -> Result<Vec<Dossier>>;
    async fn p06_results(&self, q: &ResultQuery) -> Result<Vec<StoredResult>>;
    /// The ratings of these dossiers (all when empty).
    async fn p06_ratings(&self, dossiers: &[DossierCode]) -> Result<Vec<Rating>>;
    async fn p06_access_log(&self, q: &AccessQuery) -> Result<Vec<AccessEntry>>;
    /// Walk the access log's chain and report the first entry that breaks it.
    async fn p06_verify_access(&self) -> Result<AuditCheck>;
    async fn p06_file_meta(&self, sha256: &str) -> Result<Option<FileMeta>>;
    /// Where the files are kept: beside a SQLite database (`p06-files/`); for PostgreSQL
    /// the directory `CHISO_FILES_DIR` names (none without it: files are refused).
    fn p06_files(&self) -> Option<FileStore>;
}

/// The store's records: writes.
#[async_trait]
pub trait P06Writes: P06Reads {
    /// Insert or update subjects and dossiers and insert results, checked whole (units,
    /// subjects and dossiers named must exist; a dossier keeps its subject, unit and day; a
    /// stored result never changes), with the write's access-log entries and an audit row per
    /// record (one row for 1,000 and more). With `dry_run`, everything is checked and counted,
    /// then nothing is written.
    async fn p06_save(&self, w: &P06Write, actor: &Actor, dry_run: bool) -> Result<Changes>;
    /// Make an account the owner of a subject's store.
    async fn p06_link_owner(
        &self,
        username: &str,
        subject: &SubjectId,
        actor: &Actor,
    ) -> Result<()>;
    /// Flag a result expired or cancelled (never deleted); refused when it already is.
    async fn p06_revoke(
        &self,
        code: &str,
        at: DateTime<Utc>,
        reason: &str,
        log: &[AccessRecord],
        actor: &Actor,
    ) -> Result<StoredResult>;
    /// Keep a rating; a second rating of the same dossier is refused in the transaction.
    async fn p06_rate(&self, r: &Rating, log: &[AccessRecord], actor: &Actor) -> Result<()>;
    /// Append entries to the access log (reads, refusals).
    async fn p06_log(&self, log: &[AccessRecord]) -> Result<()>;
}

/// Where a backend keeps the store's files.
pub(crate) trait FilesDir {
    fn files_dir(&self) -> Option<std::path::PathBuf>;
}

/// The one place that says where the electronic data store's files (Project 06) live for a
/// database: beside a SQLite file `DIR/NAME.db`, the directory `DIR/NAME-p06-files/`; for
/// PostgreSQL, the directory the environment variable `CHISO_FILES_DIR` names. None for a
/// database in memory, a PostgreSQL database without `CHISO_FILES_DIR` (files are then
/// refused), or a URL that is neither. A backup of the database should copy this directory.
pub fn p06_files_dir(database_url: &str) -> Option<std::path::PathBuf> {
    use std::str::FromStr;
    if database_url.starts_with("sqlite:") {
        let opts = sqlx::sqlite::SqliteConnectOptions::from_str(database_url).ok()?;
        FileStore::beside(opts.get_filename())
    } else if database_url.starts_with("postgres:") || database_url.starts_with("postgresql:") {
        std::env::var_os("CHISO_FILES_DIR").map(std::path::PathBuf::from)
    } else {
        None
    }
}

impl FilesDir for crate::SqliteStore {
    fn files_dir(&self) -> Option<std::path::PathBuf> {
        FileStore::beside(self.pool.connect_options().get_filename())
    }
}

impl FilesDir for crate::PgStore {
    fn files_dir(&self) -> Option<std::path::PathBuf> {
        p06_files_dir("postgres:")
    }
}

pub(crate) fn dossier_of(def: &str) -> Result<Dossier> {
    from_json(def, "dossier")
}

pub(crate) fn result_of(def: &str) -> Result<StoredResult> {
    from_json(def, "result")
}

fn in_list<T: AsRef<str>>(b: &mut crate::sql::Sql, column: &str, items: &[T]) {
    if items.is_empty() {
        return;
    }
    b.push(format!(" AND {column} IN ("));
    let mut s = b.separated(", ");
    for i in items {
        s.push_bind(i.as_ref());
    }
    b.push(")");
}

#[async_trait]
impl<B: SqlBackend + FilesDir> P06Reads for B {
    async fn p06_subject(&self, id: &SubjectId) -> Result<Option<Subject>> {
        let r = stmt("SELECT id, name FROM p06_subjects WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(self)
            .await?;
        r.map(|r| subject_of(&r)).transpose()
    }

    async fn p06_subjects(&self, search: &str, limit: i64) -> Result<Vec<Subject>> {
        let like = format!("%{}%", search.to_lowercase().replace(['%', '_', '\\'], ""));
        stmt("SELECT id, name FROM p06_subjects WHERE lower(id) LIKE $1 OR lower(name) LIKE $1 ORDER BY id LIMIT $2")
            .bind(like)
            .bind(limit.clamp(0, 10_000))
            .fetch_all(self)
            .await?
            .iter()
            .map(subject_of)
            .collect()
    }

    async fn p06_owner_of(&self, username: &str) -> Result<Option<SubjectId>> {
        let s: Option<String> =
            crate::sql::scalar("SELECT subject FROM p06_owner_accounts WHERE username = $1")
                .bind(username)
                .fetch_optional(self)
                .await?;
        s.map(|s| SubjectId::parse(&s).map_err(StoreError::Corrupt))
            .transpose()
    }

    async fn p06_dossiers(&self, q: &DossierQuery) -> Result<Vec<Dossier>> {
        let mut b = stmt("SELECT definition FROM p06_dossiers WHERE 1 = 1");
        in_list(
            &mut b,
            "code",
            &q.codes.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        );
        in_list(
            &mut b,
            "unit",
            &q.units.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        );
        if let Some(s) = &q.subject {
            b.push(" AND subject = ").push_bind(s.as_str());
        }
        if let Some(s) = &q.status {
            b.push(" AND status = ").push_bind(s.as_str());
        }
        if let Some((from, to)) = q.touching {
            b.push(" AND ((received >= ").push_bind(from);
            b.push(" AND received <= ").push_bind(to);
            b.push(") OR (finished >= ").push_bind(from);
            b.push(" AND finished <= ").push_bind(to);
            b.push("))");
        }
        b.push(if q.newest_first {
            " ORDER BY received DESC, code DESC"
        } else {
            " ORDER BY code"
        });
        if let Some(l) = q.limit {
            b.push(" LIMIT ").push_bind(l.clamp(0, 1_000_000));
            if let Some(o) = q.offset {
                b.push(" OFFSET ").push_bind(o.max(0));
            }
        }
        b.fetch_all(self)
            .await?
            .iter()
            .map(|r| dossier_of(&r.get::<String>("definition")?))
            .collect()
    }

    async fn p06_results(&self, q: &ResultQuery) -> Result<Vec<StoredResult>> {
        let mut b = stmt("SELECT definition FROM p06_results WHERE 1 = 1");
        in_list(&mut b, "code", &q.codes);
        in_list(
            &mut b,
            "dossier",
            &q.dossiers.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        );
        if let Some(s) = &q.subject {
            b.push(" AND subject = ").push_bind(s.as_str());
        }
        if let Some(i) = &q.issuer {
            b.push(" AND issuer = ").push_bind(i.as_str());
        }
        b.push(" ORDER BY code");
        if let Some(l) = q.limit {
            b.push(" LIMIT ").push_bind(l.clamp(0, 1_000_000));
        }
        b.fetch_all(self)
            .await?
            .iter()
            .map(|r| result_of(&r.get::<String>("definition")?))
            .collect()
    }

    async fn p06_ratings(&self, dossiers: &[DossierCode]) -> Result<Vec<Rating>> {
        let mut out = Vec::new();
        let codes: Vec<&str> = dossiers.iter().map(|d| d.as_str()).collect();
        let chunks: Vec<&[&str]> = if codes.is_empty() {
            vec![&[]]
        } else {
            codes.chunks(500).collect()
        };
        for chunk in chunks {
            let mut b =
                stmt("SELECT dossier, value, reason, rated_at FROM p06_ratings WHERE 1 = 1");
            in_list(&mut b, "dossier", chunk);
            b.push(" ORDER BY dossier");
            for r in b.fetch_all(self).await? {
                let value: String = r.get("value")?;
                out.push(Rating {
                    dossier: DossierCode::parse(&r.get::<String>("dossier")?)
                        .map_err(StoreError::Corrupt)?,
                    value: chiso_p06::RatingValue::parse(&value)
                        .ok_or_else(|| StoreError::Corrupt(format!("rating '{value}'")))?,
                    reason: r.get("reason")?,
                    at: r.get("rated_at")?,
                });
            }
        }
        Ok(out)
    }

    async fn p06_access_log(&self, q: &AccessQuery) -> Result<Vec<AccessEntry>> {
        let mut b = stmt(
            "SELECT id, at, actor, via, unit, subject, action, entity, reason FROM p06_access_log WHERE 1 = 1",
        );
        if let Some(s) = &q.subject {
            b.push(" AND subject = ").push_bind(s.as_str());
        }
        if let Some(e) = &q.entity {
            b.push(" AND entity = ").push_bind(e.clone());
        }
        b.push(" ORDER BY id DESC LIMIT ")
            .push_bind(q.limit.unwrap_or(500).clamp(0, 100_000));
        b.fetch_all(self)
            .await?
            .iter()
            .map(|r| {
                Ok(AccessEntry {
                    id: r.get("id")?,
                    record: access_of(r)?,
                })
            })
            .collect()
    }

    async fn p06_verify_access(&self) -> Result<AuditCheck> {
        let mut prev = String::new();
        let (mut n, mut after) = (0u64, 0i64);
        loop {
            let rows = stmt(
                "SELECT id, at, actor, via, unit, subject, action, entity, reason, prev_hash, hash \
                 FROM p06_access_log WHERE id > $1 ORDER BY id LIMIT 10000",
            )
            .bind(after)
            .fetch_all(self)
            .await?;
            let Some(last) = rows.last() else { break };
            after = last.get("id")?;
            for r in &rows {
                n += 1;
                let id: i64 = r.get("id")?;
                if r.get::<String>("prev_hash")? != prev {
                    return Ok(AuditCheck {
                        rows: n,
                        broken: Some((id, "the link to the previous entry does not match: an entry before it was removed, added or edited".into())),
                        ..Default::default()
                    });
                }
                let expect = access_hash(&prev, &access_of(r)?);
                let hash: String = r.get("hash")?;
                if hash != expect {
                    return Ok(AuditCheck {
                        rows: n,
                        broken: Some((id, "the entry was edited after it was written".into())),
                        ..Default::default()
                    });
                }
                prev = hash;
            }
        }
        Ok(AuditCheck {
            rows: n,
            ..Default::default()
        })
    }

    async fn p06_file_meta(&self, sha256: &str) -> Result<Option<FileMeta>> {
        let r = stmt("SELECT sha256, size, media_type FROM p06_files WHERE sha256 = $1")
            .bind(sha256)
            .fetch_optional(self)
            .await?;
        r.map(|r| {
            Ok(FileMeta {
                sha256: r.get("sha256")?,
                size: r.get("size")?,
                media_type: r.get("media_type")?,
            })
        })
        .transpose()
    }

    fn p06_files(&self) -> Option<FileStore> {
        self.files_dir().map(FileStore::new)
    }
}

fn subject_of<B: SqlBackend>(r: &crate::sql::Row<B>) -> Result<Subject> {
    Ok(Subject {
        id: SubjectId::parse(&r.get::<String>("id")?).map_err(StoreError::Corrupt)?,
        name: r.get("name")?,
    })
}

fn access_of<B: SqlBackend>(r: &crate::sql::Row<B>) -> Result<AccessRecord> {
    let at: DateTime<Utc> = r.get("at")?;
    Ok(AccessRecord {
        at,
        actor: r.get("actor")?,
        via: r.get("via")?,
        unit: r.get("unit")?,
        subject: r.get("subject")?,
        action: r.get("action")?,
        entity: r.get("entity")?,
        reason: r.get("reason")?,
    })
}
