//! `chiso backup` and `chiso restore`: a consistent copy of a live database, with the files of
//! the electronic data store (Project 06) and a manifest recording the audit log's head, and
//! its return, checked against that head before it replaces anything.
//!
//! A backup is a directory: the database (`database.db`, SQLite's online copy `VACUUM INTO`,
//! which holds every committed write, those still in the write-ahead log included; or
//! `database.pgdump`, `pg_dump`'s custom format taken in a snapshot exported by chiso), the
//! store's files (`p06-files/`, content-addressed, each checked against its hash) and
//! `manifest.json`: what was copied, its size and SHA-256, and the audit head read *in the
//! copy*. It is written under a temporary name and renamed when whole, so a backup directory
//! is complete or absent.

use anyhow::{bail, Context};
use chiso_store::AuditReads as _;
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::{Path, PathBuf};

mod pg;
mod restore;
pub(crate) mod schedule;

pub(crate) use restore::{run_restore, RestoreArgs};

/// The manifest's format; a backup of another format is refused.
pub(crate) const FORMAT: &str = "chiso-backup/1";
pub(crate) const MANIFEST: &str = "manifest.json";
const SQLITE_FILE: &str = "database.db";
const PG_FILE: &str = "database.pgdump";
const FILES_DIR: &str = "p06-files";

/// Take a consistent backup of a live database — the database, the data store's files and a
/// manifest recording the audit head — into a new directory.
#[derive(clap::Args)]
pub(crate) struct BackupArgs {
    /// The directory to create (it must not exist, or be empty).
    #[arg(long, short)]
    to: PathBuf,
    #[arg(
        long,
        env = "CHISO_DATABASE_URL",
        default_value = "sqlite://chiso-data/chiso.db"
    )]
    database: String,
}

/// What a backup holds, written beside it as `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Manifest {
    pub format: String,
    /// The chiso release that took it.
    pub chiso_version: String,
    /// `sqlite` or `postgres`.
    pub backend: String,
    pub taken_at: chrono::DateTime<chrono::Utc>,
    /// The database backed up (a PostgreSQL URL without its password).
    pub source: String,
    /// The database's file in the backup directory.
    pub database_file: String,
    pub database_bytes: u64,
    pub database_sha256: String,
    /// The audit log's head in the copy, `SEQ:HASH` (none when the log is empty).
    pub audit_head: Option<String>,
    /// Data values in the copy.
    pub data_values: i64,
    /// The electronic data store's files copied (in `p06-files/`).
    pub files: usize,
}

pub(crate) async fn run_backup(a: BackupArgs) -> anyhow::Result<()> {
    let m = take(&a.database, &a.to).await?;
    println!("Đã sao lưu / backed up {} → {}", m.source, a.to.display());
    println!(
        "  {}: {} bytes, {} data values; files of the data store: {}",
        m.database_file, m.database_bytes, m.data_values, m.files
    );
    match &m.audit_head {
        Some(h) => println!("  audit head: {h}  (also in {MANIFEST})"),
        None => println!("  audit head: none (the audit log is empty)"),
    }
    Ok(())
}

