//! The derived figures: values computed from plans, directives and registers (plan coverage,
//! tasks, budget, overdue directives, DX products, connections, dead zones), recomputed after
//! every change to them and written through the engine's one write path like any value
//! (source `derived`). The engine knows nothing of plans.

use crate::App;
use chiso_core::{derived, Code, Unit, Via};
use chiso_store::{Actor, StoreError, UnitQuery};
use chrono::NaiveDate;
use std::collections::BTreeSet;

impl App {
    /// The day the derived figures are computed for: the store's "as of" day when it holds
    /// one (the demo stands on 30 June 2024), else today in Vietnam.
    pub async fn as_of_day(&self) -> Result<NaiveDate, StoreError> {
        let stored = self.store().meta(derived::AS_OF_META).await?;
        Ok(stored
            .and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
            .unwrap_or_else(chiso_core::clock::today_in_vietnam))
    }

    /// Recompute the derived figures of `years` and write them through the engine (unchanged
    /// values are left alone and write no audit row). `touched` names units whose figures
    /// must be written even when nothing names them any more (an entry moved away). The
    /// derived elements and indicators are defined first when the store lacks them.
    pub async fn refresh_figures(
        &self,
        years: BTreeSet<i32>,
        who: &str,
        touched: &[Code],
    ) -> Result<(), StoreError> {
        if years.is_empty() {
            return Ok(());
        }
        let _one = self.figures.lock().await;
        let system = Actor::new(who, Via::Api);
        let defined = {
            let engine = self.read().await;
            derived::elements()
                .iter()
                .all(|e| engine.has_element(e.code.as_str()))
        };
        if !defined {
            let store = self.store();
            let _w = self.live.writing().await;
            store.upsert_elements(&derived::elements(), &system).await?;
            let villages = Code::parse("THON_TONG").ok();
            let has_villages = match villages {
                Some(v) => store.element(&v).await?.is_some(),
                None => false,
            };
            store
                .upsert_indicators(&derived::indicators(has_villages), &system)
                .await?;
            if self.live.updates() {
                self.live.rebuild().await?;
            }
        }
        let store = self.store();
        let units: Vec<Unit> = store
            .units(&UnitQuery::default())
            .await?
            .into_iter()
            .map(|u| u.unit)
            .collect();
        let plans = store.plans(None, None).await?;
        let directives = store.directives().await?;
        let register = store.register(None).await?;
        let today = self.as_of_day().await?;
        let units = derived::units_in_scope(&units, &plans, &directives, &register, touched);
        for year in years {
            let values = derived::values(year, today, &units, &plans, &directives, &register);
            self.live.write_values(&values, &system).await?;
        }
        Ok(())
    }
}
