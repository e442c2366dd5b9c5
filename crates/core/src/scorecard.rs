//! Scorecards in the manner of the ministry's DX index (DTI): pillars → criteria with points
//! and a scoring rule → a unit's index = points earned / maximum, ranked per pillar and overall.

use crate::code::Code;
use crate::target::Comparator;
use serde::{Deserialize, Serialize};

/// How a criterion turns an indicator's value into points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Rule {
    /// Points in proportion: value / `full_at` × maximum, at most the maximum (for a ratio
    /// a/b with full points at 100 %, this is a/b × maximum).
    Proportional { full_at: f64 },
    /// Full points when `full` holds, half when `half` holds, else none.
    Steps {
        full: (Comparator, f64),
        half: Option<(Comparator, f64)>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Criterion {
    #[schema(value_type = String)]
    pub code: Code,
    pub name_vi: String,
    pub name_en: Option<String>,
    #[schema(value_type = String)]
    pub indicator: Code,
    pub max_points: f64,
    pub rule: Rule,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Pillar {
    #[schema(value_type = String)]
    pub code: Code,
    pub name_vi: String,
    pub name_en: Option<String>,
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Scorecard {
    #[schema(value_type = String, example = "DTI_XA")]
    pub code: Code,
    pub name_vi: String,
    pub name_en: Option<String>,
    pub description: Option<String>,
    pub pillars: Vec<Pillar>,
}

fn holds(c: Comparator, v: f64, x: f64) -> bool {
    match c {
        Comparator::AtLeast => v >= x,
        Comparator::AtMost => v <= x,
        Comparator::Equal => (v - x).abs() <= 1e-9 * v.abs().max(x.abs()).max(1.0),
    }
}

impl Rule {
    /// Points earned for a value (none when there is no value).
    pub fn points(&self, value: Option<f64>, max: f64) -> f64 {
        let Some(v) = value else { return 0.0 };
        match self {
            Rule::Proportional { full_at } => {
                if *full_at <= 0.0 {
                    return 0.0;
                }
                (v / full_at).clamp(0.0, 1.0) * max
            }
            Rule::Steps { full, half } => {
                if holds(full.0, v, full.1) {
                    max
                } else if half.is_some_and(|(c, x)| holds(c, v, x)) {
                    max / 2.0
                } else {
                    0.0
                }
            }
        }
    }
}

impl Scorecard {
    pub fn check(&self) -> Result<(), String> {
        if self.name_vi.trim().is_empty() {
            return Err("the Vietnamese name is empty".into());
        }
        if self.pillars.is_empty() {
            return Err("a scorecard needs at least one pillar".into());
        }
        let mut seen = std::collections::HashSet::new();
        for p in &self.pillars {
            if p.criteria.is_empty() {
                return Err(format!("pillar {} has no criteria", p.code));
            }
            for c in &p.criteria {
                if !seen.insert(c.code.as_str()) {
                    return Err(format!("criterion {} appears twice", c.code));
                }
                if !(c.max_points.is_finite() && c.max_points > 0.0) {
                    return Err(format!(
                        "criterion {}: the maximum must be a positive number",
                        c.code
                    ));
                }
                if let Rule::Proportional { full_at } = c.rule {
                    if !(full_at.is_finite() && full_at > 0.0) {
                        return Err(format!(
                            "criterion {}: full_at must be a positive number",
                            c.code
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    pub fn maximum(&self) -> f64 {
        self.pillars
            .iter()
            .flat_map(|p| &p.criteria)
            .map(|c| c.max_points)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        let p = Rule::Proportional { full_at: 100.0 };
        assert!((p.points(Some(94.89), 10.0) - 9.489).abs() < 1e-12);
        assert_eq!(p.points(Some(120.0), 10.0), 10.0);
        assert_eq!(p.points(None, 10.0), 0.0);
        let s = Rule::Steps {
            full: (Comparator::AtLeast, 95.0),
            half: Some((Comparator::AtLeast, 85.0)),
        };
        assert_eq!(s.points(Some(97.22), 10.0), 10.0);
        assert_eq!(s.points(Some(90.0), 10.0), 5.0);
        assert_eq!(s.points(Some(80.0), 10.0), 0.0);
    }
}
