//! The official view, defined once: a value is **official** when its report (data set × unit
//! × period) is approved at the last level of its approval chain, or when it was not collected
//! through any data set — no data set collecting its element expects its unit for a period of
//! its type, or its source says it was published or derived (published figures, figures
//! derived from plans and registers, an administrator's import marked as published). A value
//! that breaks a blocking validation rule is never official. Everything else entered is live
//! only: drafts, reports sent, reports approved at a lower level.
//!
//! The official view is a mask over the cube, kept in step on every write, completion and
//! approval: a slice whose values are all official has no official part (its sums serve both
//! views); one that holds a value that is not gets one, with its own subtree sums, updated
//! unit by unit like the live sums.

use crate::reporting::ReportState;
use crate::slice::{propagate, Official, Series, Slice, NO_OPTION};
use crate::Engine;
use chiso_core::dataset::CompiledRule;
use chiso_core::expr::{Expr, PeriodMod, Resolver};
use chiso_core::fasthash::{FastMap, FastSet};
use chiso_core::{Code, Period, RuleOperator, Severity, ValidationRule};
use std::collections::HashMap;

/// A blocking validation rule, as the engine checks it on a unit's own values for a period.
pub(crate) struct BlockRule {
    left: Expr,
    right: Expr,
    operator: RuleOperator,
    /// The elements it reads, by engine id.
    elements: Vec<u32>,
}

/// A value whose source is published or derived: official whatever data set collects it.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedKey {
    pub element: Code,
    pub option: Option<Code>,
    pub unit: Code,
    pub period: Period,
}

/// One unit's own values for one period, as a validation rule reads them (an element with a
/// breakdown counts as the sum of its options).
struct OwnAt<'a> {
    engine: &'a Engine,
    u: usize,
    period: Period,
}

impl Resolver for OwnAt<'_> {
    fn item(&self, element: &Code, option: Option<&Code>, m: PeriodMod) -> Option<f64> {
        if m != PeriodMod::default() {
            return None;
        }
        let info = self.engine.elements.get(element.as_str())?;
        let own = |j: u32| {
            self.engine
                .data
                .get(&(info.id, j))?
                .get(&self.period)
                .map(|s| s.own[self.u])
                .filter(|x| !x.is_nan())
        };
        match option {
            Some(o) => own(*info.options.get(o.as_str())?),
            None if info.options.is_empty() => own(NO_OPTION),
            None => info
                .options
                .values()
                .filter_map(|&j| own(j))
                .fold(None, |acc, x| Some(acc.unwrap_or(0.0) + x)),
        }
    }
    fn constant(&self, code: &Code) -> Option<f64> {
        self.engine.constants.get(code.as_str()).copied()
    }
    fn group_count(&self, _code: &Code) -> Option<f64> {
        None
    }
    fn reporting_rate(&self, _data_set: &Code, _metric: &str) -> Option<f64> {
        None
    }
}

impl Engine {
    /// Keep the blocking rules (warnings never keep a value out of the official view).
    pub(crate) fn build_rules(&mut self, rules: &[ValidationRule]) {
        self.rules.clear();
        self.element_rules = vec![Vec::new(); self.element_codes.len()];
        for r in rules.iter().filter(|r| r.severity == Severity::Block) {
            let Ok(c) = CompiledRule::new(r) else {
                continue;
            };
            let elements: Vec<u32> = c
                .elements
                .iter()
                .filter_map(|e| self.elements.get(e.as_str()).map(|i| i.id))
                .collect();
            let at = self.rules.len();
            for &e in &elements {
                self.element_rules[e as usize].push(at);
            }
            self.rules.push(BlockRule {
                left: c.left,
                right: c.right,
                operator: r.operator,
                elements,
            });
        }
    }

    /// Remember the values published or derived, where a data set collects their element.
    pub(crate) fn build_published(&mut self, keys: &[PublishedKey]) {
        self.pinned.clear();
        for k in keys {
            let (Some(s), Some(&u)) = (
                self.series(&k.element, k.option.as_ref()),
                self.index.get(k.unit.as_str()),
            ) else {
                continue;
            };
            self.set_pinned(s, k.period, u, true);
        }
    }

    pub(crate) fn set_pinned(&mut self, s: Series, period: Period, u: u32, published: bool) {
        if published {
            if !self.collectors[s.0 as usize].is_empty() {
                self.pinned.entry((s, period)).or_default().insert(u);
            }
        } else if let Some(set) = self.pinned.get_mut(&(s, period)) {
            set.remove(&u);
            if set.is_empty() {
                self.pinned.remove(&(s, period));
            }
        }
    }

    /// Whether a data set collects an element (so its values' sources matter).
    pub fn collects(&self, element: &Code) -> bool {
        self.elements
            .get(element.as_str())
            .is_some_and(|i| !self.collectors[i.id as usize].is_empty())
    }

