//! Comparisons and rankings: an indicator against the same period last year and the period
//! before, units ranked by an indicator, and targets judged.

use crate::{Coverage, Engine, EngineError, Scope, View};
use chiso_core::{Code, Period};
use chrono::NaiveDate;

/// A change between two periods: for a rate, `difference` is in percentage points and there is
/// no relative change; for an amount, both the difference and the relative change (%).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Delta {
    #[schema(value_type = String)]
    pub period: Period,
    pub value: f64,
    pub difference: f64,
    pub relative_percent: Option<f64>,
    /// What the earlier figure stands on.
    pub coverage: Option<Coverage>,
    /// False when one of the two figures is partial and the other is not: the change then
    /// compares figures resting on different shares of their units, and says so.
    pub comparable: bool,
}

/// An indicator at a unit and period, with its changes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Comparison {
    /// The view the figures come from.
    pub view: View,
    pub value: f64,
    pub numerator: f64,
    pub denominator: f64,
    pub is_rate: bool,
    /// What the figure stands on: units that reported of units expected (none for a figure
    /// read "as of" another structure).
    pub coverage: Option<Coverage>,
    /// Against the same period last year ("cùng kỳ năm trước").
    pub same_period_last_year: Option<Delta>,
    /// Against the period just before.
    pub previous_period: Option<Delta>,
}

/// A unit's place in a ranking.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Ranked {
    #[schema(value_type = String)]
    pub unit: Code,
    pub value: Option<f64>,
    pub rank: Option<u32>,
    /// What the unit's figure stands on.
    pub coverage: Option<Coverage>,
}

/// Whether a change between two figures compares like with like: both partial or both not
/// (unknown coverage is taken as comparable).
fn comparable(a: Option<&Coverage>, b: Option<&Coverage>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.partial == b.partial,
        _ => true,
    }
}

