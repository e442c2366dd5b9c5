//! What a figure stands on: of the units expected to report it, how many did — in the view
//! asked. Expected units come from the data sets' assignments: the units that must report a
//! data set collecting one of the figure's elements, for a period inside the one asked, under
//! the scope. A figure no data set collects there — or, when none of the expected units
//! reported, one resting on the scope's own value, like a province's published figure — is
//! measured against
//! the scope's own units (the unit, or each member of a group): those with a value below
//! them, of all.

use crate::reporting::ReportState;
use crate::slice::{Series, NO_OPTION};
use crate::{Engine, EngineError, Scope, View};
use chiso_core::{Code, Period, UnitKind};

/// Below this share of its expected units a figure is partial: shown as such, never as a bare
/// number, and not compared with a complete one without saying so.
pub const COMPLETE_SHARE: f64 = 0.9;

/// What a figure's expected units are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The units the data sets collecting the figure expect, under the scope.
    DataSets,
    /// No data set collects the figure there: the scope's own units.
    Scope,
}

/// What a figure stands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Coverage {
    /// Units with a value of the figure in the view…
    pub reported: u32,
    /// …of the units expected.
    pub expected: u32,
    pub basis: Basis,
    /// The kind of every unit expected, when they are all of one kind (communes: "58/62 xã").
    pub kind: Option<UnitKind>,
    /// Fewer than [`COMPLETE_SHARE`] of the expected units reported.
    pub partial: bool,
    /// Expected units whose values are not official yet because their report is still being
    /// entered (or breaks a blocking rule)…
    pub entering: u32,
    /// …or because it was sent and awaits approval.
    pub awaiting: u32,
}

impl Coverage {
    pub(crate) fn new(
        (reported, expected): (u32, u32),
        basis: Basis,
        kind: Option<UnitKind>,
        entering: u32,
        awaiting: u32,
    ) -> Coverage {
        Coverage {
            reported,
            expected,
            basis,
            kind,
            partial: (reported as f64) < COMPLETE_SHARE * expected as f64,
            entering,
            awaiting,
        }
    }
}

impl Engine {
    /// The coverage of an indicator over a scope and period, in a view (None when nothing is
    /// expected there: a unit that did not exist then).
    pub fn coverage(
        &self,
        view: View,
        code: &str,
        scope: &Scope,
        period: &Period,
    ) -> Result<Option<Coverage>, EngineError> {
        let ind = self
            .indicators
            .get(code)
            .ok_or_else(|| EngineError::UnknownItem(code.to_string()))?;
        let mut series = Vec::new();
        for (element, option, _) in ind
            .numerator
            .items()
            .into_iter()
            .chain(ind.denominator.items())
        {
            series.extend(self.item_series(element, option));
        }
        let roots = self.scope_units(scope)?;
        Ok(self.coverage_of(view, &series, &roots, period))
    }

    /// The coverage of an element (or one breakdown option) over a scope and period.
    pub fn element_coverage(
        &self,
        view: View,
        element: &Code,
        option: Option<&Code>,
        scope: &Scope,
        period: &Period,
    ) -> Result<Option<Coverage>, EngineError> {
        if !self.elements.contains_key(element.as_str()) {
            return Err(EngineError::UnknownItem(element.to_string()));
        }
        let series = self.item_series(element, option);
        let roots = self.scope_units(scope)?;
        Ok(self.coverage_of(view, &series, &roots, period))
    }

    fn item_series(&self, element: &Code, option: Option<&Code>) -> Vec<Series> {
        let Some(info) = self.elements.get(element.as_str()) else {
            return Vec::new();
        };
        match option {
            Some(o) => info
                .options
                .get(o.as_str())
                .map(|&j| vec![(info.id, j)])
                .unwrap_or_default(),
            None if info.options.is_empty() => vec![(info.id, NO_OPTION)],
            None => self.series_of(info.id),
        }
    }

