//! The audit head kept outside the database while the server runs: `chiso serve
//! --audit-head-file PATH` (and/or `--audit-head-syslog`) appends a record of the audit log's
//! head — its last row's sequence number and hash — at the start and then at every interval
//! when it has moved; with `--audit-head-key FILE` each record carries an HMAC-SHA256 made with
//! a key that is not in the database. `chiso audit verify --expect-file PATH [--key FILE]`
//! checks every record against the chain: a truncated tail, a chain recomputed after an edit or
//! a restored older copy fails at the first record it no longer holds, and a record forged or
//! altered without the key fails its HMAC.
//!
//! One record, the same in the file and in syslog (where other text may surround it):
//! `chiso-audit-head 2026-12-04T19:30:00Z 1234:<64 hex digits> hmac-sha256=<64 hex digits>`.

use anyhow::{bail, Context};
use chiso_store::Store;
use hmac::{Hmac, Mac};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// What starts a record, in a file or among other syslog text.
const MARK: &str = "chiso-audit-head ";

#[derive(clap::Args, Clone, Debug)]
pub(crate) struct AnchorOptions {
    /// Append the audit log's head to this file (created when missing) at the start and at
    /// every interval when it has moved; keep the file on another machine or disk, and give it
    /// to `chiso audit verify --expect-file`. Off without it.
    #[arg(long, env = "CHISO_AUDIT_HEAD_FILE")]
    pub audit_head_file: Option<PathBuf>,
    /// Also send each record to the local syslog (`/dev/log`, facility authpriv), from where
    /// it can be forwarded off the machine.
    #[arg(long, env = "CHISO_AUDIT_HEAD_SYSLOG")]
    pub audit_head_syslog: bool,
    /// How often: a number and s, m, h or d (1h, 10m).
    #[arg(long, env = "CHISO_AUDIT_HEAD_EVERY", default_value = "1h",
          value_parser = crate::backup::schedule::parse_every)]
    pub audit_head_every: Duration,
    /// A file holding a secret key (at least 32 bytes, kept out of the database and its
    /// backups): every record carries an HMAC-SHA256 of itself made with it.
    #[arg(long, env = "CHISO_AUDIT_HEAD_KEY")]
    pub audit_head_key: Option<PathBuf>,
    /// The syslog socket (for tests and unusual systems).
    #[arg(
        long,
        env = "CHISO_SYSLOG_SOCKET",
        default_value = "/dev/log",
        hide = true
    )]
    pub syslog_socket: PathBuf,
}

/// Read a key file: its bytes, trailing white space removed, at least 32 of them.
pub(crate) fn read_key(path: &Path) -> anyhow::Result<Vec<u8>> {
    let mut key = std::fs::read(path)
        .with_context(|| format!("cannot read the key file {}", path.display()))?;
    while key.last().is_some_and(|b| b.is_ascii_whitespace()) {
        key.pop();
    }
    if key.len() < 32 {
        bail!(
            "the key file {} holds {} bytes: a key needs at least 32 (e.g. `head -c 32 \
             /dev/urandom | base64 > {}`)",
            path.display(),
            key.len(),
            path.display()
        );
    }
    Ok(key)
}

fn mac(key: &[u8], text: &str) -> String {
    // HMAC takes a key of any length.
    let mut m = match Hmac::<sha2::Sha256>::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC-SHA256 accepts keys of every length"),
    };
    m.update(text.as_bytes());
    hex::encode(m.finalize().into_bytes())
}

/// One record: the time, the head, and its HMAC when there is a key.
pub(crate) fn record(
    at: chrono::DateTime<chrono::Utc>,
    seq: i64,
    hash: &str,
    key: Option<&[u8]>,
) -> String {
    let text = format!("{MARK}{} {seq}:{hash}", at.format("%Y-%m-%dT%H:%M:%SZ"));
    match key {
        Some(k) => {
            let m = mac(k, &text);
            format!("{text} hmac-sha256={m}")
        }
        None => text,
    }
}

