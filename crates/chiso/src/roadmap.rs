//! `chiso roadmap`: a plan's roadmap, or the province's, as SVG on standard output — the
//! picture the pages show, drawn by the same `chiso_charts::roadmap`. It only reads.

use anyhow::{bail, Context};
use chiso_app::App;
use chiso_charts::roadmap::{roadmap_svg, task_bars, Bar, RoadmapLabels};
use chiso_core::Code;
use chiso_store::UnitQuery;
use chiso_web::i18n::{I18n, Lang};
use chrono::Datelike;
use std::collections::HashMap;
use std::io::Write;

#[derive(clap::Args)]
pub(crate) struct RoadmapArgs {
    /// The plan's code (e.g. KH2024-58-SO-TTTT); without it, every plan of --year.
    #[arg(long)]
    plan: Option<String>,
    /// The year of the province's roadmap (without --plan); by default the year of the day
    /// the plans are judged on.
    #[arg(long, conflicts_with = "plan")]
    year: Option<i32>,
    #[arg(long, value_enum, default_value = "vi")]
    lang: LangArg,
    #[arg(
        long,
        env = "CHISO_DATABASE_URL",
        default_value = "sqlite://chiso-data/chiso.db"
    )]
    database: String,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LangArg {
    Vi,
    En,
}

pub(crate) async fn run(args: RoadmapArgs) -> anyhow::Result<()> {
    // Reading must not create an empty database where a path was mistyped.
    if let Some(path) = args.database.strip_prefix("sqlite://") {
        if !std::path::Path::new(path).exists() {
            bail!("there is no database at {path}");
        }
    }
    let store = chiso_store::open(&args.database)
        .await
        .with_context(|| format!("cannot open the database {}", args.database))?;
    let app = App::for_command(store);
    let svg = draw(&app, &args).await;
    app.close().await;
    let mut out = std::io::stdout().lock();
    out.write_all(svg?.as_bytes())
        .and_then(|()| out.flush())
        .context("cannot write the picture")
}

async fn draw(app: &App, args: &RoadmapArgs) -> anyhow::Result<String> {
    let lang = match args.lang {
        LangArg::Vi => Lang::Vi,
        LangArg::En => Lang::En,
    };
    let i18n = I18n::load().map_err(|e| anyhow::anyhow!(e))?;
    let labels = RoadmapLabels::translated(lang.as_str(), |k| i18n.t(lang, k, &[]));
    let day = app.as_of_day().await?;
    let reads = app.reads();
    if let Some(code) = &args.plan {
        let code = Code::parse(code).map_err(|e| anyhow::anyhow!("--plan {code}: {e}"))?;
        let Some(plan) = reads.plan(&code).await? else {
            bail!("không có kế hoạch {code} / there is no plan {code}");
        };
        let bars = task_bars(&plan, day, None, lang.as_str());
        return Ok(roadmap_svg(
            plan.title_in(lang.as_str()),
            plan.year,
            day,
            &bars,
            &labels,
        ));
    }
    let year = args.year.unwrap_or(day.year());
    let plans = reads.plans(None, Some(year)).await?;
    let names: HashMap<String, String> = reads
        .units(&UnitQuery {
            codes: plans.iter().map(|p| p.unit.clone()).collect(),
            ..Default::default()
        })
        .await?
        .into_iter()
        .map(|u| {
            (
                u.unit.code.to_string(),
                u.unit.name(lang.as_str()).to_string(),
            )
        })
        .collect();
    let bars: Vec<Bar> = plans
        .iter()
        .flat_map(|p| {
            let unit = names
                .get(p.unit.as_str())
                .map_or(p.unit.as_str(), String::as_str);
            task_bars(p, day, Some(unit), lang.as_str())
        })
        .collect();
    Ok(roadmap_svg(
        &labels.province_title(year),
        year,
        day,
        &bars,
        &labels,
    ))
}
