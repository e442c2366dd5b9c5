//! History across boundary changes: asked "as of" a date, the values of units that no longer
//! exist then are carried to their successors (by the weights of a split, or all to the
//! default successor when no weights are given; a unit with no successor follows its parent)
//! and re-added in the structure of that date. The carried slices are cached until the next
//! write.

use crate::slice::{rebuild, Series, Slice};
use crate::{Engine, EngineError, Scope, View};
use chiso_core::{Period, SuccessorLink};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::Arc;

/// Successor weights of each unit (by engine index): given weights; or, when a unit's links
/// carry none, all to the default.
pub(crate) fn successor_weights(
    index: &HashMap<String, u32>,
    links: &[SuccessorLink],
    n: usize,
) -> Vec<Vec<(u32, f64)>> {
    let mut by_from: HashMap<u32, Vec<&SuccessorLink>> = HashMap::new();
    for l in links {
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
        successors[f as usize] = if !weighted.is_empty() && links.iter().all(|l| l.weight.is_some())
        {
            weighted
        } else {
            let default = links.iter().find(|l| l.is_default).or(links.first());
            default
                .and_then(|l| index.get(l.to.as_str()))
                .map(|&t| vec![(t, 1.0)])
                .unwrap_or_default()
        };
    }
    successors
}

impl Engine {
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

    /// A stored slice's values in a view carried into the structure of `date`: from the cache,
    /// or built and cached.
    pub(crate) fn as_of_slice(
        &self,
        view: View,
        key: Series,
        period: Period,
        date: NaiveDate,
        s: &Slice,
    ) -> Arc<Slice> {
        if let Ok(c) = self.as_of_cache.lock() {
            if let Some(hit) = c.get(&(view, key, period, date)) {
                return hit.clone();
            }
        }
        let n = self.units.len();
        let mut out = Slice::new(n);
        for u in 0..n {
            let Some(x) = s.value(view, u) else {
                continue;
            };
            for (d, w) in self.destinations(u as u32, date, 0) {
                let o = &mut out.own[d as usize];
                *o = if o.is_nan() { x * w } else { *o + x * w };
            }
        }
        let parents: Vec<Option<u32>> = self.units.iter().map(|u| u.parent).collect();
        rebuild(&mut out, &self.bottom_up, &parents);
        let out = Arc::new(out);
        if let Ok(mut c) = self.as_of_cache.lock() {
            c.insert((view, key, period, date), out.clone());
        }
        out
    }

    /// Where a scope lies in the structure of `date`: the units its units' values are carried
    /// to (themselves when they exist then; their successors by the crosswalk; else their
    /// parent's place), without any unit below another — `58` becomes `2025-56`, the communes
    /// of `58_CAP_XA` the 2025 communes that took them over. `None` when none of its units
    /// exists then or has a successor (a district tier, the provincial agencies): their
    /// figures went into their parent's, and a figure of the parent's whole would not be
    /// theirs.
    pub fn scope_on(&self, scope: &Scope, date: NaiveDate) -> Result<Option<Scope>, EngineError> {
        let members = self.scope_units(scope)?;
        let reaches = members.iter().any(|&m| {
            self.units[m as usize].exists_on(date) || !self.successors[m as usize].is_empty()
        });
        if !reaches {
            return Ok(None);
        }
        let mut seen = std::collections::HashSet::new();
        let mut to: Vec<u32> = Vec::new();
        for m in members {
            for (d, _) in self.destinations(m, date, 0) {
                if seen.insert(d) {
                    to.push(d);
                }
            }
        }
        let codes = self
            .scope_units(&Scope::Units(
                to.iter()
                    .map(|&u| self.units[u as usize].code.clone())
                    .collect(),
            ))?
            .into_iter()
            .map(|u| self.units[u as usize].code.clone())
            .collect::<Vec<_>>();
        Ok(Some(match codes.as_slice() {
            [one] => Scope::Unit(one.clone()),
            _ => Scope::Units(codes),
        }))
    }

    /// Drop the carried slices (after any change of the values).
    pub(crate) fn forget_carried(&self) {
        if let Ok(mut c) = self.as_of_cache.lock() {
            c.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::test_support::{c, element, tree, unit, value};
    use crate::{Engine, Input, Scope};
    use chiso_core::StoredUnit;
    use chiso_core::{DataValue, Period, SuccessorLink};
    use chrono::NaiveDate;
    use proptest::prelude::*;

    /// A province (U0) with a district (U1), its two communes (U2, U3) and an agency (U4)
    /// until 30 June 2025; from 1 July the province N0 with two communes (N1, N2) taking the
    /// communes over. The district and the agency have no successor.
    #[test]
    fn a_scope_is_carried_into_what_its_units_became() {
        let end = NaiveDate::from_ymd_opt(2025, 6, 30);
        let start = NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
        let units = vec![
            unit(0, None, 1, end, None, "U"),
            unit(1, Some(0), 2, end, None, "U"),
            unit(2, Some(1), 3, end, None, "U"),
            unit(3, Some(1), 3, end, None, "U"),
            unit(4, Some(0), 2, end, None, "U"),
            unit(0, None, 1, None, Some(start), "N"),
            unit(1, Some(0), 2, None, Some(start), "N"),
            unit(2, Some(0), 2, None, Some(start), "N"),
        ];
        let link = |from: &str, to: &str| SuccessorLink {
            from: c(from),
            to: c(to),
            effective: start,
            weight: None,
            is_default: true,
        };
        let group = |code: &str, members: &[&str]| chiso_core::UnitGroup {
            code: c(code),
            name_vi: code.into(),
            name_en: None,
            members: members.iter().map(|m| c(m)).collect(),
        };
        let y = Period::Year(2023);
        let e = Engine::build(Input {
            units,
            links: vec![link("U0", "N0"), link("U2", "N1"), link("U3", "N2")],
            groups: vec![
                group("COMMUNES", &["U2", "U3"]),
                group("DISTRICTS", &["U1"]),
                group("MIXED", &["U4", "U2"]),
            ],
            elements: vec![element("N")],
            values: vec![
                value("N", "U2", y, 3.0),
                value("N", "U3", y, 4.0),
                value("N", "U4", y, 10.0),
            ],
            ..Default::default()
        });
        let on = |s: Scope| e.scope_on(&s, start).unwrap();
        assert_eq!(on(Scope::Unit(c("U0"))), Some(Scope::Unit(c("N0"))));
        assert_eq!(
            on(Scope::Group(c("COMMUNES"))),
            Some(Scope::Units(vec![c("N1"), c("N2")]))
        );
        // Units that reach the new structure only through their parent have no place of
        // their own there.
        assert_eq!(on(Scope::Unit(c("U1"))), None);
        assert_eq!(on(Scope::Unit(c("U4"))), None);
        assert_eq!(on(Scope::Group(c("DISTRICTS"))), None);
        // Mixed: the agency's place is the new province (its parent's), which holds the
        // commune's successor.
        assert_eq!(on(Scope::Group(c("MIXED"))), Some(Scope::Unit(c("N0"))));
        // A unit of the new structure stays itself.
        assert_eq!(on(Scope::Unit(c("N1"))), Some(Scope::Unit(c("N1"))));
        // The communes' figure, carried, is the same figure.
        let carried = on(Scope::Group(c("COMMUNES"))).unwrap();
        let then = e.element(&c("N"), None, &Scope::Group(c("COMMUNES")), &y, None);
        let now = e.element(&c("N"), None, &carried, &y, Some(start));
        assert_eq!(then.unwrap(), Some(7.0));
        assert_eq!(now.unwrap(), Some(7.0));
    }

    proptest! {
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
}