impl Engine {
    /// What a figure stands on; none for a figure read "as of" another structure.
    fn coverage_as_of(
        &self,
        view: View,
        code: &str,
        scope: &Scope,
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<Coverage>, EngineError> {
        if as_of.is_some() {
            return Ok(None);
        }
        self.coverage(view, code, scope, period)
    }

    /// An indicator in the live view with its change against the same period last year and
    /// the previous period.
    pub fn compare(
        &self,
        code: &str,
        scope: &Scope,
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<Comparison>, EngineError> {
        self.compare_in(View::Live, code, scope, period, as_of)
    }

    pub(crate) fn compare_in(
        &self,
        view: View,
        code: &str,
        scope: &Scope,
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<Comparison>, EngineError> {
        let Some(now) = self.indicator_in(view, code, scope, period, as_of)? else {
            return Ok(None);
        };
        let coverage = self.coverage_as_of(view, code, scope, period, as_of)?;
        let is_rate = self
            .indicators
            .get(code)
            .map(|i| i.def.is_rate)
            .unwrap_or(false);
        let delta = |p: Option<Period>| -> Result<Option<Delta>, EngineError> {
            let Some(p) = p else { return Ok(None) };
            let Some(then) = self.indicator_in(view, code, scope, &p, as_of)? else {
                return Ok(None);
            };
            let then_coverage = self.coverage_as_of(view, code, scope, &p, as_of)?;
            Ok(Some(Delta {
                period: p,
                value: then.value,
                difference: now.value - then.value,
                relative_percent: (!is_rate && then.value != 0.0)
                    .then(|| (now.value - then.value) / then.value.abs() * 100.0),
                comparable: comparable(coverage.as_ref(), then_coverage.as_ref()),
                coverage: then_coverage,
            }))
        };
        Ok(Some(Comparison {
            view,
            coverage,
            value: now.value,
            numerator: now.numerator,
            denominator: now.denominator,
            is_rate,
            same_period_last_year: delta(period.same_period_last_year())?,
            previous_period: delta(period.previous())?,
        }))
    }

    /// Rank units by an indicator in the live view: best first (by the indicator's
    /// direction), ties sharing a rank (1, 2, 2, 4); units without a value come last, unranked.
    pub fn rank(
        &self,
        code: &str,
        units: &[Code],
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Vec<Ranked>, EngineError> {
        self.rank_in(View::Live, code, units, period, as_of)
    }

    pub(crate) fn rank_in(
        &self,
        view: View,
        code: &str,
        units: &[Code],
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Vec<Ranked>, EngineError> {
        let lower_better = self
            .indicators
            .get(code)
            .map(|i| i.def.direction == chiso_core::Direction::LowerIsBetter)
            .ok_or_else(|| EngineError::UnknownItem(code.to_string()))?;
        let mut rows: Vec<Ranked> = units
            .iter()
            .map(|u| {
                let scope = Scope::Unit(u.clone());
                Ok(Ranked {
                    unit: u.clone(),
                    value: self
                        .indicator_in(view, code, &scope, period, as_of)?
                        .map(|v| v.value),
                    rank: None,
                    coverage: self.coverage_as_of(view, code, &scope, period, as_of)?,
                })
            })
            .collect::<Result<_, EngineError>>()?;
        rows.sort_by(|a, b| match (a.value, b.value) {
            (Some(x), Some(y)) => {
                let o = if lower_better {
                    x.total_cmp(&y)
                } else {
                    y.total_cmp(&x)
                };
                o.then_with(|| a.unit.cmp(&b.unit))
            }
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.unit.cmp(&b.unit),
        });
        let mut prev: Option<(f64, u32)> = None;
        for (i, r) in rows.iter_mut().enumerate() {
            if let Some(v) = r.value {
                let rank = match prev {
                    Some((pv, pr)) if pv == v => pr,
                    _ => i as u32 + 1,
                };
                r.rank = Some(rank);
                prev = Some((v, rank));
            }
        }
        Ok(rows)
    }

    /// Judge a target on `today` in the live view: a deadline by its dates, a value target by
    /// the indicator over its scope and period (projected when the period is still running).
    pub fn assess(
        &self,
        t: &chiso_core::Target,
        today: NaiveDate,
    ) -> Result<chiso_core::Assessment, EngineError> {
        self.assess_in(View::Live, t, today)
    }

    pub(crate) fn assess_in(
        &self,
        view: View,
        t: &chiso_core::Target,
        today: NaiveDate,
    ) -> Result<chiso_core::Assessment, EngineError> {
        let scope = match &t.scope {
            chiso_core::TargetScope::Unit(u) => Scope::Unit(u.clone()),
            chiso_core::TargetScope::Group(g) => Scope::Group(g.clone()),
        };
        self.assess_over(view, t, today, &scope, None)
    }

    /// Judge a target's value over another scope, "as of" a date: the target carried into a
    /// later structure (see [`Engine::scope_on`]). A deadline is judged by its dates.
    pub(crate) fn assess_over(
        &self,
        view: View,
        t: &chiso_core::Target,
        today: NaiveDate,
        scope: &Scope,
        as_of: Option<NaiveDate>,
    ) -> Result<chiso_core::Assessment, EngineError> {
        if let Some(due) = t.due {
            return Ok(chiso_core::target::assess_deadline(
                due,
                t.completed_on,
                today,
            ));
        }
        let (Some(ind), Some(cmp), Some(value)) = (&t.indicator, t.comparator, t.value) else {
            return Ok(chiso_core::target::assess_value(
                chiso_core::Comparator::AtLeast,
                0.0,
                None,
                true,
                1.0,
            ));
        };
        let actual = self
            .indicator_in(view, ind.as_str(), scope, &t.period, as_of)?
            .map(|v| v.value);
        let is_rate = self
            .indicators
            .get(ind.as_str())
            .map(|i| i.def.is_rate)
            .unwrap_or(true);
        let (start, end) = (t.period.start(), t.period.end());
        let elapsed = if today >= end {
            1.0
        } else if today < start {
            0.0
        } else {
            ((today - start).num_days() + 1) as f64
                / t.period.days_in(chiso_core::Convention::Calendar) as f64
        };
        Ok(chiso_core::target::assess_value(
            cmp, value, actual, is_rate, elapsed,
        ))
    }
}
