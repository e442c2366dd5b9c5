//! The parser: tokens to an [`Expr`], by precedence climbing, with a bound on nesting.

use super::lex::{lex, Tok};
use super::{BinOp, Expr, ExprError, Func, PeriodMod, MAX_DEPTH};
use crate::code::Code;

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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
