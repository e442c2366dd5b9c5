//! The indicator expression language, in DHIS2's syntax:
//!
//! - items: `#{ELEMENT}`, `#{ELEMENT.OPTION}` (a breakdown option), `C{CONSTANT}`,
//!   `OUG{GROUP}` (the number of units of a group inside the unit), `R{DATASET.REPORTING_RATE}`
//!   (reserved: answered once data sets exist);
//! - numbers; `+ - * / % ^`; comparisons `== != < <= > >=`; `&& || !`;
//! - functions `if(c, a, b)`, `isNull(x)`, `isNotNull(x)`, `firstNonNull(…)`, `greatest(…)`,
//!   `least(…)`;
//! - period functions written after an item or a bracketed expression:
//!   `#{A}.periodOffset(-1)`, `#{A}.yearToDate()`.
//!
//! Missing values follow DHIS2's default: when no item has a value the result is "no value";
//! otherwise missing items count as 0. Division by zero gives "no value", never inf or NaN.
//! Errors carry the 1-based column where they were found.

mod eval;
mod lex;
mod parse;

pub use eval::Resolver;

use crate::code::Code;
use std::fmt;

/// A parse or check error: where (1-based column, in characters) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    pub column: usize,
    pub reason: String,
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at column {}", self.reason, self.column)
    }
}

impl std::error::Error for ExprError {}

/// Longest expression accepted, in characters.
pub const MAX_LEN: usize = 10_000;
/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Pow,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    If,
    IsNull,
    IsNotNull,
    FirstNonNull,
    Greatest,
    Least,
}

/// How an item's period is changed by period functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PeriodMod {
    /// `.periodOffset(n)`, summed when nested.
    pub offset: i32,
    /// `.yearToDate()`: from the start of the period's year to its end.
    pub year_to_date: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(f64),
    /// `#{ELEMENT}` or `#{ELEMENT.OPTION}`.
    Item {
        element: Code,
        option: Option<Code>,
        column: usize,
    },
    /// `C{CODE}`.
    Constant {
        code: Code,
        column: usize,
    },
    /// `OUG{CODE}`.
    GroupCount {
        code: Code,
        column: usize,
    },
    /// `R{DATASET.METRIC}`.
    ReportingRate {
        data_set: Code,
        metric: String,
        column: usize,
    },
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
    Period(Box<Expr>, PeriodMod),
}

impl Expr {
    /// Every `#{…}` item, with its column, in order.
    pub fn items(&self) -> Vec<(&Code, Option<&Code>, usize)> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let Expr::Item {
                element,
                option,
                column,
            } = e
            {
                out.push((element, option.as_ref(), *column));
            }
        });
        out
    }

    fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::Neg(a) | Expr::Not(a) | Expr::Period(a, _) => a.walk(f),
            Expr::Bin(_, a, b) => {
                a.walk(f);
                b.walk(f);
            }
            Expr::Call(_, args) => args.iter().for_each(|a| a.walk(f)),
            _ => {}
        }
    }

    /// Check every reference against what exists; report the first unknown one with its column.
    pub fn check(
        &self,
        element_exists: &dyn Fn(&Code, Option<&Code>) -> bool,
        constant_exists: &dyn Fn(&Code) -> bool,
        group_exists: &dyn Fn(&Code) -> bool,
    ) -> Result<(), ExprError> {
        let mut err = None;
        self.walk(&mut |e| {
            if err.is_some() {
                return;
            }
            err = match e {
                Expr::Item {
                    element,
                    option,
                    column,
                } if !element_exists(element, option.as_ref()) => Some(ExprError {
                    column: *column,
                    reason: match option {
                        Some(o) => format!("unknown element or breakdown option {element}.{o}"),
                        None => format!("unknown element {element}"),
                    },
                }),
                Expr::Constant { code, column } if !constant_exists(code) => Some(ExprError {
                    column: *column,
                    reason: format!("unknown constant {code}"),
                }),
                Expr::GroupCount { code, column } if !group_exists(code) => Some(ExprError {
                    column: *column,
                    reason: format!("unknown unit group {code}"),
                }),
                _ => None,
            };
        });
        err.map_or(Ok(()), Err)
    }
}
