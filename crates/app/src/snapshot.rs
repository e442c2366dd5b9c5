//! Starting from the engine's snapshot (see `chiso_engine`'s snapshot format): the values as
//! they stood after one audit row, written by `chiso engine-snapshot` and by the server, read
//! back at start when that row still stands in the database's audit chain with the same hash —
//! then the rows after it are applied exactly as the follower applies other servers' writes
//! ([`Live::sync`]). Anything wrong with the snapshot and the engine is loaded from the
//! database as without one, and the reason is logged: figures never differ from the database.

use crate::live::{input_from, Live};
use anyhow::{bail, Context};
use chiso_engine::{Engine, SnapshotHead, SnapshotReader};
use chiso_store::{Store, StoreError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the engine came from at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded {
    /// From the snapshot reflecting audit row `seq`, then `applied` audit rows after it.
    Snapshot { seq: i64, applied: usize },
    /// From the database; `refused` says why the snapshot was not used (None: none was asked).
    Database { refused: Option<String> },
}

impl std::fmt::Display for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Loaded::Snapshot { seq, applied } => write!(
                f,
                "the snapshot of audit row {seq}, then {applied} audit rows after it"
            ),
            Loaded::Database { refused: None } => write!(f, "the database"),
            Loaded::Database { refused: Some(why) } => {
                write!(f, "the database (snapshot not used: {why})")
            }
        }
    }
}

/// Why a snapshot is not used: the database could not be read (an error to pass on) or the
/// snapshot is refused (a reason to log before loading from the database).
enum Refusal {
    Store(StoreError),
    Refused(String),
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Refusal {
        Refusal::Store(e)
    }
}

const BUFFER: usize = 1 << 20;

impl Live {
    /// Load the engine from the snapshot at `path` when it can be trusted, else from the
    /// database (see the module's description).
    pub async fn load_with_snapshot(
        store: Arc<dyn Store>,
        path: &Path,
    ) -> Result<(Live, Loaded), StoreError> {
        let why = match from_snapshot(store.clone(), path).await {
            // The rows after the snapshot, as the follower applies them; a change that
            // cannot be applied refuses the snapshot.
            Ok((live, seq)) => match live.sync().await {
                Ok(applied) => {
                    let loaded = Loaded::Snapshot { seq, applied };
                    tracing::info!(path = %path.display(), "engine loaded from {loaded}");
                    return Ok((live, loaded));
                }
                Err(e) if e.is_unavailable() => return Err(e),
                Err(e) => format!("the audit rows after it cannot be applied: {e}"),
            },
            Err(Refusal::Store(e)) => return Err(e),
            Err(Refusal::Refused(why)) => why,
        };
        tracing::warn!(path = %path.display(), reason = %why,
            "engine snapshot not used; loading from the database");
        let live = Live::load(store).await?;
        Ok((live, Loaded::Database { refused: Some(why) }))
    }

    /// Write the engine's snapshot to `path` (a file beside it, then renamed over it, so a
    /// reader sees the old snapshot or the new one, never half of one). The engine is read
    /// locked meanwhile: a write waits, and the reads queued behind it. Returns the audit row it reflects.
    pub async fn write_snapshot(&self, path: &Path) -> anyhow::Result<SnapshotHead> {
        let engine = self.read().await;
        let seq = self.seen();
        if seq <= 0 {
            bail!("the audit log is empty: there is no audit row to check a snapshot against");
        }
        let Some((_, hash)) = self.store().audit_hash_at(Some(seq)).await? else {
            bail!("audit row {seq} is not in the database");
        };
        let head = SnapshotHead { seq, hash };
        let part = part_path(path);
        let written = write_file(&engine, &part, &head);
        drop(engine);
        if let Err(e) = written {
            let _ = std::fs::remove_file(&part);
            return Err(e);
        }
        std::fs::rename(&part, path)
            .with_context(|| format!("cannot rename {} to {}", part.display(), path.display()))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(head)
    }
}

impl crate::App {
    /// Load the engine from the snapshot at `path` when it can be trusted, else from the
    /// database (see [`Live::load_with_snapshot`]).
    pub async fn open_with_snapshot(
        store: Arc<dyn Store>,
        path: &Path,
    ) -> Result<(crate::App, Loaded), StoreError> {
        let (live, loaded) = Live::load_with_snapshot(store, path).await?;
        Ok((crate::App::new(live), loaded))
    }

    /// The newest audit row the engine has applied (see [`Live::seen`]).
    pub fn read_seen(&self) -> i64 {
        self.live.seen()
    }

    /// Write the engine's snapshot (see [`Live::write_snapshot`]).
    pub async fn write_snapshot(&self, path: &Path) -> anyhow::Result<SnapshotHead> {
        self.live.write_snapshot(path).await
    }
}

/// The file a snapshot is written into before it is renamed over `path`.
fn part_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".part-{}", std::process::id()));
    path.with_file_name(name)
}

fn write_file(engine: &Engine, part: &Path, head: &SnapshotHead) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(part).with_context(|| format!("cannot create {}", part.display()))?;
    let out = engine
        .write_snapshot(std::io::BufWriter::with_capacity(BUFFER, file), head)
        .with_context(|| format!("cannot write {}", part.display()))?;
    let file = out
        .into_inner()
        .map_err(|e| e.into_error())
        .with_context(|| format!("cannot write {}", part.display()))?;
    file.sync_all()
        .with_context(|| format!("cannot write {}", part.display()))?;
    Ok(())
}

/// The engine from the snapshot, holding every change up to the row it reflects.
async fn from_snapshot(store: Arc<dyn Store>, path: &Path) -> Result<(Live, i64), Refusal> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Refusal::Refused(format!(
                "there is none at {}",
                path.display()
            )))
        }
        Err(e) => return Err(Refusal::Refused(format!("cannot open it: {e}"))),
    };
    let reader = SnapshotReader::open(std::io::BufReader::with_capacity(BUFFER, file))
        .map_err(|e| Refusal::Refused(e.to_string()))?;
    let head = reader.head().clone();
    match store.audit_hash_at(Some(head.seq)).await? {
        None => {
            return Err(Refusal::Refused(format!(
                "it reflects audit row {}, which the database does not hold (an older backup \
                 restored, or another database)",
                head.seq
            )))
        }
        Some((_, hash)) if hash != head.hash || head.seq <= 0 => {
            return Err(Refusal::Refused(format!(
                "audit row {} has another hash in the database than when the snapshot was \
                 written (another database, or a restore followed by other writes)",
                head.seq
            )))
        }
        Some(_) => {}
    }
    let mut engine = Engine::skeleton(input_from(store.as_ref()).await?);
    engine
        .fill_from(reader)
        .map_err(|e| Refusal::Refused(e.to_string()))?;
    let live = Live::with_engine(store, engine, head.seq).await?;
    Ok((live, head.seq))
}
