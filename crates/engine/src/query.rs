//! Answering queries: an element's aggregated value over a scope and the stored periods
//! inside a period range, expressions and indicators evaluated through a resolver that answers
//! each `#{…}` that way.

use crate::slice::{Series, Slice, NO_OPTION};
use crate::{Engine, EngineError, Scope, View};
use chiso_core::expr::{Expr, PeriodMod, Resolver};
use chiso_core::{AggregationType, Code, Indicator, Period};
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

/// An indicator's value with the sums it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndicatorValue {
    pub value: f64,
    pub numerator: f64,
    pub denominator: f64,
}

impl Engine {
    /// The aggregated value of an element (or one breakdown option; all options when none is
    /// given and the element has a breakdown) over the subtrees of `scope_units` (none below
    /// another) and the stored periods lying inside one of the date ranges `start..=end`, in a
    /// view. A stored period inside several ranges counts once: the ranges are a set of days,
    /// as DHIS2's filter `pe:2023;2023Q1` is a set of periods.
    pub(crate) fn element_range(
        &self,
        view: View,
        element: &Code,
        option: Option<&Code>,
        scope_units: &[u32],
        ranges: &[(NaiveDate, NaiveDate)],
        as_of: Option<NaiveDate>,
    ) -> Option<f64> {
        let info = self.elements.get(element.as_str())?;
        let keys: Vec<Series> = match option {
            Some(o) => vec![(info.id, *info.options.get(o.as_str())?)],
            None if info.options.is_empty() => vec![(info.id, NO_OPTION)],
            None => info.options.values().map(|&j| (info.id, j)).collect(),
        };
        // Per stored period: (end date, sum, count, min, max) over the scope.
        let mut per_period: BTreeMap<NaiveDate, (f64, u64)> = BTreeMap::new();
        let mut total = 0.0;
        let mut count = 0u64;
        let mut min = f64::INFINITY;
        let mut max = f64::NEG_INFINITY;
        let want_extremes = matches!(
            info.aggregation,
            AggregationType::Min | AggregationType::Max
        );
        for key in keys {
            let Some(periods) = self.data.get(&key) else {
                continue;
            };
            for (p, s) in periods {
                if !ranges
                    .iter()
                    .any(|&(start, end)| start <= p.start() && p.end() <= end)
                {
                    continue;
                }
                let mapped;
                let s: &Slice = match as_of {
                    Some(d) => {
                        mapped = self.as_of_slice(view, key, *p, d, s);
                        &mapped
                    }
                    None => s,
                };
                let (sum, cnt) = s.sums(view);
                for &u in scope_units {
                    let (su, cu) = (sum[u as usize], cnt[u as usize]);
                    if cu == 0 {
                        continue;
                    }
                    total += su;
                    count += cu as u64;
                    let e = per_period.entry(p.end()).or_insert((0.0, 0));
                    e.0 += su;
                    e.1 += cu as u64;
                    if want_extremes {
                        self.extremes(view, u, s, &mut min, &mut max);
                    }
                }
            }
        }
        if count == 0 {
            return None;
        }
        let v = match info.aggregation {
            AggregationType::Sum => total,
            AggregationType::Count => count as f64,
            AggregationType::Average => total / count as f64,
            AggregationType::AverageOverTime => {
                per_period.values().map(|x| x.0).sum::<f64>() / per_period.len() as f64
            }
            AggregationType::LastValue => per_period.values().next_back().map(|x| x.0)?,
            AggregationType::Min => min,
            AggregationType::Max => max,
        };
        v.is_finite().then_some(v)
    }

    fn extremes(&self, view: View, u: u32, s: &Slice, min: &mut f64, max: &mut f64) {
        let mut stack = vec![u];
        while let Some(i) = stack.pop() {
            if let Some(x) = s.value(view, i as usize) {
                *min = min.min(x);
                *max = max.max(x);
            }
            stack.extend(self.children[i as usize].iter().copied());
        }
    }

