//! `chiso restore`: a backup checked whole (its manifest, the database file's size and
//! SHA-256, the store's files) and verified against the audit head it recorded *before* it
//! replaces anything. SQLite: the copy is verified under a temporary name, the current file
//! kept beside it, then renamed into place, with no server running (the serve lock is held).
//! PostgreSQL: `pg_restore` in one transaction, then the same verification.

use super::{hash_file, pg, single_file, sync_dir, Manifest, FILES_DIR, FORMAT, MANIFEST};
use super::{PG_FILE, SQLITE_FILE};
use anyhow::{bail, Context};
use chiso_store::FileStore;
use std::path::{Path, PathBuf};

/// Restore a backup taken by `chiso backup`, verified against the audit head it recorded before
/// anything is replaced.
#[derive(clap::Args)]
pub(crate) struct RestoreArgs {
    /// The backup directory, as `chiso backup` wrote it.
    from: PathBuf,
    /// Where to restore: sqlite://PATH or postgres://USER@HOST:PORT/DATABASE.
    #[arg(
        long,
        env = "CHISO_DATABASE_URL",
        default_value = "sqlite://chiso-data/chiso.db"
    )]
    database: String,
    /// Replace a database that exists. SQLite: the current file is kept beside it as
    /// FILE.before-restore-TIME; PostgreSQL: chiso's tables are dropped in the same transaction
    /// as the restore.
    #[arg(long)]
    replace: bool,
}

pub(crate) async fn run_restore(a: RestoreArgs) -> anyhow::Result<()> {
    let m = read_manifest(&a.from)?;
    let expect = m
        .audit_head
        .as_deref()
        .map(crate::anchor::parse_head)
        .transpose()
        .with_context(|| format!("{}: audit_head", a.from.join(MANIFEST).display()))?
        .map(|(seq, hash)| crate::anchor::Expected {
            seq,
            hash,
            from: Some("the backup's manifest".into()),
        });
    let (target, kept, files, verified) =
        if let Some(path) = crate::serve_lock::sqlite_file(&a.database) {
            same_backend(&m, "sqlite", &a.database)?;
            let (kept, files, verified) = sqlite(&a, &m, &path, expect.as_ref()).await?;
            (path.display().to_string(), kept, files, verified)
        } else if a.database.starts_with("postgres://") || a.database.starts_with("postgresql://") {
            same_backend(&m, "postgres", &a.database)?;
            let (files, verified) = postgres(&a, &m, expect.as_ref()).await?;
            (pg::without_password(&a.database), None, files, verified)
        } else {
            bail!(
                "'{}': use sqlite://PATH or postgres://USER@HOST:PORT/DATABASE",
                a.database
            );
        };
    println!(
        "Đã khôi phục / restored {} (taken {} by chiso {}) → {target}",
        a.from.display(),
        m.taken_at.format("%Y-%m-%d %H:%M:%S UTC"),
        m.chiso_version
    );
    if let Some(kept) = kept {
        println!("  the database it replaced is kept as {}", kept.display());
    }
    println!("  files of the data store: {files}");
    println!("{verified}");
    println!(
        "If an audit head was recorded outside the database after this backup, check it now: \
         chiso audit verify --expect SEQ:HASH (an older backup fails it, saying so)."
    );
    Ok(())
}

/// The manifest, and the backup checked against it: the database file whole (size, SHA-256)
/// and as many of the store's files as it records.
pub(crate) fn read_manifest(dir: &Path) -> anyhow::Result<Manifest> {
    let path = dir.join(MANIFEST);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "{}: không có {MANIFEST} / there is no {MANIFEST}: this is not a backup chiso took \
             (or one that never finished)",
            dir.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let m: Manifest = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a manifest", path.display()))?;
    if m.format != FORMAT {
        bail!(
            "{}: format '{}' is not {FORMAT}, the format this release reads",
            path.display(),
            m.format
        );
    }
    let expected_file = match m.backend.as_str() {
        "sqlite" => SQLITE_FILE,
        "postgres" => PG_FILE,
        other => bail!("{}: unknown backend '{other}'", path.display()),
    };
    if m.database_file != expected_file {
        bail!(
            "{}: database_file is '{}', a {} backup holds '{expected_file}'",
            path.display(),
            m.database_file,
            m.backend
        );
    }
    let db = dir.join(expected_file);
    if !db.is_file() {
        bail!(
            "bản sao lưu không đủ / the backup is incomplete: {} is missing",
            db.display()
        );
    }
    let (bytes, sha) = hash_file(&db)?;
    if bytes != m.database_bytes {
        bail!(
            "bản sao lưu bị hỏng / the backup is damaged: {} is {bytes} bytes, the manifest \
             records {} — nothing was restored",
            db.display(),
            m.database_bytes
        );
    }
    if sha != m.database_sha256 {
        bail!(
            "bản sao lưu bị hỏng / the backup is damaged: the SHA-256 of {} is not the one its \
             manifest records — nothing was restored",
            db.display()
        );
    }
    if m.files > 0 {
        let found = FileStore::new(dir.join(FILES_DIR))
            .list()
            .with_context(|| format!("cannot read {}", dir.join(FILES_DIR).display()))?
            .len();
        if found != m.files {
            bail!(
                "bản sao lưu không đủ / the backup is incomplete: {} holds {found} files, the \
                 manifest records {} — nothing was restored",
                dir.join(FILES_DIR).display(),
                m.files
            );
        }
    }
    Ok(m)
}

