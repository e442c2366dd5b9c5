//! `chiso p06 …`: the electronic data store from the command line — import a one-stop
//! system's export (CSV or JSON, the schema in `docs/p06.md`; all or nothing, errors by row and
//! field, a dry run), link an account to the store it owns, check the access log's chain. Every
//! write goes through the application layer, which logs it and recomputes the figures.

use anyhow::{bail, Context};
use chiso_app::App;
use chiso_core::Via;
use chiso_p06::SubjectId;
use chiso_store::{Actor, StoreError};
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub(crate) enum P06Command {
    /// Import dossiers (and their results) from a one-stop system's export, CSV or JSON. All
    /// or nothing; running it again changes nothing.
    Import {
        file: PathBuf,
        /// Check the file and say what would change, writing nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(
            long,
            env = "CHISO_DATABASE_URL",
            default_value = "sqlite://chiso-data/chiso.db"
        )]
        database: String,
    },
    /// Make an account the owner of a subject's store (it then sees `/p06/me`).
    Owner {
        username: String,
        /// The subject's pseudonymous id (`CN-` or `TC-` and 12 hexadecimal digits).
        subject: String,
        #[arg(
            long,
            env = "CHISO_DATABASE_URL",
            default_value = "sqlite://chiso-data/chiso.db"
        )]
        database: String,
    },
    /// Walk the store's access log and report the first entry that breaks its hash chain.
    Verify {
        #[arg(
            long,
            env = "CHISO_DATABASE_URL",
            default_value = "sqlite://chiso-data/chiso.db"
        )]
        database: String,
    },
}

pub(crate) async fn run(command: P06Command) -> anyhow::Result<()> {
    let actor = Actor::new("cli", Via::Cli);
    match command {
        P06Command::Import {
            file,
            dry_run,
            database,
        } => {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let size = std::fs::metadata(&file)
                .with_context(|| format!("cannot read {}", file.display()))?
                .len();
            if size > 256 * 1024 * 1024 {
                bail!("{name}: the file is larger than 256 MB: nothing was imported");
            }
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let batch = match chiso_p06::import::read(&bytes, chrono::Utc::now(), "cli") {
                Ok(b) => b,
                Err(errors) => {
                    for e in &errors {
                        eprintln!("{name}: row {}, {}: {}", e.row, e.field, e.reason);
                    }
                    bail!("{} error(s) in {name}: nothing was imported", errors.len());
                }
            };
            let n = batch.dossiers.len();
            let dossier_codes: Vec<String> =
                batch.dossiers.iter().map(|d| d.code.to_string()).collect();
            let result_codes: Vec<String> = batch.results.iter().map(|r| r.code.clone()).collect();
            // The engine is loaded: the units' days are checked and the figures written.
            let app = App::open(crate::open(&database).await?).await?;
            match app.p06_import(batch, &actor, dry_run).await {
                Ok(c) => {
                    println!(
                        "{}dossiers and results: {} ({n} dossiers read)",
                        if dry_run {
                            "dry run, nothing written — "
                        } else {
                            ""
                        },
                        crate::changes(&c),
                    );
                    Ok(())
                }
                Err(StoreError::Invalid(fields)) => {
                    for f in &fields {
                        let codes = if f.field.starts_with("results.") {
                            &result_codes
                        } else {
                            &dossier_codes
                        };
                        let row = f
                            .index
                            .and_then(|i| codes.get(i))
                            .map(|c| format!("{c}, "))
                            .unwrap_or_default();
                        eprintln!("{name}: {row}{}: {}", f.field, f.reason);
                    }
                    bail!("{} error(s) in {name}: nothing was imported", fields.len());
                }
                Err(e) => Err(e.into()),
            }
        }
        P06Command::Owner {
            username,
            subject,
            database,
        } => {
            let subject = SubjectId::parse(&subject).map_err(anyhow::Error::msg)?;
            let app = App::for_command(crate::open(&database).await?);
            app.p06_link_owner(&username, &subject, &actor).await?;
            println!("{username} now owns the store of {subject}");
            Ok(())
        }
        P06Command::Verify { database } => {
            let store = crate::open(&database).await?;
            let check = store.p06_verify_access().await?;
            match check.broken {
                None => {
                    println!(
                        "the store's access log is intact: {} entries, hash chain unbroken",
                        check.rows
                    );
                    Ok(())
                }
                Some((id, why)) => bail!("the access log was tampered with at entry {id}: {why}"),
            }
        }
    }
}
