//! Scheduled backups of a running server: `chiso serve --backup-dir DIR --backup-every 24h
//! --backup-keep 7`. Every interval (the first one interval after the start) a backup is taken
//! into `DIR/chiso-backup-TIME` exactly as `chiso backup` takes it; then the oldest beyond
//! `--backup-keep` are removed. A failed backup is logged and printed, and the next one is
//! tried at the next interval; the server keeps serving.

use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::time::Duration;

const PREFIX: &str = "chiso-backup-";

#[derive(clap::Args, Clone, Debug)]
pub(crate) struct Schedule {
    /// Take backups into this directory at intervals (each in `chiso-backup-TIME/`, as
    /// `chiso backup` writes them). Off without it.
    #[arg(long, env = "CHISO_BACKUP_DIR")]
    pub backup_dir: Option<PathBuf>,
    /// How often: a number and s, m, h or d (24h, 6h, 30m, 7d).
    #[arg(long, env = "CHISO_BACKUP_EVERY", default_value = "24h", value_parser = parse_every)]
    pub backup_every: Duration,
    /// How many backups to keep (the newest; at least 1).
    #[arg(long, env = "CHISO_BACKUP_KEEP", default_value_t = 7,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub backup_keep: u32,
}

/// `24h`, `30m`, `7d`, `90s`.
pub(crate) fn parse_every(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let unit = s
        .chars()
        .last()
        .ok_or("give a number and s, m, h or d (24h)")?;
    let factor = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => {
            return Err(format!(
                "'{s}': give a number and s, m, h or d (24h, 30m, 7d)"
            ))
        }
    };
    let n: u64 = s[..s.len() - 1]
        .parse()
        .map_err(|_| format!("'{s}': give a number and s, m, h or d (24h, 30m, 7d)"))?;
    if n == 0 {
        return Err(format!("'{s}': the interval must be longer than zero"));
    }
    Ok(Duration::from_secs(n.saturating_mul(factor)))
}

/// Start the scheduled backups of `url` when a directory is given: the directory is created
/// and checked for writing now, so a mistake stops the start rather than the first backup.
pub(crate) fn start(url: &str, s: &Schedule) -> anyhow::Result<()> {
    let Some(dir) = s.backup_dir.clone() else {
        return Ok(());
    };
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("--backup-dir: cannot create {}", dir.display()))?;
    let probe = dir.join(format!(".chiso-write-test-{}", std::process::id()));
    if let Err(e) = std::fs::write(&probe, b"") {
        bail!("--backup-dir: cannot write in {}: {e}", dir.display());
    }
    let _ = std::fs::remove_file(&probe);
    let (url, every, keep) = (url.to_string(), s.backup_every, s.backup_keep as usize);
    println!(
        "Sao lưu định kỳ / scheduled backups: every {} into {}, keeping the newest {keep}",
        human(every),
        dir.display()
    );
    tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            once(&url, &dir, keep).await;
        }
    });
    Ok(())
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// One scheduled backup, then the retention.
async fn once(url: &str, dir: &Path, keep: usize) {
    let name = format!(
        "{PREFIX}{}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ")
    );
    let dest = dir.join(&name);
    let taken = super::take(url, &dest).await;
    // The retention first, so what is printed is what the directory holds.
    let kept = prune(dir, keep);
    match taken {
        Ok(m) => {
            tracing::info!(backup = %dest.display(), head = ?m.audit_head, "scheduled backup taken");
            println!(
                "Đã sao lưu / backup taken: {} (audit head {})",
                dest.display(),
                m.audit_head.as_deref().unwrap_or("none")
            );
        }
        Err(e) => {
            tracing::error!(backup = %dest.display(), "scheduled backup failed: {e:#}");
            eprintln!(
                "chiso: sao lưu thất bại / scheduled backup failed ({}): {e:#}",
                dest.display()
            );
        }
    }
    if let Err(e) = kept {
        tracing::error!(dir = %dir.display(), "removing old backups failed: {e:#}");
        eprintln!(
            "chiso: removing old backups in {} failed: {e:#}",
            dir.display()
        );
    }
    use std::io::Write;
    let _ = std::io::stdout().flush();
}

/// Remove the oldest complete scheduled backups beyond `keep` (only directories named
/// `chiso-backup-…` holding a manifest: nothing else in the directory is touched).
fn prune(dir: &Path, keep: usize) -> anyhow::Result<()> {
    let mut found: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with(PREFIX) && dir.join(n).join(super::MANIFEST).is_file())
        .collect();
    found.sort();
    let excess = found.len().saturating_sub(keep);
    for old in &found[..excess] {
        std::fs::remove_dir_all(dir.join(old))
            .with_context(|| format!("cannot remove {}", dir.join(old).display()))?;
        tracing::info!(backup = %dir.join(old).display(), "old backup removed");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_read_with_their_unit() {
        assert_eq!(parse_every("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_every("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_every("7d"), Ok(Duration::from_secs(604_800)));
        assert_eq!(parse_every("2s"), Ok(Duration::from_secs(2)));
        assert!(parse_every("0h").is_err());
        assert!(parse_every("24").is_err());
        assert!(parse_every("h").is_err());
        assert!(parse_every("").is_err());
        assert!(parse_every("1.5h").is_err());
        assert_eq!(human(Duration::from_secs(86_400)), "1d");
        assert_eq!(human(Duration::from_secs(90)), "90s");
    }
}
