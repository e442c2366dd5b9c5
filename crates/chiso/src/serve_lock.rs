//! One server per SQLite file. `chiso serve` (and `chiso demo` when it serves) holds an OS lock
//! on a small file beside the database, `FILE-serve.lock`, for as long as it runs; a second
//! server on the same file is refused, naming the file and the process holding it. The lock is
//! the kernel's (`flock`): it ends with the process, however that ends (kill -9 included), so
//! a stale file never blocks a start. Command-line tools that write (imports, accounts) do not
//! take it: SQLite orders their writes with the server's and the server follows them.
//! `chiso restore` takes it too, so no server starts on a database being replaced.

use anyhow::{bail, Context};
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The lock held; released when dropped (or when the process ends).
pub(crate) struct ServeLock {
    _file: File,
}

/// The lock file of a SQLite database file.
pub(crate) fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push("-serve.lock");
    PathBuf::from(name)
}

/// The database file a `sqlite://` URL names; none for PostgreSQL and in-memory databases.
pub(crate) fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && !path.contains(":memory:")).then(|| PathBuf::from(path))
}

/// Take the lock for `chiso COMMAND` serving `url` on `listen`.
pub(crate) fn serving(url: &str, command: &str, listen: &str) -> anyhow::Result<Option<ServeLock>> {
    acquire(url, &format!("chiso {command}, listening on {listen}"))
}

/// Take the lock of the SQLite database `url` names (nothing to take for PostgreSQL, where
/// several servers may run), recording who holds it: `what` (e.g. "chiso serve, listening on
/// 127.0.0.1:8080"). Refused, with the holder named, when another process holds it.
pub(crate) fn acquire(url: &str, what: &str) -> anyhow::Result<Option<ServeLock>> {
    let Some(db) = sqlite_file(url) else {
        return Ok(None);
    };
    if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let path = lock_path(&db);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))?;
    if !try_lock(&file).with_context(|| format!("cannot lock {}", path.display()))? {
        let mut holder = String::new();
        let _ = file.read_to_string(&mut holder);
        let holder = holder.trim();
        bail!(
            "cơ sở dữ liệu {db} đang được một tiến trình chiso khác phục vụ / the database {db} is \
             already in use by another chiso process ({holder}); two servers on one SQLite file \
             are refused. Stop that process first, or run several servers on PostgreSQL \
             (docs/deploy.md). The lock is {lock}.",
            db = db.display(),
            holder = if holder.is_empty() {
                "process unknown"
            } else {
                holder
            },
            lock = path.display(),
        );
    }
    let note = format!(
        "process {}, {what}, since {}",
        std::process::id(),
        chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC")
    );
    file.set_len(0)?;
    file.rewind()?;
    file.write_all(note.as_bytes())?;
    file.flush()?;
    Ok(Some(ServeLock { _file: file }))
}

/// Take an exclusive lock without waiting: false when another process holds it.
#[cfg(unix)]
fn try_lock(file: &File) -> std::io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a descriptor this function borrows for the call; no memory is shared.
    let r = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if r == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    if e.kind() == std::io::ErrorKind::WouldBlock {
        Ok(false)
    } else {
        Err(e)
    }
}

/// Elsewhere than Unix no lock is taken (chiso is deployed on Linux).
#[cfg(not(unix))]
fn try_lock(_file: &File) -> std::io::Result<bool> {
    Ok(true)
}