fn same_backend(m: &Manifest, backend: &str, url: &str) -> anyhow::Result<()> {
    if m.backend != backend {
        bail!(
            "this backup is of a {} database and cannot be restored into {url}: restore it into \
             a {} database (to move data between backends, use chiso export and chiso import)",
            m.backend,
            m.backend
        );
    }
    Ok(())
}

fn with_suffix(p: &Path, suffix: &str) -> PathBuf {
    let mut s = p.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// SQLite: the copy verified under a temporary name beside the target, the store's files
/// added, the current file (with its write-ahead log) kept aside, the copy renamed into place.
async fn sqlite(
    a: &RestoreArgs,
    m: &Manifest,
    path: &Path,
    expect: Option<&crate::anchor::Expected>,
) -> anyhow::Result<(Option<PathBuf>, usize, String)> {
    let _lock = crate::serve_lock::acquire(&a.database, "chiso restore")?;
    if path.exists() && !a.replace {
        bail!(
            "{} đã có / already exists: nothing was restored. Pass --replace to replace it (the \
             current file is then kept beside it as {}.before-restore-TIME)",
            path.display(),
            path.display()
        );
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let tmp = with_suffix(path, &format!(".restoring-{}", std::process::id()));
    let clean = |p: &Path| {
        for s in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(with_suffix(p, s));
        }
    };
    clean(&tmp);
    std::fs::copy(a.from.join(SQLITE_FILE), &tmp)
        .with_context(|| format!("cannot copy the backup to {}", tmp.display()))?;
    let checked = async {
        let store = crate::open(&format!("sqlite://{}", tmp.display())).await?;
        let v =
            crate::audit::verify(store.as_ref(), expect.map_or(&[], std::slice::from_ref)).await;
        store.close().await;
        let v = v?;
        single_file(&tmp)?;
        std::fs::File::open(&tmp).and_then(|f| f.sync_all())?;
        Ok::<_, anyhow::Error>(v)
    }
    .await;
    let verified = match checked {
        Ok(v) => v,
        Err(e) => {
            clean(&tmp);
            bail!("the backup does not verify, nothing was restored: {e:#}");
        }
    };
    let files = if m.files > 0 {
        let copied = FileStore::beside(path)
            .ok_or_else(|| anyhow::anyhow!("{}: no directory for the files", path.display()))
            .and_then(|to| {
                FileStore::new(a.from.join(FILES_DIR))
                    .copy_to(&to)
                    .with_context(|| {
                        format!("cannot copy the data store's files to {}", to.display())
                    })
            });
        match copied {
            Ok(n) => n,
            Err(e) => {
                clean(&tmp);
                return Err(e);
            }
        }
    } else {
        0
    };
    let kept = if path.exists() {
        let aside = with_suffix(
            path,
            &format!(
                ".before-restore-{}",
                chrono::Utc::now().format("%Y%m%dT%H%M%SZ")
            ),
        );
        // The file and its write-ahead log move together, so the copy kept is whole.
        for s in ["", "-wal", "-shm"] {
            let from = with_suffix(path, s);
            if from.exists() {
                std::fs::rename(&from, with_suffix(&aside, s))
                    .with_context(|| format!("cannot move {} aside", from.display()))?;
            }
        }
        Some(aside)
    } else {
        None
    };
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        sync_dir(dir);
    }
    Ok((kept, files, verified))
}

/// PostgreSQL: `pg_restore` in one transaction, then the audit log verified against the head.
async fn postgres(
    a: &RestoreArgs,
    m: &Manifest,
    expect: Option<&crate::anchor::Expected>,
) -> anyhow::Result<(usize, String)> {
    if m.files > 0 && std::env::var_os("CHISO_FILES_DIR").is_none() {
        bail!(
            "the backup holds {} files of the electronic data store: set CHISO_FILES_DIR to the \
             directory the servers use for them — nothing was restored",
            m.files
        );
    }
    pg::restore(&a.database, &a.from.join(PG_FILE), a.replace).await?;
    let store = crate::open(&a.database).await?;
    let verified =
        crate::audit::verify(store.as_ref(), expect.map_or(&[], std::slice::from_ref)).await;
    let files_dir = store.p06_files();
    store.close().await;
    let verified = verified.context("restored, but the audit log does not verify")?;
    let mut files = 0;
    if m.files > 0 {
        if let Some(to) = files_dir {
            files = FileStore::new(a.from.join(FILES_DIR))
                .copy_to(to.dir())
                .with_context(|| {
                    format!(
                        "cannot copy the data store's files to {}",
                        to.dir().display()
                    )
                })?;
        }
    }
    Ok((files, verified))
}
