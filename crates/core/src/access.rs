//! Who may do what, where: the access rules as pure functions over the unit tree. Each role
//! is given over a unit and everything below it, or over every unit. The web layer finds who
//! is asking; these functions decide.

use crate::account::{Assignment, Role};
use crate::tree::UnitTree;

/// What a request wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read the structure: units, elements, indicators, periods, frameworks' names.
    ReadMeta,
    /// Read figures of a unit (its subtree).
    Read,
    /// Enter, import or delete figures of a unit.
    WriteData,
    /// Define elements, indicators, targets, scorecards.
    ManageFramework,
    /// Change units, groups and successor links.
    ManageUnits,
    /// Accounts, tokens, the audit log.
    Administer,
    /// Approve (or un-approve) reports at a unit's level.
    Approve,
    /// Approve or return the DX plans of the units below (not one's own submission).
    ApprovePlans,
}

/// Whether a role allows an action (anywhere in its scope).
pub fn grants(role: Role, action: Action) -> bool {
    match role {
        Role::SystemAdmin => true,
        Role::FrameworkAdmin => matches!(
            action,
            Action::ReadMeta | Action::Read | Action::ManageFramework | Action::ApprovePlans
        ),
        Role::Approver => matches!(
            action,
            Action::ReadMeta | Action::Read | Action::Approve | Action::ApprovePlans
        ),
        Role::Viewer => matches!(action, Action::ReadMeta | Action::Read),
        Role::DataEntry => matches!(action, Action::ReadMeta | Action::Read | Action::WriteData),
    }
}

/// Who is asking, as far as the rules care.
#[derive(Debug, Clone, Copy)]
pub enum Person<'a> {
    /// Nobody logged in: may read where the server is public.
    Anonymous { public_read: bool },
    /// An account's roles; one that must still change its one-time password may do nothing.
    Account {
        assignments: &'a [Assignment],
        must_change_password: bool,
    },
}

/// The one authorization rule. `unit` is the unit touched (None: no particular unit — a shared
/// definition — which then needs a role over every unit, except for reading the structure,
/// which any holder of a role may do).
pub fn allowed(who: Person<'_>, action: Action, unit: Option<&str>, tree: &UnitTree) -> bool {
    let assignments = match who {
        Person::Anonymous { public_read } => {
            return public_read && matches!(action, Action::ReadMeta | Action::Read)
        }
        Person::Account {
            must_change_password: true,
            ..
        } => return false,
        Person::Account { assignments, .. } => assignments,
    };
    assignments.iter().any(|a| {
        if !grants(a.role, action) {
            return false;
        }
        match (unit, &a.unit) {
            (_, None) => true,
            // Shared definitions (elements, indicators, data sets, frameworks) reach every
            // unit: a role over one unit reads them, only a role over every unit changes them.
            (None, Some(_)) => matches!(action, Action::ReadMeta),
            (Some(u), Some(scope)) => tree.is_within(u, scope.as_str()),
        }
    })
}

