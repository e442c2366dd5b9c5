//! Evaluation: an [`Expr`] to a number, or "no value", against a [`Resolver`].

use super::{BinOp, Expr, Func, PeriodMod};
use crate::code::Code;

/// What an expression needs from the world when it is evaluated.
pub trait Resolver {
    /// The value of an element (or one of its breakdown options) for the period changed by `m`.
    fn item(&self, element: &Code, option: Option<&Code>, m: PeriodMod) -> Option<f64>;
    fn constant(&self, code: &Code) -> Option<f64>;
    fn group_count(&self, code: &Code) -> Option<f64>;
    fn reporting_rate(&self, data_set: &Code, metric: &str) -> Option<f64>;
}

impl Expr {
    /// Evaluate. `None` is "no value".
    pub fn eval(&self, r: &dyn Resolver) -> Option<f64> {
        let mut any_item = false;
        let mut any_value = false;
        let v = self.ev(r, PeriodMod::default(), &mut any_item, &mut any_value);
        if any_item && !any_value {
            return None;
        }
        v.filter(|x| x.is_finite())
    }

    fn ev(
        &self,
        r: &dyn Resolver,
        m: PeriodMod,
        any_item: &mut bool,
        any_value: &mut bool,
    ) -> Option<f64> {
        // Inside arithmetic a missing item counts as 0 (the caller decides when all are missing).
        let num = |e: &Expr, ai: &mut bool, av: &mut bool| e.ev(r, m, ai, av).unwrap_or(0.0);
        let truth = |x: f64| x != 0.0;
        let b = |x: bool| if x { 1.0 } else { 0.0 };
        match self {
            Expr::Num(n) => Some(*n),
            Expr::Item {
                element, option, ..
            } => {
                *any_item = true;
                let v = r.item(element, option.as_ref(), m);
                if v.is_some() {
                    *any_value = true;
                }
                v
            }
            Expr::Constant { code, .. } => r.constant(code),
            Expr::GroupCount { code, .. } => r.group_count(code),
            Expr::ReportingRate {
                data_set, metric, ..
            } => {
                *any_item = true;
                let v = r.reporting_rate(data_set, metric);
                if v.is_some() {
                    *any_value = true;
                }
                v
            }
            Expr::Neg(a) => Some(-num(a, any_item, any_value)),
            Expr::Not(a) => Some(b(!truth(num(a, any_item, any_value)))),
            Expr::Period(a, pm) => {
                let m2 = PeriodMod {
                    offset: m.offset + pm.offset,
                    year_to_date: m.year_to_date || pm.year_to_date,
                };
                a.ev(r, m2, any_item, any_value)
            }
            Expr::Bin(op, a, c) => {
                let x = num(a, any_item, any_value);
                let y = num(c, any_item, any_value);
                let v = match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    BinOp::Div => {
                        if y == 0.0 {
                            return None;
                        }
                        x / y
                    }
                    BinOp::Rem => {
                        if y == 0.0 {
                            return None;
                        }
                        x % y
                    }
                    BinOp::Pow => x.powf(y),
                    BinOp::Eq => b(x == y),
                    BinOp::Ne => b(x != y),
                    BinOp::Lt => b(x < y),
                    BinOp::Le => b(x <= y),
                    BinOp::Gt => b(x > y),
                    BinOp::Ge => b(x >= y),
                    BinOp::And => b(truth(x) && truth(y)),
                    BinOp::Or => b(truth(x) || truth(y)),
                };
                v.is_finite().then_some(v)
            }
            Expr::Call(f, args) => match f {
                Func::If => {
                    let c = num(&args[0], any_item, any_value);
                    let branch = if truth(c) { &args[1] } else { &args[2] };
                    branch.ev(r, m, any_item, any_value)
                }
                Func::IsNull | Func::IsNotNull => {
                    let mut ai = false;
                    let mut av = false;
                    let v = args[0].ev(r, m, &mut ai, &mut av);
                    let null = v.is_none() || (ai && !av);
                    Some(b(if *f == Func::IsNull { null } else { !null }))
                }
                Func::FirstNonNull => {
                    for a in args {
                        let mut ai = false;
                        let mut av = false;
                        let v = a.ev(r, m, &mut ai, &mut av);
                        if v.is_some() && (!ai || av) {
                            *any_item |= ai;
                            *any_value |= av;
                            return v;
                        }
                    }
                    None
                }
                Func::Greatest | Func::Least => {
                    let vals: Vec<f64> = args
                        .iter()
                        .filter_map(|a| a.ev(r, m, any_item, any_value))
                        .collect();
                    let it = vals.into_iter();
                    if *f == Func::Greatest {
                        it.reduce(f64::max)
                    } else {
                        it.reduce(f64::min)
                    }
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    struct Map(HashMap<(String, i32, bool), f64>);

    impl Resolver for Map {
        fn item(&self, e: &Code, o: Option<&Code>, m: PeriodMod) -> Option<f64> {
            let key = match o {
                Some(o) => format!("{e}.{o}"),
                None => e.to_string(),
            };
            self.0.get(&(key, m.offset, m.year_to_date)).copied()
        }
        fn constant(&self, c: &Code) -> Option<f64> {
            (c.as_str() == "PI").then_some(3.0)
        }
        fn group_count(&self, c: &Code) -> Option<f64> {
            (c.as_str() == "G").then_some(7.0)
        }
        fn reporting_rate(&self, _: &Code, _: &str) -> Option<f64> {
            None
        }
    }

    fn world() -> Map {
        let mut m = HashMap::new();
        m.insert(("A".to_string(), 0, false), 9489.0);
        m.insert(("B".to_string(), 0, false), 10000.0);
        m.insert(("A".to_string(), -1, false), 8000.0);
        m.insert(("A".to_string(), 0, true), 50000.0);
        m.insert(("S.NU".to_string(), 0, false), 4.0);
        m.insert(("Z".to_string(), 0, false), 0.0);
        Map(m)
    }

    fn ev(s: &str) -> Option<f64> {
        Expr::parse(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .eval(&world())
    }

    #[test]
    fn arithmetic_and_precedence() {
        assert_eq!(ev("1 + 2 * 3"), Some(7.0));
        assert_eq!(ev("(1 + 2) * 3"), Some(9.0));
        assert_eq!(ev("2 ^ 3 ^ 2"), Some(512.0));
        assert_eq!(ev("-2 ^ 2"), Some(-4.0));
        assert_eq!(ev("7 % 4"), Some(3.0));
        assert_eq!(ev("1 < 2 && 2 <= 2 || 0"), Some(1.0));
        assert_eq!(ev("!(1 == 1)"), Some(0.0));
        assert_eq!(ev("1 and not 0"), Some(1.0));
        assert_eq!(ev("1.5e3"), Some(1500.0));
    }

    #[test]
    fn items_ratios_and_missing_values() {
        assert_eq!(ev("#{A} / #{B} * 100"), Some(94.89));
        assert_eq!(ev("#{S.NU}"), Some(4.0));
        assert_eq!(
            ev("#{A} + #{MISSING}"),
            Some(9489.0),
            "a missing item counts as 0 beside present ones"
        );
        assert_eq!(
            ev("#{MISSING} + #{ALSO_MISSING}"),
            None,
            "all items missing: no value"
        );
        assert_eq!(ev("#{A} / #{Z}"), None, "division by zero: no value");
        assert_eq!(ev("#{A} / 0"), None);
        assert_eq!(ev("#{A}.periodOffset(-1)"), Some(8000.0));
        assert_eq!(
            ev("(#{A}).periodOffset(-1) - #{A}.periodOffset(-1)"),
            Some(0.0)
        );
        assert_eq!(ev("#{A}.yearToDate()"), Some(50000.0));
        assert_eq!(ev("C{PI} * OUG{G}"), Some(21.0));
    }

    #[test]
    fn functions() {
        assert_eq!(ev("if(#{A} > #{B}, 1, 2)"), Some(2.0));
        assert_eq!(ev("isNull(#{MISSING})"), Some(1.0));
        assert_eq!(ev("isNotNull(#{A})"), Some(1.0));
        assert_eq!(ev("firstNonNull(#{MISSING}, #{A}, 5)"), Some(9489.0));
        assert_eq!(ev("firstNonNull(#{MISSING}, 5)"), Some(5.0));
        assert_eq!(ev("greatest(1, #{Z}, 3)"), Some(3.0));
        assert_eq!(ev("least(1, -4, 3)"), Some(-4.0));
    }

    fn arb_expr() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            (0u32..1000).prop_map(|n| n.to_string()),
            Just("#{A}".to_string()),
            Just("#{B}".to_string()),
            Just("#{MISSING}".to_string()),
            Just("#{Z}".to_string()),
        ];
        leaf.prop_recursive(5, 40, 3, |inner| {
            prop_oneof![
                (
                    inner.clone(),
                    prop_oneof![
                        Just("+"),
                        Just("-"),
                        Just("*"),
                        Just("/"),
                        Just("<"),
                        Just("&&")
                    ],
                    inner.clone()
                )
                    .prop_map(|(a, o, b)| format!("({a} {o} {b})")),
                inner.clone().prop_map(|a| format!("-{a}")),
                (inner.clone(), inner.clone(), inner.clone())
                    .prop_map(|(a, b, c)| format!("if({a}, {b}, {c})")),
                (inner.clone(), inner).prop_map(|(a, b)| format!("greatest({a}, {b})")),
            ]
        })
    }

    proptest! {
        #[test]
        fn never_panics_on_any_text(s in ".{0,60}") {
            if let Ok(e) = Expr::parse(&s) {
                let _ = e.eval(&world());
            }
        }

        #[test]
        fn generated_expressions_parse_and_give_finite_values_or_none(s in arb_expr()) {
            let e = Expr::parse(&s).unwrap();
            if let Some(v) = e.eval(&world()) {
                prop_assert!(v.is_finite());
            }
        }

        #[test]
        fn addition_commutes(a in 0u32..10_000, b in 0u32..10_000) {
            prop_assert_eq!(ev(&format!("{a} + #{{A}} + {b}")), ev(&format!("{b} + #{{A}} + {a}")));
        }

        #[test]
        fn ratios_are_division(n in 0u32..1_000_000, d in 1u32..1_000_000) {
            let v = ev(&format!("{n} / {d} * 100")).unwrap();
            prop_assert!((v - n as f64 / d as f64 * 100.0).abs() <= 1e-9 * v.abs().max(1.0));
        }
    }
}