/// Take a backup of `url` into the new directory `dest`.
pub(crate) async fn take(url: &str, dest: &Path) -> anyhow::Result<Manifest> {
    if dest.exists() {
        let empty = std::fs::read_dir(dest)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty {
            bail!(
                "{} đã có / already exists and is not an empty directory: a backup goes into a \
                 new directory",
                dest.display()
            );
        }
    }
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .ok_or_else(|| anyhow::anyhow!("{}: not a directory name", dest.display()))?;
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let tmp = parent.join(format!(".{name}.partial-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    match fill(url, &tmp).await {
        Ok(m) => {
            if dest.exists() {
                std::fs::remove_dir(dest)
                    .with_context(|| format!("cannot replace the empty {}", dest.display()))?;
            }
            std::fs::rename(&tmp, dest).with_context(|| {
                format!("cannot rename {} to {}", tmp.display(), dest.display())
            })?;
            sync_dir(&parent);
            Ok(m)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(e)
        }
    }
}

/// Copy the database and the store's files into `dir`, then write the manifest.
async fn fill(url: &str, dir: &Path) -> anyhow::Result<Manifest> {
    let (backend, database_file, head, data_values, files_dir, source) = if let Some(path) =
        crate::serve_lock::sqlite_file(url)
    {
        if !path.is_file() {
            bail!(
                "không có cơ sở dữ liệu / there is no database at {}: nothing to back up",
                path.display()
            );
        }
        let out = dir.join(SQLITE_FILE);
        let store = chiso_store::SqliteStore::open(url)
            .await
            .with_context(|| format!("cannot open the database {url}"))?;
        let copied = store.backup_to(&out).await;
        store.close().await;
        copied.with_context(|| format!("cannot copy {} to {}", path.display(), out.display()))?;
        let (head, values) = read_copy(&out).await?;
        (
            "sqlite",
            SQLITE_FILE,
            head,
            values,
            chiso_store::FileStore::beside(&path),
            std::fs::canonicalize(&path)
                .unwrap_or_else(|_| path.clone())
                .display()
                .to_string(),
        )
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let out = dir.join(PG_FILE);
        let store = chiso_store::PgStore::open(url)
            .await
            .with_context(|| format!("cannot open the database {}", pg::without_password(url)))?;
        let snapshot = store.export_snapshot().await?;
        let dumped = pg::dump(url, &out, &snapshot.id).await;
        let (head, values) = (snapshot.head.clone(), snapshot.data_values);
        let ended = snapshot.end().await;
        store.close().await;
        dumped?;
        ended?;
        (
            "postgres",
            PG_FILE,
            head,
            values,
            std::env::var_os("CHISO_FILES_DIR").map(PathBuf::from),
            pg::without_password(url),
        )
    } else {
        bail!("'{url}': use sqlite://PATH or postgres://USER@HOST:PORT/DATABASE");
    };
    // The files after the database: every file a record of the copy names was written before
    // that record was committed, so it is here.
    let files = match files_dir.filter(|d| d.is_dir()) {
        Some(src) => chiso_store::FileStore::new(src.clone())
            .copy_to(&dir.join(FILES_DIR))
            .with_context(|| {
                format!("cannot copy the data store's files from {}", src.display())
            })?,
        None => 0,
    };
    let db = dir.join(database_file);
    let (database_bytes, database_sha256) = hash_file(&db)?;
    sync_file(&db)?;
    let m = Manifest {
        format: FORMAT.into(),
        chiso_version: env!("CARGO_PKG_VERSION").into(),
        backend: backend.into(),
        taken_at: chrono::Utc::now(),
        source,
        database_file: database_file.into(),
        database_bytes,
        database_sha256,
        audit_head: head.map(|(seq, hash)| format!("{seq}:{hash}")),
        data_values,
        files,
    };
    let path = dir.join(MANIFEST);
    std::fs::write(&path, serde_json::to_string_pretty(&m)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    sync_file(&path)?;
    sync_dir(dir);
    Ok(m)
}

/// The audit head and the number of data values of a SQLite copy, read from the copy itself;
/// the copy is left as one file (its write-ahead log folded in and removed).
async fn read_copy(db: &Path) -> anyhow::Result<(Option<(i64, String)>, i64)> {
    use chiso_store::Store;
    let copy: std::sync::Arc<dyn Store> = std::sync::Arc::new(
        chiso_store::SqliteStore::open_path(db)
            .await
            .with_context(|| format!("cannot read the copy {}", db.display()))?,
    );
    let head = copy.audit_hash_at(None).await;
    let counts = copy.counts().await;
    copy.close().await;
    single_file(db)?;
    Ok((head?, counts?.data_values))
}

/// After its connections are closed a SQLite file stands alone: fail if a write-ahead log with
/// content is still beside it; remove empty leftovers.
pub(crate) fn single_file(db: &Path) -> anyhow::Result<()> {
    for suffix in ["-wal", "-shm"] {
        let mut name = db.as_os_str().to_os_string();
        name.push(suffix);
        let side = PathBuf::from(name);
        match std::fs::metadata(&side) {
            Ok(m) if suffix == "-wal" && m.len() > 0 => bail!(
                "{} still has a write-ahead log ({} bytes) after closing: the copy is not one file",
                db.display(),
                m.len()
            ),
            Ok(_) => std::fs::remove_file(&side)
                .with_context(|| format!("cannot remove {}", side.display()))?,
            Err(_) => {}
        }
    }
    Ok(())
}

/// A file's size and SHA-256, read in blocks.
pub(crate) fn hash_file(path: &Path) -> anyhow::Result<(u64, String)> {
    use sha2::{Digest, Sha256};
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        let k = f
            .read(&mut buf)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((n, hex::encode(h.finalize())))
}

fn sync_file(path: &Path) -> anyhow::Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot flush {} to disk", path.display()))
}

/// Flush a directory's entries (a rename) to disk; best effort where the OS cannot.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}
