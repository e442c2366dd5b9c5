//! The official view and coverage, as general rules: the official values are a subset of the
//! live ones, kept in step by writes, completions and approvals exactly as a rebuild would
//! have them; a roll-up's coverage is the sum of its children's; a value breaking a blocking
//! rule is never official; a published value is official whatever collects it.

use crate::test_support::{c, element, value};
use crate::{Basis, Change, Engine, Input, PublishedKey, Scope, View};
use chiso_core::{
    Approval, Completion, Convention, DataSet, Period, PeriodType, Reporters, RuleOperator,
    Severity, StoredUnit, Unit, UnitKind, ValidationRule,
};
use chrono::Utc;
use proptest::prelude::*;
use std::collections::HashMap;

/// A random tree whose levels are a province, districts and communes below.
fn admin_tree(parents: &[usize]) -> Vec<StoredUnit> {
    let kind = |level: i32| match level {
        1 => UnitKind::Province,
        2 => UnitKind::District,
        _ => UnitKind::Commune,
    };
    let mut levels = vec![1i32];
    let mk = |i: usize, parent: Option<usize>, level: i32| StoredUnit {
        unit: Unit {
            code: c(&format!("U{i}")),
            gso_code: None,
            name_vi: format!("Đơn vị {i}"),
            name_en: None,
            kind: kind(level),
            parent: parent.map(|p| c(&format!("U{p}"))),
            valid_from: None,
            valid_to: None,
            lat: None,
            lon: None,
        },
        level,
    };
    let mut out = vec![mk(0, None, 1)];
    for (i, &p) in parents.iter().enumerate() {
        let i = i + 1;
        let p = p % i;
        levels.push(levels[p] + 1);
        out.push(mk(i, Some(p), levels[i]));
    }
    out
}

fn form(reporters: Vec<Reporters>) -> DataSet {
    DataSet {
        code: c("F"),
        name_vi: "Biểu".into(),
        name_en: None,
        period_type: PeriodType::Year,
        convention: Convention::Calendar,
        elements: vec![c("N"), c("D")],
        compulsory: vec![],
        reporters,
        scope: None,
        open_days: -365,
        due_days: 15,
        lock_days: None,
        approval: true,
    }
}

fn completion(unit: &str, p: Period) -> Completion {
    Completion {
        data_set: c("F"),
        unit: c(unit),
        period: p,
        completed_by: "xa".into(),
        completed_at: Utc::now(),
        on_time: true,
    }
}

fn approval(unit: &str, p: Period, step: u8) -> Approval {
    Approval {
        data_set: c("F"),
        unit: c(unit),
        period: p,
        step,
        level_unit: c("U0"),
        approved_by: "tinh".into(),
        approved_at: Utc::now(),
    }
}

/// The levels above a unit that approve: its district and province ancestors.
fn chain(units: &[StoredUnit], i: usize) -> u8 {
    let by_code: HashMap<String, &StoredUnit> =
        units.iter().map(|u| (u.unit.code.to_string(), u)).collect();
    let mut n = 0;
    let mut cur = units[i].unit.parent.clone();
    while let Some(p) = cur {
        let u = by_code[p.as_str()];
        if matches!(u.unit.kind, UnitKind::District | UnitKind::Province) {
            n += 1;
        }
        cur = u.unit.parent.clone();
    }
    n
}

fn below(units: &[StoredUnit], root: usize) -> Vec<usize> {
    let sub = crate::test_support::descendants(units, &format!("U{root}"));
    (0..units.len())
        .filter(|i| sub.contains(&format!("U{i}")))
        .collect()
}

