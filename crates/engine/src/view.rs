//! The two views of the figures — official and live — and the engine read in one of them.

use crate::{
    Comparison, Coverage, Engine, EngineError, IndicatorValue, Ranked, Rollup, Scope, ScoreRow,
};
use chiso_core::expr::Expr;
use chiso_core::{Code, Period};
use chrono::NaiveDate;

/// Which values a figure is computed from (see the `official` module for the definition).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// Official values only: approved at the last level of their report's chain, or not
    /// collected through any data set; never one that breaks a blocking rule. What is
    /// published.
    #[default]
    Official,
    /// Everything entered: drafts and reports awaiting approval too.
    Live,
}

impl View {
    pub fn as_str(self) -> &'static str {
        match self {
            View::Official => "official",
            View::Live => "live",
        }
    }

    pub fn parse(s: &str) -> Option<View> {
        match s {
            "official" => Some(View::Official),
            "live" => Some(View::Live),
            _ => None,
        }
    }
}

/// The engine read in one view: every figure, change, ranking, score, target and coverage it
/// answers is computed from that view's values.
#[derive(Clone, Copy)]
pub struct Viewed<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) view: View,
}

impl Engine {
    /// Read the figures in a view.
    pub fn view(&self, view: View) -> Viewed<'_> {
        Viewed { engine: self, view }
    }
}

impl Viewed<'_> {
    pub fn kind(&self) -> View {
        self.view
    }

    pub fn element(
        &self,
        element: &Code,
        option: Option<&Code>,
        scope: &Scope,
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<f64>, EngineError> {
        self.engine
            .element_in(self.view, element, option, scope, period, as_of)
    }

    pub fn indicator(
        &self,
        code: &str,
        scope: &Scope,
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<IndicatorValue>, EngineError> {
        self.engine
            .indicator_in(self.view, code, scope, period, as_of)
    }

    pub fn eval(
        &self,
        expr: &Expr,
        scope: &Scope,
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<f64>, EngineError> {
        self.engine.eval_in(self.view, expr, scope, period, as_of)
    }

    pub fn compare(
        &self,
        code: &str,
        scope: &Scope,
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<Comparison>, EngineError> {
        self.engine
            .compare_in(self.view, code, scope, period, as_of)
    }

    pub fn rank(
        &self,
        code: &str,
        units: &[Code],
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Vec<Ranked>, EngineError> {
        self.engine.rank_in(self.view, code, units, period, as_of)
    }

    pub fn score(
        &self,
        sc: &chiso_core::Scorecard,
        units: &[Code],
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Vec<ScoreRow>, EngineError> {
        self.engine.score_in(self.view, sc, units, period, as_of)
    }

    pub fn assess(
        &self,
        t: &chiso_core::Target,
        today: NaiveDate,
    ) -> Result<chiso_core::Assessment, EngineError> {
        self.engine.assess_in(self.view, t, today)
    }

    /// Judge a target over another scope "as of" a date: the target carried into a later
    /// structure (see [`Engine::scope_on`]).
    pub fn assess_over(
        &self,
        t: &chiso_core::Target,
        today: NaiveDate,
        scope: &Scope,
        as_of: Option<NaiveDate>,
    ) -> Result<chiso_core::Assessment, EngineError> {
        self.engine.assess_over(self.view, t, today, scope, as_of)
    }

    /// What an indicator stands on over a scope and period (see [`Coverage`]).
    pub fn coverage(
        &self,
        code: &str,
        scope: &Scope,
        period: &Period,
    ) -> Result<Option<Coverage>, EngineError> {
        self.engine.coverage(self.view, code, scope, period)
    }

    pub fn element_coverage(
        &self,
        element: &Code,
        option: Option<&Code>,
        scope: &Scope,
        period: &Period,
    ) -> Result<Option<Coverage>, EngineError> {
        self.engine
            .element_coverage(self.view, element, option, scope, period)
    }

    pub fn rollup_all(
        &self,
        indicators: &[String],
        periods: &[Period],
    ) -> Result<Rollup, EngineError> {
        self.engine.rollup_all_in(self.view, indicators, periods)
    }

    pub fn grid(
        &self,
        indicators: &[String],
        units: &[u32],
        periods: &[Period],
    ) -> Result<Vec<f64>, EngineError> {
        self.engine.grid_in(self.view, indicators, units, periods)
    }

    /// One unit's own value as the view has it.
    pub fn own(
        &self,
        element: &Code,
        option: Option<&Code>,
        unit: &str,
        period: &Period,
    ) -> Option<f64> {
        let key = self
            .engine
            .series_key(element.as_str(), option.map(|o| o.as_str()))?;
        let u = *self.engine.index.get(unit)? as usize;
        self.engine.data.get(&key)?.get(period)?.value(self.view, u)
    }
}