/// Whether a person approves reports at a level (a district, a province): an approver assigned
/// to that very unit — not one above it, so every level approves in turn — or an
/// administrator of every unit.
pub fn approves_at(who: Person<'_>, level: &str, tree: &UnitTree) -> bool {
    let Person::Account { assignments, .. } = who else {
        return false;
    };
    allowed(who, Action::Approve, Some(level), tree)
        && assignments.iter().any(|a| {
            grants(a.role, Action::Approve) && a.unit.as_ref().is_none_or(|u| u.as_str() == level)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unit::{Unit, UnitKind};
    use crate::Code;
    use proptest::prelude::*;

    fn unit(code: &str, parent: Option<&str>) -> Unit {
        Unit {
            code: Code::parse(code).unwrap(),
            gso_code: None,
            name_vi: code.into(),
            name_en: None,
            kind: UnitKind::Other,
            parent: parent.map(|p| Code::parse(p).unwrap()),
            valid_from: None,
            valid_to: None,
            lat: None,
            lon: None,
        }
    }

    /// A province, two districts, four communes.
    fn tree() -> UnitTree {
        UnitTree::new(
            vec![
                unit("P", None),
                unit("D1", Some("P")),
                unit("D2", Some("P")),
                unit("C1", Some("D1")),
                unit("C2", Some("D1")),
                unit("C3", Some("D2")),
                unit("C4", Some("D2")),
            ],
            &[],
        )
    }

    const UNITS: [&str; 7] = ["P", "D1", "D2", "C1", "C2", "C3", "C4"];
    const ROLES: [Role; 5] = [
        Role::SystemAdmin,
        Role::FrameworkAdmin,
        Role::Approver,
        Role::DataEntry,
        Role::Viewer,
    ];
    const ACTIONS: [Action; 8] = [
        Action::ReadMeta,
        Action::Read,
        Action::WriteData,
        Action::ManageFramework,
        Action::ManageUnits,
        Action::Administer,
        Action::Approve,
        Action::ApprovePlans,
    ];

    fn scoped(role: Role, unit: &str) -> Vec<Assignment> {
        vec![Assignment {
            role,
            unit: Some(Code::parse(unit).unwrap()),
        }]
    }

    fn account(a: &[Assignment]) -> Person<'_> {
        Person::Account {
            assignments: a,
            must_change_password: false,
        }
    }

    proptest! {
        /// A role over a unit reaches exactly that unit's subtree, for every action it grants.
        #[test]
        fn a_scoped_role_reaches_its_subtree_and_nothing_else(
            r in 0..ROLES.len(), s in 0..UNITS.len(), u in 0..UNITS.len(), a in 0..ACTIONS.len()
        ) {
            let t = tree();
            let grant = scoped(ROLES[r], UNITS[s]);
            let ok = allowed(account(&grant), ACTIONS[a], Some(UNITS[u]), &t);
            prop_assert_eq!(ok, grants(ROLES[r], ACTIONS[a]) && t.is_within(UNITS[u], UNITS[s]));
            // Nobody who must change a password, and no anonymous writer.
            let blocked = Person::Account { assignments: &grant, must_change_password: true };
            prop_assert!(!allowed(blocked, ACTIONS[a], Some(UNITS[u]), &t));
            let anon = allowed(Person::Anonymous { public_read: true }, ACTIONS[a], Some(UNITS[u]), &t);
            prop_assert_eq!(anon, matches!(ACTIONS[a], Action::ReadMeta | Action::Read));
            // What reaches every unit (no unit named) is only read by a scoped role, never
            // changed; a role over every unit does what it grants.
            let shared = allowed(account(&grant), ACTIONS[a], None, &t);
            prop_assert_eq!(shared, grants(ROLES[r], ACTIONS[a]) && ACTIONS[a] == Action::ReadMeta);
            let everywhere = vec![Assignment { role: ROLES[r], unit: None }];
            prop_assert_eq!(allowed(account(&everywhere), ACTIONS[a], None, &t), grants(ROLES[r], ACTIONS[a]));
        }
    }

    #[test]
    fn approvers_approve_at_their_own_level_only() {
        let t = tree();
        let district = scoped(Role::Approver, "D1");
        assert!(approves_at(account(&district), "D1", &t));
        assert!(!approves_at(account(&district), "P", &t));
        let province = scoped(Role::Approver, "P");
        assert!(
            !approves_at(account(&province), "D1", &t),
            "the province does not take the district's step"
        );
        let admin = vec![Assignment {
            role: Role::SystemAdmin,
            unit: None,
        }];
        assert!(approves_at(account(&admin), "D1", &t));
        assert!(!approves_at(
            Person::Anonymous { public_read: true },
            "D1",
            &t
        ));
        let viewer = scoped(Role::Viewer, "D1");
        assert!(!approves_at(account(&viewer), "D1", &t));
    }
}
