//! The cube: the units, the series and, for every series and stored period, dense vectors
//! over the units (each unit's own value, its subtree sum and its subtree count); building it
//! from what the store holds, and applying committed changes to it.

use crate::history::successor_weights;
use crate::official::{BlockRule, PublishedKey};
use crate::reporting;
use crate::View;
use chiso_core::StoredUnit;
use chiso_core::{
    AggregationType, Code, CompiledIndicator, DataElement, DataValue, Indicator, Period,
    SuccessorLink, UnitGroup,
};
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

pub use crate::slice::Series;
pub(crate) use crate::slice::{propagate, rebuild, Slice, NO_OPTION};

/// A slice carried into the structure of a date: (view, series, stored period, date).
pub(crate) type Carried = (View, Series, Period, NaiveDate);

/// Everything the engine is built from (what the store holds).
#[derive(Default, Clone)]
pub struct Input {
    pub units: Vec<StoredUnit>,
    pub groups: Vec<UnitGroup>,
    pub links: Vec<SuccessorLink>,
    pub elements: Vec<DataElement>,
    pub breakdown_options: HashMap<String, Vec<Code>>,
    pub indicators: Vec<Indicator>,
    pub constants: Vec<chiso_core::Constant>,
    pub values: Vec<DataValue>,
    /// Data sets and the reports received, for `R{DATASET.METRIC}`, coverage and the
    /// official view.
    pub data_sets: Vec<chiso_core::DataSet>,
    pub completions: Vec<chiso_core::Completion>,
    /// Approval steps recorded on reports.
    pub approvals: Vec<chiso_core::Approval>,
    /// Validation rules (the blocking ones keep a value out of the official view).
    pub rules: Vec<chiso_core::ValidationRule>,
    /// Values whose source is published or derived (official whatever collects them).
    pub published: Vec<PublishedKey>,
}

/// One committed change of a numeric value (None: deleted, or not a number).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub element: Code,
    pub unit: Code,
    pub period: Period,
    pub option: Option<Code>,
    pub num: Option<f64>,
    /// Its source is published or derived: official whatever data set collects it.
    pub published: bool,
}

impl Change {
    pub fn of(v: &DataValue) -> Change {
        Change {
            element: v.element.clone(),
            unit: v.unit.clone(),
            period: v.period,
            option: v.breakdown.clone(),
            num: v.num,
            published: is_published(&v.source),
        }
    }
}

/// Whether a value's source makes it official whatever collects it: published figures and
/// figures derived from them, or from plans and registers.
pub fn is_published(source: &chiso_core::SourceTag) -> bool {
    matches!(
        source,
        chiso_core::SourceTag::Published | chiso_core::SourceTag::Derived
    )
}

pub(crate) struct UnitNode {
    pub(crate) code: Code,
    pub(crate) kind: chiso_core::UnitKind,
    pub(crate) parent: Option<u32>,
    pub(crate) level: i32,
    pub(crate) valid_from: Option<NaiveDate>,
    pub(crate) valid_to: Option<NaiveDate>,
}

impl UnitNode {
    pub(crate) fn exists_on(&self, d: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= d) && self.valid_to.is_none_or(|t| d <= t)
    }
}

pub(crate) struct ElementInfo {
    pub(crate) id: u32,
    pub(crate) aggregation: AggregationType,
    /// Breakdown option codes → option ids (empty when the element has no breakdown).
    pub(crate) options: HashMap<String, u32>,
}

/// The in-memory cube and what it is built from (see the crate documentation).
pub struct Engine {
    pub(crate) units: Vec<UnitNode>,
    pub(crate) index: HashMap<String, u32>,
    pub(crate) children: Vec<Vec<u32>>,
    /// Units deepest first: the order in which subtree sums are built.
    pub(crate) bottom_up: Vec<u32>,
    pub(crate) successors: Vec<Vec<(u32, f64)>>,
    pub(crate) groups: HashMap<String, Vec<u32>>,
    pub(crate) elements: HashMap<String, ElementInfo>,
    pub(crate) indicators: HashMap<String, CompiledIndicator>,
    pub(crate) constants: HashMap<String, f64>,
    pub(crate) data: HashMap<Series, BTreeMap<Period, Slice>>,
    /// Values carried into the structure of a date, built on first use, dropped on any change.
    pub(crate) as_of_cache: Mutex<HashMap<Carried, Arc<Slice>>>,
    /// Element codes and their breakdown options' codes, by element id and option id.
    pub(crate) element_codes: Vec<Code>,
    pub(crate) option_codes: Vec<Vec<Code>>,
    /// Data sets, their reports and approvals, and by element id the data sets collecting it.
    pub(crate) reporting: Vec<reporting::Reporting>,
    pub(crate) reporting_index: HashMap<String, usize>,
    pub(crate) collectors: Vec<Vec<usize>>,
    /// How many levels approve each unit's reports.
    pub(crate) chain_len: Vec<u8>,
    /// Blocking rules, by element id the rules reading it, and the elements kept out of the
    /// official view at a unit and period because a rule is broken there.
    pub(crate) rules: Vec<BlockRule>,
    pub(crate) element_rules: Vec<Vec<usize>>,
    pub(crate) blocked: HashMap<(u32, Period), Vec<u32>>,
    /// Values published or derived, where a data set collects their element.
    pub(crate) pinned: HashMap<(Series, Period), std::collections::HashSet<u32>>,
    /// The unit tree (the same units in the same order as `units`), shared with everything
    /// that asks who is within what: access rules, data collection.
    pub(crate) tree: Arc<chiso_core::UnitTree>,
}

