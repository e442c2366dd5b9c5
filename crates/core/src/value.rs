//! Data values: element × unit × period (× breakdown option) → value, with provenance.

use crate::code::Code;
use crate::element::ValueType;
use crate::period::Period;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest text value accepted.
pub const MAX_TEXT_LEN: usize = 50_000;
/// Longest comment accepted.
pub const MAX_COMMENT_LEN: usize = 2_000;

/// Why a value was refused for its element's type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("'{0}' is not a number")]
    NotANumber(String),
    #[error("'{0}' is not a whole number")]
    NotAnInteger(String),
    #[error("'{0}' is not a whole number above zero")]
    NotPositive(String),
    #[error("'{0}' is negative: a whole number of zero or more is expected")]
    Negative(String),
    #[error("'{0}' is not a whole number below zero")]
    NotNegative(String),
    #[error("{0} is not a percentage between 0 and 100")]
    PercentageOutOfRange(String),
    #[error("{0} is not a number between 0 and 1")]
    UnitIntervalOutOfRange(String),
    #[error("'{0}' is not yes/no (true, false, 1, 0)")]
    NotABoolean(String),
    #[error("'{0}' is not yes: only yes (true, 1) is taken")]
    NotTrue(String),
    #[error("'{0}' is not a date (YYYY-MM-DD)")]
    NotADate(String),
    #[error("the value is empty")]
    Empty,
    #[error("the text is longer than {MAX_TEXT_LEN} characters")]
    TooLong,
}

impl ValueError {
    /// The error in Vietnamese (`to_string` gives it in English).
    pub fn vi(&self) -> String {
        match self {
            ValueError::NotANumber(s) => format!(
                "'{s}' không phải là số (dùng dấu chấm thập phân, không dùng dấu phân cách hàng nghìn)"
            ),
            ValueError::NotAnInteger(s) => format!("'{s}' không phải là số nguyên"),
            ValueError::NotPositive(s) => format!("'{s}' không phải là số nguyên lớn hơn 0"),
            ValueError::Negative(s) => format!("'{s}' là số âm: cần một số nguyên từ 0 trở lên"),
            ValueError::NotNegative(s) => format!("'{s}' không phải là số nguyên nhỏ hơn 0"),
            ValueError::PercentageOutOfRange(s) => {
                format!("{s} không phải là tỷ lệ phần trăm từ 0 đến 100")
            }
            ValueError::UnitIntervalOutOfRange(s) => format!("{s} không phải là số từ 0 đến 1"),
            ValueError::NotABoolean(s) => format!("'{s}' không phải là Có/Không"),
            ValueError::NotTrue(s) => format!("'{s}' không phải là Có: chỉ nhận Có (true, 1)"),
            ValueError::NotADate(s) => format!("'{s}' không phải là ngày (YYYY-MM-DD)"),
            ValueError::Empty => "giá trị bị bỏ trống".into(),
            ValueError::TooLong => "nội dung quá dài".into(),
        }
    }
}

/// A value checked against its type: the canonical text kept in the store and, for numeric
/// types, the number the engine adds up (yes/no counts 1/0).
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedValue {
    pub text: String,
    pub num: Option<f64>,
}

