//! `chiso engine-load`, `chiso engine-snapshot` and the snapshot options of `chiso serve`: the
//! engine's snapshot is written beside the SQLite database (`PATH.engine`) or into
//! `--snapshot-dir` (`engine.snapshot`), by `chiso engine-snapshot`, by the server at clean
//! shutdown and at intervals; the server starts from it when it can be trusted (see
//! `chiso_app::snapshot`).

use crate::open;
use anyhow::bail;
use chiso_app::{App, Loaded};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

#[derive(clap::Args, Clone, Debug)]
pub(crate) struct SnapshotOptions {
    /// Directory of the engine's snapshot (the file `engine.snapshot` in it). Without it, for
    /// SQLite the file beside the database (`PATH.engine`); for PostgreSQL no snapshot.
    #[arg(long, env = "CHISO_SNAPSHOT_DIR")]
    pub snapshot_dir: Option<PathBuf>,
    /// Neither read nor write the engine's snapshot: always load from the database.
    #[arg(long, env = "CHISO_NO_SNAPSHOT")]
    pub no_snapshot: bool,
    /// How often a running server writes the snapshot, when its engine changed since the last
    /// one: a number and s, m, h or d (it is also written at a clean shutdown).
    #[arg(long, env = "CHISO_SNAPSHOT_EVERY", default_value = "1h",
          value_parser = crate::backup::schedule::parse_every)]
    pub snapshot_every: Duration,
}

impl SnapshotOptions {
    /// Where the snapshot of the database at `url` lives (None: no snapshot).
    pub(crate) fn path(&self, url: &str) -> Option<PathBuf> {
        if self.no_snapshot {
            return None;
        }
        if let Some(dir) = &self.snapshot_dir {
            return Some(dir.join("engine.snapshot"));
        }
        url.strip_prefix("sqlite://")
            .map(|p| PathBuf::from(format!("{p}.engine")))
    }
}

#[derive(clap::Args, Clone, Debug)]
pub(crate) struct EngineArgs {
    #[arg(
        long,
        env = "CHISO_DATABASE_URL",
        default_value = "sqlite://chiso-data/chiso.db"
    )]
    pub database: String,
    #[command(flatten)]
    pub snapshot: SnapshotOptions,
}

#[derive(clap::Args, Clone, Debug)]
pub(crate) struct LoadArgs {
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Start from the engine's snapshot as the server does (falling back to the database
    /// when it is refused); without it, load from the database only.
    #[arg(long)]
    pub from_snapshot: bool,
}

/// The app of `chiso serve` and where its snapshot is written.
pub(crate) struct Serving {
    pub app: Arc<App>,
    /// The snapshot's path and the audit row of the one last written or read (one write at
    /// a time).
    snapshot: Option<(PathBuf, Arc<Mutex<Option<i64>>>)>,
}

/// The app for `serve`: the engine from the snapshot when there is one to trust, and the
/// snapshot written at intervals from then on.
pub(crate) async fn open_for_serving(
    store: Arc<dyn chiso_store::Store>,
    url: &str,
    s: &SnapshotOptions,
) -> anyhow::Result<Serving> {
    let Some(path) = s.path(url) else {
        let app = Arc::new(App::open(store).await?);
        return Ok(Serving {
            app,
            snapshot: None,
        });
    };
    if let Some(dir) = &s.snapshot_dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("--snapshot-dir: cannot create {}: {e}", dir.display()))?;
    }
    let started = Instant::now();
    let (app, loaded) = App::open_with_snapshot(store, &path).await?;
    println!(
        "Bộ máy tính / engine: loaded in {:.1} s from {loaded}",
        started.elapsed().as_secs_f64()
    );
    let app = Arc::new(app);
    let last = Arc::new(Mutex::new(match loaded {
        Loaded::Snapshot { seq, applied: 0 } => Some(seq),
        _ => None,
    }));
    let (every, writer, at, written) = (s.snapshot_every, app.clone(), path.clone(), last.clone());
    tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            write(&writer, &at, &written).await;
        }
    });
    Ok(Serving {
        app,
        snapshot: Some((path, last)),
    })
}

impl Serving {
    /// At a clean shutdown: write the snapshot when the engine changed since the last one.
    pub(crate) async fn at_shutdown(&self) {
        if let Some((path, last)) = &self.snapshot {
            write(&self.app, path, last).await;
        }
    }
}

/// Write the snapshot unless the last one written or read is of the same audit row; a
/// failure is logged and printed, and the server goes on.
async fn write(app: &App, path: &std::path::Path, last: &Mutex<Option<i64>>) {
    let mut last = last.lock().await;
    if *last == Some(app.read_seen()) {
        return;
    }
    let started = Instant::now();
    match app.write_snapshot(path).await {
        Ok(head) => {
            tracing::info!(path = %path.display(), seq = head.seq,
                secs = started.elapsed().as_secs_f64(), "engine snapshot written");
            *last = Some(head.seq);
        }
        Err(e) => {
            tracing::error!(path = %path.display(), error = %format!("{e:#}"), "engine snapshot not written");
            eprintln!(
                "chiso: the engine's snapshot was not written to {}: {e:#}",
                path.display()
            );
        }
    }
}

/// `chiso engine-load`: load the engine as the server does at start and say what it holds,
/// how long it took and the memory it uses.
pub(crate) async fn load(a: LoadArgs) -> anyhow::Result<()> {
    let url = &a.engine.database;
    let store = open(url).await?;
    let started = Instant::now();
    let (app, loaded) = match a.engine.snapshot.path(url).filter(|_| a.from_snapshot) {
        Some(path) => App::open_with_snapshot(store, &path).await?,
        None if a.from_snapshot => bail!(
            "--from-snapshot: there is no snapshot for {url} (give --snapshot-dir for PostgreSQL)"
        ),
        None => (App::open(store).await?, Loaded::Database { refused: None }),
    };
    let secs = started.elapsed().as_secs_f64();
    let engine = app.read().await;
    println!("units: {}", engine.unit_count());
    println!("values: {}", engine.value_count());
    println!("load: {secs:.2} s");
    println!("from: {loaded}");
    println!("resident memory: {}", resident());
    Ok(())
}

/// `chiso engine-snapshot`: load the engine (from the snapshot when it can be trusted) and
/// write its snapshot.
pub(crate) async fn snapshot(a: EngineArgs) -> anyhow::Result<()> {
    let Some(path) = a.snapshot.path(&a.database) else {
        bail!("there is nowhere to write the snapshot: give --snapshot-dir (PostgreSQL) and not --no-snapshot");
    };
    if let Some(dir) = &a.snapshot.snapshot_dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("--snapshot-dir: cannot create {}: {e}", dir.display()))?;
    }
    let store = open(&a.database).await?;
    let started = Instant::now();
    let (app, loaded) = App::open_with_snapshot(store, &path).await?;
    println!(
        "load: {:.2} s from {loaded}",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let head = app.write_snapshot(&path).await?;
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!("snapshot: {}", path.display());
    println!("audit row: {} ({})", head.seq, head.hash);
    println!("size: {:.1} MiB", size as f64 / (1u64 << 20) as f64);
    println!("write: {:.2} s", started.elapsed().as_secs_f64());
    println!("resident memory: {}", resident());
    Ok(())
}

fn resident() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kib| format!("{:.0} MiB", kib / 1024.0))
        .unwrap_or_else(|| "unknown".into())
}
