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

/// What an expression needs from the world when it is evaluated.
pub trait Resolver {
    /// The value of an element (or one of its breakdown options) for the period changed by `m`.
    fn item(&self, element: &Code, option: Option<&Code>, m: PeriodMod) -> Option<f64>;
    fn constant(&self, code: &Code) -> Option<f64>;
    fn group_count(&self, code: &Code) -> Option<f64>;
    fn reporting_rate(&self, data_set: &Code, metric: &str) -> Option<f64>;
}

// ---- lexer -------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Ident(String),
    /// A braced reference: kind ("#", "C", "OUG", "R"), inner text.
    Ref(String, String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
    Dot,
    End,
}

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
    let chars: Vec<char> = src.chars().collect();
    if chars.len() > MAX_LEN {
        return Err(ExprError {
            column: MAX_LEN,
            reason: format!("the expression is longer than {MAX_LEN} characters"),
        });
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        // Braced references: #{…}, C{…}, OUG{…}, R{…}
        let prefix = ["OUG", "#", "C", "R"].into_iter().find(|p| {
            let n = p.chars().count();
            chars[i..].iter().take(n).copied().eq(p.chars()) && chars.get(i + n) == Some(&'{')
        });
        if let Some(p) = prefix {
            let start = i + p.len() + 1;
            let Some(close) = chars[start..].iter().position(|&x| x == '}') else {
                return Err(ExprError {
                    column: col,
                    reason: format!("'{p}{{' is not closed with '}}'"),
                });
            };
            let inner: String = chars[start..start + close].iter().collect();
            out.push((Tok::Ref(p.to_string(), inner), col));
            i = start + close + 1;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let mut j = i;
            while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                j += 1;
            }
            if j < chars.len() && (chars[j] == 'e' || chars[j] == 'E') {
                let mut k = j + 1;
                if k < chars.len() && (chars[k] == '+' || chars[k] == '-') {
                    k += 1;
                }
                if k < chars.len() && chars[k].is_ascii_digit() {
                    j = k;
                    while j < chars.len() && chars[j].is_ascii_digit() {
                        j += 1;
                    }
                }
            }
            let text: String = chars[i..j].iter().collect();
            let v: f64 = text.parse().map_err(|_| ExprError {
                column: col,
                reason: format!("'{text}' is not a number"),
            })?;
            if !v.is_finite() {
                return Err(ExprError {
                    column: col,
                    reason: format!("'{text}' is too large"),
                });
            }
            out.push((Tok::Num(v), col));
            i = j;
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let mut j = i;
            while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            out.push((Tok::Ident(chars[i..j].iter().collect()), col));
            i = j;
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let op2 = ["==", "!=", "<=", ">=", "&&", "||"]
            .into_iter()
            .find(|o| *o == two);
        if let Some(o) = op2 {
            out.push((Tok::Op(o), col));
            i += 2;
            continue;
        }
        let tok = match c {
            '+' => Tok::Op("+"),
            '-' => Tok::Op("-"),
            '*' => Tok::Op("*"),
            '/' => Tok::Op("/"),
            '%' => Tok::Op("%"),
            '^' => Tok::Op("^"),
            '<' => Tok::Op("<"),
            '>' => Tok::Op(">"),
            '!' => Tok::Op("!"),
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            ',' => Tok::Comma,
            '.' => Tok::Dot,
            other => {
                return Err(ExprError {
                    column: col,
                    reason: format!("unexpected character '{other}'"),
                })
            }
        };
        out.push((tok, col));
        i += 1;
    }
    out.push((Tok::End, chars.len() + 1));
    Ok(out)
}

