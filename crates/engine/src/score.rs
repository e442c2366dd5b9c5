//! Scorecards: criteria scored from indicators, summed into pillars and an overall index,
//! with ranks.

use crate::{Coverage, Engine, EngineError, Scope, View};
use chiso_core::{Code, Period};
use chrono::NaiveDate;

/// A criterion's result for one unit.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct CriterionScore {
    #[schema(value_type = String)]
    pub code: Code,
    pub value: Option<f64>,
    pub points: f64,
    /// What the criterion's figure stands on.
    pub coverage: Option<Coverage>,
}

/// A pillar's result for one unit.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct PillarScore {
    #[schema(value_type = String)]
    pub code: Code,
    pub points: f64,
    pub maximum: f64,
    /// points / maximum, from 0 to 1.
    pub index: f64,
    pub rank: u32,
}

/// One unit's scorecard.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ScoreRow {
    #[schema(value_type = String)]
    pub unit: Code,
    pub points: f64,
    pub maximum: f64,
    pub index: f64,
    pub rank: u32,
    pub pillars: Vec<PillarScore>,
    pub criteria: Vec<CriterionScore>,
}

/// Competition ranks (1, 2, 2, 4) of values, highest first.
fn ranks(values: &[f64]) -> Vec<u32> {
    values
        .iter()
        .map(|v| 1 + values.iter().filter(|o| **o > *v + 1e-12).count() as u32)
        .collect()
}

impl Engine {
    /// Score units on a scorecard: each criterion's points from its indicator and rule, each
    /// pillar's and the whole index as points / maximum, and ranks per pillar and overall.
    /// Rows come best first. In the live view.
    pub fn score(
        &self,
        sc: &chiso_core::Scorecard,
        units: &[Code],
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Vec<ScoreRow>, EngineError> {
        self.score_in(View::Live, sc, units, period, as_of)
    }

    pub(crate) fn score_in(
        &self,
        view: View,
        sc: &chiso_core::Scorecard,
        units: &[Code],
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Vec<ScoreRow>, EngineError> {
        let mut rows = Vec::with_capacity(units.len());
        for u in units {
            let scope = Scope::Unit(u.clone());
            let mut criteria = Vec::new();
            let mut pillars = Vec::new();
            for p in &sc.pillars {
                let mut points = 0.0;
                let mut maximum = 0.0;
                for c in &p.criteria {
                    let value = self
                        .indicator_in(view, c.indicator.as_str(), &scope, period, as_of)?
                        .map(|v| v.value);
                    let pts = c.rule.points(value, c.max_points);
                    points += pts;
                    maximum += c.max_points;
                    let coverage = match as_of {
                        Some(_) => None,
                        None => self.coverage(view, c.indicator.as_str(), &scope, period)?,
                    };
                    criteria.push(CriterionScore {
                        code: c.code.clone(),
                        value,
                        points: pts,
                        coverage,
                    });
                }
                pillars.push(PillarScore {
                    code: p.code.clone(),
                    points,
                    maximum,
                    index: if maximum > 0.0 { points / maximum } else { 0.0 },
                    rank: 0,
                });
            }
            let points: f64 = pillars.iter().map(|p| p.points).sum();
            let maximum: f64 = pillars.iter().map(|p| p.maximum).sum();
            rows.push(ScoreRow {
                unit: u.clone(),
                points,
                maximum,
                index: if maximum > 0.0 { points / maximum } else { 0.0 },
                rank: 0,
                pillars,
                criteria,
            });
        }
        let overall = ranks(&rows.iter().map(|r| r.index).collect::<Vec<_>>());
        for (r, k) in rows.iter_mut().zip(overall) {
            r.rank = k;
        }
        for i in 0..sc.pillars.len() {
            let idx: Vec<f64> = rows.iter().map(|r| r.pillars[i].index).collect();
            for (r, k) in rows.iter_mut().zip(ranks(&idx)) {
                r.pillars[i].rank = k;
            }
        }
        rows.sort_by(|a, b| a.rank.cmp(&b.rank).then_with(|| a.unit.cmp(&b.unit)));
        Ok(rows)
    }
}