/// A record read back: its line number (from 1), the head, and whether its HMAC was checked.
#[derive(Debug, PartialEq)]
pub(crate) struct Recorded {
    pub line: usize,
    pub seq: i64,
    pub hash: String,
}

/// Every record in a file of records (lines without one — syslog's other messages — are
/// skipped). With a key every record must carry its correct HMAC; without one the HMACs are
/// not checked. An error names the line.
pub(crate) fn read_records(text: &str, key: Option<&[u8]>) -> anyhow::Result<Vec<Recorded>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let Some(pos) = line.find(MARK) else {
            continue;
        };
        let rec = line[pos..].trim_end();
        let (body, given) = match rec.rsplit_once(" hmac-sha256=") {
            Some((b, m)) => (b, Some(m)),
            None => (rec, None),
        };
        let mut words = body[MARK.len()..].split(' ');
        let (Some(_time), Some(head), None) = (words.next(), words.next(), words.next()) else {
            bail!("line {n}: not a record of the audit head (`{MARK}TIME SEQ:HASH`)");
        };
        let (seq, hash) = parse_head(head).map_err(|e| anyhow::anyhow!("line {n}: {e}"))?;
        if let Some(k) = key {
            match given {
                None => bail!("line {n}: the record carries no HMAC, but a key was given"),
                Some(m) if !constant_eq(m.as_bytes(), mac(k, body).as_bytes()) => bail!(
                    "line {n}: the record's HMAC is wrong: it was altered or written without \
                     this key"
                ),
                Some(_) => {}
            }
        }
        out.push(Recorded { line: n, seq, hash });
    }
    Ok(out)
}

/// A head the chain must still hold, and where it was read (a file's line) when not given
/// on the command line.
pub(crate) struct Expected {
    pub seq: i64,
    pub hash: String,
    pub from: Option<String>,
}

/// A head as `chiso audit head` prints it: `SEQ:HASH`.
pub(crate) fn parse_head(s: &str) -> anyhow::Result<(i64, String)> {
    let (seq, hash) = s
        .trim()
        .split_once(':')
        .ok_or_else(|| anyhow::anyhow!("a head is SEQ:HASH, as `chiso audit head` prints it"))?;
    let seq: i64 = seq
        .parse()
        .map_err(|_| anyhow::anyhow!("'{seq}' is not a sequence number"))?;
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("'{hash}' is not a SHA-256 hash (64 hexadecimal digits)");
    }
    Ok((seq, hash.to_ascii_lowercase()))
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// Check the options and start appending the records. The key is read and the file opened for
/// appending now, so a mistake stops the start rather than the first record.
pub(crate) fn start(store: Arc<dyn Store>, o: &AnchorOptions) -> anyhow::Result<()> {
    if o.audit_head_file.is_none() && !o.audit_head_syslog {
        if o.audit_head_key.is_some() {
            bail!("--audit-head-key needs --audit-head-file or --audit-head-syslog");
        }
        return Ok(());
    }
    let key = o.audit_head_key.as_deref().map(read_key).transpose()?;
    if let Some(f) = &o.audit_head_file {
        open_append(f)?;
    }
    let (o, every) = (o.clone(), o.audit_head_every);
    println!(
        "Ghi đầu nhật ký / audit head records: every {} into {}{}",
        crate::backup::schedule::human(every),
        match (&o.audit_head_file, o.audit_head_syslog) {
            (Some(f), true) => format!("{} and syslog", f.display()),
            (Some(f), false) => f.display().to_string(),
            (None, _) => "syslog".to_string(),
        },
        if key.is_some() {
            ", signed (HMAC-SHA256)"
        } else {
            ""
        }
    );
    tokio::spawn(async move {
        let mut last: Option<(i64, String)> = None;
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match store.audit_hash_at(None).await {
                Ok(Some(head)) if last.as_ref() != Some(&head) => {
                    let rec = record(chrono::Utc::now(), head.0, &head.1, key.as_deref());
                    if let Err(e) = append(&o, &rec) {
                        tracing::error!(error = %format!("{e:#}"), "cannot record the audit head");
                        eprintln!("chiso: cannot record the audit head: {e:#}");
                        continue;
                    }
                    tracing::info!(seq = head.0, "audit head recorded");
                    last = Some(head);
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "cannot read the audit head to record it"),
            }
        }
    });
    Ok(())
}

