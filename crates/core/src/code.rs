//! Codes: the identifiers users type and see (unit codes, data element codes, group codes…).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    #[error("the code is empty")]
    Empty,
    #[error("the code is longer than {max} characters")]
    TooLong { max: usize },
    #[error("the code contains the character {0:?}; use letters A-Z, digits, '_', '-' or '.'")]
    BadChar(char),
}

/// A validated identifier: 1 to 50 ASCII letters, digits, `_`, `-` or `.`, starting with a
/// letter or digit. Case is kept as given: codes are compared exactly.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Code(String);

impl Code {
    pub const MAX_LEN: usize = 50;

    pub fn parse(s: &str) -> Result<Code, CodeError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(CodeError::Empty);
        }
        if s.chars().count() > Self::MAX_LEN {
            return Err(CodeError::TooLong { max: Self::MAX_LEN });
        }
        for (i, c) in s.chars().enumerate() {
            let ok = c.is_ascii_alphanumeric() || (i > 0 && matches!(c, '_' | '-' | '.'));
            if !ok {
                return Err(CodeError::BadChar(c));
            }
        }
        Ok(Code(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Code {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Code::parse(&s)
    }
}

impl From<Code> for String {
    fn from(c: Code) -> String {
        c.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_statistics_office_and_free_codes() {
        assert_eq!(Code::parse("58").unwrap().as_str(), "58");
        assert_eq!(Code::parse(" 22738 ").unwrap().as_str(), "22738");
        assert_eq!(Code::parse("58-SO-YT").unwrap().as_str(), "58-SO-YT");
        assert_eq!(Code::parse("VB_XL_MANG").unwrap().as_str(), "VB_XL_MANG");
    }

    #[test]
    fn refuses_bad_codes() {
        assert_eq!(Code::parse(""), Err(CodeError::Empty));
        assert_eq!(Code::parse("_a"), Err(CodeError::BadChar('_')));
        assert_eq!(Code::parse("a b"), Err(CodeError::BadChar(' ')));
        assert_eq!(Code::parse("x;DROP"), Err(CodeError::BadChar(';')));
        assert!(matches!(
            Code::parse(&"A".repeat(51)),
            Err(CodeError::TooLong { .. })
        ));
    }

    proptest! {
        #[test]
        fn parse_print_roundtrip(s in "[A-Za-z0-9][A-Za-z0-9_.-]{0,49}") {
            let c = Code::parse(&s).unwrap();
            prop_assert_eq!(c.to_string(), s.clone());
            prop_assert_eq!(Code::parse(c.as_str()).unwrap(), c);
        }

        #[test]
        fn never_panics(s in ".*") {
            let _ = Code::parse(&s);
        }
    }
}