impl ParsedValue {
    pub fn parse(value_type: ValueType, raw: &str) -> Result<ParsedValue, ValueError> {
        let s = raw.trim();
        if s.is_empty() {
            return Err(ValueError::Empty);
        }
        let number = |s: &str| -> Result<f64, ValueError> {
            // Plain decimal notation only: no thousands separators, no exponent, no inf/NaN.
            let ok = s
                .strip_prefix('-')
                .unwrap_or(s)
                .split_once('.')
                .map_or_else(
                    || {
                        !s.trim_start_matches('-').is_empty()
                            && s.trim_start_matches('-')
                                .bytes()
                                .all(|b| b.is_ascii_digit())
                    },
                    |(a, b)| {
                        !a.is_empty()
                            && !b.is_empty()
                            && a.bytes().all(|c| c.is_ascii_digit())
                            && b.bytes().all(|c| c.is_ascii_digit())
                    },
                );
            if !ok {
                return Err(ValueError::NotANumber(s.to_string()));
            }
            let v: f64 = s
                .parse()
                .map_err(|_| ValueError::NotANumber(s.to_string()))?;
            if !v.is_finite() {
                return Err(ValueError::NotANumber(s.to_string()));
            }
            Ok(if v == 0.0 { 0.0 } else { v })
        };
        let canon = |v: f64| format!("{v}");
        match value_type {
            ValueType::Number => {
                let v = number(s)?;
                Ok(ParsedValue {
                    text: canon(v),
                    num: Some(v),
                })
            }
            ValueType::Integer
            | ValueType::IntegerPositive
            | ValueType::IntegerZeroOrPositive
            | ValueType::IntegerNegative => {
                let v: i64 = s
                    .parse()
                    .map_err(|_| ValueError::NotAnInteger(s.to_string()))?;
                if v.unsigned_abs() > (1u64 << 53) {
                    return Err(ValueError::NotAnInteger(s.to_string()));
                }
                let refused = match value_type {
                    ValueType::IntegerPositive if v <= 0 => {
                        Some(ValueError::NotPositive(s.to_string()))
                    }
                    ValueType::IntegerZeroOrPositive if v < 0 => {
                        Some(ValueError::Negative(s.to_string()))
                    }
                    ValueType::IntegerNegative if v >= 0 => {
                        Some(ValueError::NotNegative(s.to_string()))
                    }
                    _ => None,
                };
                if let Some(e) = refused {
                    return Err(e);
                }
                Ok(ParsedValue {
                    text: v.to_string(),
                    num: Some(v as f64),
                })
            }
            ValueType::Percentage | ValueType::UnitInterval => {
                let v = number(s)?;
                let (max, err): (f64, fn(String) -> ValueError) =
                    if value_type == ValueType::Percentage {
                        (100.0, ValueError::PercentageOutOfRange)
                    } else {
                        (1.0, ValueError::UnitIntervalOutOfRange)
                    };
                if !(0.0..=max).contains(&v) {
                    return Err(err(s.to_string()));
                }
                Ok(ParsedValue {
                    text: canon(v),
                    num: Some(v),
                })
            }
            ValueType::Boolean | ValueType::TrueOnly => {
                let b = match s.to_lowercase().as_str() {
                    "true" | "1" | "yes" | "có" => true,
                    "false" | "0" | "no" | "không" if value_type == ValueType::Boolean => false,
                    _ if value_type == ValueType::TrueOnly => {
                        return Err(ValueError::NotTrue(s.to_string()))
                    }
                    _ => return Err(ValueError::NotABoolean(s.to_string())),
                };
                Ok(ParsedValue {
                    text: b.to_string(),
                    num: Some(if b { 1.0 } else { 0.0 }),
                })
            }
            ValueType::Text => {
                if s.chars().count() > MAX_TEXT_LEN {
                    return Err(ValueError::TooLong);
                }
                Ok(ParsedValue {
                    text: s.to_string(),
                    num: None,
                })
            }
            ValueType::Date => {
                let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map_err(|_| ValueError::NotADate(s.to_string()))?;
                let text = d.format("%Y-%m-%d").to_string();
                // Four-digit years only: "-213-05-28" would print as "-0213-05-28" (found by
                // the `value` fuzz target), which is not taken back.
                if s.len() != 10 || text.len() != 10 {
                    return Err(ValueError::NotADate(s.to_string()));
                }
                Ok(ParsedValue { text, num: None })
            }
        }
    }
}

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SourceTag {
    /// A published figure (reproduced exactly).
    Published,
    /// Derived from a published figure under an assumption stated in the comment.
    Derived,
    /// A plausible made-up value; never present it as real.
    Illustrative,
    /// Typed in by a person.
    Entered,
    /// Loaded by an import batch.
    Import(String),
}

