//! Which units a figure is about: scopes, units and groups resolved to the engine's unit
//! indices, and walks of the unit tree.

use crate::{Engine, EngineError};
use chiso_core::Code;
use chrono::NaiveDate;
use std::collections::HashSet;

/// Which units a figure is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// A unit and everything below it.
    Unit(Code),
    /// The units of a group and everything below them (each unit counted once).
    Group(Code),
    /// These units and everything below them (each unit counted once): what a scope became
    /// in a later structure (see [`Engine::scope_on`]).
    Units(Vec<Code>),
}

impl Engine {
    /// The units of a scope, without any unit that lies below another of them.
    pub(crate) fn scope_units(&self, scope: &Scope) -> Result<Vec<u32>, EngineError> {
        self.union_units(std::slice::from_ref(scope))
    }

    /// The units of several scopes taken as one (DHIS2's filter `ou:A;B`): each unit once,
    /// without any unit that lies below another of them, so every value below is counted
    /// once however the scopes overlap.
    pub(crate) fn union_units(&self, scopes: &[Scope]) -> Result<Vec<u32>, EngineError> {
        let unit = |c: &str| {
            self.index
                .get(c)
                .copied()
                .ok_or_else(|| EngineError::UnknownUnit(c.to_string()))
        };
        let mut raw: Vec<u32> = Vec::new();
        for scope in scopes {
            match scope {
                Scope::Unit(c) => raw.push(unit(c.as_str())?),
                Scope::Group(g) => raw.extend(
                    self.groups
                        .get(g.as_str())
                        .ok_or_else(|| EngineError::UnknownGroup(g.to_string()))?,
                ),
                Scope::Units(us) => {
                    for c in us {
                        raw.push(unit(c.as_str())?);
                    }
                }
            }
        }
        let set: HashSet<u32> = raw.iter().copied().collect();
        let mut seen = HashSet::with_capacity(raw.len());
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
                seen.insert(u)
            })
            .collect())
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

    /// Whether `unit` is `ancestor` or lies below it.
    pub fn is_within(&self, unit: &str, ancestor: &str) -> bool {
        self.tree.is_within(unit, ancestor)
    }

    /// The unit tree the engine was built on.
    pub fn tree(&self) -> &std::sync::Arc<chiso_core::UnitTree> {
        &self.tree
    }
}