proptest! {
    #[test]
    fn the_official_view_is_kept_in_step_and_inside_the_live_one(
        parents in proptest::collection::vec(0usize..1000, 1..25),
        reporters in proptest::collection::vec(any::<bool>(), 25),
        first in proptest::collection::vec((0usize..25, 0u32..500), 0..30),
        reports in proptest::collection::vec((0usize..25, 0u8..4), 0..30),
        later in proptest::collection::vec((0usize..25, proptest::option::of(0u32..500)), 0..20),
        published in proptest::collection::vec(0usize..25, 0..4),
    ) {
        let units = admin_tree(&parents);
        let n = units.len();
        let y = Period::Year(2023);
        let code = |i: usize| format!("U{}", i % n);
        let ds = form(
            (0..n)
                .filter(|i| reporters[i % reporters.len()])
                .map(|i| Reporters::Unit(c(&code(i))))
                .collect(),
        );
        let mut values: HashMap<usize, f64> = HashMap::new();
        for (i, x) in &first {
            values.insert(i % n, *x as f64);
        }
        let mut live = Engine::build(Input {
            units: units.clone(),
            elements: vec![element("N"), element("D")],
            data_sets: vec![ds.clone()],
            values: values.iter().map(|(u, x)| value("N", &code(*u), y, *x)).collect(),
            ..Default::default()
        });
        // Reports move along: sent, approved at one level, at two; then values change.
        let mut steps: HashMap<usize, u8> = HashMap::new();
        // `steps`: 1 sent, 2 and 3 approved at one or two levels too.
        for (i, st) in &reports {
            let i = i % n;
            if *st == 0 {
                continue;
            }
            if !steps.contains_key(&i) {
                live.set_completion(&c("F"), &c(&code(i)), y, Some(true));
            }
            live.set_approval_steps(&c("F"), &c(&code(i)), y, st - 1);
            steps.insert(i, *st);
        }
        let mut changes = Vec::new();
        for (i, x) in &later {
            let i = i % n;
            match x {
                Some(x) => { values.insert(i, *x as f64); }
                None => { values.remove(&i); }
            }
            changes.push(Change { element: c("N"), unit: c(&code(i)), period: y, option: None, num: x.map(|x| x as f64), published: false });
        }
        for i in &published {
            let i = i % n;
            if let Some(x) = values.get(&i) {
                changes.push(Change { element: c("N"), unit: c(&code(i)), period: y, option: None, num: Some(*x), published: true });
            }
        }
        live.apply(&changes);
        let pinned: Vec<usize> = published.iter().map(|i| i % n).filter(|i| values.contains_key(i)).collect();
        // The same state, built at once.
        let rebuilt = Engine::build(Input {
            units: units.clone(),
            elements: vec![element("N"), element("D")],
            data_sets: vec![ds.clone()],
            completions: steps.keys().map(|i| completion(&code(*i), y)).collect(),
            approvals: steps
                .iter()
                .flat_map(|(i, s)| (1..*s).map(move |k| approval(&code(*i), y, k)))
                .collect(),
            published: pinned
                .iter()
                .map(|i| PublishedKey { element: c("N"), option: None, unit: c(&code(*i)), period: y })
                .collect(),
            values: values.iter().map(|(u, x)| value("N", &code(*u), y, *x)).collect(),
            ..Default::default()
        });
        let official = |i: usize| {
            let expected = reporters[i % reporters.len()];
            let sent = steps.contains_key(&i);
            let approved = steps.get(&i).copied().unwrap_or(0).saturating_sub(1);
            let last = if chain(&units, i) == 0 { sent } else { approved >= chain(&units, i) };
            !expected || last || pinned.contains(&i)
        };
        for (i, u) in units.iter().enumerate() {
            let s = Scope::Unit(u.unit.code.clone());
            for view in [View::Official, View::Live] {
                let a = live.view(view).element(&c("N"), None, &s, &y, None).unwrap();
                let b = rebuilt.view(view).element(&c("N"), None, &s, &y, None).unwrap();
                prop_assert_eq!(a, b, "{} {:?}", i, view);
            }
            // Official ⊆ live, value by value, and the official sum is the sum of the values
            // the definition calls official.
            let own_official = live.view(View::Official).own(&c("N"), None, &code(i), &y);
            let own_live = live.view(View::Live).own(&c("N"), None, &code(i), &y);
            prop_assert!(own_official.is_none() || own_official == own_live);
            prop_assert_eq!(own_official.is_some(), own_live.is_some() && official(i));
            let sub = below(&units, i);
            let want: Vec<f64> = sub.iter().filter(|j| official(**j)).filter_map(|j| values.get(j)).copied().collect();
            let got = live.view(View::Official).element(&c("N"), None, &s, &y, None).unwrap();
            prop_assert_eq!(got, (!want.is_empty()).then(|| want.iter().sum::<f64>()));
        }
    }

    #[test]
    fn a_roll_ups_coverage_is_the_sum_of_its_childrens(
        parents in proptest::collection::vec(0usize..1000, 1..30),
        reporters in proptest::collection::vec(any::<bool>(), 30),
        xs in proptest::collection::vec(proptest::option::of(0u32..100), 30),
        sent in proptest::collection::vec(any::<bool>(), 30),
    ) {
        let units = admin_tree(&parents);
        let n = units.len();
        let y = Period::Year(2023);
        let code = |i: usize| format!("U{i}");
        let ds = form(
            (0..n)
                .filter(|i| reporters[*i])
                .map(|i| Reporters::Unit(c(&code(i))))
                .collect(),
        );
        let values: Vec<_> = (0..n)
            .filter_map(|i| xs[i].map(|x| value("N", &code(i), y, x as f64)))
            .collect();
        let e = Engine::build(Input {
            units: units.clone(),
            elements: vec![element("N"), element("D")],
            data_sets: vec![ds],
            completions: (0..n).filter(|i| sent[*i]).map(|i| completion(&code(i), y)).collect(),
            values,
            ..Default::default()
        });
        for view in [View::Official, View::Live] {
            // The model: a unit's own part, plus its children's, bottom up (a child's index is
            // always above its parent's).
            let mut model = vec![(0u32, 0u32, 0u32, 0u32); n];
            for i in (0..n).rev() {
                // The unit's own part: a reporter with a value is official only once final
                // (sent, where nobody is above it to approve; nobody approved here).
                let has = reporters[i] && xs[i].is_some();
                let official = chain(&units, i) == 0 && sent[i];
                let mut r = u32::from(has && (view == View::Live || official));
                let mut x = u32::from(reporters[i]);
                let (mut en, mut aw) = match (has && !official, sent[i]) {
                    (true, true) => (0, 1),
                    (true, false) => (1, 0),
                    _ => (0, 0),
                };
                for j in (i + 1)..n {
                    if units[j].unit.parent.as_ref().map(|p| p.as_str()) == Some(code(i).as_str()) {
                        let (a, b, cc, d) = model[j];
                        r += a;
                        x += b;
                        en += cc;
                        aw += d;
                    }
                }
                model[i] = (r, x, en, aw);
            }
            for (i, &(r, x, en, aw)) in model.iter().enumerate() {
                let cov = e
                    .view(view)
                    .element_coverage(&c("N"), None, &Scope::Unit(c(&code(i))), &y)
                    .unwrap();
                // A non-reporting unit's own value is official in both views; where none of
                // the expected units reported, the figure rests on it.
                let own = xs[i].is_some() && !reporters[i];
                match cov {
                    Some(cv) if x > 0 && !(r == 0 && own) => {
                        prop_assert_eq!(cv.basis, Basis::DataSets, "unit {} {:?}", i, view);
                        prop_assert_eq!(
                            (cv.reported, cv.expected, cv.entering, cv.awaiting),
                            (r, x, en, aw),
                            "unit {} {:?}",
                            i,
                            view
                        );
                    }
                    Some(cv) => prop_assert_eq!(cv.basis, Basis::Scope, "unit {} {:?}", i, view),
                    None => prop_assert!(x == 0, "unit {} {:?}", i, view),
                }
            }
        }
    }
}

