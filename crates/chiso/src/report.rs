//! `chiso report`: the yearly review of a target framework written from the data.

use anyhow::{bail, Context};
use chiso_app::App;
use chiso_engine::View;
use chiso_report::Lang;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ReportArgs {
    /// The target framework, e.g. KH_CDS_2023.
    #[arg(long)]
    framework: String,
    /// html, docx, xlsx (the annex tables) or pdf.
    #[arg(long, default_value = "pdf")]
    format: String,
    /// vi (the official text), en (its translation) or bn (the press summary).
    #[arg(long, default_value = "vi")]
    lang: String,
    /// Where to write the report.
    #[arg(short = 'o', long)]
    output: PathBuf,
    /// A folder whose vi.md, en.md or bn.md replace the templates shipped in the program.
    #[arg(long)]
    templates: Option<PathBuf>,
    /// Use the live figures (not yet approved) instead of the official ones; the report says so.
    #[arg(long)]
    live: bool,
    /// The day the targets are judged on (default: the database's "as of" day).
    #[arg(long)]
    as_of: Option<String>,
    #[arg(
        long,
        env = "CHISO_DATABASE_URL",
        default_value = "sqlite://chiso-data/chiso.db"
    )]
    database: String,
}

pub async fn run(a: ReportArgs) -> anyhow::Result<()> {
    let Some(lang) = Lang::parse(&a.lang) else {
        bail!("--lang {}: one of vi, en, bn", a.lang);
    };
    if !["html", "docx", "xlsx", "pdf"].contains(&a.format.as_str()) {
        bail!("--format {}: one of html, docx, xlsx, pdf", a.format);
    }
    let store = chiso_store::open(&a.database)
        .await
        .with_context(|| format!("cannot open the database {}", a.database))?;
    let app = App::for_command(store.clone());
    let today = match a.as_of.as_deref() {
        Some(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .with_context(|| format!("--as-of {s}: a day like 2024-06-30"))?,
        None => app.as_of_day().await?,
    };
    let engine = chiso_app::live::engine_from(store.as_ref()).await?;
    let view = if a.live { View::Live } else { View::Official };
    let report = app
        .report_content(&engine, &a.framework, view, today)
        .await?;
    let doc = chiso_report::render(&report, lang, a.templates.as_deref())?;
    let bytes = match a.format.as_str() {
        "html" => chiso_report::html::page(&doc).into_bytes(),
        "docx" => chiso_report::docx::document(&doc)?,
        "xlsx" => chiso_report::xlsx::annex(&doc)?,
        _ => chiso_report::pdf::document(&doc)?,
    };
    std::fs::write(&a.output, bytes)
        .with_context(|| format!("cannot write {}", a.output.display()))?;
    println!(
        "{}: {}/{} targets met, {} view, data version {}",
        a.output.display(),
        report.achieved,
        report.total,
        report.view,
        report.audit_seq
    );
    Ok(())
}
