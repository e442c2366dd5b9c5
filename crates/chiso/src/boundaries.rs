//! `chiso boundaries import FILE.geojson`: units' real outlines for the maps, from a GeoJSON
//! FeatureCollection keyed by unit code (the format is in `docs/boundaries.md`). The file is
//! checked whole — its size, every feature's unit code and geometry — and written all or
//! nothing, with an audit row per unit, through the application layer.

use anyhow::{bail, Context};
use chiso_app::App;
use chiso_core::Via;
use chiso_store::{Actor, StoreError};
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub(crate) enum BoundariesCommand {
    /// Import units' outlines from a GeoJSON file (a FeatureCollection; each feature's
    /// `properties.code` is a unit code, its geometry a Polygon or MultiPolygon). All or
    /// nothing; running it again changes nothing.
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
}

pub(crate) async fn run(command: BoundariesCommand) -> anyhow::Result<()> {
    let BoundariesCommand::Import {
        file,
        dry_run,
        database,
    } = command;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let size = std::fs::metadata(&file)
        .with_context(|| format!("cannot read {}", file.display()))?
        .len();
    if size > chiso_io::geojson::MAX_FILE_BYTES as u64 {
        bail!(
            "{name}: the file is {} MB, more than the {} MB a boundary file may be: nothing was imported",
            size / 1024 / 1024,
            chiso_io::geojson::MAX_FILE_BYTES / 1024 / 1024
        );
    }
    let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let boundaries = match chiso_io::geojson::read(&name, &bytes) {
        Ok(b) => b,
        Err(errors) => {
            for e in &errors {
                eprintln!("{name}: {}", e.reason);
            }
            bail!("{} error(s) in {name}: nothing was imported", errors.len());
        }
    };
    let outlines: Vec<chiso_app::Outline> = boundaries
        .iter()
        .map(|b| chiso_app::Outline {
            feature: b.feature,
            code: b.code.clone(),
            geometry: b.geometry.clone(),
        })
        .collect();
    let app = App::for_command(crate::open(&database).await?);
    let actor = Actor::new("cli", Via::Cli);
    match app
        .import_boundaries(&outlines, &name, dry_run, &actor)
        .await
    {
        Ok(c) => {
            println!(
                "{}outlines: {} ({} read)",
                if dry_run {
                    "dry run, nothing written — "
                } else {
                    ""
                },
                crate::changes(&c),
                boundaries.len()
            );
            Ok(())
        }
        Err(StoreError::Invalid(fields)) => {
            for f in &fields {
                eprintln!("{name}: {}", f.reason);
            }
            bail!("{} error(s) in {name}: nothing was imported", fields.len());
        }
        Err(e) => Err(e.into()),
    }
}
