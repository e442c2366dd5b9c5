//! `chiso audit`: verify the audit log (its hash chain, its latest state of every value
//! against the table, and a head recorded outside the database) and print its head.

use crate::open;
use anyhow::{bail, Context};
use clap::Subcommand;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's hash chain (every row's hash and its link to the row before) and
    /// that every stored value is what the chain last recorded. Exits with status 1 and names
    /// the first bad row or value when the log or the values were tampered with.
    Verify {
        #[arg(
            long,
            env = "CHISO_DATABASE_URL",
            default_value = "sqlite://chiso-data/chiso.db"
        )]
        database: String,
        /// A head recorded earlier (`SEQ:HASH`, as `chiso audit head` prints it): fail when the
        /// chain no longer holds that row with that hash — a truncated tail, a chain
        /// recomputed after an edit, or a restored stale copy.
        #[arg(long)]
        expect: Option<String>,
        /// A file of heads recorded at intervals by `chiso serve --audit-head-file` (or the
        /// syslog that received them): fail unless the chain holds every one of them.
        #[arg(long)]
        expect_file: Option<std::path::PathBuf>,
        /// The key the records were signed with (`--audit-head-key`): every record's HMAC is
        /// checked too, so a record forged or altered without the key fails.
        #[arg(long, requires = "expect_file")]
        key: Option<std::path::PathBuf>,
    },
    /// Print the audit log's head — the last row's sequence number and hash, `SEQ:HASH` — to
    /// keep outside the database (a file, syslog, a paper register) and give to
    /// `chiso audit verify --expect` later.
    Head {
        #[arg(
            long,
            env = "CHISO_DATABASE_URL",
            default_value = "sqlite://chiso-data/chiso.db"
        )]
        database: String,
    },
}

pub async fn run(command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Head { database } => {
            let store = open(&database).await?;
            let head = store.audit_hash_at(None).await;
            store.close().await;
            match head? {
                Some((seq, hash)) => println!("{seq}:{hash}"),
                None => bail!("the audit log is empty: there is no head yet"),
            }
            Ok(())
        }
        AuditCommand::Verify {
            database,
            expect,
            expect_file,
            key,
        } => {
            let mut heads = Vec::new();
            if let Some(e) = expect.as_deref() {
                let (seq, hash) =
                    crate::anchor::parse_head(e).map_err(|e| anyhow::anyhow!("--expect: {e}"))?;
                heads.push(crate::anchor::Expected {
                    seq,
                    hash,
                    from: None,
                });
            }
            if let Some(path) = &expect_file {
                let key = key.as_deref().map(crate::anchor::read_key).transpose()?;
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let records = crate::anchor::read_records(&text, key.as_deref())
                    .map_err(|e| anyhow::anyhow!("{}, {e}", path.display()))?;
                if records.is_empty() {
                    bail!("{}: no record of the audit head in it", path.display());
                }
                heads.extend(records.into_iter().map(|r| crate::anchor::Expected {
                    seq: r.seq,
                    hash: r.hash,
                    from: Some(format!("{}, line {}", path.display(), r.line)),
                }));
            }
            let store = open(&database).await?;
            let checked = verify(store.as_ref(), &heads).await;
            store.close().await;
            println!("{}", checked?);
            Ok(())
        }
    }
}

/// Verify the audit log of an open store — its chain, its latest state of every value against
/// the table, and that the chain still holds every head recorded earlier — and say so in words
/// (with the head on a line of its own); an error names what is wrong.
pub(crate) async fn verify(
    store: &dyn chiso_store::Store,
    expect: &[crate::anchor::Expected],
) -> anyhow::Result<String> {
    let check = store.verify_audit().await?;
    if let Some((id, why)) = check.broken {
        bail!("the audit log was tampered with at row {id}: {why}");
    }
    if let Some((entity, why)) = check.values {
        bail!("the stored values differ from the audit log at {entity}: {why}");
    }
    for e in expect {
        let (seq, from) = (
            e.seq,
            e.from
                .as_deref()
                .map_or(String::new(), |f| format!(" ({f})")),
        );
        match store.audit_hash_at(Some(seq)).await? {
            None => bail!(
                "the audit log has no row {seq}, the head recorded earlier{from}: its tail was \
                 cut, or this is an older copy of the database (it ends at row {})",
                check.head.as_ref().map_or(0, |h| h.0)
            ),
            Some((_, found)) if found != e.hash => bail!(
                "row {seq} of the audit log does not have the hash recorded earlier{from}: \
                 the chain was rewritten (recomputed after an edit) or replaced"
            ),
            Some(_) => {}
        }
    }
    let mut out = format!(
        "Nhật ký hệ thống toàn vẹn / the audit log is intact: {} rows, hash chain unbroken, \
         every stored value as the log last recorded it{}",
        check.rows,
        match expect {
            [] => String::new(),
            [one] => format!(", holding the recorded head {}", one.seq),
            [.., last] => format!(
                ", holding the {} recorded heads up to {}",
                expect.len(),
                last.seq
            ),
        }
    );
    if let Some((seq, hash)) = check.head {
        out.push_str(&format!("\nhead: {seq}:{hash}"));
    }
    Ok(out)
}