fn open_append(path: &Path) -> anyhow::Result<std::fs::File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("--audit-head-file: cannot create {}", dir.display()))?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("--audit-head-file: cannot write {}", path.display()))
}

/// Append one record to the file (on disk before it returns) and send it to syslog.
fn append(o: &AnchorOptions, rec: &str) -> anyhow::Result<()> {
    if let Some(path) = &o.audit_head_file {
        let mut f = open_append(path)?;
        writeln!(f, "{rec}")?;
        f.sync_data()?;
    }
    if o.audit_head_syslog {
        syslog(&o.syslog_socket, rec)?;
    }
    Ok(())
}

/// One message to the local syslog daemon (RFC 3164 over its datagram socket), facility
/// authpriv, severity notice.
#[cfg(unix)]
fn syslog(socket: &Path, rec: &str) -> anyhow::Result<()> {
    let sock = std::os::unix::net::UnixDatagram::unbound()?;
    let msg = format!(
        "<{}>{} chiso[{}]: {rec}",
        10 * 8 + 5,
        chrono::Local::now().format("%b %e %H:%M:%S"),
        std::process::id()
    );
    sock.send_to(msg.as_bytes(), socket)
        .with_context(|| format!("cannot send to syslog at {}", socket.display()))?;
    Ok(())
}

#[cfg(not(unix))]
fn syslog(_socket: &Path, _rec: &str) -> anyhow::Result<()> {
    bail!("syslog is available on Unix systems only; use --audit-head-file")
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12";

    fn at() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp(1_796_000_000, 0).unwrap()
    }

    #[test]
    fn records_are_read_back_and_a_wrong_or_missing_hmac_names_its_line() {
        let key = [7u8; 32];
        let a = record(at(), 41, HASH, Some(&key));
        let b = record(at(), 42, HASH, Some(&key));
        let text = format!("Dec  4 19:30:00 host chiso[1]: {a}\nsomething else\n{b}\n");
        let got = read_records(&text, Some(&key)).unwrap();
        assert_eq!(
            got.iter().map(|r| (r.line, r.seq)).collect::<Vec<_>>(),
            [(1, 41), (3, 42)]
        );
        // The same records without the key: read, HMAC not checked.
        assert_eq!(read_records(&text, None).unwrap().len(), 2);
        // Another key, an altered sequence number, a record without its HMAC.
        let other = [8u8; 32];
        let e = read_records(&text, Some(&other)).unwrap_err().to_string();
        assert!(e.starts_with("line 1: the record's HMAC is wrong"), "{e}");
        let altered = text.replace(" 42:", " 43:");
        let e = read_records(&altered, Some(&key)).unwrap_err().to_string();
        assert!(e.starts_with("line 3: the record's HMAC is wrong"), "{e}");
        let bare = record(at(), 41, HASH, None);
        let e = read_records(&bare, Some(&key)).unwrap_err().to_string();
        assert!(e.starts_with("line 1: the record carries no HMAC"), "{e}");
        let e = read_records(&format!("{MARK}x 41:zz\n"), None)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("line 1: 'zz' is not a SHA-256"), "{e}");
    }

    #[test]
    fn a_key_is_at_least_32_bytes() {
        let dir = std::env::temp_dir().join(format!("chiso-anchor-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let short = dir.join("short");
        std::fs::write(&short, "too short\n").unwrap();
        assert!(read_key(&short)
            .unwrap_err()
            .to_string()
            .contains("at least 32"));
        let good = dir.join("good");
        std::fs::write(&good, format!("{}\n", "k".repeat(44))).unwrap();
        assert_eq!(read_key(&good).unwrap().len(), 44);
        let _ = std::fs::remove_dir_all(dir);
    }
}