fn rule(severity: Severity) -> ValidationRule {
    ValidationRule {
        code: c("N_LE_D"),
        name_vi: "N không vượt quá D".into(),
        name_en: None,
        left: "#{N}".into(),
        operator: RuleOperator::LessOrEqual,
        right: "#{D}".into(),
        severity,
    }
}

#[test]
fn a_value_breaking_a_blocking_rule_is_never_official() {
    let units = admin_tree(&[0, 1, 1]);
    let y = Period::Year(2023);
    let mut e = Engine::build(Input {
        units: units.clone(),
        elements: vec![element("N"), element("D")],
        rules: vec![rule(Severity::Block)],
        values: vec![
            value("N", "U2", y, 5.0),
            value("D", "U2", y, 10.0),
            value("N", "U3", y, 7.0),
            value("D", "U3", y, 10.0),
        ],
        ..Default::default()
    });
    let at = |e: &Engine, view: View, el: &str| {
        e.view(view)
            .element(&c(el), None, &Scope::Unit(c("U0")), &y, None)
            .unwrap()
    };
    assert_eq!(at(&e, View::Official, "N"), Some(12.0));
    // U3 now processes more than it received: both sides of the broken rule leave the
    // official view, U2 stays; the live view has everything.
    let put = |unit: &str, el: &str, x: f64| Change {
        element: c(el),
        unit: c(unit),
        period: y,
        option: None,
        num: Some(x),
        published: true,
    };
    e.apply(&[put("U3", "N", 12.0)]);
    assert_eq!(at(&e, View::Live, "N"), Some(17.0));
    assert_eq!(at(&e, View::Official, "N"), Some(5.0));
    assert_eq!(at(&e, View::Official, "D"), Some(10.0));
    assert_eq!(at(&e, View::Live, "D"), Some(20.0));
    let cov = e
        .view(View::Official)
        .element_coverage(&c("N"), None, &Scope::Unit(c("U3")), &y)
        .unwrap()
        .unwrap();
    assert_eq!((cov.reported, cov.expected, cov.entering), (0, 1, 1));
    // Fixed: back in.
    e.apply(&[put("U3", "D", 15.0)]);
    assert_eq!(at(&e, View::Official, "N"), Some(17.0));
    assert_eq!(at(&e, View::Official, "D"), Some(25.0));
    // A warning never keeps a value out.
    let w = Engine::build(Input {
        units,
        elements: vec![element("N"), element("D")],
        rules: vec![rule(Severity::Warn)],
        values: vec![value("N", "U2", y, 50.0), value("D", "U2", y, 10.0)],
        ..Default::default()
    });
    assert_eq!(at(&w, View::Official, "N"), Some(50.0));
}

