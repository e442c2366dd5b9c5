//! The store's figures in the engine: the counts of each receiving unit and month, recomputed
//! from the records after every write that touches them and written through the engine's one
//! write path (source `derived`), so the rates (electronic results, digitisation, reuse,
//! store-linked, on time…) roll up like any other figure. And the panel after Decision
//! 766/QĐ-TTg over a unit's subtree and a period, from the records.

use super::{P06Error, P06Result};
use crate::App;
use chiso_core::{Code, Period, Via};
use chiso_p06::figures::{self as f, Counts, Key};
use chiso_p06::{panel, Dossier, Panel, PanelConfig};
use chiso_store::{Actor, DossierQuery, ResultQuery, StoreError};
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, BTreeSet};

/// The store's meta key under which the panel's (unofficial) configuration is kept as JSON.
pub const PANEL_META: &str = "p06_panel_config";
/// The audit log's action for a change of the panel's configuration.
pub const PANEL_ACTION: &str = "p06_panel_config.update";

pub use chiso_p06::model::agency_id;

fn month_range(y: i32, m: u8) -> Option<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(y, u32::from(m), 1)?;
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(y, u32::from(m) + 1, 1)?
    };
    Some((first, next.pred_opt()?))
}

impl App {
    /// Define the store's elements and indicators when the store lacks them.
    async fn p06_define(&self, system: &Actor) -> Result<(), StoreError> {
        let defined = {
            let engine = self.read().await;
            f::elements()
                .iter()
                .all(|e| engine.has_element(e.code.as_str()))
                && f::indicators()
                    .iter()
                    .all(|i| engine.has_indicator(i.code.as_str()))
        };
        if !defined {
            let _w = self.live.writing().await;
            self.store().upsert_elements(&f::elements(), system).await?;
            self.store()
                .upsert_indicators(&f::indicators(), system)
                .await?;
            if self.live.updates() {
                self.live.rebuild().await?;
            }
        }
        Ok(())
    }

    /// The counts of these units and months, from the records.
    pub(crate) async fn p06_counts(
        &self,
        keys: &BTreeSet<Key>,
    ) -> Result<BTreeMap<Key, Counts>, StoreError> {
        // The months asked, with the units asked in each.
        let mut months: BTreeMap<(i32, u8), Vec<Code>> = BTreeMap::new();
        for (u, y, m) in keys {
            months.entry((*y, *m)).or_default().push(u.clone());
        }
        let mut out = BTreeMap::new();
        for ((y, m), units) in months {
            let Some(range) = month_range(y, m) else {
                continue;
            };
            let dossiers = self
                .store()
                .p06_dossiers(&DossierQuery {
                    units,
                    touching: Some(range),
                    ..Default::default()
                })
                .await?;
            let t = self.p06_tally(&dossiers).await?;
            out.extend(t.into_iter().filter(|(k, _)| k.1 == y && k.2 == m));
        }
        for k in keys {
            out.entry(k.clone()).or_default();
        }
        out.retain(|k, _| keys.contains(k));
        Ok(out)
    }

    /// Tally dossiers with their results and ratings.
    async fn p06_tally(&self, dossiers: &[Dossier]) -> Result<BTreeMap<Key, Counts>, StoreError> {
        let finished: Vec<_> = dossiers
            .iter()
            .filter(|d| d.finished.is_some())
            .map(|d| d.code.clone())
            .collect();
        let mut results = Vec::new();
        let mut ratings = Vec::new();
        for chunk in finished.chunks(500) {
            results.extend(
                self.store()
                    .p06_results(&ResultQuery {
                        dossiers: chunk.to_vec(),
                        ..Default::default()
                    })
                    .await?,
            );
            ratings.extend(self.store().p06_ratings(chunk).await?);
        }
        // By columns (exactly the row-by-row count: `crates/p06/tests/columns.rs`).
        Ok(chiso_p06::columns::tally(dossiers, &results, &ratings))
    }

