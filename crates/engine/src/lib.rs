//! chiso's indicator engine: an in-memory cube derived from the store.
//!
//! Values are kept per series (element, or element × breakdown option) and stored period, in
//! dense vectors over the units, with each unit's subtree sum and count maintained beside its
//! own value. A query adds the subtree sums of the scope's units over the stored periods that
//! lie inside the asked period, so every figure — a commune, a district, a province, a group of
//! units — is a ratio of sums, never an average of ratios.
//!
//! *Invariant*: the engine never writes; [`live::Live`] applies every committed write to it.
//!
//! History across boundary changes: asked "as of" a date, values of units that no longer exist
//! then are carried to their successors (a whole merge with weight 1, a split by its weights, or
//! all to the default successor when no weights are given; a unit with no successor follows
//! its parent), and added up in the structure that stood on that date.

pub mod live;
pub mod reporting;

use chiso_core::expr::{Expr, PeriodMod, Resolver};
use chiso_core::{
    AggregationType, Code, CompiledIndicator, DataElement, DataValue, Indicator, Period,
    SuccessorLink, UnitGroup,
};
use chiso_store::StoredUnit;
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

const NO_OPTION: u32 = u32::MAX;

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
    /// Data sets and the reports received, for `R{DATASET.METRIC}`.
    pub data_sets: Vec<chiso_core::DataSet>,
    pub completions: Vec<chiso_core::Completion>,
}

/// One committed change of a numeric value (None: deleted, or not a number).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub element: Code,
    pub unit: Code,
    pub period: Period,
    pub option: Option<Code>,
    pub num: Option<f64>,
}

impl Change {
    pub fn of(v: &DataValue) -> Change {
        Change {
            element: v.element.clone(),
            unit: v.unit.clone(),
            period: v.period,
            option: v.breakdown.clone(),
            num: v.num,
        }
    }
}

struct UnitNode {
    code: Code,
    kind: chiso_core::UnitKind,
    parent: Option<u32>,
    level: i32,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
}

impl UnitNode {
    fn exists_on(&self, d: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= d) && self.valid_to.is_none_or(|t| d <= t)
    }
}

struct ElementInfo {
    id: u32,
    aggregation: AggregationType,
    /// Breakdown option codes → option ids (empty when the element has no breakdown).
    options: HashMap<String, u32>,
}

/// One series in one stored period: each unit's own value and its subtree's sum and count.
#[derive(Clone)]
struct Slice {
    own: Vec<f64>,
    sum: Vec<f64>,
    cnt: Vec<u32>,
}

impl Slice {
    fn new(n: usize) -> Slice {
        Slice {
            own: vec![f64::NAN; n],
            sum: vec![0.0; n],
            cnt: vec![0; n],
        }
    }
}

type SeriesKey = (u32, u32);

/// Which units a figure is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// A unit and everything below it.
    Unit(Code),
    /// The units of a group and everything below them (each unit counted once).
    Group(Code),
}

/// An indicator's value with the sums it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndicatorValue {
    pub value: f64,
    pub numerator: f64,
    pub denominator: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("unknown unit {0}")]
    UnknownUnit(String),
    #[error("unknown unit group {0}")]
    UnknownGroup(String),
    #[error("unknown indicator or data element {0}")]
    UnknownItem(String),
}

pub struct Engine {
    units: Vec<UnitNode>,
    index: HashMap<String, u32>,
    children: Vec<Vec<u32>>,
    /// Units deepest first: the order in which subtree sums are built.
    bottom_up: Vec<u32>,
    successors: Vec<Vec<(u32, f64)>>,
    groups: HashMap<String, Vec<u32>>,
    elements: HashMap<String, ElementInfo>,
    indicators: HashMap<String, CompiledIndicator>,
    constants: HashMap<String, f64>,
    data: HashMap<SeriesKey, BTreeMap<Period, Slice>>,
    /// Values carried into the structure of a date, built on first use, dropped on any change.
    as_of_cache: Mutex<HashMap<(SeriesKey, Period, NaiveDate), Arc<Slice>>>,
    reporting: HashMap<String, reporting::Reporting>,
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
        let n = nodes.len();
        let mut children = vec![Vec::new(); n];
        for (i, u) in nodes.iter().enumerate() {
            if let Some(p) = u.parent {
                children[p as usize].push(i as u32);
            }
        }
        let mut bottom_up: Vec<u32> = (0..n as u32).collect();
        bottom_up.sort_by_key(|&i| std::cmp::Reverse(nodes[i as usize].level));

