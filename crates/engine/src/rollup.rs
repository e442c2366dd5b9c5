//! Bulk roll-ups: every indicator at every unit and period at once, and grids for a list of
//! units, through vectorised sums over the subtree vectors where the indicator allows.

use crate::query::Res;
use crate::slice::{Series, Slice, NO_OPTION};
use crate::{Engine, EngineError, View};
use chiso_core::expr::Expr;
use chiso_core::{AggregationType, Code, Period};
use chrono::NaiveDate;

/// Every indicator at every unit and period, computed in one go (see [`Engine::rollup_all`]).
pub struct Rollup {
    pub indicators: Vec<String>,
    pub periods: Vec<Period>,
    /// Units in the engine's order ([`Engine::unit_code`]).
    pub units: usize,
    /// `values[(i * periods + p) * units + u]`; NaN where there is no value.
    pub values: Vec<f64>,
}

impl Rollup {
    pub fn get(&self, indicator: usize, period: usize, unit: usize) -> f64 {
        self.values[(indicator * self.periods.len() + period) * self.units + unit]
    }
    /// Number of values (not NaN).
    pub fn count(&self) -> usize {
        self.values.iter().filter(|v| !v.is_nan()).count()
    }
}

impl Engine {
    /// Every given indicator at every unit and every given period, at once: the full roll-up
    /// a national dashboard or an export needs. Indicators of the form `#{A}` / `#{B}` (the
    /// common case) take a vectorised path over the subtree sums; others are evaluated one by
    /// one. Runs on all cores. In the live view.
    pub fn rollup_all(
        &self,
        indicators: &[String],
        periods: &[Period],
    ) -> Result<Rollup, EngineError> {
        self.rollup_all_in(View::Live, indicators, periods)
    }

    pub(crate) fn rollup_all_in(
        &self,
        view: View,
        indicators: &[String],
        periods: &[Period],
    ) -> Result<Rollup, EngineError> {
        let n = self.units.len();
        let np = periods.len();
        let mut values = vec![f64::NAN; indicators.len() * np * n];
        for code in indicators {
            if !self.indicators.contains_key(code.as_str()) {
                return Err(EngineError::UnknownItem(code.clone()));
            }
        }
        let threads = std::thread::available_parallelism()
            .map(|t| t.get())
            .unwrap_or(1)
            .max(1);
        let per_thread = indicators.len().div_ceil(threads).max(1);
        std::thread::scope(|s| {
            for (chunk_i, out) in values.chunks_mut(per_thread * np * n).enumerate() {
                let codes = &indicators
                    [chunk_i * per_thread..((chunk_i + 1) * per_thread).min(indicators.len())];
                s.spawn(move || {
                    for (i, code) in codes.iter().enumerate() {
                        let out = &mut out[i * np * n..(i + 1) * np * n];
                        self.rollup_one(view, code, periods, out);
                    }
                });
            }
        });
        Ok(Rollup {
            indicators: indicators.to_vec(),
            periods: periods.to_vec(),
            units: n,
            values,
        })
    }

    fn simple_item(e: &Expr) -> Option<(&Code, Option<&Code>)> {
        match e {
            Expr::Item {
                element, option, ..
            } => Some((element, option.as_ref())),
            _ => None,
        }
    }

    /// Add the subtree sums of a series over the stored periods inside `p` into `acc`/`cnt`.
    fn accumulate(
        &self,
        view: View,
        element: &Code,
        option: Option<&Code>,
        p: &Period,
        acc: &mut [f64],
        cnt: &mut [u32],
    ) -> bool {
        let Some(info) = self.elements.get(element.as_str()) else {
            return false;
        };
        if info.aggregation != AggregationType::Sum {
            return false;
        }
        let keys: Vec<Series> = match option {
            Some(o) => match info.options.get(o.as_str()) {
                Some(&j) => vec![(info.id, j)],
                None => return true,
            },
            None if info.options.is_empty() => vec![(info.id, NO_OPTION)],
            None => info.options.values().map(|&j| (info.id, j)).collect(),
        };
        let (start, end) = (p.start(), p.end());
        for key in keys {
            let Some(periods) = self.data.get(&key) else {
                continue;
            };
            for (sp, s) in periods {
                if sp.start() < start || sp.end() > end {
                    continue;
                }
                let (sum, count) = s.sums(view);
                for ((a, c), (x, k)) in acc
                    .iter_mut()
                    .zip(cnt.iter_mut())
                    .zip(sum.iter().zip(count))
                {
                    *a += x;
                    *c += k;
                }
            }
        }
        true
    }

