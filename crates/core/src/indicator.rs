//! Indicators: numerator / denominator × factor, evaluated on sums (never averages of ratios).

use crate::code::Code;
use crate::expr::{Expr, ExprError};
use serde::{Deserialize, Serialize};

/// Which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::HigherIsBetter => "higher_is_better",
            Direction::LowerIsBetter => "lower_is_better",
        }
    }
    pub fn parse(s: &str) -> Option<Direction> {
        match s {
            "higher_is_better" => Some(Direction::HigherIsBetter),
            "lower_is_better" => Some(Direction::LowerIsBetter),
            _ => None,
        }
    }
}

/// An indicator definition as stored (expressions as text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Indicator {
    #[schema(value_type = String, example = "VB_DIEN_TU_TY_LE")]
    pub code: Code,
    pub name_vi: String,
    pub name_en: Option<String>,
    /// e.g. `#{VB_XL_MANG}`
    pub numerator: String,
    /// e.g. `#{VB_DEN}`; `1` for an amount.
    pub denominator: String,
    /// 100 for a percentage, 1 for an amount.
    pub factor: f64,
    /// Decimals shown (rounding happens only at display).
    pub decimals: u8,
    pub direction: Direction,
    /// Unit shown after the value, e.g. "%", "tỷ đồng".
    pub unit_label: Option<String>,
    /// True for a rate (its change is in percentage points), false for an amount.
    pub is_rate: bool,
    pub description: Option<String>,
    /// May be read by anyone when the server allows public access.
    #[serde(default)]
    pub published: bool,
}

/// A named number for expressions, `C{CODE}` (e.g. a population from the census).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Constant {
    #[schema(value_type = String, example = "DAN_SO_2019")]
    pub code: Code,
    pub name_vi: String,
    pub name_en: Option<String>,
    pub value: f64,
}

/// An indicator with its expressions parsed.
#[derive(Debug, Clone)]
pub struct CompiledIndicator {
    pub def: Indicator,
    pub numerator: Expr,
    pub denominator: Expr,
}

impl Indicator {
    /// Parse both expressions; errors name the field.
    pub fn compile(&self) -> Result<CompiledIndicator, (&'static str, ExprError)> {
        let numerator = Expr::parse(&self.numerator).map_err(|e| ("numerator", e))?;
        let denominator = Expr::parse(&self.denominator).map_err(|e| ("denominator", e))?;
        Ok(CompiledIndicator {
            def: self.clone(),
            numerator,
            denominator,
        })
    }

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
        if !self.factor.is_finite() || self.factor == 0.0 {
            return Err("the factor must be a non-zero number".into());
        }
        if self.decimals > 6 {
            return Err("at most 6 decimals".into());
        }
        Ok(())
    }
}