    pub(crate) fn coverage_of(
        &self,
        view: View,
        series: &[Series],
        roots: &[u32],
        period: &Period,
    ) -> Option<Coverage> {
        // A figure of no stored element (a reporting rate, a constant) stands on no unit.
        if series.is_empty() {
            return None;
        }
        let (start, end) = (period.start(), period.end());
        let stored: Vec<(Series, Period, &crate::slice::Slice)> = series
            .iter()
            .filter_map(|k| self.data.get(k).map(|m| (k, m)))
            .flat_map(|(k, m)| {
                m.iter()
                    .filter(|(p, _)| p.start() >= start && p.end() <= end)
                    .map(move |(p, s)| (*k, *p, s))
            })
            .collect();
        // The data sets collecting the figure, with their periods inside the one asked.
        let mut sets: Vec<(usize, Vec<Period>)> = Vec::new();
        for (e, _) in series {
            for &d in &self.collectors[*e as usize] {
                if sets.iter().any(|(x, _)| *x == d) {
                    continue;
                }
                let periods = self.reporting[d].periods_in(period);
                if !periods.is_empty() {
                    sets.push((d, periods));
                }
            }
        }
        let mut expected = 0u32;
        let (mut reported, mut entering, mut awaiting) = (0u32, 0u32, 0u32);
        // The one kind of the units expected (None once two kinds are met).
        let mut kind: Option<Option<UnitKind>> = None;
        let mut stack: Vec<u32> = roots.to_vec();
        while let Some(u) = stack.pop() {
            stack.extend(self.children[u as usize].iter().copied());
            let expects = sets.iter().any(|(d, periods)| {
                let r = &self.reporting[*d];
                periods.iter().any(|p| r.expects(self, u, p))
            });
            if !expects {
                continue;
            }
            expected += 1;
            let k = self.units[u as usize].kind;
            kind = match kind {
                None => Some(Some(k)),
                Some(Some(prev)) if prev == k => Some(Some(k)),
                _ => Some(None),
            };
            let mut has = false;
            let mut pending: Option<ReportState> = None;
            for (k, p, s) in &stored {
                let i = u as usize;
                if s.own[i].is_nan() {
                    continue;
                }
                if s.is_official(i) {
                    has = true;
                    continue;
                }
                if view == View::Live {
                    has = true;
                }
                let st = self.pending_state(*k, *p, u);
                if pending != Some(ReportState::Awaiting) {
                    pending = Some(st);
                }
            }
            reported += u32::from(has);
            match pending {
                Some(ReportState::Awaiting) => awaiting += 1,
                Some(_) => entering += 1,
                None => {}
            }
        }
        // None of the expected units reported, but the scope's own unit holds a value in the
        // view (a province's published figure of a year before its units reported): the figure
        // rests on that value, measured as a figure outside any data set.
        let rests_elsewhere = reported == 0
            && stored.iter().any(|(_, _, s)| {
                roots.iter().any(|&u| {
                    let i = u as usize;
                    !s.own[i].is_nan() && (view == View::Live || s.is_official(i))
                })
            });
        if expected > 0 && !rests_elsewhere {
            return Some(Coverage::new(
                (reported, expected),
                Basis::DataSets,
                kind.flatten(),
                entering,
                awaiting,
            ));
        }
        // Outside any data set: the scope's own units, each with a value below it or not.
        let existing: Vec<u32> = roots
            .iter()
            .copied()
            .filter(|&u| {
                let node = &self.units[u as usize];
                node.valid_from.is_none_or(|f| f <= end) && node.valid_to.is_none_or(|t| start <= t)
            })
            .collect();
        if existing.is_empty() {
            return None;
        }
        let with_value = existing
            .iter()
            .filter(|&&u| {
                stored
                    .iter()
                    .any(|(_, _, s)| s.sums(view).1[u as usize] > 0)
            })
            .count() as u32;
        let pending = existing
            .iter()
            .filter(|&&u| {
                stored.iter().any(|(_, _, s)| {
                    s.sums(View::Live).1[u as usize] > s.sums(View::Official).1[u as usize]
                })
            })
            .count() as u32;
        let kinds: Vec<UnitKind> = existing
            .iter()
            .map(|&u| self.units[u as usize].kind)
            .collect();
        let kind = kinds
            .first()
            .copied()
            .filter(|k| kinds.iter().all(|x| x == k));
        Some(Coverage::new(
            (with_value, existing.len() as u32),
            Basis::Scope,
            kind,
            pending,
            0,
        ))
    }
}