    fn rollup_one(&self, view: View, code: &str, periods: &[Period], out: &mut [f64]) {
        let n = self.units.len();
        let Some(ind) = self.indicators.get(code) else {
            return;
        };
        let fast = match (Self::simple_item(&ind.numerator), &ind.denominator) {
            (Some(num), Expr::Num(d)) if *d != 0.0 => Some((num, None, *d)),
            (Some(num), den) => Self::simple_item(den).map(|d| (num, Some(d), 1.0)),
            _ => None,
        };
        let factor = ind.def.factor;
        let mut num = vec![0.0; n];
        let mut num_c = vec![0u32; n];
        let mut den = vec![0.0; n];
        let mut den_c = vec![0u32; n];
        for (pi, p) in periods.iter().enumerate() {
            let out = &mut out[pi * n..(pi + 1) * n];
            let done = match fast {
                Some(((ne, no), d, constant)) => {
                    num.iter_mut().for_each(|x| *x = 0.0);
                    num_c.iter_mut().for_each(|x| *x = 0);
                    let mut ok = self.accumulate(view, ne, no, p, &mut num, &mut num_c);
                    if let Some((de, dopt)) = d {
                        den.iter_mut().for_each(|x| *x = 0.0);
                        den_c.iter_mut().for_each(|x| *x = 0);
                        ok &= self.accumulate(view, de, dopt, p, &mut den, &mut den_c);
                    }
                    if ok {
                        for u in 0..n {
                            let (dv, dc) = if d.is_some() {
                                (den[u], den_c[u])
                            } else {
                                (constant, 1)
                            };
                            out[u] = if num_c[u] == 0 || dc == 0 || dv == 0.0 {
                                f64::NAN
                            } else {
                                factor * num[u] / dv
                            };
                        }
                    }
                    ok
                }
                None => false,
            };
            if !done {
                for (u, o) in out.iter_mut().enumerate() {
                    let r = Res {
                        engine: self,
                        view,
                        units: &[u as u32],
                        periods: std::slice::from_ref(p),
                        as_of: None,
                    };
                    *o = match (ind.numerator.eval(&r), ind.denominator.eval(&r)) {
                        (Some(a), Some(b)) if b != 0.0 => factor * a / b,
                        _ => f64::NAN,
                    };
                }
            }
        }
    }

    /// Indicators × units × periods for a given list of units (a dashboard's grid), through
    /// the same sums as [`Engine::rollup_all`] but touching only the listed units:
    /// `out[(i * periods + p) * units + u]`. In the live view.
    pub fn grid(
        &self,
        indicators: &[String],
        units: &[u32],
        periods: &[Period],
    ) -> Result<Vec<f64>, EngineError> {
        self.grid_in(View::Live, indicators, units, periods)
    }

    pub(crate) fn grid_in(
        &self,
        view: View,
        indicators: &[String],
        units: &[u32],
        periods: &[Period],
    ) -> Result<Vec<f64>, EngineError> {
        let mut out = Vec::with_capacity(indicators.len() * periods.len() * units.len());
        for code in indicators {
            let ind = self
                .indicators
                .get(code.as_str())
                .ok_or_else(|| EngineError::UnknownItem(code.clone()))?;
            let fast = match (
                Self::simple_item(&ind.numerator),
                Self::simple_item(&ind.denominator),
            ) {
                (Some(n), Some(d)) => {
                    match (self.sum_slices(n.0, n.1), self.sum_slices(d.0, d.1)) {
                        (Some(ns), Some(ds)) => Some((ns, ds)),
                        _ => None,
                    }
                }
                _ => None,
            };
            for p in periods {
                match &fast {
                    Some((ns, ds)) => {
                        let (start, end) = (p.start(), p.end());
                        let (nsl, dsl) =
                            (slices_inside(ns, start, end), slices_inside(ds, start, end));
                        for &u in units {
                            let u = u as usize;
                            let (mut a, mut ac, mut b, mut bc) = (0.0, 0u32, 0.0, 0u32);
                            for s in &nsl {
                                let (sum, cnt) = s.sums(view);
                                a += sum[u];
                                ac += cnt[u];
                            }
                            for s in &dsl {
                                let (sum, cnt) = s.sums(view);
                                b += sum[u];
                                bc += cnt[u];
                            }
                            out.push(if ac == 0 || bc == 0 || b == 0.0 {
                                f64::NAN
                            } else {
                                ind.def.factor * a / b
                            });
                        }
                    }
                    None => {
                        for &u in units {
                            let r = Res {
                                engine: self,
                                view,
                                units: &[u],
                                periods: std::slice::from_ref(p),
                                as_of: None,
                            };
                            out.push(match (ind.numerator.eval(&r), ind.denominator.eval(&r)) {
                                (Some(a), Some(b)) if b != 0.0 => ind.def.factor * a / b,
                                _ => f64::NAN,
                            });
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// The stored slices of a summed element without breakdown options (None otherwise).
    fn sum_slices(&self, element: &Code, option: Option<&Code>) -> Option<Vec<(Period, &Slice)>> {
        let info = self.elements.get(element.as_str())?;
        if info.aggregation != AggregationType::Sum || option.is_some() || !info.options.is_empty()
        {
            return None;
        }
        Some(
            self.data
                .get(&(info.id, NO_OPTION))
                .map(|m| m.iter().map(|(p, s)| (*p, s)).collect())
                .unwrap_or_default(),
        )
    }
}

fn slices_inside<'a>(
    v: &[(Period, &'a Slice)],
    start: NaiveDate,
    end: NaiveDate,
) -> Vec<&'a Slice> {
    v.iter()
        .filter(|(p, _)| p.start() >= start && p.end() <= end)
        .map(|(_, s)| *s)
        .collect()
}
