//! `chiso audit`: verify the audit log (its hash chain, its latest state of every value
//! against the table, and a head recorded outside the database) and print its head.

use crate::open;
use anyhow::bail;
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
        AuditCommand::Verify { database, expect } => {
            let expect = expect.as_deref().map(parse_head).transpose()?;
            let store = open(&database).await?;
            let checked = verify(store.as_ref(), expect.as_ref()).await;
            store.close().await;
            println!("{}", checked?);
            Ok(())
        }
    }
}

/// Verify the audit log of an open store — its chain, its latest state of every value against
/// the table, and when given a head recorded earlier, that the chain still holds it — and say
/// so in words (with the head on a line of its own); an error names what is wrong.
pub(crate) async fn verify(
    store: &dyn chiso_store::Store,
    expect: Option<&(i64, String)>,
) -> anyhow::Result<String> {
    let check = store.verify_audit().await?;
    let anchored = match expect {
        Some((seq, _)) => store.audit_hash_at(Some(*seq)).await?,
        None => None,
    };
    if let Some((id, why)) = check.broken {
        bail!("the audit log was tampered with at row {id}: {why}");
    }
    if let Some((entity, why)) = check.values {
        bail!("the stored values differ from the audit log at {entity}: {why}");
    }
    if let Some((seq, hash)) = expect {
        match anchored {
            None => bail!(
                "the audit log has no row {seq}, the head recorded earlier: its tail was \
                 cut, or this is an older copy of the database (it ends at row {})",
                check.head.as_ref().map_or(0, |h| h.0)
            ),
            Some((_, found)) if &found != hash => bail!(
                "row {seq} of the audit log does not have the hash recorded earlier: \
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
            Some((seq, _)) => format!(", holding the recorded head {seq}"),
            None => String::new(),
        }
    );
    if let Some((seq, hash)) = check.head {
        out.push_str(&format!("\nhead: {seq}:{hash}"));
    }
    Ok(out)
}

/// A head as `chiso audit head` prints it: `SEQ:HASH`.
pub(crate) fn parse_head(s: &str) -> anyhow::Result<(i64, String)> {
    let (seq, hash) = s.trim().split_once(':').ok_or_else(|| {
        anyhow::anyhow!("--expect takes SEQ:HASH, as `chiso audit head` prints it")
    })?;
    let seq: i64 = seq
        .parse()
        .map_err(|_| anyhow::anyhow!("--expect: '{seq}' is not a sequence number"))?;
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("--expect: '{hash}' is not a SHA-256 hash (64 hexadecimal digits)");
    }
    Ok((seq, hash.to_ascii_lowercase()))
}
