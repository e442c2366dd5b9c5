//! The embedded demo: Ninh Thuận's 2023 digital-transformation review (and 2022 for
//! year-on-year lines), on the real administrative hierarchy of province 58 and its 2025
//! successor. See `docs/demo.md` for what is published and what is illustrative.
//!
//! Published figures are reproduced exactly: the lower-level raw counts are illustrative and
//! calibrated so that their sums give the published ratio to the last digit.

pub mod calibrate;
pub mod collection;
mod dataset;
pub mod followup;
pub mod p06;
pub mod quarters;

pub use dataset::{dataset, Dataset, Published, PUBLISHED};

use chiso_core::Via;
use chiso_store::{Actor, Changes, Store};

/// The version of the demo data; stored in `meta` so a database knows what it holds.
pub const DEMO_VERSION: &str = "ninh-thuan-2023/3";

/// What loading the demo did.
#[derive(Debug, Default, Clone)]
pub struct LoadSummary {
    pub units: Changes,
    pub links: Changes,
    pub groups: Changes,
    pub elements: Changes,
    pub values: Changes,
    pub indicators: Changes,
    pub frameworks: Changes,
    pub data_sets: Changes,
    /// Reports marked complete, and approval steps, added by this load.
    pub completions: u64,
    pub approvals: u64,
    pub plans: Changes,
    /// The electronic data store's records (subjects, dossiers, results, ratings).
    pub p06: Changes,
}

/// Write the store's demo records once (all or nothing): a database that holds them already
/// is left alone, so loading again changes nothing and logs nothing.
async fn load_p06(store: &dyn Store, r: &p06::Records, actor: &Actor) -> anyhow::Result<Changes> {
    let Some(first) = r.dossiers.first() else {
        return Ok(Changes::default());
    };
    let held = store
        .p06_dossiers(&chiso_store::DossierQuery {
            codes: vec![first.code.clone()],
            ..Default::default()
        })
        .await?;
    if !held.is_empty() {
        // Already held: the figures were written with them (and the app keeps them).
        return Ok(Changes {
            unchanged: (r.dossiers.len() + r.results.len()) as u64,
            ..Default::default()
        });
    }
    let now = chrono::Utc::now();
    let entry = |unit: &chiso_core::Code, subject: &chiso_p06::SubjectId, entity: &str| {
        chiso_store::AccessRecord {
            at: now,
            actor: actor.who.clone(),
            via: actor.via.as_str().to_string(),
            unit: Some(unit.to_string()),
            subject: subject.to_string(),
            action: "write".into(),
            entity: entity.to_string(),
            reason: "demo".into(),
        }
    };
    let log = r
        .dossiers
        .iter()
        .map(|d| entry(&d.unit, &d.subject, d.code.as_str()))
        .chain(
            r.results
                .iter()
                .map(|x| entry(&x.issuer, &x.subject, &x.code)),
        )
        .collect();
    let w = chiso_store::P06Write {
        subjects: r.subjects.clone(),
        dossiers: r.dossiers.clone(),
        results: r.results.clone(),
        files: Vec::new(),
        ratings: r.ratings.clone(),
        log,
        based_on: Vec::new(),
    };
    let changes = store.p06_save(&w, actor, false).await?;
    // The store's figures by unit and month, counted from the records (source `derived`),
    // in a write of their own.
    let figures = chiso_p06::figures::values(&chiso_p06::figures::tally(
        &r.dossiers,
        &r.results,
        &r.ratings,
    ));
    store.write_values(&figures, actor).await?;
    Ok(changes)
}

/// Load (or re-load: unchanged rows are left alone) the demo into a store.
pub async fn load(store: &dyn Store) -> anyhow::Result<LoadSummary> {
    let d = dataset()?;
    let actor = Actor::new("demo", Via::Demo);
    let mut s = LoadSummary {
        units: store.upsert_units(&d.units, &actor).await?,
        ..Default::default()
    };
    s.links = store.upsert_successors(&d.links, &actor).await?;
    store.set_areas(&d.areas, &actor).await?;
    s.groups = store.upsert_groups(&d.groups, &actor).await?;
    store.upsert_breakdowns(&d.breakdowns, &actor).await?;
    s.elements = store.upsert_elements(&d.elements, &actor).await?;
    // The electronic data store's records and their figures (before the demo's values, whose
    // one batch stays the newest).
    s.p06 = load_p06(store, &d.p06, &actor).await?;
    s.values = store.write_values(&d.values, &actor).await?;
    // A database loaded by an earlier demo still holds 2023 values of the communes that never
    // sent their 2023 report: they go.
    let stale: Vec<chiso_store::ValueKey> = collection::never_reported_2023(&d.units)
        .into_iter()
        .flat_map(|unit| {
            d.elements.iter().map(move |e| chiso_store::ValueKey {
                element: e.code.clone(),
                unit: unit.clone(),
                period: chiso_core::Period::Year(2023),
                breakdown: None,
            })
        })
        .filter(|k| {
            !d.values
                .iter()
                .any(|v| v.element == k.element && v.unit == k.unit && v.period == k.period)
        })
        .collect();
    store.delete_values(&stale, &actor).await?;
    s.indicators = store.upsert_indicators(&d.indicators, &actor).await?;
    s.frameworks = store.upsert_frameworks(&d.frameworks, &actor).await?;
    store.upsert_scorecards(&d.scorecards, &actor).await?;
    let col = collection::collection(&d);
    s.data_sets = store.upsert_data_sets(&col.data_sets, &actor).await?;
    store.upsert_validation_rules(&col.rules, &actor).await?;
    store.upsert_indicators(&col.indicators, &actor).await?;
    for c in &col.completions {
        s.completions += u64::from(store.complete(c, &actor).await?);
    }
    let done: std::collections::HashSet<(String, String, String, u8)> = store
        .approvals(None, None)
        .await?
        .into_iter()
        .map(|a| {
            (
                a.data_set.to_string(),
                a.unit.to_string(),
                a.period.to_string(),
                a.step,
            )
        })
        .collect();
    for a in &col.approvals {
        let key = (
            a.data_set.to_string(),
            a.unit.to_string(),
            a.period.to_string(),
            a.step,
        );
        if !done.contains(&key) {
            store.approve(a, &actor).await?;
            s.approvals += 1;
        }
    }
    s.plans = store.upsert_plans(&d.plans, &actor).await?;
    store.upsert_directives(&d.directives, &actor).await?;
    store.upsert_register(&d.register, &actor).await?;
    let (y, m, day) = followup::AS_OF;
    store
        .set_meta(
            chiso_core::derived::AS_OF_META,
            &format!("{y:04}-{m:02}-{day:02}"),
        )
        .await?;
    store.set_meta("demo", DEMO_VERSION).await?;
    Ok(s)
}