// ---- parser ------------------------------------------------------------------------------------

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos.min(self.toks.len() - 1)].0
    }
    fn col(&self) -> usize {
        self.toks[self.pos.min(self.toks.len() - 1)].1
    }
    fn next(&mut self) -> (Tok, usize) {
        let t = self.toks[self.pos.min(self.toks.len() - 1)].clone();
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
        t
    }
    fn err<T>(&self, reason: impl Into<String>) -> Result<T, ExprError> {
        Err(ExprError {
            column: self.col(),
            reason: reason.into(),
        })
    }
    fn expect(&mut self, t: Tok, what: &str) -> Result<(), ExprError> {
        if *self.peek() == t {
            self.next();
            Ok(())
        } else {
            self.err(format!("expected {what}, found {}", describe(self.peek())))
        }
    }
    fn enter(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err(format!(
                "the expression is nested more than {MAX_DEPTH} deep"
            ));
        }
        Ok(())
    }

    fn binary(&mut self, level: usize) -> Result<Expr, ExprError> {
        const LEVELS: [&[(&str, BinOp)]; 5] = [
            &[("||", BinOp::Or)],
            &[("&&", BinOp::And)],
            &[
                ("==", BinOp::Eq),
                ("!=", BinOp::Ne),
                ("<=", BinOp::Le),
                (">=", BinOp::Ge),
                ("<", BinOp::Lt),
                (">", BinOp::Gt),
            ],
            &[("+", BinOp::Add), ("-", BinOp::Sub)],
            &[("*", BinOp::Mul), ("/", BinOp::Div), ("%", BinOp::Rem)],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        let mut left = self.binary(level + 1)?;
        loop {
            let op = match self.peek() {
                Tok::Op(o) => LEVELS[level].iter().find(|(s, _)| s == o).map(|(_, b)| *b),
                Tok::Ident(w) if level == 0 && w.eq_ignore_ascii_case("or") => Some(BinOp::Or),
                Tok::Ident(w) if level == 1 && w.eq_ignore_ascii_case("and") => Some(BinOp::And),
                _ => None,
            };
            let Some(op) = op else { return Ok(left) };
            self.next();
            self.enter()?;
            let right = self.binary(level + 1)?;
            self.depth -= 1;
            left = Expr::Bin(op, Box::new(left), Box::new(right));
        }
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        self.enter()?;
        let e = match self.peek() {
            Tok::Op("-") => {
                self.next();
                Expr::Neg(Box::new(self.unary()?))
            }
            Tok::Op("+") => {
                self.next();
                self.unary()?
            }
            Tok::Op("!") => {
                self.next();
                Expr::Not(Box::new(self.unary()?))
            }
            Tok::Ident(w) if w.eq_ignore_ascii_case("not") => {
                self.next();
                Expr::Not(Box::new(self.unary()?))
            }
            _ => self.power()?,
        };
        self.depth -= 1;
        Ok(e)
    }

    fn power(&mut self) -> Result<Expr, ExprError> {
        let base = self.postfix()?;
        if *self.peek() == Tok::Op("^") {
            self.next();
            let exp = self.unary()?;
            return Ok(Expr::Bin(BinOp::Pow, Box::new(base), Box::new(exp)));
        }
        Ok(base)
    }

    fn postfix(&mut self) -> Result<Expr, ExprError> {
        let mut e = self.primary()?;
        while *self.peek() == Tok::Dot {
            self.next();
            let col = self.col();
            let name = match self.next() {
                (Tok::Ident(n), _) => n,
                (t, _) => {
                    return Err(ExprError {
                        column: col,
                        reason: format!(
                            "expected a period function after '.', found {}",
                            describe(&t)
                        ),
                    })
                }
            };
            self.expect(Tok::LParen, "'('")?;
            let m = match name.as_str() {
                "periodOffset" => {
                    let neg = if *self.peek() == Tok::Op("-") {
                        self.next();
                        true
                    } else {
                        false
                    };
                    let c = self.col();
                    match self.next() {
                        (Tok::Num(n), _) if n.fract() == 0.0 && n.abs() <= 1000.0 => PeriodMod {
                            offset: if neg { -(n as i32) } else { n as i32 },
                            year_to_date: false,
                        },
                        _ => {
                            return Err(ExprError {
                                column: c,
                                reason: "periodOffset needs a whole number from -1000 to 1000"
                                    .into(),
                            })
                        }
                    }
                }
                "yearToDate" => PeriodMod {
                    offset: 0,
                    year_to_date: true,
                },
                other => {
                    return Err(ExprError {
                        column: col,
                        reason: format!("unknown period function {other}"),
                    })
                }
            };
            self.expect(Tok::RParen, "')'")?;
            e = Expr::Period(Box::new(e), m);
        }
        Ok(e)
    }

    fn args(&mut self) -> Result<Vec<Expr>, ExprError> {
        self.expect(Tok::LParen, "'('")?;
        let mut args = Vec::new();
        if *self.peek() == Tok::RParen {
            self.next();
            return Ok(args);
        }
        loop {
            args.push(self.binary(0)?);
            match self.peek() {
                Tok::Comma => {
                    self.next();
                }
                Tok::RParen => {
                    self.next();
                    return Ok(args);
                }
                t => return self.err(format!("expected ',' or ')', found {}", describe(t))),
            }
        }
    }

    fn code(&self, s: &str, col: usize, what: &str) -> Result<Code, ExprError> {
        Code::parse(s).map_err(|e| ExprError {
            column: col,
            reason: format!("{what} '{s}': {e}"),
        })
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        let (tok, col) = self.next();
        match tok {
            Tok::Num(n) => Ok(Expr::Num(n)),
            Tok::LParen => {
                self.enter()?;
                let e = self.binary(0)?;
                self.depth -= 1;
                self.expect(Tok::RParen, "')'")?;
                Ok(e)
            }
            Tok::Ref(kind, inner) => match kind.as_str() {
                "#" => {
                    let (el, opt) = match inner.split_once('.') {
                        Some((a, b)) => (a, Some(b)),
                        None => (inner.as_str(), None),
                    };
                    Ok(Expr::Item {
                        element: self.code(el, col, "element")?,
                        option: opt.map(|o| self.code(o, col, "breakdown option")).transpose()?,
                        column: col,
                    })
                }
                "C" => Ok(Expr::Constant { code: self.code(&inner, col, "constant")?, column: col }),
                "OUG" => Ok(Expr::GroupCount { code: self.code(&inner, col, "unit group")?, column: col }),
                _ => match inner.split_once('.') {
                    Some((ds, metric)) if !metric.is_empty() => Ok(Expr::ReportingRate {
                        data_set: self.code(ds, col, "data set")?,
                        metric: metric.to_string(),
                        column: col,
                    }),
                    _ => Err(ExprError { column: col, reason: format!("R{{{inner}}} needs a data set and a metric, e.g. R{{BM01.REPORTING_RATE}}") }),
                },
            },
            Tok::Ident(name) => {
                let f = match name.as_str() {
                    "if" => Func::If,
                    "isNull" => Func::IsNull,
                    "isNotNull" => Func::IsNotNull,
                    "firstNonNull" => Func::FirstNonNull,
                    "greatest" => Func::Greatest,
                    "least" => Func::Least,
                    other => return Err(ExprError { column: col, reason: format!("unknown function {other}") }),
                };
                self.enter()?;
                let args = self.args()?;
                self.depth -= 1;
                let ok = match f {
                    Func::If => args.len() == 3,
                    Func::IsNull | Func::IsNotNull => args.len() == 1,
                    _ => !args.is_empty(),
                };
                if !ok {
                    let need = match f {
                        Func::If => "3 arguments",
                        Func::IsNull | Func::IsNotNull => "1 argument",
                        _ => "at least 1 argument",
                    };
                    return Err(ExprError { column: col, reason: format!("{name} takes {need}, not {}", args.len()) });
                }
                Ok(Expr::Call(f, args))
            }
            Tok::End => Err(ExprError { column: col, reason: "the expression ends too early".into() }),
            other => Err(ExprError { column: col, reason: format!("unexpected {}", describe(&other)) }),
        }
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Num(n) => format!("number {n}"),
        Tok::Ident(s) => format!("'{s}'"),
        Tok::Ref(k, s) => format!("'{k}{{{s}}}'"),
        Tok::Op(o) => format!("'{o}'"),
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::Comma => "','".into(),
        Tok::Dot => "'.'".into(),
        Tok::End => "the end".into(),
    }
}

