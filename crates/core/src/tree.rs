//! The unit tree: every unit with its parent, kind, depth and validity, and the groups each
//! belongs to — the one shape the engine, data collection, the access rules and the store's
//! checks share. Units are numbered densely (`u32`) in the order given; codes are looked up
//! once.

use crate::code::Code;
use crate::fasthash::FastMap;
use crate::unit::{Unit, UnitGroup, UnitKind};
use chrono::NaiveDate;

/// Units by code, with their parents resolved to indices.
#[derive(Debug, Clone, Default)]
pub struct UnitTree {
    units: Vec<Unit>,
    index: FastMap<String, u32>,
    parents: Vec<Option<u32>>,
    /// Depth: 1 for a root, 2 for its children, …
    levels: Vec<i32>,
    children: Vec<Vec<u32>>,
    groups_of: Vec<Vec<Code>>,
    members: FastMap<String, Vec<u32>>,
}

impl UnitTree {
    /// Build the tree. A parent that is not among the units makes its child a root; a loop
    /// (which the store refuses) is cut where it closes.
    pub fn new(units: Vec<Unit>, groups: &[UnitGroup]) -> UnitTree {
        let index: FastMap<String, u32> = units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.code.to_string(), i as u32))
            .collect();
        let mut parents: Vec<Option<u32>> = units
            .iter()
            .map(|u| {
                u.parent
                    .as_ref()
                    .and_then(|p| index.get(p.as_str()).copied())
            })
            .collect();
        // Cut loops: walk up from each unit; a walk longer than the tree closes a loop.
        let n = units.len();
        for start in 0..n {
            let mut cur = parents[start];
            let mut steps = 0;
            while let Some(p) = cur {
                steps += 1;
                if p as usize == start || steps > n {
                    parents[start] = None;
                    break;
                }
                cur = parents[p as usize];
            }
        }
        let mut levels = vec![0; n];
        for i in 0..n {
            let mut depth = 1;
            let mut cur = parents[i];
            while let Some(p) = cur {
                depth += 1;
                cur = parents[p as usize];
            }
            levels[i] = depth;
        }
        let mut children = vec![Vec::new(); n];
        for (i, p) in parents.iter().enumerate() {
            if let Some(p) = p {
                children[*p as usize].push(i as u32);
            }
        }
        let mut groups_of = vec![Vec::new(); n];
        let mut members: FastMap<String, Vec<u32>> = FastMap::default();
        for g in groups {
            let list = members.entry(g.code.to_string()).or_default();
            for m in &g.members {
                if let Some(&i) = index.get(m.as_str()) {
                    list.push(i);
                    groups_of[i as usize].push(g.code.clone());
                }
            }
        }
        UnitTree {
            units,
            index,
            parents,
            levels,
            children,
            groups_of,
            members,
        }
    }

    pub fn len(&self) -> usize {
        self.units.len()
    }

    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// A unit's number in the tree.
    pub fn index(&self, code: &str) -> Option<u32> {
        self.index.get(code).copied()
    }

    pub fn contains(&self, code: &str) -> bool {
        self.index.contains_key(code)
    }

    pub fn unit(&self, code: &str) -> Option<&Unit> {
        self.index(code).map(|i| &self.units[i as usize])
    }

    pub fn unit_at(&self, index: u32) -> &Unit {
        &self.units[index as usize]
    }

    /// Every unit, in the order the tree was built from.
    pub fn units(&self) -> &[Unit] {
        &self.units
    }

    pub fn parent_at(&self, index: u32) -> Option<u32> {
        self.parents[index as usize]
    }

    pub fn kind(&self, code: &str) -> Option<UnitKind> {
        self.unit(code).map(|u| u.kind)
    }

    /// Depth: 1 for a root (a province), 2 for its children, …
    pub fn level(&self, code: &str) -> Option<i32> {
        self.index(code).map(|i| self.levels[i as usize])
    }

    pub fn level_at(&self, index: u32) -> i32 {
        self.levels[index as usize]
    }

    /// A unit's ancestors, nearest first.
    pub fn ancestors(&self, code: &str) -> impl Iterator<Item = &Unit> + '_ {
        let mut cur = self.index(code).and_then(|i| self.parents[i as usize]);
        std::iter::from_fn(move || {
            let i = cur?;
            cur = self.parents[i as usize];
            Some(&self.units[i as usize])
        })
    }

    /// Whether `unit` is `ancestor` or lies below it.
    pub fn is_within(&self, unit: &str, ancestor: &str) -> bool {
        let (Some(u), Some(a)) = (self.index(unit), self.index(ancestor)) else {
            return false;
        };
        let mut cur = Some(u);
        while let Some(i) = cur {
            if i == a {
                return true;
            }
            cur = self.parents[i as usize];
        }
        false
    }

    /// The units directly below a unit.
    pub fn children(&self, code: &str) -> impl Iterator<Item = &Unit> + '_ {
        self.index(code)
            .map(|i| self.children[i as usize].as_slice())
            .unwrap_or(&[])
            .iter()
            .map(|c| &self.units[*c as usize])
    }

    /// The units without a parent.
    pub fn roots(&self) -> impl Iterator<Item = &Unit> + '_ {
        self.parents
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_none())
            .map(|(i, _)| &self.units[i])
    }

    /// The groups a unit is a member of.
    pub fn groups_of(&self, code: &str) -> &[Code] {
        self.index(code)
            .map(|i| self.groups_of[i as usize].as_slice())
            .unwrap_or(&[])
    }

    /// The members of a group (None: no such group).
    pub fn members(&self, group: &str) -> Option<impl Iterator<Item = &Unit> + '_> {
        self.members
            .get(group)
            .map(|m| m.iter().map(|i| &self.units[*i as usize]))
    }

    /// Whether a unit existed on a day.
    pub fn exists_on(&self, code: &str, day: NaiveDate) -> bool {
        self.unit(code).is_some_and(|u| u.exists_on(day))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(code: &str, kind: UnitKind, parent: Option<&str>) -> Unit {
        Unit {
            code: Code::parse(code).unwrap(),
            gso_code: None,
            name_vi: code.into(),
            name_en: None,
            kind,
            parent: parent.map(|p| Code::parse(p).unwrap()),
            valid_from: None,
            valid_to: None,
            lat: None,
            lon: None,
        }
    }

    fn tree() -> UnitTree {
        UnitTree::new(
            vec![
                unit("22738", UnitKind::Commune, Some("582")),
                unit("582", UnitKind::District, Some("58")),
                unit("58", UnitKind::Province, None),
                unit("584", UnitKind::District, Some("58")),
                unit("ORPHAN", UnitKind::Agency, Some("NOWHERE")),
            ],
            &[UnitGroup {
                code: Code::parse("CAP_HUYEN").unwrap(),
                name_vi: "Cấp huyện".into(),
                name_en: None,
                members: vec![Code::parse("582").unwrap(), Code::parse("584").unwrap()],
            }],
        )
    }

    #[test]
    fn ancestors_levels_children_and_groups() {
        let t = tree();
        let up: Vec<&str> = t.ancestors("22738").map(|u| u.code.as_str()).collect();
        assert_eq!(up, ["582", "58"]);
        assert_eq!(t.level("22738"), Some(3));
        assert_eq!(t.level("ORPHAN"), Some(1), "an unknown parent makes a root");
        assert!(t.is_within("22738", "58") && t.is_within("58", "58"));
        assert!(!t.is_within("58", "22738") && !t.is_within("22738", "584"));
        assert!(!t.is_within("NOPE", "58"));
        let kids: Vec<&str> = t.children("58").map(|u| u.code.as_str()).collect();
        assert_eq!(kids, ["582", "584"]);
        let roots: Vec<&str> = t.roots().map(|u| u.code.as_str()).collect();
        assert_eq!(roots, ["58", "ORPHAN"]);
        assert_eq!(t.groups_of("584"), [Code::parse("CAP_HUYEN").unwrap()]);
        assert_eq!(t.members("CAP_HUYEN").map(|m| m.count()), Some(2));
        assert!(t.members("KHONG").is_none());
    }

    #[test]
    fn a_loop_is_cut() {
        let t = UnitTree::new(
            vec![
                unit("A", UnitKind::Other, Some("B")),
                unit("B", UnitKind::Other, Some("A")),
            ],
            &[],
        );
        assert!(t.ancestors("A").count() <= 1 && t.ancestors("B").count() <= 1);
    }
}