    /// Recompute the store's figures of these units and months and write them through the
    /// engine (unchanged values write nothing).
    pub async fn p06_refresh(&self, keys: BTreeSet<Key>, who: &str) -> Result<(), StoreError> {
        if keys.is_empty() {
            return Ok(());
        }
        let _one = self.figures.lock().await;
        let system = Actor::new(who, Via::Api);
        self.p06_define(&system).await?;
        let counts = self.p06_counts(&keys).await?;
        let values = f::values(&counts);
        for chunk in values.chunks(50_000) {
            self.live.write_values(chunk, &system).await?;
        }
        Ok(())
    }

    /// Recompute the store's figures of every unit and month the records touch in `year`.
    pub async fn p06_refresh_year(&self, year: i32, who: &str) -> Result<usize, StoreError> {
        let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            return Ok(0);
        };
        let dossiers = self
            .store()
            .p06_dossiers(&DossierQuery {
                touching: Some((first, last)),
                ..Default::default()
            })
            .await?;
        let keys: BTreeSet<Key> = f::keys_of(&dossiers)
            .into_iter()
            .filter(|k| k.1 == year)
            .collect();
        let n = keys.len();
        self.p06_refresh(keys, who).await?;
        Ok(n)
    }

    /// The panel's configuration: the one stored, else chiso's default (not official).
    pub async fn p06_panel_config(&self) -> Result<PanelConfig, StoreError> {
        Ok(self
            .store()
            .meta(PANEL_META)
            .await?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default())
    }

    /// Keep the panel's configuration (checked; an error by field changes nothing), the
    /// change recorded in the audit log (action [`PANEL_ACTION`], old → new) in the same
    /// transaction. Whether it changed anything.
    pub async fn p06_set_panel_config(&self, config: &PanelConfig, who: &Actor) -> P06Result<bool> {
        let problems = config.check();
        if !problems.is_empty() {
            let words: Vec<String> = problems.iter().map(|(f, w)| format!("{f}: {w}")).collect();
            return Err(P06Error::Refused(words.join("; ")));
        }
        let json = serde_json::to_string(config).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(self
            .store()
            .set_meta_audited(PANEL_META, &json, PANEL_ACTION, who)
            .await?)
    }

    /// The counts of a unit's subtree over a period, from the records (a dossier counts in
    /// the month it was received and in the month it was finished, as in the figures).
    pub async fn p06_counts_of(&self, unit: &Code, period: &Period) -> Result<Counts, StoreError> {
        let units: Vec<Code> = {
            let engine = self.read().await;
            let tree = engine.tree();
            tree.units()
                .iter()
                .filter(|u| tree.is_within(u.code.as_str(), unit.as_str()))
                .map(|u| u.code.clone())
                .collect()
        };
        let (from, to) = (period.start(), period.end());
        let mut total = Counts::default();
        if units.is_empty() {
            return Ok(total);
        }
        let dossiers = self
            .store()
            .p06_dossiers(&DossierQuery {
                units,
                touching: Some((from, to)),
                ..Default::default()
            })
            .await?;
        for ((_, y, m), c) in self.p06_tally(&dossiers).await? {
            let Some(day) = NaiveDate::from_ymd_opt(y, u32::from(m), 1) else {
                continue;
            };
            let (first, _) = month_range(day.year(), m).unwrap_or((day, day));
            if first >= from && first <= to {
                total.add(&c);
            }
        }
        Ok(total)
    }

    /// The panel of a unit's subtree over a period, on the stored configuration.
    pub async fn p06_panel(
        &self,
        unit: &Code,
        period: &Period,
    ) -> Result<(Panel, Counts), StoreError> {
        let config = self.p06_panel_config().await?;
        let counts = self.p06_counts_of(unit, period).await?;
        Ok((panel::score(&config, &counts), counts))
    }
}
