//! The lexer: characters to tokens, each with its 1-based column.

use super::{ExprError, MAX_LEN};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
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

pub(super) fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
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
