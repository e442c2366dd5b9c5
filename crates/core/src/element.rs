//! Data elements: what is counted or measured, and how it adds up.

use crate::code::Code;
use serde::{Deserialize, Serialize};

/// The type of a data element's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    Number,
    /// A whole number, negative or not (DHIS2's INTEGER).
    Integer,
    /// A whole number above zero (DHIS2's INTEGER_POSITIVE).
    IntegerPositive,
    /// A whole number, zero or above: a count (DHIS2's INTEGER_ZERO_OR_POSITIVE).
    IntegerZeroOrPositive,
    /// A whole number below zero (DHIS2's INTEGER_NEGATIVE).
    IntegerNegative,
    /// A number from 0 to 100.
    Percentage,
    /// A number from 0 to 1 (DHIS2's UNIT_INTERVAL).
    UnitInterval,
    /// Yes or no; counts as 1 or 0.
    Boolean,
    /// Yes only; counts as 1 (DHIS2's TRUE_ONLY).
    TrueOnly,
    Text,
    /// A calendar date, YYYY-MM-DD.
    Date,
}

impl ValueType {
    pub const ALL: [ValueType; 11] = [
        ValueType::Number,
        ValueType::Integer,
        ValueType::IntegerPositive,
        ValueType::IntegerZeroOrPositive,
        ValueType::IntegerNegative,
        ValueType::Percentage,
        ValueType::UnitInterval,
        ValueType::Boolean,
        ValueType::TrueOnly,
        ValueType::Text,
        ValueType::Date,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Number => "number",
            ValueType::Integer => "integer",
            ValueType::IntegerPositive => "integer_positive",
            ValueType::IntegerZeroOrPositive => "integer_zero_or_positive",
            ValueType::IntegerNegative => "integer_negative",
            ValueType::Percentage => "percentage",
            ValueType::UnitInterval => "unit_interval",
            ValueType::Boolean => "boolean",
            ValueType::TrueOnly => "true_only",
            ValueType::Text => "text",
            ValueType::Date => "date",
        }
    }
    /// Whole numbers only (of any sign or range).
    pub fn is_integer(self) -> bool {
        matches!(
            self,
            ValueType::Integer
                | ValueType::IntegerPositive
                | ValueType::IntegerZeroOrPositive
                | ValueType::IntegerNegative
        )
    }
    /// The smallest and largest number a value may be, where the type bounds it.
    pub fn bounds(self) -> (Option<f64>, Option<f64>) {
        match self {
            ValueType::IntegerPositive => (Some(1.0), None),
            ValueType::IntegerZeroOrPositive => (Some(0.0), None),
            ValueType::IntegerNegative => (None, Some(-1.0)),
            ValueType::Percentage => (Some(0.0), Some(100.0)),
            ValueType::UnitInterval => (Some(0.0), Some(1.0)),
            ValueType::Boolean | ValueType::TrueOnly => (Some(0.0), Some(1.0)),
            ValueType::Number | ValueType::Integer | ValueType::Text | ValueType::Date => {
                (None, None)
            }
        }
    }
    pub fn parse(s: &str) -> Option<ValueType> {
        ValueType::ALL.into_iter().find(|t| t.as_str() == s)
    }
    pub fn is_numeric(self) -> bool {
        !matches!(self, ValueType::Text | ValueType::Date)
    }
}

/// How values of an element combine across units and periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AggregationType {
    Sum,
    /// The mean of all values, over units and periods alike.
    Average,
    /// Added up over units, averaged over periods (DHIS2's AVERAGE_SUM_ORG_UNIT): e.g. the
    /// officials employed, reported monthly, in a year.
    AverageOverTime,
    /// Added up over units, the last period's value (stocks such as "officials employed").
    LastValue,
    Min,
    Max,
    /// The number of values.
    Count,
}

impl AggregationType {
    pub const ALL: [AggregationType; 7] = [
        AggregationType::Sum,
        AggregationType::Average,
        AggregationType::AverageOverTime,
        AggregationType::LastValue,
        AggregationType::Min,
        AggregationType::Max,
        AggregationType::Count,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            AggregationType::Sum => "sum",
            AggregationType::Average => "average",
            AggregationType::AverageOverTime => "average_over_time",
            AggregationType::LastValue => "last_value",
            AggregationType::Min => "min",
            AggregationType::Max => "max",
            AggregationType::Count => "count",
        }
    }
    pub fn parse(s: &str) -> Option<AggregationType> {
        AggregationType::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// A data element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DataElement {
    #[schema(value_type = String, example = "VB_XL_MANG")]
    pub code: Code,
    #[schema(example = "Văn bản điện tử xử lý trên môi trường mạng")]
    pub name_vi: String,
    pub name_en: Option<String>,
    pub value_type: ValueType,
    pub aggregation: AggregationType,
    /// Unit of measure as shown to users, e.g. "văn bản", "%", "tỷ đồng".
    pub unit_of_measure: Option<String>,
    /// The breakdown (category) its values may carry, e.g. sex or service.
    #[schema(value_type = Option<String>)]
    pub breakdown: Option<Code>,
    pub description: Option<String>,
}

impl DataElement {
    pub fn name(&self, lang: &str) -> &str {
        match (lang, &self.name_en) {
            ("en", Some(n)) if !n.is_empty() => n,
            _ => &self.name_vi,
        }
    }

    pub fn check(&self) -> Result<(), String> {
        if self.name_vi.trim().is_empty() {
            return Err("the Vietnamese name is empty".into());
        }
        let numeric_only = matches!(
            self.aggregation,
            AggregationType::Sum
                | AggregationType::Average
                | AggregationType::AverageOverTime
                | AggregationType::Min
                | AggregationType::Max
        );
        if numeric_only && !self.value_type.is_numeric() {
            return Err(format!(
                "aggregation '{}' needs a numeric value type, not '{}'",
                self.aggregation.as_str(),
                self.value_type.as_str()
            ));
        }
        Ok(())
    }
}

/// A breakdown (DHIS2's category): a set of options a value may be split by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Breakdown {
    #[schema(value_type = String, example = "GIOI_TINH")]
    pub code: Code,
    pub name_vi: String,
    pub name_en: Option<String>,
    pub options: Vec<BreakdownOption>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BreakdownOption {
    #[schema(value_type = String, example = "NU")]
    pub code: Code,
    pub name_vi: String,
    pub name_en: Option<String>,
}
