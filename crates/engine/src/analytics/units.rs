//! The `ou` items resolved into the units and groups answered.

use super::{UnitItem, UnitScope};
use crate::{Engine, EngineError, Scope};
use chiso_core::Code;
use chrono::NaiveDate;

fn unit(code: Code) -> UnitScope {
    UnitScope {
        id: code.to_string(),
        scope: Scope::Unit(code),
    }
}

/// Groups, `USER_ORGUNIT…` (the caller's units, or every root when none) in the order
/// given; then the listed units, or, when levels are asked, the units at each level under the
/// listed units (or under every root).
pub(super) fn resolve(
    engine: &Engine,
    items: &[UnitItem],
    is_row: bool,
    as_of: Option<NaiveDate>,
    user_units: &[Code],
) -> Result<Vec<UnitScope>, EngineError> {
    let mine = || {
        if user_units.is_empty() {
            engine.roots()
        } else {
            user_units.to_vec()
        }
    };
    let mut out = Vec::new();
    let mut bases = Vec::new();
    let mut levels = Vec::new();
    for it in items {
        match it {
            UnitItem::Level(l) => levels.push(*l),
            UnitItem::OuGroup { id, group } => {
                let members = engine.group_members(group)?;
                if is_row {
                    out.extend(members.into_iter().map(unit));
                } else {
                    out.push(UnitScope {
                        id: id.clone(),
                        scope: Scope::Group(group.clone()),
                    });
                }
            }
            UnitItem::Group { id, group } => {
                engine.group_members(group)?;
                out.push(UnitScope {
                    id: id.clone(),
                    scope: Scope::Group(group.clone()),
                });
            }
            UnitItem::UserOrgUnit => out.extend(mine().into_iter().map(unit)),
            UnitItem::UserOrgUnitChildren => {
                for r in mine() {
                    out.extend(engine.children_of(&r)?.into_iter().map(unit));
                }
            }
            UnitItem::UserOrgUnitGrandchildren => {
                for r in mine() {
                    for c in engine.children_of(&r)? {
                        out.extend(engine.children_of(&c)?.into_iter().map(unit));
                    }
                }
            }
            UnitItem::Unit(c) => {
                engine.children_of(c)?;
                bases.push(c.clone());
            }
        }
    }
    if levels.is_empty() {
        out.extend(bases.into_iter().map(unit));
    } else {
        let roots = if bases.is_empty() {
            engine.roots()
        } else {
            bases
        };
        for l in levels {
            for r in &roots {
                out.extend(engine.units_at_level(r, l, as_of)?.into_iter().map(unit));
            }
        }
    }
    Ok(out)
}