        // Successor weights: given weights; or, when a unit's links carry none, all to the default.
        let mut by_from: HashMap<u32, Vec<&SuccessorLink>> = HashMap::new();
        for l in &input.links {
            if let (Some(&f), Some(_)) = (index.get(l.from.as_str()), index.get(l.to.as_str())) {
                by_from.entry(f).or_default().push(l);
            }
        }
        let mut successors = vec![Vec::new(); n];
        for (f, links) in by_from {
            let weighted: Vec<(u32, f64)> = links
                .iter()
                .filter_map(|l| Some((*index.get(l.to.as_str())?, l.weight?)))
                .collect();
            successors[f as usize] =
                if !weighted.is_empty() && links.iter().all(|l| l.weight.is_some()) {
                    weighted
                } else {
                    let default = links.iter().find(|l| l.is_default).or(links.first());
                    default
                        .and_then(|l| index.get(l.to.as_str()))
                        .map(|&t| vec![(t, 1.0)])
                        .unwrap_or_default()
                };
        }

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
            reporting: HashMap::new(),
        };
        engine.build_reporting(&input.data_sets, &input.completions);
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
        engine
    }

    fn series_key(&self, element: &str, option: Option<&str>) -> Option<SeriesKey> {
        let e = self.elements.get(element)?;
        match option {
            None if e.options.is_empty() => Some((e.id, NO_OPTION)),
            None => None,
            Some(o) => e.options.get(o).map(|&j| (e.id, j)),
        }
    }

    /// Apply committed changes: each updates its unit and the unit's ancestors (no full rebuild).
    pub fn apply(&mut self, changes: &[Change]) {
        self.apply_each(changes.iter().map(|c| {
            (
                c.element.as_str(),
                c.option.as_ref().map(|o| o.as_str()),
                c.unit.as_str(),
                c.period,
                c.num,
            )
        }));
    }

    /// [`Engine::apply`] over borrowed changes: (element, breakdown option, unit, period,
    /// the new number or None when the value is gone or not a number).
    pub fn apply_each<'a>(
        &mut self,
        changes: impl IntoIterator<Item = (&'a str, Option<&'a str>, &'a str, Period, Option<f64>)>,
    ) {
        let n = self.units.len();
        for (element, option, unit, period, num) in changes {
            let (Some(k), Some(&u)) = (self.series_key(element, option), self.index.get(unit))
            else {
                continue;
            };
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
            let mut cur = Some(u);
            while let Some(i) = cur {
                let i = i as usize;
                slice.sum[i] += d_sum;
                slice.cnt[i] = (slice.cnt[i] as i64 + d_cnt).max(0) as u32;
                if slice.cnt[i] == 0 {
                    slice.sum[i] = 0.0;
                }
                cur = self.units[i].parent;
            }
        }
        if let Ok(mut c) = self.as_of_cache.lock() {
            c.clear();
        }
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

    /// The units of a scope, without any unit that lies below another of them.
    fn scope_units(&self, scope: &Scope) -> Result<Vec<u32>, EngineError> {
        let raw = match scope {
            Scope::Unit(c) => vec![*self
                .index
                .get(c.as_str())
                .ok_or_else(|| EngineError::UnknownUnit(c.to_string()))?],
            Scope::Group(g) => self
                .groups
                .get(g.as_str())
                .cloned()
                .ok_or_else(|| EngineError::UnknownGroup(g.to_string()))?,
        };
        let set: HashSet<u32> = raw.iter().copied().collect();
        Ok(raw
            .into_iter()
            .filter(|&u| {
                let mut p = self.units[u as usize].parent;
                while let Some(a) = p {
                    if set.contains(&a) {
                        return false;
                    }
                    p = self.units[a as usize].parent;
                }
                true
            })
            .collect())
    }

    /// Where a unit's values go in the structure of `date`: itself when it exists then; its
    /// successors (by weight) when they do; else its parent's destination.
    fn destinations(&self, u: u32, date: NaiveDate, depth: u32) -> Vec<(u32, f64)> {
        let node = &self.units[u as usize];
        if node.exists_on(date) || depth > 16 {
            return vec![(u, 1.0)];
        }
        let succ = &self.successors[u as usize];
        if !succ.is_empty() {
            let mut out = Vec::new();
            for &(s, w) in succ {
                for (d, w2) in self.destinations(s, date, depth + 1) {
                    out.push((d, w * w2));
                }
            }
            return out;
        }
        match node.parent {
            Some(p) => self.destinations(p, date, depth + 1),
            None => vec![],
        }
    }

    fn as_of_slice(
        &self,
        key: SeriesKey,
        period: Period,
        date: NaiveDate,
        s: &Slice,
    ) -> Arc<Slice> {
        if let Ok(c) = self.as_of_cache.lock() {
            if let Some(hit) = c.get(&(key, period, date)) {
                return hit.clone();
            }
        }
        let n = self.units.len();
        let mut out = Slice::new(n);
        for (u, &x) in s.own.iter().enumerate() {
            if x.is_nan() {
                continue;
            }
            for (d, w) in self.destinations(u as u32, date, 0) {
                let o = &mut out.own[d as usize];
                *o = if o.is_nan() { x * w } else { *o + x * w };
            }
        }
        let parents: Vec<Option<u32>> = self.units.iter().map(|u| u.parent).collect();
        rebuild(&mut out, &self.bottom_up, &parents);
        let out = Arc::new(out);
        if let Ok(mut c) = self.as_of_cache.lock() {
            c.insert((key, period, date), out.clone());
        }
        out
    }

    /// The aggregated value of an element (or one breakdown option; all options when none is
    /// given and the element has a breakdown) over a scope and the stored periods lying inside
    /// `start..=end`.
    pub fn element_range(
        &self,
        element: &Code,
        option: Option<&Code>,
        scope_units: &[u32],
        start: NaiveDate,
        end: NaiveDate,
        as_of: Option<NaiveDate>,
    ) -> Option<f64> {
        let info = self.elements.get(element.as_str())?;
        let keys: Vec<SeriesKey> = match option {
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
                if p.start() < start || p.end() > end {
                    continue;
                }
                let mapped;
                let s: &Slice = match as_of {
                    Some(d) => {
                        mapped = self.as_of_slice(key, *p, d, s);
                        &mapped
                    }
                    None => s,
                };
                for &u in scope_units {
                    let (su, cu) = (s.sum[u as usize], s.cnt[u as usize]);
                    if cu == 0 {
                        continue;
                    }
                    total += su;
                    count += cu as u64;
                    let e = per_period.entry(p.end()).or_insert((0.0, 0));
                    e.0 += su;
                    e.1 += cu as u64;
                    if want_extremes {
                        self.extremes(u, s, &mut min, &mut max);
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

    fn extremes(&self, u: u32, s: &Slice, min: &mut f64, max: &mut f64) {
        let mut stack = vec![u];
        while let Some(i) = stack.pop() {
            let x = s.own[i as usize];
            if !x.is_nan() {
                *min = min.min(x);
                *max = max.max(x);
            }
            stack.extend(self.children[i as usize].iter().copied());
        }
    }

    /// Evaluate an expression over a scope and period.
    pub fn eval(
        &self,
        expr: &Expr,
        scope: &Scope,
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<f64>, EngineError> {
        let units = self.scope_units(scope)?;
        let r = Res {
            engine: self,
            units: &units,
            period: *period,
            as_of,
        };
        Ok(expr.eval(&r))
    }

    /// An indicator's value: factor × Σnumerator / Σdenominator over the scope and period.
    pub fn indicator(
        &self,
        code: &str,
        scope: &Scope,
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<IndicatorValue>, EngineError> {
        let ind = self
            .indicators
            .get(code)
            .ok_or_else(|| EngineError::UnknownItem(code.to_string()))?;
        let units = self.scope_units(scope)?;
        let r = Res {
            engine: self,
            units: &units,
            period: *period,
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

    /// An element's aggregated value over a scope and period.
    pub fn element(
        &self,
        element: &Code,
        option: Option<&Code>,
        scope: &Scope,
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<f64>, EngineError> {
        if !self.elements.contains_key(element.as_str()) {
            return Err(EngineError::UnknownItem(element.to_string()));
        }
        let units = self.scope_units(scope)?;
        Ok(self.element_range(element, option, &units, period.start(), period.end(), as_of))
    }

    /// The indicator definition.
    pub fn indicator_def(&self, code: &str) -> Option<&Indicator> {
        self.indicators.get(code).map(|c| &c.def)
    }

    /// Units at an absolute level inside a unit's subtree (the unit itself when at that level),
    /// existing on `as_of` when given.
    pub fn units_at_level(
        &self,
        root: &Code,
        level: i32,
        as_of: Option<NaiveDate>,
    ) -> Result<Vec<Code>, EngineError> {
        let r = *self
            .index
            .get(root.as_str())
            .ok_or_else(|| EngineError::UnknownUnit(root.to_string()))?;
        let mut out = Vec::new();
        let mut stack = vec![r];
        while let Some(i) = stack.pop() {
            let node = &self.units[i as usize];
            if node.level == level {
                if as_of.is_none_or(|d| node.exists_on(d)) {
                    out.push(node.code.clone());
                }
                continue;
            }
            if node.level < level {
                stack.extend(self.children[i as usize].iter().copied());
            }
        }
        out.sort();
        Ok(out)
    }

    /// The direct children of a unit.
    pub fn children_of(&self, unit: &Code) -> Result<Vec<Code>, EngineError> {
        let r = *self
            .index
            .get(unit.as_str())
            .ok_or_else(|| EngineError::UnknownUnit(unit.to_string()))?;
        let mut out: Vec<Code> = self.children[r as usize]
            .iter()
            .map(|&c| self.units[c as usize].code.clone())
            .collect();
        out.sort();
        Ok(out)
    }

    /// The members of a group.
    pub fn group_members(&self, group: &Code) -> Result<Vec<Code>, EngineError> {
        let m = self
            .groups
            .get(group.as_str())
            .ok_or_else(|| EngineError::UnknownGroup(group.to_string()))?;
        Ok(m.iter()
            .map(|&u| self.units[u as usize].code.clone())
            .collect())
    }

    /// Units without a parent.
    pub fn roots(&self) -> Vec<Code> {
        self.units
            .iter()
            .filter(|u| u.parent.is_none())
            .map(|u| u.code.clone())
            .collect()
    }
}

/// A change between two periods: for a rate, `difference` is in percentage points and there is
/// no relative change; for an amount, both the difference and the relative change (%).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Delta {
    #[schema(value_type = String)]
    pub period: Period,
    pub value: f64,
    pub difference: f64,
    pub relative_percent: Option<f64>,
}

/// An indicator at a unit and period, with its changes.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Comparison {
    pub value: f64,
    pub numerator: f64,
    pub denominator: f64,
    pub is_rate: bool,
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
}

impl Engine {
    /// An indicator with its change against the same period last year and the previous period.
    pub fn compare(
        &self,
        code: &str,
        scope: &Scope,
        period: &Period,
        as_of: Option<NaiveDate>,
    ) -> Result<Option<Comparison>, EngineError> {
        let Some(now) = self.indicator(code, scope, period, as_of)? else {
            return Ok(None);
        };
        let is_rate = self
            .indicators
            .get(code)
            .map(|i| i.def.is_rate)
            .unwrap_or(false);
        let delta = |p: Option<Period>| -> Result<Option<Delta>, EngineError> {
            let Some(p) = p else { return Ok(None) };
            Ok(self.indicator(code, scope, &p, as_of)?.map(|then| Delta {
                period: p,
                value: then.value,
                difference: now.value - then.value,
                relative_percent: (!is_rate && then.value != 0.0)
                    .then(|| (now.value - then.value) / then.value.abs() * 100.0),
            }))
        };
        Ok(Some(Comparison {
            value: now.value,
            numerator: now.numerator,
            denominator: now.denominator,
            is_rate,
            same_period_last_year: delta(period.same_period_last_year())?,
            previous_period: delta(period.previous())?,
        }))
    }

    /// Rank units by an indicator: best first (by the indicator's direction), ties sharing a
    /// rank (1, 2, 2, 4); units without a value come last, unranked.
    pub fn rank(
        &self,
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
                Ok(Ranked {
                    unit: u.clone(),
                    value: self
                        .indicator(code, &Scope::Unit(u.clone()), period, as_of)?
                        .map(|v| v.value),
                    rank: None,
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

    /// Judge a target on `today`: a deadline by its dates, a value target by the indicator over
    /// its scope and period (projected when the period is still running).
    pub fn assess(
        &self,
        t: &chiso_core::Target,
        today: NaiveDate,
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
        let scope = match &t.scope {
            chiso_core::TargetScope::Unit(u) => Scope::Unit(u.clone()),
            chiso_core::TargetScope::Group(g) => Scope::Group(g.clone()),
        };
        let actual = self
            .indicator(ind.as_str(), &scope, &t.period, None)?
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

fn rebuild(s: &mut Slice, bottom_up: &[u32], parents: &[Option<u32>]) {
    for (i, x) in s.own.iter().enumerate() {
        s.sum[i] = if x.is_nan() { 0.0 } else { *x };
        s.cnt[i] = u32::from(!x.is_nan());
    }
    for &u in bottom_up {
        if let Some(p) = parents[u as usize] {
            let (su, cu) = (s.sum[u as usize], s.cnt[u as usize]);
            s.sum[p as usize] += su;
            s.cnt[p as usize] += cu;
        }
    }
}

/// Answers an expression's items for one scope and period.
struct Res<'a> {
    engine: &'a Engine,
    units: &'a [u32],
    period: Period,
    as_of: Option<NaiveDate>,
}

impl Resolver for Res<'_> {
    fn item(&self, element: &Code, option: Option<&Code>, m: PeriodMod) -> Option<f64> {
        let p = self.period.offset(m.offset as i64)?;
        let start = if m.year_to_date {
            NaiveDate::from_ymd_opt(p.start().year(), 1, 1)?
        } else {
            p.start()
        };
        self.engine
            .element_range(element, option, self.units, start, p.end(), self.as_of)
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
            .reporting_metric(data_set.as_str(), metric, self.units, &self.period)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chiso_core::{
        AggregationType, DataElement, Direction, SourceTag, Unit, UnitKind, ValueType,
    };
    use chrono::Utc;
    use proptest::prelude::*;

    fn c(s: &str) -> Code {
        Code::parse(s).unwrap()
    }

    fn unit(
        i: usize,
        parent: Option<usize>,
        level: i32,
        to: Option<NaiveDate>,
        from: Option<NaiveDate>,
        prefix: &str,
    ) -> StoredUnit {
        StoredUnit {
            unit: Unit {
                code: c(&format!("{prefix}{i}")),
                gso_code: None,
                name_vi: format!("Đơn vị {i}"),
                name_en: None,
                kind: UnitKind::Other,
                parent: parent.map(|p| c(&format!("{prefix}{p}"))),
                valid_from: from,
                valid_to: to,
                lat: None,
                lon: None,
            },
            level,
        }
    }

    fn element(code: &str) -> DataElement {
        DataElement {
            code: c(code),
            name_vi: code.into(),
            name_en: None,
            value_type: ValueType::Number,
            aggregation: AggregationType::Sum,
            unit_of_measure: None,
            breakdown: None,
            description: None,
        }
    }

    fn value(el: &str, unit: &str, p: Period, x: f64) -> DataValue {
        DataValue {
            element: c(el),
            unit: c(unit),
            period: p,
            breakdown: None,
            value: x.to_string(),
            num: Some(x),
            comment: None,
            source: SourceTag::Illustrative,
            stored_by: "t".into(),
            stored_at: Utc::now(),
        }
    }

    /// A random tree: unit i's parent is one of the units before it (unit 0 is the root).
    fn tree(parents: &[usize]) -> Vec<StoredUnit> {
        let mut levels = vec![1i32];
        let mut out = vec![unit(0, None, 1, None, None, "U")];
        for (i, &p) in parents.iter().enumerate() {
            let i = i + 1;
            let p = p % i;
            levels.push(levels[p] + 1);
            out.push(unit(i, Some(p), levels[i], None, None, "U"));
        }
        out
    }

    fn descendants(units: &[StoredUnit], root: &str) -> Vec<String> {
        let mut out = vec![root.to_string()];
        let mut i = 0;
        while i < out.len() {
            let cur = out[i].clone();
            out.extend(
                units
                    .iter()
                    .filter(|u| u.unit.parent.as_ref().map(|p| p.as_str()) == Some(cur.as_str()))
                    .map(|u| u.unit.code.to_string()),
            );
            i += 1;
        }
        out
    }

    fn ratio_indicator() -> Indicator {
        Indicator {
            code: c("R"),
            name_vi: "R".into(),
            name_en: None,
            numerator: "#{N}".into(),
            denominator: "#{D}".into(),
            factor: 100.0,
            decimals: 2,
            direction: Direction::HigherIsBetter,
            unit_label: None,
            is_rate: true,
            description: None,
            published: false,
        }
    }

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
                changes.push(Change { element: c("N"), unit: c(&code(*i)), period: p, option: None, num: x.map(|x| x as f64) });
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

        #[test]
        fn totals_are_conserved_across_a_reorganisation(
            old_parents in proptest::collection::vec(0usize..1000, 1..25),
            new_count in 1usize..8,
            targets in proptest::collection::vec((0usize..8, 0usize..8, proptest::option::of(1u32..10)), 25),
            xs in proptest::collection::vec(0u32..10_000, 25),
        ) {
            let end = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
            let start = NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
            let mut units: Vec<StoredUnit> = tree(&old_parents)
                .into_iter()
                .map(|mut u| { u.unit.valid_to = Some(end); u })
                .collect();
            let old_n = units.len();
            units.push(unit(0, None, 1, None, Some(start), "N"));
            for i in 1..=new_count {
                units.push(unit(i, Some(0), 2, None, Some(start), "N"));
            }
            // Each old leaf-or-not unit gets successor links: whole, or split with or without weights.
            let mut links = Vec::new();
            for i in 0..old_n {
                let (a, b, w) = targets[i % targets.len()];
                let (a, b) = (a % new_count + 1, b % new_count + 1);
                if i % 3 == 0 {
                    continue; // no link: follows its parent (the old root follows nothing: see below)
                }
                if a == b {
                    links.push(SuccessorLink { from: c(&format!("U{i}")), to: c(&format!("N{a}")), effective: start, weight: Some(1.0), is_default: true });
                } else {
                    let share = w.map(|w| w as f64 / 10.0);
                    links.push(SuccessorLink { from: c(&format!("U{i}")), to: c(&format!("N{a}")), effective: start, weight: share, is_default: true });
                    links.push(SuccessorLink { from: c(&format!("U{i}")), to: c(&format!("N{b}")), effective: start, weight: share.map(|s| 1.0 - s), is_default: false });
                }
            }
            // The old root always has a successor, so nothing is lost.
            links.retain(|l| l.from.as_str() != "U0");
            links.push(SuccessorLink { from: c("U0"), to: c("N0"), effective: start, weight: Some(1.0), is_default: true });
            let y = Period::Year(2023);
            let values: Vec<DataValue> = (0..old_n).map(|i| value("N", &format!("U{i}"), y, xs[i % xs.len()] as f64)).collect();
            let total: f64 = values.iter().map(|v| v.num.unwrap()).sum();
            let e = Engine::build(Input { units, links, elements: vec![element("N")], values, ..Default::default() });
            let old = e.element(&c("N"), None, &Scope::Unit(c("U0")), &y, None).unwrap().unwrap();
            let new = e.element(&c("N"), None, &Scope::Unit(c("N0")), &y, Some(start)).unwrap().unwrap();
            prop_assert!((old - total).abs() < 1e-6);
            prop_assert!((new - total).abs() <= 1e-6 * total.max(1.0), "old {} new {}", old, new);
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

/// A criterion's result for one unit.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct CriterionScore {
    #[schema(value_type = String)]
    pub code: Code,
    pub value: Option<f64>,
    pub points: f64,
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
    /// Rows come best first.
    pub fn score(
        &self,
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
                        .indicator(c.indicator.as_str(), &scope, period, as_of)?
                        .map(|v| v.value);
                    let pts = c.rule.points(value, c.max_points);
                    points += pts;
                    maximum += c.max_points;
                    criteria.push(CriterionScore {
                        code: c.code.clone(),
                        value,
                        points: pts,
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

/// The key of a series: (element id, breakdown option id or none).
pub type Series = (u32, u32);

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
    /// An engine with units, groups, links, elements and indicators but no values yet.
    pub fn skeleton(mut input: Input) -> Engine {
        input.values.clear();
        Engine::build(input)
    }

    /// The engine's index of a unit.
    pub fn unit_index(&self, code: &str) -> Option<u32> {
        self.index.get(code).copied()
    }

    pub fn unit_code(&self, index: u32) -> &Code {
        &self.units[index as usize].code
    }

    pub fn unit_level(&self, index: u32) -> i32 {
        self.units[index as usize].level
    }

    /// The series of an element (or one of its breakdown options).
    pub fn series(&self, element: &Code, option: Option<&Code>) -> Option<Series> {
        self.series_key(element.as_str(), option.map(|o| o.as_str()))
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
        if let Ok(mut c) = self.as_of_cache.lock() {
            c.clear();
        }
        &mut self
            .data
            .entry(series)
            .or_default()
            .entry(period)
            .or_insert_with(|| Slice::new(n))
            .own
    }

    /// Recompute every subtree sum and count from the own values (in parallel).
    pub fn rebuild_sums(&mut self) {
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

    /// Every given indicator at every unit and every given period, at once: the full roll-up
    /// a national dashboard or an export needs. Indicators of the form `#{A}` / `#{B}` (the
    /// common case) take a vectorised path over the subtree sums; others are evaluated one by
    /// one. Runs on all cores.
    pub fn rollup_all(
        &self,
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
                        self.rollup_one(code, periods, out);
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
                for ((a, c), (x, k)) in acc
                    .iter_mut()
                    .zip(cnt.iter_mut())
                    .zip(s.sum.iter().zip(&s.cnt))
                {
                    *a += x;
                    *c += k;
                }
            }
        }
        true
    }

    fn rollup_one(&self, code: &str, periods: &[Period], out: &mut [f64]) {
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
                    let mut ok = self.accumulate(ne, no, p, &mut num, &mut num_c);
                    if let Some((de, dopt)) = d {
                        den.iter_mut().for_each(|x| *x = 0.0);
                        den_c.iter_mut().for_each(|x| *x = 0);
                        ok &= self.accumulate(de, dopt, p, &mut den, &mut den_c);
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
                        units: &[u as u32],
                        period: *p,
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
}

impl Engine {
    /// Indicators × units × periods for a given list of units (a dashboard's grid), through
    /// the same sums as [`Engine::rollup_all`] but touching only the listed units:
    /// `out[(i * periods + p) * units + u]`.
    pub fn grid(
        &self,
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
                                a += s.sum[u];
                                ac += s.cnt[u];
                            }
                            for s in &dsl {
                                b += s.sum[u];
                                bc += s.cnt[u];
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
                                units: &[u],
                                period: *p,
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

impl Engine {
    /// Whether `unit` is `ancestor` or lies below it.
    pub fn is_within(&self, unit: &str, ancestor: &str) -> bool {
        let (Some(&u), Some(&a)) = (self.index.get(unit), self.index.get(ancestor)) else {
            return false;
        };
        let mut cur = Some(u);
        while let Some(i) = cur {
            if i == a {
                return true;
            }
            cur = self.units[i as usize].parent;
        }
        false
    }
}
