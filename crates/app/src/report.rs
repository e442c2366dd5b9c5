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
        let unit_names: HashMap<String, (String, String)> = store
            .units(&UnitQuery::default())
            .await?
            .into_iter()
            .map(|s| {
                let u = s.unit;
                let en = u.name("en").to_string();
                (u.code.to_string(), (u.name_vi.clone(), en))
            })
            .collect();
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
            today,
            audit_seq,
            made_at,
        })?)
    }
}
