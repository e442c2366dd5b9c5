//! The yearly review's content from the store and the engine (read only): the framework, the
//! directives and plans, the units' names, the data version (the last audit row).

use crate::App;
use chiso_engine::{Engine, View};
use chiso_store::{AuditQuery, StoreError, UnitQuery};
use chrono::NaiveDate;
use std::collections::HashMap;

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("unknown target framework {0}")]
    UnknownFramework(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the figures: {0}")]
    Build(#[from] chiso_report::BuildError),
}

impl App {
    /// The report's content for a framework in a view, its targets judged on `today`, with the
    /// given engine (the server's, or one loaded by a command).
    pub async fn report_content(
        &self,
        engine: &Engine,
        code: &str,
        view: View,
        today: NaiveDate,
    ) -> Result<chiso_report::Report, ReportError> {
        let store = self.store();
        let framework = store
            .frameworks()
            .await?
            .into_iter()
            .find(|f| f.code.as_str() == code)
            .ok_or_else(|| ReportError::UnknownFramework(code.to_string()))?;
        let directives = store.directives().await?;
        let plans = store.plans(None, None).await?;
        let units: Vec<chiso_core::Unit> = store
            .units(&UnitQuery::default())
            .await?
            .into_iter()
            .map(|s| s.unit)
            .collect();
        let unit_names: HashMap<String, (String, String)> = units
            .iter()
            .map(|u| {
                let en = u.name("en").to_string();
                (u.code.to_string(), (u.name_vi.clone(), en))
            })
            .collect();
        // The framework's province: the root above its first unit-scoped target.
        let parents: HashMap<String, Option<String>> = units
            .iter()
            .map(|u| (u.code.to_string(), u.parent.as_ref().map(|p| p.to_string())))
            .collect();
        let root_of = |c: &str| -> String {
            let mut c = c.to_string();
            while let Some(Some(p)) = parents.get(&c) {
                c = p.clone();
            }
            c
        };
        let root = framework.targets.iter().find_map(|t| match &t.scope {
            chiso_core::TargetScope::Unit(u) => Some(root_of(u.as_str())),
            chiso_core::TargetScope::Group(_) => None,
        });
        let year_end = framework
            .targets
            .first()
            .map(|t| t.period.end())
            .unwrap_or(today);
        let mut communes: Vec<(String, String, String)> = units
            .iter()
            .filter(|u| {
                u.kind == chiso_core::UnitKind::Commune
                    && u.exists_on(year_end)
                    && root.as_deref() == Some(root_of(u.code.as_str()).as_str())
            })
            .map(|u| {
                (
                    u.code.to_string(),
                    u.name_vi.clone(),
                    u.name("en").to_string(),
                )
            })
            .collect();
        communes.sort();
        let scorecard = store.scorecards().await?.into_iter().next();
        let audit_seq = store
            .audit(&AuditQuery {
                limit: Some(1),
                ..Default::default()
            })
            .await?
            .first()
            .map(|e| e.id)
            .unwrap_or(0);
        let made_at = chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string();
        Ok(chiso_report::build(&chiso_report::Inputs {
            engine,
            view,
            framework: &framework,
            directives: &directives,
            plans: &plans,
            unit_names: &unit_names,
            communes: &communes,
            scorecard: scorecard.as_ref(),
            today,
            audit_seq,
            made_at,
        })?)
    }
}