#[test]
fn reports_enter_the_official_view_at_the_last_level_of_their_chain() {
    // U0 province, U1 district, U2 and U3 communes reporting the form.
    let units = admin_tree(&[0, 1, 1]);
    let y = Period::Year(2024);
    let mut e = Engine::build(Input {
        units,
        elements: vec![element("N"), element("D")],
        data_sets: vec![form(vec![Reporters::Kind(UnitKind::Commune)])],
        ..Default::default()
    });
    let at = |e: &Engine, view: View| {
        e.view(view)
            .element(&c("N"), None, &Scope::Unit(c("U0")), &y, None)
            .unwrap()
    };
    let cov = |e: &Engine, view: View| {
        let c = e
            .view(view)
            .element_coverage(&c("N"), None, &Scope::Unit(c("U0")), &y)
            .unwrap()
            .unwrap();
        (c.reported, c.expected, c.entering, c.awaiting, c.partial)
    };
    e.apply(&[Change {
        element: c("N"),
        unit: c("U2"),
        period: y,
        option: None,
        num: Some(40.0),
        published: false,
    }]);
    assert_eq!(
        (at(&e, View::Live), at(&e, View::Official)),
        (Some(40.0), None)
    );
    assert_eq!(cov(&e, View::Live), (1, 2, 1, 0, true));
    assert_eq!(cov(&e, View::Official), (0, 2, 1, 0, true));
    e.set_completion(&c("F"), &c("U2"), y, Some(true));
    assert_eq!(
        cov(&e, View::Live),
        (1, 2, 0, 1, true),
        "sent: awaiting approval"
    );
    e.set_approval_steps(&c("F"), &c("U2"), y, 1);
    assert_eq!(
        at(&e, View::Official),
        None,
        "the district alone is not the last level"
    );
    e.set_approval_steps(&c("F"), &c("U2"), y, 2);
    assert_eq!(at(&e, View::Official), Some(40.0));
    assert_eq!(cov(&e, View::Official), (1, 2, 0, 0, true));
    e.set_approval_steps(&c("F"), &c("U2"), y, 1);
    assert_eq!(at(&e, View::Official), None, "un-approved at the province");
    // A value published by an administrator is official though the form collects it.
    e.apply(&[Change {
        element: c("N"),
        unit: c("U3"),
        period: y,
        option: None,
        num: Some(2.0),
        published: true,
    }]);
    assert_eq!(at(&e, View::Official), Some(2.0));
    assert_eq!(at(&e, View::Live), Some(42.0));
}

#[test]
fn a_figure_resting_on_the_scopes_own_value_is_not_called_unreported() {
    // The communes report the form from 2024; for 2022 only the province's own published
    // figure exists. It stands on that figure, not on "0 of 2 communes".
    let units = admin_tree(&[0, 1, 1]);
    let y = Period::Year(2022);
    let mut own = value("N", "U0", y, 45.0);
    own.source = chiso_core::SourceTag::Published;
    let e = Engine::build(Input {
        units,
        elements: vec![element("N"), element("D")],
        data_sets: vec![form(vec![Reporters::Kind(UnitKind::Commune)])],
        values: vec![own],
        ..Default::default()
    });
    for view in [View::Live, View::Official] {
        let cov = e
            .view(view)
            .element_coverage(&c("N"), None, &Scope::Unit(c("U0")), &y)
            .unwrap()
            .unwrap();
        assert_eq!(
            (cov.reported, cov.expected, cov.basis, cov.partial),
            (1, 1, Basis::Scope, false),
            "{view:?}"
        );
    }
    // Nothing stored at all: the communes expected, none reported.
    let cov = e
        .view(View::Live)
        .element_coverage(&c("N"), None, &Scope::Unit(c("U0")), &Period::Year(2023))
        .unwrap()
        .unwrap();
    assert_eq!(
        (cov.reported, cov.expected, cov.basis),
        (0, 2, Basis::DataSets)
    );
}