impl Engine {
    /// Build the engine from what the store holds. Values of unknown units or elements and
    /// indicators that do not compile are skipped (the store does not let them in).
    pub fn build(input: Input) -> Engine {
        let mut units: Vec<StoredUnit> = input.units;
        units.sort_by_key(|u| u.level);
        let index: HashMap<String, u32> = units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.unit.code.to_string(), i as u32))
            .collect();
        let nodes: Vec<UnitNode> = units
            .iter()
            .map(|u| UnitNode {
                code: u.unit.code.clone(),
                kind: u.unit.kind,
                parent: u
                    .unit
                    .parent
                    .as_ref()
                    .and_then(|p| index.get(p.as_str()).copied()),
                level: u.level,
                valid_from: u.unit.valid_from,
                valid_to: u.unit.valid_to,
            })
            .collect();
        let tree = Arc::new(chiso_core::UnitTree::new(
            units.iter().map(|u| u.unit.clone()).collect(),
            &input.groups,
        ));
        let n = nodes.len();
        let mut children = vec![Vec::new(); n];
        for (i, u) in nodes.iter().enumerate() {
            if let Some(p) = u.parent {
                children[p as usize].push(i as u32);
            }
        }
        let mut bottom_up: Vec<u32> = (0..n as u32).collect();
        bottom_up.sort_by_key(|&i| std::cmp::Reverse(nodes[i as usize].level));

        let successors = successor_weights(&index, &input.links, n);

        let groups = input
            .groups
            .iter()
            .map(|g| {
                (
                    g.code.to_string(),
                    g.members
                        .iter()
                        .filter_map(|m| index.get(m.as_str()).copied())
                        .collect(),
                )
            })
            .collect();
        let elements: HashMap<String, ElementInfo> = input
            .elements
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let options = e
                    .breakdown
                    .as_ref()
                    .and_then(|b| input.breakdown_options.get(b.as_str()))
                    .map(|os| {
                        os.iter()
                            .enumerate()
                            .map(|(j, o)| (o.to_string(), j as u32))
                            .collect()
                    })
                    .unwrap_or_default();
                (
                    e.code.to_string(),
                    ElementInfo {
                        id: i as u32,
                        aggregation: e.aggregation,
                        options,
                    },
                )
            })
            .collect();
        let element_codes: Vec<Code> = input.elements.iter().map(|e| e.code.clone()).collect();
        let option_codes: Vec<Vec<Code>> = input
            .elements
            .iter()
            .map(|e| {
                e.breakdown
                    .as_ref()
                    .and_then(|b| input.breakdown_options.get(b.as_str()))
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        let indicators = input
            .indicators
            .iter()
            .filter_map(|i| i.compile().ok().map(|c| (i.code.to_string(), c)))
            .collect();
        let mut engine = Engine {
            units: nodes,
            index,
            children,
            bottom_up,
            successors,
            groups,
            elements,
            indicators,
            constants: input
                .constants
                .iter()
                .map(|c| (c.code.to_string(), c.value))
                .collect(),
            data: HashMap::new(),
            as_of_cache: Mutex::new(HashMap::new()),
            element_codes,
            option_codes,
            reporting: Vec::new(),
            reporting_index: HashMap::new(),
            collectors: Vec::new(),
            chain_len: Vec::new(),
            rules: Vec::new(),
            element_rules: Vec::new(),
            blocked: HashMap::new(),
            pinned: HashMap::new(),
            tree,
        };
        engine.chain_len = reporting::chain_lengths(&engine);
        engine.build_reporting(&input.data_sets, &input.completions, &input.approvals);
        engine.build_rules(&input.rules);
        engine.build_published(&input.published);
        for v in &input.values {
            if let (Some(k), Some(&u), Some(x)) = (
                engine.series_key(v.element.as_str(), v.breakdown.as_ref().map(|b| b.as_str())),
                engine.index.get(v.unit.as_str()),
                v.num,
            ) {
                let slice = engine
                    .data
                    .entry(k)
                    .or_default()
                    .entry(v.period)
                    .or_insert_with(|| Slice::new(n));
                slice.own[u as usize] = x;
            }
        }
        let order = engine.bottom_up.clone();
        let parents: Vec<Option<u32>> = engine.units.iter().map(|u| u.parent).collect();
        for periods in engine.data.values_mut() {
            for s in periods.values_mut() {
                rebuild(s, &order, &parents);
            }
        }
        engine.refresh_official();
        engine
    }

    /// An engine with units, groups, links, elements and indicators but no values yet.
    pub fn skeleton(mut input: Input) -> Engine {
        input.values.clear();
        Engine::build(input)
    }

    pub(crate) fn series_key(&self, element: &str, option: Option<&str>) -> Option<Series> {
        let e = self.elements.get(element)?;
        match option {
            None if e.options.is_empty() => Some((e.id, NO_OPTION)),
            None => None,
            Some(o) => e.options.get(o).map(|&j| (e.id, j)),
        }
    }

    /// The series of an element (or one of its breakdown options).
    pub fn series(&self, element: &Code, option: Option<&Code>) -> Option<Series> {
        self.series_key(element.as_str(), option.map(|o| o.as_str()))
    }

    /// Apply committed changes: each updates its unit and the unit's ancestors (no full
    /// rebuild), in the live view and, as the rules, reports and sources decide, the official
    /// one.
    pub fn apply(&mut self, changes: &[Change]) {
        self.apply_each(changes.iter().map(|c| {
            (
                c.element.as_str(),
                c.option.as_ref().map(|o| o.as_str()),
                c.unit.as_str(),
                c.period,
                c.num,
                c.published,
            )
        }));
    }

    /// [`Engine::apply`] over borrowed changes: (element, breakdown option, unit, period,
    /// the new number or None when the value is gone or not a number, whether its source is
    /// published or derived).
    pub fn apply_each<'a>(
        &mut self,
        changes: impl IntoIterator<
            Item = (&'a str, Option<&'a str>, &'a str, Period, Option<f64>, bool),
        >,
    ) {
        let n = self.units.len();
        let mut touched: Vec<(Series, Period, u32)> = Vec::new();
        let mut rule_pairs: Vec<(u32, Period)> = Vec::new();
        for (element, option, unit, period, num, published) in changes {
            let (Some(k), Some(&u)) = (self.series_key(element, option), self.index.get(unit))
            else {
                continue;
            };
            self.set_pinned(k, period, u, published && num.is_some());
            let units = &self.units;
            let slice = self
                .data
                .entry(k)
                .or_default()
                .entry(period)
                .or_insert_with(|| Slice::new(n));
            let old = slice.own[u as usize];
            let new = num.filter(|x| x.is_finite()).unwrap_or(f64::NAN);
            let d_sum = if new.is_nan() { 0.0 } else { new } - if old.is_nan() { 0.0 } else { old };
            let d_cnt = i64::from(!new.is_nan()) - i64::from(!old.is_nan());
            slice.own[u as usize] = new;
            let parent = |i: usize| units[i].parent;
            propagate(
                &mut slice.sum,
                &mut slice.cnt,
                parent,
                u as usize,
                d_sum,
                d_cnt,
            );
            // The old value leaves the official view; it is decided again below.
            if let Some(o) = slice.off.as_deref_mut() {
                if o.ok[u as usize] && !old.is_nan() {
                    propagate(&mut o.sum, &mut o.cnt, parent, u as usize, -old, -1);
                }
                o.ok[u as usize] = false;
            }
            touched.push((k, period, u));
            if !self.element_rules[k.0 as usize].is_empty() {
                rule_pairs.push((u, period));
            }
        }
        rule_pairs.sort_unstable();
        rule_pairs.dedup();
        for (u, p) in rule_pairs {
            for e in self.recheck_rules(u, p) {
                for s in self.series_of(e) {
                    touched.push((s, p, u));
                }
            }
        }
        for (s, p, u) in touched {
            self.set_official(s, p, u);
        }
        self.forget_carried();
    }

    pub fn unit_count(&self) -> usize {
        self.units.len()
    }

    /// Number of stored numeric values held.
    pub fn value_count(&self) -> usize {
        self.data
            .values()
            .flat_map(|p| p.values())
            .map(|s| s.own.iter().filter(|x| !x.is_nan()).count())
            .sum()
    }

    pub fn has_indicator(&self, code: &str) -> bool {
        self.indicators.contains_key(code)
    }

    pub fn has_element(&self, code: &str) -> bool {
        self.elements.contains_key(code)
    }

    /// One unit's own stored number for a series and stored period (not summed, not
    /// aggregated): what the unit itself reported.
    pub fn own(
        &self,
        element: &Code,
        option: Option<&Code>,
        unit: &str,
        period: &Period,
    ) -> Option<f64> {
        let key = self.series_key(element.as_str(), option.map(|o| o.as_str()))?;
        let u = *self.index.get(unit)? as usize;
        let x = *self.data.get(&key)?.get(period)?.own.get(u)?;
        (!x.is_nan()).then_some(x)
    }

    /// Set one unit's own value while loading (codes as stored; "" for no breakdown option).
    /// Unknown codes are skipped. Call [`Engine::rebuild_sums`] when done.
    pub fn load_number(
        &mut self,
        element: &str,
        option: &str,
        unit: &str,
        period: &str,
        x: f64,
    ) -> bool {
        let (Some(info), Some(&u), Ok(p)) = (
            self.elements.get(element),
            self.index.get(unit),
            Period::parse(period),
        ) else {
            return false;
        };
        let key = if option.is_empty() {
            if !info.options.is_empty() {
                return false;
            }
            (info.id, NO_OPTION)
        } else {
            match info.options.get(option) {
                Some(&j) => (info.id, j),
                None => return false,
            }
        };
        let n = self.units.len();
        self.data
            .entry(key)
            .or_default()
            .entry(p)
            .or_insert_with(|| Slice::new(n))
            .own[u as usize] = x;
        true
    }

    /// The own values of a series in a stored period, by unit index, for bulk loading (NaN:
    /// no value). Call [`Engine::rebuild_sums`] when done.
    pub fn own_mut(&mut self, series: Series, period: Period) -> &mut [f64] {
        let n = self.units.len();
        self.forget_carried();
        &mut self
            .data
            .entry(series)
            .or_default()
            .entry(period)
            .or_insert_with(|| Slice::new(n))
            .own
    }

    /// Recompute every subtree sum and count from the own values (in parallel), then the
    /// official view.
    pub fn rebuild_sums(&mut self) {
        self.rebuild_live_sums();
        self.refresh_official();
    }

    fn rebuild_live_sums(&mut self) {
        let order = self.bottom_up.clone();
        let parents: Vec<Option<u32>> = self.units.iter().map(|u| u.parent).collect();
        let mut slices: Vec<&mut Slice> = self
            .data
            .values_mut()
            .flat_map(|p| p.values_mut())
            .collect();
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .max(1);
        let chunk = slices.len().div_ceil(threads).max(1);
        std::thread::scope(|s| {
            for part in slices.chunks_mut(chunk) {
                let (order, parents) = (&order, &parents);
                s.spawn(move || {
                    for sl in part.iter_mut() {
                        rebuild(sl, order, parents);
                    }
                });
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::{c, element, tree, value};
    use crate::{Change, Engine, Input, Scope};
    use chiso_core::{DataValue, Period};
    use proptest::prelude::*;
    use std::collections::HashMap;

    proptest! {
        #[test]
        fn incremental_updates_equal_a_rebuild(
            parents in proptest::collection::vec(0usize..1000, 1..30),
            first in proptest::collection::vec((0usize..30, 0u32..500), 0..40),
            second in proptest::collection::vec((0usize..30, proptest::option::of(0u32..500)), 0..40),
        ) {
            let units = tree(&parents);
            let n = units.len();
            let p = Period::Month(2023, 5);
            let code = |i: usize| units[i % n].unit.code.to_string();
            let mut state: HashMap<String, f64> = HashMap::new();
            for (i, x) in &first {
                state.insert(code(*i), *x as f64);
            }
            let initial: Vec<DataValue> = state.iter().map(|(u, x)| value("N", u, p, *x)).collect();
            let mut live = Engine::build(Input { units: units.clone(), elements: vec![element("N")], values: initial, ..Default::default() });
            let mut changes = Vec::new();
            for (i, x) in &second {
                match x {
                    Some(x) => { state.insert(code(*i), *x as f64); }
                    None => { state.remove(&code(*i)); }
                }
                changes.push(Change { element: c("N"), unit: c(&code(*i)), period: p, option: None, num: x.map(|x| x as f64), published: false });
            }
            live.apply(&changes);
            let rebuilt = Engine::build(Input {
                units: units.clone(),
                elements: vec![element("N")],
                values: state.iter().map(|(u, x)| value("N", u, p, *x)).collect(),
                ..Default::default()
            });
            for u in &units {
                let s = Scope::Unit(u.unit.code.clone());
                prop_assert_eq!(live.element(&c("N"), None, &s, &Period::Year(2023), None).unwrap(),
                    rebuilt.element(&c("N"), None, &s, &Period::Year(2023), None).unwrap());
            }
        }
    }
}