impl Expr {
    /// Parse an expression.
    pub fn parse(src: &str) -> Result<Expr, ExprError> {
        let toks = lex(src)?;
        let mut p = Parser {
            toks,
            pos: 0,
            depth: 0,
        };
        let e = p.binary(0)?;
        if *p.peek() != Tok::End {
            return p.err(format!(
                "unexpected {} after a complete expression",
                describe(p.peek())
            ));
        }
        Ok(e)
    }

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

    #[test]
    fn errors_say_where_and_why() {
        let e = |s: &str| Expr::parse(s).unwrap_err();
        assert_eq!(
            e("1 +").to_string(),
            "the expression ends too early at column 4"
        );
        assert_eq!(e("#{A} + #{B").column, 8);
        assert!(e("#{A} $ 2").reason.contains("unexpected character '$'"));
        assert_eq!(e("foo(1)").to_string(), "unknown function foo at column 1");
        assert!(e("if(1, 2)").reason.contains("takes 3 arguments"));
        assert!(e("#{A}.periodOffset(x)").reason.contains("whole number"));
        assert!(e("(1 + 2").reason.contains("expected ')'"));
        assert!(e("1 2").reason.contains("after a complete expression"));
        assert!(e("#{a b}").reason.contains("element 'a b'"));
        assert!(e(&"(".repeat(200)).reason.contains("nested"));
        // Checking references names the unknown element and its column.
        let parsed = Expr::parse("#{VB_XL_MANG} / #{VB_TONG}").unwrap();
        let known = |c: &Code, _: Option<&Code>| c.as_str() == "VB_XL_MANG";
        let err = parsed.check(&known, &|_| true, &|_| true).unwrap_err();
        assert_eq!(err.to_string(), "unknown element VB_TONG at column 17");
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