    /// Evaluate an expression over a scope and period, in the live view.
    pub fn eval(
        &self,
        expr: &Expr,
        scope: &Scope,
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<f64>, EngineError> {
        self.eval_in(View::Live, expr, scope, period, as_of)
    }

    pub(crate) fn eval_in(
        &self,
        view: View,
        expr: &Expr,
        scope: &Scope,
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<f64>, EngineError> {
        let units = self.scope_units(scope)?;
        let r = Res {
            engine: self,
            view,
            units: &units,
            periods: std::slice::from_ref(period),
            as_of,
        };
        Ok(expr.eval(&r))
    }

    /// An indicator's value in the live view: factor × Σnumerator / Σdenominator over the
    /// scope and period.
    pub fn indicator(
        &self,
        code: &str,
        scope: &Scope,
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<IndicatorValue>, EngineError> {
        self.indicator_in(View::Live, code, scope, period, as_of)
    }

    pub(crate) fn indicator_in(
        &self,
        view: View,
        code: &str,
        scope: &Scope,
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<IndicatorValue>, EngineError> {
        let units = self.scope_units(scope)?;
        self.indicator_over(view, code, &units, std::slice::from_ref(period), as_of)
    }

    /// An indicator over several units and periods taken as one (DHIS2's filter
    /// `ou:A;B`, `pe:2023;2024`): factor × Σnumerator / Σdenominator, each sum over the
    /// subtrees of `units` (none below another) and the stored periods inside any of
    /// `periods` — never an average of the items' ratios.
    pub(crate) fn indicator_over(
        &self,
        view: View,
        code: &str,
        units: &[u32],
        periods: &[Period],
        as_of: Option<NaiveDate>,
    ) -> Result<Option<IndicatorValue>, EngineError> {
        let ind = self
            .indicators
            .get(code)
            .ok_or_else(|| EngineError::UnknownItem(code.to_string()))?;
        if periods.is_empty() {
            return Ok(None);
        }
        let r = Res {
            engine: self,
            view,
            units,
            periods,
            as_of,
        };
        let (Some(num), Some(den)) = (ind.numerator.eval(&r), ind.denominator.eval(&r)) else {
            return Ok(None);
        };
        if den == 0.0 {
            return Ok(None);
        }
        let value = ind.def.factor * num / den;
        Ok(value.is_finite().then_some(IndicatorValue {
            value,
            numerator: num,
            denominator: den,
        }))
    }

    /// An element's aggregated value over a scope and period, in the live view.
    pub fn element(
        &self,
        element: &Code,
        option: Option<&Code>,
        scope: &Scope,
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<f64>, EngineError> {
        self.element_in(View::Live, element, option, scope, period, as_of)
    }

    pub(crate) fn element_in(
        &self,
        view: View,
        element: &Code,
        option: Option<&Code>,
        scope: &Scope,
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<f64>, EngineError> {
        let units = self.scope_units(scope)?;
        self.element_over(
            view,
            element,
            option,
            &units,
            std::slice::from_ref(period),
            as_of,
        )
    }

    /// An element over several units and periods taken as one (DHIS2's filter `ou:A;B`,
    /// `pe:2023;2024`): its aggregation type applied to every value in the subtrees of
    /// `units` (none below another) for the stored periods inside any of `periods`, each
    /// value counted once.
    pub(crate) fn element_over(
        &self,
        view: View,
        element: &Code,
        option: Option<&Code>,
        units: &[u32],
        periods: &[Period],
        as_of: Option<NaiveDate>,
    ) -> Result<Option<f64>, EngineError> {
        if !self.elements.contains_key(element.as_str()) {
            return Err(EngineError::UnknownItem(element.to_string()));
        }
        let ranges: Vec<(NaiveDate, NaiveDate)> =
            periods.iter().map(|p| (p.start(), p.end())).collect();
        Ok(self.element_range(view, element, option, units, &ranges, as_of))
    }

    /// The indicator definition.
    pub fn indicator_def(&self, code: &str) -> Option<&Indicator> {
        self.indicators.get(code).map(|c| &c.def)
    }
}

/// Answers an expression's items for units and periods taken as one (usually one scope and
/// one period; several for DHIS2's filters).
pub(crate) struct Res<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) view: View,
    pub(crate) units: &'a [u32],
    pub(crate) periods: &'a [Period],
    pub(crate) as_of: Option<NaiveDate>,
}

impl Resolver for Res<'_> {
    /// Each period moved as the item says (`.periodOffset(n)`, `.yearToDate()`), the stored
    /// periods inside any of them aggregated once.
    fn item(&self, element: &Code, option: Option<&Code>, m: PeriodMod) -> Option<f64> {
        let mut ranges = Vec::with_capacity(self.periods.len());
        for period in self.periods {
            let p = period.offset(m.offset as i64)?;
            let start = if m.year_to_date {
                NaiveDate::from_ymd_opt(p.start().year(), 1, 1)?
            } else {
                p.start()
            };
            ranges.push((start, p.end()));
        }
        self.engine
            .element_range(self.view, element, option, self.units, &ranges, self.as_of)
    }
    fn constant(&self, code: &Code) -> Option<f64> {
        self.engine.constants.get(code.as_str()).copied()
    }
    fn group_count(&self, code: &Code) -> Option<f64> {
        let members = self.engine.groups.get(code.as_str())?;
        let inside = members
            .iter()
            .filter(|&&m| {
                let mut cur = Some(m);
                while let Some(u) = cur {
                    if self.units.contains(&u) {
                        return true;
                    }
                    cur = self.engine.units[u as usize].parent;
                }
                false
            })
            .count();
        Some(inside as f64)
    }
    fn reporting_rate(&self, data_set: &Code, metric: &str) -> Option<f64> {
        self.engine
            .reporting_metric(data_set.as_str(), metric, self.units, self.periods)
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::{c, descendants, element, ratio_indicator, tree, value};
    use crate::{Engine, Input, Scope};
    use chiso_core::{AggregationType, Period};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn every_unit_is_the_ratio_of_its_subtree_sums(
            parents in proptest::collection::vec(0usize..1000, 1..40),
            raw in proptest::collection::vec((0u32..1000, 1u32..1000), 40),
        ) {
            let units = tree(&parents);
            let y = Period::Year(2023);
            let mut values = Vec::new();
            for (i, u) in units.iter().enumerate() {
                let (n, d) = raw[i % raw.len()];
                values.push(value("N", u.unit.code.as_str(), y, n.min(d) as f64));
                values.push(value("D", u.unit.code.as_str(), y, d as f64));
            }
            let e = Engine::build(Input {
                units: units.clone(),
                elements: vec![element("N"), element("D")],
                indicators: vec![ratio_indicator()],
                values: values.clone(),
                ..Default::default()
            });
            for u in &units {
                let sub = descendants(&units, u.unit.code.as_str());
                let sum = |el: &str| values.iter().filter(|v| v.element.as_str() == el && sub.contains(&v.unit.to_string())).map(|v| v.num.unwrap()).sum::<f64>();
                let (n, d) = (sum("N"), sum("D"));
                let got = e.indicator("R", &Scope::Unit(u.unit.code.clone()), &y, None).unwrap().unwrap();
                prop_assert_eq!((got.numerator, got.denominator), (n, d));
                prop_assert!((got.value - 100.0 * n / d).abs() <= 1e-9 * got.value.abs().max(1.0));
            }
        }
    }

    #[test]
    fn aggregation_types() {
        let units = tree(&[0, 0]);
        let el = |code: &str, agg| {
            let mut e = element(code);
            e.aggregation = agg;
            e
        };
        let elements = vec![
            el("AOT", AggregationType::AverageOverTime),
            el("AVG", AggregationType::Average),
            el("LAST", AggregationType::LastValue),
            el("MIN", AggregationType::Min),
            el("MAX", AggregationType::Max),
            el("CNT", AggregationType::Count),
        ];
        let mut values = Vec::new();
        for (u, m, x) in [
            ("U1", 1, 10.0),
            ("U1", 2, 20.0),
            ("U2", 1, 30.0),
            ("U2", 3, 40.0),
        ] {
            for el in ["AOT", "AVG", "LAST", "MIN", "MAX", "CNT"] {
                values.push(value(el, u, Period::Month(2023, m), x));
            }
        }
        let e = Engine::build(Input {
            units,
            elements,
            values,
            ..Default::default()
        });
        let q = |el: &str, p: Period| {
            e.element(&c(el), None, &Scope::Unit(c("U0")), &p, None)
                .unwrap()
        };
        let y = Period::Year(2023);
        assert_eq!(q("AVG", y), Some(25.0));
        // Months with values: Jan 10 + 30, Feb 20, Mar 40 → summed over units, averaged over time.
        assert_eq!(q("AOT", y), Some((40.0 + 20.0 + 40.0) / 3.0));
        assert_eq!(q("LAST", y), Some(40.0), "the last month with a value");
        assert_eq!(
            q("LAST", Period::Quarter(2023, 1)),
            Some(40.0),
            "March is the last month of Q1"
        );
        assert_eq!(
            q("LAST", Period::Month(2023, 1)),
            Some(40.0),
            "both units in January"
        );
        assert_eq!(q("MIN", y), Some(10.0));
        assert_eq!(q("MAX", y), Some(40.0));
        assert_eq!(q("CNT", y), Some(4.0));
        assert_eq!(q("AVG", Period::Year(2022)), None);
    }
}