impl SourceTag {
    pub fn parse(s: &str) -> Result<SourceTag, String> {
        match s {
            "published" => Ok(SourceTag::Published),
            "derived" => Ok(SourceTag::Derived),
            "illustrative" => Ok(SourceTag::Illustrative),
            "entered" => Ok(SourceTag::Entered),
            _ => match s.strip_prefix("import:") {
                Some(batch) if Code::parse(batch).is_ok() => Ok(SourceTag::Import(batch.to_string())),
                _ => Err(format!(
                    "'{s}' is not a source; use published, derived, illustrative, entered or import:BATCH"
                )),
            },
        }
    }
}

impl fmt::Display for SourceTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceTag::Published => f.write_str("published"),
            SourceTag::Derived => f.write_str("derived"),
            SourceTag::Illustrative => f.write_str("illustrative"),
            SourceTag::Entered => f.write_str("entered"),
            SourceTag::Import(b) => write!(f, "import:{b}"),
        }
    }
}

impl Serialize for SourceTag {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SourceTag {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        SourceTag::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The channel a change came through (kept in the audit log).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    Api,
    Web,
    Import,
    Cli,
    Demo,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Api => "api",
            Via::Web => "web",
            Via::Import => "import",
            Via::Cli => "cli",
            Via::Demo => "demo",
        }
    }
}

/// A value as submitted, before the store checks it against elements, units and periods.
#[derive(Debug, Clone, PartialEq)]
pub struct DataValueInput {
    pub element: Code,
    pub unit: Code,
    pub period: Period,
    pub breakdown: Option<Code>,
    /// The value as typed; checked against the element's value type by the store.
    pub value: String,
    pub comment: Option<String>,
    pub source: SourceTag,
}