    /// Whether the engine holds a value as published or derived.
    pub fn is_published_value(
        &self,
        element: &Code,
        option: Option<&Code>,
        unit: &Code,
        period: &Period,
    ) -> bool {
        let (Some(s), Some(u)) = (self.series(element, option), self.index.get(unit.as_str()))
        else {
            return false;
        };
        self.pinned
            .get(&(s, *period))
            .is_some_and(|set| set.contains(u))
    }

    /// Where a unit's stored number stands: `Final` when it is official, `Entering` or
    /// `Awaiting` when it is live only (its report not sent, or a blocking rule broken; sent
    /// and awaiting approval); None when the engine holds no number there.
    pub fn value_state(
        &self,
        element: &Code,
        option: Option<&Code>,
        unit: &str,
        period: &Period,
    ) -> Option<ReportState> {
        let s = self.series(element, option)?;
        let u = *self.index.get(unit)?;
        let slice = self.data.get(&s)?.get(period)?;
        if slice.own[u as usize].is_nan() {
            return None;
        }
        Some(if slice.is_official(u as usize) {
            ReportState::Final
        } else {
            self.pending_state(s, *period, u)
        })
    }

    /// The series of an element: one per breakdown option, or its own.
    pub(crate) fn series_of(&self, element: u32) -> Vec<Series> {
        match self.option_codes[element as usize].len() {
            0 => vec![(element, NO_OPTION)],
            n => (0..n as u32).map(|j| (element, j)).collect(),
        }
    }

    /// Whether a unit's value of a series for a stored period is official (see the module).
    pub(crate) fn decide(&self, s: Series, period: Period, u: u32) -> bool {
        if self
            .blocked
            .get(&(u, period))
            .is_some_and(|b| b.contains(&s.0))
        {
            return false;
        }
        let mut collected = false;
        for &d in &self.collectors[s.0 as usize] {
            let r = &self.reporting[d];
            if r.ds.period_type != period.period_type() || !r.expects(self, u, &period) {
                continue;
            }
            if r.state(self.chain_len[u as usize], u, &period) == ReportState::Final {
                return true;
            }
            collected = true;
        }
        !collected
            || self
                .pinned
                .get(&(s, period))
                .is_some_and(|set| set.contains(&u))
    }

    /// Where a live value not in the official view stands: its report sent (awaiting approval)
    /// or not (being entered, or kept out by a broken rule).
    pub(crate) fn pending_state(&self, s: Series, period: Period, u: u32) -> ReportState {
        let blocked = self
            .blocked
            .get(&(u, period))
            .is_some_and(|b| b.contains(&s.0));
        let sent = !blocked
            && self.collectors[s.0 as usize].iter().any(|&d| {
                let r = &self.reporting[d];
                r.ds.period_type == period.period_type()
                    && r.expects(self, u, &period)
                    && r.state(self.chain_len[u as usize], u, &period) != ReportState::Entering
            });
        if sent {
            ReportState::Awaiting
        } else {
            ReportState::Entering
        }
    }

    /// Bring one value's place in the official view up to date (after its own value, its
    /// report or the rules broken at its unit and period changed): its official sums are
    /// changed along its ancestors, nothing is recomputed.
    pub(crate) fn set_official(&mut self, s: Series, period: Period, u: u32) {
        let ok = self.decide(s, period, u);
        let units = &self.units;
        let Some(slice) = self.data.get_mut(&s).and_then(|m| m.get_mut(&period)) else {
            return;
        };
        let x = slice.own[u as usize];
        if slice.off.is_none() && (ok || x.is_nan()) {
            return;
        }
        let o = slice.split_official();
        if o.ok[u as usize] == ok {
            return;
        }
        o.ok[u as usize] = ok;
        if !x.is_nan() {
            let (d_sum, d_cnt) = if ok { (x, 1) } else { (-x, -1) };
            propagate(
                &mut o.sum,
                &mut o.cnt,
                |i| units[i].parent,
                u as usize,
                d_sum,
                d_cnt,
            );
        }
    }

    /// A report's values after its completion or approval changed.
    pub(crate) fn redecide_report(&mut self, r: usize, u: u32, period: Period) {
        let elements = self.reporting[r].elements.clone();
        for e in elements {
            for s in self.series_of(e) {
                self.set_official(s, period, u);
            }
        }
        self.forget_carried();
    }

    /// The elements read by the blocking rules a unit's own values for a period break.
    fn broken_at(&self, u: u32, period: Period) -> Vec<u32> {
        let at = OwnAt {
            engine: self,
            u: u as usize,
            period,
        };
        let mut out: Vec<u32> = Vec::new();
        for r in &self.rules {
            let (Some(l), Some(rv)) = (r.left.eval(&at), r.right.eval(&at)) else {
                continue;
            };
            if !r.operator.holds(l, rv) {
                for e in &r.elements {
                    if !out.contains(e) {
                        out.push(*e);
                    }
                }
            }
        }
        out
    }

    /// Check the blocking rules at a unit and period again; the elements whose state changed.
    pub(crate) fn recheck_rules(&mut self, u: u32, period: Period) -> Vec<u32> {
        let now = self.broken_at(u, period);
        let before = if now.is_empty() {
            self.blocked.remove(&(u, period))
        } else {
            self.blocked.insert((u, period), now.clone())
        }
        .unwrap_or_default();
        let mut changed: Vec<u32> = now
            .iter()
            .filter(|e| !before.contains(e))
            .copied()
            .collect();
        changed.extend(before.iter().filter(|e| !now.contains(e)));
        changed
    }

    /// Recompute the whole official view from the values, reports, rules and sources held:
    /// after building or bulk loading, never on a single write.
    pub(crate) fn refresh_official(&mut self) {
        self.blocked.clear();
        if !self.rules.is_empty() {
            let mut pairs: FastSet<(u32, Period)> = FastSet::default();
            let read: FastSet<u32> = self.rules.iter().flat_map(|r| r.elements.clone()).collect();
            for ((e, _), periods) in &self.data {
                if !read.contains(e) {
                    continue;
                }
                for (p, s) in periods {
                    for (u, x) in s.own.iter().enumerate() {
                        if !x.is_nan() {
                            pairs.insert((u as u32, *p));
                        }
                    }
                }
            }
            for (u, p) in pairs {
                let b = self.broken_at(u, p);
                if !b.is_empty() {
                    self.blocked.insert((u, p), b);
                }
            }
        }
        let mut blocked_by: FastMap<(u32, Period), Vec<u32>> = FastMap::default();
        for ((u, p), elements) in &self.blocked {
            for &e in elements {
                blocked_by.entry((e, *p)).or_default().push(*u);
            }
        }
        // Per data set and period: who is expected, and whose report is final.
        let mut masks: HashMap<(usize, Period), (Vec<bool>, Vec<bool>)> = HashMap::new();
        for ((e, _), periods) in &self.data {
            for p in periods.keys() {
                for &d in &self.collectors[*e as usize] {
                    let r = &self.reporting[d];
                    if r.ds.period_type != p.period_type() || masks.contains_key(&(d, *p)) {
                        continue;
                    }
                    let n = self.units.len() as u32;
                    let expected: Vec<bool> = (0..n).map(|u| r.expects(self, u, p)).collect();
                    let last: Vec<bool> = (0..n)
                        .map(|u| {
                            expected[u as usize]
                                && r.state(self.chain_len[u as usize], u, p) == ReportState::Final
                        })
                        .collect();
                    masks.insert((d, *p), (expected, last));
                }
            }
        }
        let order = &self.bottom_up;
        let parents: Vec<Option<u32>> = self.units.iter().map(|u| u.parent).collect();
        let (collectors, pinned, masks, blocked_by) =
            (&self.collectors, &self.pinned, &masks, &blocked_by);
        let mut slices: Vec<(Series, Period, &mut Slice)> = self
            .data
            .iter_mut()
            .flat_map(|(k, m)| m.iter_mut().map(move |(p, s)| (*k, *p, s)))
            .collect();
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .max(1);
        let chunk = slices.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            for part in slices.chunks_mut(chunk) {
                let parents = &parents;
                scope.spawn(move || {
                    for (k, p, s) in part.iter_mut() {
                        let relevant: Vec<&(Vec<bool>, Vec<bool>)> = collectors[k.0 as usize]
                            .iter()
                            .filter_map(|d| masks.get(&(*d, *p)))
                            .collect();
                        let ok = official_mask(
                            &s.own,
                            &relevant,
                            pinned.get(&(*k, *p)),
                            blocked_by.get(&(k.0, *p)),
                        );
                        s.off = ok.map(|ok| {
                            let n = ok.len();
                            Box::new(Official {
                                ok,
                                sum: vec![0.0; n],
                                cnt: vec![0; n],
                            })
                        });
                        if s.off.is_some() {
                            crate::slice::rebuild(s, order, parents);
                        }
                    }
                });
            }
        });
        self.forget_carried();
    }
}

/// Which own values of a slice are official (None: all of them).
fn official_mask(
    own: &[f64],
    data_sets: &[&(Vec<bool>, Vec<bool>)],
    pinned: Option<&std::collections::HashSet<u32>>,
    blocked: Option<&Vec<u32>>,
) -> Option<Vec<bool>> {
    if data_sets.is_empty() && blocked.is_none() {
        return None;
    }
    let mut ok = vec![true; own.len()];
    if !data_sets.is_empty() {
        for (u, x) in own.iter().enumerate() {
            if x.is_nan() {
                continue;
            }
            let collected = data_sets.iter().any(|(expected, _)| expected[u]);
            ok[u] = !collected || data_sets.iter().any(|(_, last)| last[u]);
        }
    }
    for &u in pinned.into_iter().flatten() {
        ok[u as usize] = true;
    }
    for &u in blocked.into_iter().flatten() {
        ok[u as usize] = false;
    }
    own.iter()
        .zip(&ok)
        .any(|(x, ok)| !x.is_nan() && !ok)
        .then_some(ok)
}