/// A stored data value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DataValue {
    #[schema(value_type = String, example = "VB_XL_MANG")]
    pub element: Code,
    #[schema(value_type = String, example = "22738")]
    pub unit: Code,
    #[schema(value_type = String, example = "2023")]
    pub period: Period,
    #[schema(value_type = Option<String>)]
    pub breakdown: Option<Code>,
    pub value: String,
    /// The number the engine adds up (numeric types only).
    pub num: Option<f64>,
    pub comment: Option<String>,
    /// published, derived, illustrative, entered or import:BATCH.
    #[schema(value_type = String, example = "published")]
    pub source: SourceTag,
    pub stored_by: String,
    pub stored_at: DateTime<Utc>,
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub via: String,
    /// What changed, e.g. "data_value.insert", "unit.update".
    pub action: String,
    /// The key of the changed thing, e.g. "VB_XL_MANG/22738/2023/".
    pub entity: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numbers() {
        let p = |t, s| ParsedValue::parse(t, s);
        assert_eq!(
            p(ValueType::Number, " 12.50 ").unwrap(),
            ParsedValue {
                text: "12.5".into(),
                num: Some(12.5)
            }
        );
        assert_eq!(p(ValueType::Number, "-0").unwrap().text, "0");
        assert_eq!(p(ValueType::Integer, "237225").unwrap().num, Some(237225.0));
        for bad in [
            "abc", "1,5", "1e5", "NaN", "inf", "1.", ".5", "--1", "-", "1 000",
        ] {
            assert!(p(ValueType::Number, bad).is_err(), "{bad}");
        }
        assert!(matches!(
            p(ValueType::Integer, "1.5"),
            Err(ValueError::NotAnInteger(_))
        ));
        assert!(matches!(
            p(ValueType::Percentage, "100.01"),
            Err(ValueError::PercentageOutOfRange(_))
        ));
        assert_eq!(p(ValueType::Percentage, "94.89").unwrap().num, Some(94.89));
        assert_eq!(
            p(ValueType::Boolean, "Có").unwrap(),
            ParsedValue {
                text: "true".into(),
                num: Some(1.0)
            }
        );
        assert!(p(ValueType::Boolean, "maybe").is_err());
        assert_eq!(p(ValueType::Date, "2023-05-09").unwrap().text, "2023-05-09");
        assert!(p(ValueType::Date, "09/05/2023").is_err());
        assert!(p(ValueType::Date, "2023-5-9").is_err());
        assert!(p(ValueType::Date, "-213-05-28").is_err());
        assert_eq!(p(ValueType::Text, "  "), Err(ValueError::Empty));
    }

    #[test]
    fn bounded_types_as_dhis2() {
        let p = |t, s| ParsedValue::parse(t, s);
        use ValueType::*;
        assert_eq!(p(Integer, "-3").unwrap().num, Some(-3.0));
        assert_eq!(p(IntegerZeroOrPositive, "0").unwrap().num, Some(0.0));
        assert_eq!(p(IntegerZeroOrPositive, "42").unwrap().text, "42");
        assert_eq!(
            p(IntegerZeroOrPositive, "-1"),
            Err(ValueError::Negative("-1".into()))
        );
        assert_eq!(p(IntegerZeroOrPositive, "-0").unwrap().text, "0");
        assert!(matches!(
            p(IntegerZeroOrPositive, "1.5"),
            Err(ValueError::NotAnInteger(_))
        ));
        assert_eq!(p(IntegerPositive, "1").unwrap().num, Some(1.0));
        assert_eq!(
            p(IntegerPositive, "0"),
            Err(ValueError::NotPositive("0".into()))
        );
        assert_eq!(p(IntegerNegative, "-7").unwrap().num, Some(-7.0));
        assert_eq!(
            p(IntegerNegative, "0"),
            Err(ValueError::NotNegative("0".into()))
        );
        assert_eq!(p(Percentage, "0").unwrap().num, Some(0.0));
        assert!(matches!(
            p(Percentage, "-0.5"),
            Err(ValueError::PercentageOutOfRange(_))
        ));
        assert_eq!(p(UnitInterval, "0.25").unwrap().num, Some(0.25));
        assert_eq!(p(UnitInterval, "1").unwrap().num, Some(1.0));
        assert!(matches!(
            p(UnitInterval, "1.01"),
            Err(ValueError::UnitIntervalOutOfRange(_))
        ));
        assert!(matches!(
            p(UnitInterval, "-0.1"),
            Err(ValueError::UnitIntervalOutOfRange(_))
        ));
        assert_eq!(
            p(TrueOnly, "Có").unwrap(),
            ParsedValue {
                text: "true".into(),
                num: Some(1.0)
            }
        );
        assert_eq!(
            p(TrueOnly, "false"),
            Err(ValueError::NotTrue("false".into()))
        );
        assert_eq!(p(Boolean, "false").unwrap().num, Some(0.0));
    }

    #[test]
    fn source_tags() {
        for s in [
            "published",
            "derived",
            "illustrative",
            "entered",
            "import:2024-01-batch",
        ] {
            assert_eq!(SourceTag::parse(s).unwrap().to_string(), s);
        }
        assert!(SourceTag::parse("import:").is_err());
        assert!(SourceTag::parse("made-up").is_err());
    }

    proptest! {
        #[test]
        fn numbers_roundtrip_through_their_canonical_text(v in -1e12f64..1e12) {
            let text = format!("{v}");
            let parsed = ParsedValue::parse(ValueType::Number, &text).unwrap();
            prop_assert_eq!(parsed.num, Some(v));
            let again = ParsedValue::parse(ValueType::Number, &parsed.text).unwrap();
            prop_assert_eq!(again, parsed);
        }

        #[test]
        fn parsing_never_panics(s in ".{0,30}") {
            for t in ValueType::ALL {
                let _ = ParsedValue::parse(t, &s);
            }
        }

        #[test]
        fn a_value_taken_lies_within_its_types_bounds(s in "-?[0-9]{1,4}(\\.[0-9]{1,2})?") {
            for t in ValueType::ALL {
                if let Ok(v) = ParsedValue::parse(t, &s) {
                    let (lo, hi) = t.bounds();
                    let n = v.num.unwrap_or(0.0);
                    prop_assert!(lo.is_none_or(|lo| n >= lo), "{} {}", t.as_str(), s);
                    prop_assert!(hi.is_none_or(|hi| n <= hi), "{} {}", t.as_str(), s);
                    prop_assert!(!t.is_integer() || n.fract() == 0.0);
                }
            }
        }
    }
}
